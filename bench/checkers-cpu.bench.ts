/**
 * What the invariant checkers cost per event, this tree's against another's, in one process: the
 * idle 5-node cluster of `memory-over-time.bench.ts` runs for `--minutes` virtual minutes and
 * the trace events the checkers consume (Raft log, commit, apply, roles, votes, compactions,
 * etcd ops, faults) are kept; then a fresh `InvariantChecker` of each tree observes all of them,
 * alternating, `--rounds` times each. CPU seconds per round (process.cpuUsage), medians, and the
 * ratio of the medians. Both checkers must find nothing.
 *
 *   npx tsx bench/checkers-cpu.bench.ts --against /work/main [--minutes 30] [--rounds 5]
 *
 * One JSON object on stdout.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runScenario } from '../actors/scenario/runner.ts';
import type { TraceEvent } from '../actors/kernel/trace.ts';
import { InvariantChecker } from '../actors/checks/index.ts';
import { idleClusterSpec } from './idle-cluster-spec.ts';

function arg(name: string, fallback: string | undefined): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const against = arg('against', undefined);
const minutes = Number(arg('minutes', '30'));
const rounds = Number(arg('rounds', '5'));
if (against === undefined || !(minutes > 0) || !(rounds >= 1)) {
  console.error('usage: npx tsx bench/checkers-cpu.bench.ts --against <other checkout> [--minutes 30] [--rounds 5]');
  process.exit(2);
}

type Checker = { observeAll(e: TraceEvent): unknown[]; finish(): unknown[] };
const other = (await import(pathToFileURL(resolve(against, 'actors/checks/index.ts')).href)) as { InvariantChecker: new () => Checker };

const CONSUMED = new Set(['raft.role', 'raft.log', 'raft.commit', 'raft.compact', 'raft.snapshot', 'raft.vote', 'etcd.apply', 'etcd.op', 'fault']);
const events: TraceEvent[] = [];
const load0 = loadavg()[0]!;
runScenario(idleClusterSpec({ name: 'checkers-cpu-bench', nodes: 5, durationMs: minutes * 60_000, maxEvents: 2_000_000_000, controllerManagers: 1 }), {
  onTrace: (e) => {
    if (CONSUMED.has(e.kind)) events.push(e);
  },
});

function round(make: () => Checker): { cpuSeconds: number; found: number } {
  const checker = make();
  const before = process.cpuUsage();
  let found = 0;
  for (const e of events) found += checker.observeAll(e).length;
  found += checker.finish().length;
  const used = process.cpuUsage(before);
  return { cpuSeconds: (used.user + used.system) / 1e6, found };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const here: number[] = [];
const there: number[] = [];
let found = 0;
// One untimed round each first (JIT warm-up), then alternate.
round(() => new InvariantChecker());
round(() => new other.InvariantChecker());
for (let i = 0; i < rounds; i++) {
  const a = round(() => new InvariantChecker());
  const b = round(() => new other.InvariantChecker());
  here.push(Number(a.cpuSeconds.toFixed(3)));
  there.push(Number(b.cpuSeconds.toFixed(3)));
  found += a.found + b.found;
}
console.log(
  JSON.stringify(
    {
      bench: 'checkers-cpu',
      virtualMinutes: minutes,
      events: events.length,
      cpuSeconds: { here, against: there },
      medianHere: median(here),
      medianAgainst: median(there),
      ratioHereToAgainst: Number((median(here) / median(there)).toFixed(3)),
      nsPerEventHere: Math.round((median(here) * 1e9) / events.length),
      violationsFound: found,
      against,
      loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
    },
    null,
    2,
  ),
);
