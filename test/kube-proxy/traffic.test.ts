/** kube-proxy's core carrying traffic: forwarding with itself as the return path, REJECT, userspace's retries, healthz and healthCheckNodePort (driven step by step). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApiClient } from '../../actors/client/api-client.ts';
import type { Output } from '../../actors/kernel/output.ts';
import { kubeProxyCore, newKubeProxy, DEFAULT_KUBE_PROXY_CONFIG, type KubeProxyConfig, type KubeProxyState } from '../../actors/kube-proxy/kube-proxy-core.ts';
import { indexTable } from '../../actors/kube-proxy/router.ts';
import type { Backend, ServicePortEntry } from '../../actors/kube-proxy/service-table.ts';
import { AddressPlan } from '../../actors/traffic/addresses.ts';
import type { HealthProbeResult, TrafficRequest, TrafficResponse } from '../../actors/traffic/protocol.ts';

const T = { timeout: 10_000 };
const backend = (ip: string, node: string, pod: string): Backend => ({ ip, port: 8080, nodeName: node, pod, ready: true, serving: true, terminating: false });

function proxy(config: Partial<KubeProxyConfig>, backends: Backend[], extra: Partial<ServicePortEntry> = {}): KubeProxyState {
  const addresses = new AddressPlan();
  addresses.addNode('worker-0', 0);
  addresses.addNode('worker-1', 1);
  const p = newKubeProxy('worker-0', { ...DEFAULT_KUBE_PROXY_CONFIG, ...config }, newApiClient({ name: 'kube-proxy-worker-0', server: 'vip', token: 't', requestTimeoutMs: 10_000, readIdleTimeoutMs: 90_000 }), addresses, () => 0);
  const entry: ServicePortEntry = {
    id: 'default/web:http', service: 'default/web', portName: 'http', protocol: 'TCP', clusterIp: '10.96.0.50', port: 80, externalIps: [], loadBalancerIps: [], loadBalancerSourceRanges: [],
    sessionAffinity: { kind: 'None' }, externalTrafficPolicyLocal: false, internalTrafficPolicyLocal: false, clusterBackends: backends, localBackends: backends.filter((b) => b.nodeName === 'worker-0'), ...extra,
  };
  p.table = [entry];
  p.index = indexTable(p.table);
  p.syncs = 1;
  return p;
}

const request = (id: string): TrafficRequest => ({ type: 'TrafficRequest', id, sourceIp: '100.64.0.1', dst: { ip: '10.96.0.50', port: 80, protocol: 'TCP' }, replyTo: 'traffic-shoppers', holdMs: 0 });
const step = (p: KubeProxyState, input: Parameters<typeof kubeProxyCore.step>[1], nowMs = 1000): Output => kubeProxyCore.step(p, input, nowMs);

describe('kube-proxy carrying traffic', () => {
  it('iptables: DNAT to the backend pod\'s node, itself as the return path; the answer is relayed to the client', T, () => {
    const p = proxy({}, [backend('10.244.1.5', 'worker-1', 'web-a')]);
    let out = step(p, request('c#1'));
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficRequest).dst.ip, (s.msg as TrafficRequest).replyTo]), [['worker-1', '10.244.1.5', 'kube-proxy-worker-0']]);
    out = step(p, { type: 'TrafficResponse', id: 'c#1', outcome: 'ok', backend: { ip: '10.244.1.5', port: 8080, node: 'worker-1', pod: 'web-a' } });
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficResponse).outcome, (s.msg as TrafficResponse).attempts]), [['traffic-shoppers', 'ok', 1]]);
    assert.equal(p.conntrack.size, 0);
  });

  it('no endpoints: the REJECT rule answers refused at once, nothing is forwarded', T, () => {
    const out = step(proxy({}, []), request('c#1'));
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficResponse).outcome, (s.msg as TrafficResponse).reason]), [['traffic-shoppers', 'refused', 'no endpoints']]);
  });

  it('userspace: a refused dial goes to the next backend; the client sees one success after 2 attempts', T, () => {
    const p = proxy({ mode: 'userspace' }, [backend('10.244.1.5', 'worker-1', 'web-a'), backend('10.244.0.7', 'worker-0', 'web-b')]);
    let out = step(p, request('c#1'));
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficRequest).handshake]), [['worker-1', true]]);
    assert.deepEqual(out.timers.map((t) => [t.id, t.delayMs]), [['dial:c#1', 250]]);
    out = step(p, { type: 'TrafficResponse', id: 'c#1', outcome: 'refused', reason: 'connection refused' });
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficRequest).dst.ip]), [['worker-0', '10.244.0.7']]);
    assert.deepEqual(out.timers.map((t) => [t.id, t.delayMs]), [['dial:c#1', 500]], 'the second dial waits 500 ms');
    step(p, { type: 'TrafficResponse', id: 'c#1', outcome: 'accepted' });
    out = step(p, { type: 'TrafficResponse', id: 'c#1', outcome: 'ok' });
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficResponse).outcome, (s.msg as TrafficResponse).attempts]), [['traffic-shoppers', 'ok', 2]]);
  });

  it('userspace: dial timeouts on every backend close the client connection (refused) after trying each', T, () => {
    const p = proxy({ mode: 'userspace' }, [backend('10.244.1.5', 'worker-1', 'web-a'), backend('10.244.1.6', 'worker-1', 'web-b')]);
    step(p, request('c#1'));
    let out = step(p, { type: 'KubeProxyDialTimeout', id: 'c#1', attempt: 1 }, 1250);
    assert.equal((out.sends[0]?.msg as TrafficRequest).dst.ip, '10.244.1.6');
    out = step(p, { type: 'KubeProxyDialTimeout', id: 'c#1', attempt: 2 }, 1750);
    assert.deepEqual(out.sends.map((s) => [s.to, (s.msg as TrafficResponse).outcome, (s.msg as TrafficResponse).attempts]), [['traffic-shoppers', 'refused', 2]]);
  });

  it('ipvs lc: a second connection goes to the backend without one open', T, () => {
    const p = proxy({ mode: 'ipvs', ipvsScheduler: 'lc' }, [backend('10.244.1.5', 'worker-1', 'web-a'), backend('10.244.1.6', 'worker-1', 'web-b')]);
    const a = step(p, request('c#1'));
    const b = step(p, request('c#2'));
    assert.deepEqual([(a.sends[0]?.msg as TrafficRequest).dst.ip, (b.sends[0]?.msg as TrafficRequest).dst.ip], ['10.244.1.5', '10.244.1.6']);
    assert.deepEqual([...p.router.activeConnections], [['10.244.1.5:8080', 1], ['10.244.1.6:8080', 1]]);
  });

  it('ipvs where ipvs is unavailable runs iptables', T, () => {
    assert.equal(proxy({ mode: 'ipvs', ipvsUnavailable: true }, []).mode, 'iptables');
  });

  it('health checks: healthz once programmed; a healthCheckNodePort healthy only with a local endpoint; an unknown port does not answer', T, () => {
    const local = proxy({}, [backend('10.244.0.7', 'worker-0', 'web-a')], { healthCheckNodePort: 31000 });
    const remote = proxy({}, [backend('10.244.1.5', 'worker-1', 'web-a')], { healthCheckNodePort: 31000 });
    const probe = (port: number) => ({ type: 'HealthProbe' as const, port, replyTo: 'cloud-load-balancer', seq: 7 });
    const result = (out: Output) => out.sends.map((s) => s.msg as HealthProbeResult).map((r) => [r.port, r.healthy, r.localEndpoints]);
    assert.deepEqual(result(step(local, probe(10256))), [[10256, true, 0]]);
    assert.deepEqual(result(step(local, probe(31000))), [[31000, true, 1]]);
    assert.deepEqual(result(step(remote, probe(31000))), [[31000, false, 0]]);
    assert.deepEqual(result(step(remote, probe(31999))), []);
  });
});
