import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkTrace, TraceFileError } from '../actors/checks/index.ts';
import { canonicalJson } from '../actors/kernel/canonical-json.ts';
import { TRACE_LEVELS, traceLineKept, type TraceEvent, type TraceLevel } from '../actors/kernel/trace.ts';
import { runScenario, type RunResult } from '../actors/scenario/runner.ts';
import { registerBench } from './bench.ts';
import { registerFuzz } from './fuzz/command.ts';
import { PROPERTIES } from './fuzz/properties.ts';
import { checkPropertiesCommand, traceFileEvents } from './check/properties.ts';
import type { ScenarioSpec } from '../actors/scenario/spec.ts';
import { loadScenarioFile, parseDuration, ScenarioError } from './loader/index.ts';
import { explain } from './explain.ts';
import { formatSeconds, TimelineFormatter } from './timeline-format.ts';
import { SHOWABLE, showTables, type Showable } from './tables.ts';
import { parseSeedsOption, parseWorkersOption, runSeedsCommand } from './seeds.ts';
import { reportFromTraceFile, RunReport, writePage } from './report/index.ts';
import { EXIT_BAD_INPUT, EXIT_BUG, EXIT_FAILED, HeapWatch, InputError, TraceFile, reportBug, reportError, resourceLimit, runEnd } from './guard.ts';
import { limitHeapGrowth } from './heap-growth.ts';

/**
 * Exit codes: 0 all expectations and invariants hold, 1 one failed, 2 bad input or a limit
 * reached (memory, stack), 70 a kubesim bug (see guard.ts).
 */

function parseSeed(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('the seed must not be empty');
  return value.trim();
}

