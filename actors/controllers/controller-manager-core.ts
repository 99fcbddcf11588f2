import { timestamp } from '../api/time.ts';
import type { KubeObject } from '../api/protocol.ts';
import { request, type ApiClientState, type ApiResult, type RequestSpec, type WatchDelivery } from '../client/api-client.ts';
import { newInformer, objectKey, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type Delta, type InformerState } from '../client/informer.ts';
import { DEFAULT_LEADER_ELECTION, newLeaderElection, onLeaseResult, ownsTag as leaseOwnsTag, tryAcquireOrRenew, type LeaderElectionState } from '../client/leader-election.ts';
import type { Output } from '../kernel/output.ts';
import { WorkQueue } from '../client/workqueue.ts';
import {
  DEFAULT_NODE_LIFECYCLE,
  describeTaint,
  monitorNode,
  podNotReadyStatus,
  reconcileNodeTaints,
  type NodeHealth,
  type NodeJson,
  type NodeLifecycleConfig,
  type NoExecuteTaint,
} from './node-lifecycle.ts';
import { namespaceKeys, reconcileServiceAccounts, serviceAccountKeys } from './serviceaccount.ts';
import { evictionPlan, type ScheduledEviction } from './taint-eviction.ts';

/**
 * kube-controller-manager: one process, leader election on the kube-system/kube-controller-manager
 * Lease (only the leader runs controllers; standbys keep trying), shared informers, and the
 * controllers kubesim models:
 *
 * - serviceaccount: the `default` ServiceAccount in every Active namespace (serviceaccount.ts);
 * - node-lifecycle: the 5-s monitor pass over Nodes and their Leases (node-lifecycle.ts), the
 *   condition taints kept by a work queue of node names, pods marked not ready, and the NoExecute
 *   taint manager's evictions (taint-eviction.ts).
 *
 * Each controller's work queue (actors/client/workqueue.ts) hands a key to a sync; the key stays
 * in processing until every write the sync made is answered, then is forgotten, or re-added
 * rate-limited when one failed (client-go's processNextWorkItem). Every visible action is traced
 * as `k8s.controller` {controller, action, object, detail} when its write succeeds; events are
 * posted and traced as `k8s.event` like the other components'.
 *
 * Losing the lease stops the controllers and drops their state (upstream the process exits and
 * is restarted); a new term starts from the informers' caches.
 */

export const COMPONENT = 'kube-controller-manager';
export const NODE_CONTROLLER = 'node-controller';
export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
/** Workers per queue: ConcurrentServiceAccountSyncs-like 1; the node lifecycle's UpdateWorkerSize 8. */
const SA_WORKERS = 1;
const TAINT_WORKERS = 8;
const EVICTION_RETRIES = 5;
const EVICTION_RETRY_MS = 10;

type ControllerName = 'serviceaccount' | 'node-lifecycle';

interface Sync {
  controller: ControllerName;
  queue: WorkQueue;
  key: string;
  outstanding: number;
  failed: boolean;
}

interface TraceLine {
  controller: string;
  action: string;
  object: string;
  detail: string;
}

type WriteKind = 'sa-create' | 'node-status' | 'node-taints' | 'pod-not-ready' | 'pod-evict';

interface PendingWrite {
  kind: WriteKind;
  sync: Sync | null;
  /** Traced when the write succeeds. */
  traces: TraceLine[];
  node?: string;
  podKey?: string;
  pod?: KubeObject;
  attempt?: number;
}

interface Eviction extends ScheduledEviction {
  attempt: number;
}

