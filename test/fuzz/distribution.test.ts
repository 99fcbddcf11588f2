/**
 * `kubesim fuzz` distribution (issue 11, build 4): one process, `--workers 2`, and `--shard 0/2`
 * + `--shard 1/2` + `fuzz merge` give the same result (cli/fuzz/merge.ts defines "the same"),
 * with and without a failure; merge refuses results that are not the shards of one search; the
 * shipped Indexed Job and CI matrix are well formed. Budgets are small and the cluster is etcd
 * alone (~10 runs per second), so the comparisons stay cheap.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { applyDefaults, prepareForCreate } from '../../actors/api/defaults.ts';
import { validateCreate } from '../../actors/api/validation/entry.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { clusterFromFile, ETCD_ONLY_CLUSTER_YAML } from '../../cli/fuzz/cluster.ts';
import { fastCheckReplay, finishResult, mergeCommand, resultFileName, runShardsInWorkers } from '../../cli/fuzz/command.ts';
import { fuzz, type FuzzReport, type Shard } from '../../cli/fuzz/engine.ts';
import { clusterDigest, mergeResults, readResults, resultOfReport, withoutWallTimes, type FuzzResult, type ResultContext } from '../../cli/fuzz/merge.ts';
import { InputError } from '../../cli/guard.ts';
import { PROPERTIES } from './distribution-planted.ts';
import { kubesimAsync, type Exit } from '../kubesim-process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-fuzz-dist-'));
const etcdClusterFile = join(scratch, 'etcd3.yaml');
writeFileSync(etcdClusterFile, ETCD_ONLY_CLUSTER_YAML);
const cluster = clusterFromFile(etcdClusterFile);
const propertiesModule = new URL('./distribution-planted.ts', import.meta.url).href;
const propertyNames = PROPERTIES.map((p) => p.name);
const SHRINK_RUNS = 8;
const ctx: ResultContext = { propertyNames, cluster: etcdClusterFile, clusterDigest: clusterDigest(cluster), shrinkRunsLimit: SHRINK_RUNS, fastCheckReplay: (cx) => fastCheckReplay(cx, { cluster: etcdClusterFile }) };

/**
 * With seed 24 and 16 runs the planted property first fails at run 3 (shard 1/2's first failure)
 * and again at run 6 (shard 0/2's first failure): a merge must keep run 3's counterexample and
 * drop run 6's, and the runs of shard 0/2 past run 3.
 */
const FAILING = { seed: 24, runs: 16, firstFailure: 3, shard0Failure: 6 };

function run(seed: number, runs: number, shard?: Shard): FuzzReport {
  return fuzz({ cluster, properties: PROPERTIES, runs, seed, shrinkRuns: SHRINK_RUNS, ...(shard ? { shard } : {}) });
}

const named = (r: FuzzReport): { name: string; result: FuzzResult } => ({ name: `shard ${r.shard.index}/${r.shard.count}`, result: resultOfReport(r, ctx) });

const kubesim = (args: string[]): Promise<Exit> => kubesimAsync(args);

/** Runs `f` with console.log captured (finishResult and mergeCommand print their result). */
function quietly<T>(f: () => T): { value: T; printed: string } {
  const log = console.log;
  let printed = '';
  console.log = (...args: unknown[]) => void (printed += `${args.join(' ')}\n`);
  try {
    return { value: f(), printed };
  } finally {
    console.log = log;
  }
}

