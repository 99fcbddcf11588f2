/**
 * Kubernetes label keys, label values and label selectors, checked the way the apiserver checks
 * them (k8s.io/apimachinery validation and labels.Parse), so that a selector that kubectl accepts
 * is accepted here and one it rejects is a load error with the reason.
 */

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
 * Checks a label selector: `app=web,tier!=cache`, `app==web`, `env in (a, b)`, `env notin (c)`,
 * `app` (has the key), `!app` (has not). Returns why it is invalid, or undefined. The empty
 * selector selects everything.
 */
export function selectorProblem(selector: string): string | undefined {
  const s = selector;
  let i = 0;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < s.length && !/[\s,=!()]/.test(s[i] ?? '')) i++;
    return s.slice(start, i);
  };
  ws();
  if (i === s.length) return undefined;
  for (;;) {
    ws();
    let negated = false;
    if (s[i] === '!') {
      negated = true;
      i++;
      ws();
    }
    const key = word();
    if (key === '') return `a requirement at character ${i + 1} has no key`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) return `invalid key "${key}": ${keyProblem}`;
    ws();
    if (negated) {
      // `!key` stands alone.
    } else if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      i += s[i] === '=' && s[i + 1] !== '=' ? 1 : 2;
      ws();
      const value = word();
      const valueProblem = labelValueProblem(value);
      if (valueProblem) return `invalid value "${value}" for "${key}": ${valueProblem}`;
      ws();
    } else if (/^(in|notin)\b/.test(s.slice(i))) {
      const op = s.startsWith('notin', i) ? 'notin' : 'in';
      i += op.length;
      ws();
      if (s[i] !== '(') return `"${key} ${op}" must be followed by a list in parentheses, like ${key} ${op} (a, b)`;
      i++;
      const values: string[] = [];
      for (;;) {
        ws();
        const value = word();
        const valueProblem = labelValueProblem(value);
        if (valueProblem) return `invalid value "${value}" for "${key}": ${valueProblem}`;
        values.push(value);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        return `the list after "${key} ${op}" is not closed with ")"`;
      }
      if (values.length === 1 && values[0] === '') return `the list after "${key} ${op}" is empty`;
      ws();
    }
    if (i === s.length) return undefined;
    if (s[i] === ',') {
      i++;
      ws();
      if (i === s.length) return 'it ends with ","';
      continue;
    }
    return `unexpected "${s.slice(i, i + 10)}" at character ${i + 1}`;
  }
}
