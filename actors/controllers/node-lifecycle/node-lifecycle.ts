import type { KubeObject } from '../../api/protocol.ts';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../api/admission/default-toleration-seconds.ts';
import { parseTimestamp, timestamp } from '../../api/time.ts';

/**
 * The node lifecycle controller's decisions as pure functions
 * (pkg/controller/nodelifecycle/node_lifecycle_controller.go):
 *
 * - `tryUpdateNodeHealth`: every node-monitor period, a node is healthy while its kubelet renews
 *   its Lease in kube-node-lease (or posts a new Ready heartbeat). The controller measures the
 *   silence on its own clock, from when it *saw* the renewal (`probeMs`), never from the
 *   timestamps' values. Past the grace period (50 s; 60 s for a node whose kubelet never posted
 *   a Ready condition, counted from its creation) Ready, MemoryPressure, DiskPressure and
 *   PIDPressure become Unknown — reason `NodeStatusUnknown`, message
 *   `Kubelet stopped posting node status.` — written through nodes/status. NetworkUnavailable is
 *   left alone, as upstream does.
 * - `monitorNode`: adds what the monitor pass does next with the node's observed Ready condition
 *   (the one before this pass changed it): the NoExecute taint it wants (processTaintBaseEviction:
 *   Ready=Unknown → unreachable, Ready=False → not-ready, Ready=True → neither), and whether the
 *   node's pods must be marked not ready (Ready left True: the NodeNotReady transition).
 * - `reconcileNodeTaints`: doNoScheduleTaintingPass (a NoSchedule taint per condition: Ready
 *   Unknown → unreachable, Ready False → not-ready, pressures and NetworkUnavailable True → their
 *   taints, spec.unschedulable → unschedulable) and the NoExecute taint decided by the monitor,
 *   as one new taint list: kept taints in place, new ones appended with timeAdded (as
 *   SwapNodeControllerTaint does).
 * - `podNotReadyStatus`: MarkPodsNotReady for one pod (its Ready condition to False).
 *
 * kubesim departures (README): NoExecute taints are applied at once, not through the per-zone
 * rate-limited queue (0.1 nodes/s, zone disruption states); the monitor does not retry a failed
 * status write within the pass, it writes again at the next pass.
 */

export const NODE_MONITOR_PERIOD_MS = 5_000;
export const NODE_MONITOR_GRACE_PERIOD_MS = 50_000;
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;

export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
export const NODE_STATUS_NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

export { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE };
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

export interface NodeLifecycleConfig {
  monitorPeriodMs: number;
  gracePeriodMs: number;
  startupGracePeriodMs: number;
}

export const DEFAULT_NODE_LIFECYCLE: NodeLifecycleConfig = {
  monitorPeriodMs: NODE_MONITOR_PERIOD_MS,
  gracePeriodMs: NODE_MONITOR_GRACE_PERIOD_MS,
  startupGracePeriodMs: NODE_STARTUP_GRACE_PERIOD_MS,
};

export interface NodeConditionJson {
  type: string;
  status: string;
  lastHeartbeatTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface TaintJson {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export type NodeJson = KubeObject & {
  spec?: { taints?: TaintJson[]; unschedulable?: boolean; [field: string]: unknown };
  status?: { conditions?: NodeConditionJson[]; [field: string]: unknown };
};

/** nodeHealthData: what the controller last saw of a node, with times on its own clock. */
export interface NodeHealth {
  /** When the controller last saw a sign of life (a new Ready heartbeat or a renewed lease). */
  probeMs: number;
  readyTransitionMs: number;
  /** The Ready condition of the status last seen (null: that status had none). */
  savedReady: NodeConditionJson | null;
  /** renewTime of the lease last seen, parsed (null: none seen). */
  leaseRenewMs: number | null;
}

export interface HealthResult {
  health: NodeHealth;
  gracePeriodMs: number;
  /** The Ready condition as the node had it before this pass (a stand-in when it had none). */
  observedReady: NodeConditionJson;
  /** The Ready condition after this pass (undefined: still none). */
  currentReady: NodeConditionJson | undefined;
  /** The node's new conditions, to write through nodes/status; null: nothing to write. */
  statusUpdate: NodeConditionJson[] | null;
}

const MARKED_UNKNOWN = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

function readyOf(conditions: readonly NodeConditionJson[] | undefined): NodeConditionJson | undefined {
  return (conditions ?? []).find((c) => c.type === 'Ready');
}

function sameCondition(a: NodeConditionJson | undefined, b: NodeConditionJson | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.type === b.type &&
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastHeartbeatTime ?? null) === (b.lastHeartbeatTime ?? null) &&
    (a.lastTransitionTime ?? null) === (b.lastTransitionTime ?? null)
  );
}

