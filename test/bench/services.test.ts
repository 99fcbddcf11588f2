/** The Services bench's scenario (bench/services.bench.ts) does what it says, so its timings measure kube-proxies programming every Service. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { servicesScenario } from '../../bench/services.bench.ts';
import { coreStateOf } from '../../actors/kernel/core-actor.ts';
import type { KubeProxyState } from '../../actors/kube-proxy/kube-proxy-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

/** Each node's kube-proxy table at the end: service port → ready backends. */
function tables(withServices: boolean): Map<string, Record<string, number>> {
  const { result, sim } = runScenario(loadScenarioText(servicesScenario(4, 3, 1, withServices), '<services-4-3>'));
  assert.equal(result.ok, true);
  const out = new Map<string, Record<string, number>>();
  for (let i = 0; i < 4; i++) {
    const p = coreStateOf(sim.actorOf(`kube-proxy-node-g0-${i}`)!) as KubeProxyState;
    out.set(p.node, Object.fromEntries(p.table.map((e) => [e.id, e.clusterBackends.length])));
  }
  return out;
}

it('with Services, every kube-proxy programs each one with its two ready pods', { timeout: 120_000 }, () => {
  const expected = { 'default/app-0:http': 2, 'default/app-1:http': 2, 'default/app-2:http': 2, 'default/kubernetes:https': 1 };
  for (const [node, table] of tables(true)) assert.deepEqual(table, expected, node);
});

it('without them (the baseline), the same Deployments and only the kubernetes Service', { timeout: 120_000 }, () => {
  for (const [node, table] of tables(false)) assert.deepEqual(table, { 'default/kubernetes:https': 1 }, node);
});
