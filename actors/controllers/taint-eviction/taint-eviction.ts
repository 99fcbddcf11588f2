import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/protocol.ts';
import { toleratesTaint } from '../../api/taints.ts';
import type { TaintJson } from '../node-lifecycle/node-lifecycle.ts';

/**
 * The NoExecute taint manager's decision for one pod (pkg/controller/tainteviction,
 * `processPodOnNode`): a pod on a node with NoExecute taints it does not all tolerate is deleted
 * at once; one that tolerates them all is deleted after the smallest `tolerationSeconds` among
 * the tolerations used (the first toleration matching each taint), counted from when the manager
 * first scheduled the eviction; a pod that tolerates them forever, or a node without NoExecute
 * taints, cancels any scheduled eviction. DefaultTolerationSeconds gives every pod 300 s for
 * `node.kubernetes.io/unreachable` and `not-ready`: the eviction ~5 min after the taint.
 */

export interface ScheduledEviction {
  createdAtMs: number;
  fireAtMs: number;
}

export type EvictionPlan = { kind: 'cancel' } | { kind: 'keep' } | ({ kind: 'schedule' } & ScheduledEviction);

interface PodShape {
  spec?: { nodeName?: string; tolerations?: V1Toleration[] };
  metadata?: { deletionTimestamp?: string };
}

/** GetMatchingTolerations: whether every taint is tolerated, and the toleration used for each. */
export function matchingTolerations(taints: readonly TaintJson[], tolerations: readonly V1Toleration[]): { all: boolean; used: V1Toleration[] } {
  const used: V1Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint as V1Taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** getMinTolerationTime in ms: -1 means forever; 0 or less tolerationSeconds means at once. */
export function minTolerationMs(used: readonly V1Toleration[]): number {
  let min = -1;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    const ms = t.tolerationSeconds * 1000;
    if (min < 0 || ms < min) min = ms;
  }
  return min;
}

export function evictionPlan(pod: KubeObject, nodeTaints: readonly TaintJson[], nowMs: number, scheduled: ScheduledEviction | undefined): EvictionPlan {
  const p = pod as PodShape;
  if (!p.spec?.nodeName || p.metadata?.deletionTimestamp) return { kind: 'cancel' };
  const taints = nodeTaints.filter((t) => t.effect === 'NoExecute');
  if (taints.length === 0) return { kind: 'cancel' };
  const { all, used } = matchingTolerations(taints, p.spec.tolerations ?? []);
  if (!all) return { kind: 'schedule', createdAtMs: nowMs, fireAtMs: nowMs };
  const min = minTolerationMs(used);
  if (min < 0) return { kind: 'cancel' };
  if (scheduled && scheduled.createdAtMs < nowMs) return { kind: 'keep' };
  return { kind: 'schedule', createdAtMs: scheduled?.createdAtMs ?? nowMs, fireAtMs: nowMs + min };
}
