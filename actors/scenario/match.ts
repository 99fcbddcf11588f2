import type { Match, Scalar } from './spec.ts';

/**
 * Compared values in expectations (`Match`): `v`, `{not: [a, b]}`, `{in: [a, b]}`. Types matter
 * (3 is not "3"); an unset value (undefined, null) matches none of the forms.
 */
export function matchValue<T extends Scalar>(match: Match<T>, actual: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  if (typeof match !== 'object') return actual === match;
  if ('in' in match) return (match.in as unknown[]).includes(actual);
  return !(match.not as unknown[]).includes(actual);
}

/** `"worker-1"`, `not "worker-1"`, `one of "a", "b"`: for details in results. */
export function describeMatch<T extends Scalar>(match: Match<T>): string {
  if (typeof match !== 'object') return JSON.stringify(match);
  if ('in' in match) return `one of ${match.in.map((v) => JSON.stringify(v)).join(', ')}`;
  return `not ${match.not.map((v) => JSON.stringify(v)).join(' nor ')}`;
}
