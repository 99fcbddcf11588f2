/**
 * `kubesim bench scheduler`: scheduler throughput on scheduler_perf-shaped workloads, in mode
 * `scheduler` (the framework loop beside a bare baseline) or `cluster` (end to end through the
 * simulated control plane). Prints a markdown table, or one JSON object with `--json`. A progress
 * bar goes to stderr on an interactive terminal only (not with --json, not when stdout is not a
 * TTY, not when CI is set).
 */
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { toMarkdown } from '../bench/scheduler/report.ts';
import { BenchInputError, runSchedulerBench, type BenchMode } from '../bench/scheduler/run.ts';
import { isWorkloadName, WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from '../bench/scheduler/workloads.ts';
import { runScale, scaleSvg, scaleTable } from '../bench/scale.ts';
import { writeFileSync } from 'node:fs';

const EXIT_FAILED = 1;
const EXIT_BAD_INPUT = 2;
/** Largest sizes accepted: beyond these a run would not finish in reasonable time or memory. */
const MAX_NODES = 100_000;
const MAX_PODS = 1_000_000;

function integer(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const text = value.trim();
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    const n = Number(text);
    if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function parseWorkload(value: string): WorkloadName {
  if (!isWorkloadName(value)) throw new InvalidArgumentError(`unknown workload "${value}"; choose from ${WORKLOAD_NAMES.join(', ')}`);
  return value;
}

function parseMode(value: string): BenchMode {
  if (value !== 'scheduler' && value !== 'cluster') throw new InvalidArgumentError(`unknown mode "${value}"; choose scheduler or cluster`);
  return value;
}

function parseSeed(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('the seed must not be empty');
  return value.trim();
}

interface SchedulerBenchCliOptions {
  workload: WorkloadName;
  mode: BenchMode;
  nodes?: number;
  pods?: number;
  initPods?: number;
  seed?: string;
  window?: number;
  json?: boolean;
}

/** A progress bar on stderr, or nothing when the output is not for a person at a terminal. */
function progressBar(json: boolean): { phase(name: string, total: number): void; progress(n: number, total: number): void; stop(): void } | null {
  if (json || !process.stdout.isTTY || !process.stderr.isTTY || process.env['CI']) return null;
  let bar: SingleBar | null = null;
  let last = 0;
  const stop = (): void => {
    bar?.stop();
    bar = null;
  };
  return {
    phase(name, total) {
      stop();
      bar = new SingleBar({ format: `${name.padEnd(9)} [{bar}] {percentage}% | {value}/{total} pods bound | {duration_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
      bar.start(total, 0);
      last = 0;
    },
    progress(n, total) {
      // Every 1%: the callback runs inside the measured loop.
      if (n - last < Math.max(1, Math.floor(total / 100)) && n !== total) return;
      last = n;
      bar?.update(n);
    },
    stop,
  };
}

function benchScheduler(opts: SchedulerBenchCliOptions): number {
  const bar = progressBar(opts.json === true);
  let result: ReturnType<typeof runSchedulerBench>;
  try {
    result = runSchedulerBench({
      workload: opts.workload,
      mode: opts.mode,
      ...(opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
      ...(opts.pods !== undefined ? { pods: opts.pods } : {}),
      ...(opts.initPods !== undefined ? { initPods: opts.initPods } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.window !== undefined ? { windowPods: opts.window } : {}),
      ...(bar ? { onPhase: bar.phase, onProgress: bar.progress } : {}),
    });
  } catch (err) {
    bar?.stop();
    if (err instanceof BenchInputError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
  bar?.stop();
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else console.log(toMarkdown(result));
  return result.violations.length === 0 ? 0 : EXIT_FAILED;
}

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((x) => x.trim());
  if (sizes.length === 0 || sizes.some((x) => !/^\d+$/.test(x))) throw new InvalidArgumentError(`--sizes must be whole numbers separated by commas, like 100,1000,5000; got "${value}"`);
  const n = sizes.map(Number);
  if (n.some((x) => x < 1 || x > MAX_NODES)) throw new InvalidArgumentError(`--sizes must be between 1 and ${MAX_NODES} nodes`);
  if (n.some((x, i) => i > 0 && x <= n[i - 1]!)) throw new InvalidArgumentError('--sizes must grow: 100,1000,5000');
  return n;
}

function benchScale(opts: { sizes: number[]; minutes: number; json?: boolean; svg?: string }): number {
  const tty = !opts.json && process.stderr.isTTY && !process.env['CI'];
  let result;
  try {
    result = runScale(opts.sizes, opts.minutes, (what, nodes) => {
      if (tty) process.stderr.write(`${what} at ${nodes} nodes…\n`);
    });
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
  if (opts.svg) writeFileSync(opts.svg, `${scaleSvg(result)}\n`);
  if (opts.json) console.log(JSON.stringify(result, null, 2));
  else console.log(scaleTable(result));
  return 0;
}

/** Registers `kubesim bench scheduler` and `kubesim bench scale`; `done` receives the exit code. */
export function registerBench(program: Command, done: (exitCode: number) => void): void {
  const bench = program.command('bench').description('measure kubesim: scheduler throughput on scheduler_perf workloads');
  const defaults = WORKLOAD_NAMES.map((n) => `${n} ${WORKLOADS[n].defaultNodes}/${WORKLOADS[n].defaultMeasuredPods}`).join(', ');
  bench
    .command('scheduler')
    .description('scheduler throughput (pods/s) on a scheduler_perf-shaped workload, beside its published threshold')
    .option('--workload <name>', `one of ${WORKLOAD_NAMES.join(', ')}`, parseWorkload, 'SchedulingBasic' as WorkloadName)
    .option('--nodes <n>', `nodes (default per workload, nodes/measured pods: ${defaults})`, integer('--nodes', 1, MAX_NODES))
    .option('--pods <m>', 'measured pods (default per workload)', integer('--pods', 1, MAX_PODS))
    .option('--init-pods <k>', "init pods, scheduled before the measured ones (default: scheduler_perf's ratio to nodes)", integer('--init-pods', 0, MAX_PODS))
    .option('--mode <mode>', 'scheduler: the framework loop and a bare baseline; cluster: end to end through apiserver, etcd and kubelets', parseMode, 'scheduler' as BenchMode)
    .option('--seed <seed>', 'seed of the workload generator and of the scheduler draws', parseSeed)
    .option('--window <pods>', 'pods per throughput window for the p95 (default 500)', integer('--window', 1, MAX_PODS))
    .option('--json', 'print one JSON object instead of a markdown table')
    .action((opts: SchedulerBenchCliOptions) => {
      done(benchScheduler(opts));
    });
  bench
    .command('scale')
    .description('how cost grows with the cluster: an idle cluster and SchedulingBasic end to end at each size, wall time, events, peak memory and the growth exponent')
    .option('--sizes <list>', 'node counts, growing, comma-separated', parseSizes, [100, 1000, 5000, 10_000])
    .option('--minutes <m>', 'virtual minutes of the idle cluster', integer('--minutes', 1, 60), 2)
    .option('--svg <file>', 'also write the curve as an SVG plot')
    .option('--json', 'print one JSON object instead of a markdown table')
    .action((opts: { sizes: number[]; minutes: number; json?: boolean; svg?: string }) => {
      done(benchScale(opts));
    });
}
