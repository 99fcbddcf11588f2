/**
 * What Services cost a cluster: N nodes, S Deployments of 2 replicas, each behind a ClusterIP
 * Service, for a span of virtual time (the pods start, their endpoints fill the EndpointSlices,
 * every node's kube-proxy programs them, then the periodic syncs), written as a user would write
 * it (YAML through the loader). The bare baseline of the same run is the same cluster and
 * Deployments without the Services. Each run is a process of its own (so each peak RSS is its
 * own), the two kinds interleaved; prints one JSON object on stdout.
 *
 *   npx tsx bench/services.bench.ts [--nodes 1000] [--services 200] [--minutes 3] [--runs 3]
 *
 * `servicesShare` = 1 − wall(without) / wall(with), from the medians.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from './regression.ts';
import { timedRunInChild, timedScenarioRun, type TimedRun } from './timed-run.ts';

/** The scenario's text: `services` Deployments of 2 replicas, each with its Service unless `withServices` is false. */
export function servicesScenario(nodes: number, services: number, minutes: number, withServices: boolean): string {
  const groups: string[] = [];
  for (let start = 0, g = 0; start < nodes; start += 1000, g++) {
    groups.push(`
      - name: node-g${g}
        count: ${Math.min(1000, nodes - start)}
        capacity: {cpu: "4", memory: 8Gi, pods: 110}`);
  }
  const workload: string[] = [];
  for (let i = 0; i < services; i++) {
    workload.push(`
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: app-${i}}
      spec:
        replicas: 2
        selector: {matchLabels: {app: app-${i}}}
        template:
          metadata: {labels: {app: app-${i}}}
          spec:
            containers: [{name: web, image: nginx:1.25, ports: [{name: http, containerPort: 80}], resources: {requests: {cpu: 100m, memory: 64Mi}}}]`);
    if (withServices) {
      workload.push(`
    - apiVersion: v1
      kind: Service
      metadata: {name: app-${i}}
      spec:
        selector: {app: app-${i}}
        ports: [{name: http, port: 80, targetPort: http}]`);
    }
  }
  return `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: services-${nodes}-${services}
spec:
  seed: 1
  duration: ${minutes}m
  cluster:
    etcd: {members: 3}
    nodes:${groups.join('')}
  workload:${workload.join('')}
`;
}

function runOnce(nodes: number, services: number, minutes: number, withServices: boolean): Promise<TimedRun> {
  return timedScenarioRun(servicesScenario(nodes, services, minutes, withServices), `<services-${nodes}-${services}>`);
}

function child(args: string[]): TimedRun {
  return timedRunInChild(fileURLToPath(import.meta.url), args);
}

function summary(runs: TimedRun[]) {
  const walls = runs.map((r) => r.wallSeconds);
  return {
    wallSecondsMedian: median(walls),
    wallSecondsMin: Math.min(...walls),
    wallSecondsMax: Math.max(...walls),
    wallSeconds: walls,
    cpuSecondsMedian: median(runs.map((r) => r.cpuSeconds)),
    events: runs[0]!.events,
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    ok: runs.every((r) => r.ok),
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[2] === '--child') {
  const [nodes, services, minutes] = process.argv.slice(3, 6).map(Number) as [number, number, number];
  process.stdout.write(`${JSON.stringify(await runOnce(nodes, services, minutes, process.argv[6] === 'with'))}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const nodes = arg('nodes', quick ? 100 : 1000);
  const services = arg('services', quick ? 20 : 200);
  const minutes = arg('minutes', quick ? 1 : 3);
  const runs = arg('runs', 3);
  const loadStart = loadavg()[0]!;
  const withRuns: TimedRun[] = [];
  const withoutRuns: TimedRun[] = [];
  // Interleaved, so a change in the machine's load hits both sides alike.
  for (let i = 0; i < runs; i++) {
    withRuns.push(child([String(nodes), String(services), String(minutes), 'with']));
    withoutRuns.push(child([String(nodes), String(services), String(minutes), 'without']));
  }
  const withServices = summary(withRuns);
  const withoutServices = summary(withoutRuns);
  const row = {
    bench: 'services',
    nodes,
    services,
    pods: 2 * services,
    virtualMinutes: minutes,
    withServices,
    withoutServices,
    servicesShare: Number((1 - withoutServices.wallSecondsMedian / withServices.wallSecondsMedian).toFixed(3)),
    speedUpWithServices: Number(((minutes * 60) / withServices.wallSecondsMedian).toFixed(1)),
    loadAverage1m: [loadStart, loadavg()[0]!],
    node: process.version,
    cpus: cpus().length,
  };
  process.stderr.write(`${nodes} nodes, ${services} Services: with ${withServices.wallSecondsMedian} s, without ${withoutServices.wallSecondsMedian} s (share ${row.servicesShare})\n`);
  console.log(JSON.stringify(row, null, 2));
}
