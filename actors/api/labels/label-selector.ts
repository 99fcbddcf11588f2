/**
 * The structured form, metav1.LabelSelector (pkg/apis/meta/v1/helpers.go
 * `LabelSelectorAsSelector`, pkg/apis/meta/v1/validation `ValidateLabelSelector`).
 */

import type { FieldCause } from '../errors.ts';
import { forbidden, goQuote, invalid, required } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue, validateLabels } from './names.ts';
import { everything, newRequirement, nothing, sortRequirements, type Operator, type Requirement, type Selector, type SelectorError } from './selector.ts';

/** The structured form: metav1.LabelSelector. */
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const STRUCTURED_OPERATORS: Readonly<Record<string, Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: nil → nothing, empty → everything, otherwise matchLabels as
 * `=` requirements (keys sorted) plus each expression (In, NotIn, Exists, DoesNotExist).
 */
export function selectorFromLabelSelector(selector: LabelSelector | null | undefined): Selector | SelectorError {
  if (selector === null || selector === undefined) return nothing();
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + expressions.length === 0) return everything();
  const reqs: Requirement[] = [];
  for (const key of Object.keys(matchLabels).sort()) {
    const r = newRequirement(key, '=', [matchLabels[key]!]);
    if ('error' in r) return r;
    reqs.push(r);
  }
  for (const expr of expressions) {
    const op = STRUCTURED_OPERATORS[expr.operator];
    if (op === undefined) return { error: `${goQuote(expr.operator)} is not a valid label selector operator` };
    const r = newRequirement(expr.key, op, expr.values ?? []);
    if ('error' in r) return r;
    reqs.push(r);
  }
  return { type: 'requirements', requirements: sortRequirements(reqs) };
}

/**
 * metav1validation.ValidateLabelSelector for an object's spec.selector: keys, operators and
 * values, with the paths `<path>.matchLabels`, `<path>.matchExpressions[i].operator`, ...
 */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string): FieldCause[] {
  if (!selector) return [];
  const causes = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(`${p}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(expr.key)) causes.push(invalid(`${p}.key`, expr.key, msg));
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) causes.push(invalid(`${p}.values[${j}]`, v, msg));
    });
  });
  return causes;
}
