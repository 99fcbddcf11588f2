/**
 * kube-proxy's pure `route()` (actors/kube-proxy/router.ts) on hand-built tables: which address
 * matches, what happens without (local) endpoints, loadBalancerSourceRanges, ClientIP affinity,
 * ipvs' connection-weighing schedulers as the router feeds them, and iptables' uniform spread.
 * The schedulers themselves on hand-built server lists are in data-path.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { indexTable, IPVS_INACTIVE_MS, newRouterState, recordClosedConnection, route, type RouteContext, type RouteDecision, type RouterState } from '../../actors/kube-proxy/router.ts';
import type { Backend, ServicePortEntry } from '../../actors/kube-proxy/service-table.ts';
import type { Destination } from '../../actors/traffic/protocol.ts';

const T = { timeout: 20_000 };
const NODE_IP = '172.18.0.2';
const OTHER_NODE_IP = '172.18.0.3';
const CLUSTER_IP = '10.96.1.1';
const LB_IP = '198.51.100.7';

const backend = (ip: string, nodeName = 'worker-1'): Backend => ({ ip, port: 8080, nodeName, ready: true, serving: true, terminating: false });
/** Four backends, 10.244.0.2-5; the router offers them in this order (service-table sorts by IP). */
const FOUR = [2, 3, 4, 5].map((i) => backend(`10.244.0.${i}`));

function entry(overrides: Partial<ServicePortEntry> = {}): ServicePortEntry {
  const clusterBackends = overrides.clusterBackends ?? FOUR;
  return {
    id: 'default/web:http',
    service: 'default/web',
    portName: 'http',
    protocol: 'TCP',
    clusterIp: CLUSTER_IP,
    port: 80,
    externalIps: [],
    loadBalancerIps: [],
    loadBalancerSourceRanges: [],
    sessionAffinity: { kind: 'None' },
    externalTrafficPolicyLocal: false,
    internalTrafficPolicyLocal: false,
    clusterBackends,
    localBackends: clusterBackends.filter((b) => b.nodeName === 'worker-0'),
    ...overrides,
  };
}

const to = (ip: string, port: number): Destination => ({ ip, port, protocol: 'TCP' });

function cx(overrides: Partial<RouteContext> = {}): RouteContext {
  return { mode: 'iptables', ipvsScheduler: 'rr', nodeIp: NODE_IP, fromInsideCluster: true, nowMs: 0, random: () => 0, ...overrides };
}

/** The IP of the first backend dialled, or the decision's kind. */
function picked(d: RouteDecision): string {
  return d.kind === 'forward' ? d.backends[0]!.ip : d.kind;
}

describe('route: which addresses are a service', () => {
  it('the ClusterIP at the service port matches; another port or address is routed as it is', T, () => {
    const index = indexTable([entry()]);
    const st = newRouterState();
    const d = route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx());
    assert.equal(d.kind, 'forward');
    assert.equal(picked(d), '10.244.0.2', 'random() = 0 takes the first endpoint rule (probability 1/4)');
    assert.equal(route(index, st, to(CLUSTER_IP, 81), '100.64.0.1', cx()).kind, 'direct');
    assert.equal(route(index, st, to('10.96.1.2', 80), '100.64.0.1', cx()).kind, 'direct');
    assert.equal(route(index, st, { ip: CLUSTER_IP, port: 80, protocol: 'UDP' }, '100.64.0.1', cx()).kind, 'direct', 'a TCP service port does not match UDP');
  });

  it('a NodePort matches on this node\'s own IP only: another node\'s IP or a pod IP at that port is routed as it is', T, () => {
    const index = indexTable([entry({ nodePort: 30080 })]);
    const st = newRouterState();
    assert.equal(route(index, st, to(NODE_IP, 30080), '203.0.113.1', cx({ fromInsideCluster: false })).kind, 'forward');
    assert.equal(route(index, st, to(OTHER_NODE_IP, 30080), '203.0.113.1', cx({ fromInsideCluster: false })).kind, 'direct');
    assert.equal(route(index, st, to('10.244.0.2', 30080), '100.64.0.1', cx()).kind, 'direct');
    assert.equal(route(index, st, to(NODE_IP, 30081), '203.0.113.1', cx({ fromInsideCluster: false })).kind, 'direct');
  });

  it('a service port without endpoints is rejected (REJECT: refused at once), not dropped', T, () => {
    const index = indexTable([entry({ clusterBackends: [], localBackends: [], nodePort: 30080 })]);
    const st = newRouterState();
    for (const mode of ['iptables', 'ipvs', 'userspace'] as const) {
      const d = route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ mode }));
      assert.equal(d.kind, 'reject', mode);
      assert.equal(d.kind === 'reject' && d.reason, 'no endpoints');
    }
    assert.equal(route(index, st, to(NODE_IP, 30080), '203.0.113.1', cx({ fromInsideCluster: false })).kind, 'reject');
  });
});

