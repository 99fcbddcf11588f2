/**
 * JSON merge patch, RFC 7386 (what `kubectl patch --type merge` and a PATCH with
 * `application/merge-patch+json` send): objects merge key by key, `null` deletes a key, and
 * anything else (arrays included) replaces the target value whole.
 *
 * Pure: inputs are never mutated and the result shares no structure with them.
 */
import { cloneJson } from './clone-json.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type JsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy without nulls inside objects: a patch value lands in the target with its nulls meaning "absent". */
function materialize(patch: JsonValue): JsonValue {
  if (!isObject(patch)) return cloneJson(patch);
  return mergePatch({}, patch);
}

/**
 * RFC 7386 MergePatch(target, patch). A non-object patch replaces the target; an object patch
 * turns a non-object target into {} first, then sets, merges or (for null) removes each key.
 */
export function mergePatch(target: unknown, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return cloneJson(patch);
  const out: JsonObject = isObject(target) ? (cloneJson(target) as JsonObject) : {};
  mergeInto(out, patch);
  return out;
}

/**
 * Applies an object patch to `out`, an object this call owns (a copy): a nested object of it is
 * merged in place rather than copied again at every level of the patch.
 */
function mergeInto(out: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) {
      if (!Object.prototype.hasOwnProperty.call(out, key)) out[key] = materialize(value);
      else {
        const existing = out[key];
        if (isObject(existing)) mergeInto(existing, value);
        else out[key] = mergePatch(existing, value);
      }
    } else out[key] = cloneJson(value);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return false;
}

/**
 * The smallest merge patch taking `original` to `modified` (keys in sorted order, so the
 * patch is deterministic): changed keys set, removed keys null, nested objects diffed.
 * `mergePatch(original, createMergePatch(original, modified))` equals `modified` whenever
 * `modified` holds no nulls inside objects (a merge patch cannot set a value to null).
 */
export function createMergePatch(original: JsonValue, modified: JsonValue): JsonValue {
  if (!isObject(original) || !isObject(modified)) return cloneJson(modified);
  const patch: JsonObject = {};
  const keys = [...new Set([...Object.keys(original), ...Object.keys(modified)])].sort();
  for (const key of keys) {
    const hasOld = Object.prototype.hasOwnProperty.call(original, key);
    const hasNew = Object.prototype.hasOwnProperty.call(modified, key);
    if (!hasNew) patch[key] = null;
    else if (!hasOld) patch[key] = cloneJson(modified[key]!);
    else if (!equal(original[key], modified[key])) {
      const o = original[key]!;
      const m = modified[key]!;
      patch[key] = isObject(o) && isObject(m) ? createMergePatch(o, m) : cloneJson(m);
    }
  }
  return patch;
}
