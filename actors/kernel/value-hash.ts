/**
 * A 64-bit structural hash of a JSON-like value, computed by walking the value: no JSON string is
 * built. It respects the equivalence canonical JSON defines (canonical-json.ts): values with the
 * same canonical JSON hash the same — object keys in any order (fields are combined by a
 * commutative sum, so nothing is sorted), `undefined` fields omitted, `undefined` array items as
 * `null`, -0 as 0 — and, like canonical JSON, it rejects non-finite numbers, functions, bigints
 * and symbols. Strings are hashed by UTF-16 code unit, numbers by value (small integers directly,
 * others by their IEEE-754 bits), every kind of value with its own tag and length, so "ab","c"
 * and "a","bc" differ. Not cryptographic: the trace fingerprint needs same-input-same-output and
 * a negligible chance that a different trace gives the same value.
 *
 * The result is left in two 32-bit lanes (`hashLanes`), read right after the call: returning
 * them would allocate per value.
 */

export const hashLanes = { a: 0, b: 0 };

const TAG_NULL = 0x6e756c6c;
const TAG_TRUE = 0x74727565;
const TAG_FALSE = 0x66616c73;
const TAG_INT = 0x696e7433;
const TAG_FLOAT = 0x666c6f74;
const TAG_STRING = 0x73747269;
const TAG_ARRAY = 0x61727261;
const TAG_OBJECT = 0x6f626a65;

const hasOwn = Object.prototype.hasOwnProperty;
const float64 = new Float64Array(1);
const words = new Int32Array(float64.buffer);

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function hashString(s: string): void {
  const n = s.length;
  let a = 0x811c9dc5 ^ n;
  let b = 0x3c6ef372 ^ Math.imul(n, 0x9e3779b1);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashLanes.a = fmix(a ^ TAG_STRING);
  hashLanes.b = fmix(b + TAG_STRING);
}

function hashNumber(v: number): void {
  if ((v | 0) === v) {
    // -0 | 0 is 0: the same as 0, as in JSON.
    hashLanes.a = fmix((v | 0) ^ TAG_INT);
    hashLanes.b = fmix(Math.imul(v | 0, 0x9e3779b1) + TAG_INT);
    return;
  }
  if (!Number.isFinite(v)) throw new Error(`trace hash: non-finite number ${v}`);
  float64[0] = v;
  const lo = words[0]!;
  const hi = words[1]!;
  hashLanes.a = fmix(lo ^ fmix(hi ^ TAG_FLOAT));
  hashLanes.b = fmix(Math.imul(hi, 0x85ebca77) + fmix(lo + TAG_FLOAT));
}

/** Hashes `value` into `hashLanes`. */
export function hashValue(value: unknown): void {
  if (value === null) {
    hashLanes.a = TAG_NULL;
    hashLanes.b = ~TAG_NULL;
    return;
  }
  switch (typeof value) {
    case 'string':
      hashString(value);
      return;
    case 'number':
      hashNumber(value);
      return;
    case 'boolean':
      hashLanes.a = value ? TAG_TRUE : TAG_FALSE;
      hashLanes.b = value ? ~TAG_TRUE : ~TAG_FALSE;
      return;
    case 'object': {
      if (Array.isArray(value)) {
        const n = value.length;
        let a = TAG_ARRAY ^ n;
        let b = ~TAG_ARRAY + n;
        for (let i = 0; i < n; i++) {
          const item: unknown = value[i];
          hashValue(item === undefined ? null : item);
          a = Math.imul(((a << 13) | (a >>> 19)) ^ hashLanes.a, 0x9e3779b1) + 0xe6546b64;
          b = Math.imul(((b << 17) | (b >>> 15)) ^ hashLanes.b, 0xc2b2ae3d) + 0x27d4eb2f;
        }
        hashLanes.a = fmix(a);
        hashLanes.b = fmix(b);
        return;
      }
      // Fields are summed: the same fields in any order give the same hash, with no sort.
      const record = value as Record<string, unknown>;
      let sumA = 0;
      let sumB = 0;
      let count = 0;
      // for-in over own keys, as Object.keys lists them, without the array Object.keys allocates
      // for every object of every trace line (the order does not matter: fields are summed).
      for (const key in record) {
        if (!hasOwn.call(record, key)) continue;
        const field = record[key];
        if (field === undefined) continue;
        hashValue(field);
        const va = hashLanes.a;
        const vb = hashLanes.b;
        hashString(key);
        sumA = (sumA + fmix(hashLanes.a ^ Math.imul(va, 0x9e3779b1))) | 0;
        sumB = (sumB + fmix(hashLanes.b + Math.imul(vb, 0x85ebca77))) | 0;
        count++;
      }
      hashLanes.a = fmix(sumA ^ TAG_OBJECT ^ count);
      hashLanes.b = fmix(sumB + Math.imul(count, 0x27d4eb2f) + TAG_OBJECT);
      return;
    }
    default:
      throw new Error(`trace hash: cannot hash a ${typeof value}`);
  }
}