describe('kubesim fuzz --workers, --shard and merge', { timeout: 300_000 }, () => {
  const one = resultOfReport(run(FAILING.seed, FAILING.runs), ctx);

  it('one process stops at the first failure: the runs up to it, and its shrunk counterexample', () => {
    assert.deepEqual(one.runRecords.map((r) => r.index), [0, 1, 2, 3]);
    assert.equal(one.counterexample?.runIndex, FAILING.firstFailure);
    assert.equal(one.counterexample?.property, 'planted');
    assert.equal(one.runsDone, 4);
    assert.equal(one.properties['planted']!.fail, 1);
    assert.equal(one.properties['planted']!.pass, 3);
    // The etcd-only cluster has no watcher: the note of the first not-checkable verdict is kept.
    assert.equal(one.properties['watch']!.notCheckable, 4);
    assert.match(one.properties['watch']!.note ?? '', /none delivered/);
    assert.equal(one.events, one.runRecords.reduce((n, r) => n + r.events, 0));
  });

  it('two shards merged give the one-process result, though shard 0/2 found a later failure of its own', () => {
    const shard0 = run(FAILING.seed, FAILING.runs, { index: 0, count: 2 });
    const shard1 = run(FAILING.seed, FAILING.runs, { index: 1, count: 2 });
    // Each shard stopped at its own first failure: shard 0/2 ran past run 3 and shrank run 6.
    assert.equal(shard0.counterexample?.runIndex, FAILING.shard0Failure);
    assert.deepEqual(shard0.runRecords.map((r) => r.index), [0, 2, 4, 6]);
    assert.equal(shard1.counterexample?.runIndex, FAILING.firstFailure);
    const merged = mergeResults([named(shard0), named(shard1)]);
    assert.equal(merged.shard, '0/1');
    assert.deepEqual(withoutWallTimes(merged), withoutWallTimes(one));
    // Given in the other order, the same.
    assert.deepEqual(withoutWallTimes(mergeResults([named(shard1), named(shard0)])), withoutWallTimes(one));
  });

  it('--workers 2 gives the one-process result, and 2 workers over shard 1/2 give shard 1/2', async () => {
    let progress = 0;
    const reports = await runShardsInWorkers({ clusterFile: etcdClusterFile, propertiesModule, propertyNames, runs: FAILING.runs, seed: FAILING.seed, shrinkRuns: SHRINK_RUNS, workers: 2, onRun: () => progress++ });
    assert.deepEqual(reports.map((r) => `${r.shard.index}/${r.shard.count}`), ['0/2', '1/2']);
    assert.ok(progress >= 4, `progress reported ${progress} runs`);
    assert.deepEqual(withoutWallTimes(mergeResults(reports.map(named))), withoutWallTimes(one));

    // Composition: shard 1/2 as two workers is sub-shards 1/4 and 3/4, merged back into 1/2.
    const shard1 = resultOfReport(run(FAILING.seed, FAILING.runs, { index: 1, count: 2 }), ctx);
    const sub = await runShardsInWorkers({ clusterFile: etcdClusterFile, propertiesModule, propertyNames, runs: FAILING.runs, seed: FAILING.seed, shard: { index: 1, count: 2 }, shrinkRuns: SHRINK_RUNS, workers: 2 });
    assert.deepEqual(sub.map((r) => `${r.shard.index}/${r.shard.count}`), ['1/4', '3/4']);
    assert.deepEqual(withoutWallTimes(mergeResults(sub.map(named), { target: { index: 1, count: 2 } })), withoutWallTimes(shard1));
  });

  it('fuzz merge over result folders writes the same counterexample file and exits 1', () => {
    const dirs = [0, 1].map((i) => {
      const dir = join(scratch, `failing-shard-${i}`);
      const { value } = quietly(() => finishResult(resultOfReport(run(FAILING.seed, FAILING.runs, { index: i, count: 2 }), ctx), dir, true));
      assert.equal(value, 1, 'each shard found a failure');
      assert.ok(existsSync(join(dir, `fuzz-result-${FAILING.seed}-${i}-of-2.json`)));
      return dir;
    });
    const oneDir = join(scratch, 'failing-one');
    quietly(() => finishResult(structuredClone(one), oneDir, true));
    const mergedDir = join(scratch, 'failing-merged');
    const { value: code, printed } = quietly(() => mergeCommand(dirs, { out: mergedDir, json: true }));
    assert.equal(code, 1);
    const merged = JSON.parse(printed) as FuzzResult;
    assert.deepEqual(withoutWallTimes(merged), withoutWallTimes(one));
    assert.equal(merged.counterexample?.file, join(mergedDir, `planted-${FAILING.seed}.yaml`));
    // The scenario file is the one one process writes, but for the folder it names.
    const written = (dir: string): string => readFileSync(join(dir, `planted-${FAILING.seed}.yaml`), 'utf8').replaceAll(dir, 'OUT');
    assert.equal(written(mergedDir), written(oneDir));
    // The merged result file is itself mergeable input (a merge of one complete shard).
    assert.deepEqual(withoutWallTimes(mergeResults(readResults([join(mergedDir, resultFileName(merged))]))), withoutWallTimes(one));
  });

  it('the CLI: --workers 2, and --shard 0/2 + --shard 1/2 + fuzz merge, print the JSON of one process', async () => {
    const common = ['fuzz', '--cluster', etcdClusterFile, '--runs', '6', '--seed', '3', '--json'];
    const [single, workers, s0, s1] = await Promise.all([
      kubesim([...common, '--out', join(scratch, 'cli-one')]),
      kubesim([...common, '--out', join(scratch, 'cli-workers'), '--workers', '2']),
      kubesim([...common, '--out', join(scratch, 'cli-s0'), '--shard', '0/2']),
      kubesim([...common, '--out', join(scratch, 'cli-s1'), '--shard', '1/2']),
    ]);
    for (const r of [single, workers, s0, s1]) assert.equal(r.code, 0, r.stderr);
    // Shard 1/2's --json output saved from a log is accepted as well as a result folder.
    const saved = join(scratch, 'shard1.log');
    writeFileSync(saved, s1.stdout);
    const merged = await kubesim(['fuzz', 'merge', join(scratch, 'cli-s0'), saved, '--json', '--out', join(scratch, 'cli-merged')]);
    assert.equal(merged.code, 0, merged.stderr);
    const expected = JSON.parse(single.stdout) as FuzzResult;
    assert.deepEqual(expected.runRecords.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
    assert.equal(new Set(expected.runRecords.map((r) => r.fingerprint)).size, 6, 'different runs differ');
    assert.equal(expected.counterexample, null);
    assert.deepEqual(withoutWallTimes(JSON.parse(workers.stdout) as FuzzResult), withoutWallTimes(expected));
    assert.deepEqual(withoutWallTimes(JSON.parse(merged.stdout) as FuzzResult), withoutWallTimes(expected));
    assert.deepEqual((JSON.parse(s0.stdout) as FuzzResult).runRecords.map((r) => r.index), [0, 2, 4]);
    // Text output of a merge: the summary one process prints.
    const text = await kubesim(['fuzz', 'merge', join(scratch, 'cli-s0'), join(scratch, 'cli-s1'), '--out', join(scratch, 'cli-merged-text')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^runs 6, events \d+, virtual time 210\.000s/m);
    assert.match(text.stdout, /no property failed/);
  });

  it('merge refuses what is not the shards of one search: which file, and what is wrong (exit 2)', async () => {
    const shards = [0, 1, 2].map((i) => resultOfReport(run(5, 3, { index: i, count: 3 }), ctx));
    const input = (r: FuzzResult, name: string) => ({ name, result: r });
    const fails = (inputs: { name: string; result: FuzzResult }[], message: RegExp): void => {
      assert.throws(() => mergeResults(inputs), (e: Error) => e instanceof InputError && message.test(e.message), String(message));
    };
    const [a, b, c] = shards as [FuzzResult, FuzzResult, FuzzResult];
    fails([input(a, 'a.json'), input(b, 'b.json')], /shard 2\/3 missing \(given: a\.json, b\.json\)/);
    fails([input(a, 'a.json'), input(b, 'b.json'), input(b, 'b2.json'), input(c, 'c.json')], /^b2\.json: shard 1\/3 is also in b\.json/);
    fails([input(a, 'a.json'), input({ ...b, seed: 6 }, 'b.json'), input(c, 'c.json')], /^b\.json: its seed is 6, but a\.json has 5/);
    fails([input(a, 'a.json'), input({ ...b, runs: 4 }, 'b.json'), input(c, 'c.json')], /^b\.json: its runs is 4, but a\.json has 3/);
    fails([input(a, 'a.json'), input(b, 'b.json'), input({ ...c, clusterDigest: 'other' }, 'c.json')], /^c\.json: its cluster is .*etcd3\.yaml \(digest other\)/);
    fails([input(a, 'a.json'), input(b, 'b.json'), input({ ...c, propertyNames: ['raft-safety'] }, 'c.json')], /^c\.json: its properties is raft-safety, but/);
    fails([input(a, 'a.json'), input(b, 'b.json'), input({ ...c, shard: '0/2' }, 'c.json')], /^c\.json: its shard count is 2, but a\.json has 3/);
    fails([input(a, 'a.json'), input({ ...b, runRecords: [] }, 'b.json'), input(c, 'c.json')], /^b\.json: run 1 of shard 1\/3 is missing/);
    fails([], /nothing to merge/);
    assert.deepEqual(withoutWallTimes(mergeResults(shards.map((r, i) => input(r, `${i}`)))), withoutWallTimes(resultOfReport(run(5, 3), ctx)));

    const dir = join(scratch, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'not-a-result.json'), '{"hello": 1}\n');
    writeFileSync(join(dir, 'fuzz-result-text.json'), 'kubesim fuzz: 6 runs\n');
    assert.throws(() => readResults([join(dir, 'not-a-result.json')]), /not-a-result\.json: not a kubesim fuzz result/);
    assert.throws(() => readResults([dir]), /fuzz-result-text\.json: not JSON/);
    assert.throws(() => readResults([join(scratch, 'empty-nothing')]), /empty-nothing: no such file or folder/);
    const r = await kubesim(['fuzz', 'merge', join(dir, 'not-a-result.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not-a-result\.json: not a kubesim fuzz result/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });
});

describe('deploy/: the Indexed Job and the CI matrix', () => {
  it('deploy/fuzz-job.yaml is an Indexed Job whose pods run the shard of their completion index', () => {
    const docs = parseAllDocuments(readFileSync('deploy/fuzz-job.yaml', 'utf8')).map((d) => d.toJS() as Record<string, any>);
    const job = docs.find((d) => d.kind === 'Job')!;
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.kind, 'Job');
    const spec = job.spec;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.completions, spec.parallelism, 'one pod per shard, all at once');
    const shards = spec.completions as number;
    assert.ok(Number.isInteger(shards) && shards >= 2);
    assert.equal(spec.template.spec.restartPolicy, 'Never');
    const [container] = spec.template.spec.containers as Record<string, any>[];
    const command = [...(container!.command ?? []), ...(container!.args ?? [])].join(' ');
    // Kubernetes expands $(VAR) in command and args from the container's env; JOB_COMPLETION_INDEX is set on every pod of an Indexed Job.
    assert.match(command, new RegExp(`npx (--no-install )?kubesim fuzz .*--shard \\$\\(JOB_COMPLETION_INDEX\\)/${shards}( |$)`));
    assert.match(command, /--seed \d+/, 'every shard draws the same runs');
    assert.match(command, /--runs \d+/);
    assert.match(command, /--out \/results( |$)/);
    const mount = (container!.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.mountPath === '/results');
    assert.ok(mount, 'the results folder is a volume');
    assert.ok((spec.template.spec.volumes as { name: string }[]).some((v) => v.name === mount.name));
    assert.ok(container!.resources?.requests?.cpu, 'a CPU request: one run is one core');
    // A shard that finds a failure exits 1: with a per-index backoff of 0 that fails its index only, not the Job (and the other shards).
    assert.equal(spec.backoffLimitPerIndex, 0);
    assert.equal(spec.maxFailedIndexes, shards);
    const claim = (spec.template.spec.volumes as { name: string; persistentVolumeClaim?: { claimName: string } }[]).find((v) => v.name === mount.name)!.persistentVolumeClaim?.claimName;
    assert.ok(docs.some((d) => d.kind === 'PersistentVolumeClaim' && d.metadata.name === claim), 'the claim is in the file');

    // Every document passes kubesim's own apiserver create path: defaults, PrepareForCreate (the Job's generated selector), validation.
    const create = (o: Record<string, any>) => validateCreate(prepareForCreate(applyDefaults({ ...o, metadata: { ...o.metadata, namespace: 'default' } } as KubeObject), { now: '2026-12-07T00:00:00Z', uid: () => 'uid-1', randomInt: () => 0 }));
    for (const d of docs) assert.deepEqual(create(d), [], `${d.kind} ${d.metadata.name}`);
    // The validation is real: a misspelt completion mode is refused.
    const broken = structuredClone(job);
    broken.spec.completionMode = 'Indexd';
    assert.deepEqual(create(broken).map((c) => c.field), ['spec.completionMode']);
  });

  it('deploy/github-actions-fuzz.yml runs a matrix over the shard indexes, then merges', () => {
    const wf = parseYaml(readFileSync('deploy/github-actions-fuzz.yml', 'utf8')) as Record<string, any>;
    const shardJob = Object.values(wf.jobs as Record<string, any>).find((j) => j.strategy?.matrix?.shard);
    assert.ok(shardJob, 'a job with a shard matrix');
    const indexes = shardJob.strategy.matrix.shard as number[];
    assert.deepEqual(indexes, indexes.map((_, i) => i), 'shard indexes 0..N-1');
    assert.equal(shardJob.strategy['fail-fast'], false, 'a failing shard does not cancel the others');
    const steps = (shardJob.steps as { run?: string }[]).map((s) => s.run ?? '').join('\n');
    assert.match(steps, new RegExp(`npx (--no-install )?kubesim fuzz .*--shard \\$\\{\\{ matrix\\.shard \\}\\}/${indexes.length}`));
    const mergeJob = Object.entries(wf.jobs as Record<string, any>).find(([, j]) => ((j.steps ?? []) as { run?: string }[]).some((s) => /kubesim fuzz merge/.test(s.run ?? '')));
    assert.ok(mergeJob, 'a merge job');
    const [shardJobName] = Object.entries(wf.jobs as Record<string, any>).find(([, j]) => j === shardJob)!;
    assert.deepEqual([mergeJob[1].needs].flat(), [shardJobName]);
    assert.equal(mergeJob[1].if, 'always()', 'merge even when a shard found a failure (exit 1)');
  });
});
