/**
 * `kubesim run FILE --seeds 1-50 [--workers N]`: one scenario over many seeds, in worker threads.
 *
 * Each seed is an independent, deterministic run; workers take seeds from a shared queue and the
 * results are sorted by seed, so the output (stdout, and the JSON object) is the same whatever the
 * number of workers. Exit 0 only if every seed holds every expectation and invariant.
 */
import { InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { runScenario } from '../actors/scenario/runner.ts';
import type { Violation } from '../actors/checks/index.ts';
import { loadScenarioFile } from './loader/index.ts';
import { renderIndexPage, RunReport, writePage } from './report/index.ts';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { InputError } from './guard.ts';

const EXIT_FAILED = 1;
/** Bounds: a sweep of more seeds than this is better split up. */
export const MAX_SEEDS = 100_000;
export const MAX_WORKERS = 256;

/** The outcome of one seed, as small as a worker can post back. */
export interface SeedResult {
  seed: string;
  ok: boolean;
  failed: { name: string; detail: string; atMs: number; line: number }[];
  violations: Violation[];
  stopReason: string | null;
  /** The run threw: a simulator bug, reported for this seed instead of ending the sweep. */
  error: string | null;
  fingerprint: string;
  virtualMs: number;
  events: number;
  /** `--report DIR`: the failing seed's page, relative to DIR. */
  report?: string;
}

export interface SeedsSummary {
  scenario: string;
  file: string;
  seeds: string;
  count: number;
  ok: boolean;
  passed: number;
  failedSeeds: string[];
  results: (SeedResult & { replay: string })[];
}

/**
 * `1-50`, `1,3,7-9`, `5`: non-negative integers and inclusive ranges, separated by commas.
 * Returns the distinct seeds in ascending order. Throws an Error saying what is wrong.
 */
export function parseSeedList(text: string): string[] {
  const seeds = new Set<bigint>();
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.every((s) => s === '')) throw new Error('no seeds given; write them like 1-50 or 1,3,7-9');
  for (const item of items) {
    if (item === '') throw new Error(`empty item in "${text}"; write seeds like 1-50 or 1,3,7-9`);
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) throw new Error(`"${item}" is not a seed or a range; write seeds like 1-50 or 1,3,7-9 (whole numbers)`);
    const from = BigInt(m[1]!);
    const to = m[2] === undefined ? from : BigInt(m[2]);
    if (to < from) throw new Error(`the range "${item}" ends before it starts; write it like ${to}-${from}`);
    if (to - from + 1n > BigInt(MAX_SEEDS)) throw new Error(`the range "${item}" has more than ${MAX_SEEDS} seeds`);
    for (let s = from; s <= to; s++) {
      seeds.add(s);
      if (seeds.size > MAX_SEEDS) throw new Error(`more than ${MAX_SEEDS} seeds; split the sweep`);
    }
  }
  return [...seeds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
}

