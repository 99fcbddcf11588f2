/**
 * Label selectors as the apiserver parses and matches them (apimachinery pkg/labels/selector.go,
 * pkg/apis/meta/v1/helpers.go `LabelSelectorAsSelector`), plus the label key/value format checks
 * (pkg/api/validate/content/kube.go, the v1.35+ wording) and the field-error formatting every
 * validator in this folder shares (pkg/util/validation/field/errors.go).
 *
 * Pure: no I/O, no clock. Parse results are values, never exceptions: a bad selector comes back
 * as `{ error }` carrying the apiserver's text, which it answers as a 400 BadRequest.
 *
 * Determinism: Go sorts requirements by key with an unstable sort and keeps values in a set; here
 * requirements sort stably by (key, operator) and values are sorted and de-duplicated, so the
 * same selector always prints and matches the same way.
 */

import type { FieldCause } from './errors.ts';

// ---------------------------------------------------------------------------------------------
// Field errors (field.Error.ErrorBody): "Required value", `Invalid value: "x": detail`, ...
// ---------------------------------------------------------------------------------------------

/**
 * Go's strconv.Quote (what `%q` prints) for the characters that can reach an error message:
 * JSON.stringify differs for control characters (`\x01` in Go, `\u0001` in JSON).
 */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\t': out += '\\t'; break;
      case '\r': out += '\\r'; break;
      case '\u0007': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\v': out += '\\v'; break;
      default:
        out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
    }
  }
  return `${out}"`;
}

/**
 * Go's encoding/json for a bad value printed in an error: map keys sorted, `<`, `>` and `&`
 * escaped as json.Marshal does. Callers that print a Go struct build the object with its fields
 * in declaration order and mark it with STRUCT so the order is kept.
 */
export const STRUCT: unique symbol = Symbol('go-struct');
export type GoStruct = { [STRUCT]: true; [field: string]: unknown };

