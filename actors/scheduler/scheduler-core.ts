import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../api/protocol.ts';
import { timestamp } from '../api/time.ts';
import { request, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type Delta, type InformerState } from '../client/informer.ts';
import { DEFAULT_LEADER_ELECTION, newLeaderElection, onLeaseResult, ownsTag as leaseOwnsTag, tryAcquireOrRenew, type LeaderElectionState } from '../client/leader-election.ts';
import type { Output } from '../kernel/output.ts';
import { AssumeCache } from './assume.ts';
import { buildSnapshot, INITIAL_ROTATION, scheduleOne, type Rotation, type Snapshot } from './framework/index.ts';
import { podKey } from './framework/pod-info.ts';
import { defaultProfile } from './plugins/registry.ts';
import { ANN_SELECTED_NODE, claimsToAnnotate } from './plugins/volume-binding.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue.ts';
import { Nominator } from './nominator.ts';
import type { PodInfo, Profile } from './framework/index.ts';
import type { SchedulerConfiguration } from './plugins/scheduler-config.ts';

/**
 * kube-scheduler's loop around the pure framework: informers on nodes and pods, leader election
 * on the kube-system/kube-scheduler Lease, the scheduling queue, one scheduling cycle at a time
 * (filter, score, assume), an asynchronous binding through pods/binding, Scheduled and
 * FailedScheduling events, and the PodScheduled=False condition on unschedulable pods.
 *
 * Preemption (DefaultPreemption's `prepareCandidate`, carried out through the API): when the
 * PostFilter nominates a node, each victim gets the DisruptionTarget condition (PATCH
 * pods/status), is deleted with its default grace period (the kubelet then stops it gracefully),
 * and gets a `Preempted` event; lower-priority pods nominated to that node lose their
 * nomination; the preemptor's `status.nominatedNodeName` is set with its PodScheduled=False
 * condition, and the nominator keeps the room for it until it is bound.
 */

export const SCHEDULER_NAME = 'default-scheduler';

interface InFlightBinding {
  info: QueuedPodInfo;
  pod: V1Pod;
  node: string;
  /** VolumeBinding's PreBind: claim annotations still to be answered before the pod is bound. */
  claimsPending: number;
}

/** One victim being preempted: its status patch, then its deletion, then the event. */
interface InFlightPreemption {
  victim: V1Pod;
  preemptorKey: string;
  preemptorUid: string;
  node: string;
}

/** kube `v1.PodReasonPreemptionByScheduler`. */
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

export interface SchedulerState {
  readonly identity: string;
  readonly client: ApiClientState;
  readonly nodes: InformerState;
  readonly pods: InformerState;
  /** VolumeBinding's listers: claims, volumes, storage classes (into `snapshot.volumes`). */
  readonly claims: InformerState;
  readonly volumes: InformerState;
  readonly storageClasses: InformerState;
  readonly leader: LeaderElectionState;
  /** Profiles by schedulerName (KubeSchedulerConfiguration); pods naming another scheduler are not ours. */
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly namespaces: InformerState;
  readonly snapshot: Snapshot;
  readonly cache: AssumeCache;
  readonly queue: SchedulingQueue;
  rotation: Rotation;
  readonly bindings: Map<string, InFlightBinding>;
  /** Pending pods nominated to a node (preemptors waiting for their victims to go). */
  readonly nominator: Nominator;
  /** Victims (by pod key) whose preemption requests are in flight. */
  readonly preemptions: Map<string, InFlightPreemption>;
  /** When the next scheduling cycle is armed for, and its timer id. */
  cycleAtMs: number | null;
  cycleTimer: string | null;
  cycleCounter: number;
  readonly nowMs: () => number;
  /** Pods (namespace/name) whose scheduling is explained in the trace (`k8s.explain`). */
  readonly explainPods: ReadonlySet<string>;
  eventCounter: number;
  randomInt: (n: number) => number;
  /** A deliberately broken scheduler, for the fuzzer's own tests (never set from a scenario file). */
  readonly variant?: SchedulerVariant;
}

