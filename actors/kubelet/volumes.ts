import type { V1Pod } from '@kubernetes/client-node';

/**
 * The kubelet's volume manager, as far as kubesim models it (pkg/kubelet/volumemanager
 * `WaitForAttachAndMount`): a pod's containers start only once every PersistentVolumeClaim it
 * mounts is Bound. The kubelet reads each claim (the Node authorizer lets it read the claims of its
 * own pods) every 300 ms until all are; after 2 minutes it reports `FailedMount` and keeps waiting.
 * Attach/detach and the mount itself take no time.
 */

/** `podAttachAndMountRetryInterval`. */
export const VOLUME_POLL_MS = 300;
/** `podAttachAndMountTimeout`. */
export const VOLUME_MOUNT_TIMEOUT_MS = 2 * 60_000;

/** The claims `pod` mounts, by volume: [volume name, claim name], in order. */
export function podClaimVolumes(pod: V1Pod): [string, string][] {
  const out: [string, string][] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim) out.push([v.name, claim]);
  }
  return out;
}

/** A claim as the GET answered it: Bound or not. */
export function isClaimBound(code: number, body: unknown): boolean {
  return code === 200 && (body as { status?: { phase?: string } } | null)?.status?.phase === 'Bound';
}

/** The FailedMount text after the timeout, naming the volumes still not mounted. */
export function failedMountMessage(unmountedVolumes: readonly string[]): string {
  return `Unable to attach or mount volumes: unmounted volumes=[${unmountedVolumes.join(' ')}]: timed out waiting for the condition`;
}
