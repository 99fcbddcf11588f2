import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { it } from 'node:test';
import fc from 'fast-check';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { loadScenarioFile, loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';
import { scheduleArb } from '../property/fault-schedule.ts';

/** Specs compare equal once the positions they were read from are set aside. */
function withoutSources(spec: ScenarioSpec): unknown {
  return JSON.parse(JSON.stringify({ ...spec, file: '' }, (key, value) => (key === 'source' ? undefined : value)));
}

it('every shipped scenario survives a write and a reload unchanged', () => {
  for (const f of readdirSync('scenarios').filter((n) => n.endsWith('.yaml'))) {
    const spec = loadScenarioFile(`scenarios/${f}`);
    const again = loadScenarioText(toScenarioYaml(spec), 'rewritten.yaml');
    assert.deepEqual(withoutSources(again), withoutSources(spec), f);
  }
});

it('generated fault schedules survive a write and a reload unchanged (what the fuzzer writes is replayable)', () => {
  fc.assert(
    fc.property(scheduleArb, (spec) => {
      const again = loadScenarioText(toScenarioYaml(spec, 'generated'), 'counterexample.yaml');
      assert.deepEqual(withoutSources(again), withoutSources(spec));
    }),
    { numRuns: 100 },
  );
});
