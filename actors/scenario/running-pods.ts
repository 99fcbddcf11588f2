import type { Simulation } from '../kernel/simulation.ts';
import type { TraceEvent } from '../kernel/trace.ts';
import type { Verdict } from './conditions.ts';
import type { RunningCondition } from './spec.ts';
import { describeCount, matchCount } from './workload-conditions.ts';

/**
 * What the nodes' container runtimes run, as the kubelets trace it (`k8s.running`), not what the
 * API says: a partitioned node's containers keep running while the control plane evicts and
 * replaces its pods, so a workload may run more replicas at once than it asked for. Counts, per
 * workload, the pods with at least one live container, across every node, and the most there
 * ever were at once.
 *
 * A pod counts for its controller (`replicaset/<ns>/<name>`, `statefulset/...`, ...) and, when it
 * carries the `pod-template-hash` label of a ReplicaSet named `<deployment>-<hash>`, for that
 * Deployment too (the deployment controller's naming). A crashed node's pods stop counting: the
 * simulated crash takes its runtime down with the kubelet.
 */
export class RunningPods {
  /** node → "namespace/pod" → the workloads it counts for. */
  private readonly byNode = new Map<string, Map<string, string[]>>();
  private readonly workloads = new Map<string, WorkloadTally>();

  constructor(sim: Simulation) {
    sim.trace.subscribe((e) => {
      if (e.kind === 'k8s.running') this.onRunning(e);
      else if (e.kind === 'fault' && e.action === 'crash') for (const node of e.targets as string[]) this.onCrash(node, e.t);
    });
  }

  /** The tally of one workload (`deployment/default/web`); zeros when none of its pods ever ran. */
  tally(key: string): WorkloadTally {
    return this.workloads.get(key) ?? { running: 0, maxAtOnce: 0, maxAtMs: -1, byNode: new Map() };
  }

  private onRunning(e: TraceEvent): void {
    const node = e.node as string;
    const podKey = `${e.namespace as string}/${e.pod as string}`;
    let pods = this.byNode.get(node);
    if (!pods) this.byNode.set(node, (pods = new Map()));
    const was = pods.get(podKey);
    if ((e.running as number) > 0) {
      if (was) return;
      const keys = workloadKeys(e.namespace as string, e.controller as string | undefined, e.templateHash as string | undefined);
      pods.set(podKey, keys);
      for (const k of keys) this.add(k, node, 1, e.t);
    } else if (was) {
      pods.delete(podKey);
      for (const k of was) this.add(k, node, -1, e.t);
    }
  }

  private onCrash(node: string, atMs: number): void {
    const pods = this.byNode.get(node);
    if (!pods) return;
    for (const keys of pods.values()) for (const k of keys) this.add(k, node, -1, atMs);
    pods.clear();
  }

  private add(key: string, node: string, delta: number, atMs: number): void {
    let t = this.workloads.get(key);
    if (!t) this.workloads.set(key, (t = { running: 0, maxAtOnce: 0, maxAtMs: -1, byNode: new Map() }));
    t.running += delta;
    const onNode = (t.byNode.get(node) ?? 0) + delta;
    if (onNode === 0) t.byNode.delete(node);
    else t.byNode.set(node, onNode);
    if (t.running > t.maxAtOnce) {
      t.maxAtOnce = t.running;
      t.maxAtMs = atMs;
    }
  }
}

export interface WorkloadTally {
  running: number;
  maxAtOnce: number;
  /** When the maximum was first reached. */
  maxAtMs: number;
  byNode: Map<string, number>;
}

/** The workloads a running pod counts for: its controller, and the Deployment above a ReplicaSet. */
export function workloadKeys(namespace: string, controller: string | undefined, templateHash: string | undefined): string[] {
  if (controller === undefined) return [];
  const slash = controller.indexOf('/');
  const kind = controller.slice(0, slash).toLowerCase();
  const name = controller.slice(slash + 1);
  const keys = [`${kind}/${namespace}/${name}`];
  if (kind === 'replicaset' && templateHash !== undefined && name.endsWith(`-${templateHash}`)) {
    keys.push(`deployment/${namespace}/${name.slice(0, -templateHash.length - 1)}`);
  }
  return keys;
}

export function checkRunning(cond: RunningCondition, pods: RunningPods): Verdict {
  const namespace = cond.object.namespace ?? 'default';
  const t = pods.tally(`${cond.object.kind}/${namespace}/${cond.object.name}`);
  const nodes = [...t.byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, c]) => `${n} ${c}`);
  const detail =
    `${cond.object.kind}/${cond.object.name}: ${t.running} pod(s) running${nodes.length ? ` (${nodes.join(', ')})` : ''}` +
    `; at most ${t.maxAtOnce} at once${t.maxAtMs >= 0 ? ` (first at ${(t.maxAtMs / 1000).toFixed(3)}s)` : ''}`;
  if (cond.count !== undefined && !matchCount(cond.count, t.running)) return { ok: false, detail: `${detail}; expected ${describeCount(cond.count)} running` };
  if (cond.maxAtOnce !== undefined && !matchCount(cond.maxAtOnce, t.maxAtOnce)) return { ok: false, detail: `${detail}; expected ${describeCount(cond.maxAtOnce)} at most at once` };
  return { ok: true, detail };
}