/**
 * Deliberately broken behaviours the fuzzer's tests build to show its Kubernetes safety property
 * catches them (test/fuzz/kubernetes-variants.test.ts). Programmatic only; absent is the real scheduler.
 */
export interface SchedulerVariant {
  /** The chosen node is not charged with the pod before its binding is confirmed (no AssumePod): the next cycle may hand the same room to another pod. */
  bindWithoutAssume?: boolean;
}

export function newScheduler(
  identity: string,
  client: ApiClientState,
  randomInt: (n: number) => number,
  nowMs: () => number,
  explainPods: ReadonlySet<string> = new Set(),
  config?: SchedulerConfiguration,
  variant?: SchedulerVariant,
): SchedulerState {
  const snapshot = buildSnapshot([]);
  const profiles = new Map<string, Profile>();
  for (const p of config?.profiles ?? [defaultProfile()]) profiles.set(p.schedulerName, p);
  const backoff = {
    ...(config?.podInitialBackoffSeconds !== undefined ? { initialBackoffMs: config.podInitialBackoffSeconds * 1000 } : {}),
    ...(config?.podMaxBackoffSeconds !== undefined ? { maxBackoffMs: config.podMaxBackoffSeconds * 1000 } : {}),
  };
  return {
    identity,
    client,
    nodes: newInformer({ name: 'nodes', apiVersion: 'v1', resource: 'nodes' }),
    pods: newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods', fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
    claims: newInformer({ name: 'persistentvolumeclaims', apiVersion: 'v1', resource: 'persistentvolumeclaims' }),
    volumes: newInformer({ name: 'persistentvolumes', apiVersion: 'v1', resource: 'persistentvolumes' }),
    storageClasses: newInformer({ name: 'storageclasses', apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses' }),
    leader: newLeaderElection({ identity, namespace: 'kube-system', leaseName: 'kube-scheduler', ...DEFAULT_LEADER_ELECTION }),
    profiles,
    namespaces: newInformer({ name: 'namespaces', apiVersion: 'v1', resource: 'namespaces' }),
    snapshot,
    cache: new AssumeCache(snapshot),
    queue: new SchedulingQueue(backoff),
    rotation: INITIAL_ROTATION,
    bindings: new Map(),
    nominator: new Nominator(),
    preemptions: new Map(),
    cycleAtMs: null,
    cycleTimer: null,
    cycleCounter: 0,
    nowMs,
    explainPods,
    eventCounter: 0,
    randomInt,
    ...(variant ? { variant } : {}),
  };
}

export function start(s: SchedulerState, nowMs: number, out: Output): void {
  startInformer(s.namespaces, s.client, out, nowMs);
  startInformer(s.nodes, s.client, out, nowMs);
  startInformer(s.pods, s.client, out, nowMs);
  startInformer(s.storageClasses, s.client, out, nowMs);
  startInformer(s.volumes, s.client, out, nowMs);
  startInformer(s.claims, s.client, out, nowMs);
  tryAcquireOrRenew(s.leader, nowMs, s.client, out);
}

export function onLeaderRetry(s: SchedulerState, nowMs: number, out: Output): void {
  if (tryAcquireOrRenew(s.leader, nowMs, s.client, out) === 'lost') onLost(s, out);
}

function onLost(s: SchedulerState, out: Output): void {
  out.traces.push({ kind: 'k8s.leader', fields: { component: 'kube-scheduler', identity: s.identity, leader: false } });
}

export function onApiResult(s: SchedulerState, result: ApiResult, nowMs: number, out: Output): void {
  if (ownsTag(s.namespaces, result.tag)) return onNamespaceDeltas(s, informerResult(s.namespaces, result, s.client, out, nowMs));
  if (ownsTag(s.nodes, result.tag)) {
    onNodeDeltas(s, informerResult(s.nodes, result, s.client, out, nowMs), nowMs, out);
    // The node list may be what the pods in activeQ were waiting for (cycles skip until synced).
    return ensureCycle(s, out, nowMs);
  }
  if (ownsTag(s.pods, result.tag)) {
    onPodDeltas(s, informerResult(s.pods, result, s.client, out, nowMs), nowMs, out);
    return ensureCycle(s, out, nowMs);
  }
  for (const informer of [s.claims, s.volumes, s.storageClasses]) {
    if (!ownsTag(informer, result.tag)) continue;
    onStorageDeltas(s, informer, informerResult(informer, result, s.client, out, nowMs), nowMs, out);
    return ensureCycle(s, out, nowMs);
  }
  if (leaseOwnsTag(result.tag)) {
    const change = onLeaseResult(s.leader, result, nowMs, s.client, out);
    if (change === 'acquired') {
      out.traces.push({ kind: 'k8s.leader', fields: { component: 'kube-scheduler', identity: s.identity, leader: true } });
      scheduleSoon(s, out, 0);
    } else if (change === 'lost') onLost(s, out);
    return;
  }
  const [kind, key] = result.tag.split('|');
  if (kind === 'bind') onBindResult(s, key ?? '', result, nowMs, out);
  else if (kind === 'volume') onClaimAnnotated(s, key ?? '', result, nowMs, out);
  else if (kind === 'preempt-status') onVictimStatusResult(s, key ?? '', result, nowMs, out);
  else if (kind === 'preempt-delete') onVictimDeleteResult(s, key ?? '', result, nowMs, out);
}

export function onApiWatch(s: SchedulerState, delivery: WatchDelivery, nowMs: number, out: Output): void {
  if (ownsTag(s.namespaces, delivery.tag)) onNamespaceDeltas(s, informerWatch(s.namespaces, delivery, s.client, out, nowMs));
  else if (ownsTag(s.nodes, delivery.tag)) onNodeDeltas(s, informerWatch(s.nodes, delivery, s.client, out, nowMs), nowMs, out);
  else if (ownsTag(s.pods, delivery.tag)) onPodDeltas(s, informerWatch(s.pods, delivery, s.client, out, nowMs), nowMs, out);
  else for (const informer of [s.claims, s.volumes, s.storageClasses]) if (ownsTag(informer, delivery.tag)) onStorageDeltas(s, informer, informerWatch(informer, delivery, s.client, out, nowMs), nowMs, out);
}

export function onInformerRetry(s: SchedulerState, informer: string, what: 'list' | 'watch', out: Output, nowMs: number): void {
  const byName: Record<string, InformerState> = { nodes: s.nodes, namespaces: s.namespaces, persistentvolumeclaims: s.claims, persistentvolumes: s.volumes, storageclasses: s.storageClasses };
  informerRetry(byName[informer] ?? s.pods, what, s.client, out, nowMs);
}

/** Claims, volumes and classes into the snapshot's VolumeStore; a change may let waiting pods fit. */
function onStorageDeltas(s: SchedulerState, informer: InformerState, deltas: Delta[], nowMs: number, out: Output): void {
  if (deltas.length === 0) return;
  const store = s.snapshot.volumes;
  for (const d of deltas) {
    const deleted = d.type === 'deleted';
    if (informer === s.claims) deleted ? store.removeClaim(d.object) : store.setClaim(d.object);
    else if (informer === s.volumes) deleted ? store.removeVolume(d.object) : store.setVolume(d.object);
    else deleted ? store.removeClass(d.object) : store.setClass(d.object);
  }
  s.queue.onClusterEvent(nowMs);
  ensureCycle(s, out, nowMs);
}

/**
 * Cycles wait for the node and pod informers only: a pod whose claim the storage informers have not
 * listed yet is unschedulable (`not found`) until their list arrives, which retries it.
 */
const informersSynced = (s: SchedulerState): boolean => s.nodes.synced && s.pods.synced;

/** Namespace labels, for inter-pod affinity's namespaceSelector. */
function onNamespaceDeltas(s: SchedulerState, deltas: Delta[]): void {
  for (const d of deltas) {
    const name = d.object.metadata?.name ?? '';
    if (d.type === 'deleted') s.snapshot.removeNamespace(name);
    else s.snapshot.setNamespace(name, d.object.metadata?.labels ?? {});
  }
}

function onNodeDeltas(s: SchedulerState, deltas: Delta[], nowMs: number, out: Output): void {
  if (deltas.length === 0) return;
  for (const d of deltas) {
    if (d.type === 'deleted') s.snapshot.removeNode(d.object.metadata?.name ?? '');
    else s.snapshot.updateNode(d.object as unknown as V1Node);
  }
  // A node appeared or changed: pods that did not fit may fit now, and pods already in activeQ
  // (or backing off) must be drained too.
  s.queue.onClusterEvent(nowMs);
  ensureCycle(s, out, nowMs);
}

function onPodDeltas(s: SchedulerState, deltas: Delta[], nowMs: number, out: Output): void {
  let freed = false;
  for (const d of deltas) {
    const pod = d.object as unknown as V1Pod;
    if (d.type === 'deleted') {
      s.queue.delete(pod);
      s.nominator.delete(podKey(pod));
      s.cache.onPodDelete(pod);
      freed = true;
      continue;
    }
    if (pod.spec?.nodeName) {
      s.queue.delete(pod);
      s.nominator.delete(podKey(pod));
      if (d.type === 'added') s.cache.onPodAdd(pod);
      else s.cache.onPodUpdate(pod);
      continue;
    }
    if (pod.metadata?.deletionTimestamp) continue;
    if (!s.profiles.has(pod.spec?.schedulerName ?? SCHEDULER_NAME)) continue;
    if (d.type === 'added') s.queue.add(pod, nowMs);
    else s.queue.update(pod, nowMs);
    const queued = s.queue.get(podKey(pod));
    if (queued) {
      if (d.type === 'added') s.nominator.onAdd(queued.podInfo);
      else s.nominator.onUpdate(d.old as unknown as V1Pod, queued.podInfo);
    }
  }
  if (freed) s.queue.onClusterEvent(nowMs);
  scheduleSoon(s, out, 0);
}

/**
 * Makes sure the queue is being drained: a cycle now when activeQ has pods, else one when the
 * next backoff ends or the next unschedulable leftover is flushed. Nothing while not leading or
 * while the node and pod informers have not synced (their sync calls this again).
 */
function ensureCycle(s: SchedulerState, out: Output, nowMs: number): void {
  if (!s.leader.isLeader || !informersSynced(s)) return;
  if (s.queue.sizes.active > 0) return scheduleSoon(s, out, 0, nowMs);
  const wake = s.queue.nextWakeMs();
  if (wake !== undefined) scheduleSoon(s, out, Math.max(0, wake - nowMs), nowMs);
}

/**
 * Arms the next scheduling cycle `delayMs` from now, unless one is already due sooner. Each arming
 * has its own timer id: XState keeps firing an earlier timer whose id was reused.
 */
function scheduleSoon(s: SchedulerState, out: Output, delayMs: number, nowMs = s.nowMs()): void {
  if (!s.leader.isLeader) return;
  const at = nowMs + delayMs;
  if (s.cycleAtMs !== null && s.cycleAtMs <= at) return;
  if (s.cycleTimer !== null) out.cancels.push(s.cycleTimer);
  s.cycleTimer = `scheduler-cycle-${++s.cycleCounter}`;
  s.cycleAtMs = at;
  out.timers.push({ id: s.cycleTimer, delayMs, event: { type: 'SchedulerCycle' } });
}

/** One scheduling cycle: pop the next pod, find it a node, assume it there, start binding. */
export function onCycle(s: SchedulerState, nowMs: number, out: Output): void {
  s.cycleAtMs = null;
  s.cycleTimer = null;
  if (!s.leader.isLeader || !informersSynced(s)) return;
  const info = s.queue.pop(nowMs);
  if (!info) {
    const wake = s.queue.nextWakeMs();
    if (wake !== undefined) scheduleSoon(s, out, Math.max(0, wake - nowMs));
    return;
  }
  const pod = info.podInfo.pod;
  const key = info.key;
  const podName = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
  const explain = s.explainPods.has(podName);
  const profile = s.profiles.get(pod.spec?.schedulerName ?? SCHEDULER_NAME)!;
  const nominated = s.nominator.size > 0 ? { nominatedPods: (node: string) => s.nominator.podsOn(node) } : {};
  const result = scheduleOne(profile, s.snapshot, info.podInfo, s.rotation, s.randomInt, explain ? { explain: true, ...nominated } : nominated);
  s.rotation = result.rotation;
  if (explain && result.explanation) {
    out.traces.push({ kind: 'k8s.explain', fields: { scheduler: s.client.config.name, pod: podName, attempt: info.attempts, explanation: JSON.parse(JSON.stringify(result.explanation)) } });
  }
  const meta0 = pod.metadata ?? {};
  const preemption = 'unschedulable' in result && result.unschedulable.nominatedNodeName && result.unschedulable.victims?.length ? result.unschedulable : undefined;
  out.traces.push({
    kind: 'k8s.schedule',
    fields: {
      scheduler: s.client.config.name,
      pod: `${meta0.namespace ?? 'default'}/${meta0.name ?? ''}`,
      node: 'node' in result ? result.node : null,
      evaluatedNodes: result.evaluatedNodes,
      feasibleNodes: result.feasibleNodes,
      attempt: info.attempts,
      ...(preemption ? { nominatedNode: preemption.nominatedNodeName, victims: preemption.victims!.map((v) => `${v.namespace}/${v.name}`) } : {}),
    },
  });
  if ('node' in result) {
    s.nominator.delete(key);
    if (!s.variant?.bindWithoutAssume) s.cache.assume(info.podInfo, result.node);
    const claims = claimsToAnnotate(pod, s.snapshot, result.node);
    s.bindings.set(key, { info, pod, node: result.node, claimsPending: claims.length });
    // VolumeBinding's PreBind: the delayed claims learn their node before the pod is bound.
    for (const claim of claims) {
      request(
        s.client,
        { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'persistentvolumeclaims', namespace: claim.metadata?.namespace ?? 'default', name: claim.metadata?.name ?? '', body: { metadata: { annotations: { [ANN_SELECTED_NODE]: result.node } } } as unknown as KubeObject },
        `volume|${key}`,
        out,
        nowMs,
      );
    }
    if (claims.length === 0) sendBinding(s, key, pod, result.node, out, nowMs);
  } else if ('unschedulable' in result) {
    const u = result.unschedulable;
    if (preemption) prepareCandidate(s, info.podInfo, u.nominatedNodeName!, u.victims!, out, nowMs);
    if (u.nominatedNodeName !== undefined) s.nominator.set(info.podInfo, u.nominatedNodeName);
    s.queue.markUnschedulable(info, nowMs, u.unschedulablePlugins);
    markUnschedulable(s, pod, u.message, nowMs, out, u.nominatedNodeName);
  } else {
    s.queue.requeueAfterError(info, nowMs);
    postEvent(s, pod, 'Warning', 'FailedScheduling', result.error, nowMs, out);
  }
  scheduleSoon(s, out, 0);
}

function sendBinding(s: SchedulerState, key: string, pod: V1Pod, node: string, out: Output, nowMs: number): void {
  const meta = pod.metadata ?? {};
  request(
    s.client,
    { verb: 'create', apiVersion: 'v1', resource: 'pods', subresource: 'binding', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: meta.name, namespace: meta.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } } as KubeObject },
    `bind|${key}`,
    out,
    nowMs,
  );
}

