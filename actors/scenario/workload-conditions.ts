import { isPodReady } from '../api/pod-ready.ts';
import { isSelectorError, matches, type Selector } from '../api/labels.ts';
import { selectorFromLabelSelector, type LabelSelector } from '../api/labels/label-selector.ts';
import type { KubeObject } from '../api/protocol.ts';
import { fenceposts, type DeploymentJson } from '../controllers/deployment/deployment.ts';
import type { ClusterState } from './cluster-state.ts';
import type { Verdict } from './conditions.ts';
import { describeMatch, matchValue } from './match.ts';
import type { CountMatch, RolloutCondition, WorkloadCondition, WorkloadCount } from './spec.ts';

/**
 * `that.workload` (a workload's status counts and conditions) and `that.rollout` (a Deployment's
 * rolling-update bounds, counted from its pods).
 */

const DEPLOYMENT_REVISION = 'deployment.kubernetes.io/revision';

type Reader = (o: KubeObject) => number | undefined;
const status = (field: string): Reader => (o) => {
  const v = (o.status as Record<string, unknown> | undefined)?.[field];
  // Kubernetes omits zero counts from status (omitempty): an object without the field has 0.
  return typeof v === 'number' ? v : 0;
};
const revision: Reader = (o) => {
  const v = o.metadata?.annotations?.[DEPLOYMENT_REVISION];
  return v === undefined ? undefined : Number(v);
};

/** Which status field each count reads, per kind (the lower-case kind of an ObjectRef). */
export const WORKLOAD_FIELDS: Readonly<Record<string, Partial<Record<WorkloadCount, Reader>>>> = {
  deployment: { replicas: status('replicas'), ready: status('readyReplicas'), available: status('availableReplicas'), updated: status('updatedReplicas'), revision },
  replicaset: { replicas: status('replicas'), ready: status('readyReplicas'), available: status('availableReplicas'), revision },
  statefulset: { replicas: status('replicas'), ready: status('readyReplicas'), available: status('availableReplicas'), updated: status('updatedReplicas') },
  daemonset: { replicas: status('desiredNumberScheduled'), ready: status('numberReady'), available: status('numberAvailable'), updated: status('updatedNumberScheduled') },
  replicationcontroller: { replicas: status('replicas'), ready: status('readyReplicas'), available: status('availableReplicas') },
  job: { active: status('active'), ready: status('ready'), succeeded: status('succeeded'), failed: status('failed') },
};

export function matchCount(m: CountMatch, actual: number | undefined): boolean {
  if (actual === undefined) return false;
  if (typeof m === 'object' && !('in' in m) && !('not' in m)) return (m.atLeast === undefined || actual >= m.atLeast) && (m.atMost === undefined || actual <= m.atMost);
  return matchValue(m, actual);
}

export function describeCount(m: CountMatch): string {
  if (typeof m === 'object' && !('in' in m) && !('not' in m)) {
    return [m.atLeast === undefined ? '' : `at least ${m.atLeast}`, m.atMost === undefined ? '' : `at most ${m.atMost}`].filter(Boolean).join(' and ');
  }
  return describeMatch(m);
}

/**
 * A Deployment's revision: its own annotation when the controller sets it, otherwise the highest
 * revision among the ReplicaSets it controls (what the annotation would say).
 */
export function deploymentRevision(d: KubeObject, state: ClusterState): number | undefined {
  const own = revision(d);
  if (own !== undefined) return own;
  let max: number | undefined;
  for (const [, rs] of state.entries('replicasets', d.metadata?.namespace)) {
    if (!(rs.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === d.metadata?.uid)) continue;
    const r = revision(rs);
    if (r !== undefined && (max === undefined || r > max)) max = r;
  }
  return max;
}

