import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Presets, SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { toScenarioYaml } from '../scenario-writer.ts';
import { EXIT_BUG, EXIT_FAILED, InputError } from '../guard.ts';
import { parseWorkersOption } from '../seeds.ts';
import { formatSeconds } from '../timeline-format.ts';
import { clusterFromFile, defaultCluster, type FuzzCluster } from './cluster.ts';
import { fuzz, judgeSpec, shardRunIndexes, type Counterexample, type FuzzReport, type Shard } from './engine.ts';
import { clusterDigest, formatShard, mergeResults, readResults, resultOfReport, type FuzzResult, type ResultContext } from './merge.ts';
import type { WorkerJob, WorkerMessage } from './worker.ts';
import { loadScenarioFile } from '../loader/index.ts';
import { PROPERTIES, PROPERTY_NAMES, type FuzzProperty } from './properties.ts';
import { describeSchedule } from './schedule.ts';

/**
 * `kubesim fuzz`: property-based fault testing of the cluster (issue 11, first slice). Options
 * are checked before any run; a bad one is a usage error (exit 2). Exit 1 when a property fails
 * (its shrunk counterexample is written as a scenario file), 0 otherwise — `unknown` and
 * `not-checkable` verdicts are reported, not failures.
 *
 * Distribution (issue 11, build 4): `--workers N` runs N shards of the search in worker threads
 * and merges them; `--shard I/N` runs one shard; `fuzz merge DIR...` merges shards' result files.
 * All three give the result one process gives (merge.ts says precisely what is equal). Every
 * search (not a `--path` replay) writes its result to `--out` as fuzz-result-<seed>-<I>-of-<N>.json,
 * the same object `--json` prints.
 */

export interface FuzzCommandOptions {
  property?: string[];
  runs?: number;
  seed?: number;
  cluster?: string;
  out?: string;
  json?: boolean;
  shard?: Shard;
  path?: string;
  shrinkRuns?: number;
  replay?: string;
  workers?: number;
}

const DEFAULT_RUNS = 20;
const DEFAULT_OUT = 'fuzz-out';
const DEFAULT_SHRINK_RUNS = 100;

function positiveInteger(what: string, max = 1_000_000_000) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) throw new InvalidArgumentError(`${what} must be a whole number from 1 to ${max}, got "${value}"`);
    return Number(value);
  };
}

