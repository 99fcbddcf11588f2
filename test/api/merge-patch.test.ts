import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMergePatch, mergePatch } from '../../actors/api/merge-patch.ts';
import type { JsonValue } from '../../actors/api/merge-patch.ts';

test('the RFC 7386 appendix examples', () => {
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    assert.deepEqual(mergePatch(target, patch), expected, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('a Kubernetes patch: labels merge, a label is removed, containers are replaced whole', () => {
  const deploy: JsonValue = {
    metadata: { name: 'api', labels: { app: 'api', tier: 'backend' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } },
  };
  const patched = mergePatch(deploy, {
    metadata: { labels: { tier: null, team: 'x' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } },
  });
  assert.deepEqual(patched, {
    metadata: { name: 'api', labels: { app: 'api', team: 'x' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', image: 'a:2' }] } } },
  });
});

test('inputs are left untouched and the result shares nothing with them', () => {
  const target = { a: { b: 1 }, list: [1] };
  const patch = { a: { c: 2 }, d: { e: 3 } };
  const out = mergePatch(target, patch) as { a: { b: number; c: number }; d: { e: number }; list: number[] };
  assert.deepEqual(target, { a: { b: 1 }, list: [1] });
  assert.deepEqual(patch, { a: { c: 2 }, d: { e: 3 } });
  out.d.e = 99;
  out.list.push(2);
  assert.equal(patch.d.e, 3);
  assert.deepEqual(target.list, [1]);
});

test('createMergePatch produces the patch that takes original to modified', () => {
  const original: JsonValue = { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1, paused: false } };
  const modified: JsonValue = { metadata: { labels: { a: '1', c: '3' } }, spec: { replicas: 2, paused: false } };
  const patch = createMergePatch(original, modified);
  assert.deepEqual(patch, { metadata: { labels: { b: null, c: '3' } }, spec: { replicas: 2 } });
  assert.deepEqual(mergePatch(original, patch), modified);
  assert.deepEqual(createMergePatch(original, original), {});
});

test('merging nested objects in place gives what merging a fresh copy at every level gives (RFC 7386 as first written)', () => {
  type Json = JsonValue;
  const isObj = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
  const reference = (target: unknown, patch: Json): Json => {
    if (!isObj(patch)) return structuredClone(patch);
    const out: { [k: string]: Json } = isObj(target) ? structuredClone(target) : {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else if (isObj(value)) out[key] = Object.prototype.hasOwnProperty.call(out, key) ? reference(out[key], value) : reference({}, value);
      else out[key] = structuredClone(value);
    }
    return out;
  };
  const key = fc.constantFrom('a', 'b', 'c');
  const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.constantFrom<Json>(null, 1, 'x', true), fc.array(tie('v'), { maxLength: 2 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
  })).v;
  fc.assert(
    fc.property(json, json, (target, patch) => {
      const before = JSON.stringify([target, patch]);
      const got = mergePatch(target, patch);
      assert.equal(JSON.stringify(got), JSON.stringify(reference(target, patch)), 'same result, same key order');
      assert.equal(JSON.stringify([target, patch]), before, 'inputs untouched');
    }),
    { numRuns: 3000 },
  );
});
