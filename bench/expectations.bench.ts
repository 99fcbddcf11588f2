/**
 * What watching a run costs: issue 10's "N nodes, 2.5·N pods in two waves, 5 virtual minutes"
 * scenario, written as a user would write it (YAML through the loader), run once with its
 * expectations and once with `expect: []`, each in a process of its own (so each peak RSS is its
 * own). The expectations are the kinds users write most — `within` on pods and on a workload,
 * `always` on the nodes — and they are re-evaluated while the waves roll out, which is where an
 * observer that costs O(cluster) per event shows. Prints one JSON object on stdout.
 *
 *   npx tsx bench/expectations.bench.ts [--sizes 400,1000,2000] [--runs 3]
 *
 * `expectationShare` = 1 − wall(without) / wall(with), from the medians, and `expectationShareOfCpu`
 * the same over process CPU seconds; the issue's target is ≤ 10% at any size.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { timedRunInChild, timedScenarioRun, type TimedRun } from './timed-run.ts';

/** Node groups of at most 1,000 nodes (the loader's limit per group). */
function nodeGroups(nodes: number): string {
  const groups: string[] = [];
  for (let start = 0, g = 0; start < nodes; start += 1000, g++) {
    const count = Math.min(1000, nodes - start);
    groups.push(`
      - name: ${nodes <= 1000 ? 'node' : `node-g${g}`}
        count: ${count}
        capacity: {cpu: "4", memory: 8Gi, pods: 110}`);
  }
  return groups.join('');
}

/** The scenario's text for `nodes` nodes: two Deployments of 1.25·nodes replicas, at 10 s and at 2 min. */
export function wavesScenario(nodes: number, withExpectations: boolean): string {
  const perWave = Math.round(1.25 * nodes);
  const deployment = (name: string) => `
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: ${name}}
          spec:
            replicas: ${perWave}
            selector: {matchLabels: {app: ${name}}}
            template:
              metadata: {labels: {app: ${name}}}
              spec:
                containers:
                  - name: app
                    image: nginx:1.25
                    resources:
                      requests: {cpu: 100m, memory: 64Mi}`;
  const expectations = withExpectations
    ? `
    - name: the first wave runs
      within: {after: 10s, limit: 110s}
      that:
        pods: {selector: app=wave-1, phase: Running, ready: true, count: ${perWave}}
    - name: the first Deployment is available
      within: {after: 10s, limit: 110s}
      that:
        workload: {object: deployment/wave-1, available: ${perWave}}
    - name: the second wave runs
      within: {after: 120s, limit: 170s}
      that:
        pods: {selector: app=wave-2, phase: Running, ready: true, count: ${perWave}}
    - name: the second Deployment is available
      within: {after: 120s, limit: 170s}
      that:
        workload: {object: deployment/wave-2, available: ${perWave}}
    - name: the first wave keeps running during the second
      always: {from: 120s, to: 300s}
      that:
        pods: {selector: app=wave-1, phase: Running, count: ${perWave}}`
    : ' []';
  return `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: waves-${nodes}
spec:
  seed: 1
  duration: 5m
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:${nodeGroups(nodes)}
  timeline:
    - at: 10s
      apply:${deployment('wave-1')}
    - at: 120s
      apply:${deployment('wave-2')}
  expect:${expectations}
`;
}

type OneRun = TimedRun;

/** One run in this process (the child's side). */
function runOnce(nodes: number, withExpectations: boolean): Promise<OneRun> {
  return timedScenarioRun(wavesScenario(nodes, withExpectations), `<waves-${nodes}>`);
}

function child(nodes: number, withExpectations: boolean): OneRun {
  return timedRunInChild(fileURLToPath(import.meta.url), [String(nodes), withExpectations ? 'with' : 'without']);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[2] === '--child') {
  process.stdout.write(`${JSON.stringify(await runOnce(Number(process.argv[3]), process.argv[4] === 'with'))}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (arg('sizes') ?? '400,1000').split(',').map(Number);
  const runs = Number(arg('runs') ?? 3);
  const loadStart = loadavg()[0]!;
  const rows = [];
  for (const nodes of sizes) {
    const withRuns: OneRun[] = [];
    const withoutRuns: OneRun[] = [];
    // Interleaved, so a change in the machine's load hits both sides alike.
    for (let i = 0; i < runs; i++) {
      withRuns.push(child(nodes, true));
      withoutRuns.push(child(nodes, false));
    }
    const wallWith = median(withRuns.map((r) => r.wallSeconds));
    const wallWithout = median(withoutRuns.map((r) => r.wallSeconds));
    const row = {
      nodes,
      pods: 2 * Math.round(1.25 * nodes),
      withExpectations: { wallSecondsMedian: wallWith, wallSeconds: withRuns.map((r) => r.wallSeconds), cpuSecondsMedian: median(withRuns.map((r) => r.cpuSeconds)), events: withRuns[0]!.events, traceLines: withRuns[0]!.traceLines, peakRssMiB: Math.max(...withRuns.map((r) => r.peakRssMiB)), allHeld: withRuns.every((r) => r.ok) },
      withoutExpectations: { wallSecondsMedian: wallWithout, wallSeconds: withoutRuns.map((r) => r.wallSeconds), cpuSecondsMedian: median(withoutRuns.map((r) => r.cpuSeconds)), events: withoutRuns[0]!.events, traceLines: withoutRuns[0]!.traceLines, peakRssMiB: Math.max(...withoutRuns.map((r) => r.peakRssMiB)) },
      expectationShare: Number((1 - wallWithout / wallWith).toFixed(3)),
      // CPU seconds are the steadier figure when other processes share the cores.
      expectationShareOfCpu: Number((1 - median(withoutRuns.map((r) => r.cpuSeconds)) / median(withRuns.map((r) => r.cpuSeconds))).toFixed(3)),
      eventsPerSecondWithout: Math.round(withoutRuns[0]!.events / wallWithout),
    };
    process.stderr.write(`${nodes} nodes: with expectations ${wallWith} s (held: ${row.withExpectations.allHeld}), without ${wallWithout} s, share of wall ${row.expectationShare}, of CPU ${row.expectationShareOfCpu}\n`);
    rows.push(row);
  }
  process.stdout.write(`${JSON.stringify({ bench: 'expectations', runs, rows, node: process.version, cpus: cpus().length, loadAverage1m: [loadStart, loadavg()[0]] }, null, 2)}\n`);
}
