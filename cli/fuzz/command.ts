import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { toScenarioYaml } from '../scenario-writer.ts';
import { EXIT_FAILED, InputError } from '../guard.ts';
import { formatSeconds } from '../timeline-format.ts';
import { clusterFromFile, defaultCluster, type FuzzCluster } from './cluster.ts';
import { fuzz, judgeSpec, type Counterexample, type FuzzReport, type Shard } from './engine.ts';
import { loadScenarioFile } from '../loader/index.ts';
import { PROPERTIES, PROPERTY_NAMES, type FuzzProperty } from './properties.ts';
import { describeSchedule } from './schedule.ts';

/**
 * `kubesim fuzz`: property-based fault testing of the cluster (issue 11, first slice). Options
 * are checked before any run; a bad one is a usage error (exit 2). Exit 1 when a property fails
 * (its shrunk counterexample is written as a scenario file), 0 otherwise — `unknown` and
 * `not-checkable` verdicts are reported, not failures.
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
}

const DEFAULT_RUNS = 20;
const DEFAULT_OUT = 'fuzz-out';

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
  program
    .command('fuzz')
    .description('search for fault and workload schedules that break a property; shrink a failure to a replayable scenario file')
    .addOption(new Option('--property <names>', `properties to check (repeat, or a comma list): ${PROPERTY_NAMES.join(', ')} (default: all)`).argParser(collectProperties))
    .option('--runs <n>', `schedules to run (default ${DEFAULT_RUNS})`, positiveInteger('--runs'))
    .option('--seed <n>', 'fast-check seed (default: a fresh one, printed); runs with the same seed are the same runs', parseFuzzSeed)
    .option('--cluster <file>', 'the cluster of this scenario file (its timeline and expectations dropped) instead of the default one')
    .option('--out <dir>', `where counterexamples are written (default ${DEFAULT_OUT})`)
    .option('--json', 'print one JSON object')
    .option('--shard <i/n>', 'run only shard I of N: N shards with the same --seed and --runs cover exactly the runs of one process', parseShard)
    .option('--path <path>', 'replay one fast-check path from a report (with its --seed)')
    .option('--shrink-runs <n>', 'the most simulations spent shrinking a failure (default 100)', positiveInteger('--shrink-runs', 100_000))
    .addOption(new Option('--replay <file>', 'run one scenario file (a counterexample) and judge the properties on it').conflicts(['runs', 'seed', 'cluster', 'shard', 'path', 'shrinkRuns', 'out']))
    .action((opts: FuzzCommandOptions) => {
      setExitCode(opts.replay !== undefined ? replayCommand(opts.replay, opts) : runFuzzCommand(opts));
    });
}

function selectedProperties(names: readonly string[] | undefined): FuzzProperty[] {
  if (!names || names.length === 0) return [...PROPERTIES];
  return PROPERTIES.filter((p) => names.includes(p.name));
}

function describeCluster(c: FuzzCluster, file: string | undefined): string {
  const parts = [`${c.members.length} etcd members`];
  if (c.apiservers.length > 0) parts.push(`${c.apiservers.length} apiservers, ${c.schedulers.length} schedulers, ${c.controllerManagers.length} controller-managers, ${c.nodes.length} nodes`);
  if (c.deployment) parts.push(`deployment/${c.deployment.name} (${c.deployment.replicas} replicas)`);
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
export function fastCheckReplay(cx: Counterexample, opts: FuzzCommandOptions): string {
  return ['npx', 'kubesim', 'fuzz', '--seed', String(cx.seed), '--path', cx.path, '--property', cx.property, ...(opts.cluster ? ['--cluster', opts.cluster] : [])].map(shellWord).join(' ');
}

/** Writes DIR/<property>-<seed>.yaml; returns its path. */
export function writeCounterexample(dir: string, cx: Counterexample, opts: FuzzCommandOptions): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${cx.property}-${cx.seed}.yaml`);
  const header = [
    `kubesim fuzz counterexample: property ${cx.property} fails`,
    `  ${cx.detail.split('\n')[0]}`,
    `fast-check seed ${cx.seed}, path ${cx.path} (run ${cx.runIndex}, shrunk from ${cx.originalCommands} to ${cx.schedule.commands.length} commands in ${cx.shrinkRuns} shrink runs)`,
    `replay: npx kubesim run ${file}   (fingerprint ${cx.fingerprint})`,
    `fast-check replay: ${fastCheckReplay(cx, opts)}`,
    ...(cx.property === 'linearizability' || cx.property === 'watch'
      ? [`kubesim run replays the same trace; the ${cx.property} checker is not an expectation yet: re-check it with`, `  npx kubesim fuzz --replay ${file} --property ${cx.property}`]
      : []),
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

export function runFuzzCommand(opts: FuzzCommandOptions): number {
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
  if (!json) {
    console.log(`kubesim fuzz: ${runs} runs${opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count})` : ''}, seed ${seed}, properties ${properties.map((p) => p.name).join(', ')}`);
    console.log(`  ${describeCluster(cluster, opts.cluster)}`);
  }
  const bar = progressBar(json);
  let report: FuzzReport;
  try {
    report = fuzz({
      cluster,
      properties,
      runs,
      seed,
      ...(opts.shard ? { shard: opts.shard } : {}),
      ...(opts.path !== undefined ? { path: opts.path } : {}),
      ...(opts.shrinkRuns !== undefined ? { shrinkRuns: opts.shrinkRuns } : {}),
      ...(bar ? { onRun: bar.update } : {}),
    });
  } finally {
    bar?.stop();
  }
  const cx = report.counterexample;
  const file = cx ? writeCounterexample(out, cx, opts) : undefined;
  // Shrinking is left out: it re-runs one schedule, not new ones.
  const runsPerSecond = report.searchWallMs > 0 ? report.runRecords.length / (report.searchWallMs / 1000) : 0;
  const failures = Object.fromEntries(Object.entries(report.properties).map(([name, t]) => [name, t.fail]));
  if (json) {
    console.log(
      JSON.stringify({
        seed: report.seed,
        runs: report.runs,
        shard: `${report.shard.index}/${report.shard.count}`,
        runsDone: report.runRecords.length,
        events: report.events,
        virtualMs: report.virtualMs,
        wallMs: report.wallMs,
        searchWallMs: report.searchWallMs,
        runsPerSecond: Number(runsPerSecond.toFixed(3)),
        failures,
        properties: report.properties,
        counterexample: cx
          ? {
              property: cx.property,
              detail: cx.detail,
              file,
              fingerprint: cx.fingerprint,
              seed: cx.seed,
              path: cx.path,
              runIndex: cx.runIndex,
              originalCommands: cx.originalCommands,
              shrunkCommands: cx.schedule.commands.length,
              shrinkRuns: cx.shrinkRuns,
              failedOnFirstRun: cx.failedOnFirstRun,
              replay: `npx kubesim run ${file}`,
              fastCheckReplay: fastCheckReplay(cx, opts),
            }
          : null,
        runRecords: report.runRecords,
      }),
    );
    return cx ? EXIT_FAILED : 0;
  }
  console.log('');
  console.log(
    `runs ${report.runRecords.length}, events ${report.events}, virtual time ${formatSeconds(report.virtualMs)}, wall time ${(report.wallMs / 1000).toFixed(1)} s${report.searchWallMs < report.wallMs ? ` (${(report.searchWallMs / 1000).toFixed(1)} s before shrinking)` : ''}, ${runsPerSecond.toFixed(2)} runs/s`,
  );
  const width = Math.max(...properties.map((p) => p.name.length), 8);
  console.log(`  ${'property'.padEnd(width)}  pass  fail  unknown  not-checkable`);
  for (const p of properties) {
    const t = report.properties[p.name]!;
    console.log(`  ${p.name.padEnd(width)}  ${String(t.pass).padStart(4)}  ${String(t.fail).padStart(4)}  ${String(t.unknown).padStart(7)}  ${String(t.notCheckable).padStart(13)}${t.note ? `   (${t.note})` : ''}`);
  }
  if (!cx) {
    console.log('no property failed');
    return 0;
  }
  console.log('');
  console.log(`FAIL ${cx.property} on run ${cx.runIndex}: ${cx.detail}`);
  for (const other of cx.failedOnFirstRun.filter((f) => f.property !== cx.property)) console.log(`  also failed on that run (not shrunk): ${other.property}: ${other.detail}`);
  console.log(`shrunk from ${cx.originalCommands} to ${cx.schedule.commands.length} commands (${cx.shrinkRuns} shrink runs):`);
  for (const line of describeSchedule(cx.schedule)) console.log(`  ${line}`);
  console.log(`fast-check seed ${cx.seed}, path ${cx.path}`);
  console.log(`counterexample: ${file}`);
  console.log(`replay: npx kubesim run ${file}   (fingerprint ${cx.fingerprint})`);
  console.log(`fast-check replay: ${fastCheckReplay(cx, opts)}`);
  return EXIT_FAILED;
}