/** commander's parser for --seeds. */
export function parseSeedsOption(value: string): string[] {
  try {
    return parseSeedList(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** commander's parser for --workers. */
export function parseWorkersOption(value: string): number {
  const text = value.trim();
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`--workers must be a whole number, got "${value}"`);
  const n = Number(text);
  if (n < 1 || n > MAX_WORKERS) throw new InvalidArgumentError(`--workers must be between 1 and ${MAX_WORKERS}, got ${n}`);
  return n;
}

/** The page of one seed in a `--report DIR`. */
export function seedPageName(seed: string): string {
  return `seed-${seed}.html`;
}

/** Runs one seed of a scenario file, in this thread. Never throws for a failing run. With `reportDir`, a failing seed's page is written there. */
export function runSeed(file: string, seed: string, reportDir?: string): SeedResult {
  const spec = loadScenarioFile(file, { seed });
  try {
    const report = reportDir !== undefined ? new RunReport(`kubesim run ${file} --seed ${seed}`) : undefined;
    const { result } = runScenario(spec, report ? { onTrace: report.add } : {});
    let page: string | undefined;
    if (report && reportDir !== undefined && !result.ok) {
      page = seedPageName(seed);
      writePage(join(reportDir, page), report.page(result.virtualMs));
    }
    return {
      ...(page !== undefined ? { report: page } : {}),
      seed,
      ok: result.ok,
      failed: result.expectations.filter((x) => !x.ok).map((x) => ({ name: x.name, detail: x.detail, atMs: x.atMs, line: x.source.line })),
      violations: result.violations,
      stopReason: result.stopReason,
      error: null,
      fingerprint: result.fingerprint,
      virtualMs: result.virtualMs,
      events: result.events,
    };
  } catch (err) {
    const e = err as Error;
    return { seed, ok: false, failed: [], violations: [], stopReason: null, error: `${e.name}: ${e.message}`, fingerprint: '', virtualMs: 0, events: 0 };
  }
}

/** How many workers by default: one per core, but not more than there are seeds. */
export function defaultWorkers(seedCount: number): number {
  return Math.max(1, Math.min(availableParallelism(), seedCount));
}

/** One unit of work: a seed of a file (a sweep over several files shares one pool). */
export interface SeedJob {
  file: string;
  seed: string;
  /** `--report DIR`: write a failing seed's page there. */
  reportDir?: string;
}

/**
 * Runs every job, on `workers` worker threads (in this thread when workers is 1), and returns the
 * results in the order of `jobs`, whatever order they finished in.
 */
export async function runSeedJobs(jobs: readonly SeedJob[], workers: number, onDone?: (done: number, total: number) => void): Promise<SeedResult[]> {
  const results: (SeedResult | undefined)[] = new Array(jobs.length);
  let done = 0;
  if (workers <= 1 || jobs.length <= 1) {
    for (const [i, job] of jobs.entries()) {
      results[i] = runSeed(job.file, job.seed, job.reportDir);
      onDone?.(++done, jobs.length);
    }
    return results as SeedResult[];
  }
  let next = 0;
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => {
    return new Promise<void>((resolve, reject) => {
      // The bootstrap registers tsx in the worker, then imports seed-worker.ts (Node 20 does not
      // apply --import or tsx's register() to a worker's .ts entry point).
      const worker = new Worker(new URL('./seed-worker.mjs', import.meta.url));
      let current = -1;
      const feed = (): void => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next++;
        worker.postMessage({ index: current, ...jobs[current]! });
      };
      worker.on('message', (msg: { index: number; result: SeedResult }) => {
        results[msg.index] = msg.result;
        onDone?.(++done, jobs.length);
        feed();
      });
      worker.on('error', (err) => {
        const job = current >= 0 ? jobs[current] : undefined;
        reject(new Error(`a seed worker failed${job ? ` on ${job.file} seed ${job.seed}` : ''}: ${err.message}`));
      });
      worker.on('online', feed);
    });
  });
  await Promise.all(pool);
  return results as SeedResult[];
}

export function replayCommand(file: string, seed: string): string {
  return `npx kubesim run ${file} --seed ${seed}`;
}

/** Runs a scenario file over seeds and summarises; the file must already load (checked by the caller). */
export async function sweep(file: string, seeds: readonly string[], workers: number, onDone?: (done: number, total: number) => void, reportDir?: string): Promise<SeedsSummary> {
  const spec = loadScenarioFile(file);
  const results = await runSeedJobs(
    seeds.map((seed) => ({ file, seed, ...(reportDir !== undefined ? { reportDir } : {}) })),
    workers,
    onDone,
  );
  const failedSeeds = results.filter((r) => !r.ok).map((r) => r.seed);
  return {
    scenario: spec.name,
    file,
    seeds: compactSeeds(seeds),
    count: seeds.length,
    ok: failedSeeds.length === 0,
    passed: seeds.length - failedSeeds.length,
    failedSeeds,
    results: results.map((r) => ({ ...r, replay: replayCommand(file, r.seed) })),
  };
}

