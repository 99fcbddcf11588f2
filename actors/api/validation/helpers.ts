/** JSON access helpers and shared texts for the validators in this folder. */

import type { FieldCause } from '../errors.ts';
import { invalid } from '../field-errors.ts';
import { canonicalJson as canonicalJsonStrict } from '../../kernel/canonical-json.ts';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const rec = (v: unknown): Json => (isObject(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const strMap = (v: unknown): Record<string, string> | undefined => (isObject(v) ? (v as Record<string, string>) : undefined);

export function objectsOf(list: unknown): Json[] {
  return arr(list).map(rec);
}

export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const FIELD_IMMUTABLE = 'field is immutable';
export const MAX_INT32 = 2_147_483_647;

/** Canonical JSON (keys sorted at every level, actors/kernel/canonical-json.ts); an absent value is `null`. */
export function canonicalJson(value: unknown): string {
  return canonicalJsonStrict(value === undefined ? null : value);
}

export function nonNegative(spec: Json, field: string, path: string): FieldCause[] {
  const v = num(spec[field]);
  return v !== undefined && v < 0 ? [invalid(path, v, IS_NEGATIVE)] : [];
}
