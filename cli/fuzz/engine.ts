import fc from 'fast-check';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import type { ComponentVariants } from '../../actors/scenario/variants.ts';
import type { FuzzCluster } from './cluster.ts';
import { judgedByExpectation, type FuzzProperty, type Verdict, type VerdictStatus } from './properties.ts';
import { scheduleArb, specOf, type Schedule } from './schedule.ts';

/**
 * The fuzz loop: one fast-check `fc.check` over schedules (schedule.ts) with the given seed; each
 * run plays its schedule as a scenario (runScenario) and judges every selected property.
 *
 * Sharding: fast-check draws run i's schedule from one seeded stream, and drawing is cheap next
 * to simulating. Every shard draws the same stream and simulates only the runs whose index is
 * ≡ I (mod N); the others return true untouched. So N shards together run exactly the runs one
 * process would, each under the same fast-check seed and path (`<index>:…`) — a run is
 * reproducible by (seed, path) alone, whichever shard found it — and fast-check keeps its usual
 * growth of value sizes along the run index, which per-run derived seeds would lose (every run
 * would be drawn as a first run). One process stops at its first failure and shrinks it, as
 * fc.assert does; a shard stops at its own first failure. Since every shard runs all its runs
 * below its own first failure, the shards together hold every run below the global first failure
 * (the smallest failing index of any shard): merge.ts keeps exactly those and that failure, which
 * is what one process reports. Worker threads of one process share a `cutoff` (the smallest
 * failing index found so far): a shard skips runs past it, which merge.ts would drop anyway.
 *
 * Shrinking: once a run fails, the first failing property (in selection order) is the target;
 * a shrink candidate fails only if it still violates the target. `shrinkRuns` bounds the
 * simulations spent shrinking (a run of the default cluster costs seconds): past it candidates
 * are not run and count as passing, which ends the shrink with the smallest failure found so far.
 */

export interface Shard {
  index: number;
  count: number;
}

export interface FuzzOptions {
  cluster: FuzzCluster;
  properties: readonly FuzzProperty[];
  runs: number;
  seed: number;
  shard?: Shard;
  /** A fast-check path to replay (from a report): runs that run and its shrink path only. */
  path?: string;
  /** The most simulations spent shrinking a failure. */
  shrinkRuns?: number;
  /** After each run this process simulated (not shrink runs): runs done and the shard's total. */
  onRun?: (done: number, total: number) => void;
  /**
   * Shared by shards running at once (worker threads): `get` is the smallest failing run index
   * found by any of them so far (or more than the last index), `offer` reports one's own. Runs
   * past it are skipped: the merge keeps only the runs up to the first failure.
   */
  cutoff?: { get(): number; offer(index: number): void };
  /** Deliberately broken components every run is built with (tests only: test/fuzz/raft-variants.test.ts, kubernetes-variants.test.ts). */
  variants?: ComponentVariants;
  /**
   * false: schedules without network bursts (code only: a planted race that a burst's extra
   * random draws would perturb).
   */
  bursts?: boolean;
}

export interface RunRecord {
  index: number;
  /** The simulation seed of the generated scenario. */
  simulationSeed: string;
  fingerprint: string;
  events: number;
  virtualMs: number;
  commands: number;
  verdicts: Record<string, VerdictStatus>;
  /** The detail of each unknown or not-checkable verdict (the summary quotes the first one). */
  notes?: Record<string, string>;
}

export interface Counterexample {
  property: string;
  detail: string;
  /** The run that first failed, and the fast-check seed and path that replay it with its shrinks. */
  runIndex: number;
  seed: number;
  path: string;
  originalCommands: number;
  schedule: Schedule;
  spec: ScenarioSpec;
  fingerprint: string;
  shrinkRuns: number;
  /** Every property that failed on the first failing run (before shrinking). */
  failedOnFirstRun: { property: string; detail: string }[];
}

export interface PropertyTally {
  pass: number;
  fail: number;
  unknown: number;
  notCheckable: number;
  /** One detail of an unknown or not-checkable verdict, to say why. */
  note?: string;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  shard: Shard;
  /** Runs simulated by this process (its shard's share, up to the first failure), shrink runs excluded. */
  runRecords: RunRecord[];
  events: number;
  virtualMs: number;
  wallMs: number;
  /** Wall time of the search alone (until the first failure), for runs per second. */
  searchWallMs: number;
  properties: Record<string, PropertyTally>;
  counterexample: Counterexample | undefined;
}

interface Judged {
  spec: ScenarioSpec;
  fingerprint: string;
  events: number;
  virtualMs: number;
  verdicts: Map<string, Verdict>;
}

/** A schedule as the scenario the selected properties check: their expectations added. */
export function scenarioOf(cluster: FuzzCluster, properties: readonly FuzzProperty[], schedule: Schedule): ScenarioSpec {
  const spec = specOf(cluster, schedule);
  return { ...spec, expectations: properties.flatMap((p) => p.expectations?.(cluster) ?? []) };
}