export function parseFuzzSeed(value: string): number {
  // fast-check seeds are 32-bit integers.
  if (!/^-?\d+$/.test(value.trim()) || Math.abs(Number(value)) > 0x7fffffff) throw new InvalidArgumentError(`the seed must be an integer between -2147483647 and 2147483647, got "${value}"`);
  return Number(value);
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`write the shard as I/N (this is shard I of N, 0 ≤ I < N), like 0/4; got "${value}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new InvalidArgumentError(`shard ${value}: I must be below N and N at least 1 (shards are numbered 0..N-1)`);
  return { index, count };
}

function collectProperties(value: string, previous: string[] | undefined): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!PROPERTY_NAMES.includes(n)) throw new InvalidArgumentError(`no property "${n}"; choose from ${PROPERTY_NAMES.join(', ')}`);
  }
  return [...(previous ?? []), ...names];
}

export function registerFuzz(program: Command, setExitCode: (code: number) => void): void {
  const fuzzCommand = program
    .command('fuzz')
    .description('search for fault and workload schedules that break a property; shrink a failure to a replayable scenario file')
    .enablePositionalOptions()
    .addOption(new Option('--property <names>', `properties to check (repeat, or a comma list): ${PROPERTY_NAMES.join(', ')} (default: all)`).argParser(collectProperties))
    .option('--runs <n>', `schedules to run (default ${DEFAULT_RUNS})`, positiveInteger('--runs'))
    .option('--seed <n>', 'fast-check seed (default: a fresh one, printed); runs with the same seed are the same runs', parseFuzzSeed)
    .option('--cluster <file>', 'the cluster of this scenario file (its timeline and expectations dropped) instead of the default one')
    .option('--out <dir>', `where the result (fuzz-result-<seed>-<I>-of-<N>.json) and counterexamples are written (default ${DEFAULT_OUT})`)
    .option('--json', 'print one JSON object (the result file\'s)')
    .option('--shard <i/n>', 'run only shard I of N: N shards with the same --seed and --runs cover exactly the runs of one process; merge their results with kubesim fuzz merge', parseShard)
    .option('--workers <n>', 'run the search (or the --shard) as N shards in worker threads and merge them: the same result as one worker (default 1)', parseWorkersOption)
    .option('--path <path>', 'replay one fast-check path from a report (with its --seed)')
    .option('--shrink-runs <n>', `the most simulations spent shrinking a failure (default ${DEFAULT_SHRINK_RUNS})`, positiveInteger('--shrink-runs', 100_000))
    .addOption(new Option('--replay <file>', 'run one scenario file (a counterexample) and judge the properties on it').conflicts(['runs', 'seed', 'cluster', 'shard', 'path', 'shrinkRuns', 'out', 'workers']))
    .action((opts: FuzzCommandOptions) => {
      if (opts.replay !== undefined) setExitCode(replayCommand(opts.replay, opts));
      else if ((opts.workers ?? 1) > 1 && opts.path === undefined) {
        // Options are checked here, synchronously (exit 2); the workers' search ends later and sets process.exitCode itself.
        const done = runFuzzWorkersCommand(opts);
        void done.then((code) => (process.exitCode = code));
      } else setExitCode(runFuzzCommand(opts));
    });
  fuzzCommand
    .command('merge')
    .description('merge the results of the shards of one search (their --out folders or result files) into the result of one process')
    .argument('<paths...>', 'result files (fuzz-result-*.json, or saved --json output) or folders holding them')
    .option('--out <dir>', `where the merged result and the counterexample are written (default ${DEFAULT_OUT})`)
    .option('--json', 'print one JSON object')
    .action((paths: string[], opts: { out?: string; json?: boolean }) => {
      setExitCode(mergeCommand(paths, opts));
    });
}

function selectedProperties(names: readonly string[] | undefined): FuzzProperty[] {
  if (!names || names.length === 0) return [...PROPERTIES];
  return PROPERTIES.filter((p) => names.includes(p.name));
}

function describeCluster(c: FuzzCluster, file: string | undefined): string {
  const parts = [`${c.members.length} etcd members`];
  if (c.apiservers.length > 0) parts.push(`${c.apiservers.length} apiservers, ${c.schedulers.length} schedulers, ${c.controllerManagers.length} controller-managers, ${c.nodes.length} nodes`);
  if (c.workloads.length > 0) parts.push(c.workloads.map((w) => `${w.kind}/${w.name}${w.desired !== undefined ? ` (${w.desired})` : ''}`).join(', '));
  if (c.trafficCheckMs > 0) parts.push(`traffic from ${(c.base.traffic ?? []).map((t) => t.name).join(', ')}`);
  return `${file ?? 'default cluster'}: ${parts.join(', ')}; faults ${formatSeconds(c.faultStartMs)}–${formatSeconds(c.faultEndMs)}, heal at ${formatSeconds(c.faultEndMs + 1_000)}, settle ${formatSeconds(c.settleMs)}`;
}

/** Fails before any run when the output folder cannot be one. */
function checkOutDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`--out ${dir}: exists and is not a folder`);
  } catch (err) {
    if (err instanceof InputError) throw err;
    // Absent: created when a counterexample is written.
  }
}

function progressBar(json: boolean): { update(done: number, total: number): void; stop(): void } | null {
  if (json || !process.stdout.isTTY || !process.stderr.isTTY || process.env['CI']) return null;
  let bar: SingleBar | null = null;
  return {
    update(done, total) {
      if (!bar) {
        bar = new SingleBar({ format: 'fuzz [{bar}] {percentage}% | {value}/{total} runs | {duration_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command that replays a counterexample's fast-check run and shrink path. */
export function fastCheckReplay(cx: Pick<Counterexample, 'seed' | 'path' | 'property'>, opts: { cluster?: string | undefined }): string {
  return ['npx', 'kubesim', 'fuzz', '--seed', String(cx.seed), '--path', cx.path, '--property', cx.property, ...(opts.cluster ? ['--cluster', opts.cluster] : [])].map(shellWord).join(' ');
}

type WritableCounterexample = Pick<Counterexample, 'property' | 'detail' | 'seed' | 'path' | 'runIndex' | 'originalCommands' | 'schedule' | 'shrinkRuns' | 'fingerprint' | 'spec'>;

/** Writes DIR/<property>-<seed>.yaml; returns its path. */
export function writeCounterexample(dir: string, cx: WritableCounterexample, opts: { cluster?: string | undefined }): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${cx.property}-${cx.seed}.yaml`);
  const header = [
    `kubesim fuzz counterexample: property ${cx.property} fails`,
    `  ${cx.detail.split('\n')[0]}`,
    `fast-check seed ${cx.seed}, path ${cx.path} (run ${cx.runIndex}, shrunk from ${cx.originalCommands} to ${cx.schedule.commands.length} commands in ${cx.shrinkRuns} shrink runs)`,
    `replay: npx kubesim run ${file}   (fingerprint ${cx.fingerprint})`,
    `fast-check replay: ${fastCheckReplay(cx, opts)}`,
  ].join('\n');
  writeFileSync(file, toScenarioYaml(cx.spec, header));
  return file;
}

