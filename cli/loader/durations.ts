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

import { formatDuration, NS_PER_MS, parseGoDuration } from '../../actors/api/duration.ts';

export type DurationResult =
  | { ok: true; ms: number }
  /** `reason` completes "… is not a valid duration: <reason>"; `suggestion` is a corrected spelling. */
  | { ok: false; reason: string; suggestion?: string };

/** The accepted forms, for error messages. */
export const DURATION_FORMS = 'a number with a unit, like 500ms, 10s, 1m30s, 1.5s or 2h';

/** Far above any bound a scenario uses (24 h), far below Number.MAX_SAFE_INTEGER. */
const MAX_MS = 1_000_000_000_000n;

/** Parses a Go duration (actors/api/duration.ts, time.ParseDuration's grammar) into whole milliseconds. */
export function parseDuration(text: string): DurationResult {
  if (text === '') return { ok: false, reason: 'it is empty' };
  if (text.startsWith('-')) {
    const positive = text.slice(1);
    return {
      ok: false,
      reason: 'durations cannot be negative',
      ...(parseDuration(positive).ok ? { suggestion: positive } : {}),
    };
  }
  const parsed = parseGoDuration(text);
  if (!parsed.ok) return failure(text);
  if (!parsed.exact) return { ok: false, reason: subMsReason() };
  const totalNs = parsed.ns;
  if (totalNs / NS_PER_MS > MAX_MS) return { ok: false, reason: 'it is far too long' };
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

/** Whole milliseconds the way people write them (`500ms`, `1.5s`, `1m30s`, `2h`); parses back to the same value. */
export { formatDuration };
