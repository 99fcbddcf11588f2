/**
 * Resource lists (quota.Add, maxResourceList, quota.Mask) of exact quantities, as the admission
 * plugins compute and print them; each quantity keeps its format, so sums print the way Go's do.
 */
import { addQty, cmpQty, parseQty, formatQty, type Qty } from '../quantity.ts';

// The quantity itself (parsing, Quantity.String(), Add) lives in ../quantity.ts; re-exported for
// the admission plugins and older imports.
export { addQty, cmpQty, formatOf, formatQty, parseQty, subQty, ZERO, type Qty, type QuantityFormat } from '../quantity.ts';

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
