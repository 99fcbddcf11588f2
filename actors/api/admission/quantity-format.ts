/**
 * Quantities as admission messages print them. resource.Quantity keeps a format next to its value
 * (DecimalSI "500m", BinarySI "1Gi", DecimalExponent "1e3") and `String()` prints the canonical
 * form in that format, so "0.5" prints as "500m" and 1.5Gi as "1536Mi"
 * (apimachinery pkg/api/resource/quantity.go CanonicalizeBytes). Values are exact milli-units from
 * ../quantity.ts.
 */
import { parseQuantityMilli } from '../quantity.ts';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Qty {
  readonly milli: bigint;
  readonly format: QuantityFormat;
}

export const ZERO: Qty = Object.freeze({ milli: 0n, format: 'DecimalSI' });

/** The format resource.ParseQuantity assigns: binary suffix → BinarySI, `e<n>` → DecimalExponent. */
export function formatOf(text: string | number): QuantityFormat {
  const s = String(text).trim();
  if (/(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(s)) return 'BinarySI';
  if (/[0-9.][eE][+-]?\d+$/.test(s)) return 'DecimalExponent';
  return 'DecimalSI';
}

/** Throws QuantityError on a malformed quantity. */
export function parseQty(text: string | number): Qty {
  return { milli: parseQuantityMilli(text), format: formatOf(text) };
}

/** Quantity.Add: the receiver's format wins, except that a zero receiver adopts the addend's. */
export function addQty(a: Qty, b: Qty): Qty {
  return { milli: a.milli + b.milli, format: a.milli === 0n ? b.format : a.format };
}

export function subQty(a: Qty, b: Qty): Qty {
  return { milli: a.milli - b.milli, format: a.milli === 0n ? b.format : a.format };
}

export function cmpQty(a: Qty, b: Qty): number {
  return a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0;
}

const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** Quantity.String(). */
export function formatQty(q: Qty): string {
  if (q.milli === 0n) return '0';
  const sign = q.milli < 0n ? '-' : '';
  const abs = q.milli < 0n ? -q.milli : q.milli;
  // BinarySI only for whole values of at least 1024; smaller or fractional ones print as DecimalSI.
  if (q.format === 'BinarySI' && abs >= 1_024_000n && abs % 1000n === 0n) {
    let n = abs / 1000n;
    let e = 0;
    while (e < BINARY_SUFFIX.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      e++;
    }
    return `${sign}${n}${BINARY_SUFFIX[e]}`;
  }
  let m = abs;
  let e = -3;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  // The exponent must be a multiple of 3 (Go: case 1,-2 → ×10; case 2,-1 → ×100).
  const r = ((e % 3) + 3) % 3;
  if (r === 1) {
    m *= 10n;
    e -= 1;
  } else if (r === 2) {
    m *= 100n;
    e -= 2;
  }
  if (q.format === 'DecimalExponent') return `${sign}${m}${e === 0 ? '' : `e${e}`}`;
  const suffix = DECIMAL_SUFFIX[e];
  if (suffix === undefined) return `${sign}${m}e${e}`;
  return `${sign}${m}${suffix}`;
}

/** A ResourceList as exact quantities. */
export type ResourceList = Map<string, Qty>;

/** Parses a JSON ResourceList; throws QuantityError on a malformed value. */
export function parseResourceList(raw: Readonly<Record<string, unknown>> | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const key of Object.keys(raw ?? {}).sort()) {
    const v = raw![key];
    if (typeof v === 'string' || typeof v === 'number') out.set(key, parseQty(v));
  }
  return out;
}

/** quota.Add / addResourceList: keys of both, summed. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur === undefined ? v : addQty(cur, v));
  }
  return out;
}

/** maxResourceList: for each key of `b`, the larger value (the larger one's format). */
export function maxLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (cur === undefined || cmpQty(v, cur) > 0) out.set(k, v);
  }
  return out;
}

/** quota.Mask: only the named keys. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v !== undefined) out.set(n, v);
  }
  return out;
}

/** JSON form, keys sorted. */
export function formatList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQty(list.get(k)!);
  return out;
}
