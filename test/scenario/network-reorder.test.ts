import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulation } from '../../actors/scenario/build.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { reorderDelayMsMaxOf } from '../../actors/scenario/spec.ts';
import { loadScenarioText, ScenarioError } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';

/** A small etcd scenario with a network section; writes while messages are reordered. */
const scenario = (network: string): string => `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  seed: 3
  duration: 6s
  cluster:
    etcd: {members: 3}
    network: ${network}
  clients: [{name: app, kind: etcd}]
  timeline:
    - {at: 3s, put: {client: app, key: /a, value: "1"}}
    - {at: 4s, put: {client: app, key: /b, value: "2"}}
`;

function loadError(text: string): ScenarioError {
  try {
    loadScenarioText(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  assert.fail('expected a ScenarioError');
}

describe('spec.cluster.network.reorderDelay', () => {
  it('is loaded as milliseconds; without it the delay is 10 × the latency max, at least 10 ms', { timeout: 20_000 }, () => {
    const given = loadScenarioText(scenario('{reorder: 10%, reorderDelay: 30ms}'), 'x.yaml').cluster.network;
    assert.equal(given.reorderDelayMsMax, 30);
    assert.equal(reorderDelayMsMaxOf(given), 30);
    const absent = loadScenarioText(scenario('{reorder: 10%}'), 'x.yaml').cluster.network;
    assert.equal('reorderDelayMsMax' in absent, false);
    assert.equal(reorderDelayMsMaxOf(absent), 50);
    assert.equal(reorderDelayMsMaxOf(loadScenarioText(scenario('{latency: 2ms-8ms}'), 'x.yaml').cluster.network), 80);
    assert.equal(reorderDelayMsMaxOf(loadScenarioText(scenario('{latency: 0ms}'), 'x.yaml').cluster.network), 10);
  });

  it('reaches the kernel network', { timeout: 20_000 }, () => {
    const spec = loadScenarioText(scenario('{reorder: 10%, reorderDelay: 200ms}'), 'x.yaml');
    assert.equal(createSimulation(spec, {}).network.getOptions().reorderDelayMsMax, 200);
    const defaulted = loadScenarioText(scenario('{latency: 3ms}'), 'x.yaml');
    assert.equal(createSimulation(defaulted, {}).network.getOptions().reorderDelayMsMax, 30);
  });

  it('the default written out is the same run; another delay is another run', { timeout: 60_000 }, () => {
    const run = (network: string) => runScenario(loadScenarioText(scenario(network), 'x.yaml')).result.fingerprint;
    const absent = run('{reorder: 30%}');
    assert.equal(run('{reorder: 30%, reorderDelay: 50ms}'), absent);
    assert.notEqual(run('{reorder: 30%, reorderDelay: 400ms}'), absent);
  });

  it('is refused at 0, above 1m, without a unit, or as a number', { timeout: 20_000 }, () => {
    const cases: [string, string[]][] = [
      ['{reorderDelay: 0s}', ['spec.cluster.network.reorderDelay is 0', 'out of range', 'above 0 and at most 1m']],
      ['{reorderDelay: 2m}', ['spec.cluster.network.reorderDelay is 2m', 'out of range']],
      ['{reorderDelay: "50"}', ['invalid duration "50" in spec.cluster.network.reorderDelay']],
      ['{reorderDelay: 50}', ['spec.cluster.network.reorderDelay']],
      ['{reorderDelays: 50ms}', ['unknown field "reorderDelays"', 'did you mean "reorderDelay"?']],
    ];
    for (const [network, words] of cases) {
      const err = loadError(scenario(network));
      assert.equal(err.line, 9, err.format());
      for (const w of words) assert.ok(err.message.includes(w), `${network}: ${err.message}`);
    }
  });

  it('survives a write and a reload', { timeout: 20_000 }, () => {
    const spec = loadScenarioText(scenario('{latency: 1ms-4ms, reorder: 5%, reorderDelay: 1500ms}'), 'x.yaml');
    const again = loadScenarioText(toScenarioYaml(spec), 'again.yaml');
    assert.deepEqual(again.cluster.network, spec.cluster.network);
    const plain = loadScenarioText(scenario('{reorder: 5%}'), 'x.yaml');
    assert.deepEqual(loadScenarioText(toScenarioYaml(plain), 'again.yaml').cluster.network, plain.cluster.network);
  });
});