export interface ReplayReport {
  file: string;
  fingerprint: string;
  verdicts: { property: string; status: string; detail: string }[];
}

/** Runs a scenario file as it is and judges properties on it (expectation-based ones read the file's own expectations). */
export function replayFile(file: string, properties: readonly FuzzProperty[]): ReplayReport {
  const spec = loadScenarioFile(file);
  const j = judgeSpec(spec, properties);
  return { file, fingerprint: j.fingerprint, verdicts: properties.map((p) => ({ property: p.name, ...j.verdicts.get(p.name)! })) };
}

function replayCommand(file: string, opts: FuzzCommandOptions): number {
  const r = replayFile(file, selectedProperties(opts.property));
  const failed = r.verdicts.some((v) => v.status === 'fail');
  if (opts.json) console.log(JSON.stringify({ ...r, ok: !failed }));
  else {
    for (const v of r.verdicts) console.log(`${v.status.padEnd(13)} ${v.property}: ${v.detail}`);
    console.log(`fingerprint: ${r.fingerprint}`);
  }
  return failed ? EXIT_FAILED : 0;
}

/** Options checked and defaults filled, before any run; the header printed unless --json. */
interface Prepared {
  cluster: FuzzCluster;
  properties: FuzzProperty[];
  seed: number;
  runs: number;
  shard: Shard;
  shrinkRuns: number;
  json: boolean;
  out: string;
  ctx: ResultContext;
}

function prepare(opts: FuzzCommandOptions): Prepared {
  if (opts.shard && opts.seed === undefined) throw new InputError('--shard needs --seed: every shard must draw the same runs');
  if (opts.path !== undefined && opts.seed === undefined) throw new InputError('--path needs the --seed it was reported with');
  if (opts.path !== undefined && !/^\d+(:\d+)*$/.test(opts.path)) throw new InputError(`--path ${opts.path}: a fast-check path is numbers separated by colons, like 12:0:3`);
  const out = opts.out ?? DEFAULT_OUT;
  checkOutDir(out);
  const cluster = opts.cluster !== undefined ? clusterFromFile(opts.cluster) : defaultCluster();
  const properties = selectedProperties(opts.property);
  const seed = opts.seed ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) & 0x7fffffff;
  const runs = opts.runs ?? DEFAULT_RUNS;
  const json = opts.json ?? false;
  const shard = opts.shard ?? { index: 0, count: 1 };
  const workers = opts.path === undefined ? (opts.workers ?? 1) : 1;
  if (!json) {
    console.log(`kubesim fuzz: ${runs} runs${opts.shard ? ` (shard ${formatShard(shard)})` : ''}, seed ${seed}, properties ${properties.map((p) => p.name).join(', ')}${workers > 1 ? `, ${workers} workers` : ''}`);
    console.log(`  ${describeCluster(cluster, opts.cluster)}`);
  }
  const ctx: ResultContext = {
    propertyNames: properties.map((p) => p.name),
    cluster: opts.cluster ?? null,
    clusterDigest: clusterDigest(cluster),
    shrinkRunsLimit: opts.shrinkRuns ?? DEFAULT_SHRINK_RUNS,
    fastCheckReplay: (cx) => fastCheckReplay(cx, opts),
  };
  return { cluster, properties, seed, runs, shard, shrinkRuns: opts.shrinkRuns ?? DEFAULT_SHRINK_RUNS, json, out, ctx };
}