/** Marks `fields` (in declaration order, undefined ones omitted as `omitempty` would) as a Go struct. */
export function goStruct(fields: Record<string, unknown>): GoStruct {
  const out = { [STRUCT]: true } as GoStruct;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

export function goJson(value: unknown): string {
  const encode = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return `[${v.map(encode).join(',')}]`;
    if (typeof v === 'object') {
      const isStruct = (v as Partial<GoStruct>)[STRUCT] === true;
      const keys = Object.keys(v);
      if (!isStruct) keys.sort();
      return `{${keys.map((k) => `${encode(k)}:${encode((v as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    return JSON.stringify(String(v));
  };
  return encode(value);
}

/** How ErrorBody prints a bad value: strings quoted, numbers and booleans bare, the rest as JSON. */
export function formatBadValue(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return goJson(value);
}

function withDetail(body: string, detail: string): string {
  return detail === '' ? body : `${body}: ${detail}`;
}

/** field.Required: `Required value` or `Required value: <detail>`. */
export function required(field: string, detail = ''): FieldCause {
  return { field, reason: 'FieldValueRequired', message: withDetail('Required value', detail) };
}

/** field.Invalid: `Invalid value: <value>: <detail>`. */
export function invalid(field: string, value: unknown, detail: string): FieldCause {
  return { field, reason: 'FieldValueInvalid', message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) };
}

/** field.Duplicate: `Duplicate value: <value>`. */
export function duplicate(field: string, value: unknown): FieldCause {
  return { field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${formatBadValue(value)}` };
}

/** field.Forbidden: `Forbidden: <detail>`. */
export function forbidden(field: string, detail: string): FieldCause {
  return { field, reason: 'FieldValueForbidden', message: withDetail('Forbidden', detail) };
}

/** field.NotSupported: `Unsupported value: <value>: supported values: "a", "b"` (values in the order given). */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
  const detail = supported.length === 0 ? '' : `supported values: ${supported.map((s) => goQuote(s)).join(', ')}`;
  return { field, reason: 'FieldValueNotSupported', message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail) };
}

/** field.TooLong: `Too long: may not be more than N bytes`. */
export function tooLong(field: string, maxBytes: number): FieldCause {
  return { field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${maxBytes} byte${maxBytes === 1 ? '' : 's'}` };
}

/** The one-line form `field: body` that field.Error.Error() prints. */
export function causeText(cause: FieldCause): string {
  return `${cause.field}: ${cause.message}`;
}

/** utilerrors.Aggregate.Error(): one message alone, several as `[a, b]`, duplicates dropped. */
export function aggregateText(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Name and label formats (apimachinery pkg/api/validate/content, pkg/util/validation)
// ---------------------------------------------------------------------------------------------

/** Go measures strings in bytes. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
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

// ---------------------------------------------------------------------------------------------
// Selectors
// ---------------------------------------------------------------------------------------------

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

function sortRequirements(reqs: Requirement[]): Requirement[] {
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

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

const INT64_RE = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseInt64(text: string): bigint | undefined {
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

// --- the string form: a hand-written port of the lexer and recursive-descent parser ---------

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const KEYWORDS: Readonly<Record<string, Token>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

interface Scanned {
  tok: Token;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(text: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  // Go reads bytes and stops at a NUL byte; a JS string is scanned by UTF-16 unit, the same for ASCII.
  const read = (): string => (pos < text.length ? text[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (isSpecial(ch)) {
      // Longest run of special characters that still forms a known token.
      let buffer = ch;
      let last: Scanned | undefined = KEYWORDS[buffer] ? { tok: KEYWORDS[buffer]!, lit: buffer } : undefined;
      for (;;) {
        const next = read();
        if (next === '\0') break;
        if (!isSpecial(next)) {
          pos--;
          break;
        }
        buffer += next;
        if (KEYWORDS[buffer]) last = { tok: KEYWORDS[buffer]!, lit: buffer };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let word = ch;
    for (;;) {
      const next = read();
      if (next === '\0') break;
      if (isSpecial(next) || isWhitespace(next)) {
        pos--;
        break;
      }
      word += next;
    }
    const keyword = KEYWORDS[word];
    items.push({ tok: keyword ?? 'identifier', lit: word });
  }
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  /** In a values context the keywords `in` and `notin` are plain identifiers. */
  private view(item: Scanned, context: Context): Scanned {
    if (context === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'identifier', lit: item.lit };
    return item;
  }

  lookahead(context: Context): Scanned {
    return this.view(this.items[this.position]!, context);
  }

  consume(context: Context): Scanned {
    const item = this.items[this.position]!;
    if (this.position < this.items.length - 1) this.position++;
    return this.view(item, context);
  }

  parse(): Requirement[] | SelectorError {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'identifier' || tok === '!') {
        const r = this.parseRequirement();
        if ('error' in r) return { error: `unable to parse requirement: ${r.error}` };
        requirements.push(r);
        const after = this.consume('values');
        if (after.tok === 'end') return requirements;
        if (after.tok === ',') {
          const next = this.lookahead('values');
          if (next.tok !== 'identifier' && next.tok !== '!') return { error: `found '${next.lit}', expected: identifier after ','` };
          continue;
        }
        return { error: `found '${after.lit}', expected: ',' or 'end of string'` };
      }
      if (tok === 'end') return requirements;
      return { error: `found '${lit}', expected: !, identifier, or 'end of string'` };
    }
  }

  private parseRequirement(): Requirement | SelectorError {
    const keyAndOp = this.parseKeyAndInferOperator();
    if ('error' in keyAndOp) return keyAndOp;
    const { key } = keyAndOp;
    if (keyAndOp.operator === 'exists' || keyAndOp.operator === '!') return newRequirement(key, keyAndOp.operator, []);
    const operator = this.parseOperator();
    if (typeof operator !== 'string') return operator;
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    if (!Array.isArray(values)) return values as SelectorError;
    return newRequirement(key, operator, sortedUnique(values));
  }

  private parseKeyAndInferOperator(): { key: string; operator: Operator | undefined } | SelectorError {
    let operator: Operator | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') return { error: `found '${item.lit}', expected: identifier` };
    const keyErrs = isQualifiedName(item.lit);
    // The parser validates the key with a nil field path, which prints as "<nil>".
    if (keyErrs.length > 0) return { error: causeText(invalid('<nil>', item.lit, keyErrs.join('; '))) };
    const next = this.lookahead('values').tok;
    if ((next === 'end' || next === ',') && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): Operator | SelectorError {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in': return 'in';
      case '=': return '=';
      case '==': return '==';
      case '>': return 'gt';
      case '<': return 'lt';
      case 'notin': return 'notin';
      case '!=': return '!=';
      default: return { error: `found '${lit}', expected: in, notin, =, ==, !=, gt, lt` };
    }
  }

  private parseValues(): string[] | SelectorError {
    const open = this.consume('values');
    if (open.tok !== '(') return { error: `found '${open.lit}' expected: '('` };
    const { tok, lit } = this.lookahead('values');
    if (tok === 'identifier' || tok === ',') {
      const values = this.parseIdentifiersList();
      if (!Array.isArray(values)) return values;
      // Go reports the literal it looked ahead at before the list, not the one it just read.
      if (this.consume('values').tok !== ')') return { error: `found '${lit}', expected: ')'` };
      return values;
    }
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    return { error: `found '${lit}', expected: ',', ')' or identifier` };
  }

  private parseIdentifiersList(): string[] | SelectorError {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'identifier') {
        values.add(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return [...values];
        return { error: `found '${next.lit}', expected: ',' or ')'` };
      }
      if (tok === ',') {
        if (values.size === 0) values.add(''); // "(," starts with an empty value
        const next = this.lookahead('values').tok;
        if (next === ')') {
          values.add(''); // ",)" ends with one
          return [...values];
        }
        if (next === ',') values.add(''); // ",," holds one
        continue;
      }
      return { error: `found '${lit}', expected: ',', or identifier` };
    }
  }

  private parseExactValue(): string[] | SelectorError {
    const next = this.lookahead('values').tok;
    if (next === 'end' || next === ',') return [''];
    const { tok, lit } = this.consume('values');
    if (tok === 'identifier') return [lit];
    return { error: `found '${lit}', expected: identifier` };
  }
}

/**
 * labels.Parse: `app=web,tier!=cache`, `env in (a,b)`, `env notin (a)`, `key`, `!key`,
 * `k==v`, `k>1`, `k<1`. An empty (or blank) string selects everything.
 */
export function parseSelector(text: string): Selector | SelectorError {
  const result = new Parser(lex(text)).parse();
  if ('error' in result) return result;
  return { type: 'requirements', requirements: sortRequirements(result) };
}

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
