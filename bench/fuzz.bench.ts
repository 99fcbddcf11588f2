/**
 * `kubesim fuzz` throughput: runs per second of the search (schedule drawn by fast-check, played
 * as a scenario, every property judged) on the default cluster (3 etcd members, 2 apiservers, a
 * scheduler, a controller-manager, 3 nodes; a Deployment and a StatefulSet of 2, a DaemonSet, two
 * Services, 5 requests/s of traffic; 64 virtual seconds a run) and on an
 * etcd-only cluster (3 members, 35 virtual seconds a run). The search runs in this process (one
 * worker, no shard), a fixed seed, every property, `reps` times per cluster; the figures are
 * medians. Runs per CPU second (this process's user + system time) is given beside runs per wall
 * second: on a shared machine it moves less with the load. Prints one JSON object on stdout.
 *
 *   npx tsx bench/fuzz.bench.ts [--runs-default 6] [--runs-etcd 30] [--reps 3] [--seed 2]
 *
 * Not gated: bench/README.md ("Fuzz throughput") keeps the figures.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clusterFromFile, defaultCluster, type FuzzCluster, ETCD_ONLY_CLUSTER_YAML } from '../cli/fuzz/cluster.ts';
import { fuzz } from '../cli/fuzz/engine.ts';
import { PROPERTIES } from '../cli/fuzz/properties.ts';
import { loadScenarioText } from '../cli/loader/index.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitHeapGrowth } from '../cli/heap-growth.ts';

// What the CLI sets (cli/heap-growth.ts), so these figures are what `kubesim` runs.
limitHeapGrowth();

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPS = arg('reps', 3);
/**
 * With seed 2 the first 6 runs of the default cluster hold every property, so every run is a full
 * minute of virtual time. Seed 1 does too since the watch-stream fix (`npx kubesim fuzz --runs 6
 * --seed 1`: no property failed); seed 2 stays so figures compare with earlier ones.
 */
const SEED = arg('seed', 2);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function etcdCluster(): FuzzCluster {
  // Loaded through a file as `--cluster` would be (the loader checks it the same way).
  const text = ETCD_ONLY_CLUSTER_YAML;
  loadScenarioText(text, '<etcd3>');
  const file = join(mkdtempSync(join(tmpdir(), 'kubesim-fuzz-bench-')), 'etcd3.yaml');
  writeFileSync(file, text);
  return clusterFromFile(file);
}

interface Rep {
  runsDone: number;
  wallSeconds: number;
  cpuSeconds: number;
  events: number;
  failed: string | null;
}

function once(cluster: FuzzCluster, runs: number): Rep {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fuzz({ cluster, properties: PROPERTIES, runs, seed: SEED, shrinkRuns: 1 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { runsDone: r.runRecords.length, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, events: r.events, failed: r.counterexample ? `${r.counterexample.property} at run ${r.counterexample.runIndex}` : null };
}

function measure(name: string, cluster: FuzzCluster, runs: number) {
  process.stderr.write(`fuzz bench: ${name}, ${runs} runs × ${REPS}\n`);
  once(cluster, 1); // warm-up: the first run compiles the simulator's hot paths
  const reps = Array.from({ length: REPS }, () => once(cluster, runs));
  const runsPerSecond = reps.map((r) => r.runsDone / r.wallSeconds);
  const runsPerCpuSecond = reps.map((r) => r.runsDone / r.cpuSeconds);
  const out = {
    runs,
    runsDone: reps[0]!.runsDone,
    // A failure stops the search (and shrinking, capped at 1 run here, is timed too): say so.
    failed: reps[0]!.failed,
    runsPerSecond: Number(median(runsPerSecond).toFixed(3)),
    runsPerCpuSecond: Number(median(runsPerCpuSecond).toFixed(3)),
    eventsPerRun: Math.round(reps[0]!.events / reps[0]!.runsDone),
    each: reps.map((r) => ({ wallSeconds: Number(r.wallSeconds.toFixed(3)), cpuSeconds: Number(r.cpuSeconds.toFixed(3)) })),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  };
  process.stderr.write(`  ${out.runsPerSecond} runs/s (wall), ${out.runsPerCpuSecond} runs per CPU second, load ${out.loadAverage1m}\n`);
  return out;
}

const loadBefore = Number(loadavg()[0]!.toFixed(2));
const result = {
  bench: 'fuzz',
  seed: SEED,
  properties: PROPERTIES.map((p) => p.name),
  reps: REPS,
  node: process.version,
  cpus: cpus().length,
  loadAverage1mBefore: loadBefore,
  etcdOnly: measure('etcd-only cluster', etcdCluster(), arg('runs-etcd', 30)),
  defaultCluster: measure('default cluster', defaultCluster(), arg('runs-default', 6)),
};
console.log(JSON.stringify(result));