export function resultFileName(r: Pick<FuzzResult, 'seed' | 'shard'>): string {
  return `fuzz-result-${r.seed}-${r.shard.replace('/', '-of-')}.json`;
}

/**
 * Writes the counterexample scenario (if any) and the result file to `out`, prints the result
 * (JSON or text), and returns the exit code. `writeResult` is false for a --path replay, which
 * is not a shard of a search.
 */
export function finishResult(result: FuzzResult, out: string, json: boolean, writeResult = true): number {
  const cx = result.counterexample;
  if (cx) {
    const file = writeCounterexample(out, cx, { cluster: result.cluster ?? undefined });
    cx.file = file;
    cx.replay = `npx kubesim run ${file}`;
  }
  if (writeResult) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, resultFileName(result)), `${JSON.stringify(result)}\n`);
  }
  if (json) console.log(JSON.stringify(result));
  else printResult(result, writeResult ? join(out, resultFileName(result)) : undefined);
  return cx ? EXIT_FAILED : 0;
}

function printResult(result: FuzzResult, resultFile: string | undefined): void {
  const cx = result.counterexample;
  console.log('');
  console.log(
    `runs ${result.runsDone}, events ${result.events}, virtual time ${formatSeconds(result.virtualMs)}, wall time ${(result.wallMs / 1000).toFixed(1)} s${result.searchWallMs < result.wallMs ? ` (${(result.searchWallMs / 1000).toFixed(1)} s before shrinking)` : ''}, ${result.runsPerSecond.toFixed(2)} runs/s`,
  );
  const width = Math.max(...result.propertyNames.map((n) => n.length), 8);
  console.log(`  ${'property'.padEnd(width)}  pass  fail  unknown  not-checkable`);
  for (const name of result.propertyNames) {
    const t = result.properties[name]!;
    console.log(`  ${name.padEnd(width)}  ${String(t.pass).padStart(4)}  ${String(t.fail).padStart(4)}  ${String(t.unknown).padStart(7)}  ${String(t.notCheckable).padStart(13)}${t.note ? `   (${t.note})` : ''}`);
  }
  if (resultFile) console.log(`result (shard ${result.shard}): ${resultFile}`);
  if (!cx) {
    console.log('no property failed');
    return;
  }
  console.log('');
  console.log(`FAIL ${cx.property} on run ${cx.runIndex}: ${cx.detail}`);
  for (const other of cx.failedOnFirstRun.filter((f) => f.property !== cx.property)) console.log(`  also failed on that run (not shrunk): ${other.property}: ${other.detail}`);
  console.log(`shrunk from ${cx.originalCommands} to ${cx.shrunkCommands} commands (${cx.shrinkRuns} shrink runs):`);
  for (const line of describeSchedule(cx.schedule)) console.log(`  ${line}`);
  console.log(`fast-check seed ${cx.seed}, path ${cx.path}`);
  console.log(`counterexample: ${cx.file}`);
  console.log(`replay: ${cx.replay}   (fingerprint ${cx.fingerprint})`);
  console.log(`fast-check replay: ${cx.fastCheckReplay}`);
}

export function runFuzzCommand(opts: FuzzCommandOptions): number {
  const p = prepare(opts);
  const bar = progressBar(p.json);
  let report: FuzzReport;
  try {
    report = fuzz({
      cluster: p.cluster,
      properties: p.properties,
      runs: p.runs,
      seed: p.seed,
      shard: p.shard,
      shrinkRuns: p.shrinkRuns,
      ...(opts.path !== undefined ? { path: opts.path } : {}),
      ...(bar ? { onRun: bar.update } : {}),
    });
  } finally {
    bar?.stop();
  }
  return finishResult(resultOfReport(report, p.ctx), p.out, p.json, opts.path === undefined);
}

export interface WorkersOptions {
  /** The --cluster file (undefined: the default cluster): each worker loads it. */
  clusterFile: string | undefined;
  propertyNames: string[];
  runs: number;
  seed: number;
  /** The shard the workers split between them (default 0/1, the whole search). */
  shard?: Shard;
  shrinkRuns: number;
  workers: number;
  /** The properties' registry module (default properties.ts): tests give one with planted properties. */
  propertiesModule?: string;
  onRun?: (done: number, total: number) => void;
}

