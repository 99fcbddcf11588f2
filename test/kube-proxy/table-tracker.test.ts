/**
 * kube-proxy's incremental sync (table-tracker.ts) against the whole rebuild it replaces: after any
 * sequence of Service and EndpointSlice changes, the table, its endpoint count and the index by
 * address are the ones buildServiceTable and indexTable give over the whole stores.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { objectKey, type Delta } from '../../actors/client/informer.ts';
import { indexTable, replaceIndexed } from '../../actors/kube-proxy/router.ts';
import { buildServiceTable } from '../../actors/kube-proxy/service-table.ts';
import { newTableTracker, noteServiceDeltas, noteSliceDeltas, syncTable } from '../../actors/kube-proxy/table-tracker.ts';

const T = { timeout: 120_000 };
const NODE = 'worker-0';

type Op =
  | { kind: 'service'; name: number; namespace: string | undefined; clusterIp: number; type: string; ports: { name: string; protocol: string }[]; externalIp: boolean }
  | { kind: 'slice'; name: number; namespace: string | undefined; service: number | null; port: string; endpoints: { ip: number; node: number; ready: boolean; terminating: boolean }[] }
  | { kind: 'deleteService'; name: number }
  | { kind: 'deleteSlice'; name: number }
  | { kind: 'sync' };

/** Objects without a namespace (which keep every sync whole) only in the runs that ask for them. */
const opsOf = (withoutNamespaces: boolean): fc.Arbitrary<Op> => {
  const namespace: fc.Arbitrary<string | undefined> = withoutNamespaces
    ? fc.oneof({ weight: 2, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: fc.constant(undefined) })
    : fc.oneof({ weight: 8, arbitrary: fc.constant('default') }, { weight: 2, arbitrary: fc.constant('other') });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('service' as const),
        name: fc.integer({ min: 0, max: 2 }),
        namespace,
        clusterIp: fc.integer({ min: 0, max: 3 }),
        type: fc.constantFrom('ClusterIP', 'NodePort', 'ExternalName'),
        ports: fc.uniqueArray(fc.record({ name: fc.constantFrom('http', 'http', 'dns', ''), protocol: fc.constantFrom('TCP', 'TCP', 'UDP') }), { minLength: 0, maxLength: 2, selector: (p) => `${p.name}/${p.protocol}` }),
        externalIp: fc.boolean(),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('slice' as const),
        name: fc.integer({ min: 0, max: 3 }),
        namespace,
        service: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 6 }),
        port: fc.constantFrom('http', 'http', 'dns', ''),
        endpoints: fc.array(fc.record({ ip: fc.integer({ min: 0, max: 5 }), node: fc.integer({ min: 0, max: 1 }), ready: fc.boolean(), terminating: fc.boolean() }), { maxLength: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteService' as const), name: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteSlice' as const), name: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 3, arbitrary: fc.constant({ kind: 'sync' as const }) },
  );
};
const runs = fc.boolean().chain((withoutNamespaces) => fc.array(opsOf(withoutNamespaces), { minLength: 1, maxLength: 80 }));