/** A node or lease time in virtual ms; NaN (unparseable) counts as `fallbackMs`. */
function timeMs(text: string | null | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  const ms = parseTimestamp(text);
  return Number.isNaN(ms) ? fallbackMs : ms;
}

/** tryUpdateNodeHealth: the node's health record after this pass, and the status to write. */
export function tryUpdateNodeHealth(
  node: NodeJson,
  lease: KubeObject | undefined,
  previous: NodeHealth | undefined,
  nowMs: number,
  config: NodeLifecycleConfig = DEFAULT_NODE_LIFECYCLE,
): HealthResult {
  const conditions = node.status?.conditions ?? [];
  const currentReady = readyOf(conditions);
  const creation = node.metadata?.creationTimestamp ?? timestamp(nowMs);
  let health: NodeHealth | undefined = previous ? { ...previous } : undefined;
  let gracePeriodMs: number;
  let observedReady: NodeConditionJson;
  if (!currentReady) {
    // The kubelet never posted a Ready condition: measure from the node's creation.
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: creation, lastTransitionTime: creation };
    gracePeriodMs = config.startupGracePeriodMs;
    if (health) health.savedReady = null;
    else {
      // Parsed only here, not on every pass over every node.
      const creationMs = timeMs(creation, nowMs);
      health = { probeMs: creationMs, readyTransitionMs: creationMs, savedReady: null, leaseRenewMs: null };
    }
  } else {
    observedReady = { ...currentReady };
    gracePeriodMs = config.gracePeriodMs;
  }
  const savedReady = health?.savedReady ?? null;
  const savedLeaseMs = health?.leaseRenewMs ?? null;
  if (!health) {
    health = { probeMs: nowMs, readyTransitionMs: nowMs, savedReady: currentReady ?? null, leaseRenewMs: null };
  } else if (!savedReady && currentReady) {
    health = { probeMs: nowMs, readyTransitionMs: nowMs, savedReady: currentReady, leaseRenewMs: health.leaseRenewMs };
  } else if (savedReady && !currentReady) {
    health = { probeMs: nowMs, readyTransitionMs: nowMs, savedReady: null, leaseRenewMs: health.leaseRenewMs };
  } else if (savedReady && currentReady && (savedReady.lastHeartbeatTime ?? null) !== (currentReady.lastHeartbeatTime ?? null)) {
    const transitionMs = (savedReady.lastTransitionTime ?? null) !== (currentReady.lastTransitionTime ?? null) ? nowMs : health.readyTransitionMs;
    health = { probeMs: nowMs, readyTransitionMs: transitionMs, savedReady: currentReady, leaseRenewMs: health.leaseRenewMs };
  }
  // A renewed lease is a sign of life, whatever the node's status says.
  const renewTime = (lease?.spec as { renewTime?: string } | undefined)?.renewTime;
  if (lease && renewTime) {
    const renewMs = timeMs(renewTime, Number.NEGATIVE_INFINITY);
    if (savedLeaseMs === null || savedLeaseMs < renewMs) {
      health.leaseRenewMs = renewMs;
      health.probeMs = nowMs;
    }
  }

  let statusUpdate: NodeConditionJson[] | null = null;
  let readyAfter = currentReady;
  if (nowMs > health.probeMs + gracePeriodMs) {
    const now = timestamp(nowMs);
    const next = conditions.map((c) => ({ ...c }));
    for (const type of MARKED_UNKNOWN) {
      const c = next.find((x) => x.type === type);
      if (!c) {
        next.push({ type, status: 'Unknown', lastHeartbeatTime: creation, lastTransitionTime: now, reason: NODE_STATUS_NEVER_UPDATED_REASON, message: NODE_STATUS_NEVER_UPDATED_MESSAGE });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = NODE_STATUS_UNKNOWN_REASON;
        c.message = NODE_STATUS_UNKNOWN_MESSAGE;
        c.lastTransitionTime = now;
      }
    }
    const marked = readyOf(next);
    if (!sameCondition(marked, observedReady)) {
      statusUpdate = next;
      readyAfter = marked;
      health = { probeMs: health.probeMs, readyTransitionMs: nowMs, savedReady: marked ?? null, leaseRenewMs: health.leaseRenewMs };
    }
  }
  return { health, gracePeriodMs, observedReady, currentReady: readyAfter, statusUpdate };
}

/** Which NoExecute taint the controller wants on a node (undefined: it has not decided). */
export type NoExecuteTaint = 'unreachable' | 'not-ready' | 'none';

