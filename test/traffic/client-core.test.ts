/** The traffic client's core, driven step by step: arrivals, the DNS search walk and its cache, outcomes, bounds (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Output } from '../../actors/kernel/output.ts';
import { AddressPlan } from '../../actors/traffic/addresses.ts';
import { newTrafficClient, trafficClientCore, type TrafficClientConfig, type TrafficClientState } from '../../actors/traffic/client-core.ts';
import type { DnsAnswer, TrafficRequest, TrafficResponse } from '../../actors/traffic/protocol.ts';

const T = { timeout: 10_000 };

function client(overrides: Partial<TrafficClientConfig> = {}): TrafficClientState {
  const addresses = new AddressPlan();
  addresses.addNode('worker-0', 0);
  const config: TrafficClientConfig = {
    source: 'shoppers',
    sourceIps: ['100.64.0.1'],
    proxyHost: 'kube-proxy-worker-0',
    namespace: 'shop',
    target: { host: 'web', port: 80, protocol: 'TCP' },
    dnsServerIp: '10.96.0.10',
    ratePerSecond: 3,
    arrival: 'constant',
    startMs: 1000,
    stopMs: 3000,
    timeoutMs: 500,
    holdMs: 0,
    addresses,
    ...overrides,
  };
  return newTrafficClient('traffic-shoppers', config, () => 0.5);
}

const step = (c: TrafficClientState, input: Parameters<typeof trafficClientCore.step>[1], nowMs: number): Output => trafficClientCore.step(c, input, nowMs);
const sent = (out: Output): TrafficRequest[] => out.sends.map((s) => s.msg as TrafficRequest);
const answer = (id: string, dns: DnsAnswer): TrafficResponse => ({ type: 'TrafficResponse', id, outcome: 'ok', dns });
const A = (name: string, ip: string): DnsAnswer => ({ rcode: 'NOERROR', answers: [{ name, type: 'A', ttlSeconds: 30, data: ip }] });
const NX: DnsAnswer = { rcode: 'NXDOMAIN', answers: [] };

describe('traffic client', () => {
  it('constant arrivals at start + round(k·1000/rate): 3/s gives 1000, 1333, 1667, 2000 … and none at or after stop', T, () => {
    const c = client();
    const at: number[] = [];
    let out = step(c, { type: 'TrafficStart' }, 0);
    let now = 0;
    for (;;) {
      const timer = out.timers.find((t) => t.id === 'arrival');
      if (!timer) break;
      now += timer.delayMs;
      at.push(now);
      out = step(c, { type: 'TrafficArrival' }, now);
    }
    assert.deepEqual(at, [1000, 1333, 1667, 2000, 2333, 2667]);
  });

  it('a short name walks the search list: NXDOMAIN for <name>.<ns>.svc, an A for <name>.svc.cluster.local, then the request through the node proxy', T, () => {
    const c = client();
    let out = step(c, { type: 'TrafficArrival' }, 1000);
    let [q] = sent(out);
    assert.equal(out.sends[0]?.to, 'kube-proxy-worker-0');
    assert.deepEqual([q?.dns?.name, q?.dst], ['web.shop.svc.cluster.local', { ip: '10.96.0.10', port: 53, protocol: 'UDP' }]);
    out = step(c, answer(q!.id, NX), 1010);
    [q] = sent(out);
    assert.equal(q?.dns?.name, 'web.svc.cluster.local');
    out = step(c, answer(q!.id, A('web.svc.cluster.local', '10.96.0.50')), 1020);
    const [req] = sent(out);
    assert.deepEqual([req?.dst, req?.dns, req?.sourceIp], [{ ip: '10.96.0.50', port: 80, protocol: 'TCP' }, undefined, '100.64.0.1']);
    out = step(c, { type: 'TrafficResponse', id: req!.id, outcome: 'ok', backend: { ip: '10.244.0.5', port: 8080, node: 'worker-0', pod: 'web-1' } }, 1032);
    assert.deepEqual(out.traces, [
      { kind: 'k8s.traffic', fields: { source: 'shoppers', client: '100.64.0.1', seq: 1, result: 'ok', latencyMs: 32, pod: 'web-1', node: 'worker-0', backend: '10.244.0.5:8080', dnsQueries: 2 } },
    ]);
  });

  it('answers are cached for their TTL: the next request sends no query; after 30 s it asks again', T, () => {
    const c = client({ stopMs: 60_000 });
    let out = step(c, { type: 'TrafficArrival' }, 1000);
    out = step(c, answer(sent(out)[0]!.id, NX), 1001);
    out = step(c, answer(sent(out)[0]!.id, A('web.svc.cluster.local', '10.96.0.50')), 1002);
    const first = sent(out)[0]!;
    step(c, { type: 'TrafficResponse', id: first.id, outcome: 'ok' }, 1003);
    out = step(c, { type: 'TrafficArrival' }, 2000);
    assert.deepEqual(sent(out).map((r) => [r.dst.ip, r.dns?.name]), [['10.96.0.50', undefined]]);
    out = step(c, { type: 'TrafficArrival' }, 31_001);
    assert.deepEqual(sent(out).map((r) => r.dns?.name), ['web.shop.svc.cluster.local'], 'the cached NXDOMAIN and A expired 30 s after they came');
  });

  it('no answer by the timeout: timeout; a refusal: refused with the reason; every name NXDOMAIN: nxdomain after 4 queries', T, () => {
    let c = client({ target: { host: '10.96.0.50', port: 80, protocol: 'TCP' } });
    let out = step(c, { type: 'TrafficArrival' }, 1000);
    const timer = out.timers.find((t) => t.id.startsWith('timeout:'))!;
    assert.equal(timer.delayMs, 500);
    out = step(c, timer.event as { type: 'TrafficTimeout'; wireId: string }, 1500);
    assert.equal(out.traces[0]?.fields['result'], 'timeout');
    out = step(c, { type: 'TrafficArrival' }, 2000);
    out = step(c, { type: 'TrafficResponse', id: sent(out)[0]!.id, outcome: 'refused', reason: 'no endpoints' }, 2003);
    assert.deepEqual([out.traces[0]?.fields['result'], out.traces[0]?.fields['reason']], ['refused', 'no endpoints']);

    c = client();
    out = step(c, { type: 'TrafficArrival' }, 1000);
    const names: string[] = [];
    while (sent(out).length > 0) {
      const q = sent(out)[0]!;
      names.push(q.dns!.name);
      out = step(c, answer(q.id, NX), 1000 + names.length);
    }
    assert.deepEqual(names, ['web.shop.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    assert.deepEqual([out.traces[0]?.fields['result'], out.traces[0]?.fields['dnsQueries']], ['nxdomain', 4]);
  });

  it('from outside the cluster a pod address is not routed: a timeout without a packet sent', T, () => {
    const c = client({ proxyHost: undefined, sourceIps: ['203.0.113.1'], target: { host: '10.244.0.5', port: 8080, protocol: 'TCP' } });
    const out = step(c, { type: 'TrafficArrival' }, 1000);
    assert.equal(out.sends.length, 0);
    assert.deepEqual([out.traces[0]?.fields['result'], out.traces[0]?.fields['reason']], ['timeout', 'no route to host']);
  });
});