/** A claim's selected-node annotation was answered: bind once all are; a failure un-assumes and retries. */
function onClaimAnnotated(s: SchedulerState, key: string, result: ApiResult, nowMs: number, out: Output): void {
  const binding = s.bindings.get(key);
  if (!binding) return;
  if (result.code === 200) {
    if (--binding.claimsPending === 0) sendBinding(s, key, binding.pod, binding.node, out, nowMs);
    return;
  }
  s.bindings.delete(key);
  s.cache.forget(key);
  const message = (result.body as { message?: string }).message ?? `code ${result.code}`;
  postEvent(s, binding.pod, 'Warning', 'FailedScheduling', `running PreBind plugin "VolumeBinding": ${message}`, nowMs, out);
  s.queue.requeueAfterError(binding.info, nowMs);
  scheduleSoon(s, out, 0);
}

function onBindResult(s: SchedulerState, key: string, result: ApiResult, nowMs: number, out: Output): void {
  const binding = s.bindings.get(key);
  if (!binding) return;
  s.bindings.delete(key);
  const meta = binding.pod.metadata ?? {};
  if (result.code === 200 || result.code === 201) {
    s.cache.finishBinding(key);
    s.queue.done(key);
    postEvent(s, binding.pod, 'Normal', 'Scheduled', `Successfully assigned ${meta.namespace ?? 'default'}/${meta.name ?? ''} to ${binding.node}`, nowMs, out);
    return;
  }
  s.cache.forget(key);
  const message = (result.body as { message?: string }).message ?? `binding failed with ${result.code}`;
  postEvent(s, binding.pod, 'Warning', 'FailedScheduling', `Binding rejected: ${message}`, nowMs, out);
  if (result.code === 404) s.queue.done(key);
  else s.queue.requeueAfterError(binding.info, nowMs);
  scheduleSoon(s, out, 0);
}

