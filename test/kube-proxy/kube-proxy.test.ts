/**
 * kube-proxy on every node follows Services and EndpointSlices: a Deployment's three ready pods
 * behind a NodePort Service are programmed on every node; scaled to one, the rules follow within
 * the minimum sync period; a crashed node's kube-proxy goes down with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { coreStateOf } from '../../actors/kernel/core-actor.ts';
import type { Simulation } from '../../actors/kernel/simulation.ts';
import type { KubeProxyState } from '../../actors/kube-proxy/kube-proxy-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const scenario = stringify({
  apiVersion: 'kubesim.io/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'kube-proxy-follows' },
  spec: {
    seed: 3,
    duration: '70s',
    cluster: { etcd: { members: 3 }, controlPlane: { apiservers: 1, schedulers: 1, controllerManagers: 1 }, nodes: [{ name: 'worker', count: 2 }] },
    workload: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    ],
    timeline: [
      { at: '30s', scale: { object: 'deployment/web', replicas: 1 } },
      { at: '60s', crash: 'worker-1' },
    ],
  },
});

const backendsOn = (sim: Simulation, node: string): string[] | undefined => {
  const actor = sim.actorOf(`kube-proxy-${node}`);
  if (!actor) return undefined;
  const web = (coreStateOf(actor) as KubeProxyState).table.find((e) => e.id === 'default/web:http');
  return web?.clusterBackends.map((b) => `${b.ip}:${b.port}`);
};

describe('kube-proxy', { timeout: 300_000 }, () => {
  it('programs the ready endpoints on every node and follows a scale-down within the sync period', { timeout: 200_000 }, () => {
    const samples = new Map<number, (string[] | undefined)[]>();
    let scaledAtMs: number | undefined;
    let followedAtMs: number | undefined;
    const spec = loadScenarioText(scenario, 'kube-proxy-follows.yaml');
    runScenario(spec, {
      onEvent: (sim) => {
        const now = sim.now();
        for (const at of [25_000, 59_000, 65_000]) if (now >= at && !samples.has(at)) samples.set(at, [backendsOn(sim, 'worker-0'), backendsOn(sim, 'worker-1')]);
        if (now >= 30_000 && scaledAtMs === undefined) scaledAtMs = now;
        const b = backendsOn(sim, 'worker-0');
        if (scaledAtMs !== undefined && followedAtMs === undefined && b?.length === 1) followedAtMs = now;
      },
    });
    const [w0, w1] = samples.get(25_000)!;
    assert.equal(w0?.length, 3, 'three ready backends programmed');
    assert.deepEqual(w0, w1, 'the same on both nodes');
    assert.ok(w0!.every((b) => b.endsWith(':8080')), 'the named target port resolved');
    assert.equal(samples.get(59_000)![0]?.length, 1);
    assert.ok(followedAtMs !== undefined && followedAtMs - scaledAtMs! < 15_000, `followed ${followedAtMs} after the scale at ${scaledAtMs}`);
    assert.equal(samples.get(65_000)![1], undefined, 'worker-1 crashed: its kube-proxy is down');
  });
});