function serviceObject(o: Extract<Op, { kind: 'service' }>): KubeObject {
  const ports = o.ports.map((p, i) => ({ name: p.name, protocol: p.protocol, port: 80 + i, ...(o.type === 'NodePort' ? { nodePort: 30000 + o.name * 10 + i } : {}) }));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${o.name}`, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}) },
    spec: { type: o.type, clusterIP: o.clusterIp === 0 ? 'None' : `10.96.0.${o.clusterIp}`, ports, ...(o.externalIp ? { externalIPs: ['192.0.2.1'] } : {}) },
  };
}

function sliceObject(o: Extract<Op, { kind: 'slice' }>): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `slice-${o.name}`, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(o.service !== null ? { labels: { 'kubernetes.io/service-name': `svc-${o.service}` } } : {}) },
    ports: [{ name: o.port, port: 8080, protocol: 'TCP' }],
    endpoints: o.endpoints.map((e) => ({ addresses: [`10.244.0.${e.ip}`], nodeName: `worker-${e.node}`, conditions: { ready: e.ready, serving: e.ready || e.terminating, terminating: e.terminating } })),
  };
}

/** A store change as the informer makes it (an update keeps the key's place), and its delta. */
function put(store: Map<string, KubeObject>, object: KubeObject): Delta {
  const key = objectKey(object);
  const old = store.get(key);
  store.set(key, object);
  return old ? { type: 'updated', object, old } : { type: 'added', object };
}

function remove(store: Map<string, KubeObject>, name: string): Delta[] {
  const deltas: Delta[] = [];
  for (const [key, object] of store) {
    if (object.metadata?.name !== name) continue;
    store.delete(key);
    deltas.push({ type: 'deleted', object });
  }
  return deltas;
}

describe('kube-proxy table tracker', () => {
  it('gives, after any changes, the table, endpoint count and index of a whole rebuild', T, () => {
    fc.assert(
      fc.property(runs, (ops) => {
        const services = new Map<string, KubeObject>();
        const slices = new Map<string, KubeObject>();
        const tracker = newTableTracker();
        let index = indexTable([]);
        for (const o of [...ops, { kind: 'sync' } as const]) {
          if (o.kind === 'service') noteServiceDeltas(tracker, [put(services, serviceObject(o))]);
          else if (o.kind === 'slice') noteSliceDeltas(tracker, [put(slices, sliceObject(o))]);
          else if (o.kind === 'deleteService') noteServiceDeltas(tracker, remove(services, `svc-${o.name}`));
          else if (o.kind === 'deleteSlice') noteSliceDeltas(tracker, remove(slices, `slice-${o.name}`));
          else {
            const change = syncTable(tracker, services, slices, NODE);
            if (change.kind === 'rebuilt') index = indexTable(tracker.table);
            else if (change.kind === 'replaced') for (const [previous, next] of change.replaced) replaceIndexed(index, previous, next);
            const whole = buildServiceTable([...services.values()], [...slices.values()], NODE);
            assert.deepEqual(tracker.table, whole);
            assert.equal(tracker.endpoints, whole.reduce((n, e) => n + e.clusterBackends.length, 0));
            assert.deepEqual(index, indexTable(whole));
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('rebuilds nothing when nothing changed, and only the service whose slice changed', T, () => {
    const services = new Map<string, KubeObject>();
    const slices = new Map<string, KubeObject>();
    const tracker = newTableTracker();
    const svc = (n: number) => serviceObject({ kind: 'service', name: n, namespace: 'default', clusterIp: n + 1, type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP' }], externalIp: false });
    const sl = (n: number, ips: number[]) => sliceObject({ kind: 'slice', name: n, namespace: 'default', service: n, port: 'http', endpoints: ips.map((ip) => ({ ip, node: 0, ready: true, terminating: false })) });
    noteServiceDeltas(tracker, [put(services, svc(0)), put(services, svc(1))]);
    noteSliceDeltas(tracker, [put(slices, sl(0, [1])), put(slices, sl(1, [2]))]);
    assert.equal(syncTable(tracker, services, slices, NODE).kind, 'rebuilt', 'the first sync builds the table');
    const [first, second] = tracker.table;
    assert.equal(syncTable(tracker, services, slices, NODE).kind, 'unchanged');
    noteSliceDeltas(tracker, [put(slices, sl(1, [2, 3]))]);
    const change = syncTable(tracker, services, slices, NODE);
    assert.equal(change.kind, 'replaced');
    assert.equal(tracker.table[0], first, 'the other service keeps its entry object');
    assert.notEqual(tracker.table[1], second);
    assert.deepEqual(tracker.table[1]!.clusterBackends.map((b) => b.ip), ['10.244.0.2', '10.244.0.3']);
    assert.equal(tracker.endpoints, 3);
  });
});