export function checkWorkload(cond: WorkloadCondition, obj: KubeObject | undefined, deploymentRevisionOf?: (d: KubeObject) => number | undefined): Verdict {
  const name = `${cond.object.kind}/${cond.object.name}`;
  if (!obj) return { ok: false, detail: `${name} does not exist` };
  const fields = WORKLOAD_FIELDS[cond.object.kind] ?? {};
  const parts: string[] = [];
  let ok = true;
  for (const [count, m] of Object.entries(cond.counts) as [WorkloadCount, CountMatch][]) {
    const actual = count === 'revision' && cond.object.kind === 'deployment' && deploymentRevisionOf ? deploymentRevisionOf(obj) : fields[count]?.(obj);
    const holds = matchCount(m, actual);
    ok &&= holds;
    parts.push(`${count} ${actual === undefined ? 'unset' : actual} (expected ${describeCount(m)})`);
  }
  if (cond.condition) {
    const c = cond.condition;
    const conditions = ((obj.status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)?.conditions ?? []);
    const seen = conditions.find((x) => x.type === c.type);
    const holds = matchValue(c.status, seen?.status) && (c.reason === undefined || matchValue(c.reason, seen?.reason));
    ok &&= holds;
    parts.push(seen ? `${seen.type}=${seen.status}${seen.reason ? ` (${seen.reason})` : ''}` : `no ${c.type} condition`);
  }
  return { ok, detail: `${name}: ${parts.join(', ')}` };
}

interface PodEntry {
  labels: Record<string, string>;
  ready: boolean;
  counted: boolean;
}

/**
 * The pods of a Deployment, kept up to date one pod at a time (`setPod`) and counted against its
 * selector (`setDeployment`; a new selector recounts, which happens once when it is created):
 * the pods matching the selector and not terminating, and how many of them are ready (available,
 * with minReadySeconds 0).
 */
export class RolloutTally {
  private readonly pods = new Map<string, PodEntry>();
  private deployment: DeploymentJson | undefined;
  private selectorText: string | undefined;
  private selector: Selector | undefined;
  private total = 0;
  private ready = 0;

  constructor(readonly cond: RolloutCondition) {}

  setDeployment(d: KubeObject | undefined): void {
    this.deployment = d as DeploymentJson | undefined;
    const labels = (d?.spec as { selector?: LabelSelector } | undefined)?.selector;
    const text = labels ? JSON.stringify(labels) : undefined;
    if (text === this.selectorText) return;
    this.selectorText = text;
    // The apiserver's one implementation of a LabelSelector.
    const parsed = labels ? selectorFromLabelSelector(labels) : undefined;
    this.selector = parsed && !isSelectorError(parsed) ? parsed : undefined;
    this.total = 0;
    this.ready = 0;
    for (const e of this.pods.values()) {
      e.counted = this.counts(e.labels);
      if (e.counted) this.add(e, 1);
    }
  }

  setPod(key: string, pod: KubeObject | undefined): void {
    const before = this.pods.get(key);
    if (before) {
      if (before.counted) this.add(before, -1);
      this.pods.delete(key);
    }
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const labels = pod.metadata?.labels ?? {};
    const ready = phase === 'Running' && isPodReady(pod);
    const e: PodEntry = { labels, ready, counted: this.counts(labels) };
    this.pods.set(key, e);
    if (e.counted) this.add(e, 1);
  }

  clearPods(): void {
    this.pods.clear();
    this.total = 0;
    this.ready = 0;
  }

  private counts(labels: Record<string, string>): boolean {
    return this.selector !== undefined && matches(this.selector, labels);
  }

  private add(e: PodEntry, n: number): void {
    this.total += n;
    if (e.ready) this.ready += n;
  }

  verdict(): Verdict {
    const name = `deployment/${this.cond.object.name}`;
    const d = this.deployment;
    if (!d) return { ok: false, detail: `${name} does not exist` };
    const replicas = (d.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    const strategy = (d.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type ?? 'RollingUpdate';
    if (strategy !== 'RollingUpdate') return { ok: false, detail: `${name} has strategy ${strategy}: rollout bounds are about RollingUpdate` };
    const [maxSurge, maxUnavailable] = fenceposts(d);
    const minAvailable = Math.max(0, replicas - maxUnavailable);
    const maxPods = replicas + maxSurge;
    const ok = this.ready >= minAvailable && this.total <= maxPods;
    return { ok, detail: `${name}: ${this.ready} available (at least ${minAvailable} = ${replicas} − maxUnavailable ${maxUnavailable}), ${this.total} pods (at most ${maxPods} = ${replicas} + maxSurge ${maxSurge})` };
  }
}
