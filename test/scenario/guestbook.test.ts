/**
 * The guestbook example (Redis master, 2 Redis replicas, 3 PHP frontends, each behind a Service;
 * the frontend's of type NodePort) applied unchanged to a 3-worker cluster: every pod Running and
 * Ready, every Service given a ClusterIP from the service CIDR 10.96.0.0/12, Endpoints with 1, 2
 * and 3 ready addresses, and a nodePort from the default range 30000-32767.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { Run } from '../../actors/scenario/runner.ts';
import { runGuestbook, startGuestbook } from './guestbook-cluster.ts';

interface ServiceJson extends KubeObject {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: { port: number; targetPort?: number | string; nodePort?: number }[] };
}
interface EndpointsJson extends KubeObject {
  subsets?: { addresses?: { ip: string; targetRef?: { name?: string } }[]; notReadyAddresses?: unknown[]; ports?: { port: number }[] }[];
}

/** 10.96.0.0/12 is 10.96.0.0 - 10.111.255.255: first octet 10, second 96..111. */
function inServiceCidr(ip: string): boolean {
  const [a, b, c, d] = ip.split('.').map(Number);
  return a === 10 && b! >= 96 && b! <= 111 && c! >= 0 && c! <= 255 && d! >= 0 && d! <= 255;
}

const GUESTBOOK_SERVICES = { 'redis-master': { replicas: 1, port: 6379 }, 'redis-replica': { replicas: 2, port: 6379 }, frontend: { replicas: 3, port: 80 } } as const;

describe('the guestbook example on a 3-worker cluster', { timeout: 300_000 }, () => {
  let run: Run;
  before(() => {
    run = runGuestbook({
      expect: [
        { name: 'all six pods Running and Ready', within: { after: '0s', limit: '80s' }, that: { pods: { phase: 'Running', ready: true, count: 6 } } },
        { name: 'clients reach the frontend through its Service', at: '90s', that: { traffic: { source: 'visitors', requests: 100, successRate: { atLeast: 1 }, backends: 3 } } },
      ],
      // A client on a worker asks for the front end by its Service name: DNS, kube-proxy, a frontend pod.
      traffic: [{ name: 'visitors', from: { node: 'worker-0' }, clients: 2, to: 'frontend:80', rate: '5/s', start: '60s', stop: '80s' }],
    });
  });

  it('runs to the end with its expectation met and no invariant broken', { timeout: 300_000 }, () => {
    assert.deepEqual(run.result.expectations.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`), []);
    assert.deepEqual(run.result.violations, []);
    assert.equal(run.result.status, 'done');
  });

  it('a client request through the frontend Service succeeds, answered by each of the 3 frontend pods', () => {
    const traffic = run.result.expectations.find((x) => x.name === 'clients reach the frontend through its Service');
    assert.ok(traffic?.ok, traffic?.detail);
    assert.match(traffic!.detail, /100 request\(s\) \(ok 100\)/);
  });

  it('every pod is Running and Ready: 1 redis master, 2 replicas, 3 frontends, on the three workers', () => {
    const pods = run.state.list('pods', 'default') as (KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } })[];
    const notReady = pods.filter((p) => p.status?.phase !== 'Running' || !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    assert.deepEqual(notReady.map((p) => p.metadata?.name), []);
    const count = (labels: Record<string, string>) => pods.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length;
    assert.equal(count({ app: 'redis', role: 'master' }), 1);
    assert.equal(count({ app: 'redis', role: 'replica' }), 2);
    assert.equal(count({ app: 'guestbook', tier: 'frontend' }), 3);
    assert.equal(pods.length, 6);
    assert.ok(pods.every((p) => /^worker-\d$/.test(p.spec?.nodeName ?? '')));
  });

  it('every Service has a ClusterIP inside 10.96.0.0/12, and they are distinct', () => {
    const services = run.state.list('services', 'default') as ServiceJson[];
    const ips = Object.keys(GUESTBOOK_SERVICES).map((name) => services.find((s) => s.metadata?.name === name)?.spec?.clusterIP ?? '(none)');
    for (const s of services) assert.ok(inServiceCidr(s.spec?.clusterIP ?? ''), `${s.metadata?.name}: ${s.spec?.clusterIP}`);
    assert.equal(new Set(ips).size, 3, ips.join(', '));
    assert.ok(!inServiceCidr('10.112.0.1') && !inServiceCidr('10.95.255.255') && inServiceCidr('10.111.255.254'), 'the range check itself');
  });

  it('Endpoints list 1, 2 and 3 ready addresses (none not ready) on the container ports', () => {
    for (const [name, want] of Object.entries(GUESTBOOK_SERVICES)) {
      const ep = run.state.get('endpoints', 'default', name) as EndpointsJson | undefined;
      assert.ok(ep, `endpoints/${name}`);
      const ready = (ep.subsets ?? []).flatMap((s) => s.addresses ?? []);
      const notReady = (ep.subsets ?? []).flatMap((s) => s.notReadyAddresses ?? []);
      assert.equal(ready.length, want.replicas, `${name} ready addresses`);
      assert.equal(notReady.length, 0, `${name} not-ready addresses`);
      assert.deepEqual((ep.subsets ?? []).map((s) => s.ports?.map((p) => p.port)), [[want.port]]);
      assert.equal(new Set(ready.map((a) => a.ip)).size, want.replicas, 'one address per pod');
    }
  });

  it("the frontend's NodePort Service got a nodePort within 30000-32767 for port 80", () => {
    const frontend = run.state.get('services', 'default', 'frontend') as ServiceJson;
    assert.equal(frontend.spec?.type, 'NodePort');
    const [port] = frontend.spec?.ports ?? [];
    assert.equal(port?.port, 80);
    assert.ok(port?.nodePort !== undefined && port.nodePort >= 30000 && port.nodePort <= 32767, `nodePort ${port?.nodePort}`);
    for (const name of ['redis-master', 'redis-replica']) {
      const s = run.state.get('services', 'default', name) as ServiceJson;
      assert.equal(s.spec?.type, 'ClusterIP');
      assert.equal(s.spec?.ports?.[0]?.nodePort, undefined, `${name} has no nodePort`);
    }
  });

  it('startGuestbook hands back a live cluster: run to 60 s, read the frontend Endpoints, then carry on', { timeout: 300_000 }, () => {
    const { sim, world } = startGuestbook();
    sim.runUntil(60_000);
    const ep = world.state.get('endpoints', 'default', 'frontend') as EndpointsJson | undefined;
    assert.equal((ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).length, 3);
    let fired = -1;
    sim.clock.at(61_000, () => (fired = sim.now()));
    sim.runUntil(62_000);
    assert.equal(fired, 61_000);
  });
});
