/**
 * Kubernetes label keys, label values and label selectors, checked the way the apiserver checks
 * them (k8s.io/apimachinery validation and labels.Parse), so that a selector that kubectl accepts
 * is accepted here and one it rejects is a load error with the reason.
 */

import { isSelectorError, parseSelector } from '../../actors/api/labels.ts';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a valid label key (a qualified name: `[prefix/]name`), if it is not. */
export function labelKeyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  const slash = key.indexOf('/');
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix === '') return 'the prefix before "/" is empty';
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return `the prefix "${prefix}" is not a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (name === '') return 'the name part is empty';
  if (name.length > 63) return 'the name part is longer than 63 characters';
  if (!NAME.test(name)) return 'the name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why `value` is not a valid label value, if it is not (empty is valid). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'the value is longer than 63 characters';
  if (!NAME.test(value)) return 'a value must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/**
 * Checks a label selector with the apiserver's own parser (actors/api labels.Parse):
 * `app=web,tier!=cache`, `app==web`, `env in (a, b)`, `env notin (c)`, `app`, `!app`, `x in ()`,
 * `a>1`. Returns the apiserver's reason when it is invalid, or undefined. The empty selector
 * selects everything.
 */
export function selectorProblem(selector: string): string | undefined {
  const parsed = parseSelector(selector);
  return isSelectorError(parsed) ? parsed.error : undefined;
}