export interface MonitorDecision extends HealthResult {
  /** undefined when the node still has no Ready condition: its NoExecute taints are left alone. */
  noExecute: NoExecuteTaint | undefined;
  /** Ready was True and is not any more: NodeNotReady (an event, and the pods marked). */
  becameNotReady: boolean;
  /** Mark the node's pods not ready (the transition, or a retry of a failed marking). */
  markPods: boolean;
}

/** One node in monitorNodeHealth: its health, the taint it should carry, its pods' fate. */
export function monitorNode(
  node: NodeJson,
  lease: KubeObject | undefined,
  previous: NodeHealth | undefined,
  needsRetry: boolean,
  nowMs: number,
  config: NodeLifecycleConfig = DEFAULT_NODE_LIFECYCLE,
): MonitorDecision {
  const result = tryUpdateNodeHealth(node, lease, previous, nowMs, config);
  if (!result.currentReady) return { ...result, noExecute: undefined, becameNotReady: false, markPods: false };
  const observed = result.observedReady.status;
  const noExecute: NoExecuteTaint = observed === 'False' ? 'not-ready' : observed === 'Unknown' ? 'unreachable' : 'none';
  const becameNotReady = result.currentReady.status !== 'True' && observed === 'True';
  const markPods = becameNotReady || (needsRetry && observed !== 'True');
  return { ...result, noExecute, becameNotReady, markPods };
}

/** nodeConditionToTaintKeyStatusMap. */
const NO_SCHEDULE_BY_CONDITION: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

const CONDITION_TAINT_KEYS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_PID_PRESSURE]);

export interface TaintChange {
  /** The node's whole new taint list. */
  taints: TaintJson[];
  added: TaintJson[];
  removed: TaintJson[];
}

const sameTaint = (a: TaintJson, b: TaintJson): boolean => a.key === b.key && a.effect === b.effect;

/** Adds the taint `key:effect` to `wanted` unless it is there already. */
function want(wanted: TaintJson[], key: string, effect: string): void {
  for (const w of wanted) if (w.key === key && w.effect === effect) return;
  wanted.push({ key, effect });
}

/** The taints this controller manages: condition NoSchedule taints, and its NoExecute ones once it has decided. */
function managedTaint(t: TaintJson, noExecute: NoExecuteTaint | undefined): boolean {
  return (
    (t.effect === 'NoSchedule' && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key))) ||
    (noExecute !== undefined && t.effect === 'NoExecute' && (t.key === TAINT_NODE_UNREACHABLE || t.key === TAINT_NODE_NOT_READY))
  );
}

/**
 * The taints the node should carry, or null when it carries them already. Runs for every node on
 * every monitor pass (5 s), so it makes no closures and builds its lists only for a change.
 */
export function reconcileNodeTaints(node: NodeJson, noExecute: NoExecuteTaint | undefined, nowMs: number): TaintChange | null {
  const taints = node.spec?.taints ?? [];
  const wanted: TaintJson[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = NO_SCHEDULE_BY_CONDITION[c.type]?.[c.status];
    if (key) want(wanted, key, 'NoSchedule');
  }
  if (node.spec?.unschedulable) want(wanted, TAINT_NODE_UNSCHEDULABLE, 'NoSchedule');
  if (noExecute === 'unreachable') want(wanted, TAINT_NODE_UNREACHABLE, 'NoExecute');
  if (noExecute === 'not-ready') want(wanted, TAINT_NODE_NOT_READY, 'NoExecute');
  let removed: TaintJson[] | null = null;
  for (const t of taints) {
    if (managedTaint(t, noExecute) && !wanted.some((w) => sameTaint(w, t))) (removed ??= []).push(t);
  }
  let added: TaintJson[] | null = null;
  for (const w of wanted) {
    if (!taints.some((t) => sameTaint(t, w))) (added ??= []).push({ ...w, timeAdded: timestamp(nowMs) });
  }
  if (added === null && removed === null) return null;
  const gone = removed ?? [];
  const kept = taints.filter((t) => !gone.includes(t));
  return { taints: [...kept, ...(added ?? [])], added: added ?? [], removed: gone };
}

export interface PodConditionJson {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

/** MarkPodsNotReady for one pod: its status with Ready=False, or null if nothing changes. */
export function podNotReadyStatus(pod: KubeObject, nowMs: number): Record<string, unknown> | null {
  const status = (pod.status ?? {}) as { conditions?: PodConditionJson[]; [field: string]: unknown };
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === 'Ready');
  const ready = conditions[i];
  if (!ready || ready.status === 'False') return null;
  const next = conditions.map((c, j) => (j === i ? { ...c, status: 'False', lastTransitionTime: timestamp(nowMs) } : c));
  return { ...status, conditions: next };
}

/** `name=Status (reason)` for traces. */
export function describeTaint(t: TaintJson): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
