/** The Service registry's address allocation, pure: ranges, bands and the texts of refusals (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { allocateService, allocationKeys, chooseOffset, DEFAULT_SERVICE_ALLOCATION, indexedIp, ipv4ToInt, lowerBandSize, parseCidr } from '../../actors/apiserver/service-allocation.ts';

const T = { timeout: 10_000 };
const none = { clusterIps: new Set<string>(), nodePorts: new Set<number>() };
const first = () => 0;

function service(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec } };
}
const spec = (r: ReturnType<typeof allocateService>) => {
  if (r.error) throw new Error(r.error.message);
  return r.service['spec'] as { clusterIP: string; clusterIPs: string[]; ports: { nodePort?: number }[]; ipFamilies?: string[] };
};
const errorLine = (r: ReturnType<typeof allocateService>) => (r.error ? `${r.error.field}: ${r.error.message}` : 'allocated');

describe('service address allocation', () => {
  it('10.96.0.0/12: usable 10.96.0.1 … 10.111.255.254; the kubernetes Service at index 1, DNS at 10', T, () => {
    const r = parseCidr('10.96.0.0/12');
    assert.equal(r.size, 2 ** 20 - 2);
    assert.equal(indexedIp(r, 1), '10.96.0.1');
    assert.equal(indexedIp(r, 10), '10.96.0.10');
    assert.equal(indexedIp(r, r.size), '10.111.255.254');
    assert.throws(() => parseCidr('10.96.0.0/30'), /at least 8 addresses/);
  });

  it('the lower band: size/16 within [16, 256], none under 16 addresses', T, () => {
    assert.equal(lowerBandSize(2 ** 20 - 2), 256);
    assert.equal(lowerBandSize(2768), 173);
    assert.equal(lowerBandSize(254), 16);
    assert.equal(lowerBandSize(14), 0);
  });

  it('dynamic choice: upper band from a random start, wrapping; the lower band only when the upper is full', T, () => {
    assert.equal(chooseOffset(100, () => false, () => 0), 16);
    assert.equal(chooseOffset(100, () => false, (n) => n - 1), 99);
    assert.equal(chooseOffset(100, (o) => o === 99, (n) => n - 1), 16, 'wraps to the band start');
    assert.equal(chooseOffset(100, (o) => o >= 16 || o < 3, () => 0), 3);
    assert.equal(chooseOffset(100, () => true, () => 0), undefined);
  });

  it('a ClusterIP Service gets an address of the upper band; headless keeps None; ExternalName gets none', T, () => {
    const s = spec(allocateService(service({}), undefined, none, DEFAULT_SERVICE_ALLOCATION, first));
    assert.equal(s.clusterIP, '10.96.1.1', 'offset 256 from 10.96.0.1');
    assert.deepEqual(s.clusterIPs, ['10.96.1.1']);
    assert.deepEqual(s.ipFamilies, ['IPv4']);
    assert.deepEqual(spec(allocateService(service({ clusterIP: 'None' }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first)).clusterIPs, ['None']);
    const ext = spec(allocateService(service({ type: 'ExternalName', externalName: 'db.example.com', ports: [] }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first));
    assert.equal(ext.clusterIP, undefined);
    assert.deepEqual(allocationKeys({ ...service({}), spec: ext }), []);
  });

  it('a requested ClusterIP is given, or refused with the registry\'s words', T, () => {
    assert.equal(spec(allocateService(service({ clusterIP: '10.96.0.20' }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first)).clusterIP, '10.96.0.20');
    assert.equal(
      errorLine(allocateService(service({ clusterIP: '10.0.0.5' }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first)),
      'spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    const taken = { clusterIps: new Set(['10.96.0.1']), nodePorts: new Set<number>() };
    assert.equal(errorLine(allocateService(service({ clusterIP: '10.96.0.1' }), undefined, taken, DEFAULT_SERVICE_ALLOCATION, first)), 'spec.clusterIPs: Invalid value: ["10.96.0.1"]: failed to allocate IP 10.96.0.1: provided IP is already allocated');
  });

  it('NodePort: a free port of the upper band (30173 … 32767), a requested one unless taken; TCP and UDP of one port share it', T, () => {
    const s = spec(allocateService(service({ type: 'NodePort' }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first));
    assert.equal(s.ports[0]!.nodePort, 30173);
    const taken = { clusterIps: new Set<string>(), nodePorts: new Set([30080]) };
    assert.equal(errorLine(allocateService(service({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }), undefined, taken, DEFAULT_SERVICE_ALLOCATION, first)), 'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const dual = spec(allocateService(service({ type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30053 }] }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first));
    assert.deepEqual(dual.ports.map((p) => p.nodePort), [30053, 30053]);
    assert.deepEqual(allocationKeys({ ...service({}), spec: { ...dual, type: 'NodePort' } }), ['/registry/ipaddresses/10.96.1.1', '/registry/servicenodeports/30053']);
  });

  it('an update keeps what the Service held when the new object leaves it out, and may keep its own taken port', T, () => {
    const old = { ...service({}), spec: { type: 'NodePort', clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] } };
    const taken = { clusterIps: new Set(['10.96.5.5']), nodePorts: new Set([31000]) };
    const s = spec(allocateService(service({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] }), old, taken, DEFAULT_SERVICE_ALLOCATION, first));
    assert.equal(s.clusterIP, '10.96.5.5');
    assert.equal(s.ports[0]!.nodePort, 31000);
    assert.ok(ipv4ToInt(s.clusterIP)! > 0);
  });
});

describe('healthCheckNodePort', () => {
  const lb = (extra: Record<string, unknown> = {}) => service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }], ...extra });
  const hc = (r: ReturnType<typeof allocateService>) => (spec(r) as unknown as { healthCheckNodePort?: number }).healthCheckNodePort;
  const obj = (r: ReturnType<typeof allocateService>): KubeObject => {
    if (r.error) throw new Error(r.error.message);
    return r.service;
  };

  it('a LoadBalancer with externalTrafficPolicy Local gets one from the node port range, and holds it in etcd', T, () => {
    const r = allocateService(lb(), undefined, none, DEFAULT_SERVICE_ALLOCATION, first);
    const port = hc(r)!;
    assert.ok(port >= 30000 && port <= 32767 && port !== 30080, String(port));
    assert.ok(allocationKeys(obj(r)).includes(`/registry/servicenodeports/${port}`));
  });

  it('kept on update, refused when taken, dropped when the policy becomes Cluster; none for Cluster or NodePort', T, () => {
    const created = allocateService(lb({ healthCheckNodePort: 31000 }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first);
    assert.equal(hc(created), 31000);
    const kept = allocateService(lb(), obj(created), { clusterIps: new Set(), nodePorts: new Set([31000]) }, DEFAULT_SERVICE_ALLOCATION, first);
    assert.equal(hc(kept), 31000);
    const taken = allocateService(lb({ healthCheckNodePort: 31000 }), undefined, { clusterIps: new Set(), nodePorts: new Set([31000]) }, DEFAULT_SERVICE_ALLOCATION, first);
    assert.equal(errorLine(taken), 'spec.healthCheckNodePort: Invalid value: 31000: provided port is already allocated');
    const cluster = allocateService(lb({ externalTrafficPolicy: 'Cluster', healthCheckNodePort: 31000 }), obj(created), none, DEFAULT_SERVICE_ALLOCATION, first);
    assert.equal(hc(cluster), undefined);
    assert.equal(hc(allocateService(service({ type: 'NodePort', externalTrafficPolicy: 'Local' }), undefined, none, DEFAULT_SERVICE_ALLOCATION, first)), undefined);
  });
});
