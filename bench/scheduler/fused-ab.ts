/**
 * The fused scan against the plain plugin path, in one process, alternating (plain, fused) ×
 * `--runs` on the same workload: both run the same framework loop (framework-loop.ts), only
 * scheduleOne's `plainPluginPath` differs. Prints one JSON object: each run's pods/s, the median
 * of fused ÷ plain over the pairs, and whether both paths made the same decisions.
 *
 *   npx tsx bench/scheduler/fused-ab.ts [--workload SchedulingBasic] [--nodes 5000] [--pods 10000] [--runs 3]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runFrameworkLoop } from './framework-loop.ts';
import { generateWorkload, type WorkloadName } from './workloads.ts';

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'SchedulingBasic' }, nodes: { type: 'string', default: '5000' }, pods: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } } });
const w = generateWorkload(values.workload as WorkloadName, { nodes: Number(values.nodes), measuredPods: Number(values.pods) });
const load0 = loadavg()[0]!;
const pairs: { plain: number; fused: number; ratio: number }[] = [];
let sameDecisions = true;
for (let i = 0; i < Number(values.runs); i++) {
  const plain = runFrameworkLoop(w, { windowPods: 500, plainPluginPath: true });
  const fused = runFrameworkLoop(w, { windowPods: 500 });
  for (const [k, node] of plain.decisions) if (fused.decisions.get(k) !== node) sameDecisions = false;
  const rate = (m: { bound: number; wallMs: number }): number => Math.round((m.bound * 1000) / m.wallMs);
  const p = rate(plain.measurement);
  const f = rate(fused.measurement);
  pairs.push({ plain: p, fused: f, ratio: Math.round((f / p) * 1000) / 1000 });
}
const ratios = pairs.map((x) => x.ratio).sort((a, b) => a - b);
console.log(JSON.stringify({ workload: w.info.name, nodes: w.nodes.length, pods: w.measuredPods.length, pairs, medianFusedToPlain: ratios[Math.floor(ratios.length / 2)], sameDecisions, loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))] }));
