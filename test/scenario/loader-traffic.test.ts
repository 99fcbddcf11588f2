/** spec.traffic, cluster.dns/externalServers, kubeProxy, dig and the traffic subjects: what loads, and the errors (file:line:column, what, fix). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScenarioError, loadScenarioText } from '../../cli/loader/index.ts';

const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 60s
  cluster:
    etcd: {members: 3}
    nodes:
      - {name: worker, count: 2, kubeProxy: {mode: ipvs, ipvsScheduler: sh}}
    externalServers:
      - {name: billing-db, ip: 192.0.2.10, dnsName: db.example.com}
`;

function error(text: string): ScenarioError {
  try {
    loadScenarioText(text, 'inline.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err;
  }
  assert.fail('the scenario loaded');
}

describe('loading traffic', () => {
  it('a source, its defaults, the kube-proxy settings, cluster DNS on because there is traffic', () => {
    const spec = loadScenarioText(`${HEAD}  traffic:\n    - {name: shoppers, from: {node: worker-1}, to: web:80, rate: 90/min, clients: 3}\n`, 'inline.yaml');
    const t = spec.traffic?.[0];
    assert.deepEqual(
      { from: t?.from, to: t?.to, rate: t?.ratePerSecond, clients: t?.clients, arrival: t?.arrival, timeoutMs: t?.timeoutMs, holdMs: t?.holdMs, startMs: t?.startMs, stopMs: t?.stopMs, ns: t?.namespace },
      { from: { node: 'worker-1' }, to: { host: 'web', port: 80 }, rate: 1.5, clients: 3, arrival: 'constant', timeoutMs: 2000, holdMs: 0, startMs: 0, stopMs: 60_000, ns: 'default' },
    );
    assert.deepEqual(spec.cluster.kubernetes?.nodes[1]?.kubeProxy, { mode: 'ipvs', ipvsScheduler: 'sh', ipvsUnavailable: false });
    assert.deepEqual(spec.cluster.kubernetes?.dns, { enabled: true, replicas: 2 });
    assert.deepEqual(spec.cluster.kubernetes?.externalServers?.map((e) => [e.name, e.ip, e.dnsName]), [['billing-db', '192.0.2.10', 'db.example.com']]);
  });

  it('no traffic: no DNS addon unless asked for', () => {
    assert.equal(loadScenarioText(HEAD, 'inline.yaml').cluster.kubernetes?.dns, undefined);
    const asked = loadScenarioText(HEAD.replace('    externalServers:', '    dns: {replicas: 1}\n    externalServers:'), 'inline.yaml');
    assert.deepEqual(asked.cluster.kubernetes?.dns, { enabled: true, replicas: 1 });
  });

  it('a bad `to`, an unknown node, a rate out of range, an unknown mode: located errors with a fix', () => {
    let e = error(`${HEAD}  traffic:\n    - {name: s, from: {node: worker-1}, to: web, rate: 1/s}\n`);
    assert.equal(`${e.line}:${e.column}`, '13:45');
    assert.match(e.format(), /spec\.traffic\[0\]\.to is "web"[\s\S]*host:port[\s\S]*write it like web:80/);
    e = error(`${HEAD}  traffic:\n    - {name: s, from: {node: worker-7}, to: web:80, rate: 1/s}\n`);
    assert.match(e.format(), /worker-7/);
    e = error(`${HEAD}  traffic:\n    - {name: s, from: {node: worker-1}, to: web:80, rate: 5000/s}\n`);
    assert.match(e.format(), /at most 2000\/s/);
    e = error(HEAD.replace('mode: ipvs', 'mode: nftables'));
    assert.match(e.format(), /nftables/);
    assert.match(e.format(), /iptables, ipvs, userspace|iptables/);
  });

  it('an external source cannot name a Service (nothing resolves it outside the cluster)', () => {
    const e = error(`${HEAD}  traffic:\n    - {name: s, from: external, to: web:80, rate: 1/s}\n`);
    assert.match(e.format(), /cannot be reached from outside the cluster by name[\s\S]*worker-0:30080/);
  });

  it('an external server inside the cluster address spaces is refused', () => {
    const e = error(HEAD.replace('ip: 192.0.2.10', 'ip: 10.244.0.9'));
    assert.match(e.format(), /inside an address space the cluster uses/);
  });

  it('that.traffic names a declared source; that.dns the id of a dig step', () => {
    let e = error(`${HEAD}  traffic:\n    - {name: s, from: {node: worker-1}, to: web:80, rate: 1/s}\n  expect:\n    - {name: x, at: 10s, that: {traffic: {source: nope, ok: 1}}}\n`);
    assert.match(e.format(), /no traffic source "nope"[\s\S]*declares s/);
    e = error(`${HEAD}  traffic:\n    - {name: s, from: {node: worker-1}, to: web:80, rate: 1/s}\n  expect:\n    - {name: x, at: 10s, that: {dns: {id: q9}}}\n`);
    assert.match(e.format(), /"q9" is not the id of a dig step/);
    const ok = loadScenarioText(
      `${HEAD}  timeline:\n    - {at: 5s, dig: {node: worker-0, name: _http._tcp.web.default.svc.cluster.local, type: SRV, id: q1}}\n  expect:\n    - {name: x, at: 10s, that: {dns: {id: q1, rcode: NOERROR, answers: 1}}}\n`,
      'inline.yaml',
    );
    assert.deepEqual(ok.timeline[0]?.action, { verb: 'dig', node: 'worker-0', name: '_http._tcp.web.default.svc.cluster.local', qtype: 'SRV', id: 'q1' });
  });
});
