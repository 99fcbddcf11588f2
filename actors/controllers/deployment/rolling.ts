/**
 * The arithmetic of a Deployment's rolling update (pkg/controller/deployment/rolling.go and
 * util/deployment_util.go), pure and integer:
 *
 * - `resolveFenceposts`: maxSurge rounds up, maxUnavailable rounds down, both 0 → unavailable 1;
 * - `newReplicaSetReplicas`: how far the new ReplicaSet may grow (pods ≤ replicas + maxSurge);
 * - `cleanupUnhealthyReplicas` and `scaleDownOldReplicaSets`: how far old ReplicaSets may shrink
 *   (available ≥ replicas − maxUnavailable), oldest first.
 */

/** An intstr: an integer, or a percentage like "25%". */
export type IntOrPercent = number | string;

/** `intstr.GetScaledValueFromIntOrPercent`: a percentage of `total`, rounded up or down. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid value "${value}": must be an integer or percentage (e.g. "5%")`);
  }
  const percent = Number(match[1]);
  return roundUp ? Math.ceil((percent * total) / 100) : Math.floor((percent * total) / 100);
}

/** `ResolveFenceposts`: [maxSurge, maxUnavailable] for `replicas` desired pods. */
export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, replicas: number): [number, number] {
  const surge = scaledValue(maxSurge, replicas, true);
  let unavailable = scaledValue(maxUnavailable, replicas, false);
  // Both zero would never progress: kube lets one pod be unavailable.
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** What the rolling arithmetic reads of a ReplicaSet. */
export interface ReplicaSetCounts {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  creationMs: number;
}

/** `NewRSNewReplicas` for RollingUpdate: the new ReplicaSet's target size. */
export function newReplicaSetReplicas(desired: number, maxSurge: number, newRs: ReplicaSetCounts, all: readonly ReplicaSetCounts[]): number {
  const current = all.reduce((n, rs) => n + rs.replicas, 0);
  const maxTotal = desired + maxSurge;
  if (current >= maxTotal) return newRs.replicas;
  const scaleUp = Math.min(maxTotal - current, desired - newRs.replicas);
  return newRs.replicas + Math.max(0, scaleUp);
}

/** Old ReplicaSets oldest first, ties by name (`ReplicaSetsByCreationTimestamp`). */
function oldestFirst(rss: readonly ReplicaSetCounts[]): ReplicaSetCounts[] {
  return [...rss].sort((a, b) => a.creationMs - b.creationMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `reconcileOldReplicaSets`: the new sizes of the old ReplicaSets (by name) that change. First
 * unhealthy replicas are cleaned up (up to `maxScaledDown`), then available ones are scaled down
 * while the Deployment keeps `desired − maxUnavailable` available.
 */
export function reconcileOldReplicaSets(desired: number, maxUnavailable: number, newRs: ReplicaSetCounts | null, old: readonly ReplicaSetCounts[]): Map<string, number> {
  const sizes = new Map<string, number>();
  const oldPods = old.reduce((n, rs) => n + rs.replicas, 0);
  if (oldPods === 0) return sizes;
  const all = newRs ? [...old, newRs] : [...old];
  const allPods = all.reduce((n, rs) => n + rs.replicas, 0);
  const minAvailable = desired - maxUnavailable;
  const newUnavailable = newRs ? newRs.replicas - newRs.available : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return sizes;

  // cleanupUnhealthyReplicas: pods that are not available go first, whatever the budget of available ones.
  const current = new Map(old.map((rs) => [rs.name, { ...rs }]));
  let cleaned = 0;
  for (const rs of oldestFirst(old)) {
    if (cleaned >= maxScaledDown) break;
    const c = current.get(rs.name)!;
    if (c.replicas === 0 || c.available >= c.replicas) continue;
    const down = Math.min(maxScaledDown - cleaned, c.replicas - c.available);
    c.replicas -= down;
    cleaned += down;
    sizes.set(rs.name, c.replicas);
  }

  // scaleDownOldReplicaSetsForRollingUpdate
  const available = [...current.values()].reduce((n, rs) => n + rs.available, 0) + (newRs?.available ?? 0);
  if (available <= minAvailable) return sizes;
  const budget = available - minAvailable;
  let scaled = 0;
  for (const rs of oldestFirst([...current.values()])) {
    if (scaled >= budget) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, budget - scaled);
    rs.replicas -= down;
    scaled += down;
    sizes.set(rs.name, rs.replicas);
  }
  return sizes;
}