/**
 * kube `handleSchedulingFailure` for an unschedulable pod: the FailedScheduling event, and one
 * status patch (kube `updatePod`) when the PodScheduled=False condition or the nomination
 * changes. `nominatedNodeName`: undefined leaves it, "" clears it, a name sets it.
 */
function markUnschedulable(s: SchedulerState, pod: V1Pod, message: string, nowMs: number, out: Output, nominatedNodeName?: string): void {
  const meta = pod.metadata ?? {};
  const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: timestamp(nowMs) };
  const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  const previous = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  const conditionChanged = !previous || previous.status !== 'False' || previous.message !== message;
  const currentNomination = pod.status?.nominatedNodeName ?? '';
  const nominationChanged = nominatedNodeName !== undefined && nominatedNodeName !== currentNomination;
  if (conditionChanged || nominationChanged) {
    const status: Record<string, unknown> = {};
    if (conditionChanged) status['conditions'] = [...others, condition];
    // A merge patch removes a field with null (the Go client's patch drops an emptied omitempty field).
    if (nominationChanged) status['nominatedNodeName'] = nominatedNodeName === '' ? null : nominatedNodeName;
    request(
      s.client,
      { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'pods', subresource: 'status', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { status } as unknown as KubeObject },
      'status',
      out,
      nowMs,
    );
  }
  postEvent(s, pod, 'Warning', 'FailedScheduling', message, nowMs, out);
}

