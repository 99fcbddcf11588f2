import type { TraceEvent } from '../actors/kernel/trace.ts';
import { runScenario } from '../actors/scenario/runner.ts';
import type { Explanation } from '../actors/scheduler/framework/schedule-one.ts';
import { loadScenarioFile } from './loader/index.ts';
import { table } from './tables.ts';
import { formatSeconds } from './timeline-format.ts';

/**
 * `kubesim explain FILE --pod NS/NAME [--at TIME]`: runs the scenario with the pod's scheduling
 * recorded in full, and prints the decision in force at TIME (default: the last one): per node and
 * plugin, the filter verdict and reason, the raw, normalized and weighted scores, the total and
 * the node chosen — what kube-scheduler-simulator shows as pod annotations.
 */

export interface ExplainOptions {
  pod: string;
  atMs?: number;
  seed?: string;
}


export function formatExplanation(event: TraceEvent): string {
  const e = event.explanation as Explanation;
  const out: string[] = [];
  out.push(`pod ${e.pod}: attempt ${event.attempt as number} at ${formatSeconds(event.t)} by ${event.scheduler as string}`);
  out.push(`  ${e.numAllNodes} nodes, ${e.evaluatedNodes} evaluated from index ${e.startIndex}, looking for ${e.numNodesToFind} feasible (percentageOfNodesToScore)`);
  for (const v of e.preFilter) if (v.code !== 'Success') out.push(`  PreFilter ${v.plugin}: ${v.code}${v.reasons.length > 0 ? ` (${v.reasons.join('; ')})` : ''}`);
  const scorePlugins: string[] = [];
  for (const n of e.nodes) for (const sc of n.scores ?? []) if (!scorePlugins.includes(sc.plugin)) scorePlugins.push(sc.plugin);
  const rows = e.nodes.map((n) => {
    const failed = n.filters.find((f) => f.code !== 'Success' && f.code !== 'Skip');
    const filter = failed ? `${failed.plugin}: ${failed.reasons.join('; ')}` : 'passes';
    const cells = scorePlugins.map((p) => {
      const sc = n.scores?.find((x) => x.plugin === p);
      return sc ? `${sc.raw}→${sc.normalized}×${sc.weight}=${sc.weighted}` : '';
    });
    return [n.node + (n.node === e.selectedNode ? ' *' : ''), filter, ...cells, n.total === undefined ? '' : String(n.total)];
  });
  out.push('');
  out.push(table(['NODE', 'FILTER', ...scorePlugins.map((p) => `${p} (raw→norm×w)`), 'TOTAL'], rows, '  '));
  out.push('');
  if (e.tie) out.push(`tie between ${e.tie.nodes.join(', ')}: draw ${e.tie.draw} from the scheduler's seeded stream`);
  if (e.selectedNode) out.push(`chosen: ${e.selectedNode}`);
  else out.push(`not scheduled: ${e.message ?? e.scoring}`);
  for (const pf of e.postFilter ?? []) out.push(`PostFilter ${pf.plugin}: ${pf.code}${pf.nominatedNodeName ? `, nominated ${pf.nominatedNodeName}` : ''}${pf.victims?.length ? `, victims ${pf.victims.join(', ')}` : ''}`);
  return out.join('\n');
}

/** Returns the exit code: 0 explained, 1 the pod was never scheduled by then. */
export function explain(file: string, options: ExplainOptions): number {
  const spec = loadScenarioFile(file, options.seed === undefined ? {} : { seed: options.seed });
  const pod = options.pod.includes('/') ? options.pod : `default/${options.pod}`;
  const attempts: TraceEvent[] = [];
  runScenario(spec, { explainPods: [pod], onTrace: (e) => (e.kind === 'k8s.explain' && e.pod === pod ? attempts.push(e) : undefined) });
  const chosen = [...attempts].reverse().find((e) => options.atMs === undefined || e.t <= options.atMs);
  if (!chosen) {
    console.log(`pod ${pod} had no scheduling attempt${options.atMs !== undefined ? ` by ${formatSeconds(options.atMs)}` : ''} in ${file} (seed ${spec.seed})`);
    return 1;
  }
  console.log(formatExplanation(chosen));
  if (attempts.length > 1) console.log(`\n(${attempts.length} attempts at ${attempts.map((a) => formatSeconds(a.t)).join(', ')}; --at TIME picks another)`);
  return 0;
}
