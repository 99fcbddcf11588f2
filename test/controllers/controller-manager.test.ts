/**
 * The controller-manager core end to end against a small in-memory apiserver (synchronous, no
 * network): leader election, the serviceaccount controller creating `default` once and again
 * after a delete, the node lifecycle controller marking a silent node Unknown, tainting it once,
 * marking its pods not ready, evicting them after 300 s, and lifting the taints on recovery; a
 * failed write retried through the rate-limited queue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRequest, ApiWatchEvent, KubeObject } from '../../actors/api/protocol.ts';
import { microTimestamp, timestamp } from '../../actors/api/time.ts';
import { newApiClient, onResponse } from '../../actors/client/api-client.ts';
import { newOutput, type Output } from '../../actors/client/output.ts';
import {
  newControllerManager,
  onApiResult,
  onApiWatch,
  onInformerRetry,
  onLeaderRetry,
  onNodeMonitor,
  onWake,
  start,
  type ControllerManagerState,
} from '../../actors/controllers/controller-manager-core.ts';

type Fault = (req: ApiRequest) => number | null;

class FakeCluster {
  now = 0;
  private rv = 100;
  readonly objects = new Map<string, KubeObject>();
  readonly writes: ApiRequest[] = [];
  readonly traces: { kind: string; fields: Record<string, unknown> }[] = [];
  private readonly watches: { cm: ControllerManagerState; reqId: number; tag: string; resource: string; namespace?: string }[] = [];
  private readonly timers = new Map<string, { cm: ControllerManagerState; atMs: number; seq: number; event: { type: string; [f: string]: unknown } }>();
  private timerSeq = 0;
  fault: Fault = () => null;

  key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}|${namespace ?? ''}|${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(resource, namespace, name));
  }

  /** Writes an object as some other client would (a kubelet, a user) and tells the watchers. */
  put(resource: string, obj: KubeObject): KubeObject {
    const meta = obj.metadata ?? {};
    const key = this.key(resource, meta.namespace, meta.name ?? '');
    const existed = this.objects.has(key);
    const stored = { ...obj, metadata: { ...meta, resourceVersion: String(++this.rv), creationTimestamp: meta.creationTimestamp ?? timestamp(this.now) } };
    this.objects.set(key, stored);
    this.notify(resource, meta.namespace, { type: existed ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const key = this.key(resource, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.notify(resource, namespace, { type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } });
  }

  private notify(resource: string, namespace: string | undefined, event: ApiWatchEvent): void {
    for (const w of this.watches) {
      if (w.resource !== resource || (w.namespace !== undefined && w.namespace !== namespace)) continue;
      this.run(w.cm, (out) => onApiWatch(w.cm, { tag: w.tag, reqId: w.reqId, events: [event], ended: false }, this.now, out));
    }
  }

  /** Runs a core handler and everything its output causes, synchronously. */
  run(cm: ControllerManagerState, fn: (out: Output) => void): void {
    const out = newOutput();
    fn(out);
    for (const t of out.traces) this.traces.push(t);
    for (const id of out.cancels) this.timers.delete(id);
    for (const t of out.timers) this.timers.set(t.id, { cm, atMs: this.now + t.delayMs, seq: ++this.timerSeq, event: t.event });
    for (const send of out.sends) {
      const req = send.msg as ApiRequest;
      if (req.type === 'ApiRequest') this.serve(cm, req);
    }
  }

  private respond(cm: ControllerManagerState, req: ApiRequest, code: number, body: KubeObject): void {
    this.run(cm, (out) => {
      const r = onResponse(cm.client, { type: 'ApiResponse', from: 'kube-apiserver', reqId: req.reqId, code, body }, out);
      if (r) onApiResult(cm, r, this.now, out);
    });
  }

  private serve(cm: ControllerManagerState, req: ApiRequest): void {
    const status = (code: number, message: string): KubeObject => ({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason: '', code });
    if (req.verb === 'watch') {
      this.watches.push({ cm, reqId: req.reqId, tag: cm.client.watches.get(req.reqId)!.tag, resource: req.resource, ...(req.namespace ? { namespace: req.namespace } : {}) });
      return;
    }
    if (req.verb === 'list') {
      const items = [...this.objects].filter(([k]) => k.startsWith(`${req.resource}|${req.namespace ?? ''}`)).map(([, o]) => o);
      return this.respond(cm, req, 200, { kind: 'List', metadata: { resourceVersion: String(this.rv) }, items });
    }
    const name = req.name ?? req.body?.metadata?.name ?? '';
    const existing = this.get(req.resource, req.namespace, name);
    if (req.verb === 'get') return existing ? this.respond(cm, req, 200, existing) : this.respond(cm, req, 404, status(404, 'not found'));
    this.writes.push(req);
    const injected = this.fault(req);
    if (injected !== null) return this.respond(cm, req, injected, status(injected, 'injected'));
    if (req.verb === 'create') {
      if (req.resource === 'events') return this.respond(cm, req, 201, req.body!);
      if (existing) return this.respond(cm, req, 409, status(409, 'already exists'));
      return this.respond(cm, req, 201, this.put(req.resource, { ...req.body!, metadata: { ...req.body!.metadata, namespace: req.namespace } }));
    }
    if (req.verb === 'update') {
      if (!existing) return this.respond(cm, req, 404, status(404, 'not found'));
      if (req.body?.metadata?.resourceVersion !== existing.metadata?.resourceVersion) return this.respond(cm, req, 409, status(409, 'conflict'));
      const next = req.subresource === 'status' ? { ...existing, status: req.body!.status } : { ...req.body!, status: existing.status };
      return this.respond(cm, req, 200, this.put(req.resource, next));
    }
    if (req.verb === 'delete') {
      if (!existing) return this.respond(cm, req, 404, status(404, 'not found'));
      if (req.resource === 'pods') {
        // Graceful: the kubelet would finish it; here it only gets its deletionTimestamp.
        return this.respond(cm, req, 200, this.put('pods', { ...existing, metadata: { ...existing.metadata, deletionTimestamp: timestamp(this.now + 30_000) } }));
      }
      this.remove(req.resource, req.namespace, name);
      return this.respond(cm, req, 200, existing);
    }
  }

  /** Fires every timer due up to `toMs`, in time order. */
  advance(toMs: number): void {
    for (;;) {
      let next: [string, { cm: ControllerManagerState; atMs: number; seq: number; event: { type: string; [f: string]: unknown } }] | undefined;
      for (const entry of this.timers) if (entry[1].atMs <= toMs && (!next || entry[1].atMs < next[1].atMs || (entry[1].atMs === next[1].atMs && entry[1].seq < next[1].seq))) next = entry;
      if (!next) break;
      const [id, t] = next;
      this.timers.delete(id);
      this.now = t.atMs;
      const e = t.event;
      const cm = t.cm;
      this.run(cm, (out) => {
        if (e.type === 'LeaderElectionRetry') onLeaderRetry(cm, this.now, out);
        else if (e.type === 'NodeMonitor') onNodeMonitor(cm, e.id as string, this.now, out);
        else if (e.type === 'ControllerWake') onWake(cm, e.id as string, this.now, out);
        else if (e.type === 'InformerRetry') onInformerRetry(cm, e.informer as string, e.what as 'list' | 'watch', this.now, out);
      });
    }
    this.now = toMs;
  }

  startControllerManager(name: string): ControllerManagerState {
    const cm = newControllerManager(`${name}_1`, newApiClient({ name, token: `${name}-token`, server: 'kube-apiserver', requestTimeoutMs: 10_000, watchIdleTimeoutMs: 1e12 }));
    this.run(cm, (out) => start(cm, this.now, out));
    return cm;
  }

  controllerTraces(action?: string): Record<string, unknown>[] {
    return this.traces.filter((t) => t.kind === 'k8s.controller' && (action === undefined || t.fields.action === action)).map((t) => t.fields);
  }
}

const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });

