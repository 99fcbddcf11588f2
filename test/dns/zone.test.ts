/** The cluster DNS zone: every record type, worked by hand from a few Services and EndpointSlices. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { answerQuestion, buildDnsView, DEFAULT_DNS_CONFIG, KUBEADM_COREDNS_TTL_SECONDS } from '../../actors/dns/zone.ts';
import type { DnsQuestion } from '../../actors/traffic/protocol.ts';

const T = { timeout: 20_000 };

function service(name: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

interface Ep {
  ip: string;
  hostname?: string;
  ready?: boolean;
}
function slice(svc: string, name: string, ports: { name?: string; port: number; protocol?: string }[], endpoints: Ep[], namespace = 'default'): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
  };
}

const services = [
  service('web', { type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090 }] }),
  service('web', { type: 'ClusterIP', clusterIP: '10.96.5.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }, 'shop'),
  service('db', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  service('peers', { type: 'ClusterIP', clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'gossip', port: 7946, protocol: 'UDP' }] }),
  service('empty', { type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }),
  service('ext', { type: 'ExternalName', externalName: 'Example.COM.' }),
];
const slices = [
  // db's endpoints over two slices; the endpoint port (5433) differs from the Service port (5432).
  slice('db', 'db-aaaaa', [{ name: 'pg', port: 5433 }], [
    { ip: '10.244.1.5', hostname: 'db-0' },
    { ip: '10.244.2.3', hostname: 'db-2', ready: false },
  ]),
  slice('db', 'db-bbbbb', [{ name: 'pg', port: 5433 }], [{ ip: '10.244.0.10', hostname: 'db-1' }, { ip: '10.244.0.9' }]),
  slice('peers', 'peers-ccccc', [{ name: 'gossip', port: 7946, protocol: 'UDP' }], [{ ip: '10.244.3.1', ready: false }]),
  slice('empty', 'empty-ddddd', [], []),
  // A slice of no Service in the view, and one without the service-name label: ignored.
  slice('gone', 'gone-eeeee', [{ name: 'http', port: 80 }], [{ ip: '10.244.9.9' }]),
];
const view = buildDnsView(services, slices);
const ask = (name: string, qtype: DnsQuestion['qtype'] = 'A') => answerQuestion({ name, qtype }, view, DEFAULT_DNS_CONFIG);
const data = (name: string, qtype: DnsQuestion['qtype'] = 'A') => {
  const a = ask(name, qtype);
  assert.equal(a.rcode, 'NOERROR', `${name} ${qtype}: ${a.rcode}`);
  return a.answers.map((r) => r.data);
};

describe('cluster DNS zone', () => {
  it('A: a normal Service answers its ClusterIP, with the kubeadm TTL of 30 s and the question as the owner name', T, () => {
    assert.deepEqual(ask('web.default.svc.cluster.local'), {
      rcode: 'NOERROR',
      answers: [{ name: 'web.default.svc.cluster.local', type: 'A', ttlSeconds: 30, data: '10.96.0.20' }],
    });
    assert.equal(KUBEADM_COREDNS_TTL_SECONDS, 30);
    assert.deepEqual(data('web.shop.svc.cluster.local'), ['10.96.5.5'], 'the same name in another namespace');
  });

  it('names are case-insensitive and accept a trailing dot', T, () => {
    assert.deepEqual(data('WEB.Default.SVC.Cluster.Local.'), ['10.96.0.20']);
  });

  it('headless A: every ready endpoint of every slice, in numeric address order; not-ready ones left out', T, () => {
    // Text order would put 10.244.0.10 before 10.244.0.9; 10.244.2.3 is not ready.
    assert.deepEqual(data('db.default.svc.cluster.local'), ['10.244.0.9', '10.244.0.10', '10.244.1.5']);
  });

  it('headless A with publishNotReadyAddresses: not-ready endpoints too; with no ready endpoint: NXDOMAIN', T, () => {
    assert.deepEqual(data('peers.default.svc.cluster.local'), ['10.244.3.1']);
    assert.equal(ask('empty.default.svc.cluster.local').rcode, 'NXDOMAIN');
  });

  it('hostname A: <hostname>.<svc>.<ns>.svc for endpoints with a hostname; a not-ready one has none', T, () => {
    assert.deepEqual(data('db-0.db.default.svc.cluster.local'), ['10.244.1.5']);
    assert.deepEqual(data('db-1.db.default.svc.cluster.local'), ['10.244.0.10']);
    assert.equal(ask('db-2.db.default.svc.cluster.local').rcode, 'NXDOMAIN');
    // An endpoint without a hostname is named by its address with dashes (the SRV target below).
    assert.deepEqual(data('10-244-0-9.db.default.svc.cluster.local'), ['10.244.0.9']);
    assert.equal(ask('db-0.web.default.svc.cluster.local').rcode, 'NXDOMAIN', 'no endpoint names under a normal Service');
  });

  it('SRV for a normal Service: 0 100 <service port> <svc FQDN>, for a named port and its protocol only', T, () => {
    assert.deepEqual(data('_http._tcp.web.default.svc.cluster.local', 'SRV'), ['0 100 80 web.default.svc.cluster.local']);
    assert.deepEqual(data('_metrics._tcp.web.default.svc.cluster.local', 'SRV'), ['0 100 9090 web.default.svc.cluster.local'], 'protocol defaults to TCP');
    assert.equal(ask('_http._udp.web.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
    assert.equal(ask('_nope._tcp.web.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
    // SRV at the Service's own name: every port, weights split ⌊100/2⌋ as CoreDNS does.
    assert.deepEqual(data('web.default.svc.cluster.local', 'SRV'), ['0 50 80 web.default.svc.cluster.local', '0 50 9090 web.default.svc.cluster.local']);
  });

  it('SRV for a headless Service: one per ready endpoint, the endpoint port, hostname or dashed-address target, ⌊100/3⌋ weight', T, () => {
    assert.deepEqual(data('_pg._tcp.db.default.svc.cluster.local', 'SRV'), [
      '0 33 5433 10-244-0-9.db.default.svc.cluster.local',
      '0 33 5433 db-1.db.default.svc.cluster.local',
      '0 33 5433 db-0.db.default.svc.cluster.local',
    ]);
    assert.deepEqual(data('_gossip._udp.peers.default.svc.cluster.local', 'SRV'), ['0 100 7946 10-244-3-1.peers.default.svc.cluster.local']);
  });

  it('ExternalName: the CNAME alone, for A and AAAA too (the resolver follows it), normalized', T, () => {
    assert.deepEqual(ask('ext.default.svc.cluster.local', 'CNAME').answers, [{ name: 'ext.default.svc.cluster.local', type: 'CNAME', ttlSeconds: 30, data: 'example.com' }]);
    assert.deepEqual(data('ext.default.svc.cluster.local', 'A'), ['example.com']);
    assert.deepEqual(ask('ext.default.svc.cluster.local', 'AAAA').answers.map((r) => r.type), ['CNAME']);
  });

  it('PTR: a ClusterIP to its Service, a headless endpoint to its own name; other addresses NXDOMAIN', T, () => {
    assert.deepEqual(data('20.0.96.10.in-addr.arpa', 'PTR'), ['web.default.svc.cluster.local']);
    assert.deepEqual(data('5.1.244.10.in-addr.arpa.', 'PTR'), ['db-0.db.default.svc.cluster.local']);
    assert.deepEqual(data('9.0.244.10.in-addr.arpa', 'PTR'), ['10-244-0-9.db.default.svc.cluster.local']);
    assert.equal(ask('3.2.244.10.in-addr.arpa', 'PTR').rcode, 'NXDOMAIN', 'db-2 is not ready');
    assert.equal(ask('4.3.2.1.in-addr.arpa', 'PTR').rcode, 'NXDOMAIN');
    assert.deepEqual(ask('20.0.96.10.in-addr.arpa', 'A'), { rcode: 'NOERROR', answers: [] });
  });

  it('pod A (pods insecure): a-b-c-d.<ns>.pod answers a.b.c.d; malformed addresses are NXDOMAIN', T, () => {
    assert.deepEqual(ask('10-244-1-5.default.pod.cluster.local').answers, [{ name: '10-244-1-5.default.pod.cluster.local', type: 'A', ttlSeconds: 30, data: '10.244.1.5' }]);
    assert.deepEqual(data('10-244-7-77.any-namespace.pod.cluster.local'), ['10.244.7.77'], 'no pod is checked');
    assert.equal(ask('10-244-1-256.default.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('10-244-1.default.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('db-0.default.pod.cluster.local').rcode, 'NXDOMAIN');
  });

  it('AAAA for a name with only IPv4 addresses: NOERROR and no answers (not NXDOMAIN)', T, () => {
    assert.deepEqual(ask('web.default.svc.cluster.local', 'AAAA'), { rcode: 'NOERROR', answers: [] });
    assert.deepEqual(ask('db-0.db.default.svc.cluster.local', 'AAAA'), { rcode: 'NOERROR', answers: [] });
    assert.deepEqual(ask('10-244-1-5.default.pod.cluster.local', 'AAAA'), { rcode: 'NOERROR', answers: [] });
  });

  it('NXDOMAIN for a missing name in the zone and for any name outside it (no upstream resolvers)', T, () => {
    assert.deepEqual(ask('nope.default.svc.cluster.local'), { rcode: 'NXDOMAIN', answers: [] });
    assert.equal(ask('web.nope.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('gone.default.svc.cluster.local').rcode, 'NXDOMAIN', 'slices without their Service make no records');
    assert.equal(ask('web.default.svc.cluster.local.default.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('web.default.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('example.com').rcode, 'NXDOMAIN');
    assert.equal(ask('web.default.svc.cluster.localx').rcode, 'NXDOMAIN');
    // Names that exist without records: the apex, svc, and a namespace (CoreDNS answers NODATA).
    for (const n of ['cluster.local', 'svc.cluster.local', 'default.svc.cluster.local']) assert.deepEqual(ask(n), { rcode: 'NOERROR', answers: [] }, n);
  });

  it('another cluster domain: the same view answers under it, and cluster.local is outside', T, () => {
    const config = { clusterDomain: 'corp.internal', ttlSeconds: 5 };
    assert.deepEqual(answerQuestion({ name: 'web.default.svc.corp.internal', qtype: 'A' }, view, config).answers, [{ name: 'web.default.svc.corp.internal', type: 'A', ttlSeconds: 5, data: '10.96.0.20' }]);
    assert.deepEqual(answerQuestion({ name: '20.0.96.10.in-addr.arpa', qtype: 'PTR' }, view, config).answers.map((r) => r.data), ['web.default.svc.corp.internal']);
    assert.equal(answerQuestion({ name: 'web.default.svc.cluster.local', qtype: 'A' }, view, config).rcode, 'NXDOMAIN');
  });

  it('the view does not depend on the order the informers hold objects in', T, () => {
    const reversed = buildDnsView([...services].reverse(), [...slices].reverse());
    const q = (v: typeof view) => answerQuestion({ name: '_pg._tcp.db.default.svc.cluster.local', qtype: 'SRV' }, v, DEFAULT_DNS_CONFIG);
    assert.deepEqual(q(reversed), q(view));
    assert.deepEqual([...reversed.names.keys()].sort(), [...view.names.keys()].sort());
  });
});