/**
 * Runs shard I/M as `workers` sub-shards (I + M·j)/(M·N), j < N, one per worker thread — together
 * exactly the runs of shard I/M — and returns their reports in sub-shard order. The workers share
 * the first failure's index so that none searches past it.
 */
export function runShardsInWorkers(o: WorkersOptions): Promise<FuzzReport[]> {
  const outer = o.shard ?? { index: 0, count: 1 };
  const count = outer.count * o.workers;
  const shards = Array.from({ length: o.workers }, (_, j) => ({ index: outer.index + outer.count * j, count }));
  const total = shardRunIndexes(o.runs, outer).length;
  const cutoff = new SharedArrayBuffer(4);
  new Int32Array(cutoff)[0] = o.runs;
  let done = 0;
  const workers: Worker[] = [];
  const one = (shard: Shard): Promise<FuzzReport> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker.mjs', import.meta.url));
      workers.push(worker);
      let finished = false;
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'progress') o.onRun?.(++done, total);
        else {
          finished = true;
          void worker.terminate();
          if (msg.type === 'done') resolve(msg.report);
          else reject(new Error(`fuzz worker of shard ${formatShard(shard)}: ${msg.message}`));
        }
      });
      worker.on('error', (err) => reject(new Error(`fuzz worker of shard ${formatShard(shard)} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!finished) reject(new Error(`fuzz worker of shard ${formatShard(shard)} exited (code ${code}) before its report`));
      });
      const job: WorkerJob = {
        clusterFile: o.clusterFile,
        propertiesModule: o.propertiesModule ?? new URL('./properties.ts', import.meta.url).href,
        propertyNames: o.propertyNames,
        runs: o.runs,
        seed: o.seed,
        shard,
        shrinkRuns: o.shrinkRuns,
        cutoff,
      };
      worker.postMessage(job);
    });
  return Promise.all(shards.map(one)).catch((err: unknown) => {
    for (const w of workers) void w.terminate();
    throw err;
  });
}

/** `--workers N`: the search as N worker shards, merged into the result of shard I/M (0/1 by default). */
export function runFuzzWorkersCommand(opts: FuzzCommandOptions): Promise<number> {
  const p = prepare(opts);
  const bar = progressBar(p.json);
  const started = Date.now();
  return runShardsInWorkers({
    clusterFile: opts.cluster,
    propertyNames: p.ctx.propertyNames,
    runs: p.runs,
    seed: p.seed,
    shard: p.shard,
    shrinkRuns: p.shrinkRuns,
    // No more threads than runs: a sub-shard without runs would only start a thread.
    workers: Math.max(1, Math.min(opts.workers ?? 1, shardRunIndexes(p.runs, p.shard).length)),
    ...(bar ? { onRun: bar.update } : {}),
  }).then(
    (reports) => {
      bar?.stop();
      const wallMs = Date.now() - started;
      const named = reports.map((r) => ({ name: `worker of shard ${formatShard(r.shard)}`, result: resultOfReport(r, p.ctx) }));
      const failing = named.filter((x) => x.result.counterexample).sort((a, b) => a.result.counterexample!.runIndex - b.result.counterexample!.runIndex)[0];
      const merged = mergeResults(named, { target: p.shard, wallMs, searchWallMs: failing ? failing.result.searchWallMs : wallMs });
      return finishResult(merged, p.out, p.json);
    },
    (err: Error) => {
      bar?.stop();
      process.stderr.write(`kubesim fuzz: ${err.message}\nThis is a kubesim bug, please report it with the command and its input files.\n`);
      return EXIT_BUG;
    },
  );
}

/** `kubesim fuzz merge PATH...`: the shards' results as one process's. */
export function mergeCommand(paths: readonly string[], opts: { out?: string; json?: boolean }): number {
  const out = opts.out ?? DEFAULT_OUT;
  checkOutDir(out);
  const inputs = readResults(paths);
  const merged = mergeResults(inputs);
  if (!opts.json) {
    console.log(`kubesim fuzz merge: ${inputs.length} shard result${inputs.length === 1 ? '' : 's'}, ${merged.runs} runs, seed ${merged.seed}, properties ${merged.propertyNames.join(', ')}`);
    console.log(`  ${merged.cluster ?? 'default cluster'} (cluster digest ${merged.clusterDigest}); wall time is the longest shard's`);
  }
  return finishResult(merged, out, opts.json ?? false);
}
