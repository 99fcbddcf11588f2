/**
 * Go / Kubernetes durations (`500ms`, `10s`, `1m30s`, `1.5s`, `2h`, `1h2m3.5s`) to and from integer
 * virtual milliseconds.
 *
 * The grammar is Go's `time.ParseDuration`: an optional `+`, then one or more `<number><unit>`
 * pairs, where a number may have a fraction (`1.5`, `.5`, `5.`) and the units are `h`, `m`, `s`,
 * `ms`, `us` (or `µs`, `μs`) and `ns`. As in Go, a bare `0` is accepted. Unlike Go:
 *  - negative durations are rejected (nothing in a scenario runs backwards);
 *  - the total must be a whole number of milliseconds, because kubesim's virtual clock counts
 *    milliseconds: `1.5s` and `1000us` are fine, `0.5ms` and `100us` are not.
 * Arithmetic is exact (BigInt nanoseconds), so `0.1s + 0.2s` style rounding never happens.
 */

export type DurationResult =
  | { ok: true; ms: number }
  /** `reason` completes "… is not a valid duration: <reason>"; `suggestion` is a corrected spelling. */
  | { ok: false; reason: string; suggestion?: string };

/** The accepted forms, for error messages. */
export const DURATION_FORMS = 'a number with a unit, like 500ms, 10s, 1m30s, 1.5s or 2h';

const NS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 MICRO SIGN
  'μs': 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const NS_PER_MS = 1_000_000n;
/** Far above any bound a scenario uses (24 h), far below Number.MAX_SAFE_INTEGER. */
const MAX_MS = 1_000_000_000_000n;

// Longer units first so that `ms` is not read as `m` followed by garbage.
const PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|h|m|s)/;

/** Parses a Go duration into whole milliseconds. */
export function parseDuration(text: string): DurationResult {
  const original = text;
  let rest = text;
  if (rest === '') return { ok: false, reason: 'it is empty' };
  if (rest.startsWith('-')) {
    const positive = rest.slice(1);
    return {
      ok: false,
      reason: 'durations cannot be negative',
      ...(parseDuration(positive).ok ? { suggestion: positive } : {}),
    };
  }
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return { ok: true, ms: 0 };

  let totalNs = 0n;
  let parts = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    const intDigits = m?.[1] ?? '';
    const fracDigits = m?.[2] ?? '';
    const unit = m?.[3];
    if (!m || unit === undefined || (intDigits === '' && fracDigits === '')) {
      return failure(original);
    }
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined) return failure(original);
    const scale = 10n ** BigInt(fracDigits.length);
    const scaled = (BigInt(intDigits || '0') * scale + BigInt(fracDigits || '0')) * perUnit;
    if (scaled % scale !== 0n) {
      return { ok: false, reason: subMsReason() };
    }
    totalNs += scaled / scale;
    if (totalNs / NS_PER_MS > MAX_MS) return { ok: false, reason: 'it is far too long' };
    rest = rest.slice(m[0].length);
    parts++;
  }
  if (parts === 0) return failure(original);
  if (totalNs % NS_PER_MS !== 0n) {
    const rounded = (totalNs + NS_PER_MS / 2n) / NS_PER_MS;
    return { ok: false, reason: subMsReason(), suggestion: formatDuration(Number(rounded > 0n ? rounded : 1n)) };
  }
  return { ok: true, ms: Number(totalNs / NS_PER_MS) };
}

function subMsReason(): string {
  return "it is not a whole number of milliseconds, and kubesim's virtual clock counts milliseconds";
}

const UNIT_WORDS: [RegExp, string][] = [
  [/^(milliseconds?|millis|msecs?)$/i, 'ms'],
  [/^(microseconds?|micros|usecs?)$/i, 'us'],
  [/^(nanoseconds?|nanos|nsecs?)$/i, 'ns'],
  [/^(seconds?|secs?|sec\.?)$/i, 's'],
  [/^(minutes?|mins?)$/i, 'm'],
  [/^(hours?|hrs?)$/i, 'h'],
  [/^(MS|Ms)$/, 'ms'],
  [/^S$/, 's'],
  [/^H$/, 'h'],
];

/** A failure, with a corrected spelling when one is obvious (`10 sec` → `10s`, `5` → `5s`). */
function failure(text: string): DurationResult {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return { ok: false, reason: 'a number needs a unit', suggestion: `${trimmed}s` };
  }
  const words = /^(\d+(?:\.\d+)?)\s*([A-Za-zµμ.]+)$/.exec(trimmed);
  if (words) {
    const [, num = '', word = ''] = words;
    for (const [pattern, unit] of UNIT_WORDS) {
      if (pattern.test(word)) {
        const candidate = `${num}${unit}`;
        if (parseDuration(candidate).ok) {
          return { ok: false, reason: 'the unit is not one of h, m, s, ms, us, ns', suggestion: candidate };
        }
      }
    }
  }
  const squeezed = trimmed.replace(/\s+/g, '');
  if (squeezed !== text && squeezed !== '' && parseDuration(squeezed).ok) {
    return { ok: false, reason: 'it contains spaces', suggestion: squeezed };
  }
  return { ok: false, reason: `it is not ${DURATION_FORMS}` };
}

/**
 * Formats whole milliseconds the way people write them: `500ms`, `1.5s`, `1m30s`, `2h`,
 * `1h30m`. The output always parses back to the same value.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const whole = Math.round(ms);
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const millis = whole % 60_000;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  if (millis > 0) {
    const seconds = Math.floor(millis / 1000);
    const frac = String(millis % 1000).padStart(3, '0').replace(/0+$/, '');
    out += frac === '' ? `${seconds}s` : `${seconds}.${frac}s`;
  }
  return out;
}