export interface ControllerManagerState {
  readonly identity: string;
  readonly client: ApiClientState;
  readonly leader: LeaderElectionState;
  readonly config: NodeLifecycleConfig;
  readonly namespaces: InformerState;
  readonly serviceAccounts: InformerState;
  readonly nodes: InformerState;
  readonly leases: InformerState;
  readonly pods: InformerState;
  readonly saQueue: WorkQueue;
  readonly taintQueue: WorkQueue;
  readonly syncs: Map<string, Sync>;
  readonly writes: Map<string, PendingWrite>;
  nextWrite: number;
  /** Node lifecycle memory: health records, decided NoExecute taints, nodes seen. */
  readonly health: Map<string, NodeHealth>;
  readonly noExecute: Map<string, NoExecuteTaint>;
  readonly knownNodes: Set<string>;
  readonly nodesToRetry: Set<string>;
  readonly statusInFlight: Set<string>;
  readonly podsInFlight: Set<string>;
  /** Pod keys by node name (from the pod informer). */
  readonly podsByNode: Map<string, Set<string>>;
  readonly evictions: Map<string, Eviction>;
  readonly evicting: Set<string>;
  monitorTimer: string | null;
  wakeAtMs: number | null;
  wakeTimer: string | null;
  timerCounter: number;
  eventCounter: number;
}

export function newControllerManager(identity: string, client: ApiClientState, config: NodeLifecycleConfig = DEFAULT_NODE_LIFECYCLE): ControllerManagerState {
  return {
    identity,
    client,
    leader: newLeaderElection({ identity, namespace: 'kube-system', leaseName: COMPONENT, ...DEFAULT_LEADER_ELECTION }),
    config,
    namespaces: newInformer({ name: 'namespaces', apiVersion: 'v1', resource: 'namespaces' }),
    serviceAccounts: newInformer({ name: 'serviceaccounts', apiVersion: 'v1', resource: 'serviceaccounts' }),
    nodes: newInformer({ name: 'nodes', apiVersion: 'v1', resource: 'nodes' }),
    leases: newInformer({ name: 'node-leases', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: 'kube-node-lease' }),
    pods: newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods' }),
    saQueue: new WorkQueue({ name: 'serviceaccount' }),
    taintQueue: new WorkQueue({ name: 'node-lifecycle' }),
    syncs: new Map(),
    writes: new Map(),
    nextWrite: 1,
    health: new Map(),
    noExecute: new Map(),
    knownNodes: new Set(),
    nodesToRetry: new Set(),
    statusInFlight: new Set(),
    podsInFlight: new Set(),
    podsByNode: new Map(),
    evictions: new Map(),
    evicting: new Set(),
    monitorTimer: null,
    wakeAtMs: null,
    wakeTimer: null,
    timerCounter: 0,
    eventCounter: 0,
  };
}

function informers(s: ControllerManagerState): InformerState[] {
  return [s.namespaces, s.serviceAccounts, s.nodes, s.leases, s.pods];
}

export function start(s: ControllerManagerState, nowMs: number, out: Output): void {
  for (const inf of informers(s)) startInformer(inf, s.client, out);
  tryAcquireOrRenew(s.leader, nowMs, s.client, out);
}

// ---------------------------------------------------------------------------------------------
// Leadership

export function onLeaderRetry(s: ControllerManagerState, nowMs: number, out: Output): void {
  if (tryAcquireOrRenew(s.leader, nowMs, s.client, out) === 'lost') onLost(s, out);
}

function onAcquired(s: ControllerManagerState, nowMs: number, out: Output): void {
  out.traces.push({ kind: 'k8s.leader', fields: { component: COMPONENT, identity: s.identity, leader: true } });
  // Start every controller from the informers' caches: each object is queued once.
  for (const key of [...s.namespaces.store.keys()].sort()) s.saQueue.add(key);
  for (const key of [...s.nodes.store.keys()].sort()) s.taintQueue.add(key);
  for (const key of [...s.pods.store.keys()].sort()) processPodEviction(s, key, nowMs);
  armMonitor(s, 0, out);
  afterEvent(s, nowMs, out);
}