/**
 * kube `prepareCandidate` / `PreemptPod`: for each victim not already being deleted, the
 * DisruptionTarget condition (PATCH pods/status), then a DELETE with the default grace period,
 * then a `Preempted` event (see `onVictimStatusResult`, `onVictimDeleteResult`). Lower-priority
 * pods nominated to the same node lose their nomination (kube `getLowerPriorityNominatedPods`).
 */
function prepareCandidate(s: SchedulerState, preemptor: PodInfo, node: string, victims: readonly PodInfo[], out: Output, nowMs: number): void {
  for (const v of victims) {
    const victim = v.pod;
    // Graceful deletion has already started (kube skips the API calls), or our requests are in flight.
    if (victim.metadata?.deletionTimestamp || s.preemptions.has(v.key)) continue;
    s.preemptions.set(v.key, { victim, preemptorKey: preemptor.key, preemptorUid: preemptor.pod.metadata?.uid ?? '', node });
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: REASON_PREEMPTION_BY_SCHEDULER,
      message: `${preemptor.pod.spec?.schedulerName ?? SCHEDULER_NAME}: preempting to accommodate a higher priority pod`,
    };
    const conditions = victim.status?.conditions ?? [];
    const previous = conditions.find((c) => c.type === 'DisruptionTarget');
    if (previous && previous.status === condition.status && previous.reason === condition.reason && previous.message === condition.message) {
      deleteVictim(s, v.key, victim, out, nowMs);
      continue;
    }
    const updated = [...conditions.filter((c) => c.type !== 'DisruptionTarget'), { ...condition, lastProbeTime: null, lastTransitionTime: timestamp(s.nowMs()) }];
    const meta = victim.metadata ?? {};
    request(
      s.client,
      { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'pods', subresource: 'status', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { status: { conditions: updated } } as unknown as KubeObject },
      `preempt-status|${v.key}`,
      out,
      nowMs,
    );
  }
  for (const other of s.nominator.podsOn(node)) {
    if (other.priority >= preemptor.priority || other.key === preemptor.key) continue;
    s.nominator.delete(other.key);
    if (!other.pod.status?.nominatedNodeName) continue;
    const meta = other.pod.metadata ?? {};
    request(
      s.client,
      { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'pods', subresource: 'status', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { status: { nominatedNodeName: null } } as unknown as KubeObject },
      'status',
      out,
      nowMs,
    );
  }
}

