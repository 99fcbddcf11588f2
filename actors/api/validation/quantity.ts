/** Resource quantities in specs: values and requests against limits (pkg/apis/core/validation). */

import type { FieldCause } from '../errors.ts';
import { invalid, required } from '../field-errors.ts';
import { canonicalQuantity, isValidQuantity, parseQuantityMilli } from '../quantity.ts';
import { IS_NEGATIVE, rec, type Json } from './helpers.ts';

/** The value decodes as a quantity (a string or a JSON number ParseQuantity accepts). */
export function quantityParses(value: unknown): boolean {
  return isValidQuantity(value);
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
