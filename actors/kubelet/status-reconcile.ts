/**
 * The status manager's needsReconcile (pkg/kubelet/status/status_manager.go): the kubelet owns
 * its pods' status, but others write it too — the node lifecycle controller marks a pod's Ready
 * condition False when its node stops reporting. Once the kubelet hears of the pod again (its watch
 * resumes after a partition), a status in the API that disagrees with its own is re-posted,
 * otherwise a pod that never stopped would stay NotReady for good. Compared: the phase and every
 * condition's status (what readiness and phase readers use); timestamps and messages are not.
 */
export function statusNeedsReconcile(apiStatus: PodStatusLike | undefined, kubeletStatus: PodStatusLike | undefined): boolean {
  if (!kubeletStatus) return false;
  if ((apiStatus?.phase ?? 'Pending') !== (kubeletStatus.phase ?? 'Pending')) return true;
  const api = new Map((apiStatus?.conditions ?? []).map((c) => [c.type, c.status]));
  return (kubeletStatus.conditions ?? []).some((c) => api.get(c.type) !== c.status);
}

export interface PodStatusLike {
  phase?: string;
  conditions?: readonly { type: string; status: string }[];
}
