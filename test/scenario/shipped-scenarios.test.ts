import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

const scenarioDir = 'scenarios';
const files = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(scenarioDir, f));

describe('every shipped scenario', () => {
  it('exists', () => assert.ok(files.length >= 3, `found ${files.join(', ')}`));
  for (const file of files) {
    it(`${file} passes and replays with the same fingerprint`, () => {
      const first = runScenario(loadScenarioFile(file)).result;
      const failed = first.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
      assert.deepEqual(failed, [], `${file}: expectations failed`);
      assert.deepEqual(first.violations, []);
      assert.equal(first.ok, true);
      const second = runScenario(loadScenarioFile(file)).result;
      assert.equal(second.fingerprint, first.fingerprint, `${file}: same seed, different trace`);
      assert.equal(second.events, first.events);
    });
  }
});

describe('etcd-split-brain.yaml across seeds', () => {
  it('20 seeds give at least 15 different fingerprints, and every seed keeps every expectation', () => {
    const fingerprints = new Set<string>();
    const failures: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const { result } = runScenario(loadScenarioFile('scenarios/etcd-split-brain.yaml', { seed: String(seed) }));
      fingerprints.add(result.fingerprint);
      if (!result.ok) failures.push(`seed ${seed}: ${result.expectations.filter((e) => !e.ok).map((e) => e.name).join('; ')} ${result.stopReason ?? ''}`);
    }
    assert.ok(fingerprints.size >= 15, `only ${fingerprints.size} distinct fingerprints`);
    assert.deepEqual(failures, []);
  });
});