/** Runs one scenario and judges the given properties (all selected ones, or the shrink target). */
export function judgeSpec(spec: ScenarioSpec, judged: readonly FuzzProperty[], variants?: ComponentVariants): Omit<Judged, 'spec'> {
  const events: TraceEvent[] = [];
  // A trace property the scenario's own `at: end` expectation judges needs no second copy of the trace.
  const needsTrace = judged.some((p) => p.needsTrace && !judgedByExpectation(spec, p));
  const { result } = runScenario(spec, { ...(needsTrace ? { onTrace: (e: TraceEvent) => events.push(e) } : {}), ...(variants ? { variants } : {}) });
  const verdicts = new Map<string, Verdict>();
  for (const p of judged) verdicts.set(p.name, p.judge({ result, events }));
  return { fingerprint: result.fingerprint, events: result.events, virtualMs: result.virtualMs, verdicts };
}

export const TALLY_KEY: Record<VerdictStatus, 'pass' | 'fail' | 'unknown' | 'notCheckable'> = { pass: 'pass', fail: 'fail', unknown: 'unknown', 'not-checkable': 'notCheckable' };

export function shardRunIndexes(runs: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < runs; i += shard.count) out.push(i);
  return out;
}

export function fuzz(options: FuzzOptions): FuzzReport {
  const { cluster, properties, runs, seed } = options;
  const shard = options.shard ?? { index: 0, count: 1 };
  const shrinkBudget = options.shrinkRuns ?? 100;
  const total = options.path !== undefined ? 1 : shardRunIndexes(runs, shard).length;
  const started = Date.now();
  const report: FuzzReport = {
    seed,
    runs,
    shard,
    runRecords: [],
    events: 0,
    virtualMs: 0,
    wallMs: 0,
    searchWallMs: 0,
    properties: Object.fromEntries(properties.map((p) => [p.name, { pass: 0, fail: 0, unknown: 0, notCheckable: 0 }])),
    counterexample: undefined,
  };

  let calls = 0;
  let target: FuzzProperty | undefined;
  let first: { index: number; schedule: Schedule; failed: { property: string; detail: string }[] } | undefined;
  let last: (Judged & { schedule: Schedule }) | undefined;
  let shrinkRuns = 0;

  const predicate = (schedule: Schedule): boolean => {
    if (target === undefined) {
      // With a path, fast-check starts at that run: its index is the path's first number.
      const index = options.path !== undefined ? Number(options.path.split(':')[0]) : calls;
      calls++;
      if (options.path === undefined && index % shard.count !== shard.index) return true;
      if (options.cutoff !== undefined && index > options.cutoff.get()) return true;
      const spec = scenarioOf(cluster, properties, schedule);
      const j = judgeSpec(spec, properties, options.variants);
      report.events += j.events;
      report.virtualMs += j.virtualMs;
      const verdicts: Record<string, VerdictStatus> = {};
      const notes: Record<string, string> = {};
      for (const [name, v] of j.verdicts) {
        verdicts[name] = v.status;
        const tally = report.properties[name]!;
        tally[TALLY_KEY[v.status]]++;
        if (v.status === 'unknown' || v.status === 'not-checkable') {
          notes[name] = v.detail;
          if (tally.note === undefined) tally.note = v.detail;
        }
      }
      report.runRecords.push({ index, simulationSeed: spec.seed, fingerprint: j.fingerprint, events: j.events, virtualMs: j.virtualMs, commands: schedule.commands.length, verdicts, ...(Object.keys(notes).length > 0 ? { notes } : {}) });
      options.onRun?.(report.runRecords.length, total);
      const failed = properties.filter((p) => j.verdicts.get(p.name)?.status === 'fail');
      if (failed.length === 0) return true;
      target = failed[0]!;
      options.cutoff?.offer(index);
      report.searchWallMs = Date.now() - started;
      first = { index, schedule, failed: failed.map((p) => ({ property: p.name, detail: j.verdicts.get(p.name)!.detail })) };
      last = { ...j, spec, schedule };
      return false;
    }
    if (shrinkRuns >= shrinkBudget) return true;
    shrinkRuns++;
    const spec = scenarioOf(cluster, properties, schedule);
    const j = judgeSpec(spec, [target], options.variants);
    if (j.verdicts.get(target.name)?.status !== 'fail') return true;
    last = { ...j, spec, schedule };
    return false;
  };

  const details = fc.check(fc.property(scheduleArb(cluster, { bursts: options.bursts ?? true }), predicate), {
    seed,
    numRuns: options.path !== undefined ? 1 : runs,
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  report.wallMs = Date.now() - started;
  if (target === undefined) report.searchWallMs = report.wallMs;
  if (details.failed) {
    if (target === undefined || first === undefined || last === undefined) {
      // The predicate threw before any property failed: a kubesim bug, reported as one.
      throw details.errorInstance ?? new Error(`fast-check failed without a failing property: ${fc.defaultReportMessage(details)}`);
    }
    const shrunk = details.counterexample?.[0] as Schedule | undefined;
    // fast-check's counterexample is the last value the predicate failed on: `last`.
    const final = shrunk !== undefined && shrunk !== last.schedule ? { ...judgeSpec(scenarioOf(cluster, properties, shrunk), [target], options.variants), spec: scenarioOf(cluster, properties, shrunk), schedule: shrunk } : last;
    report.counterexample = {
      property: target.name,
      detail: final.verdicts.get(target.name)?.detail ?? '',
      runIndex: first.index,
      seed: details.seed,
      path: details.counterexamplePath ?? String(first.index),
      originalCommands: first.schedule.commands.length,
      schedule: final.schedule,
      spec: final.spec,
      fingerprint: final.fingerprint,
      shrinkRuns,
      failedOnFirstRun: first.failed,
    };
  }
  return report;
}
