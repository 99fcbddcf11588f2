/**
 * JSON with object keys sorted at every level and no whitespace: the same value always gives the
 * same bytes, which is what the trace fingerprint hashes. `undefined` fields are omitted, as in
 * JSON.stringify; non-finite numbers are rejected because JSON cannot carry them faithfully.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const field = record[key];
        if (field === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${canonicalJson(field)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

/**
 * Whether `a` and `b` have the same canonical JSON (`canonicalJson(a) === canonicalJson(b)`),
 * decided by walking both without building either string: the apiserver compares every updated
 * object's spec with the stored one this way (the generation rule). Throws where canonicalJson
 * would (a non-finite number, a function, a bigint, a symbol, `undefined` at the top), unless the
 * walk already found a difference before reaching it.
 */
export function canonicalJsonEqual(a: unknown, b: unknown): boolean {
  if (a === null || b === null) {
    if (a !== null) checkEncodable(a);
    if (b !== null) checkEncodable(b);
    return a === b;
  }
  const type = typeof a;
  if (type !== typeof b) {
    checkEncodable(a);
    checkEncodable(b);
    return false;
  }
  switch (type) {
    case 'string':
    case 'boolean':
      return a === b;
    case 'number':
      checkEncodable(a);
      checkEncodable(b);
      // === treats -0 as 0, as JSON does.
      return a === b;
    case 'object': {
      const arrayA = Array.isArray(a);
      if (arrayA !== Array.isArray(b)) return false;
      if (arrayA) {
        const x = a as unknown[];
        const y = b as unknown[];
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) {
          if (!canonicalJsonEqual(x[i] === undefined ? null : x[i], y[i] === undefined ? null : y[i])) return false;
        }
        return true;
      }
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      let fieldsA = 0;
      for (const key of Object.keys(x)) {
        const field = x[key];
        if (field === undefined) continue;
        fieldsA++;
        if (!Object.prototype.hasOwnProperty.call(y, key) || y[key] === undefined) return false;
        if (!canonicalJsonEqual(field, y[key])) return false;
      }
      let fieldsB = 0;
      for (const key of Object.keys(y)) if (y[key] !== undefined) fieldsB++;
      return fieldsA === fieldsB;
    }
    default:
      checkEncodable(a);
      return false;
  }
}

/** Throws what canonicalJson throws for a value it cannot encode (checked one level deep). */
function checkEncodable(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object') return;
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}
