/**
 * Kubernetes resource quantities ("500m", "2", "8Gi", "1e3", "100M"), the one implementation
 * every component uses: parsing as apimachinery's `resource.ParseQuantity` does it (same accepted
 * strings, same three errors, same caps), printing as `Quantity.String()` does, and the scaled
 * integer values components compute with (`MilliValue()`, `Value()`).
 *
 * Values are exact integers in milli-units (bigint), so comparisons and sums never round: CPU "1"
 * is 1000 milli, memory "1Ki" is 1 024 000 milli-bytes. Kubernetes keeps nano precision; kubesim
 * stops at milli (a finer quantity rounds up to 1m, as Go rounds up to 1n). Each quantity keeps
 * its format (DecimalSI "500m", BinarySI "1Gi", DecimalExponent "1e3"), which decides how it
 * prints.
 *
 * Absurd sizes are handled like Kubernetes: a BinarySI quantity is capped at 2^63-1 (so
 * "100000Ei" is stored as "9223372036854775807"), DecimalSI and DecimalExponent are not capped
 * ("1e400" is accepted and prints as "10e399"). Go's `MilliValue()` of such a quantity overflows
 * int64; kubesim's `toMilli`/`toUnits` saturate at ±Number.MAX_SAFE_INTEGER instead, so no
 * component ever computes with Infinity or NaN. One simplification: kubesim keeps values exactly
 * up to 10^1000 milli-units; above that (an exponent past e997) the value is clamped there.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Qty {
  /** The value in milli-units (rounded up, away from zero, to whole milli-units). */
  readonly milli: bigint;
  readonly format: QuantityFormat;
}

export const ZERO: Qty = Object.freeze({ milli: 0n, format: 'DecimalSI' });

/** resource.ErrFormatWrong. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** resource.ErrNumeric. */
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
/** resource.ErrSuffix. */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** A string ParseQuantity refuses; the message is one of the three texts above. */
export class QuantityError extends Error {}

/**
 * The largest milli-value Kubernetes can hold: resource.Quantity.MilliValue() is an int64. A
 * quantity above it cannot be a node's capacity or a pod's request; whoever takes user input
 * checks against it (the scenario loader does).
 */
export const MAX_MILLI = (1n << 63n) - 1n;

/** Longer text is not a quantity (real ones are a few characters): keeps parsing cheap. */
export const MAX_QUANTITY_LENGTH = 128;

const BINARY_EXP: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const SUFFIX_CHARS = 'eEinumkKMGTP';
const INT64_MAX = (1n << 63n) - 1n;
/** maxAllowed: a BinarySI quantity above 2^63-1 (in whole units) is capped there. */
const BINARY_MAX_MILLI = INT64_MAX * 1000n;
/** kubesim keeps values exactly up to 10^1000 milli-units (see the file comment). */
const MAX_DIGITS = 1000;
const CLAMP_MILLI = 10n ** BigInt(MAX_DIGITS);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';

/** parseQuantityString: sign, numerator, denominator and suffix, or ErrFormatWrong. */
function scan(str: string): { positive: boolean; num: string; denom: string; suffix: string; value: string } {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '', value: '0' };
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  if (pos >= end) return { positive, num, denom: '', suffix: '', value: str };
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, num, denom, suffix: '', value: str };
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart), value };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart), value };
  throw new QuantityError(QUANTITY_FORMAT_ERROR);
}

/** suffixHandler.interpret: base, exponent and format of a suffix, or ErrSuffix. */
function interpret(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  if (Object.hasOwn(DECIMAL_EXP, suffix)) return { base: 10, exponent: DECIMAL_EXP[suffix]!, format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_EXP, suffix)) return { base: 2, exponent: BINARY_EXP[suffix]!, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    // strconv.ParseInt(…, 64) must succeed; Go then keeps int32(parsed), wrapping around.
    if (parsed >= -(1n << 63n) && parsed <= INT64_MAX) return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  throw new QuantityError(QUANTITY_SUFFIX_ERROR);
}

