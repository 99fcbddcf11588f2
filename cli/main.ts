import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { checkTraceFile } from '../actors/checks/index.ts';
import { runScenario, type RunResult } from '../actors/scenario/runner.ts';
import { registerBench } from './bench.ts';
import type { ScenarioSpec } from '../actors/scenario/spec.ts';
import { loadScenarioFile, parseDuration, ScenarioError } from './loader/index.ts';
import { explain } from './explain.ts';
import { formatSeconds, TimelineFormatter } from './timeline-format.ts';
import { SHOWABLE, showTables, type Showable } from './tables.ts';
import { parseSeedsOption, parseWorkersOption, runSeedsCommand } from './seeds.ts';

/** Exit codes: 0 all expectations and invariants hold, 1 one failed, 2 bad input. */
const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;

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

function replayCommand(result: RunResult): string {
  return `npx kubesim run ${result.file} --seed ${result.seed}`;
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

function run(file: string, options: { seed?: string; trace?: string; json?: boolean; show?: Showable[]; explain?: string }): number {
  const spec = loadScenarioFile(file, options.seed === undefined ? {} : { seed: options.seed });
  const formatter = new TimelineFormatter(new Set(spec.clients.map((c) => c.name)));
  const live = !options.json;
  if (live) {
    console.log(`kubesim run ${file}  (scenario ${spec.name}, seed ${spec.seed}, duration ${formatSeconds(spec.durationMs)})`);
    if (spec.description) console.log(`  ${spec.description}`);
    console.log(`  ${describeCluster(spec)}`);
    console.log('');
  }
  const { sim, result, state } = runScenario(spec, {
    keepTraceLines: options.trace !== undefined,
    ...(options.explain ? { explainPods: options.explain.split(',').map((p) => (p.includes('/') ? p : `default/${p}`)) } : {}),
    onTrace: live
      ? (e) => {
          const line = formatter.line(e);
          if (line !== null) console.log(line);
        }
      : undefined,
  });
  if (options.trace !== undefined) writeFileSync(options.trace, sim.trace.getLines().map((l) => `${l}\n`).join(''));

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
        replay: replayCommand(result),
      }),
    );
    return result.ok ? 0 : EXIT_FAILED;
  }

  console.log('');
  if (options.show && options.show.length > 0) console.log(showTables(state, options.show, result.virtualMs, sim));
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
  if (!result.ok) console.log(`replay: ${replayCommand(result)}`);
  console.log(`fingerprint: ${result.fingerprint}`);
  return result.ok ? 0 : EXIT_FAILED;
}

function validate(file: string): number {
  const spec = loadScenarioFile(file);
  console.log(`${file}: valid scenario ${spec.name} (${spec.timeline.length} steps, ${spec.expectations.length} expectations)`);
  return 0;
}

function check(traceFile: string): number {
  const violations = checkTraceFile(traceFile);
  if (violations.length === 0) {
    console.log(`${traceFile}: every invariant holds`);
    return 0;
  }
  for (const v of violations) console.log(`${v.invariant} at ${formatSeconds(v.t)}: ${v.detail}`);
  return EXIT_FAILED;
}

export function main(argv: readonly string[]): number {
  let exitCode = 0;
  const program = new Command()
    .name('kubesim')
    .description('Deterministic simulator of a Kubernetes control plane: etcd Raft, faults, replay from a seed')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run')
    .description('run a scenario file and print what happened')
    .argument('<file>', 'scenario YAML file')
    .option('--seed <seed>', "replace the scenario's seed", parseSeed)
    .option('--trace <file>', 'write the trace as JSON lines to this file')
    .option('--json', 'print one JSON object instead of the timeline')
    .option('--explain <pods>', 'record these pods\' scheduling decisions in full in the trace (k8s.explain), e.g. default/web')
    .option('--show <kinds>', `tables of the cluster at the end of the run, like kubectl get: ${SHOWABLE.join(',')}`, parseShow)
    .addOption(new Option('--seeds <list>', 'run once per seed, like 1-50 or 1,3,7-9, and print a table (with --json: one object)').argParser(parseSeedsOption).conflicts(['seed', 'trace', 'show', 'explain']))
    .option('--workers <n>', 'worker threads for --seeds (default: one per core, at most one per seed)', parseWorkersOption)
    .action((file: string, opts: { seed?: string; trace?: string; json?: boolean; show?: Showable[]; explain?: string; seeds?: string[]; workers?: number }) => {
      // A sweep runs on worker threads: it sets process.exitCode itself when the last seed is done.
      if (opts.seeds !== undefined) void runSeedsCommand(file, { seeds: opts.seeds, ...(opts.workers !== undefined ? { workers: opts.workers } : {}), json: opts.json ?? false }).then((code) => (process.exitCode = code));
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
    .command('check')
    .description('check every invariant over a trace file written by run --trace')
    .argument('<trace>', 'trace JSON-lines file')
    .action((file: string) => {
      exitCode = check(file);
    });
  registerBench(program, (code) => {
    exitCode = code;
  });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof ScenarioError) {
      process.stderr.write(`${err.format()}\n`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    throw err;
  }
  return exitCode;
}

process.exitCode = main(process.argv.slice(2));
