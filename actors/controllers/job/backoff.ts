/**
 * The Job controller's pod-failure backoff (pkg/controller/job/backoff_utils.go): after a pod
 * fails, new pods wait `10 s · 2^(n−1)` (n = failures since the last success), capped at 6 min
 * (DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff as documented for backoffLimit).
 */

export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 360_000;

/** The delay after the n-th consecutive failure (n ≥ 1); 0 when nothing failed. */
export function podFailureBackoffMs(failuresAfterLastSuccess: number, baseMs = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, maxMs = MAX_JOB_POD_FAILURE_BACKOFF_MS): number {
  if (failuresAfterLastSuccess <= 0) return 0;
  let d = baseMs;
  for (let i = 1; i < failuresAfterLastSuccess && d < maxMs; i++) d *= 2;
  return Math.min(d, maxMs);
}

export interface FinishedPod {
  /** Virtual ms the pod finished. */
  finishedMs: number;
  succeeded: boolean;
}

/**
 * `backoffRecord` from the finished pods: the failures after the last success and when the last
 * one failed; `remainingMs` before a new pod may be created (`getRemainingTime`).
 */
export function remainingBackoffMs(finished: readonly FinishedPod[], nowMs: number): number {
  const sorted = [...finished].sort((a, b) => a.finishedMs - b.finishedMs || Number(a.succeeded) - Number(b.succeeded));
  let failures = 0;
  let lastFailureMs = 0;
  for (const p of sorted) {
    if (p.succeeded) failures = 0;
    else {
      failures++;
      lastFailureMs = p.finishedMs;
    }
  }
  if (failures === 0) return 0;
  const remaining = podFailureBackoffMs(failures) - (nowMs - lastFailureMs);
  return remaining > 0 ? remaining : 0;
}
