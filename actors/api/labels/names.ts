/**
 * Name and label formats (apimachinery pkg/api/validate/content, pkg/util/validation): DNS labels
 * and subdomains, label keys (qualified names) and label values, as lists of problems.
 */

import type { FieldCause } from '../errors.ts';
import { invalid } from '../field-errors.ts';

/**
 * Go measures strings in bytes: the length of `text` in UTF-8, a lone surrogate counting as the
 * 3 bytes of U+FFFD as TextEncoder writes it. Counted without encoding: validation measures every
 * name, label and annotation of every write, and a TextEncoder plus a byte array per string cost
 * 0.7% of a 1000-node run's CPU.
 */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Builds content.RegexError / validation.RegexError text. */
export function regexError(message: string, regex: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${regex}')`;
  // Go appends " or " after the previous "', ", so examples are separated by two spaces.
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${regex}')`;
}

/** `characters` is pkg/util/validation (object names); `bytes` is the v1.35+ content package (label keys/values). */
export type LengthUnit = 'characters' | 'bytes';

function maxLenError(length: number, unit: LengthUnit): string {
  return `must be no more than ${length} ${unit}`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** IsDNS1123Subdomain: object names (pods, nodes, deployments...), at most 253. */
export function isDNS1123Subdomain(value: string, unit: LengthUnit = 'characters'): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLenError(253, unit));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

/** IsDNS1123Label: namespace names, container names, port names of services; at most 63. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63, 'characters'));
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else {
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          'my-name',
          '123-abc',
        ),
      );
    }
  }
  return errs;
}

/** IsDNS1035Label: service names; at most 63, starting with a letter. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63, 'characters'));
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_KEY_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

/**
 * IsQualifiedName (= content.IsLabelKey): `[prefix/]name`, name at most 63, prefix a DNS
 * subdomain. Returns the problems, empty when valid. Wording is v1.35+ ("a valid label key";
 * v1.34 and older said "a qualified name").
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix, 'bytes').map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63, 'bytes')}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue (= content.IsLabelValue): empty, or at most 63 of `[-A-Za-z0-9_.]` with alphanumeric ends. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63, 'bytes'));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** metav1validation.ValidateLabels: every key and value, keys in sorted order (Go iterates a map). */
export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const key of Object.keys(labels ?? {}).sort()) {
    for (const msg of isQualifiedName(key)) causes.push(invalid(path, key, msg));
    for (const msg of isValidLabelValue(labels![key]!)) causes.push(invalid(path, labels![key]!, msg));
  }
  return causes;
}