function deleteVictim(s: SchedulerState, key: string, victim: V1Pod, out: Output, nowMs: number): void {
  const meta = victim.metadata ?? {};
  // kube `util.DeletePod`: no options, so the pod's own terminationGracePeriodSeconds applies.
  request(s.client, { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: meta.namespace ?? 'default', name: meta.name ?? '' }, `preempt-delete|${key}`, out, nowMs);
}

function onVictimStatusResult(s: SchedulerState, key: string, result: ApiResult, nowMs: number, out: Output): void {
  const p = s.preemptions.get(key);
  if (!p) return;
  if (result.code === 200 || result.code === 201) return deleteVictim(s, key, p.victim, out, nowMs);
  // 404: the victim is gone already (kube stops there, without an event).
  s.preemptions.delete(key);
  if (result.code !== 404) preemptionFailed(s, p, nowMs, out);
}

function onVictimDeleteResult(s: SchedulerState, key: string, result: ApiResult, nowMs: number, out: Output): void {
  const p = s.preemptions.get(key);
  if (!p) return;
  s.preemptions.delete(key);
  if (result.code === 200 || result.code === 202) {
    const preemptor = s.queue.get(p.preemptorKey)?.podInfo.pod;
    postEvent(s, p.victim, 'Normal', 'Preempted', `Preempted by pod ${p.preemptorUid} on node ${p.node}`, nowMs, out, {
      action: 'Preempting',
      ...(preemptor ? { related: { kind: 'Pod', apiVersion: 'v1', namespace: preemptor.metadata?.namespace, name: preemptor.metadata?.name, uid: preemptor.metadata?.uid } } : {}),
    });
    return;
  }
  if (result.code !== 404) preemptionFailed(s, p, nowMs, out);
}

