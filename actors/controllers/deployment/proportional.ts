/**
 * Proportional scaling (pkg/controller/deployment/sync.go `scale` and util/deployment_util.go
 * `GetReplicaSetProportion`): when a Deployment is scaled in the middle of a rollout, or while
 * paused, the replicas added or removed are shared among the active ReplicaSets in proportion to
 * their size, so a half-done rollout stays half done at the new size instead of jumping ahead.
 * Pure and integer except for the one rounding upstream does (`math.Round`, half away from zero).
 */

export interface ScalableReplicaSet {
  name: string;
  /** spec.replicas */
  replicas: number;
  creationMs: number;
  /** `deployment.kubernetes.io/max-replicas`: replicas + maxSurge when this ReplicaSet was last scaled. */
  maxReplicasAnnotation?: number;
}

/** What the scale reads of the Deployment. */
export interface ScaleTarget {
  /** spec.replicas */
  replicas: number;
  maxSurge: number;
  /** status.replicas: the fallback when a ReplicaSet has no max-replicas annotation. */
  statusReplicas: number;
  rolling: boolean;
}

/** Go's math.Round: half away from zero (JS's Math.round rounds −2.5 to −2). */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

const byCreation = (a: ScalableReplicaSet, b: ScalableReplicaSet): number =>
  a.creationMs - b.creationMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `getReplicaSetFraction`: how many replicas this ReplicaSet would gain (or lose) at full proportion. */
function fraction(rs: ScalableReplicaSet, d: ScaleTarget): number {
  if (d.replicas === 0) return -rs.replicas;
  const maxReplicas = d.replicas + d.maxSurge;
  const before = rs.maxReplicasAnnotation ?? d.statusReplicas;
  // Upstream divides by zero here only when both the annotation and status.replicas are absent;
  // Go's float division then yields ±Inf and a saturated int32: the min/max below caps it at `allowed`.
  if (before === 0) return rs.replicas > 0 ? Number.MAX_SAFE_INTEGER : 0;
  return roundHalfAway((rs.replicas * maxReplicas) / before) - rs.replicas;
}

/** `GetReplicaSetProportion`: the share of `toAdd` for one ReplicaSet, never beyond what is left. */
function proportion(rs: ScalableReplicaSet, d: ScaleTarget, toAdd: number, added: number): number {
  if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const share = fraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(share, allowed) : Math.max(share, allowed);
}

/**
 * The spec.replicas of the ReplicaSets a scaling event touches (by name), as upstream's
 * `scale`: one active (or, with none active, the newest) ReplicaSet takes the whole count; a
 * saturated new ReplicaSet sends the old ones to 0; otherwise, for RollingUpdate, the difference
 * to replicas + maxSurge is shared proportionally, larger ReplicaSets first (newer first when
 * growing, older first when shrinking), leftovers to the first — every active ReplicaSet is in that
 * answer, changed or not, because its replicas annotations must follow the new size. Recreate
 * changes nothing here.
 */
export function proportionalScale(
  d: ScaleTarget,
  newRs: ScalableReplicaSet | undefined,
  old: readonly ScalableReplicaSet[],
  newRsSaturated: boolean,
): Map<string, number> {
  const sizes = new Map<string, number>();
  const active = [...old, ...(newRs ? [newRs] : [])].filter((rs) => rs.replicas > 0);
  // FindActiveOrLatest
  if (active.length <= 1) {
    const newestOld = [...old].sort(byCreation).at(-1);
    const target = active[0] ?? newRs ?? newestOld;
    if (target && target.replicas !== d.replicas) sizes.set(target.name, d.replicas);
    return sizes;
  }
  if (newRsSaturated) {
    for (const rs of old) if (rs.replicas > 0) sizes.set(rs.name, 0);
    return sizes;
  }
  if (!d.rolling) return sizes;

  const total = active.reduce((n, rs) => n + rs.replicas, 0);
  const allowedSize = d.replicas > 0 ? d.replicas + d.maxSurge : 0;
  const toAdd = allowedSize - total;
  // ReplicaSetsBySizeNewer when growing, ReplicaSetsBySizeOlder when shrinking.
  const ordered = [...active].sort((a, b) => b.replicas - a.replicas || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  let added = 0;
  const next = new Map<string, number>();
  for (const rs of ordered) {
    const share = proportion(rs, d, toAdd, added);
    next.set(rs.name, rs.replicas + share);
    added += share;
  }
  const first = ordered[0]!;
  next.set(first.name, Math.max(0, next.get(first.name)! + toAdd - added));
  return next;
}