/** `1,2,3,5` → `1-3,5` (seeds sorted ascending). */
export function compactSeeds(seeds: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < seeds.length) {
    let j = i;
    while (j + 1 < seeds.length && BigInt(seeds[j + 1]!) === BigInt(seeds[j]!) + 1n) j++;
    parts.push(j === i ? seeds[i]! : `${seeds[i]}-${seeds[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** What failed in one seed, in a few words for the table. */
function failureSummary(r: SeedResult): string {
  const parts: string[] = [];
  if (r.error) parts.push(`crashed: ${r.error}`);
  for (const v of r.violations) parts.push(`invariant ${v.invariant}`);
  for (const f of r.failed) parts.push(f.name);
  if (r.stopReason && r.violations.length === 0) parts.push(`stopped: ${r.stopReason}`);
  return parts.join('; ');
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The table and the failures, as printed (the same text for any number of workers). */
export function formatSweep(s: SeedsSummary): string {
  const seedWidth = Math.max(4, ...s.results.map((r) => r.seed.length));
  const failWidth = 56;
  const lines: string[] = [];
  lines.push(`kubesim run ${s.file} --seeds ${s.seeds}  (scenario ${s.scenario}, ${s.count} seed${s.count === 1 ? '' : 's'})`);
  lines.push('');
  lines.push(`${'seed'.padStart(seedWidth)}  ok    ${'failed expectations'.padEnd(failWidth)}  fingerprint`);
  for (const r of s.results) {
    const failed = r.ok ? '-' : clip(failureSummary(r), failWidth);
    lines.push(`${r.seed.padStart(seedWidth)}  ${r.ok ? 'ok  ' : 'FAIL'}  ${failed.padEnd(failWidth)}  ${r.fingerprint ? r.fingerprint.slice(0, 16) : '-'}`);
  }
  lines.push('');
  lines.push(`${s.passed}/${s.count} seeds hold${s.ok ? '' : `; failing: ${s.failedSeeds.join(', ')}`}`);
  for (const r of s.results.filter((x) => !x.ok)) {
    lines.push('');
    lines.push(`seed ${r.seed}:`);
    if (r.error) lines.push(`  crashed: ${r.error}`);
    for (const f of r.failed) lines.push(`  FAIL ${f.name}  [${(f.atMs / 1000).toFixed(3)}s]\n       ${f.detail}\n       (${s.file}:${f.line})`);
    for (const v of r.violations) lines.push(`  invariant ${v.invariant} violated at ${(v.t / 1000).toFixed(3)}s: ${v.detail}`);
    if (r.stopReason) lines.push(`  run stopped early: ${r.stopReason}`);
    lines.push(`  replay: ${r.replay}`);
  }
  return lines.join('\n');
}

export interface SeedsCliOptions {
  seeds: string[];
  workers?: number;
  json?: boolean;
  /** Write index.html (every seed) and a page per failing seed to this folder. */
  reportDir?: string;
}

/** `--report DIR`: index.html, listing every seed with its outcome and linking each failing seed's page. */
export function writeSweepIndex(dir: string, s: SeedsSummary): string {
  const path = join(dir, 'index.html');
  const entries = s.results.map((r) => ({ seed: r.seed, ok: r.ok, summary: r.ok ? '' : failureSummary(r), fingerprint: r.fingerprint, ...(r.report !== undefined ? { page: r.report } : {}) }));
  writePage(path, renderIndexPage(`kubesim run ${s.file} --seeds ${s.seeds} (scenario ${s.scenario})`, entries));
  return path;
}

/** The CLI: loads the file first (bad input throws ScenarioError synchronously, exit 2), then sweeps. */
export function runSeedsCommand(file: string, options: SeedsCliOptions): Promise<number> {
  loadScenarioFile(file); // validate before starting any worker
  if (options.reportDir !== undefined) {
    // A folder that cannot be made is bad input, said before any seed runs.
    try {
      mkdirSync(options.reportDir, { recursive: true });
    } catch (err) {
      throw new InputError(`${options.reportDir}: cannot write the report there: ${(err as Error).message}`);
    }
  }
  const workers = Math.min(options.workers ?? defaultWorkers(options.seeds.length), options.seeds.length);
  process.stderr.write(`running ${options.seeds.length} seed${options.seeds.length === 1 ? '' : 's'} on ${workers} worker${workers === 1 ? '' : 's'}\n`);
  const progress = !options.json && process.stderr.isTTY && !process.env['CI'];
  return sweep(file, options.seeds, workers, progress ? (done, total) => process.stderr.write(`\r${done}/${total} seeds`) : undefined, options.reportDir).then(
    (summary) => {
      if (progress) process.stderr.write('\r\x1b[K');
      if (options.reportDir !== undefined) process.stderr.write(`report written to ${writeSweepIndex(options.reportDir, summary)}\n`);
      console.log(options.json ? JSON.stringify(summary) : formatSweep(summary));
      return summary.ok ? 0 : EXIT_FAILED;
    },
    (err: Error) => {
      process.stderr.write(`kubesim: the sweep stopped: ${err.message}\n`);
      return EXIT_FAILED;
    },
  );
}
