/** Resource quantities in specs: values and requests against limits (pkg/apis/core/validation). */

import type { FieldCause } from '../errors.ts';
import { invalid, required } from '../field-errors.ts';
import { QuantityError, parseQuantityMilli } from '../quantity.ts';
import { IS_NEGATIVE, rec, type Json } from './helpers.ts';

export const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
export const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
export const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * resource.Quantity.String(): the canonical form Go prints in messages ("2000m" → "2",
 * "1000" → "1k", "1.5Gi" → "1536Mi"). Precision stops at milli-units (quantity.ts), so a
 * nano- or micro-unit quantity prints rounded up to "m". Unparseable input comes back as is.
 */
export function canonicalQuantity(text: string | number): string {
  const s = String(text).trim();
  const m = QUANTITY_RE.exec(s);
  let milli: bigint;
  try {
    milli = parseQuantityMilli(s);
  } catch {
    return s;
  }
  if (!m || milli === 0n) return m ? '0' : s;
  const negative = milli < 0n;
  let abs = negative ? -milli : milli;
  const suffix = m[3];
  const binary = suffix !== undefined && suffix.endsWith('i');
  const exponentForm = m[4] !== undefined;
  const sign = negative ? '-' : '';
  if (binary && abs >= 1_024_000n && abs % 1000n === 0n) {
    let units = abs / 1000n;
    let exp = 0;
    while (units % 1024n === 0n && exp < 6) {
      units /= 1024n;
      exp++;
    }
    return `${sign}${units}${BINARY_SUFFIX[exp]}`;
  }
  let exp10 = -3;
  while (abs % 1000n === 0n && exp10 < 18) {
    abs /= 1000n;
    exp10 += 3;
  }
  if (exponentForm) return `${sign}${abs}${exp10 === 0 ? '' : `e${exp10}`}`;
  return `${sign}${abs}${DECIMAL_SUFFIX[exp10] ?? ''}`;
}

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

export function quantityParses(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  try {
    parseQuantityMilli(value);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** Resources whose quantities must be whole numbers (helper.IsIntegerResourceName). */
export function isIntegerResourceName(name: string): boolean {
  const standard = [
    'pods',
    'services',
    'replicationcontrollers',
    'resourcequotas',
    'secrets',
    'configmaps',
    'persistentvolumeclaims',
    'services.nodeports',
    'services.loadbalancers',
  ];
  if (standard.includes(name) || name.startsWith('count/')) return true;
  // Extended resources (a domain-qualified name outside kubernetes.io, not requests.*) are integers.
  return name.includes('/') && !name.startsWith('requests.') && !name.split('/')[0]!.endsWith('kubernetes.io');
}

/** ValidateResourceQuantityValue: not negative; whole for integer resources. Unparseable values are decodeError's. */
export function validateQuantityValue(name: string, value: unknown, path: string): FieldCause[] {
  if (!quantityParses(value)) return [];
  const milli = parseQuantityMilli(value as string | number);
  const shown = canonicalQuantity(value as string | number);
  const causes: FieldCause[] = [];
  if (milli < 0n) causes.push(invalid(path, shown, IS_NEGATIVE));
  if (isIntegerResourceName(name) && milli % 1000n !== 0n) causes.push(invalid(path, shown, 'must be an integer'));
  return causes;
}

/** validateResourceRequirements for one container (claims and hugepages not modeled). */
export function validateResourceRequirements(resources: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const limits = rec(resources['limits']);
  const requests = rec(resources['requests']);
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  for (const name of Object.keys(limits).sort()) causes.push(...validateQuantityValue(name, limits[name], `${limPath}[${name}]`));
  for (const name of Object.keys(requests).sort()) {
    const value = requests[name];
    causes.push(...validateQuantityValue(name, value, `${reqPath}[${name}]`));
    if (!quantityParses(value)) continue;
    const limit = limits[name];
    const overcommitAllowed = !name.startsWith('hugepages-') && !(name.includes('/') && !name.split('/')[0]!.endsWith('kubernetes.io'));
    if (limit !== undefined && quantityParses(limit)) {
      const req = parseQuantityMilli(value as string | number);
      const lim = parseQuantityMilli(limit as string | number);
      const shownReq = canonicalQuantity(value as string | number);
      const shownLim = canonicalQuantity(limit as string | number);
      if (req !== lim && !overcommitAllowed) causes.push(invalid(reqPath, shownReq, `must be equal to ${name} limit of ${shownLim}`));
      else if (req > lim) causes.push(invalid(reqPath, shownReq, `must be less than or equal to ${name} limit of ${shownLim}`));
    } else if (limit === undefined && !overcommitAllowed) {
      causes.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return causes;
}
