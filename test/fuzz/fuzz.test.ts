/**
 * `kubesim fuzz` (issue 11, first slice): the command on a tiny budget, a planted bug found and
 * shrunk, its counterexample replayed by `kubesim run` to the same fingerprint, shards that
 * cover exactly the runs of one process, and bad flags. Budgets are small: most runs use an
 * etcd-only cluster, whose runs are an order of magnitude cheaper than the default Kubernetes cluster's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScenario } from '../../actors/scenario/runner.ts';
import { clusterFromFile, healAtMs, type FuzzCluster, ETCD_ONLY_CLUSTER_YAML } from '../../cli/fuzz/cluster.ts';
import { InvalidArgumentError } from 'commander';
import { parseFuzzSeed, parseShard, replayFile, runFuzzCommand, writeCounterexample } from '../../cli/fuzz/command.ts';
import { InputError } from '../../cli/guard.ts';
import { fuzz } from '../../cli/fuzz/engine.ts';
import { judgeExpectations, PROPERTIES, type FuzzProperty } from '../../cli/fuzz/properties.ts';
import { GENERATED } from '../../cli/fuzz/schedule.ts';
import { loadScenarioFile, ScenarioError } from '../../cli/loader/index.ts';
import { kubesimAsync, kubesimSync, type Exit } from '../kubesim-process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-fuzz-'));

/** A 3-member etcd cluster, no Kubernetes: fast runs for the search and shrink tests. */
const etcdClusterFile = join(scratch, 'etcd3.yaml');
writeFileSync(etcdClusterFile, ETCD_ONLY_CLUSTER_YAML);
const etcdCluster: FuzzCluster = clusterFromFile(etcdClusterFile);

/**
 * The planted bug: a property whose predicate is wrong on purpose. It claims that /fuzz/a is never
 * written, as an expectation added to every generated scenario, so any schedule whose put to
 * /fuzz/a commits fails it — and `kubesim run` on the counterexample checks it again.
 */
const planted: FuzzProperty = {
  name: 'planted',
  description: 'wrong on purpose: /fuzz/a is never written',
  expectations: (c) => [{ name: 'planted: /fuzz/a is never written', when: { mode: 'within', afterMs: healAtMs(c), limitMs: c.settleMs }, etcd: { value: { key: '/fuzz/a', absent: true } }, source: GENERATED }],
  judge: (run) => judgeExpectations('planted', run),
};

const kubesim = (args: string[]): Exit => kubesimSync(args, { timeoutMs: 120_000 });


