import { test } from 'node:test';
import assert from 'node:assert/strict';
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
