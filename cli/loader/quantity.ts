/**
 * Kubernetes quantities in scenario fields (`cpu: "4"`, `memory: 8Gi`, `imagePullBandwidth: 50Mi`):
 * parsed with the same code the simulated apiserver uses (actors/api/quantity.ts), with a
 * corrected spelling for the usual mistakes (`8GB`, `8gi`, `4 cores`), and formatted back for the
 * scenario writer.
 */

import { formatBytes as formatBytesQuantity, formatMilli, MAX_QUANTITY_LENGTH, parseQuantityMilli } from '../../actors/api/quantity.ts';

export const QUANTITY_FORMS =
  'a Kubernetes quantity: a number with an optional suffix, m, k, M, G, T, P, E for powers of 1000 or Ki, Mi, Gi, Ti, Pi, Ei for powers of 1024, like 500m, 4, 8Gi or 1G';

export type QuantityResult = { ok: true; milli: bigint } | { ok: false; reason: string; suggestion?: string };

function tryParse(text: string): bigint | undefined {
  try {
    return parseQuantityMilli(text);
  } catch {
    return undefined;
  }
}

export function parseQuantity(text: string): QuantityResult {
  if (text.length > MAX_QUANTITY_LENGTH) return { ok: false, reason: `it is longer than ${MAX_QUANTITY_LENGTH} characters, which no quantity is` };
  const milli = tryParse(text);
  if (milli !== undefined && text.trim() === text && text !== '') return { ok: true, milli };
  const suggestion = suggest(text);
  return { ok: false, reason: `it is not ${QUANTITY_FORMS}`, ...(suggestion !== undefined ? { suggestion } : {}) };
}

const SUFFIX_CASE: Record<string, string> = { ki: 'Ki', mi: 'Mi', gi: 'Gi', ti: 'Ti', pi: 'Pi', ei: 'Ei', K: 'Ki', KI: 'Ki', MI: 'Mi', GI: 'Gi', TI: 'Ti' };

/** A corrected spelling when one is obvious: `8GB` → `8G`, `8GiB` → `8Gi`, `8gi` → `8Gi`, `4 cores` → `4`. */
function suggest(text: string): string | undefined {
  const squeezed = text.replace(/\s+/g, '');
  const candidates: string[] = [squeezed, squeezed.replace(/[bB]$/, '')];
  for (const c of [...candidates]) {
    const m = /^([+-]?[\d.]+)([A-Za-z]+)$/.exec(c);
    const fixed = m && Object.hasOwn(SUFFIX_CASE, m[2] ?? '') ? SUFFIX_CASE[m[2] ?? ''] : undefined;
    if (m && fixed) candidates.push(`${m[1] ?? ''}${fixed}`);
  }
  const number = /^\s*(\d+(?:\.\d+)?)\s*(cores?|cpus?|vcpus?|pods?|bytes?)?\s*$/i.exec(text);
  if (number?.[1]) candidates.push(number[1]);
  for (const c of candidates) {
    if (c !== text && c !== '' && tryParse(c) !== undefined) return c;
  }
  return undefined;
}

/** Whole bytes the way Kubernetes prints them: `8Gi`, `50Mi`, `1536Ki`, or the bare number. */
export const formatBytes = formatBytesQuantity;

/** Milli-CPU the way Kubernetes prints it: `500m`, `4`. */
export const formatCpu = formatMilli;