describe('route: externalTrafficPolicy Local and loadBalancerSourceRanges', () => {
  it('from outside, a Local NodePort on a node without a local endpoint drops the packet (the client times out)', T, () => {
    const index = indexTable([entry({ nodePort: 30080, externalTrafficPolicyLocal: true, localBackends: [] })]);
    const d = route(index, newRouterState(), to(NODE_IP, 30080), '203.0.113.1', cx({ fromInsideCluster: false }));
    assert.equal(d.kind, 'drop');
    assert.equal(d.kind === 'drop' && d.reason, 'no local endpoints');
  });

  it('with one local endpoint every outside connection goes to it, whatever the random draw; inside traffic and the ClusterIP use all', T, () => {
    const local = backend('10.244.0.9', 'worker-0');
    const all = [...FOUR, local];
    const index = indexTable([entry({ nodePort: 30080, externalTrafficPolicyLocal: true, clusterBackends: all, localBackends: [local] })]);
    const st = newRouterState();
    const rng = seedrandom.alea('local');
    for (let k = 0; k < 200; k++) assert.equal(picked(route(index, st, to(NODE_IP, 30080), '203.0.113.1', cx({ fromInsideCluster: false, random: rng }))), '10.244.0.9');
    // From a pod or node the Local policy does not apply (upstream short-circuits cluster-internal sources to the Cluster path).
    assert.equal(picked(route(index, st, to(NODE_IP, 30080), '10.244.1.5', cx({ fromInsideCluster: true, random: () => 0 }))), '10.244.0.2');
    // externalTrafficPolicy says nothing about the ClusterIP.
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '203.0.113.1', cx({ fromInsideCluster: false, random: () => 0 }))), '10.244.0.2');
  });

  it('a load balancer address drops sources outside loadBalancerSourceRanges; the ClusterIP ignores the ranges', T, () => {
    const index = indexTable([entry({ loadBalancerIps: [LB_IP], loadBalancerSourceRanges: ['192.0.2.0/24', '203.0.113.128/25'] })]);
    const st = newRouterState();
    const outside = route(index, st, to(LB_IP, 80), '203.0.113.5', cx({ fromInsideCluster: false }));
    assert.equal(outside.kind, 'drop');
    assert.equal(outside.kind === 'drop' && outside.reason, 'source outside loadBalancerSourceRanges');
    assert.equal(route(index, st, to(LB_IP, 80), '203.0.113.200', cx({ fromInsideCluster: false })).kind, 'forward', '203.0.113.200 is in 203.0.113.128/25');
    assert.equal(route(index, st, to(LB_IP, 80), '192.0.2.1', cx({ fromInsideCluster: false })).kind, 'forward');
    assert.equal(route(index, st, to(CLUSTER_IP, 80), '203.0.113.5', cx()).kind, 'forward');
  });
});

