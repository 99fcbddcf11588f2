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
import { describeSchedule, finalSteps, modelOf, ROLLOUT_IMAGES, scheduleArb, timelineOf, type Burst, type Command } from '../../cli/fuzz/schedule.ts';
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
  assert.deepEqual([...verbs].sort(), ['apply', 'cordon', 'crash', 'cut', 'drain', 'get', 'heal', 'isolate', 'kubectl-delete', 'netem', 'partition', 'put', 'restart', 'rollout', 'scale', 'set-image']);
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

const ref = (kind: string, name: string) => ({ kind, name, namespace: 'default' });

it('generated workload commands name what the cluster has: rollouts a container of the workload and a pullable image, undo a Deployment, scale a Deployment or StatefulSet', () => {
  const schedules = fc.sample(scheduleArb(cluster), { seed: 5, numRuns: 200 });
  const seen = new Set<string>();
  const workload = (kind: string, name: string) => cluster.workloads.find((w) => w.kind === kind && w.name === name);
  for (const s of schedules) {
    for (const { action: a } of s.commands) {
      if (a.verb === 'set-image') {
        const w = workload(a.object.kind, a.object.name);
        assert.ok(w && w.containers.includes(a.container), `set-image names container ${a.container} of ${a.object.kind}/${a.object.name}`);
        assert.ok((ROLLOUT_IMAGES as readonly string[]).includes(a.image));
      } else if (a.verb === 'rollout') {
        assert.equal(a.action, 'undo');
        assert.equal(a.object.kind, 'deployment');
      } else if (a.verb === 'scale') {
        assert.ok(['deployment', 'statefulset'].includes(a.object.kind), a.object.kind);
      } else if (a.verb === 'kubectl-delete') {
        assert.ok(workload(a.object.kind, a.object.name), `${a.object.kind}/${a.object.name} is a workload of the cluster`);
      } else continue;
      seen.add(`${a.verb} ${a.object.kind}`);
    }
  }
  // Every workload kind is rolled, scaled or deleted by some schedule.
  for (const expected of ['set-image deployment', 'set-image statefulset', 'set-image daemonset', 'rollout deployment', 'scale deployment', 'scale statefulset', 'kubectl-delete deployment', 'kubectl-delete statefulset', 'kubectl-delete daemonset', 'kubectl-delete service']) {
    assert.ok(seen.has(expected), `no ${expected} among 200 schedules: ${[...seen].sort().join(', ')}`);
  }
});

const touchingEveryKind: Command[] = [
  { waitMs: 0, action: { verb: 'set-image', user: 'admin', object: ref('statefulset', 'db'), container: 'db', image: 'busybox:1.36' } },
  { waitMs: 500, action: { verb: 'kubectl-delete', user: 'admin', object: ref('daemonset', 'node-agent') } },
  { waitMs: 500, action: { verb: 'set-image', user: 'admin', object: ref('deployment', 'web'), container: 'app', image: 'nginx:1.26' } },
  { waitMs: 3_000, action: { verb: 'rollout', action: 'undo', user: 'admin', object: ref('deployment', 'web') } },
  { waitMs: 500, action: { verb: 'kubectl-delete', user: 'admin', object: ref('service', 'web') } },
  { waitMs: 500, action: { verb: 'scale', user: 'admin', object: ref('statefulset', 'db'), replicas: 4 } },
];

it('the final phase re-applies every touched workload, and only those, in manifest order', () => {
  const final = finalSteps(cluster, modelOf(touchingEveryKind));
  const apply = final.find((s) => s.action.verb === 'apply');
  assert.ok(apply && apply.action.verb === 'apply');
  assert.equal(apply.atMs, healAtMs(cluster) + 5_000);
  // service/db was not touched.
  assert.deepEqual(apply.action.manifests, [manifestOf('deployment', 'web'), manifestOf('service', 'web'), manifestOf('statefulset', 'db'), manifestOf('daemonset', 'node-agent')]);
});

it('after rollouts, a rollback, a scale and deletes of every kind, the final phase brings the default cluster back: liveness holds', { timeout: 120_000 }, () => {
  const liveness = PROPERTIES.find((p) => p.name === 'liveness')!;
  const spec = scenarioOf(cluster, [liveness], { seed: 3, preVote: true, lossPercent: 0, duplicatePercent: 0, reorderPercent: 0, commands: touchingEveryKind });
  const { result } = runScenario(spec);
  const failed = result.expectations.filter((e) => !e.ok);
  assert.deepEqual(failed.map((e) => `${e.name}: ${e.detail}`), []);
  // Every workload, every Service and the traffic were judged.
  assert.equal(result.expectations.length, 1 + 5 + 1 + 1);
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
