/**
 * Generated schedules as scenario files: every command kind on the default cluster is written by
 * cli/scenario-writer.ts and loaded back to the same scenario (what `kubesim run` on a
 * counterexample plays), and the final phase restores what the commands broke.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { defaultCluster, healAtMs } from '../../cli/fuzz/cluster.ts';
import { scenarioOf } from '../../cli/fuzz/engine.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';
import { finalSteps, modelOf, scheduleArb, timelineOf, type Command } from '../../cli/fuzz/schedule.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';

const cluster = defaultCluster();

/** The spec without `source` fields (where a thing was written differs; what it is must not). */
function withoutSources(spec: ScenarioSpec): unknown {
  return JSON.parse(JSON.stringify({ ...spec, file: '' }, (key, value: unknown) => (key === 'source' ? undefined : value)));
}

it('100 generated schedules on the default cluster load back from their scenario file unchanged', () => {
  const schedules = fc.sample(scheduleArb(cluster), { seed: 11, numRuns: 100 });
  const verbs = new Set<string>();
  for (const s of schedules) {
    for (const c of s.commands) verbs.add(c.action.verb);
    const spec = scenarioOf(cluster, PROPERTIES, s);
    const loaded = loadScenarioText(toScenarioYaml(spec), '<round trip>');
    assert.deepEqual(withoutSources(loaded), withoutSources(spec));
  }
  // Every command kind was among them.
  assert.deepEqual([...verbs].sort(), ['apply', 'cordon', 'crash', 'cut', 'drain', 'get', 'heal', 'isolate', 'kubectl-delete', 'partition', 'put', 'restart', 'rollout', 'scale', 'set-image']);
});

const manifestOf = (kind: string, name: string) => cluster.workloads.find((w) => w.kind === kind && w.name === name)!.manifest;

it('the final phase heals, restarts every crashed host, uncordons, and re-applies a touched Deployment', () => {
  const commands: Command[] = [
    { waitMs: 0, action: { verb: 'crash', targets: ['kube-scheduler-0'] } },
    { waitMs: 100, action: { verb: 'crash', targets: ['worker-1'] } },
    { waitMs: 100, action: { verb: 'restart', targets: ['worker-1'] } },
    { waitMs: 100, action: { verb: 'drain', user: 'admin', node: 'worker-2', ignoreDaemonsets: true, deleteEmptydirData: true, force: true, timeoutSeconds: 20 } },
    { waitMs: 100, action: { verb: 'scale', user: 'admin', object: { kind: 'deployment', name: 'web' }, replicas: 0 } },
    { waitMs: 60_000, action: { verb: 'crash', targets: ['leader'] } },
  ];
  const timeline = timelineOf(cluster, commands);
  assert.deepEqual(timeline.map((s) => s.atMs), [5_000, 5_100, 5_200, 5_300, 5_400, 15_000], 'each waits after the previous; none after the fault phase');
  const final = finalSteps(cluster, modelOf(commands));
  const at = healAtMs(cluster);
  assert.deepEqual(
    final.map((s) => [s.atMs, s.action]),
    [
      [at, { verb: 'heal', targets: 'all' }],
      // worker-1 was restarted already; `leader` is an etcd member: `all` restarts every member.
      [at, { verb: 'restart', targets: ['all', 'kube-scheduler-0'] }],
      [at, { verb: 'uncordon', user: 'admin', node: 'worker-2' }],
      [at + 5_000, { verb: 'apply', user: 'admin', manifests: [manifestOf('deployment', 'web')] }],
    ],
  );
  // Untouched Deployment, nothing crashed or cordoned: only the heal and the members' restart.
  assert.deepEqual(finalSteps(cluster, modelOf([{ waitMs: 0, action: { verb: 'isolate', targets: ['etcd-0'] } }])).map((s) => s.action.verb), ['heal', 'restart']);
});