describe('route: sessionAffinity ClientIP', () => {
  it('a source keeps its backend while it comes back within timeoutSeconds of its last connection, then is chosen anew', T, () => {
    const index = indexTable([entry({ sessionAffinity: { kind: 'ClientIP', timeoutSeconds: 10 } })]);
    const st = newRouterState();
    // iptables' first rule has probability 1/4: random() = 0 takes it, 0.99 falls through to the last.
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ nowMs: 0, random: () => 0 }))), '10.244.0.2');
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ nowMs: 5_000, random: () => 0.99 }))), '10.244.0.2', 'held: the draw is not used');
    // The timeout runs from the last connection: held at 15 s (10 s after 5 s, not more), which renews it; gone at 25.001 s.
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ nowMs: 15_000, random: () => 0.99 }))), '10.244.0.2');
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ nowMs: 25_001, random: () => 0.99 }))), '10.244.0.5');
    // Another source has its own entry.
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.2', cx({ nowMs: 25_002, random: () => 0.99 }))), '10.244.0.5');
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ nowMs: 25_003, random: () => 0 }))), '10.244.0.5');
  });

  it('ipvs persistence: a held client skips the scheduler, so rr does not advance for it', T, () => {
    const index = indexTable([entry({ sessionAffinity: { kind: 'ClientIP', timeoutSeconds: 10_800 } })]);
    const st = newRouterState();
    const ipvs = cx({ mode: 'ipvs', ipvsScheduler: 'rr' });
    const seq = ['A', 'B', 'A', 'A', 'C', 'B', 'D'].map((c) => picked(route(index, st, to(CLUSTER_IP, 80), `100.64.0.${c.charCodeAt(0)}`, ipvs)));
    assert.deepEqual(seq, ['10.244.0.2', '10.244.0.3', '10.244.0.2', '10.244.0.2', '10.244.0.4', '10.244.0.3', '10.244.0.5']);
  });

  it('a backend that left the service breaks the affinity', T, () => {
    const st = newRouterState();
    const before = indexTable([entry({ sessionAffinity: { kind: 'ClientIP', timeoutSeconds: 10_800 } })]);
    assert.equal(picked(route(before, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ random: () => 0 }))), '10.244.0.2');
    const after = indexTable([entry({ sessionAffinity: { kind: 'ClientIP', timeoutSeconds: 10_800 }, clusterBackends: FOUR.slice(1) })]);
    assert.equal(picked(route(after, st, to(CLUSTER_IP, 80), '100.64.0.1', cx({ random: () => 0, nowMs: 1 }))), '10.244.0.3');
  });
});

