/**
 * Small formatting helpers shared by the kubelet core: Go's `time.Duration.String()`, the
 * kubelet's `format.Pod`, and stable fake identifiers (container IDs, image digests, machine IDs).
 * Everything here is a pure function of its arguments.
 */

/** Go's `time.Duration.String()` (`1m0s`, `200ms`): one implementation, in actors/api/duration.ts. */
export { goDuration } from '../api/duration.ts';

/** The kubelet's `format.Pod`: `name_namespace(uid)`. */
export function formatPod(name: string, namespace: string, uid: string): string {
  return `${name}_${namespace}(${uid})`;
}

/** FNV-1a, 32 bits, over UTF-16 code units: a stable, cheap hash (not cryptographic). */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** 64 hex digits derived from `text`: looks like a sha256, is stable across runs and machines. */
export function fakeHex64(text: string): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += fnv1a(text, i * 0x9e3779b1).toString(16).padStart(8, '0');
  return out;
}
