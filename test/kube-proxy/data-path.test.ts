/** kube-proxy's pure data path: the service table, iptables' probabilities, ipvs' schedulers, affinity (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Rng } from '../../actors/kernel/rng.ts';
import { ClientIpAffinity } from '../../actors/kube-proxy/affinity.ts';
import { chooseIptables, probabilityText, renderIptables, ruleProbability } from '../../actors/kube-proxy/iptables.ts';
import { chooseIpvs, destinationBucket, newVirtualServerState, sourceBucket, type RealServer } from '../../actors/kube-proxy/ipvs.ts';
import { buildServiceTable, type Backend } from '../../actors/kube-proxy/service-table.ts';
import { newRoundRobinState, userspaceDialOrder } from '../../actors/kube-proxy/userspace.ts';

const T = { timeout: 20_000 };
const backend = (ip: string, extra: Partial<Backend> = {}): Backend => ({ ip, port: 8080, ready: true, serving: true, terminating: false, ...extra });
const servers = (...conns: [number, number][]): RealServer[] => conns.map(([a, i], k) => ({ backend: backend(`10.244.0.${k + 2}`), activeConnections: a, inactiveConnections: i }));

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}
function slice(service: string, endpoints: { ip: string; node: string; ready?: boolean; serving?: boolean; terminating?: boolean }[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false } })),
  };
}

describe('service table', () => {
  it('ready endpoints serve; with none ready, the serving terminating ones do; local ones are this node\'s', T, () => {
    const table = buildServiceTable(
      [service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }), service('old', {}), service('db', { clusterIP: 'None' }), service('ext', { type: 'ExternalName', externalName: 'example.com' })],
      [
        slice('web', [{ ip: '10.244.1.2', node: 'worker-1' }, { ip: '10.244.0.2', node: 'worker-0' }, { ip: '10.244.0.3', node: 'worker-0', ready: false }]),
        slice('old', [{ ip: '10.244.0.9', node: 'worker-0', ready: false, serving: true, terminating: true }, { ip: '10.244.0.8', node: 'worker-0', ready: false, serving: false, terminating: true }]),
      ],
      'worker-0',
    );
    assert.deepEqual(table.map((e) => e.id), ['default/old:http', 'default/web:http'], 'headless and ExternalName Services have no proxy rules');
    const web = table[1]!;
    assert.deepEqual(web.clusterBackends.map((b) => b.ip), ['10.244.0.2', '10.244.1.2']);
    assert.deepEqual(web.localBackends.map((b) => b.ip), ['10.244.0.2']);
    assert.equal(web.nodePort, 30080);
    assert.equal(web.externalTrafficPolicyLocal, true);
    assert.deepEqual(table[0]!.clusterBackends.map((b) => b.ip), ['10.244.0.9']);
  });
});

describe('iptables', () => {
  it('rule i of n is taken with probability 1/(n−i); the last is unconditional; printed with 10 decimals', T, () => {
    assert.deepEqual([0, 1, 2].map((i) => ruleProbability(i, 3)), [1 / 3, 1 / 2, undefined]);
    assert.equal(probabilityText(1 / 3), '0.3333333333');
    assert.equal(probabilityText(0.5), '0.5000000000');
  });

  it('the probabilities make a uniform choice: 4 backends, 40 000 connections, each within 10 000 ± 350 (seed "iptables")', T, () => {
    const rng = new Rng('iptables');
    const backends = [0, 1, 2, 3].map((i) => backend(`10.244.0.${i + 2}`));
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 40_000; k++) counts[backends.indexOf(chooseIptables(backends, 0, () => rng.float()).backend!)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) <= 350, `counts ${counts.join(', ')}`);
  });

  it('a packet walks KUBE-SERVICES to its service, then the endpoint rules until one is taken', T, () => {
    const backends = [backend('a'), backend('b'), backend('c')];
    assert.equal(chooseIptables(backends, 9, () => 0).rulesTraversed, 11, '10 service jumps, the first endpoint rule');
    assert.equal(chooseIptables(backends, 9, () => 0.99).rulesTraversed, 13, 'every endpoint rule');
    assert.equal(chooseIptables([], 4, () => 0).backend, undefined);
  });

  it('renders iptables-save lines: the cluster IP jump and one DNAT per endpoint', T, () => {
    const [entry] = buildServiceTable([service('web', {})], [slice('web', [{ ip: '10.244.0.2', node: 'w' }, { ip: '10.244.0.3', node: 'w' }])], 'w');
    const lines = renderIptables([entry!]);
    assert.ok(lines.some((l) => /^-A KUBE-SERVICES -d 10\.96\.1\.1\/32 -p tcp .* --dport 80 -j KUBE-SVC-/.test(l)), lines.join('\n'));
    assert.equal(lines.filter((l) => l.includes('--probability 0.5000000000')).length, 1);
    assert.equal(lines.filter((l) => l.includes('DNAT --to-destination')).length, 2);
  });
});

describe('ipvs schedulers', () => {
  it('rr: in turn, wrapping', T, () => {
    const st = newVirtualServerState();
    const s = servers([0, 0], [0, 0], [0, 0]);
    assert.deepEqual([1, 2, 3, 4].map(() => chooseIpvs('rr', s, st, '1.1.1.1', '10.96.1.1')), [0, 1, 2, 0]);
  });

  it('lc: the least overhead (active·256 + inactive), ties to the first', T, () => {
    assert.equal(chooseIpvs('lc', servers([2, 0], [0, 5], [0, 3]), newVirtualServerState(), 'c', 's'), 2);
    assert.equal(chooseIpvs('lc', servers([1, 0], [0, 255], [0, 300]), newVirtualServerState(), 'c', 's'), 1);
    assert.equal(chooseIpvs('lc', servers([1, 1], [1, 1]), newVirtualServerState(), 'c', 's'), 0);
  });

  it('sed: the smallest (active + 1); nq: an idle server first, else sed', T, () => {
    assert.equal(chooseIpvs('sed', servers([3, 0], [1, 9], [1, 0]), newVirtualServerState(), 'c', 's'), 1);
    assert.equal(chooseIpvs('nq', servers([3, 0], [1, 9], [0, 50]), newVirtualServerState(), 'c', 's'), 2);
    assert.equal(chooseIpvs('nq', servers([3, 0], [2, 9], [2, 0]), newVirtualServerState(), 'c', 's'), 1);
  });

  it('dh and sh: 256 buckets of the servers in turn; 10.244.1.7 hashes to dh bucket 215, sh bucket 54', T, () => {
    assert.equal(destinationBucket('10.244.1.7'), 215);
    assert.equal(sourceBucket('10.244.1.7'), 54);
    const four = servers([0, 0], [0, 0], [0, 0], [0, 0]);
    assert.equal(chooseIpvs('sh', four, newVirtualServerState(), '10.244.1.7', '10.96.1.1'), 54 % 4);
    // dh: one service address, one server, whoever the client is.
    const picks = new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((c) => chooseIpvs('dh', four, newVirtualServerState(), c, '10.96.1.1')));
    assert.equal(picks.size, 1);
    // sh: a client always gets the same server.
    assert.equal(chooseIpvs('sh', four, newVirtualServerState(), '10.244.1.7', 'x'), chooseIpvs('sh', four, newVirtualServerState(), '10.244.1.7', 'y'));
  });
});

describe('client IP affinity and userspace', () => {
  it('a client keeps its backend for timeoutSeconds after its last connection, unless the backend left', T, () => {
    const a = new ClientIpAffinity(10_800_000);
    a.record('10.0.0.1', '10.244.0.2:8080', 0);
    const offered = new Set(['10.244.0.2:8080', '10.244.0.3:8080']);
    assert.equal(a.lookup('10.0.0.1', 10_800_000, offered), '10.244.0.2:8080');
    assert.equal(a.lookup('10.0.0.1', 10_800_001, offered), undefined);
    a.record('10.0.0.1', '10.244.0.2:8080', 0);
    assert.equal(a.lookup('10.0.0.1', 5, new Set(['10.244.0.3:8080'])), undefined);
  });

  it('userspace: round robin start, the others after it for retries', T, () => {
    const st = newRoundRobinState();
    const b = [backend('a'), backend('b'), backend('c')];
    assert.deepEqual(userspaceDialOrder(b, st).map((x) => x.ip), ['a', 'b', 'c']);
    assert.deepEqual(userspaceDialOrder(b, st).map((x) => x.ip), ['b', 'c', 'a']);
  });
});
