/**
 * metadata.generation rises when, and only when, the spec changes: the comparison is of the
 * objects, not of how a client happened to order the keys of its JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, PODS, pod, show } from './harness.ts';

/** The same JSON value with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) out[key] = reversedKeys((value as Record<string, unknown>)[key]);
  return out;
}

describe('apiserver: metadata.generation', { timeout: 120_000 }, () => {
  it('does not rise for the same spec with its keys in another order, and rises for a change', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'generation' });
    h.waitReady();
    const created = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('web') });
    assert.equal(created.code, 201, show(created));
    const stored = created.body as KubeObject;
    assert.equal(stored.metadata?.generation, 1);

    const reordered: KubeObject = { ...stored, spec: reversedKeys(stored.spec) };
    assert.notEqual(JSON.stringify(reordered.spec), JSON.stringify(stored.spec), 'the test reorders the keys');
    const same = h.call({ verb: 'update', ...PODS, namespace: 'default', name: 'web', body: reordered });
    assert.equal(same.code, 200, show(same));
    assert.equal((same.body as KubeObject).metadata?.generation, 1);

    const changed = structuredClone(same.body as KubeObject);
    (changed.spec as { containers: { image: string }[] }).containers[0]!.image = 'registry.k8s.io/pause:3.9';
    const bumped = h.call({ verb: 'update', ...PODS, namespace: 'default', name: 'web', body: changed });
    assert.equal(bumped.code, 200, show(bumped));
    assert.equal((bumped.body as KubeObject).metadata?.generation, 2);
  });
});
