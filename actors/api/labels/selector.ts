/**
 * Parsed label selectors (apimachinery pkg/labels/selector.go): requirements and
 * `labels.NewRequirement`'s checks.
 *
 * Determinism: Go sorts requirements by key with an unstable sort and keeps values in a set; here
 * requirements sort stably by (key, operator) and values are sorted and de-duplicated, so the
 * same selector always prints and matches the same way.
 */

import { aggregateText, causeText, invalid } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

/** selection.Operator values, as Go spells them. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted, without duplicates. Empty for exists / !. */
  readonly values: readonly string[];
}

/**
 * A parsed selector. `nothing` matches no object (a nil LabelSelector); `requirements` with an
 * empty list matches every object (an empty string or an empty LabelSelector).
 */
export type Selector =
  | { readonly type: 'requirements'; readonly requirements: readonly Requirement[] }
  | { readonly type: 'nothing' };

/** A selector the apiserver refuses, with its error text. */
export interface SelectorError {
  readonly error: string;
}

export function isSelectorError(value: Selector | SelectorError): value is SelectorError {
  return 'error' in value;
}

export function everything(): Selector {
  return { type: 'requirements', requirements: [] };
}

export function nothing(): Selector {
  return { type: 'nothing' };
}

export function isEverything(selector: Selector): boolean {
  return selector.type === 'requirements' && selector.requirements.length === 0;
}

const OPERATOR_ORDER: readonly Operator[] = ['!', '!=', '=', '==', 'exists', 'gt', 'in', 'lt', 'notin'];

export function sortRequirements(reqs: Requirement[]): Requirement[] {
  return reqs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      if (a.r.key !== b.r.key) return a.r.key < b.r.key ? -1 : 1;
      const oa = OPERATOR_ORDER.indexOf(a.r.operator);
      const ob = OPERATOR_ORDER.indexOf(b.r.operator);
      return oa !== ob ? oa - ob : a.i - b.i;
    })
    .map((x) => x.r);
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

const INT64_RE = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function parseInt64(text: string): bigint | undefined {
  if (!INT64_RE.test(text)) return undefined;
  const v = BigInt(text);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/**
 * labels.NewRequirement: checks the key, the number of values for the operator and each value.
 * `path` is the field path prefix Go uses (nil → keys print as "key", values as "values[i][key]").
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path = ''): Requirement | SelectorError {
  const child = (name: string): string => (path === '' ? name : `${path}.${name}`);
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(causeText(invalid(child('key'), key, keyErrs.join('; '))));
  const valuesPath = child('values');
  // Go prints the values slice; an empty one is nil there, which encodes as null.
  const shown = values.length === 0 ? null : [...values];
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(causeText(invalid(valuesPath, shown, "for 'in', 'notin' operators, values set can't be empty")));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(causeText(invalid(valuesPath, shown, 'exact-match compatibility requires one single value')));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(causeText(invalid(valuesPath, shown, 'values set must be empty for exists and does not exist')));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(causeText(invalid(valuesPath, shown, "for 'Gt', 'Lt' operators, exactly one value is required")));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(causeText(invalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer")));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(causeText(invalid(`${valuesPath}[${i}][${key}]`, v, valueErrs.join('; '))));
  });
  if (errs.length > 0) return { error: aggregateText(errs) };
  return { key, operator, values: sortedUnique(values) };
}
