/** The cloud service controller over the simulated cloud's load balancers (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { chooseLoadBalancerIp } from '../../actors/cloud-controller-manager/load-balancer.ts';
import { syncLoadBalancer } from '../../actors/cloud-controller-manager/service-controller.ts';
import { SERVICES } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from '../controllers/fake-context.ts';

const T = { timeout: 10_000 };
type S = { assigned: Map<string, string> };

function svc(name: string, type: string, ingressIp?: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, ports: [{ port: 80 }], ...extra }, ...(ingressIp ? { status: { loadBalancer: { ingress: [{ ip: ingressIp }] } } } : {}) };
}
const writes = (a: readonly Action<S>[]) => a.filter((x): x is WriteAction<S> => x.kind === 'write');
const events = (a: readonly Action<S>[] | void) => (a ?? []).flatMap((x) => (x.kind === 'event' ? [x.reason] : []));

describe('load balancer addresses', () => {
  it('the lowest free address of the pool, or the one asked for when it is in the pool and free', T, () => {
    assert.equal(chooseLoadBalancerIp('198.51.100.0/24', new Set()), '198.51.100.1');
    assert.equal(chooseLoadBalancerIp('198.51.100.0/24', new Set(['198.51.100.1', '198.51.100.2'])), '198.51.100.3');
    assert.equal(chooseLoadBalancerIp('198.51.100.0/24', new Set(), '198.51.100.77'), '198.51.100.77');
    assert.equal(chooseLoadBalancerIp('198.51.100.0/24', new Set(['198.51.100.77']), '198.51.100.77'), '198.51.100.1');
    assert.equal(chooseLoadBalancerIp('198.51.100.0/24', new Set(), '10.0.0.1'), '198.51.100.1');
    assert.equal(chooseLoadBalancerIp('198.51.100.0/29', new Set(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6'])), undefined);
  });
});

describe('cloud service controller', () => {
  it('a LoadBalancer Service gets the next free address in status.loadBalancer.ingress, with Ensuring / Ensured events', T, () => {
    const state: S = { assigned: new Map() };
    const ctx = fakeContext(state, [[SERVICES, [svc('a', 'LoadBalancer', '198.51.100.1'), svc('b', 'LoadBalancer'), svc('c', 'ClusterIP')]]]);
    const acts = syncLoadBalancer('default/b', ctx);
    assert.deepEqual(events(acts), ['EnsuringLoadBalancer']);
    const w = writes(acts)[0]!;
    assert.equal(w.request.subresource, 'status');
    assert.deepEqual((w.request.body as { status: unknown }).status, { loadBalancer: { ingress: [{ ip: '198.51.100.2', ipMode: 'VIP' }] } });
    assert.deepEqual(events(w.onResult!({ code: 200, body: {} } as ApiResult, ctx)), ['EnsuredLoadBalancer']);
    // A second Service synced before the cache shows b's address does not get it again.
    const d = fakeContext(state, [[SERVICES, [svc('a', 'LoadBalancer', '198.51.100.1'), svc('b', 'LoadBalancer'), svc('d', 'LoadBalancer')]]]);
    const dIp = (writes(syncLoadBalancer('default/d', d))[0]!.request.body as { status: { loadBalancer: { ingress: { ip: string }[] } } }).status.loadBalancer.ingress[0]!.ip;
    assert.equal(dIp, '198.51.100.3');
    assert.deepEqual(syncLoadBalancer('default/c', ctx), []);
  });

  it('a Service changed away from LoadBalancer gives its address back', T, () => {
    const ctx = fakeContext<S>({ assigned: new Map() }, [[SERVICES, [svc('a', 'NodePort', '198.51.100.1')]]]);
    const acts = syncLoadBalancer('default/a', ctx);
    assert.deepEqual(events(acts), ['DeletingLoadBalancer']);
    assert.deepEqual((writes(acts)[0]!.request.body as { status: unknown }).status, { loadBalancer: {} });
  });
});
