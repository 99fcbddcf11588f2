/**
 * The texts of field errors (apimachinery pkg/util/validation/field/errors.go `ErrorBody`:
 * "Required value", `Invalid value: "x": detail`, ...) and the Go value formatting they embed
 * (`%q`, encoding/json). Every validator in actors/api shares them.
 */

import type { FieldCause } from './errors.ts';

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
