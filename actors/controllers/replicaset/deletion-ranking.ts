/**
 * Which pods a ReplicaSet (or ReplicationController) deletes first when it scales down:
 * kube-controller-manager's `ActivePodsWithRanks.Less` (pkg/controller/controller_utils.go) with
 * LogarithmicScaleDown on, as in every release since 1.22:
 *
 *   1. unassigned before assigned;
 *   2. Pending before Unknown before Running;
 *   3. not ready before ready;
 *   4. lower `controller.kubernetes.io/pod-deletion-cost` first;
 *   5. more related active pods on the same node first (the rank);
 *   6. both ready: ready for less time first, compared in log2 buckets of the age in ns;
 *   7. more container restarts first;
 *   8. newer first, compared in log2 buckets of the age in ns;
 *   ties within a bucket (6, 8) by UID.
 */

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** What the ranking reads of a pod. Times are virtual ms; null when unknown. */
export interface RankedPod {
  uid: string;
  nodeName: string;
  phase: string;
  ready: boolean;
  /** lastTransitionTime of the Ready=True condition. */
  readySinceMs: number | null;
  creationMs: number | null;
  /** The most restarts of any one container. */
  restarts: number;
  deletionCost: number;
  /** Related active pods (of this controller's owner) on the same node. */
  rank: number;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Go's `int64(math.Log2(float64(d)))` of an age in ns, or -1 when the age is not positive. */
function ageBucket(sinceMs: number, nowMs: number): number {
  const ageNs = (nowMs - sinceMs) * 1_000_000;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/** Negative when `a` goes first. */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  if ((a.nodeName === '') !== (b.nodeName === '')) return a.nodeName === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.phase] ?? 0;
  const pb = PHASE_ORDINAL[b.phase] ?? 0;
  if (pa !== pb) return pa - pb;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.deletionCost !== b.deletionCost) return a.deletionCost < b.deletionCost ? -1 : 1;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.ready && b.ready && a.readySinceMs !== b.readySinceMs) {
    if (a.readySinceMs === null || b.readySinceMs === null) return a.readySinceMs === null ? -1 : 1;
    const diff = ageBucket(a.readySinceMs, nowMs) - ageBucket(b.readySinceMs, nowMs);
    if (diff === 0) return byUid(a, b);
    return diff;
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts;
  if (a.creationMs !== b.creationMs) {
    if (a.creationMs === null || b.creationMs === null) return a.creationMs === null ? -1 : 1;
    const diff = ageBucket(a.creationMs, nowMs) - ageBucket(b.creationMs, nowMs);
    if (diff === 0) return byUid(a, b);
    return diff;
  }
  return 0;
}

function byUid(a: RankedPod, b: RankedPod): number {
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

/**
 * The `count` pods to delete, first-deleted first. Ranks are the related pods on each pod's node
 * (`getPodsRankedByRelatedPodsOnSameNode`); the sort is stable, so equal pods keep input order.
 */
export function podsToDelete(pods: readonly Omit<RankedPod, 'rank'>[], relatedNodes: readonly string[], count: number, nowMs: number): Omit<RankedPod, 'rank'>[] {
  if (count <= 0) return [];
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const node of relatedNodes) if (node !== '') onNode.set(node, (onNode.get(node) ?? 0) + 1);
  const ranked = pods.map((p) => ({ pod: p, ranked: { ...p, rank: p.nodeName === '' ? 0 : (onNode.get(p.nodeName) ?? 0) } }));
  ranked.sort((x, y) => compareForDeletion(x.ranked, y.ranked, nowMs));
  return ranked.slice(0, count).map((x) => x.pod);
}

/** The annotation's value as kube reads it: an int32, 0 when absent or invalid. */
export function deletionCostOf(annotations: Record<string, string> | undefined): number {
  const text = annotations?.[POD_DELETION_COST_ANNOTATION];
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return 0;
  const value = Number(text.trim());
  return value >= -2_147_483_648 && value <= 2_147_483_647 ? value : 0;
}