function digitCount(n: bigint): number {
  return n === 0n ? 0 : n.toString().length;
}

/** mantissa × 10^exp10 in whole milli-units, rounded up (mantissa ≥ 0), clamped at MAX_MILLI. */
function toMilliUnits(mantissa: bigint, exp10: number): bigint {
  if (mantissa === 0n) return 0n;
  const shift = exp10 + 3;
  if (shift >= 0) {
    if (digitCount(mantissa) + shift > MAX_DIGITS) return CLAMP_MILLI;
    return mantissa * 10n ** BigInt(shift);
  }
  if (-shift > digitCount(mantissa)) return 1n;
  const divisor = 10n ** BigInt(-shift);
  return (mantissa + divisor - 1n) / divisor;
}

/**
 * resource.ParseQuantity (after UnmarshalJSON's trimming of surrounding whitespace). Throws
 * QuantityError with Kubernetes' text for a string it refuses.
 */
export function parseQty(text: string | number): Qty {
  const key = typeof text === 'string' ? text : String(text);
  const cached = PARSED.get(key);
  if (cached !== undefined) return cached;
  const q = Object.freeze(parseUncached(key));
  remember(PARSED, key, q);
  return q;
}

/**
 * Parsed quantities by their text. A cluster writes the same few strings ("100m", "64Mi", a
 * node's capacity) on every pod and node, and parsing goes through bigint arithmetic; parsing is a
 * pure function, so a bounded memo changes no result. Emptied whole when full: no eviction order
 * to get wrong, and a cluster's distinct quantities fit many times over.
 */
const MEMO_ENTRIES_MAX = 4096;
const PARSED = new Map<string, Qty>();
const MILLI = new Map<string, number>();
const UNITS = new Map<string, number>();

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_ENTRIES_MAX) memo.clear();
  memo.set(key, value);
}

function parseUncached(text: string): Qty {
  const str = text.trim();
  if (str.length > MAX_QUANTITY_LENGTH) throw new QuantityError(`quantities are at most ${MAX_QUANTITY_LENGTH} characters`);
  if (str === '') throw new QuantityError(QUANTITY_FORMAT_ERROR);
  if (str === '0') return ZERO;
  const { positive, num, denom, suffix, value } = scan(str);
  const { base, exponent, format: parsedFormat } = interpret(suffix);
  // inf.Dec.SetString(value) must accept the numeric part ("." alone does not parse).
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
  let mantissa = BigInt(`${num}${denom}`);
  let exp10 = -denom.length;
  if (base === 10) exp10 += exponent;
  else mantissa *= 1n << BigInt(exponent);
  let milli = toMilliUnits(mantissa, exp10);
  let format = parsedFormat;
  if (format === 'BinarySI' && milli > BINARY_MAX_MILLI) milli = BINARY_MAX_MILLI;
  // A BinarySI value strictly between 0 and 1 is DecimalSI ("0.5Ki" is not, "0.0001Ki" is).
  if (format === 'BinarySI' && milli > 0n && milli < 1000n) format = 'DecimalSI';
  return { milli: positive ? milli : -milli, format };
}

/** Parses a quantity to milli-units (a bigint: memory in milli-bytes exceeds 2^53). */
export function parseQuantityMilli(text: string | number): bigint {
  return parseQty(text).milli;
}

function saturate(value: bigint): number {
  return Number(value > MAX_SAFE ? MAX_SAFE : value < -MAX_SAFE ? -MAX_SAFE : value);
}

/** MilliValue(): CPU-like quantities in milli-units, saturated at ±Number.MAX_SAFE_INTEGER. */
export function toMilli(text: string | number): number {
  const key = typeof text === 'string' ? text : String(text);
  const cached = MILLI.get(key);
  if (cached !== undefined) return cached;
  const milli = saturate(parseQuantityMilli(key));
  remember(MILLI, key, milli);
  return milli;
}

