import type { KubeObject } from '../api/protocol.ts';

/**
 * `kubectl drain`'s choice of pods and its messages (k8s.io/kubectl/pkg/drain: filters.go
 * `GetPodsForDeletion`, drain.go `evictPods`), pure. Mirror pods are skipped; DaemonSet pods are
 * an error unless `--ignore-daemonsets` (then a warning); pods with no controller are an error
 * unless `--force`; pods with emptyDir volumes are an error unless `--delete-emptydir-data`.
 * Terminal pods are always deleted.
 */

export interface DrainOptions {
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
  force: boolean;
}

export interface DrainSelection {
  /** Pods to evict, in list order. */
  evict: KubeObject[];
  /** `Warning: ...` lines kubectl prints and carries on. */
  warnings: string[];
  /** Reasons the drain stops before evicting anything. */
  errors: string[];
}

/** How often kubectl retries an eviction answered 429 (drain.go: 5 s). */
export const EVICTION_RETRY_MS = 5_000;
/** How often kubectl polls an evicted pod until it is gone (waitForDelete: 1 s). */
export const DELETE_POLL_MS = 1_000;

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

interface PodShape {
  spec?: { volumes?: { emptyDir?: unknown }[] };
  status?: { phase?: string };
}

function key(pod: KubeObject): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** `GetPodsForDeletion`. */
export function selectPodsToEvict(pods: readonly KubeObject[], opts: DrainOptions): DrainSelection {
  const evict: KubeObject[] = [];
  const groups = { daemonSetError: [] as string[], daemonSetWarning: [] as string[], unmanagedError: [] as string[], unmanagedWarning: [] as string[], localError: [] as string[], localWarning: [] as string[] };
  for (const pod of pods) {
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) continue;
    const phase = (pod as PodShape).status?.phase;
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const controller = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    if (controller?.kind === 'DaemonSet') {
      (opts.ignoreDaemonsets ? groups.daemonSetWarning : groups.daemonSetError).push(key(pod));
      continue;
    }
    if (!controller && !terminal) {
      if (!opts.force) {
        groups.unmanagedError.push(key(pod));
        continue;
      }
      groups.unmanagedWarning.push(key(pod));
    }
    const local = ((pod as PodShape).spec?.volumes ?? []).some((v) => v.emptyDir !== undefined);
    if (local && !terminal) {
      if (!opts.deleteEmptydirData) {
        groups.localError.push(key(pod));
        continue;
      }
      groups.localWarning.push(key(pod));
    }
    evict.push(pod);
  }
  const errors: string[] = [];
  if (groups.daemonSetError.length > 0) errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${groups.daemonSetError.join(', ')}`);
  if (groups.unmanagedError.length > 0) errors.push(`cannot delete Pods that declare no controller (use --force to override): ${groups.unmanagedError.join(', ')}`);
  if (groups.localError.length > 0) errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${groups.localError.join(', ')}`);
  const warnings: string[] = [];
  if (groups.daemonSetWarning.length > 0) warnings.push(`Warning: ignoring DaemonSet-managed Pods: ${groups.daemonSetWarning.join(', ')}`);
  if (groups.unmanagedWarning.length > 0) warnings.push(`Warning: deleting Pods that declare no controller: ${groups.unmanagedWarning.join(', ')}`);
  if (groups.localWarning.length > 0) warnings.push(`Warning: deleting Pods with local storage: ${groups.localWarning.join(', ')}`);
  return { evict, warnings, errors: errors.length > 0 ? [errors.join('; ')] : [] };
}

/** Go's `time.Duration.String()` for whole seconds: `10m0s`, `1h0m0s`, `45s`. */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export const drainMessages = {
  cordoned: (node: string) => `node/${node} cordoned`,
  evicting: (pod: KubeObject) => `evicting pod ${key(pod)}`,
  retry: (pod: KubeObject, message: string) => `error when evicting pods/"${pod.metadata?.name ?? ''}" -n "${pod.metadata?.namespace ?? 'default'}" (will retry after 5s): ${message}`,
  evictFailed: (pod: KubeObject, message: string) => `error when evicting pods/"${pod.metadata?.name ?? ''}" -n "${pod.metadata?.namespace ?? 'default'}": ${message}`,
  waitFailed: (pod: KubeObject, message: string) => `error when waiting for pod "${pod.metadata?.name ?? ''}" in namespace "${pod.metadata?.namespace ?? 'default'}" to terminate: ${message}`,
  evicted: (pod: KubeObject) => `pod/${pod.metadata?.name ?? ''} evicted`,
  drained: (node: string) => `node/${node} drained`,
  failed: (node: string, errors: readonly string[]) => `error: unable to drain node "${node}" due to error: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}, continuing command...`,
  timeout: (seconds: number) => `global timeout reached: ${goDuration(seconds)}`,
};
