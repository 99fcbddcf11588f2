/**
 * InterPodAffinity's per-topology-value tables (Filter verdict, raw Score) against the per-node
 * path they replaced, in one process, alternating (per-node, tables) × `--runs` on the same
 * workload: "per-node" wraps the plugin so Filter runs its three satisfies* checks and Score sums
 * its PreScore layers for every node, as before the tables; everything else is the same plugin.
 * Prints one JSON object: each run's pods/s, the median of tables ÷ per-node, and whether both
 * made the same decisions.
 *
 *   npx tsx bench/scheduler/affinity-table-ab.ts [--workload SchedulingPodAffinity] [--nodes 5000] [--pods 5000] [--runs 3]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { stateKey, type CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import type { Plugin } from '../../actors/scheduler/framework/interface.ts';
import { unresolvable, unschedulable } from '../../actors/scheduler/framework/status.ts';
import {
  ErrReasonAffinityRulesNotMatch,
  ErrReasonAntiAffinityRulesNotMatch,
  ErrReasonExistingAntiAffinityRulesNotMatch,
  Name,
  type InterPodAffinityPreFilterState,
  type ScoreLayer,
} from '../../actors/scheduler/plugins/inter-pod-affinity.ts';
import { runFrameworkLoop } from './framework-loop.ts';
import { generateWorkload, type WorkloadName } from './workloads.ts';

const preFilterKey = stateKey<InterPodAffinityPreFilterState>('PreFilterInterPodAffinity');
const preScoreKey = stateKey<readonly ScoreLayer[]>('PreScoreInterPodAffinity');

/** InterPodAffinity with Filter and Score computed per node from the counts (no tables). */
function perNode(p: Plugin): Plugin {
  if (p.name !== Name) return p;
  const affinityFail = unresolvable(Name, ErrReasonAffinityRulesNotMatch);
  const antiFail = unschedulable(Name, ErrReasonAntiAffinityRulesNotMatch);
  const existingFail = unschedulable(Name, ErrReasonExistingAntiAffinityRulesNotMatch);
  let lastFilterState: CycleState | undefined;
  let lastPre: InterPodAffinityPreFilterState | undefined;
  let lastScoreState: CycleState | undefined;
  let lastScore: readonly ScoreLayer[] | undefined;
  return {
    ...p,
    filter(state, pod, node) {
      if (state !== lastFilterState) {
        lastFilterState = state;
        lastPre = state.read(preFilterKey);
      }
      const s = lastPre;
      if (s === undefined) return p.filter!(state, pod, node);
      const labels = node.labels;
      if (!s.satisfiesPodAffinity(labels)) return affinityFail;
      if (!s.satisfiesPodAntiAffinity(labels)) return antiFail;
      if (!s.satisfiesExistingPodsAntiAffinity(labels)) return existingFail;
      return null;
    },
    score(state, _pod, node) {
      if (state !== lastScoreState) {
        lastScoreState = state;
        lastScore = state.read(preScoreKey);
      }
      const layers = lastScore;
      if (layers === undefined) return 0;
      const labels = node.labels;
      let score = 0;
      for (const l of layers) {
        for (const [key, values] of l.counts) {
          const v = labels[key];
          if (typeof v === 'string') score += l.multiplier * (values.get(v) ?? 0);
        }
      }
      return score;
    },
  };
}

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'SchedulingPodAffinity' }, nodes: { type: 'string', default: '5000' }, pods: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' } } });
const w = generateWorkload(values.workload as WorkloadName, { nodes: Number(values.nodes), measuredPods: Number(values.pods) });
const load0 = loadavg()[0]!;
const pairs: { perNode: number; tables: number; ratio: number }[] = [];
let sameDecisions = true;
for (let i = 0; i < Number(values.runs); i++) {
  const before = runFrameworkLoop(w, { windowPods: 500, wrapPlugin: perNode });
  const after = runFrameworkLoop(w, { windowPods: 500 });
  for (const [k, node] of before.decisions) if (after.decisions.get(k) !== node) sameDecisions = false;
  if (before.decisions.size !== after.decisions.size) sameDecisions = false;
  const rate = (m: { bound: number; wallMs: number }): number => Math.round((m.bound * 1000) / m.wallMs);
  const b = rate(before.measurement);
  const a = rate(after.measurement);
  pairs.push({ perNode: b, tables: a, ratio: Math.round((a / b) * 1000) / 1000 });
}
const ratios = pairs.map((x) => x.ratio).sort((a, b) => a - b);
console.log(JSON.stringify({ workload: w.info.name, nodes: w.nodes.length, pods: w.measuredPods.length, pairs, medianTablesToPerNode: ratios[Math.floor(ratios.length / 2)], sameDecisions, loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))] }));