function kubeletNode(name: string, atMs: number, ready = 'True'): KubeObject {
  const t = timestamp(atMs);
  const c = (type: string, status: string) => ({ type, status, reason: 'r', message: 'm', lastHeartbeatTime: t, lastTransitionTime: t });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}` },
    spec: {},
    status: { conditions: [c('MemoryPressure', 'False'), c('DiskPressure', 'False'), c('PIDPressure', 'False'), c('Ready', ready)] },
  };
}

function renewLease(cluster: FakeCluster, name: string): void {
  const old = cluster.get('leases', 'kube-node-lease', name);
  cluster.put('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...(old?.metadata ?? {}), name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTimestamp(cluster.now) } });
}

function runningPod(name: string, node: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: node,
      containers: [{ name: 'app', image: 'nginx' }],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(0) }] },
  };
}

const countWrites = (cluster: FakeCluster, pred: (r: ApiRequest) => boolean): number => cluster.writes.filter(pred).length;

describe('controller-manager: leader election', () => {
  it('one instance takes the lease; a standby keeps trying and does no work', () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', namespace('team-a'));
    const a = cluster.startControllerManager('kube-controller-manager-0');
    const b = cluster.startControllerManager('kube-controller-manager-1');
    cluster.advance(10_000);
    assert.equal(a.leader.isLeader, true);
    assert.equal(b.leader.isLeader, false);
    assert.equal((cluster.get('leases', 'kube-system', 'kube-controller-manager')?.spec as { holderIdentity: string }).holderIdentity, 'kube-controller-manager-0_1');
    assert.equal(countWrites(cluster, (r) => r.resource === 'serviceaccounts'), 1, 'only the leader creates');
  });
});

describe('controller-manager: serviceaccount controller', () => {
  it('creates default once per namespace, and again after it is deleted', () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', namespace('team-a'));
    cluster.put('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'has-one' } });
    cluster.put('namespaces', namespace('has-one'));
    cluster.startControllerManager('kube-controller-manager-0');
    cluster.advance(5_000);
    const creates = () => cluster.writes.filter((r) => r.resource === 'serviceaccounts' && r.verb === 'create').map((r) => r.namespace);
    assert.deepEqual(creates(), ['team-a']);
    assert.ok(cluster.get('serviceaccounts', 'team-a', 'default'));

    // Namespace updates do not create it twice.
    cluster.put('namespaces', { ...namespace('team-a'), metadata: { name: 'team-a', labels: { x: 'y' } } });
    cluster.advance(10_000);
    assert.deepEqual(creates(), ['team-a']);

    // Deleted: it comes back.
    cluster.remove('serviceaccounts', 'team-a', 'default');
    cluster.advance(15_000);
    assert.deepEqual(creates(), ['team-a', 'team-a']);
    assert.ok(cluster.get('serviceaccounts', 'team-a', 'default'));
    assert.deepEqual(cluster.controllerTraces('created').map((f) => f.object), ['serviceaccount/team-a/default', 'serviceaccount/team-a/default']);

    // A new namespace gets one.
    cluster.put('namespaces', namespace('team-b'));
    cluster.advance(16_000);
    assert.ok(cluster.get('serviceaccounts', 'team-b', 'default'));
  });

  it('namespaces queued behind ones that need nothing get theirs at once, not one per later event', { timeout: 10_000 }, () => {
    const cluster = new FakeCluster();
    // The bootstrap namespaces and others have theirs: their syncs make no write and finish at once.
    for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system', ...Array.from({ length: 10 }, (_, i) => `app-${i}`)]) {
      cluster.put('namespaces', namespace(name));
      cluster.put('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
    }
    cluster.put('namespaces', namespace('team-a'));
    cluster.put('namespaces', namespace('team-b'));
    const cm = cluster.startControllerManager('kube-controller-manager-0');
    assert.equal(cm.leader.isLeader, true);
    // Nothing else happens before the next node-monitor pass at 5 s: the queue must not wait for it.
    cluster.advance(100);
    assert.ok(cluster.get('serviceaccounts', 'team-a', 'default'), 'team-a within 100 ms');
    assert.ok(cluster.get('serviceaccounts', 'team-b', 'default'), 'team-b within 100 ms');
    // Later, on an idle queue: at once too.
    cluster.put('namespaces', namespace('team-c'));
    cluster.advance(200);
    assert.ok(cluster.get('serviceaccounts', 'team-c', 'default'));
  });

  it('a failed create is retried after the rate limiter’s delay', () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', namespace('team-a'));
    let failures = 2;
    cluster.fault = (r) => (r.resource === 'serviceaccounts' && failures-- > 0 ? 500 : null);
    cluster.startControllerManager('kube-controller-manager-0');
    cluster.advance(1_000);
    const attempts = cluster.writes.filter((r) => r.resource === 'serviceaccounts');
    assert.equal(attempts.length, 3, 'two failures, then success');
    assert.ok(cluster.get('serviceaccounts', 'team-a', 'default'));
  });
});

describe('controller-manager: node lifecycle controller', () => {
  function setup() {
    const cluster = new FakeCluster();
    cluster.put('nodes', kubeletNode('worker-0', 0));
    cluster.put('nodes', kubeletNode('worker-1', 0));
    renewLease(cluster, 'worker-0');
    renewLease(cluster, 'worker-1');
    cluster.put('pods', runningPod('web-1', 'worker-1'));
    cluster.put('pods', runningPod('web-0', 'worker-0'));
    const cm = cluster.startControllerManager('kube-controller-manager-0');
    // worker-0 renews every 10 s throughout; worker-1's kubelet dies after its renewal at 10 s.
    const liveUntil = (toMs: number, worker1Alive: (t: number) => boolean) => {
      for (let t = cluster.now - (cluster.now % 10_000) + 10_000; t <= toMs; t += 10_000) {
        cluster.advance(t);
        renewLease(cluster, 'worker-0');
        if (worker1Alive(t)) renewLease(cluster, 'worker-1');
      }
      cluster.advance(toMs);
    };
    return { cluster, cm, liveUntil };
  }

  const taintsOf = (cluster: FakeCluster, name: string) => ((cluster.get('nodes', undefined, name)?.spec as { taints?: { key: string; effect: string }[] }).taints ?? []).map((t) => `${t.key}:${t.effect}`);
  const readyOf = (cluster: FakeCluster, name: string) => ((cluster.get('nodes', undefined, name)?.status as { conditions: { type: string; status: string; reason: string }[] }).conditions.find((c) => c.type === 'Ready'));

  it('marks a silent node Unknown after the grace period, taints it once, marks its pods, and lifts it all on recovery', () => {
    const { cluster, liveUntil } = setup();
    const worker1Alive = (t: number) => t <= 10_000;
    // Monitor passes at 0, 5, 10, 15 s...; the lease renewed at 10 s (after that pass) is seen at
    // 15 s: 15 + 50 = 65 s is not past the grace period, the pass at 70 s is.
    liveUntil(69_000, worker1Alive);
    assert.equal(readyOf(cluster, 'worker-1')?.status, 'True', 'still in the grace period');
    liveUntil(70_000, worker1Alive);
    assert.deepEqual(readyOf(cluster, 'worker-1'), { ...readyOf(cluster, 'worker-1'), status: 'Unknown', reason: 'NodeStatusUnknown' });
    assert.equal(readyOf(cluster, 'worker-0')?.status, 'True');
    assert.deepEqual(taintsOf(cluster, 'worker-1'), ['node.kubernetes.io/unreachable:NoSchedule']);
    const pod = cluster.get('pods', 'default', 'web-1')!;
    assert.equal((pod.status as { conditions: { type: string; status: string }[] }).conditions[0]!.status, 'False');
    assert.equal((cluster.get('pods', 'default', 'web-0')!.status as { conditions: { status: string }[] }).conditions[0]!.status, 'True');

    liveUntil(100_000, worker1Alive);
    assert.deepEqual(taintsOf(cluster, 'worker-1'), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    assert.equal(countWrites(cluster, (r) => r.resource === 'nodes' && r.name === 'worker-1' && !r.subresource), 2, 'each taint written once');
    assert.equal(countWrites(cluster, (r) => r.resource === 'nodes' && r.subresource === 'status'), 1, 'marked Unknown once');
    assert.equal(countWrites(cluster, (r) => r.resource === 'pods' && r.subresource === 'status'), 1, 'pod marked once');
    assert.deepEqual(taintsOf(cluster, 'worker-0'), []);

    // The kubelet comes back at 120 s: posts Ready=True, renews its lease.
    liveUntil(120_000, worker1Alive);
    cluster.put('nodes', { ...cluster.get('nodes', undefined, 'worker-1')!, status: kubeletNode('worker-1', 120_000).status });
    renewLease(cluster, 'worker-1');
    assert.deepEqual(taintsOf(cluster, 'worker-1'), ['node.kubernetes.io/unreachable:NoExecute'], 'the NoSchedule taint follows the condition at once');
    liveUntil(130_000, () => true);
    assert.deepEqual(taintsOf(cluster, 'worker-1'), [], 'the NoExecute taint goes at the next monitor pass');
    assert.equal(readyOf(cluster, 'worker-1')?.status, 'True');
    // (The fake answers synchronously, so a write's watch event overtakes its response: sorted.)
    assert.deepEqual(
      cluster.controllerTraces().map((f) => `${f.action} ${f.object} ${f.detail}`).sort(),
      [
        'marked-unknown node/worker-1 Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.',
        'pod-not-ready pod/default/web-1 Ready=False: node worker-1 is not ready',
        'taint-added node/worker-1 node.kubernetes.io/unreachable:NoSchedule',
        'taint-added node/worker-1 node.kubernetes.io/unreachable:NoExecute',
        'taint-removed node/worker-1 node.kubernetes.io/unreachable:NoSchedule',
        'taint-removed node/worker-1 node.kubernetes.io/unreachable:NoExecute',
      ].sort(),
    );
    assert.equal(cluster.get('pods', 'default', 'web-1')!.metadata?.deletionTimestamp, undefined, 'recovered before tolerationSeconds ran out');
  });

  it('evicts the pods of a node that stays unreachable past their 300-s toleration', () => {
    const { cluster, liveUntil } = setup();
    liveUntil(374_000, (t) => t <= 10_000);
    assert.equal(cluster.get('pods', 'default', 'web-1')!.metadata?.deletionTimestamp, undefined);
    liveUntil(375_000, (t) => t <= 10_000);
    // Unknown at the 70-s pass, NoExecute taint at the 75-s pass; eviction 300 s later.
    assert.ok(cluster.get('pods', 'default', 'web-1')!.metadata?.deletionTimestamp);
    assert.equal(cluster.get('pods', 'default', 'web-0')!.metadata?.deletionTimestamp, undefined);
    assert.deepEqual(cluster.controllerTraces('pod-evicted').map((f) => f.object), ['pod/default/web-1']);
    assert.ok(cluster.traces.some((t) => t.kind === 'k8s.event' && t.fields.reason === 'TaintManagerEviction'));
  });

  it('a taint write that conflicts is retried through the rate-limited queue', () => {
    const { cluster, liveUntil } = setup();
    let conflicts = 1;
    cluster.fault = (r) => (r.resource === 'nodes' && !r.subresource && conflicts-- > 0 ? 409 : null);
    liveUntil(71_000, (t) => t <= 10_000);
    const taintWrites = cluster.writes.filter((r) => r.resource === 'nodes' && !r.subresource);
    assert.equal(taintWrites.length, 2);
    assert.deepEqual(taintsOf(cluster, 'worker-1'), ['node.kubernetes.io/unreachable:NoSchedule']);
  });
});