function onLost(s: ControllerManagerState, out: Output): void {
  out.traces.push({ kind: 'k8s.leader', fields: { component: COMPONENT, identity: s.identity, leader: false } });
  s.saQueue.clear();
  s.taintQueue.clear();
  s.syncs.clear();
  for (const w of s.writes.values()) w.sync = null;
  s.health.clear();
  s.noExecute.clear();
  s.knownNodes.clear();
  s.nodesToRetry.clear();
  s.evictions.clear();
  if (s.monitorTimer !== null) out.cancels.push(s.monitorTimer);
  s.monitorTimer = null;
  if (s.wakeTimer !== null) out.cancels.push(s.wakeTimer);
  s.wakeTimer = null;
  s.wakeAtMs = null;
}

// ---------------------------------------------------------------------------------------------
// API results and watches

export function onApiResult(s: ControllerManagerState, result: ApiResult, nowMs: number, out: Output): void {
  for (const inf of informers(s)) {
    if (ownsTag(inf, result.tag)) {
      onDeltas(s, inf, informerResult(inf, result, s.client, out), nowMs);
      afterEvent(s, nowMs, out);
      return;
    }
  }
  if (leaseOwnsTag(result.tag)) {
    const change = onLeaseResult(s.leader, result, nowMs, s.client, out);
    if (change === 'acquired') onAcquired(s, nowMs, out);
    else if (change === 'lost') onLost(s, out);
    return;
  }
  const write = s.writes.get(result.tag);
  if (!write) return;
  s.writes.delete(result.tag);
  onWriteResult(s, write, result, nowMs, out);
  afterEvent(s, nowMs, out);
}

export function onApiWatch(s: ControllerManagerState, delivery: WatchDelivery, nowMs: number, out: Output): void {
  for (const inf of informers(s)) {
    if (ownsTag(inf, delivery.tag)) {
      onDeltas(s, inf, informerWatch(inf, delivery, s.client, out), nowMs);
      afterEvent(s, nowMs, out);
      return;
    }
  }
}

export function onInformerRetry(s: ControllerManagerState, informer: string, what: 'list' | 'watch', nowMs: number, out: Output): void {
  const inf = informers(s).find((i) => i.config.name === informer);
  if (inf) informerRetry(inf, what, s.client, out);
  afterEvent(s, nowMs, out);
}

function onDeltas(s: ControllerManagerState, inf: InformerState, deltas: Delta[], nowMs: number): void {
  if (inf === s.pods) indexPods(s, deltas);
  if (deltas.length === 0 || !s.leader.isLeader) return;
  if (inf === s.namespaces) for (const key of namespaceKeys(deltas)) s.saQueue.add(key);
  else if (inf === s.serviceAccounts) for (const key of serviceAccountKeys(deltas)) s.saQueue.add(key);
  else if (inf === s.nodes) {
    for (const d of deltas) {
      const name = d.object.metadata?.name ?? '';
      if (d.type === 'deleted') continue;
      s.taintQueue.add(name);
      const before = d.type === 'updated' ? noExecuteTaints(d.old) : '';
      if (noExecuteTaints(d.object) !== before) for (const podKey of [...(s.podsByNode.get(name) ?? [])].sort()) processPodEviction(s, podKey, nowMs);
    }
  } else if (inf === s.pods) {
    for (const d of deltas) {
      const key = objectKey(d.object);
      if (d.type === 'deleted') s.evictions.delete(key);
      else processPodEviction(s, key, nowMs);
    }
  }
}

function noExecuteTaints(node: KubeObject): string {
  return JSON.stringify(((node as NodeJson).spec?.taints ?? []).filter((t) => t.effect === 'NoExecute'));
}

