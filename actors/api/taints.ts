/**
 * Taint/toleration matching (k8s.io/component-helpers `scheduling/corev1`, core/v1
 * `Toleration.ToleratesTaint`), the one implementation: the scheduler (TaintToleration,
 * NodeUnschedulable, PodTopologySpread) and the controllers (taint eviction) use it.
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

/**
 * A toleration tolerates a taint when its effect is empty or equal, its key is empty or equal,
 * and either the operator is Exists or (Equal / empty operator) the values are equal.
 * An empty key with Exists tolerates everything.
 */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly V1Toleration[], taint: V1Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** `FindMatchingUntoleratedTaint`: the first taint (node order) passing `include` that no toleration tolerates. */
export function findMatchingUntoleratedTaint(
  taints: readonly V1Taint[],
  tolerations: readonly V1Toleration[],
  include: (t: V1Taint) => boolean,
): V1Taint | undefined {
  for (const taint of taints) {
    if (!include(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** `helper.DoNotScheduleTaintsFilterFunc`: NoSchedule and NoExecute taints. */
export function isDoNotScheduleTaint(t: V1Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}
