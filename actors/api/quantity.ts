/**
 * Kubernetes resource quantities ("500m", "2", "8Gi", "1e3", "100M") as exact integers in
 * milli-units, so comparisons and sums never round. CPU "1" = 1000 milli; memory "1Ki" = 1024 000
 * milli-bytes. Use `toMilli` for CPU-like and `toUnits` (rounded up) for byte-like quantities.
 */

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

export class QuantityError extends Error {}

/**
 * The largest milli-value Kubernetes can hold: resource.Quantity.MilliValue() is an int64. A
 * quantity above it cannot be a node's capacity or a pod's request; whoever takes user input
 * checks against it (the scenario loader does).
 */
export const MAX_MILLI = (1n << 63n) - 1n;

/**
 * Magnitudes beyond 10^SATURATION_DIGITS milli-units saturate there, and non-zero magnitudes below
 * one milli-unit round up to it, without computing 10^exponent: `1e999999999` must cost nothing.
 * Both are far outside MAX_MILLI (19 digits), so no representable quantity changes.
 */
const SATURATION_DIGITS = 60;

/** Longer text is not a quantity (real ones are a few characters): keeps parsing cheap. */
export const MAX_QUANTITY_LENGTH = 128;

/** Parses a quantity to milli-units (a bigint: memory in milli-bytes exceeds 2^53). */
export function parseQuantityMilli(text: string | number): bigint {
  const s = String(text).trim();
  if (s.length > MAX_QUANTITY_LENGTH) throw new QuantityError(`quantities are at most ${MAX_QUANTITY_LENGTH} characters`);
  const m = PATTERN.exec(s);
  if (!m) throw new QuantityError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const [, sign, digits, suffix, exponent] = m;
  const [whole = '0', fraction = ''] = digits!.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exp10 = -fraction.length + 3; // milli-units
  let factor = 1n;
  if (suffix && BINARY[suffix] !== undefined) factor = BINARY[suffix]!;
  else if (suffix !== undefined) exp10 += DECIMAL_EXP[suffix]!;
  else if (exponent !== undefined) exp10 += Number(exponent);
  mantissa *= factor;
  if (mantissa === 0n) return 0n;
  // Decimal digits of the mantissa + the exponent: the value's magnitude, within one digit.
  const magnitude = mantissa.toString().length + exp10;
  if (magnitude > SATURATION_DIGITS) return sign === '-' ? -(10n ** BigInt(SATURATION_DIGITS)) : 10n ** BigInt(SATURATION_DIGITS);
  if (magnitude < 0) return sign === '-' ? -1n : 1n;
  let value: bigint;
  if (exp10 >= 0) value = mantissa * 10n ** BigInt(exp10);
  else {
    const divisor = 10n ** BigInt(-exp10);
    // Kubernetes rounds a quantity finer than its smallest unit up.
    value = (mantissa + divisor - 1n) / divisor;
  }
  return sign === '-' ? -value : value;
}

/** CPU-like: milli-units as a number (safe: CPU counts are small). */
export function toMilli(text: string | number): number {
  return Number(parseQuantityMilli(text));
}

/** Byte-like: whole units, rounded up, as a number (safe below 8 PiB). */
export function toUnits(text: string | number): number {
  const milli = parseQuantityMilli(text);
  return Number((milli + 999n) / 1000n);
}

export function isValidQuantity(text: unknown): boolean {
  if (typeof text !== 'string' && typeof text !== 'number') return false;
  try {
    parseQuantityMilli(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats milli-CPU as Kubernetes prints it: "500m", "2". */
export function formatMilli(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
