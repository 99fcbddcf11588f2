/**
 * A Deployment scaled from 0 to R replicas on N nodes, through the whole control plane (a 3-member
 * etcd group, one apiserver, scheduler and controller-manager, N kubelets): the deployment and
 * ReplicaSet controllers create the pods (slow-start batches), the scheduler binds them, the
 * kubelets start them. Measures the virtual seconds from the scale until every replica runs
 * (from the kubelets' `k8s.running` trace), the wall seconds, kernel events and peak RSS; as a
 * baseline in the same process, the same cluster idle over the same virtual span. Prints one JSON
 * object: the median of `--trials` measured runs (after one warm-up at a tenth of the size).
 *
 *   npx tsx bench/deployment-scale.bench.ts [--replicas 3000] [--nodes 300] [--trials 3] [--quick]
 */
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { loadScenarioText } from '../cli/loader/index.ts';
import { runScenario } from '../actors/scenario/runner.ts';
import { limitHeapGrowth } from '../cli/heap-growth.ts';

// What the CLI sets (cli/heap-growth.ts), so these figures are what `kubesim` runs.
limitHeapGrowth();

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name} must be a whole number ≥ 1, got ${JSON.stringify(process.argv[i + 1] ?? '')}\n`);
    process.exit(2);
  }
  return v;
}

const quick = process.argv.includes('--quick');
const replicas = arg('replicas', quick ? 100 : 3000);
const nodes = arg('nodes', quick ? 10 : 300);
const trials = arg('trials', quick ? 1 : 3);
const SCALE_AT_S = 10;
/** A bound on the run: the scale must complete within this much virtual time. */
const LIMIT_S = 1800;

function scenario(r: number, n: number, scale: boolean, durationS: number): string {
  return `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: deployment-scale-bench}
spec:
  seed: 1
  duration: ${durationS}s
  maxEvents: 100000000
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - name: node
        count: ${n}
        capacity: {cpu: "32", memory: 128Gi, pods: 110}
  timeline:
    - at: 2s
      apply:
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web, labels: {app: web}}
          spec:
            replicas: 0
            selector: {matchLabels: {app: web}}
            template:
              metadata: {labels: {app: web}}
              spec:
                containers:
                  - name: web
                    image: nginx:1.25
                    resources: {requests: {cpu: 100m, memory: 64Mi}}
${scale ? `    - at: ${SCALE_AT_S}s\n      scale: {object: deployment/web, replicas: ${r}}\n` : ''}`;
}

interface Trial {
  virtualSecondsToAllRunning: number | null;
  virtualSeconds: number;
  wallSeconds: number;
  /** Process CPU time (user + system): what the run cost when other processes share the cores. */
  cpuSeconds: number;
  events: number;
  eventsPerSecond: number;
}

/** Runs the scale; the run stops as soon as every replica runs. */
function scaleTrial(r: number, n: number): Trial {
  const spec = loadScenarioText(scenario(r, n, true, LIMIT_S), '<bench>');
  const running = new Set<string>();
  let doneAtMs: number | null = null;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { result } = runScenario(spec, {
    onTrace: (e) => {
      if (e.kind !== 'k8s.running') return;
      const key = `${e.namespace as string}/${e.pod as string}`;
      if ((e.running as number) > 0) running.add(key);
      else running.delete(key);
      if (doneAtMs === null && running.size >= r) doneAtMs = e.t;
    },
    onEvent: (sim) => {
      if (doneAtMs !== null) sim.stop(`all ${r} replicas run`);
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    virtualSecondsToAllRunning: doneAtMs === null ? null : (doneAtMs - SCALE_AT_S * 1000) / 1000,
    virtualSeconds: result.virtualMs / 1000,
    wallSeconds,
    cpuSeconds: cpuSecondsSince(cpu),
    events: result.events,
    eventsPerSecond: Math.round(result.events / wallSeconds),
  };
}

/** The same cluster, idle (replicas 0), over `virtualSeconds`: what the control plane costs without the workload. */
function idleTrial(n: number, virtualSeconds: number): Trial {
  const spec = loadScenarioText(scenario(0, n, false, Math.max(1, Math.ceil(virtualSeconds))), '<bench>');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { result } = runScenario(spec);
  const wallSeconds = (performance.now() - started) / 1000;
  return { virtualSecondsToAllRunning: null, virtualSeconds: result.virtualMs / 1000, wallSeconds, cpuSeconds: cpuSecondsSince(cpu), events: result.events, eventsPerSecond: Math.round(result.events / wallSeconds) };
}

function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const load1Start = loadavg()[0]!;
const benchStarted = performance.now();
scaleTrial(Math.max(1, Math.floor(replicas / 10)), Math.max(1, Math.floor(nodes / 10))); // warm-up
const runs: Trial[] = [];
for (let i = 0; i < trials; i++) {
  runs.push(scaleTrial(replicas, nodes));
  process.stderr.write(`trial ${i + 1}/${trials}: ${JSON.stringify(runs.at(-1))}\n`);
}
const toRunning = runs.map((t) => t.virtualSecondsToAllRunning);
const span = runs[0]!.virtualSeconds;
const idle = idleTrial(nodes, span);
const wall = median(runs.map((t) => t.wallSeconds));

console.log(
  JSON.stringify(
    {
      bench: 'deployment-scale',
      replicas,
      nodes,
      trials,
      allRunning: toRunning.every((v) => v !== null),
      virtualSecondsToAllRunning: toRunning.every((v) => v !== null) ? median(toRunning as number[]) : null,
      wallSeconds: { median: Number(wall.toFixed(3)), min: Number(Math.min(...runs.map((t) => t.wallSeconds)).toFixed(3)), max: Number(Math.max(...runs.map((t) => t.wallSeconds)).toFixed(3)) },
      cpuSeconds: { median: Number(median(runs.map((t) => t.cpuSeconds)).toFixed(3)), min: Number(Math.min(...runs.map((t) => t.cpuSeconds)).toFixed(3)), max: Number(Math.max(...runs.map((t) => t.cpuSeconds)).toFixed(3)) },
      events: median(runs.map((t) => t.events)),
      eventsPerSecond: median(runs.map((t) => t.eventsPerSecond)),
      idleBaseline: { virtualSeconds: idle.virtualSeconds, wallSeconds: Number(idle.wallSeconds.toFixed(3)), cpuSeconds: Number(idle.cpuSeconds.toFixed(3)), events: idle.events },
      workloadWallSeconds: Number((wall - idle.wallSeconds).toFixed(3)),
      // maxRSS is in KiB, and the process's peak: the largest trial's.
      peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      loadAverage1m: { start: Number(load1Start.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) },
      totalWallSeconds: Number(((performance.now() - benchStarted) / 1000).toFixed(1)),
      node: process.version,
      cpus: cpus().length,
    },
    null,
    2,
  ),
);
