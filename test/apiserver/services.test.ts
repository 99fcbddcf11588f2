/**
 * Services through the apiserver: the `kubernetes` Service, ClusterIPs and node ports given once
 * across apiservers, refused with the registry's texts when taken, given back on delete.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, show } from './harness.ts';

const SERVICES = { apiVersion: 'v1', resource: 'services' } as const;
type Svc = KubeObject & { spec: { clusterIP: string; ports: { nodePort?: number }[] } };

function nodePortService(name: string, nodePort?: number): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80, targetPort: 8080, ...(nodePort ? { nodePort } : {}) }] } };
}

describe('apiserver: Service addresses', { timeout: 180_000 }, () => {
  it('default/kubernetes at 10.96.0.1; NodePort Services get a ClusterIP and a port in range; a taken one is refused; delete gives it back', { timeout: 120_000 }, () => {
    const h = new Harness({ seed: 'services' });
    h.waitReady();
    const k = h.call({ verb: 'get', ...SERVICES, namespace: 'default', name: 'kubernetes' });
    assert.equal(k.code, 200, show(k));
    assert.equal((k.body as Svc).spec.clusterIP, '10.96.0.1');

    const a = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('a') });
    assert.equal(a.code, 201, show(a));
    const port = (a.body as Svc).spec.ports[0]!.nodePort!;
    assert.ok(port >= 30000 && port <= 32767, `node port ${port}`);
    const ip = (a.body as Svc).spec.clusterIP.split('.').map(Number);
    assert.ok(ip[0] === 10 && ip[1]! >= 96 && ip[1]! <= 111, (a.body as Svc).spec.clusterIP);

    const b = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('b', port) });
    assert.equal(b.code, 422, show(b));
    assert.equal((b.body as { message: string }).message, `Service "b" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`);
    const c = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: { ...nodePortService('c'), spec: { ...(nodePortService('c')['spec'] as object), clusterIP: '10.96.0.1' } } });
    assert.equal(c.code, 422, show(c));
    assert.match((c.body as { message: string }).message, /failed to allocate IP 10\.96\.0\.1: provided IP is already allocated$/);

    assert.equal(h.call({ verb: 'delete', ...SERVICES, namespace: 'default', name: 'a' }).code, 200);
    const again = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('b', port) });
    assert.equal(again.code, 201, show(again));
  });

  it('two apiservers asked for the same node port at the same moment: one Service gets it, the other is refused', { timeout: 120_000 }, () => {
    const h = new Harness({ seed: 'services-ha', apiservers: 2, clients: [{ name: 'one', server: 'kube-apiserver-0' }, { name: 'two', server: 'kube-apiserver-1' }] });
    h.waitReady();
    const r1 = h.client('one').send({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('x', 30500) });
    const r2 = h.client('two').send({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('y', 30500) });
    assert.ok(h.until(() => h.client('one').results.has(r1) && h.client('two').results.has(r2), 20_000, 2));
    const codes = [h.client('one').results.get(r1)!.code, h.client('two').results.get(r2)!.code].sort();
    assert.equal(codes[0], 201);
    assert.ok(codes[1] === 409 || codes[1] === 422, `the other: ${codes[1]}`);
  });

  it('the ClusterIP may not change once set; changing the type to ClusterIP drops the node ports it left as they were', { timeout: 120_000 }, () => {
    const h = new Harness({ seed: 'services-update' });
    h.waitReady();
    const a = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('a') });
    assert.equal(a.code, 201, show(a));
    const cur = a.body as Svc;
    const moved = h.call({ verb: 'update', ...SERVICES, namespace: 'default', name: 'a', body: { ...cur, spec: { ...cur.spec, clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'] } } });
    assert.equal(moved.code, 422, show(moved));
    assert.equal((moved.body as { message: string }).message, 'Service "a" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.5.5"]: may not change once set');
    const typed = h.call({ verb: 'patch', ...SERVICES, namespace: 'default', name: 'a', patchType: 'merge', body: { spec: { type: 'ClusterIP' } } as unknown as KubeObject });
    assert.equal(typed.code, 200, show(typed));
    assert.equal((typed.body as Svc).spec.ports[0]!.nodePort, undefined);
    assert.equal((typed.body as Svc).spec.clusterIP, cur.spec.clusterIP, 'the address stays');
    // The node port it gave back can be asked for by another Service.
    const b = h.call({ verb: 'create', ...SERVICES, namespace: 'default', body: nodePortService('b', cur.spec.ports[0]!.nodePort) });
    assert.equal(b.code, 201, show(b));
  });
});