/** Value(): byte-like quantities in whole units, rounded up, saturated at ±Number.MAX_SAFE_INTEGER. */
export function toUnits(text: string | number): number {
  const key = typeof text === 'string' ? text : String(text);
  const cached = UNITS.get(key);
  if (cached !== undefined) return cached;
  const milli = parseQuantityMilli(key);
  const units = saturate(milli >= 0n ? (milli + 999n) / 1000n : -((-milli + 999n) / 1000n));
  remember(UNITS, key, units);
  return units;
}

export function isValidQuantity(text: unknown): boolean {
  if (typeof text !== 'string' && typeof text !== 'number') return false;
  try {
    parseQty(text);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** The format resource.ParseQuantity assigns: binary suffix → BinarySI, `e<n>` → DecimalExponent. */
export function formatOf(text: string | number): QuantityFormat {
  try {
    return parseQty(text).format;
  } catch {
    return 'DecimalSI';
  }
}

/**
 * Quantity.String() (CanonicalizeBytes): BinarySI for whole values of at least 1024 ("1536Mi"),
 * otherwise the mantissa with an exponent that is a multiple of 3, printed with an SI suffix
 * ("500m", "2", "1k") or as `e<n>` for DecimalExponent ("1e3"). As in Go, a DecimalSI exponent
 * above 18 has no suffix and prints without one: 100000E is printed "100".
 */
export function formatQty(q: Qty): string {
  if (q.milli === 0n) return '0';
  const sign = q.milli < 0n ? '-' : '';
  const abs = q.milli < 0n ? -q.milli : q.milli;
  if (q.format === 'BinarySI' && abs >= 1_024_000n && abs % 1000n === 0n) {
    let n = abs / 1000n;
    let e = 0;
    while (e < BINARY_SUFFIX.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      e++;
    }
    return `${sign}${n}${BINARY_SUFFIX[e]}`;
  }
  let m = abs;
  let e = -3;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  // The exponent must be a multiple of 3 (Go: case 1,-2 → ×10; case 2,-1 → ×100).
  const r = ((e % 3) + 3) % 3;
  if (r === 1) {
    m *= 10n;
    e -= 1;
  } else if (r === 2) {
    m *= 100n;
    e -= 2;
  }
  if (q.format === 'DecimalExponent') return `${sign}${m}${e === 0 ? '' : `e${e}`}`;
  return `${sign}${m}${DECIMAL_SUFFIX[e] ?? ''}`;
}

/** The canonical form Kubernetes stores and prints ("2000m" → "2"); unparseable input comes back as is. */
export function canonicalQuantity(text: string | number): string {
  try {
    return formatQty(parseQty(text));
  } catch (e) {
    if (e instanceof QuantityError) return String(text).trim();
    throw e;
  }
}

/** Milli-CPU as Kubernetes prints it (`resource.NewMilliQuantity(m, DecimalSI)`): "500m", "2", "1k". */
export function formatMilli(milli: number): string {
  return formatQty({ milli: BigInt(milli), format: 'DecimalSI' });
}

/** Whole bytes as Kubernetes prints them (`resource.NewQuantity(b, BinarySI)`): "8Gi", "1536Ki", "500". */
export function formatBytes(bytes: number): string {
  return formatQty({ milli: BigInt(bytes) * 1000n, format: 'BinarySI' });
}

/** Quantity.Add: the receiver's format wins, except that a zero receiver adopts the addend's. */
export function addQty(a: Qty, b: Qty): Qty {
  return { milli: a.milli + b.milli, format: a.milli === 0n ? b.format : a.format };
}

export function subQty(a: Qty, b: Qty): Qty {
  return { milli: a.milli - b.milli, format: a.milli === 0n ? b.format : a.format };
}

export function cmpQty(a: Qty, b: Qty): number {
  return a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0;
}
