/**
 * The bench's result object (what `--json` prints) and its markdown rendering, side by side with
 * scheduler_perf's published threshold for the same workload.
 */
import type { Threshold, WorkloadName } from './workloads.ts';

export interface Rates {
  /** Measured pods bound ÷ wall seconds of the measured phase. */
  readonly average: number;
  /** 95th percentile of the per-window rates (windows of `windowPods` bound pods), as scheduler_perf's Perc95. */
  readonly p95: number;
  readonly p50: number;
  readonly min: number;
  readonly windows: number;
  readonly windowPods: number;
}

/** Rates from the window samples; with no complete window, every figure is the average. */
export function rates(bound: number, wallMs: number, windowRates: readonly number[], windowPods: number): Rates {
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const average = r1(wallMs > 0 ? (bound * 1000) / wallMs : 0);
  if (windowRates.length === 0) return { average, p95: average, p50: average, min: average, windows: 0, windowPods };
  const sorted = [...windowRates].sort((a, b) => a - b);
  const at = (q: number): number => r1(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  return { average, p95: at(0.95), p50: at(0.5), min: r1(sorted[0]!), windows: sorted.length, windowPods };
}

/** Rounds for the JSON: `digits` decimals. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface SchedulerModeDetails {
  readonly cycles: number;
  readonly meanEvaluatedNodes: number;
  readonly preemptions: number;
  readonly evictions: number;
  readonly churnSteps: number;
  /** Virtual time of the measured phase (1 ms per scheduling cycle; drives backoff and churn only). */
  readonly virtualSeconds: number;
}

export interface ClusterModeDetails {
  readonly virtualSecondsToBind: number;
  readonly firstCreateAtVirtualMs: number;
  readonly lastBoundAtVirtualMs: number;
  readonly messages: { readonly sent: number; readonly delivered: number };
  readonly traceLines: number;
  readonly runStatus: string;
  readonly stopReason: string | null;
  readonly virtualSecondsRun: number;
  readonly eventsPerSecond: number;
  readonly kubelets: number;
  readonly etcdMembers: number;
  readonly createStreams: number;
  readonly costModel: string;
}

