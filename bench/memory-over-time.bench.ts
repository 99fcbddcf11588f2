/**
 * Memory over virtual time: an idle 5-node Kubernetes cluster (5 kubelets renewing Leases and
 * posting NodeStatus through one apiserver into a 5-member etcd, the invariant checkers on, as
 * every run has them) for 24 virtual hours. Every virtual hour the heap is measured after a full
 * garbage collection, so the figure is what the simulation retains, not garbage not yet
 * collected. Target: the heap is flat within 20% after the first hour (Raft log compaction,
 * snapshots, MVCC compaction and the event TTL bound everything that grows with time).
 *
 *   node --expose-gc --import tsx bench/memory-over-time.bench.ts [--hours 24] [--nodes 5] [--snapshot-count 10000]
 *
 * --snapshot-count overrides etcd's (ServerOptions.snapshotCount, default 10,000): the Raft log
 * then holds between snapshotCatchUpEntries (5,000) and that plus snapshotCount entries.
 *
 * One JSON object on stdout.
 */
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { runScenario } from '../actors/scenario/runner.ts';
import { memberNames, type ScenarioSpec } from '../actors/scenario/spec.ts';
import { idleClusterSpec } from './idle-cluster-spec.ts';
import type { EtcdDisk } from '../actors/etcd/server.ts';
import type { Simulation } from '../actors/kernel/simulation.ts';
import { limitHeapGrowth } from '../cli/heap-growth.ts';

// What the CLI sets (cli/heap-growth.ts), so these figures are what `kubesim` runs.
limitHeapGrowth();

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run node with --expose-gc: node --expose-gc --import tsx bench/memory-over-time.bench.ts');
  process.exit(2);
}

const HOUR_MS = 3_600_000;
const hours = arg('hours', 24);
const nodes = arg('nodes', 5);
const snapshotCount = arg('snapshot-count', 0);
// The scenario's etcd settings reach addEtcdGroup whole, so `server` passes through (the scenario
// format itself has no snapshot count).
const spec = idleClusterSpec({
  name: 'memory-over-time-bench',
  nodes,
  durationMs: hours * HOUR_MS,
  maxEvents: 2_000_000_000,
  controllerManagers: 1,
  etcd: snapshotCount > 0 ? ({ server: { snapshotCount } } as Partial<ScenarioSpec['cluster']['etcd']>) : {},
});

interface Sample {
  virtualHour: number;
  heapUsedMiB: number;
  rssMiB: number;
  wallSeconds: number;
  events: number;
  /** etcd-0's raft log: entries held, index compacted up to, applied index, MVCC keys revisions retained. */
  etcd0: { logEntries: number; compactedIndex: number; applied: number; snapshotIndex: number; mvccEvents: number };
}

const mib = (bytes: number): number => Number((bytes / 2 ** 20).toFixed(2));
const load0 = loadavg()[0]!;
const samples: Sample[] = [];
const started = performance.now();
let nextSampleMs = HOUR_MS;

function sample(sim: Simulation, virtualMs: number): void {
  gc!();
  const m = process.memoryUsage();
  const disk = sim.diskOf<EtcdDisk>(memberNames(5)[0]!)!;
  samples.push({
    virtualHour: Math.round(virtualMs / HOUR_MS),
    heapUsedMiB: mib(m.heapUsed),
    rssMiB: mib(m.rss),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    events: sim.eventCount,
    etcd0: { logEntries: disk.raft.entries.length, compactedIndex: disk.raft.compactedIndex, applied: disk.applied, snapshotIndex: disk.raft.snapshot?.index ?? 0, mvccEvents: disk.store.events.length },
  });
  process.stderr.write(`hour ${samples[samples.length - 1]!.virtualHour}: heap ${mib(m.heapUsed)} MiB\n`);
}

const { result, sim } = runScenario(spec, {
  // The first event at or after each hour boundary takes the sample: the kernel is between
  // events there, so nothing is half-done.
  onEvent: (sim) => {
    if (sim.now() < nextSampleMs) return;
    sample(sim, nextSampleMs);
    nextSampleMs += HOUR_MS;
  },
});
if (samples.length < hours) sample(sim, hours * HOUR_MS);
const wallSeconds = (performance.now() - started) / 1000;

/** Growth of the heap from the first hour's sample to the largest one after it, in %. */
function growthAfterFirstHour(s: readonly Sample[]): number | null {
  if (s.length < 2) return null;
  const first = s[0]!.heapUsedMiB;
  const max = Math.max(...s.slice(1).map((x) => x.heapUsedMiB));
  return Number((((max - first) / first) * 100).toFixed(1));
}

/**
 * Least-squares slope of heap against hour over the samples after the first: the trend, which a
 * bounded heap keeps near 0 even while it swings with the Raft log between snapshots.
 */
function trendAfterFirstHour(s: readonly Sample[]): number | null {
  const after = s.slice(1);
  if (after.length < 2) return null;
  const mx = after.reduce((a, x) => a + x.virtualHour, 0) / after.length;
  const my = after.reduce((a, x) => a + x.heapUsedMiB, 0) / after.length;
  let num = 0;
  let den = 0;
  for (const x of after) {
    num += (x.virtualHour - mx) * (x.heapUsedMiB - my);
    den += (x.virtualHour - mx) ** 2;
  }
  return Number((num / den).toFixed(2));
}

const growth = growthAfterFirstHour(samples);
const after = samples.slice(1).map((x) => x.heapUsedMiB);
console.log(
  JSON.stringify(
    {
      bench: 'memory-over-time',
      nodes,
      etcdMembers: 5,
      virtualHours: hours,
      snapshotCount: snapshotCount > 0 ? snapshotCount : 'default (10,000)',
      samples,
      growthAfterFirstHourPercent: growth,
      heapTrendMiBPerHourAfterFirst: trendAfterFirstHour(samples),
      heapRangeAfterFirstHourMiB: after.length === 0 ? null : [Math.min(...after), Math.max(...after)],
      target: 'flat within 20% after the first hour',
      meetsTarget: growth === null ? null : growth <= 20,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      events: result.events,
      ok: result.ok,
      violations: result.violations.map((v) => `${v.invariant}: ${v.detail}`),
      stopReason: result.stopReason,
      loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
      node: process.version,
      cpus: cpus().length,
    },
    null,
    2,
  ),
);