describe('kubesim fuzz', { timeout: 180_000 }, () => {
  it('on a tiny budget, the default cluster shows no violation, and the summary counts runs, events, time and verdicts', () => {
    const out = join(scratch, 'out-clean');
    const r = kubesim(['fuzz', '--runs', '2', '--seed', '1', '--json', '--out', out]);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    assert.equal(report.runsDone, 2);
    assert.equal(report.counterexample, null);
    assert.deepEqual(report.failures, { 'raft-safety': 0, linearizability: 0, watch: 0, liveness: 0, 'kubernetes-safety': 0 });
    // Each run simulates the whole schedule: 16 s of faults and heal, 44 s to settle, then 3 s in
    // which every traffic request must succeed, and the 1-s timeout of the last of them.
    assert.equal(report.virtualMs, 2 * 64_000);
    assert.ok(report.events > 10_000, `events ${report.events}`);
    assert.ok(report.runsPerSecond > 0);
    assert.equal(report.properties['raft-safety'].pass, 2);
    assert.equal(report.properties.linearizability.pass + report.properties.linearizability.unknown, 2);
    // The etcd client traces its watch deliveries: the watch property judges real streams.
    assert.equal(report.properties.watch.pass, 2);
    assert.equal(report.properties.liveness.pass, 2);
    assert.equal(report.properties['kubernetes-safety'].pass, 2);
  });

  let written: { file: string; fingerprint: string; property: string } | undefined;

  it('finds a planted bug and shrinks its schedule to one no longer than the first failing one', () => {
    const report = fuzz({ cluster: etcdCluster, properties: [PROPERTIES[0]!, planted], runs: 30, seed: 3, shrinkRuns: 40 });
    const cx = report.counterexample;
    assert.ok(cx, `no failure in ${report.runRecords.length} runs`);
    assert.equal(cx.property, 'planted');
    assert.ok(cx.schedule.commands.length <= cx.originalCommands, `${cx.schedule.commands.length} > ${cx.originalCommands}`);
    // Shrinking keeps what makes it fail and drops the rest: with this seed, 9 commands shrink to one put to /fuzz/a (seed 7 did before the schedule generator drew command groups; it now runs out of its 40 shrink runs).
    assert.ok(cx.originalCommands > 1, `first failing schedule had ${cx.originalCommands} commands`);
    assert.deepEqual(
      cx.schedule.commands.map((c) => (c.action.verb === 'put' ? `put ${c.action.key}` : c.action.verb)),
      ['put /fuzz/a'],
    );
    assert.match(cx.detail, /\/fuzz\/a/);
    assert.match(cx.path, /^\d+(:\d+)*$/);
    assert.equal(Number(cx.path.split(':')[0]), cx.runIndex);
    // The real safety property held on every run, shrinks included.
    assert.ok(report.runRecords.every((r) => r.verdicts['raft-safety'] === 'pass'));
    const file = writeCounterexample(join(scratch, 'out-planted'), cx, {});
    assert.equal(file, join(scratch, 'out-planted', `planted-${cx.seed}.yaml`));
    assert.match(readFileSync(file, 'utf8'), new RegExp(`# fast-check seed ${cx.seed}, path ${cx.path}`));
    written = { file, fingerprint: cx.fingerprint, property: cx.property };

    // The fast-check path replays the same failure without searching again.
    const replay = fuzz({ cluster: etcdCluster, properties: [PROPERTIES[0]!, planted], runs: 30, seed: 3, path: cx.path, shrinkRuns: 0 });
    assert.equal(replay.counterexample?.fingerprint, cx.fingerprint);
  });

  it('the counterexample file replays with kubesim run to the same violation and fingerprint', () => {
    assert.ok(written, 'the previous test wrote a counterexample');
    const { result } = runScenario(loadScenarioFile(written.file));
    assert.equal(result.fingerprint, written.fingerprint);
    const r = kubesim(['run', written.file, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const run = JSON.parse(r.stdout) as { fingerprint: string; expectations: { name: string; ok: boolean }[] };
    assert.equal(run.fingerprint, written.fingerprint);
    assert.deepEqual(
      run.expectations.filter((x) => !x.ok).map((x) => x.name),
      ['planted: /fuzz/a is never written'],
    );
    // fuzz --replay runs the file as it is and judges properties that are not expectations (linearizability).
    const replayed = replayFile(written.file, [PROPERTIES[0]!, PROPERTIES[1]!]);
    assert.equal(replayed.fingerprint, written.fingerprint);
    assert.deepEqual(replayed.verdicts.map((v) => [v.property, v.status]), [['raft-safety', 'pass'], ['linearizability', 'pass']]);
    assert.match(replayed.verdicts[1]!.detail, /^\d+ operations/);
  });

  it('shards 0/2 and 1/2 together run exactly the runs of one process, with the same results', () => {
    const options = { cluster: etcdCluster, properties: PROPERTIES, runs: 6, seed: 3 };
    const whole = fuzz(options);
    assert.equal(whole.counterexample, undefined);
    assert.deepEqual(whole.runRecords.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
    const shard0 = fuzz({ ...options, shard: { index: 0, count: 2 } });
    const shard1 = fuzz({ ...options, shard: { index: 1, count: 2 } });
    assert.deepEqual(shard0.runRecords.map((r) => r.index), [0, 2, 4]);
    assert.deepEqual(shard1.runRecords.map((r) => r.index), [1, 3, 5]);
    const merged = [...shard0.runRecords, ...shard1.runRecords].sort((a, b) => a.index - b.index);
    assert.deepEqual(merged, whole.runRecords);
    // Different runs really differ (the comparison is not between identical records).
    assert.equal(new Set(whole.runRecords.map((r) => r.fingerprint)).size, 6);
    assert.equal(shard0.events + shard1.events, whole.events);
  });

  it('bad flags are usage errors: exit 2 and a message that says what is wrong, before any run', async () => {
    // Spawned in parallel: each costs a Node start-up, most of this test's time.
    const spawned: [string[], RegExp][] = [
      [['fuzz', '--runs', '0'], /--runs must be a whole number from 1/],
      [['fuzz', '--property', 'nope'], /no property "nope"; choose from raft-safety, linearizability, watch, liveness/],
      [['fuzz', '--shard', '0/2'], /--shard needs --seed/],
      [['fuzz', '--replay', etcdClusterFile, '--runs', '3'], /cannot be used with option '--runs/],
    ];
    const results = await Promise.all(spawned.map(([args]) => kubesimAsync(args)));
    spawned.forEach(([args, message], i) => {
      const r = results[i]!;
      assert.equal(r.code, 2, `kubesim ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, message, `kubesim ${args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      assert.equal(r.stdout, '', 'no run started');
    });
    // The same parsers and checks in process (commander turns InvalidArgumentError into exit 2, as above).
    assert.throws(() => parseShard('2/2'), (e: Error) => e instanceof InvalidArgumentError && /I must be below N/.test(e.message));
    assert.throws(() => parseShard('half'), (e: Error) => e instanceof InvalidArgumentError && /write the shard as I\/N/.test(e.message));
    assert.deepEqual(parseShard('1/3'), { index: 1, count: 3 });
    assert.throws(() => parseFuzzSeed('x'), (e: Error) => e instanceof InvalidArgumentError && /the seed must be an integer/.test(e.message));
    assert.throws(() => parseFuzzSeed('4294967296'), InvalidArgumentError);
    assert.equal(parseFuzzSeed('-5'), -5);
    assert.throws(() => runFuzzCommand({ path: '3:1' }), (e: Error) => e instanceof InputError && /--path needs the --seed/.test(e.message));
    assert.throws(() => runFuzzCommand({ seed: 1, path: '3;1' }), (e: Error) => e instanceof InputError && /numbers separated by colons/.test(e.message));
    assert.throws(() => runFuzzCommand({ seed: 1, out: etcdClusterFile }), (e: Error) => e instanceof InputError && /is not a folder/.test(e.message));
    assert.throws(() => runFuzzCommand({ seed: 1, cluster: join(scratch, 'missing.yaml') }), (e: Error) => e instanceof ScenarioError && e.format().includes('missing.yaml') && /no such file/.test(e.message));
  });
});
