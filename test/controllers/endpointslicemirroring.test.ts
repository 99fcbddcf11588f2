/** The EndpointSlice mirroring controller: hand-written Endpoints into slices (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { kubernetesEndpoints } from '../../actors/apiserver/endpoint-reconciler.ts';
import { syncEndpointSlices } from '../../actors/controllers/endpointslice/controller.ts';
import { SliceTracker } from '../../actors/controllers/endpointslice/tracker.ts';
import { endpointSliceMirroringController, syncMirroring } from '../../actors/controllers/endpointslicemirroring/controller.ts';
import { mirrorEndpoints, parseAddress, repackSubsets, shouldMirror, type MirroredEndpointsJson, type MirrorSliceJson } from '../../actors/controllers/endpointslicemirroring/reconcile.ts';
import { ENDPOINT_SLICES, ENDPOINTS, NODES, PODS, SERVICES } from '../../actors/controllers/host/resources.ts';
import type { Action, EventAction, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };
type S = { tracker: SliceTracker; maxEndpointsPerSubset: number };

const MIRROR = 'endpointslicemirroring-controller.k8s.io';

function endpoints(subsets: unknown[], meta: Record<string, unknown> = {}): MirroredEndpointsJson {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'default', uid: 'ep-uid', ...meta }, subsets } as MirroredEndpointsJson;
}
function service(selector?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default', uid: 'svc-uid' }, spec: { clusterIP: '10.96.0.50', ports: [{ port: 5432, protocol: 'TCP' }], ...(selector ? { selector } : {}) } };
}
function slice(name: string, ips: string[], opts: { ports?: unknown[]; managedBy?: string; rv?: string; ready?: boolean; type?: string } = {}): MirrorSliceJson {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: 'default',
      resourceVersion: opts.rv ?? '10',
      labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': opts.managedBy ?? MIRROR },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
    },
    addressType: opts.type ?? 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: opts.ready ?? true } })),
    ports: (opts.ports ?? [{ name: '', port: 5432, protocol: 'TCP' }]) as MirrorSliceJson['ports'],
  };
}
const DB_SUBSET = { addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] };

const writes = (a: readonly Action<S>[]) => a.filter((x): x is WriteAction<S> => x.kind === 'write');
const verbs = (a: readonly Action<S>[]) => writes(a).map((w) => `${w.request.verb} ${w.request.name ?? (w.request.body as KubeObject).metadata?.generateName}`);
const events = (a: readonly Action<S>[]) => a.filter((x): x is EventAction => x.kind === 'event');
const state = (): S => ({ tracker: new SliceTracker(), maxEndpointsPerSubset: 1000 });
function ctxWith(eps: KubeObject[], svcs: KubeObject[], slices: KubeObject[], s: S = state()) {
  return fakeContext<S>(s, [[ENDPOINTS, eps], [SERVICES, svcs], [ENDPOINT_SLICES, slices]]);
}

describe('endpointslice mirroring: the pure reconcile', () => {
  it('an external database address becomes one ready endpoint in a new slice named db-…, owned by the Endpoints', T, () => {
    const c = mirrorEndpoints(endpoints([DB_SUBSET]), []);
    assert.deepEqual([c.update, c.delete, c.invalidAddresses, c.addressesSkipped], [[], [], 0, 0]);
    assert.deepEqual(c.create, [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: 'db-',
          namespace: 'default',
          labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': MIRROR },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
        ports: [{ name: '', port: 5432, protocol: 'TCP' }],
      },
    ]);
  });

  it("notReadyAddresses are ready=false; hostname, nodeName and targetRef are kept; the Endpoints' labels and annotations are copied but the last-applied and trigger-time ones", T, () => {
    const ep = endpoints(
      [{ addresses: [{ ip: '10.0.0.2', hostname: 'a', nodeName: 'worker-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'u-a' } }], notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }],
      { labels: { team: 'data' }, annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'endpoints.kubernetes.io/last-change-trigger-time': 't' } },
    );
    const [s] = mirrorEndpoints(ep, []).create;
    assert.deepEqual(s!.endpoints, [
      { addresses: ['10.0.0.1'], conditions: { ready: false } },
      { addresses: ['10.0.0.2'], conditions: { ready: true }, hostname: 'a', nodeName: 'worker-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'u-a' } },
    ]);
    assert.deepEqual(s!.metadata?.labels, { team: 'data', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': MIRROR });
    assert.deepEqual(s!.metadata?.annotations, { note: 'x' });
  });

  it('repacking: an address listed for two ports in two subsets is one subset with both ports; listed ready and not ready for one port, it is not ready', T, () => {
    const repacked = repackSubsets([
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 80 }] },
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'b', port: 81 }] },
      { addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'c', port: 82 }] },
      { notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'c', port: 82 }] },
    ]);
    assert.deepEqual(repacked, [
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'b', port: 81, protocol: 'TCP' }] },
      { notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'c', port: 82, protocol: 'TCP' }] },
    ]);
    // So two slices, not three: one per repacked subset.
    const c = mirrorEndpoints(endpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 80 }] }, { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'b', port: 81 }] }, { addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'c', port: 82 }] }]), []);
    assert.deepEqual(c.create.map((s) => [s.ports!.map((p) => p.port), s.endpoints!.map((e) => e.addresses[0])]), [[[80, 81], ['10.0.0.1']], [[82], ['10.0.0.9']]]);
  });

  it('at most 1000 addresses per subset, ready ones first: 1001 ready + 2 not ready mirror 1000 ready and skip 3', T, () => {
    const ready = Array.from({ length: 1001 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 256)}.${i % 256}` }));
    const c = mirrorEndpoints(endpoints([{ addresses: ready, notReadyAddresses: [{ ip: '10.2.0.1' }, { ip: '10.2.0.2' }], ports: [{ port: 80 }] }]), []);
    assert.equal(c.create.length, 1);
    assert.equal(c.create[0]!.endpoints!.length, 1000);
    assert.ok(c.create[0]!.endpoints!.every((e) => e.conditions.ready));
    // Repacking sorts addresses by IP as text (upstream's addrsByIPAndUID), so the ready address
    // left out is the greatest string, 10.1.3.99 (i = 867), not the last one listed (10.1.3.232).
    assert.ok(!c.create[0]!.endpoints!.some((e) => e.addresses[0] === '10.1.3.99'));
    assert.equal(c.addressesSkipped, 3);
    assert.equal(c.invalidAddresses, 0);
  });

  it('IPv4 and IPv6 addresses of one subset make one slice each; an address that is no IP is skipped and counted', T, () => {
    const c = mirrorEndpoints(endpoints([{ addresses: [{ ip: '010.000.000.001' }, { ip: '2001:DB8::1' }, { ip: 'db.example.com' }], ports: [{ port: 80 }] }]), []);
    assert.deepEqual(c.create.map((s) => [s.addressType, s.endpoints!.map((e) => e.addresses[0])]), [['IPv4', ['10.0.0.1']], ['IPv6', ['2001:db8::1']]]);
    assert.deepEqual([c.invalidAddresses, c.addressesSkipped], [1, 1]);
    assert.equal(parseAddress('256.0.0.1'), undefined);
    assert.equal(parseAddress('1:2:3:4:5:6:7'), undefined);
    assert.deepEqual(parseAddress('1:2:3:4:5:6:7:8'), { ip: '1:2:3:4:5:6:7:8', type: 'IPv6' });
  });

  it('an up-to-date slice is left alone; a changed address rewrites the same slice by name; a second slice of the same ports goes', T, () => {
    assert.deepEqual(mirrorEndpoints(endpoints([DB_SUBSET]), [slice('db-abcde', ['192.0.2.10'])]), { create: [], update: [], delete: [], invalidAddresses: 0, addressesSkipped: 0 });
    const c = mirrorEndpoints(endpoints([{ ...DB_SUBSET, addresses: [{ ip: '192.0.2.11' }] }]), [slice('db-zzzzz', ['192.0.2.10']), slice('db-abcde', ['192.0.2.10'])]);
    assert.deepEqual(verbsOf(c), ['update db-abcde', 'delete db-zzzzz']);
    assert.deepEqual(c.update[0]!.endpoints, [{ addresses: ['192.0.2.11'], conditions: { ready: true } }]);
    assert.equal(c.update[0]!.metadata?.generateName, undefined);
    // A label added to the Endpoints is an update too.
    assert.deepEqual(verbsOf(mirrorEndpoints(endpoints([DB_SUBSET], { labels: { tier: 'db' } }), [slice('db-abcde', ['192.0.2.10'])])), ['update db-abcde']);
    // So is an Endpoints object recreated under the same name (another uid).
    assert.deepEqual(verbsOf(mirrorEndpoints(endpoints([DB_SUBSET], { uid: 'ep-uid-2' }), [slice('db-abcde', ['192.0.2.10'])])), ['update db-abcde']);
  });

  it('a port change recycles the old slice (update by its name) instead of a create and a delete; no subsets delete everything', T, () => {
    const c = mirrorEndpoints(endpoints([{ ...DB_SUBSET, ports: [{ port: 6432 }] }]), [slice('db-abcde', ['192.0.2.10'])]);
    assert.deepEqual(verbsOf(c), ['update db-abcde']);
    assert.deepEqual(c.update[0]!.ports, [{ name: '', port: 6432, protocol: 'TCP' }]);
    assert.deepEqual(verbsOf(mirrorEndpoints(endpoints([]), [slice('db-abcde', ['192.0.2.10'])])), ['delete db-abcde']);
  });
});

function verbsOf(c: ReturnType<typeof mirrorEndpoints>): string[] {
  return [...c.create.map((s) => `create ${s.metadata?.generateName}`), ...c.update.map((s) => `update ${s.metadata?.name}`), ...c.delete.map((s) => `delete ${s.metadata?.name}`)];
}

describe('endpointslice mirroring: the sync', () => {
  it('a selector-less Service with hand-written Endpoints gets a mirrored slice; the tracker then waits for the cache to show it', T, () => {
    const s = state();
    const ctx = ctxWith([endpoints([DB_SUBSET])], [service()], [], s);
    const acts = syncMirroring('default/db', ctx);
    assert.deepEqual(verbs(acts), ['create db-']);
    writes(acts)[0]!.onResult!({ code: 201, body: slice('db-k2x9q', ['192.0.2.10'], { rv: '42' }) } as ApiResult, ctx);
    assert.deepEqual(syncMirroring('default/db', ctxWith([endpoints([DB_SUBSET])], [service()], [], s)), [{ kind: 'fail' }]);
    assert.deepEqual(syncMirroring('default/db', ctxWith([endpoints([DB_SUBSET])], [service()], [slice('db-k2x9q', ['192.0.2.10'], { rv: '42' })], s)), []);
  });

  it('mirrored slices are deleted when the Service gets a selector, the Service or Endpoints go, or the Endpoints say skip-mirror; slices of other managers are never touched', T, () => {
    const mine = slice('db-abcde', ['192.0.2.10']);
    const theirs = slice('db-ctrl1', ['10.244.1.5'], { managedBy: 'endpointslice-controller.k8s.io' });
    const ep = endpoints([DB_SUBSET]);
    assert.deepEqual(verbs(syncMirroring('default/db', ctxWith([ep], [service({ app: 'db' })], [mine, theirs]))), ['delete db-abcde']);
    assert.deepEqual(verbs(syncMirroring('default/db', ctxWith([ep], [], [mine, theirs]))), ['delete db-abcde']);
    assert.deepEqual(verbs(syncMirroring('default/db', ctxWith([], [service()], [mine, theirs]))), ['delete db-abcde']);
    assert.deepEqual(verbs(syncMirroring('default/db', ctxWith([endpoints([DB_SUBSET], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })], [service()], [mine, theirs]))), ['delete db-abcde']);
    assert.deepEqual(verbs(syncMirroring('default/db', ctxWith([endpoints([DB_SUBSET], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })], [service()], [mine]))), ['delete db-abcde']);
    // A Service with a selector and no mirrored slices: nothing to do (its own controller writes them).
    assert.deepEqual(syncMirroring('default/db', ctxWith([ep], [service({ app: 'db' })], [theirs])), []);
  });

  it("the apiserver's kubernetes Endpoints are not mirrored (skip-mirror)", T, () => {
    assert.equal(shouldMirror(kubernetesEndpoints(['172.18.255.2'])), false);
    assert.deepEqual(syncMirroring('default/kubernetes', fakeContext<S>(state(), [[ENDPOINTS, [kubernetesEndpoints(['172.18.255.2'])]], [SERVICES, [{ ...service(), metadata: { name: 'kubernetes', namespace: 'default' } }]], [ENDPOINT_SLICES, []]])), []);
  });

  it('warning events: TooManyAddressesToMirror past the limit, InvalidIPAddress for addresses that are no IP', T, () => {
    const s = { tracker: new SliceTracker(), maxEndpointsPerSubset: 2 };
    const ep = endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: 'nope' }], ports: [{ port: 80 }] }]);
    const acts = syncMirroring('default/db', ctxWith([ep], [service()], [], s));
    // 'nope' sorts after the IPs, so the limit is reached before it is looked at: 2 skipped, none invalid.
    assert.deepEqual(events(acts).map((e) => [e.type, e.reason, e.message, e.objectKind]), [['Warning', 'TooManyAddressesToMirror', 'A max of 2 addresses can be mirrored to EndpointSlices per Endpoints subset. 2 addresses were skipped', 'Endpoints']]);
    const invalid = syncMirroring('default/db', ctxWith([endpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: 'nope' }], ports: [{ port: 80 }] }])], [service()], []));
    assert.deepEqual(events(invalid).map((e) => [e.reason, e.message]), [['InvalidIPAddress', 'Skipped 1 invalid IP addresses when mirroring to EndpointSlices']]);
  });

  it('Endpoints being deleted get no new slices', T, () => {
    assert.deepEqual(syncMirroring('default/db', ctxWith([endpoints([DB_SUBSET], { deletionTimestamp: '2026-01-01T00:00:00Z' })], [service()], [])), []);
  });
});

describe('endpointslice mirroring: what is queued', () => {
  const handler = (resource: string) => endpointSliceMirroringController.handlers!.find((h) => h.informer.resource === resource)!;
  it('Services: selector-less ones added or deleted, and a selector appearing or going; not other changes', T, () => {
    const ctx = fakeContext<S>(state());
    const svcs = handler('services');
    svcs.onAdd!(service(), ctx);
    svcs.onAdd!(service({ app: 'x' }), ctx);
    svcs.onUpdate!(service(), { ...service(), metadata: { ...service().metadata, labels: { a: 'b' } } }, ctx);
    svcs.onUpdate!(service(), service({ app: 'db' }), ctx);
    svcs.onDelete!(service({ app: 'x' }), ctx);
    assert.deepEqual(ctx.queued, ['default/db', 'default/db']);
  });

  it('Endpoints: unless skip-mirror before and after; slices: only mirrored ones, by their service-name label', T, () => {
    const ctx = fakeContext<S>(state());
    const eps = handler('endpoints');
    const skip = endpoints([], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } });
    eps.onAdd!(skip, ctx);
    eps.onUpdate!(skip, skip, ctx);
    eps.onUpdate!(endpoints([]), skip, ctx);
    eps.onDelete!(skip, ctx);
    const slices = handler('endpointslices');
    slices.onAdd!(slice('db-ctrl1', [], { managedBy: 'endpointslice-controller.k8s.io' }), ctx);
    slices.onDelete!(slice('db-abcde', []), ctx);
    assert.deepEqual(ctx.queued, ['default/db', 'default/db']);
  });
});

describe('the EndpointSlice controller and selector-less Services', () => {
  it('leaves a selector-less Service alone: no placeholder, and the mirrored slice is not deleted', T, () => {
    const ctx = fakeContext({ tracker: new SliceTracker() }, [[SERVICES, [service()]], [PODS, []], [NODES, []], [ENDPOINT_SLICES, [slice('db-abcde', ['192.0.2.10'])]]]);
    assert.deepEqual(syncEndpointSlices('default/db', ctx), []);
  });
});
