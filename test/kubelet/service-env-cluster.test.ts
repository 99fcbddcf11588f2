/**
 * Service environment variables in a cluster (seed 000's ordering): a pod started before a Service
 * exists has no variables for it; one started after has them; `enableServiceLinks: false` keeps
 * only `kubernetes`'s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { coreStateOf } from '../../actors/kernel/core-actor.ts';
import { podServiceEnvironments, type KubeletState } from '../../actors/kubelet/kubelet-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const pod = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...extra } });

const scenario = stringify({
  apiVersion: 'kubesim.io/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'service-env' },
  spec: {
    seed: 1,
    duration: '40s',
    cluster: { etcd: { members: 3 }, controlPlane: { apiservers: 1, schedulers: 1, controllerManagers: 1 }, nodes: [{ name: 'worker', count: 1 }] },
    workload: [pod('early')],
    timeline: [
      { at: '10s', apply: { manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis-primary' }, spec: { selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379 }] } } } },
      { at: '15s', apply: { manifest: pod('late') } },
      { at: '15s', apply: { manifest: pod('unlinked', { enableServiceLinks: false }) } },
    ],
  },
});

describe('service environment variables in a cluster', { timeout: 200_000 }, () => {
  it('only the Services that existed when the pod started', { timeout: 150_000 }, () => {
    let envs: Map<string, string[]> | undefined;
    runScenario(loadScenarioText(scenario, 'service-env.yaml'), {
      onEvent: (sim) => {
        if (envs || sim.now() < 39_000) return;
        envs = new Map(podServiceEnvironments(coreStateOf(sim.actorOf('worker-0')!) as KubeletState).map((p) => [p.pod, p.env.map((v) => `${v.name}=${v.value}`)]));
      },
    });
    const early = envs!.get('default/early')!;
    const late = envs!.get('default/late')!;
    const unlinked = envs!.get('default/unlinked')!;
    assert.ok(early.includes('KUBERNETES_SERVICE_HOST=10.96.0.1'), early.join('\n'));
    assert.ok(!early.some((v) => v.startsWith('REDIS_PRIMARY_')), 'created after the pod started');
    assert.ok(late.some((v) => /^REDIS_PRIMARY_SERVICE_HOST=10\.\d+\.\d+\.\d+$/.test(v)), late.join('\n'));
    assert.ok(late.includes('REDIS_PRIMARY_SERVICE_PORT_REDIS=6379'));
    assert.ok(!unlinked.some((v) => v.startsWith('REDIS_PRIMARY_')) && unlinked.includes('KUBERNETES_SERVICE_PORT=443'));
  });
});
