/** Tolerations and taints (pkg/apis/core/validation `validateTolerations`, `validateNodeTaints`). */

import type { FieldCause } from '../errors.ts';
import { invalid, notSupported } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue } from '../labels/names.ts';
import { rec, str } from './helpers.ts';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: unknown[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  tolerations.forEach((raw, i) => {
    const t = rec(raw);
    const p = `${path}[${i}]`;
    const key = str(t['key']);
    const operator = str(t['operator']);
    const value = str(t['value']);
    const effect = str(t['effect']);
    if (key !== '') for (const msg of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, msg));
    if (key === '' && operator !== 'Exists') {
      causes.push(invalid(`${p}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      causes.push(invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const errs = isValidLabelValue(value);
      if (errs.length > 0) causes.push(invalid(`${p}.operator`, value, errs.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '') causes.push(invalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else causes.push(notSupported(`${p}.operator`, operator, ['Equal', 'Exists']));
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) causes.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
  return causes;
}