describe('route: ipvs schedulers weigh the connections the router counts', () => {
  const ipvs = (ipvsScheduler: RouteContext['ipvsScheduler'], nowMs = 0) => cx({ mode: 'ipvs', ipvsScheduler, nowMs });
  const open = (st: RouterState, counts: number[]) => counts.forEach((n, i) => (n > 0 ? st.activeConnections.set(`${FOUR[i]!.ip}:8080`, n) : st.activeConnections.delete(`${FOUR[i]!.ip}:8080`)));

  it('lc, sed and nq take the backend with the fewest open connections, ties to the first', T, () => {
    const index = indexTable([entry()]);
    for (const s of ['lc', 'sed', 'nq'] as const) {
      const st = newRouterState();
      open(st, [2, 1, 3, 1]);
      assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs(s))), '10.244.0.3', s);
      open(st, [2, 1, 0, 1]);
      assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs(s))), '10.244.0.4', `${s}: the idle one`);
    }
  });

  it('with no connection open, sed and nq always take the first backend (weights 1: they are the same scheduler)', T, () => {
    const index = indexTable([entry()]);
    for (const s of ['sed', 'nq'] as const) {
      const st = newRouterState();
      for (let k = 0; k < 5; k++) {
        assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs(s, k * 1000))), '10.244.0.2', s);
        recordClosedConnection(st, '10.244.0.2:8080', k * 1000 + 10);
      }
    }
  });

  it('lc also weighs inactive (closed, in TIME_WAIT for 2 min) connections: active·256 + inactive; sed and nq do not', T, () => {
    const index = indexTable([entry()]);
    const st = newRouterState();
    // No connection open: lc rotates through the backends, each close making a backend less attractive.
    const seq: string[] = [];
    for (let k = 0; k < 6; k++) {
      const d = route(index, st, to(CLUSTER_IP, 80), 'c', ipvs('lc', k * 100));
      seq.push(picked(d));
      recordClosedConnection(st, `${picked(d)}:8080`, k * 100 + 50);
    }
    assert.deepEqual(seq, ['10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5', '10.244.0.2', '10.244.0.3']);
    // Now inactive: 2, 2, 1, 1. One open connection outweighs any 255 inactive ones.
    open(st, [0, 0, 1, 0]);
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs('lc', 600))), '10.244.0.5', 'the fewest active (0), then the fewest inactive (1)');
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs('sed', 600))), '10.244.0.2', 'sed ignores inactive');
    // 2 min after the last close (at 550 ms) every inactive connection has expired: lc ties again, to the first.
    st.activeConnections.clear();
    assert.equal(picked(route(index, st, to(CLUSTER_IP, 80), 'c', ipvs('lc', 550 + IPVS_INACTIVE_MS))), '10.244.0.2');
    assert.equal(st.closedAtMs.size, 0, 'expired closes are forgotten');
  });

  it('rr keeps one position per service port (one virtual server each)', T, () => {
    const web = entry();
    const api = entry({ id: 'default/api:http', service: 'default/api', clusterIp: '10.96.2.2' });
    const index = indexTable([web, api]);
    const st = newRouterState();
    const seq = [CLUSTER_IP, CLUSTER_IP, '10.96.2.2', CLUSTER_IP, '10.96.2.2'].map((ip) => picked(route(index, st, to(ip, 80), 'c', ipvs('rr'))));
    assert.deepEqual(seq, ['10.244.0.2', '10.244.0.3', '10.244.0.2', '10.244.0.4', '10.244.0.3']);
  });
});

describe('route: iptables spreads connections uniformly', () => {
  it('40 000 connections over 4 backends: each gets 25 % ± 1 % (seeded alea "router-iptables")', T, () => {
    // Each backend's count is Binomial(40 000, 1/4): mean 10 000, standard deviation √(40 000·¼·¾) ≈ 86.6.
    // ±1 % is ±400 connections ≈ 4.6 standard deviations: a correct 1/(n−i) chain essentially never
    // misses it, while a chain with a wrong probability (say 1/n on every rule: shares 25 %, 18.75 %,
    // 14 %, 42 %) misses by thousands.
    const index = indexTable([entry()]);
    const st = newRouterState();
    const random = seedrandom.alea('router-iptables');
    const counts = new Map<string, number>();
    let rules = 0;
    for (let k = 0; k < 40_000; k++) {
      const d = route(index, st, to(CLUSTER_IP, 80), `100.64.${k % 200}.${(k % 250) + 1}`, cx({ random, nowMs: k }));
      assert.equal(d.kind, 'forward');
      if (d.kind === 'forward') rules += d.rulesTraversed;
      counts.set(picked(d), (counts.get(picked(d)) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), FOUR.map((b) => b.ip));
    for (const [ip, n] of counts) assert.ok(Math.abs(n / 40_000 - 0.25) <= 0.01, `${ip}: ${n} of 40 000 (${[...counts.values()].join(', ')})`);
    // One KUBE-SERVICES jump, then endpoint rules until one is taken: 1 + (1+2+3+4)/4 = 3.5 on average.
    assert.ok(Math.abs(rules / 40_000 - 3.5) < 0.03, `mean rules ${rules / 40_000}`);
  });
});
