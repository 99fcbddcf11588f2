/**
 * Go durations, the one implementation: `time.ParseDuration`'s grammar (`500ms`, `10s`, `1m30s`,
 * `1.5s`, `2h`, `1h2m3.5s`, an optional sign, `0` alone) with exact arithmetic, and the two ways
 * kubesim prints a whole number of milliseconds: Go's `Duration.String()` (`1m0s`, what Kubernetes
 * components print in events) and the shortest form that parses back (`1m`, for scenario files
 * and messages). Pure functions; the scenario loader and the kubelet build their own messages on
 * these.
 */

/** Nanoseconds per unit, as Go's unitMap. */
const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 MICRO SIGN
  'μs': 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export const NS_PER_MS = 1_000_000n;

export type GoDurationParse =
  /** `exact`: false when a fraction is finer than a nanosecond (Go truncates it). */
  | { ok: true; ns: bigint; exact: boolean }
  /** `error` is Go's text: `time: invalid duration "x"`, `time: missing unit in duration "5"`, `time: unknown unit "sec" in duration "5sec"`. */
  | { ok: false; kind: 'invalid' | 'missing-unit' | 'unknown-unit'; error: string };

const quote = (s: string): string => JSON.stringify(s);
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** time.ParseDuration, with exact (unbounded) arithmetic: callers apply their own bounds. */
export function parseGoDuration(text: string): GoDurationParse {
  const invalid = (): GoDurationParse => ({ ok: false, kind: 'invalid', error: `time: invalid duration ${quote(text)}` });
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0n, exact: true };
  if (s === '') return invalid();
  let total = 0n;
  let exact = true;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid();
    let i = 0;
    while (isDigit(s[i])) i++;
    const whole = s.slice(0, i);
    let fraction = '';
    let afterPoint = false;
    if (s[i] === '.') {
      let j = i + 1;
      while (isDigit(s[j])) j++;
      fraction = s.slice(i + 1, j);
      afterPoint = j > i + 1;
      i = j;
    }
    if (whole === '' && !afterPoint) return invalid();
    let u = i;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === i) return { ok: false, kind: 'missing-unit', error: `time: missing unit in duration ${quote(text)}` };
    const unitText = s.slice(i, u);
    const perUnit = NS_PER_UNIT[unitText];
    if (perUnit === undefined) return { ok: false, kind: 'unknown-unit', error: `time: unknown unit ${quote(unitText)} in duration ${quote(text)}` };
    const scale = 10n ** BigInt(fraction.length);
    const scaled = (BigInt(whole || '0') * scale + BigInt(fraction || '0')) * perUnit;
    if (scaled % scale !== 0n) exact = false;
    total += scaled / scale;
    s = s.slice(u);
  }
  return { ok: true, ns: negative ? -total : total, exact };
}

/** Hours, minutes, whole seconds and the milliseconds' decimal digits ("5", "25", "") of whole ms. */
function parts(ms: number): { hours: number; minutes: number; seconds: number; millis: number; frac: string } {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const millis = ms % 60_000;
  return { hours, minutes, seconds: Math.floor(millis / 1000), millis, frac: String(millis % 1000).padStart(3, '0').replace(/0+$/, '') };
}

/**
 * Go's `time.Duration.String()` for whole milliseconds: `0s`, `200ms`, `1.9s`, `1m0s`, `5m0s`,
 * `1h2m3.5s` (what the kubelet prints: `back-off 5m0s restarting failed container=…`).
 */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${goDuration(-ms)}`;
  const whole = Math.round(ms);
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const p = parts(whole);
  const sec = p.frac === '' ? `${p.seconds}s` : `${p.seconds}.${p.frac}s`;
  if (p.hours > 0) return `${p.hours}h${p.minutes}m${sec}`;
  if (p.minutes > 0) return `${p.minutes}m${sec}`;
  return sec;
}

/**
 * Whole milliseconds the way people write them, zero parts left out: `500ms`, `1.5s`, `1m30s`,
 * `2h`, `1h30m`. The output always parses back to the same value.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const whole = Math.round(ms);
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const p = parts(whole);
  let out = '';
  if (p.hours > 0) out += `${p.hours}h`;
  if (p.minutes > 0) out += `${p.minutes}m`;
  if (p.millis > 0) out += p.frac === '' ? `${p.seconds}s` : `${p.seconds}.${p.frac}s`;
  return out;
}
