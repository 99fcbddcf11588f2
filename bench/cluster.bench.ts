/**
 * An idle Kubernetes cluster: N kubelets renew their Lease every 10 s and post NodeStatus,
 * through the apiserver into a Raft-replicated etcd, for a span of virtual time. Prints one JSON
 * object: wall time, kernel events per second, speed-up over real time, peak memory.
 *
 *   npx tsx bench/cluster.bench.ts [--nodes 1000] [--minutes 10] [--quick]
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { runScenario } from '../actors/scenario/runner.ts';
import { idleClusterSpec } from './idle-cluster-spec.ts';
import { limitHeapGrowth } from '../cli/heap-growth.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const quick = process.argv.includes('--quick');
const nodes = arg('nodes', quick ? 100 : 1000);
const minutes = arg('minutes', quick ? 2 : 10);
const spec = idleClusterSpec({ name: 'idle-cluster-bench', nodes, durationMs: minutes * 60_000, maxEvents: 500_000_000, controllerManagers: 0 });

limitHeapGrowth();
const started = performance.now();
const { result, sim } = runScenario(spec);
const wallSeconds = (performance.now() - started) / 1000;
// getrusage's peak: the run is synchronous, so a sampling timer would never fire during it.
const peakRssKiB = process.resourceUsage().maxRSS;
const leaseWrites = sim.trace.count;

console.log(
  JSON.stringify(
    {
      bench: 'idle-cluster',
      nodes,
      virtualMinutes: minutes,
      etcdMembers: 5,
      wallSeconds: Number(wallSeconds.toFixed(3)),
      events: result.events,
      eventsPerSecond: Math.round(result.events / wallSeconds),
      messages: result.messages,
      speedUp: Number(((minutes * 60) / wallSeconds).toFixed(1)),
      peakRssMiB: Math.round(peakRssKiB / 1024),
      traceLines: leaseWrites,
      ok: result.ok && result.violations.length === 0,
      node: process.version,
      cpus: cpus().length,
    },
    null,
    2,
  ),
);
