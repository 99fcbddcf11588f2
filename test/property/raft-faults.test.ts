import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { scheduleArb } from './fault-schedule.ts';

/** Runs per `npm test`; KUBESIM_PROPERTY_RUNS raises it for a longer hunt. */
const numRuns = Number(process.env.KUBESIM_PROPERTY_RUNS ?? 200);

function describe(spec: ScenarioSpec): string {
  const n = spec.cluster.network;
  const steps = spec.timeline.map((s) => `${s.atMs}ms ${JSON.stringify(s.action)}`).join('\n    ');
  return `${spec.cluster.etcd.members} members, preVote ${spec.cluster.etcd.preVote}, seed ${spec.seed}, loss ${n.lossProbability}, dup ${n.duplicateProbability}, reorder ${n.reorderProbability}\n    ${steps}`;
}

it(`every safety invariant holds and the group recovers, on ${numRuns} random fault schedules`, () => {
  const details = fc.check(
    fc.property(scheduleArb, (spec) => {
      const { result } = runScenario(spec);
      assert.deepEqual(result.violations, [], `invariant violated:\n    ${describe(spec)}`);
      assert.equal(result.status, 'done', `run did not finish: ${result.stopReason}`);
      const failed = result.expectations.filter((e) => !e.ok);
      assert.deepEqual(failed.map((e) => e.detail), [], `liveness failed:\n    ${describe(spec)}`);
    }),
    { numRuns, seed: process.env.KUBESIM_PROPERTY_SEED ? Number(process.env.KUBESIM_PROPERTY_SEED) : undefined },
  );
  if (details.failed) {
    const replay = `KUBESIM_PROPERTY_SEED=${details.seed} node --import tsx --test test/property/raft-faults.test.ts  (fast-check path ${details.counterexamplePath})`;
    let written = '';
    const shrunk = details.counterexample?.[0];
    if (shrunk) {
      // The shrunk schedule as a scenario file: the smallest run that fails, replayable by anyone.
      mkdirSync('counterexamples', { recursive: true });
      const file = `counterexamples/raft-faults-${details.seed}.yaml`;
      writeFileSync(file, toScenarioYaml({ ...shrunk, name: 'raft-faults-counterexample' }, `shrunk by fast-check (seed ${details.seed}, path ${details.counterexamplePath})`));
      written = `\nscenario: ${file}  (npx kubesim run ${file})`;
    }
    assert.fail(`${fc.defaultReportMessage(details)}\nreplay: ${replay}${written}`);
  }
});
