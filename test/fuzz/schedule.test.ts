/**
 * Generated schedules as scenario files: every command kind on the default cluster is written by
 * cli/scenario-writer.ts and loaded back to the same scenario (what `kubesim run` on a
 * counterexample plays), and the final phase restores what the commands broke.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { clusterFromText, defaultCluster, ETCD_ONLY_CLUSTER_YAML, healAtMs } from '../../cli/fuzz/cluster.ts';
import { judgeSpec, scenarioOf } from '../../cli/fuzz/engine.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';
import { describeSchedule, finalSteps, modelOf, scheduleArb, timelineOf, type Burst, type Command } from '../../cli/fuzz/schedule.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
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
    for (const b of s.bursts ?? []) verbs.add(b.action.verb);
    const spec = scenarioOf(cluster, PROPERTIES, s);
    const loaded = loadScenarioText(toScenarioYaml(spec), '<round trip>');
    assert.deepEqual(withoutSources(loaded), withoutSources(spec));
  }
  // Every command kind was among them.
  assert.deepEqual([...verbs].sort(), ['apply', 'cordon', 'crash', 'cut', 'drain', 'get', 'heal', 'isolate', 'kubectl-delete', 'netem', 'partition', 'put', 'restart', 'scale']);
});

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
      [at + 5_000, { verb: 'apply', user: 'admin', manifests: [cluster.deployment!.manifest] }],
    ],
  );
  // Untouched Deployment, nothing crashed or cordoned: only the heal and the members' restart.
  assert.deepEqual(finalSteps(cluster, modelOf([{ waitMs: 0, action: { verb: 'isolate', targets: ['etcd-0'] } }])).map((s) => s.action.verb), ['heal', 'restart']);
});

it('bursts (netem) are drawn on etcd-only and Kubernetes clusters, last 0.5 to 10 s, and are described as tc says them', () => {
  const etcdOnly = clusterFromText(ETCD_ONLY_CLUSTER_YAML);
  for (const c of [cluster, etcdOnly]) {
    const schedules = fc.sample(scheduleArb(c), { seed: 5, numRuns: 100 });
    const bursts = schedules.flatMap((s) => (s.bursts ?? []).map((b) => b.action));
    assert.ok(bursts.length >= 30, `${bursts.length} bursts`);
    const offsets = schedules.flatMap((s) => (s.bursts ?? []).map((b) => b.offsetMs));
    assert.ok(offsets.every((o) => o >= 0 && c.faultStartMs + o <= c.faultEndMs), 'each burst starts in the fault phase');
    const scopes = new Set(bursts.map((b) => b.scope.kind));
    assert.deepEqual([...scopes].sort(), ['all', 'between', 'on']);
    for (const b of bursts) {
      assert.ok(b.durationMs !== undefined && b.durationMs >= 500 && b.durationMs <= 10_000);
      assert.ok(b.lossProbability + b.duplicateProbability + b.reorderProbability > 0);
    }
  }
  const lines = describeSchedule({
    seed: 1, preVote: true, lossPercent: 0, duplicatePercent: 0, reorderPercent: 0,
    commands: [],
    bursts: [{ offsetMs: 10, action: { verb: 'netem', scope: { kind: 'between', groups: [['leader'], ['rest']] }, lossProbability: 0.2, duplicateProbability: 0.01, reorderProbability: 0, durationMs: 3_000 } }],
  });
  assert.equal(lines[1], 'at fault phase +10ms: netem between [leader] | [rest] loss 20% duplicate 1% reorder 0% for 3000ms');
});

it('the default cluster settles after a 10-s burst of 100% loss on every link, and the file replays it', () => {
  // Over TCP the control plane stalls (retransmissions 200 ms, 400 ms, … apart) instead of losing
  // requests and watch events; Raft messages are lost for real. The final heal ends the burst.
  const burst: Burst = { offsetMs: 0, action: { verb: 'netem', scope: { kind: 'all' }, lossProbability: 1, duplicateProbability: 0.05, reorderProbability: 0.1, durationMs: 10_000 } };
  const scale: Command = { waitMs: 500, action: { verb: 'scale', user: 'admin', object: { kind: 'deployment', name: 'web', namespace: 'default' }, replicas: 3 } };
  const spec = scenarioOf(cluster, PROPERTIES, { seed: 3, preVote: true, lossPercent: 0, duplicatePercent: 0, reorderPercent: 0, commands: [scale], bursts: [burst] });
  const replayed = loadScenarioText(toScenarioYaml(spec), '<burst>');
  const judged = judgeSpec(replayed, PROPERTIES);
  for (const [name, verdict] of judged.verdicts) assert.notEqual(verdict.status, 'fail', `${name}: ${JSON.stringify(verdict)}`);
  assert.equal(judged.verdicts.get('liveness')?.status, 'pass');
  // What the burst lost for good: Raft peer messages only — no request, response or watch event.
  const lost = new Set<string>();
  runScenario(replayed, { onTrace: (e) => void (e.kind === 'net.drop' && e['reason'] === 'loss' && lost.add(String(e['type']))) });
  assert.ok(lost.size > 0, 'the burst lost Raft messages');
  assert.deepEqual([...lost].filter((t) => !t.startsWith('Msg')), []);
});