/**
 * A preemption API call failed: the preemptor goes back to be retried (kube's async preemption
 * activates it) instead of waiting in unschedulablePods for an event that may never come.
 */
function preemptionFailed(s: SchedulerState, p: InFlightPreemption, nowMs: number, out: Output): void {
  if (s.queue.activate(p.preemptorKey)) ensureCycle(s, out, nowMs);
}

function postEvent(
  s: SchedulerState,
  pod: V1Pod,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  nowMs: number,
  out: Output,
  extra: { action?: string; related?: Record<string, unknown> } = {},
): void {
  const meta = pod.metadata ?? {};
  out.traces.push({ kind: 'k8s.event', fields: { reporter: s.client.config.name, namespace: meta.namespace ?? 'default', object: `pod/${meta.name ?? ''}`, type, reason, message } });
  const namespace = meta.namespace ?? 'default';
  const when = timestamp(nowMs);
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${meta.name ?? 'pod'}.${s.identity.replace(/[^a-z0-9]/g, '')}${(++s.eventCounter).toString(16).padStart(8, '0')}`, namespace },
    involvedObject: { kind: 'Pod', namespace, name: meta.name, uid: meta.uid, apiVersion: 'v1' },
    reason,
    message,
    type,
    source: { component: SCHEDULER_NAME },
    reportingComponent: SCHEDULER_NAME,
    reportingInstance: s.identity,
    firstTimestamp: when,
    lastTimestamp: when,
    count: 1,
    ...extra,
  };
  request(s.client, { verb: 'create', apiVersion: 'v1', resource: 'events', namespace, body }, 'event', out, nowMs);
}