export interface BenchResult {
  readonly bench: 'scheduler';
  readonly workload: WorkloadName;
  readonly mode: 'scheduler' | 'cluster';
  readonly seed: string;
  readonly nodes: number;
  readonly initPods: number;
  /** Measured pods. */
  readonly pods: number;
  readonly bound: number;
  readonly unscheduled: number;
  readonly podsPerSecond: Rates;
  /** Cluster mode: measured pods ÷ virtual seconds from the first measured create to the last bind. */
  readonly podsPerVirtualSecond: number | null;
  /** Scheduler mode: the bare loop, run in the same process right after the framework. */
  readonly baseline: { readonly podsPerSecond: Rates; readonly wallSeconds: number; readonly bound: number; readonly violations: readonly string[] } | null;
  readonly ratioToBaseline: number | null;
  /** Measured pods the framework and the baseline put on the same node. */
  readonly decisionsMatchingBaseline: { readonly same: number; readonly of: number } | null;
  /** Kernel events (cluster mode) or scheduling cycles (scheduler mode). */
  readonly events: number;
  /** Process peak RSS (getrusage maxRSS) after the measured run (scheduler mode: before the baseline ran). */
  readonly peakRssMiB: number;
  readonly peakRssMiBAtEnd: number;
  /** Wall seconds of the measured phase (scheduler mode: framework loop; cluster mode: first measured create to last bind). */
  readonly measuredWallSeconds: number;
  /** Wall seconds of the whole command (generation, set-up, init pods, baseline included). */
  readonly wallSeconds: number;
  readonly schedulerPerfThreshold: Threshold;
  readonly ratioToThreshold: number | null;
  readonly violations: readonly string[];
  readonly plugins: readonly { readonly name: string; readonly source: string }[];
  readonly scheduler?: SchedulerModeDetails;
  readonly cluster?: ClusterModeDetails;
  readonly notes: string;
  readonly environment: { readonly node: string; readonly cpus: number; readonly cpuModel: string; readonly loadAverage1m: readonly [number, number] };
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function toMarkdown(r: BenchResult): string {
  const t = r.schedulerPerfThreshold;
  const rows: [string, string, string][] = [];
  rows.push(['size (nodes / init pods / measured pods)', `${fmt(r.nodes)} / ${fmt(r.initPods)} / ${fmt(r.pods)}`, `${fmt(t.nodes)} / ${fmt(t.initPods)} / ${fmt(t.measuredPods)}`]);
  rows.push(['pods/s, average (wall clock)', fmt(r.podsPerSecond.average), t.podsPerSecond === null ? 'no published threshold' : `≥ ${fmt(t.podsPerSecond)} (threshold)`]);
  rows.push([`pods/s, p95 of ${r.podsPerSecond.windows} windows of ${r.podsPerSecond.windowPods} pods`, fmt(r.podsPerSecond.p95), '']);
  if (r.ratioToThreshold !== null) rows.push(['ratio to the threshold', `${fmt(r.ratioToThreshold, 1)}×`, '']);
  if (r.podsPerVirtualSecond !== null) rows.push(['pods per virtual second (simulated cluster)', fmt(r.podsPerVirtualSecond, 1), t.podsPerSecond === null ? '' : `≥ ${fmt(t.podsPerSecond)}`]);
  if (r.baseline) {
    rows.push(['bare baseline pods/s, average (same run)', fmt(r.baseline.podsPerSecond.average), '']);
    rows.push(['framework ÷ baseline', r.ratioToBaseline === null ? '–' : fmt(r.ratioToBaseline, 3), '']);
  }
  if (r.decisionsMatchingBaseline) rows.push(['placements equal to the baseline\'s', `${fmt(r.decisionsMatchingBaseline.same)} / ${fmt(r.decisionsMatchingBaseline.of)}`, '']);
  rows.push(['measured pods bound', `${fmt(r.bound)} of ${fmt(r.pods)}`, '']);
  rows.push([r.mode === 'cluster' ? 'kernel events' : 'scheduling cycles', fmt(r.events), '']);
  if (r.scheduler) {
    rows.push(['nodes filtered per cycle (mean)', fmt(r.scheduler.meanEvaluatedNodes, 1), '']);
    if (r.scheduler.preemptions > 0) rows.push(['preemptions / evicted pods', `${fmt(r.scheduler.preemptions)} / ${fmt(r.scheduler.evictions)}`, '']);
    if (r.scheduler.churnSteps > 0) rows.push(['churn steps (node + pod recreated)', fmt(r.scheduler.churnSteps), '']);
  }
  if (r.cluster) {
    rows.push(['virtual seconds, first measured create → last bind', fmt(r.cluster.virtualSecondsToBind, 3), '']);
    rows.push(['messages sent', fmt(r.cluster.messages.sent), '']);
  }
  rows.push(['peak RSS', `${fmt(r.peakRssMiB)} MiB`, '']);
  rows.push(['measured wall seconds / whole command', `${fmt(r.measuredWallSeconds, 2)} s / ${fmt(r.wallSeconds, 2)} s`, '']);
  rows.push(['placement checks', r.violations.length === 0 ? 'all hold' : `${r.violations.length} violated`, '']);
  const standIns = r.plugins.filter((p) => p.source !== 'actor profile');
  const lines = [
    `## kubesim bench scheduler: ${r.workload}, mode ${r.mode} (seed ${r.seed})`,
    '',
    '| metric | kubesim | scheduler_perf |',
    '|---|---|---|',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    `scheduler_perf: ${t.source}.`,
  ];
  if (standIns.length > 0) lines.push(`Plugins not in the scheduler actor's profile: ${standIns.map((p) => `${p.name} (${p.source})`).join(', ')}.`);
  if (r.cluster) lines.push(`Cost model: ${r.cluster.costModel}`);
  if (r.notes) lines.push(`Workload: ${r.notes}.`);
  for (const v of r.violations.slice(0, 10)) lines.push(`- violated: ${v}`);
  return lines.join('\n');
}
