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
