/**
 * Readiness: once kube-apiserver reports ready (/readyz, its core's `isReady`), what its post-start
 * hooks created (default namespaces, their `default` service accounts) is visible to requests and
 * to admission, which reads the watch caches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOTSTRAP_NAMESPACES, Harness, PODS, pod, show } from './harness.ts';

// Seeds where the last bootstrap write's watch event reaches a cache after the write's own answer.
const SEEDS = ['expiry-a', 's6', 'occ-1', 's1'];

describe('apiserver: readiness after the bootstrap hooks', () => {
  for (const seed of SEEDS) {
    it(`serves the bootstrap objects and admits a pod as soon as it is ready (seed ${seed})`, () => {
      const h = new Harness({ seed });
      h.waitReady(h.apiservers, 20_000, false);
      const c = h.client();
      // Everything at once, the moment the apiserver is ready.
      const gets = BOOTSTRAP_NAMESPACES.flatMap((ns) => [
        c.send({ verb: 'get', apiVersion: 'v1', resource: 'namespaces', name: ns, options: { resourceVersion: '0' } }),
        c.send({ verb: 'get', apiVersion: 'v1', resource: 'serviceaccounts', namespace: ns, name: 'default', options: { resourceVersion: '0' } }),
      ]);
      const create = c.send({ verb: 'create', ...PODS, namespace: 'default', body: pod('first') });
      assert.ok(h.until(() => [...gets, create].every((id) => c.results.has(id)), 5_000));
      for (const id of gets) assert.equal(c.result(id)!.code, 200, show(c.result(id)!));
      assert.equal(c.result(create)!.code, 201, show(c.result(create)!));
    });
  }
});
