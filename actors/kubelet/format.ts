/**
 * Small formatting helpers shared by the kubelet core: Go's `time.Duration.String()`, the
 * kubelet's `format.Pod`, and stable fake identifiers (container IDs, image digests, machine IDs).
 * Everything here is a pure function of its arguments.
 */

/**
 * Go's `time.Duration.String()` for whole milliseconds: `0s`, `200ms`, `1.9s`, `1m0s`, `5m0s`,
 * `1h2m3.5s`. The kubelet prints durations this way in events and waiting messages
 * (`back-off 5m0s restarting failed container=…`).
 */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${goDuration(-ms)}`;
  const whole = Math.round(ms);
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const millis = whole % 60_000;
  const seconds = Math.floor(millis / 1000);
  const frac = String(millis % 1000).padStart(3, '0').replace(/0+$/, '');
  const sec = frac === '' ? `${seconds}s` : `${seconds}.${frac}s`;
  if (hours > 0) return `${hours}h${minutes}m${sec}`;
  if (minutes > 0) return `${minutes}m${sec}`;
  return sec;
}

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
