import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { amount, podRequests, type Resource } from '../../actors/api/pod-requests.ts';

/** resourcehelper.PodRequests written out plainly, resource by resource: the reference. */
function reference(pod: V1Pod): Record<Resource, number> {
  const out = {} as Record<Resource, number>;
  for (const r of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    const request = (c: V1Container): number => amount(r, (c.resources?.requests as Record<string, string> | undefined)?.[r] ?? (c.resources?.limits as Record<string, string> | undefined)?.[r]);
    const containers = (pod.spec?.containers ?? []).reduce((sum, c) => sum + request(c), 0);
    let sidecars = 0;
    let init = 0;
    for (const c of pod.spec?.initContainers ?? []) {
      if (c.restartPolicy === 'Always') init = Math.max(init, (sidecars += request(c)));
      else init = Math.max(init, sidecars + request(c));
    }
    out[r] = Math.max(containers + sidecars, init) + amount(r, (pod.spec?.overhead as Record<string, string> | undefined)?.[r]);
  }
  return out;
}

const list = fc.dictionary(fc.constantFrom('cpu', 'memory', 'ephemeral-storage'), fc.constantFrom('100m', '1', '2500m', '64Mi', '1Gi', '3'), { maxKeys: 3 });
const container = fc.record(
  { name: fc.constant('c'), restartPolicy: fc.constantFrom(undefined, 'Always'), resources: fc.record({ requests: list, limits: list }, { requiredKeys: [] }) },
  { requiredKeys: ['name'] },
);
const pod = fc.record({
  spec: fc.record({ containers: fc.array(container, { maxLength: 3 }), initContainers: fc.array(container, { maxLength: 4 }), overhead: list }, { requiredKeys: ['containers'] }),
});

test('podRequests: containers summed, init containers as a maximum, sidecars cumulative, limits defaulting requests, overhead added', () => {
  fc.assert(
    fc.property(pod, (p) => {
      const got = podRequests(p as unknown as V1Pod);
      const want = reference(p as unknown as V1Pod);
      assert.deepEqual(got, { cpuMilli: want.cpu, memoryBytes: want.memory, ephemeralBytes: want['ephemeral-storage'] });
    }),
    { seed: 10, numRuns: 500 },
  );
});
