/**
 * `kubesim bench scheduler`, as a function: generate the workload, run it in the chosen mode,
 * check the placements, and return one BenchResult (report.ts). The CLI (cli/bench.ts) only
 * parses options, shows progress and prints.
 */
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { runBaseline } from './baseline.ts';
import { checkPlacement, expectedBound } from './checks.ts';
import { COST_MODEL, runClusterMode } from './cluster-mode.ts';
import { defaultWindowPods, runFrameworkLoop, type Placement } from './framework-loop.ts';
import { benchProfile, missingFromActorProfile } from './profile.ts';
import { rates, round, type BenchResult } from './report.ts';
import { generateWorkload, WORKLOADS, type WorkloadName } from './workloads.ts';

export type BenchMode = 'scheduler' | 'cluster';

export interface SchedulerBenchOptions {
  readonly workload: WorkloadName;
  readonly mode: BenchMode;
  readonly nodes?: number;
  readonly pods?: number;
  readonly initPods?: number;
  readonly seed?: string;
  /** Pods per throughput window (default 500, fewer for small runs). */
  readonly windowPods?: number;
  /** A new phase starts ('framework', 'baseline', 'cluster') with this many pods to bind. */
  readonly onPhase?: (phase: string, total: number) => void;
  readonly onProgress?: (bound: number, total: number) => void;
}

/** Raised for a combination the bench refuses to run (the CLI exits 2). */
export class BenchInputError extends Error {}

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function environment(load0: number): BenchResult['environment'] {
  const c = cpus();
  return { node: process.version, cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))] };
}

export function runSchedulerBench(o: SchedulerBenchOptions): BenchResult {
  const started = performance.now();
  const load0 = loadavg()[0]!;
  if (o.mode === 'cluster') {
    const missing = missingFromActorProfile(WORKLOADS[o.workload].needs);
    if (missing.length > 0) {
      throw new BenchInputError(
        `--mode cluster runs the scheduler actor's own profile, which has no ${missing.join(', ')}, so ${o.workload} would be scheduled wrongly; use --mode scheduler (it adds the in-tree plugin to the profile)`,
      );
    }
  }
  const w = generateWorkload(o.workload, {
    ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
    ...(o.pods !== undefined ? { measuredPods: o.pods } : {}),
    ...(o.initPods !== undefined ? { initPods: o.initPods } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  });
  const windowPods = o.windowPods ?? defaultWindowPods(w.measuredPods.length);
  const threshold = w.info.threshold;
  const common = {
    bench: 'scheduler' as const,
    workload: w.info.name,
    seed: w.seed,
    nodes: w.nodes.length,
    initPods: w.initPods.length,
    pods: w.measuredPods.length,
    schedulerPerfThreshold: threshold,
    notes: `${w.info.description}; ${w.info.notes}`,
  };

  if (o.mode === 'scheduler') {
    o.onPhase?.('framework', w.measuredPods.length);
    const fw = runFrameworkLoop(w, { windowPods, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
    const peakAfterFramework = peakRssMiB();
    o.onPhase?.('baseline', w.measuredPods.length);
    const bl = runBaseline(w, { windowPods, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
    const m = fw.measurement;
    const fwRates = rates(m.bound, m.wallMs, m.windowRates, windowPods);
    const blRates = rates(bl.measurement.bound, bl.measurement.wallMs, bl.measurement.windowRates, windowPods);
    let same = 0;
    for (const [k, node] of fw.decisions) if (bl.decisions.get(k) === node) same++;
    return {
      ...common,
      mode: 'scheduler',
      bound: m.bound,
      unscheduled: fw.placement.unscheduled.length,
      podsPerSecond: fwRates,
      podsPerVirtualSecond: null,
      baseline: { podsPerSecond: blRates, wallSeconds: round(bl.measurement.wallMs / 1000), bound: bl.measurement.bound, violations: checkPlacement(w, bl.placement) },
      ratioToBaseline: blRates.average > 0 ? round(fwRates.average / blRates.average) : null,
      decisionsMatchingBaseline: { same, of: fw.decisions.size },
      events: m.cycles,
      peakRssMiB: peakAfterFramework,
      peakRssMiBAtEnd: peakRssMiB(),
      measuredWallSeconds: round(m.wallMs / 1000),
      wallSeconds: round((performance.now() - started) / 1000),
      ratioToThreshold: threshold.podsPerSecond ? round(fwRates.average / threshold.podsPerSecond, 2) : null,
      violations: checkPlacement(w, fw.placement),
      plugins: fw.profile.plugins,
      scheduler: {
        cycles: m.cycles,
        meanEvaluatedNodes: round(m.meanEvaluatedNodes, 1),
        preemptions: m.preemptions,
        evictions: fw.placement.evictions.length,
        churnSteps: m.churnSteps,
        virtualSeconds: m.virtualMs / 1000,
      },
      environment: environment(load0),
    };
  }

  o.onPhase?.('cluster', w.measuredPods.length);
  const expected = expectedBound(w);
  const c = runClusterMode(w, windowPods, { expectedBound: expected, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const wallMs = c.measuredWallMs ?? 0;
  const r = rates(c.bound, wallMs, c.windowRates, windowPods);
  const virtualSeconds = c.lastBoundAtMs >= 0 && c.firstCreateAtMs >= 0 ? (c.lastBoundAtMs - c.firstCreateAtMs) / 1000 : 0;
  // The committed state knows only the measured pods' nodes; check those (init pods are not read back).
  const placement: Placement = { bound: new Map([...c.boundNodes].map(([k, v]) => [`bench-${k.replace('/', '-')}`, v])), evictions: [], unscheduled: [] };
  const violations = checkPlacement({ ...w, initPods: [] }, placement).filter((v) => !v.startsWith('bound '));
  if (c.bound < expected) violations.push(`bound ${c.bound} of ${c.measured} measured pods (${expected} expected) before the run ended at ${c.virtualMs} virtual ms`);
  if (c.createErrors > 0) violations.push(`${c.createErrors} measured pod creates failed`);
  return {
    ...common,
    mode: 'cluster',
    bound: c.bound,
    unscheduled: c.measured - c.bound,
    podsPerSecond: r,
    podsPerVirtualSecond: virtualSeconds > 0 ? round(c.bound / virtualSeconds, 1) : null,
    baseline: null,
    ratioToBaseline: null,
    decisionsMatchingBaseline: null,
    events: c.events,
    peakRssMiB: peakRssMiB(),
    peakRssMiBAtEnd: peakRssMiB(),
    measuredWallSeconds: round(wallMs / 1000),
    wallSeconds: round((performance.now() - started) / 1000),
    ratioToThreshold: threshold.podsPerSecond && r.average > 0 ? round(r.average / threshold.podsPerSecond, 2) : null,
    violations,
    plugins: benchProfile([]).plugins,
    cluster: {
      virtualSecondsToBind: virtualSeconds,
      firstCreateAtVirtualMs: c.firstCreateAtMs,
      lastBoundAtVirtualMs: c.lastBoundAtMs,
      messages: c.messages,
      traceLines: c.traceLines,
      runStatus: c.runStatus,
      stopReason: c.stopReason,
      virtualSecondsRun: c.virtualMs / 1000,
      eventsPerSecond: c.wallMsRun > 0 ? Math.round((c.events * 1000) / c.wallMsRun) : 0,
      kubelets: w.nodes.length,
      etcdMembers: 5,
      createStreams: c.createStreams,
      costModel: COST_MODEL,
    },
    environment: environment(load0),
  };
}
