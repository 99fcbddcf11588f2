/**
 * The controller-manager core end to end against a small in-memory apiserver (synchronous, no
 * network): leader election, the serviceaccount controller creating `default` once and again
 * after a delete, the node lifecycle controller marking a silent node Unknown, tainting it once,
 * marking its pods not ready, evicting them after 300 s, and lifting the taints on recovery; a
 * failed write retried through the rate-limited queue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRequest, KubeObject } from '../../actors/api/protocol.ts';
import { microTimestamp, timestamp } from '../../actors/api/time.ts';
import { FakeCluster } from './fake-cluster.ts';

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

describe('controller-manager: a lost lease ends the informers, as upstream’s process exit', () => {
  // Upstream OnStoppedLeading exits the process (cmd/kube-controller-manager/app/controllermanager.go)
  // and the next leader term starts new informer factories. Keeping the old informers let a term
  // sync from watches that had died silently (fuzz counterexample: liveness, seed 1).
  it('after losing and regaining the lease, the informers list and watch again and see changes made meanwhile', () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', namespace('team-a'));
    const cm = cluster.startControllerManager('kube-controller-manager-0');
    cluster.advance(1_000);
    assert.ok(cluster.get('serviceaccounts', 'team-a', 'default'));
    assert.equal(cluster.openWatches('namespaces'), 1);

    // The watches die unnoticed, and the lease cannot be renewed for longer than the renew deadline.
    cluster.silenceWatches();
    cluster.fault = (r) => (r.resource === 'leases' ? 500 : null);
    cluster.advance(14_000);
    assert.equal(cm.leader.isLeader, false, 'the lease is lost after the 10 s renew deadline');
    assert.equal(cm.informers.all.every((i) => !i.state.synced && i.state.store.size === 0), true, 'the informers stopped with their caches');

    // Meanwhile a namespace appears: only a fresh LIST can show it.
    cluster.put('namespaces', namespace('team-b'));
    cluster.fault = () => null;
    cluster.advance(20_000);
    assert.equal(cm.leader.isLeader, true, 'the lease is acquired again');
    assert.equal(cluster.openWatches('namespaces'), 1, 'a new watch replaces the dead one');
    assert.ok(cluster.get('serviceaccounts', 'team-b', 'default'), 'the new term sees team-b and creates its default ServiceAccount');

    // And later changes arrive through the new watch.
    cluster.put('namespaces', namespace('team-c'));
    cluster.advance(21_000);
    assert.ok(cluster.get('serviceaccounts', 'team-c', 'default'));
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
