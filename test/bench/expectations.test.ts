/** The expectation-cost bench's scenario (bench/expectations.bench.ts) loads and holds, so its timings measure a run that did what it says. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { wavesScenario } from '../../bench/expectations.bench.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';
import { runScenario } from '../../actors/scenario/runner.ts';

it('the two-wave scenario holds at 4 nodes: 5 pods per wave run, both Deployments available', () => {
  const spec = loadScenarioText(wavesScenario(4, true), '<waves-4>');
  assert.equal(spec.cluster.kubernetes?.nodes.length, 4);
  const { result } = runScenario(spec);
  assert.deepEqual(
    result.expectations.map((e) => [e.name, e.ok]),
    [
      ['the first wave runs', true],
      ['the first Deployment is available', true],
      ['the second wave runs', true],
      ['the second Deployment is available', true],
      ['the first wave keeps running during the second', true],
    ],
  );
  assert.equal(result.ok, true);
});

it('without expectations the same cluster and timeline, and nothing to check', () => {
  const spec = loadScenarioText(wavesScenario(4, false), '<waves-4>');
  assert.equal(spec.expectations.length, 0);
  assert.equal(spec.timeline.length, 2);
  assert.equal(spec.cluster.kubernetes?.nodes.length, 4);
});