function parseTime(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.reason}; write a duration like 40s or 1m30s`);
  return parsed.ms;
}

function parseShow(value: string): Showable[] {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!(SHOWABLE as readonly string[]).includes(k)) throw new InvalidArgumentError(`cannot show "${k}"; choose from ${SHOWABLE.join(', ')}`);
  }
  return kinds as Showable[];
}

/** A word for a POSIX shell: as is when it is safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The options of `run` that change the trace, hence the fingerprint: a replay must repeat them. */
function fingerprintFlags(options: { explain?: string }): string[] {
  return options.explain !== undefined ? ['--explain', options.explain] : [];
}

function replayCommand(result: RunResult, flags: readonly string[] = []): string {
  return ['npx kubesim run', shellWord(result.file), '--seed', shellWord(result.seed), ...flags.map(shellWord)].join(' ');
}

function describeCluster(spec: ScenarioSpec): string {
  const e = spec.cluster.etcd;
  const n = spec.cluster.network;
  const switches = `preVote ${e.preVote ? 'on' : 'off'}, checkQuorum ${e.checkQuorum ? 'on' : 'off'}`;
  const faults = [
    n.lossProbability > 0 ? `loss ${n.lossProbability * 100}%` : '',
    n.duplicateProbability > 0 ? `duplication ${n.duplicateProbability * 100}%` : '',
    n.reorderProbability > 0 ? `reorder ${n.reorderProbability * 100}%` : '',
  ].filter(Boolean);
  return `etcd ${e.members} members (${switches}, heartbeat ${e.heartbeatIntervalMs} ms, election timeout ${e.electionTimeoutMs} ms); network ${n.latencyMsMin}-${n.latencyMsMax} ms${faults.length > 0 ? `, ${faults.join(', ')}` : ''}`;
}

type RunCommandOptions = { seed?: string; trace?: string; traceLevel?: TraceLevel; json?: boolean; show?: Showable[]; explain?: string; report?: string };

function run(file: string, options: RunCommandOptions): number {
  const spec = loadScenarioFile(file, options.seed === undefined ? {} : { seed: options.seed });
  // Opened before the run: a path that cannot be written is reported before any work.
  const traceFile = options.trace !== undefined ? TraceFile.open(options.trace, file) : undefined;
  try {
    return runOpened(spec, file, traceFile, options);
  } catch (err) {
    traceFile?.discard();
    throw err;
  }
}

function runOpened(spec: ScenarioSpec, file: string, traceFile: TraceFile | undefined, options: RunCommandOptions): number {
  const formatter = new TimelineFormatter(new Set(spec.clients.map((c) => c.name)));
  const live = !options.json;
  const level = options.traceLevel ?? 'normal';
  if (live) {
    console.log(`kubesim run ${file}  (scenario ${spec.name}, seed ${spec.seed}, duration ${formatSeconds(spec.durationMs)})`);
    if (spec.description) console.log(`  ${spec.description}`);
    console.log(`  ${describeCluster(spec)}`);
    console.log('');
  }
  const heap = new HeapWatch();
  // The report sees every line, whatever the level keeps: its lanes need the normal level's lines.
  const report = options.report !== undefined ? new RunReport(`kubesim run ${file} --seed ${spec.seed}`) : undefined;
  const { sim, result, state, outcomes } = runScenario(spec, {
    ...(options.explain ? { explainPods: options.explain.split(',').map((p) => (p.includes('/') ? p : `default/${p}`)) } : {}),
    traceLevel: level,
    onTrace: (e: TraceEvent) => {
      report?.add(e);
      // The level picks what is written and printed; every line is fingerprinted regardless.
      if (!traceLineKept(level, e.kind)) return;
      traceFile?.write(e);
      if (live) {
        const line = formatter.line(e) ?? (level === 'debug' ? `${formatSeconds(e.t).padStart(10)}  ${canonicalJson(e)}` : null);
        if (line !== null) console.log(line);
      }
    },
    // Never throws: an exception inside an actor's emit would be swallowed by XState; the run is stopped instead.
    onEvent: (sim) => {
      const full = heap.tick();
      if (full !== undefined) sim.stop(`out of memory: ${full}`);
      else if (traceFile?.failed !== undefined) sim.stop(`cannot write the trace: ${traceFile.failed}`);
    },
  });
  if (heap.exhausted !== undefined) {
    throw new InputError(`${file}: the run stopped at ${formatSeconds(result.virtualMs)} (virtual), after ${result.events} events: ${heap.exhausted}.`);
  }
  traceFile?.close();
  if (traceFile?.failed !== undefined) throw new InputError(`${traceFile.path}: cannot write the trace: ${traceFile.failed}`);
  if (report && options.report !== undefined) writeReport(options.report, report.page(result.virtualMs));

  if (options.json) {
    console.log(
      JSON.stringify({
        scenario: result.scenario,
        file: result.file,
        seed: result.seed,
        ok: result.ok,
        status: result.status,
        stopReason: result.stopReason,
        fingerprint: result.fingerprint,
        virtualMs: result.virtualMs,
        events: result.events,
        traceLines: result.traceLines,
        messages: result.messages,
        expectations: result.expectations.map((x) => ({ name: x.name, ok: x.ok, detail: x.detail, atMs: x.atMs, line: x.source.line })),
        violations: result.violations,
        replay: replayCommand(result, fingerprintFlags(options)),
      }),
    );
    return exitCode(result);
  }

  console.log('');
  if (options.show && options.show.length > 0) console.log(showTables(state, options.show, result.virtualMs, sim, outcomes.traffic));
  const passed = result.expectations.filter((x) => x.ok).length;
  console.log(`expectations: ${passed}/${result.expectations.length} hold`);
  for (const x of result.expectations) {
    const mark = x.ok ? 'ok  ' : 'FAIL';
    console.log(`  ${mark} ${x.name}  [${formatSeconds(x.atMs)}]${x.ok ? '' : `\n         ${x.detail}\n         (${x.source.file}:${x.source.line}:${x.source.column})`}`);
  }
  if (result.violations.length > 0) {
    console.log('invariants violated:');
    for (const v of result.violations) console.log(`  ${v.invariant} at ${formatSeconds(v.t)}: ${v.detail}`);
  } else {
    console.log('invariants: all held on every step');
  }
  if (result.stopReason) console.log(`run stopped early: ${result.stopReason}`);
  console.log(`virtual time ${formatSeconds(result.virtualMs)}, ${result.events} events, ${result.messages.sent} messages, ${result.traceLines} trace lines${options.trace ? ` (written to ${options.trace})` : ''}`);
  if (!result.ok) console.log(`replay: ${replayCommand(result, fingerprintFlags(options))}`);
  console.log(`fingerprint: ${result.fingerprint}`);
  return exitCode(result);
}

/** 0 ok, 1 an expectation or invariant failed, 70 when a component died of an internal error (a bug). */
function exitCode(result: RunResult): number {
  const end = runEnd(result);
  if (end.text !== undefined) process.stderr.write(`${end.text}\n`);
  return end.code;
}

function writeReport(path: string, html: string): void {
  try {
    writePage(path, html);
  } catch (err) {
    throw new InputError(`${path}: cannot write the report: ${(err as Error).message}`);
  }
  process.stderr.write(`report written to ${path}\n`);
}

function reportCommand(traceFile: string, options: { output?: string }): number {
  const out = options.output ?? traceFile.replace(/(\.trace)?\.jsonl?$/, '') + '.html';
  if (out === traceFile) throw new InputError(`${traceFile}: the report would overwrite the trace; name it with -o report.html`);
  writeReport(out, reportFromTraceFile(traceFile));
  return 0;
}

function validate(file: string): number {
  const spec = loadScenarioFile(file);
  console.log(`${file}: valid scenario ${spec.name} (${spec.timeline.length} steps, ${spec.expectations.length} expectations)`);
  return 0;
}

function check(traceFile: string): number {
  const heap = new HeapWatch('check a smaller trace');
  function* watched(events: Iterable<TraceEvent>): Generator<TraceEvent> {
    let count = 0;
    for (const e of events) {
      count++;
      const full = heap.tick();
      if (full !== undefined) throw new InputError(`${traceFile}: the check stopped at event ${count}: ${full}.`);
      yield e;
    }
  }
  const violations = checkTrace(watched(traceFileEvents(traceFile)));
  if (violations.length === 0) {
    console.log(`${traceFile}: every invariant holds`);
    return 0;
  }
  for (const v of violations) console.log(`${v.invariant} at ${formatSeconds(v.t)}: ${v.detail}`);
  return EXIT_FAILED;
}

export function main(argv: readonly string[]): number {
  try {
    return parseAndRun(argv);
  } catch (err) {
    return reportFailure(err, argv);
  }
}

/** Every failure as one line on stderr (a stack only for a bug, and only with KUBESIM_DEBUG=1), and its exit code. */
function reportFailure(err: unknown, argv: readonly string[]): number {
  const known = (e: unknown): string | undefined => (e instanceof ScenarioError ? e.format() : e instanceof TraceFileError ? e.message : undefined);
  const { text, code } = reportError(err, `running kubesim ${argv.slice(0, 2).join(' ')}`.trim(), known);
  process.stderr.write(`${text}\n`);
  return code;
}

function parseAndRun(argv: readonly string[]): number {
  let exitCode = 0;
  const program = new Command()
    .name('kubesim')
    .description('Deterministic simulator of a Kubernetes control plane: etcd Raft, faults, replay from a seed')
    .exitOverride()
    // Options after a subcommand belong to it: `fuzz merge DIR --json` is merge's --json, not fuzz's.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run')
    .description('run a scenario file and print what happened')
    .argument('<file>', 'scenario YAML file')
    .option('--seed <seed>', "replace the scenario's seed", parseSeed)
    .option('--trace <file>', 'write the trace as JSON lines to this file')
    .addOption(new Option('--trace-level <level>', 'which trace lines are printed and written: summary (faults, leaders, expectations, violations), normal, debug (also every other line, as JSON); the fingerprint covers every line at every level').choices(TRACE_LEVELS).default('normal'))
    .option('--json', 'print one JSON object instead of the timeline')
    .option('--explain <pods>', 'record these pods\' scheduling decisions in full in the trace (k8s.explain), e.g. default/web')
    .option('--show <kinds>', `tables of the cluster at the end of the run, like kubectl get: ${SHOWABLE.join(',')}`, parseShow)
    .addOption(new Option('--seeds <list>', 'run once per seed, like 1-50 or 1,3,7-9, and print a table (with --json: one object)').argParser(parseSeedsOption).conflicts(['seed', 'trace', 'show', 'explain']))
    .option('--workers <n>', 'worker threads for --seeds (default: one per core, at most one per seed)', parseWorkersOption)
    .option('--report <path>', 'write the run as an interactive HTML timeline to this file; with --seeds, a folder: an index of every seed and a page per failing seed')
    .action((file: string, opts: RunCommandOptions & { seeds?: string[]; workers?: number }) => {
      // A sweep runs on worker threads: it sets process.exitCode itself when the last seed is done.
      if (opts.seeds !== undefined) void runSeedsCommand(file, { seeds: opts.seeds, ...(opts.workers !== undefined ? { workers: opts.workers } : {}), json: opts.json ?? false, ...(opts.report !== undefined ? { reportDir: opts.report } : {}) }).then((code) => (process.exitCode = code));
      else exitCode = run(file, opts);
    });
  program
    .command('validate')
    .description('check a scenario file without running it')
    .argument('<file>', 'scenario YAML file')
    .action((file: string) => {
      exitCode = validate(file);
    });
  program
    .command('explain')
    .description("explain a pod's scheduling: per node and plugin, filter verdicts and scores")
    .argument('<file>', 'scenario YAML file')
    .requiredOption('--pod <namespace/name>', 'the pod to explain')
    .option('--at <time>', 'the decision in force at this virtual time (default: the last)', parseTime)
    .option('--seed <seed>', "replace the scenario's seed", parseSeed)
    .action((file: string, opts: { pod: string; at?: number; seed?: string }) => {
      exitCode = explain(file, { pod: opts.pod, ...(opts.at !== undefined ? { atMs: opts.at } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    });
  program
    .command('report')
    .description('draw a trace file (run --trace) as one self-contained, interactive HTML timeline')
    .argument('<trace>', 'trace JSON-lines file')
    .option('-o, --output <file>', 'the HTML file to write (default: the trace\'s name with .html)')
    .action((file: string, opts: { output?: string }) => {
      exitCode = reportCommand(file, opts);
    });
  program
    .command('check')
    .description('check every invariant over a trace file written by run --trace; with --property, judge fuzz properties on it instead')
    .argument('<trace>', 'trace JSON-lines file')
    .option('--property <names>', `fuzz properties that judge a trace (repeat, or a comma list): ${PROPERTIES.filter((p) => p.needsTrace).map((p) => p.name).join(', ')}`, (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)])
    .option('--json', 'with --property: print one JSON object')
    .action((file: string, opts: { property?: string[]; json?: boolean }) => {
      exitCode = opts.property !== undefined ? checkPropertiesCommand(file, opts.property, opts.json ?? false) : check(file);
    });
  registerBench(program, (code) => {
    exitCode = code;
  });
  registerFuzz(program, (code) => {
    exitCode = code;
  });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    throw err;
  }
  return exitCode;
}

// Output piped into a command that stops reading (`kubesim run x | head`): end quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw err;
  });
}
// An exception that escapes later (XState reports some through a timer) is reported the same way.
process.on('uncaughtException', (err) => {
  process.stderr.write(`${resourceLimit(err) ?? reportBug(err, 'running kubesim')}\n`);
  process.exit(resourceLimit(err) !== undefined ? EXIT_BAD_INPUT : EXIT_BUG);
});
limitHeapGrowth();
process.exitCode = main(process.argv.slice(2));
