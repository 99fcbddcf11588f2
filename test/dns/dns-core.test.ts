/**
 * The node's cluster-DNS server driven through `step` alone (no kernel): idle until a CoreDNS pod
 * runs, SERVFAIL until both informers have listed, then answers from the view, rebuilt only after
 * a change; it keeps watching when its pods go away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRequest, KubeObject } from '../../actors/api/protocol.ts';
import { newApiClient } from '../../actors/client/api-client.ts';
import { clusterDnsCore, clusterDnsName, newClusterDns, type ClusterDnsInput, type ClusterDnsState } from '../../actors/dns/dns-core.ts';
import type { Output } from '../../actors/kernel/output.ts';
import type { DnsQuestion, DnsServe, TrafficResponse } from '../../actors/traffic/protocol.ts';

const T = { timeout: 20_000 };
const NODE = 'worker-0';
const HOST = clusterDnsName(NODE);

function service(name: string, clusterIP: string, rv: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', resourceVersion: rv }, spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
}

function newServer(): ClusterDnsState {
  return newClusterDns(NODE, newApiClient({ name: HOST, token: 'dns-token', server: 'apiserver', requestTimeoutMs: 60_000, readIdleTimeoutMs: 300_000 }));
}

let nextQuery = 0;
const query = (name: string, qtype: DnsQuestion['qtype'] = 'A'): DnsServe => ({
  type: 'DnsServe',
  request: { type: 'TrafficRequest', id: `client-pod#${++nextQuery}`, sourceIp: '10.244.0.7', dst: { ip: '10.96.0.10', port: 53, protocol: 'UDP' }, replyTo: 'kube-proxy-worker-0', holdMs: 0, dns: { name, qtype } },
  backend: { ip: '10.244.0.3', port: 53, node: NODE, pod: 'coredns-abc' },
});

const step = (d: ClusterDnsState, input: ClusterDnsInput, nowMs = 0): Output => clusterDnsCore.step(d, input, nowMs);
const requests = (out: Output): ApiRequest[] => out.sends.map((s) => s.msg).filter((m): m is ApiRequest => m.type === 'ApiRequest');
const requestFor = (out: Output, resource: string, verb: string): ApiRequest => {
  const r = requests(out).find((x) => x.resource === resource && x.verb === verb);
  assert.ok(r, `a ${verb} of ${resource} in ${JSON.stringify(out.sends)}`);
  return r;
};
const listed = (reqId: number, kind: string, items: KubeObject[], rv: string): ClusterDnsInput => ({
  type: 'ApiResponse',
  from: 'apiserver',
  reqId,
  code: 200,
  body: { apiVersion: 'v1', kind, metadata: { resourceVersion: rv }, items } as unknown as KubeObject,
});
const answerOf = (out: Output): TrafficResponse => {
  assert.equal(out.sends.length, 1, JSON.stringify(out.sends));
  assert.equal(out.sends[0]!.to, 'kube-proxy-worker-0', 'answered to request.replyTo');
  return out.sends[0]!.msg as TrafficResponse;
};

describe('cluster DNS server core', () => {
  it('idle and silent before a CoreDNS pod runs; SERVFAIL until both informers synced; then the ClusterIP', T, () => {
    const d = newServer();
    assert.equal(HOST, 'cluster-dns-worker-0');
    assert.equal(clusterDnsCore.phase(d), 'idle');
    assert.equal(clusterDnsCore.boot, undefined, 'nothing at boot: it waits for the kubelet');
    assert.equal(step(d, query('web.default.svc.cluster.local')).sends.length, 0, 'no pod: no answer');

    const started = step(d, { type: 'DnsServerPods', running: 1 });
    assert.equal(clusterDnsCore.phase(d), 'syncing');
    const listServices = requestFor(started, 'services', 'list');
    const listSlices = requestFor(started, 'endpointslices', 'list');
    assert.equal(listSlices.apiVersion, 'discovery.k8s.io/v1');
    assert.equal(started.traces.length, 0);

    const early = answerOf(step(d, query('web.default.svc.cluster.local')));
    assert.deepEqual(early.dns, { rcode: 'SERVFAIL', answers: [] });
    assert.equal(early.outcome, 'ok');

    const afterServices = step(d, listed(listServices.reqId, 'ServiceList', [service('web', '10.96.0.20', '5')], '7'));
    requestFor(afterServices, 'services', 'watch');
    assert.equal(clusterDnsCore.phase(d), 'syncing', 'slices not listed yet');
    assert.equal(answerOf(step(d, query('web.default.svc.cluster.local'))).dns?.rcode, 'SERVFAIL');

    const afterSlices = step(d, listed(listSlices.reqId, 'EndpointSliceList', [], '7'));
    assert.equal(clusterDnsCore.phase(d), 'serving');
    assert.deepEqual(afterSlices.traces, [{ kind: 'k8s.dns', fields: { node: NODE, event: 'serving' } }]);

    const q = query('web.default.svc.cluster.local');
    const res = answerOf(step(d, q));
    assert.deepEqual(res, {
      type: 'TrafficResponse',
      id: q.request.id,
      outcome: 'ok',
      backend: q.backend,
      dns: { rcode: 'NOERROR', answers: [{ name: 'web.default.svc.cluster.local', type: 'A', ttlSeconds: 30, data: '10.96.0.20' }] },
    });
    assert.equal(step(d, query('api.default.svc.cluster.local')).traces.length, 0, 'queries are not traced here');
  });

  it('rebuilds the view only after the stores changed; follows a watched Service; keeps watching with no pod', T, () => {
    const d = newServer();
    const started = step(d, { type: 'DnsServerPods', running: 1 });
    const watchServices = requestFor(step(d, listed(requestFor(started, 'services', 'list').reqId, 'ServiceList', [service('web', '10.96.0.20', '5')], '7')), 'services', 'watch');
    step(d, listed(requestFor(started, 'endpointslices', 'list').reqId, 'EndpointSliceList', [], '7'));

    step(d, query('web.default.svc.cluster.local'));
    step(d, query('nope.default.svc.cluster.local'));
    assert.equal(d.viewBuilds, 1, 'two queries, one build');

    step(d, { type: 'ApiWatch', ordered: true, from: 'apiserver', reqId: watchServices.reqId, seq: 0, events: [{ type: 'ADDED', object: service('api', '10.96.0.30', '8') }] });
    assert.equal(d.viewBuilds, 1, 'lazy: nothing built until asked');
    assert.deepEqual(answerOf(step(d, query('api.default.svc.cluster.local'))).dns?.answers.map((r) => r.data), ['10.96.0.30']);
    assert.equal(d.viewBuilds, 2);

    // A bookmark changes no object: no rebuild.
    step(d, { type: 'ApiWatch', ordered: true, from: 'apiserver', reqId: watchServices.reqId, seq: 1, events: [{ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Service', metadata: { resourceVersion: '9' } } }] });
    step(d, query('api.default.svc.cluster.local'));
    assert.equal(d.viewBuilds, 2);

    // The CoreDNS pod stops: no answers, the watch is not cancelled, nothing is re-listed.
    const stopped = step(d, { type: 'DnsServerPods', running: 0 });
    assert.equal(clusterDnsCore.phase(d), 'idle');
    assert.equal(stopped.sends.length, 0);
    assert.equal(step(d, query('api.default.svc.cluster.local')).sends.length, 0);
    step(d, { type: 'ApiWatch', ordered: true, from: 'apiserver', reqId: watchServices.reqId, seq: 2, events: [{ type: 'DELETED', object: service('api', '10.96.0.30', '10') }] });

    // It comes back: serving at once (still synced), traced again, and the deletion seen meanwhile.
    const back = step(d, { type: 'DnsServerPods', running: 1 });
    assert.equal(requests(back).length, 0, 'informers started once');
    assert.deepEqual(back.traces, [{ kind: 'k8s.dns', fields: { node: NODE, event: 'serving' } }]);
    assert.equal(answerOf(step(d, query('api.default.svc.cluster.local'))).dns?.rcode, 'NXDOMAIN');
    assert.equal(step(d, { type: 'DnsServerPods', running: 2 }).traces.length, 0, 'a second pod: already serving');
  });
});
