import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cloneJson } from '../../actors/api/clone-json.ts';

/** Every object and array reachable from `v`, to check two copies share none. */
function containers(v: unknown, out = new Set<object>()): Set<object> {
  if (typeof v === 'object' && v !== null) {
    out.add(v);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

test('cloneJson gives what structuredClone gives for JSON data, and shares nothing with its input', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const copy = cloneJson(value);
      assert.deepStrictEqual(copy, structuredClone(value));
      assert.deepStrictEqual(Object.keys(copy ?? {}), Object.keys(structuredClone(value) ?? {}), 'key order');
      // Stored objects are this JSON: the order of keys at every depth (integer-like keys first) is kept.
      assert.equal(JSON.stringify(copy), JSON.stringify(value), 'key order at every depth');
      const mine = containers(copy);
      for (const c of containers(value)) assert.ok(!mine.has(c), 'the copy shares a container with its input');
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('cloneJson keeps undefined values and an own __proto__ key, as structuredClone does', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const copy = cloneJson({ ...parsed, gone: undefined });
  assert.ok(Object.prototype.hasOwnProperty.call(copy, '__proto__'), 'the key stays a key');
  assert.equal(Object.getPrototypeOf(copy), Object.prototype, 'and does not become the prototype');
  assert.equal((copy as { polluted?: unknown }).polluted, undefined);
  assert.ok('gone' in copy && copy.gone === undefined);
});

test('cloneJson copies own keys only, even when Object.prototype has an enumerable one', () => {
  Object.defineProperty(Object.prototype, 'inheritedKey', { value: 1, enumerable: true, configurable: true });
  try {
    const copy = cloneJson({ a: { b: 1 } });
    assert.deepStrictEqual(Object.keys(copy), ['a']);
    assert.deepStrictEqual(Object.keys(copy.a), ['b']);
  } finally {
    delete (Object.prototype as { inheritedKey?: unknown }).inheritedKey;
  }
});

test('cloneJson hands non-JSON values and cycles to structuredClone', () => {
  const m = new Map([['k', { v: 1 }]]);
  const copy = cloneJson({ m, d: new Date(5) });
  assert.ok(copy.m instanceof Map && copy.m !== m && copy.m.get('k')!.v === 1);
  assert.ok(copy.d instanceof Date && copy.d.getTime() === 5);
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  const c = cloneJson(cyclic) as Record<string, unknown>;
  // Past the walk's depth the copy is structuredClone's, which keeps the cycle: 100 levels down it
  // is still a copy, never the input.
  let deep = c;
  for (let i = 0; i < 100; i++) {
    assert.notEqual(deep, cyclic, `level ${i} is the input`);
    assert.equal(deep['name'], 'loop');
    deep = deep['self'] as Record<string, unknown>;
  }
});
