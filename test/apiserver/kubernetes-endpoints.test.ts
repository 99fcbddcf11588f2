/**
 * The `kubernetes` Service's endpoints, kept by the apiservers' lease reconciler: every ready
 * apiserver's address on 6443; a crashed one's leaves once its 15 s lease has run out (at the
 * next 10 s tick of a live apiserver); kube-proxy programs them like any Service's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { ApiServerHostState } from '../../actors/apiserver/apiserver.ts';
import { liveMasterAddresses, masterLeaseValue } from '../../actors/apiserver/endpoint-reconciler.ts';
import { coreStateOf } from '../../actors/kernel/core-actor.ts';
import type { KubeProxyState } from '../../actors/kube-proxy/kube-proxy-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const scenario = stringify({
  apiVersion: 'kubesim.io/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'kubernetes-endpoints' },
  spec: {
    seed: 2,
    duration: '80s',
    cluster: { etcd: { members: 3 }, controlPlane: { apiservers: 3, schedulers: 1, controllerManagers: 1 }, nodes: [{ name: 'worker', count: 1 }] },
    timeline: [{ at: '30s', crash: 'kube-apiserver-2' }],
  },
});

describe('the kubernetes Service endpoints', { timeout: 200_000 }, () => {
  it('master leases: live until their expiry, sorted', { timeout: 10_000 }, () => {
    const leases = [
      { key: '/registry/masterleases/172.18.255.3', value: masterLeaseValue(1_000) },
      { key: '/registry/masterleases/172.18.255.2', value: masterLeaseValue(5_000) },
      { key: '/registry/masterleases/bad', value: 'not json' },
    ];
    assert.deepEqual(liveMasterAddresses(leases, 15_999), ['172.18.255.2', '172.18.255.3']);
    assert.deepEqual(liveMasterAddresses(leases, 16_000), ['172.18.255.2']);
  });

  it('every apiserver on 6443; a crashed one leaves within lease + interval', { timeout: 150_000 }, () => {
    const seen = new Map<number, string[]>();
    let kubeProxyBackends: string[] = [];
    let leftAtMs: number | undefined;
    runScenario(loadScenarioText(scenario, 'kubernetes-endpoints.yaml'), {
      onEvent: (sim) => {
        const now = sim.now();
        const actor = sim.actorOf('kube-apiserver-0');
        if (!actor) return;
        const ep = coreStateOf<ApiServerHostState>(actor)!.core.lookup.get('endpoints', 'default', 'kubernetes');
        const ips = ((ep?.['subsets'] as { addresses: { ip: string }[] }[] | undefined)?.[0]?.addresses ?? []).map((a) => a.ip);
        for (const at of [25_000, 79_000]) if (now >= at && !seen.has(at)) seen.set(at, ips);
        if (now > 30_000 && leftAtMs === undefined && ips.length === 2) leftAtMs = now;
        if (now >= 79_000 && kubeProxyBackends.length === 0) {
          const table = (coreStateOf(sim.actorOf('kube-proxy-worker-0')!) as KubeProxyState).table;
          kubeProxyBackends = table.find((e) => e.id === 'default/kubernetes:https')!.clusterBackends.map((b) => `${b.ip}:${b.port}`);
        }
      },
    });
    assert.deepEqual(seen.get(25_000), ['172.18.255.2', '172.18.255.3', '172.18.255.4']);
    assert.deepEqual(seen.get(79_000), ['172.18.255.2', '172.18.255.3']);
    assert.ok(leftAtMs !== undefined && leftAtMs - 30_000 <= 15_000 + 10_000 + 1_000, `left at ${leftAtMs}`);
    assert.deepEqual(kubeProxyBackends, ['172.18.255.2:6443', '172.18.255.3:6443']);
  });
});
