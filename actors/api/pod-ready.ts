/**
 * A pod is ready when its Ready condition is True (k8s.io/kubernetes pkg/api/v1/pod IsPodReady).
 * One definition for every reader of pod readiness: the kubelet's summary, the controllers, the
 * apiserver's eviction and write trace, and the scenario's conditions.
 */
interface PodCondition {
  readonly type?: string;
  readonly status?: string;
  readonly lastTransitionTime?: string;
}

/** The pod's Ready condition, the first of that type (podutil.GetPodReadyCondition). */
export function podReadyCondition(pod: object): PodCondition | undefined {
  const conditions = (pod as { status?: { conditions?: readonly PodCondition[] } }).status?.conditions;
  if (!conditions) return undefined;
  for (const c of conditions) if (c.type === 'Ready') return c;
  return undefined;
}

export function isPodReady(pod: object): boolean {
  return podReadyCondition(pod)?.status === 'True';
}
