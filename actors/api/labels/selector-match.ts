/** Matching a parsed selector against labels, and printing it back (apimachinery pkg/labels). */

import { parseInt64, type Requirement, type Selector } from './selector.ts';

/** labels.SelectorFromSet: every pair as `key=value`; an empty set selects everything. */
export function selectorFromSet(set: Record<string, string> | undefined): Selector {
  const keys = Object.keys(set ?? {}).sort();
  return { type: 'requirements', requirements: keys.map((k) => ({ key: k, operator: '=' as const, values: [set![k]!] })) };
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

/** True when every requirement holds for `labels` (a missing label map is an empty one). */
export function matches(selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector.type === 'nothing') return false;
  const set = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, set));
}

function requirementToString(r: Requirement): string {
  const values = r.values.length === 1 ? r.values[0]! : r.values.join(',');
  switch (r.operator) {
    case '!': return `!${r.key}`;
    case 'exists': return r.key;
    case 'in': return `${r.key} in (${values})`;
    case 'notin': return `${r.key} notin (${values})`;
    case 'gt': return `${r.key}>${values}`;
    case 'lt': return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

/** Selector.String(): the canonical string form; parsing it gives the same selector back. */
export function selectorToString(selector: Selector): string {
  return selector.type === 'nothing' ? '' : selector.requirements.map(requirementToString).join(',');
}

/**
 * Selector.RequiresExactMatch: the value `key` must equal, when an `=`/`==`/single-value `in`
 * requirement pins it. Go stops at the first requirement on `key`, whose position among
 * requirements on the same key its unstable sort leaves open; this looks at all of them.
 */
export function requiresExactMatch(selector: Selector, key: string): string | undefined {
  if (selector.type === 'nothing') return undefined;
  for (const r of selector.requirements) {
    if (r.key !== key) continue;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
  }
  return undefined;
}