function indexPods(s: ControllerManagerState, deltas: Delta[]): void {
  for (const d of deltas) {
    const key = objectKey(d.object);
    if (d.type === 'updated') {
      const old = (d.old.spec as { nodeName?: string } | undefined)?.nodeName;
      if (old) s.podsByNode.get(old)?.delete(key);
    }
    const node = (d.object.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!node) continue;
    if (d.type === 'deleted') {
      s.podsByNode.get(node)?.delete(key);
      continue;
    }
    let set = s.podsByNode.get(node);
    if (!set) s.podsByNode.set(node, (set = new Set()));
    set.add(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Work queues: take keys while workers are free, sync, track the sync's writes

/** After every event: run the queues, then arm the wake-up for delayed keys and evictions. */
function afterEvent(s: ControllerManagerState, nowMs: number, out: Output): void {
  if (!s.leader.isLeader) return;
  drain(s, nowMs, out);
  armWake(s, nowMs, out);
}

function activeSyncs(s: ControllerManagerState, controller: ControllerName): number {
  let n = 0;
  for (const sync of s.syncs.values()) if (sync.controller === controller) n++;
  return n;
}

function drain(s: ControllerManagerState, nowMs: number, out: Output): void {
  if (s.namespaces.synced && s.serviceAccounts.synced) {
    for (let free = SA_WORKERS - activeSyncs(s, 'serviceaccount'); free > 0; free--) {
      const key = s.saQueue.get();
      if (key === undefined) break;
      runSync(s, 'serviceaccount', s.saQueue, key, nowMs, (sync) => syncServiceAccounts(s, key, sync, out));
    }
  }
  if (s.nodes.synced && s.pods.synced) {
    for (let free = TAINT_WORKERS - activeSyncs(s, 'node-lifecycle'); free > 0; free--) {
      const key = s.taintQueue.get();
      if (key === undefined) break;
      runSync(s, 'node-lifecycle', s.taintQueue, key, nowMs, (sync) => syncNodeTaints(s, key, sync, nowMs, out));
    }
  }
}

function runSync(s: ControllerManagerState, controller: ControllerName, queue: WorkQueue, key: string, nowMs: number, sync: (sync: Sync) => void): void {
  const record: Sync = { controller, queue, key, outstanding: 0, failed: false };
  s.syncs.set(`${controller}|${key}`, record);
  sync(record);
  if (record.outstanding === 0) finishSync(s, record, nowMs);
}

function finishSync(s: ControllerManagerState, sync: Sync, nowMs: number): void {
  s.syncs.delete(`${sync.controller}|${sync.key}`);
  if (sync.failed) sync.queue.addRateLimited(sync.key, nowMs);
  else sync.queue.forget(sync.key);
  sync.queue.done(sync.key);
}

function write(s: ControllerManagerState, spec: RequestSpec, pending: PendingWrite, out: Output): void {
  const tag = `kcm-write|${s.nextWrite++}`;
  if (pending.sync) pending.sync.outstanding++;
  s.writes.set(tag, pending);
  request(s.client, spec, tag, out);
}

function onWriteResult(s: ControllerManagerState, w: PendingWrite, result: ApiResult, nowMs: number, out: Output): void {
  const ok = result.code === 200 || result.code === 201;
  if (ok) for (const t of w.traces) out.traces.push({ kind: 'k8s.controller', fields: { ...t } });
  let failed = !ok;
  switch (w.kind) {
    case 'sa-create':
      // AlreadyExists: someone made it. Forbidden: the namespace is terminating.
      failed = !ok && result.code !== 409 && result.code !== 403;
      break;
    case 'node-status':
      s.statusInFlight.delete(w.node ?? '');
      break;
    case 'pod-not-ready':
      s.podsInFlight.delete(w.podKey ?? '');
      if (ok && w.pod) postEvent(s, w.pod, 'Pod', 'Warning', 'NodeNotReady', 'Node is not ready', NODE_CONTROLLER, nowMs, out);
      else if (!ok && result.code !== 404 && s.leader.isLeader) s.nodesToRetry.add(w.node ?? '');
      break;
    case 'pod-evict': {
      const key = w.podKey ?? '';
      s.evicting.delete(key);
      if (!ok && result.code !== 404 && s.leader.isLeader && (w.attempt ?? 0) < EVICTION_RETRIES) {
        s.evictions.set(key, { createdAtMs: nowMs, fireAtMs: nowMs + EVICTION_RETRY_MS, attempt: (w.attempt ?? 0) + 1 });
      }
      break;
    }
    case 'node-taints':
      break;
  }
  if (w.sync && s.syncs.get(`${w.sync.controller}|${w.sync.key}`) === w.sync) {
    if (failed) w.sync.failed = true;
    if (--w.sync.outstanding === 0) finishSync(s, w.sync, nowMs);
  }
}

// ---------------------------------------------------------------------------------------------
// serviceaccount controller

function syncServiceAccounts(s: ControllerManagerState, namespace: string, sync: Sync, out: Output): void {
  const ns = s.namespaces.store.get(namespace);
  const creates = reconcileServiceAccounts(ns, (name) => s.serviceAccounts.store.has(`${namespace}/${name}`));
  for (const sa of creates) {
    const name = sa.metadata?.name ?? '';
    write(
      s,
      { verb: 'create', apiVersion: 'v1', resource: 'serviceaccounts', namespace, body: sa },
      { kind: 'sa-create', sync, traces: [{ controller: 'serviceaccount', action: 'created', object: `serviceaccount/${namespace}/${name}`, detail: `namespace ${namespace} had no ${name} service account` }] },
      out,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// node lifecycle controller

function armMonitor(s: ControllerManagerState, delayMs: number, out: Output): void {
  if (s.monitorTimer !== null) out.cancels.push(s.monitorTimer);
  s.monitorTimer = `kcm-node-monitor-${++s.timerCounter}`;
  out.timers.push({ id: s.monitorTimer, delayMs, event: { type: 'NodeMonitor', id: s.monitorTimer } });
}

/** The monitor timer fired: monitorNodeHealth over every node, then the next pass in 5 s. */
export function onNodeMonitor(s: ControllerManagerState, id: string, nowMs: number, out: Output): void {
  if (id !== s.monitorTimer || !s.leader.isLeader) return;
  armMonitor(s, s.config.monitorPeriodMs, out);
  if (s.nodes.synced && s.leases.synced && s.pods.synced) monitorNodeHealth(s, nowMs, out);
  afterEvent(s, nowMs, out);
}

function monitorNodeHealth(s: ControllerManagerState, nowMs: number, out: Output): void {
  const names = [...s.nodes.store.keys()].sort();
  const present = new Set(names);
  for (const name of [...s.knownNodes].sort()) {
    if (present.has(name)) continue;
    s.knownNodes.delete(name);
    s.health.delete(name);
    s.noExecute.delete(name);
    s.nodesToRetry.delete(name);
    nodeEvent(s, name, '', 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`, nowMs, out);
  }
  for (const name of names) {
    const node = s.nodes.store.get(name) as NodeJson;
    if (!s.knownNodes.has(name)) {
      s.knownNodes.add(name);
      nodeEvent(s, name, node.metadata?.uid ?? '', 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`, nowMs, out);
      // markNodeAsReachable: a node seen for the first time loses its NoExecute taints.
      s.noExecute.set(name, 'none');
      s.taintQueue.add(name);
    }
    if (s.statusInFlight.has(name)) continue;
    const lease = s.leases.store.get(`kube-node-lease/${name}`);
    const d = monitorNode(node, lease, s.health.get(name), s.nodesToRetry.has(name), nowMs, s.config);
    s.health.set(name, d.health);
    if (d.statusUpdate) {
      const ready = d.statusUpdate.find((c) => c.type === 'Ready');
      s.statusInFlight.add(name);
      write(
        s,
        { verb: 'update', apiVersion: 'v1', resource: 'nodes', subresource: 'status', name, body: { ...node, status: { ...(node.status ?? {}), conditions: d.statusUpdate } } },
        {
          kind: 'node-status',
          sync: null,
          node: name,
          traces: [{ controller: 'node-lifecycle', action: 'marked-unknown', object: `node/${name}`, detail: `Ready=${ready?.status ?? 'Unknown'} (${ready?.reason ?? ''}): ${ready?.message ?? ''}` }],
        },
        out,
      );
    }
    if (d.noExecute !== undefined) {
      s.noExecute.set(name, d.noExecute);
      if (reconcileNodeTaints(node, d.noExecute, nowMs) !== null) s.taintQueue.add(name);
    }
    if (d.becameNotReady) nodeEvent(s, name, node.metadata?.uid ?? '', 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, nowMs, out);
    if (d.markPods) {
      s.nodesToRetry.delete(name);
      markPodsNotReady(s, name, nowMs, out);
    }
  }
}

function markPodsNotReady(s: ControllerManagerState, node: string, nowMs: number, out: Output): void {
  for (const key of [...(s.podsByNode.get(node) ?? [])].sort()) {
    const pod = s.pods.store.get(key);
    if (!pod || s.podsInFlight.has(key)) continue;
    const status = podNotReadyStatus(pod, nowMs);
    if (!status) continue;
    s.podsInFlight.add(key);
    const meta = pod.metadata ?? {};
    write(
      s,
      { verb: 'update', apiVersion: 'v1', resource: 'pods', subresource: 'status', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { ...pod, status } },
      { kind: 'pod-not-ready', sync: null, node, podKey: key, pod, traces: [{ controller: 'node-lifecycle', action: 'pod-not-ready', object: `pod/${key}`, detail: `Ready=False: node ${node} is not ready` }] },
      out,
    );
  }
}

/** doNoScheduleTaintingPass + the NoExecute taint the monitor decided, for one node. */
function syncNodeTaints(s: ControllerManagerState, name: string, sync: Sync, nowMs: number, out: Output): void {
  const node = s.nodes.store.get(name) as NodeJson | undefined;
  if (!node) return;
  const change = reconcileNodeTaints(node, s.noExecute.get(name), nowMs);
  if (!change) return;
  const traces: TraceLine[] = [
    ...change.added.map((t) => ({ controller: 'node-lifecycle', action: 'taint-added', object: `node/${name}`, detail: describeTaint(t) })),
    ...change.removed.map((t) => ({ controller: 'node-lifecycle', action: 'taint-removed', object: `node/${name}`, detail: describeTaint(t) })),
  ];
  const body: NodeJson = { ...node, spec: { ...(node.spec ?? {}), taints: change.taints } };
  if (change.taints.length === 0) delete body.spec!.taints;
  write(s, { verb: 'update', apiVersion: 'v1', resource: 'nodes', name, body }, { kind: 'node-taints', sync, node: name, traces }, out);
}

// ---------------------------------------------------------------------------------------------
// NoExecute taint manager

function processPodEviction(s: ControllerManagerState, key: string, nowMs: number): void {
  const pod = s.pods.store.get(key);
  if (!pod) {
    s.evictions.delete(key);
    return;
  }
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const node = nodeName ? (s.nodes.store.get(nodeName) as NodeJson | undefined) : undefined;
  const existing = s.evictions.get(key);
  const plan = evictionPlan(pod, node?.spec?.taints ?? [], nowMs, existing);
  if (plan.kind === 'cancel') s.evictions.delete(key);
  else if (plan.kind === 'schedule') s.evictions.set(key, { createdAtMs: plan.createdAtMs, fireAtMs: plan.fireAtMs, attempt: existing?.attempt ?? 0 });
}

function runEvictions(s: ControllerManagerState, nowMs: number, out: Output): void {
  const due = [...s.evictions].filter(([, e]) => e.fireAtMs <= nowMs).sort((a, b) => a[1].fireAtMs - b[1].fireAtMs || (a[0] < b[0] ? -1 : 1));
  for (const [key, e] of due) {
    s.evictions.delete(key);
    const pod = s.pods.store.get(key);
    if (!pod || s.evicting.has(key)) continue;
    const meta = pod.metadata ?? {};
    const ns = meta.namespace ?? 'default';
    postEvent(s, pod, 'Pod', 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${meta.name ?? ''}`, TAINT_EVICTION_CONTROLLER, nowMs, out);
    s.evicting.add(key);
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    const taints = ((s.nodes.store.get(node) as NodeJson | undefined)?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map(describeTaint);
    write(
      s,
      { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: ns, name: meta.name ?? '' },
      { kind: 'pod-evict', sync: null, podKey: key, node, attempt: e.attempt, traces: [{ controller: 'taint-eviction', action: 'pod-evicted', object: `pod/${key}`, detail: `node ${node}: ${taints.join(', ') || 'NoExecute taint'} outlasted the pod's tolerations` }] },
      out,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Wake-ups: delayed queue keys and scheduled evictions share one timer

function armWake(s: ControllerManagerState, nowMs: number, out: Output): void {
  let next: number | undefined;
  for (const q of [s.saQueue, s.taintQueue]) {
    const w = q.nextWakeMs();
    if (w !== undefined && (next === undefined || w < next)) next = w;
  }
  for (const e of s.evictions.values()) if (next === undefined || e.fireAtMs < next) next = e.fireAtMs;
  if (next === undefined) return;
  if (s.wakeAtMs !== null && s.wakeAtMs <= next) return;
  if (s.wakeTimer !== null) out.cancels.push(s.wakeTimer);
  s.wakeTimer = `kcm-wake-${++s.timerCounter}`;
  s.wakeAtMs = next;
  out.timers.push({ id: s.wakeTimer, delayMs: Math.max(0, next - nowMs), event: { type: 'ControllerWake', id: s.wakeTimer } });
}

export function onWake(s: ControllerManagerState, id: string, nowMs: number, out: Output): void {
  if (id !== s.wakeTimer) return;
  s.wakeTimer = null;
  s.wakeAtMs = null;
  if (!s.leader.isLeader) return;
  s.saQueue.promote(nowMs);
  s.taintQueue.promote(nowMs);
  runEvictions(s, nowMs, out);
  afterEvent(s, nowMs, out);
}

// ---------------------------------------------------------------------------------------------
// Events

function nodeEvent(s: ControllerManagerState, name: string, uid: string, type: 'Normal' | 'Warning', reason: string, message: string, nowMs: number, out: Output): void {
  postEvent(s, { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } }, 'Node', type, reason, message, NODE_CONTROLLER, nowMs, out);
}

function postEvent(s: ControllerManagerState, obj: KubeObject, kind: string, type: 'Normal' | 'Warning', reason: string, message: string, source: string, nowMs: number, out: Output): void {
  const meta = obj.metadata ?? {};
  // Events about cluster-scoped objects go to the default namespace.
  const namespace = meta.namespace ?? 'default';
  out.traces.push({ kind: 'k8s.event', fields: { reporter: s.client.config.name, namespace, object: `${kind.toLowerCase()}/${meta.name ?? ''}`, type, reason, message } });
  const when = timestamp(nowMs);
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${meta.name ?? 'object'}.${s.identity.replace(/[^a-z0-9]/g, '')}${(++s.eventCounter).toString(16).padStart(8, '0')}`, namespace },
    involvedObject: { kind, name: meta.name, uid: meta.uid, apiVersion: 'v1', ...(meta.namespace ? { namespace: meta.namespace } : {}) },
    reason,
    message,
    type,
    source: { component: source },
    reportingComponent: source,
    reportingInstance: s.identity,
    firstTimestamp: when,
    lastTimestamp: when,
    count: 1,
  };
  request(s.client, { verb: 'create', apiVersion: 'v1', resource: 'events', namespace, body }, 'kcm-event', out);
}
