/** Endpoints and EndpointSlices from a Service's pods, on hand-built state (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { desiredEndpoints, desiredSubsets } from '../../actors/controllers/endpoints/endpoints.ts';
import { syncEndpoints } from '../../actors/controllers/endpoints/controller.ts';
import { desiredGroups, reconcileSlices, type EndpointSliceJson } from '../../actors/controllers/endpointslice/reconcile.ts';
import { SliceTracker } from '../../actors/controllers/endpointslice/tracker.ts';
import { findPort, type ServiceJson } from '../../actors/controllers/host/service-endpoints.ts';
import { ENDPOINTS, PODS, SERVICES } from '../../actors/controllers/host/resources.ts';
import type { WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

function svc(spec: Record<string, unknown> = {}): ServiceJson {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } }, spec: { selector: { app: 'web' }, clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], ...spec } } as ServiceJson;
}

function pod(name: string, ip: string, opts: { ready?: boolean; port?: number; deleting?: boolean; phase?: string; node?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: opts.node ?? 'worker-0', containers: [{ name: 'web', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: { phase: opts.phase ?? 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

describe('endpoints', () => {
  it('a named targetPort is resolved per pod; a number is taken as is; a missing name skips the pod for that port', T, () => {
    assert.equal(findPort(pod('a', '10.244.0.2', { port: 9090 }), { port: 80, targetPort: 'http' }), 9090);
    assert.equal(findPort(pod('a', '10.244.0.2'), { port: 80, targetPort: 8443 }), 8443);
    assert.equal(findPort(pod('a', '10.244.0.2'), { port: 80 }), 80);
    assert.equal(findPort(pod('a', '10.244.0.2'), { port: 80, targetPort: 'metrics' }), undefined);
  });

  it('ready pods under addresses, not-ready under notReadyAddresses; no IP, terminating or terminal pods stay out', T, () => {
    const pods = [pod('b', '10.244.0.3'), pod('a', '10.244.0.2', { ready: false }), pod('c', ''), pod('d', '10.244.0.5', { deleting: true }), pod('e', '10.244.0.6', { phase: 'Failed' })];
    const { subsets } = desiredSubsets(svc(), pods);
    assert.deepEqual(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip), s.ports]), [[['10.244.0.3'], ['10.244.0.2'], [{ name: 'http', port: 8080, protocol: 'TCP' }]]]);
    assert.deepEqual(subsets[0]!.addresses![0]!.targetRef, { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' });
    const published = desiredSubsets(svc({ publishNotReadyAddresses: true }), pods).subsets;
    assert.deepEqual(published[0]!.addresses!.map((a) => a.ip), ['10.244.0.2', '10.244.0.3']);
  });

  it('pods mapping the named port to different numbers land in different subsets', T, () => {
    const { subsets } = desiredSubsets(svc(), [pod('a', '10.244.0.2', { port: 8080 }), pod('b', '10.244.0.3', { port: 9090 })]);
    assert.deepEqual(subsets.map((s) => [s.addresses!.map((a) => a.ip), s.ports!.map((p) => p.port)]).sort(), [[['10.244.0.2'], [8080]], [['10.244.0.3'], [9090]]]);
  });

  it('the Endpoints carry the Service\'s labels and the headless mark', T, () => {
    const ep = desiredEndpoints(svc({ clusterIP: 'None' }), []);
    assert.deepEqual(ep.metadata?.labels, { app: 'web', 'service.kubernetes.io/headless': '' });
    assert.equal(ep.subsets, undefined);
  });

  it('a selector-less Service\'s Endpoints are left alone; a deleted Service\'s are deleted', T, () => {
    const handMade = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }] };
    const selectorless = svc({ selector: undefined });
    assert.deepEqual(syncEndpoints('default/web', fakeContext(null, [[SERVICES, [selectorless]], [ENDPOINTS, [handMade]], [PODS, []]])), []);
    const gone = syncEndpoints('default/web', fakeContext(null, [[SERVICES, []], [ENDPOINTS, [handMade]], [PODS, []]]));
    assert.deepEqual(gone.map((a) => (a as WriteAction<null>).request.verb), ['delete']);
  });
});

describe('endpointslices', () => {
  const zoneOf = () => 'zone-a';
  const pods = (n: number, from = 0) => Array.from({ length: n }, (_, i) => pod(`p${from + i}`, `10.244.${Math.floor((from + i) / 250)}.${((from + i) % 250) + 2}`));

  it('250 endpoints make slices of 100, 100 and 50; terminating pods stay with terminating=true, ready=false', T, () => {
    const changes = reconcileSlices(svc(), desiredGroups(svc(), pods(250), zoneOf), []);
    assert.deepEqual(changes.create.map((s) => s.endpoints!.length), [100, 100, 50]);
    assert.equal(changes.create[0]!.metadata?.labels?.['kubernetes.io/service-name'], 'web');
    assert.equal(changes.create[0]!.metadata?.ownerReferences?.[0]?.kind, 'Service');
    const [group] = [...desiredGroups(svc(), [pod('t', '10.244.9.9', { deleting: true })], zoneOf).values()];
    assert.deepEqual(group!.endpoints[0]!.conditions, { ready: false, serving: true, terminating: true });
    assert.equal(group!.endpoints[0]!.zone, 'zone-a');
  });

  it('endpoints stay in their slice: one pod gone and one added is one update, no create', T, () => {
    const first = reconcileSlices(svc(), desiredGroups(svc(), pods(3), zoneOf), []).create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}` } }) as EndpointSliceJson);
    const next = [...pods(2), ...pods(1, 3)];
    const changes = reconcileSlices(svc(), desiredGroups(svc(), next, zoneOf), first);
    assert.deepEqual([changes.create.length, changes.update.length, changes.delete.length], [0, 1, 0]);
    assert.deepEqual(changes.update[0]!.endpoints!.map((e) => e.targetRef.name), ['p0', 'p1', 'p3']);
  });

  it('no endpoints: one empty placeholder slice, kept while nothing changes', T, () => {
    const created = reconcileSlices(svc(), new Map(), []).create;
    assert.equal(created.length, 1);
    assert.deepEqual([created[0]!.endpoints, created[0]!.ports], [[], null]);
    const placeholder = { ...created[0]!, metadata: { ...created[0]!.metadata, name: 'web-x' } };
    assert.deepEqual(reconcileSlices(svc(), new Map(), [placeholder]), { create: [], update: [], delete: [] });
    const withPods = reconcileSlices(svc(), desiredGroups(svc(), pods(1), zoneOf), [placeholder]);
    assert.deepEqual([withPods.create.length, withPods.delete.map((s) => s.metadata?.name)], [1, ['web-x']]);
  });

  it('the tracker holds a sync back until the cache shows the slices this controller wrote', T, () => {
    const t = new SliceTracker();
    t.written('default/web', { metadata: { name: 'web-a', resourceVersion: '10' } });
    t.deleted('default/web', 'web-b');
    assert.equal(t.stale('default/web', new Map([['web-b', 5]])), true, 'web-a not seen, web-b still there');
    assert.equal(t.stale('default/web', new Map([['web-a', 9]])), true, 'web-a seen at an older version');
    assert.equal(t.stale('default/web', new Map([['web-a', 10]])), false);
    assert.equal(t.stale('default/web', new Map()), false, 'caught up once, forgotten');
  });
});
