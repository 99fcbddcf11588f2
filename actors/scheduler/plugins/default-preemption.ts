/**
 * DefaultPreemption (pkg/scheduler/framework/plugins/defaultpreemption and
 * framework/preemption/preemption.go), the PostFilter that runs when no node fits.
 *
 * 1. Eligibility: `preemptionPolicy: Never` → `not eligible due to preemptionPolicy=Never.`; a
 *    pod whose nominated node still has a lower-priority pod terminating by preemption waits
 *    (`not eligible due to a terminating pod on the nominated node.`).
 * 2. Candidates: only nodes whose filter status is Unschedulable (not ...AndUnresolvable). The
 *    dry run starts at `randomInt(#potential)` and stops after
 *    `max(#potential·10%, 100)` candidates (capped at #potential). On each node (a copy, with a
 *    copy of the cycle state): remove every lower-priority pod, telling the PreFilter extensions
 *    (`RemovePod`: InterPodAffinity's and PodTopologySpread's counts follow); none →
 *    `No preemption victims found for incoming pod`; if the pod still does not fit, that filter
 *    status is the node's answer; otherwise re-add the removed pods (`AddPod`), most important
 *    first (higher priority, then earlier `status.startTime`; a pod that has not started counts
 *    as starting now, i.e. after every started pod, as kube's `GetPodStartTime`), keeping each
 *    one that still lets the pod fit: as many reprieved as possible; the rest are the victims.
 * 3. No candidate: the answer is Unschedulable with `preemption: ` + a `0/N nodes are available`
 *    message over the dry run's statuses, nodes not tried counting as
 *    `Preemption is not helpful for scheduling`; the nominated node name is cleared.
 * 4. Otherwise the candidate is picked as `pickOneNodeForPreemption` does (fewest PDB violations
 *    — always 0 here, PodDisruptionBudgets are not modelled yet —, lowest top victim priority,
 *    smallest priority sum, fewest victims, latest start of the top-priority victims, first in
 *    dry-run order) and returned as the nominated node with its victims. Evicting them is the
 *    caller's job (scheduler-core's `prepareCandidate`: DisruptionTarget condition, graceful
 *    DELETE and a `Preempted` event per victim, through the API).
 *
 * The dry run's filters see other pods nominated to a node (`RunFilterPluginsWithNominatedPods`)
 * when the scheduler passes its nominator to `scheduleOne`.
 *
 * Not modelled yet: PodDisruptionBudgets (every candidate has 0 violations, so the first
 * criterion never decides and no victim is tried first as "PDB-violating"), extenders, async
 * preemption (the API calls are asynchronous anyway; the preemptor is not held back meanwhile). Kube iterates the candidate map in random order, so its "first remaining"
 * is random; here it is the first in dry-run order (which starts at the seeded offset).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { fitErrorMessage } from '../framework/fit-error.ts';
import type { Plugin, PostFilterContext, PostFilterResult } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { NodeToStatus } from '../framework/node-to-status.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import type { CycleState } from '../framework/cycle-state.ts';
import { errorStatus, newStatus, statusMessage, unresolvable, unschedulable, type Status } from '../framework/status.ts';

export const Name = 'DefaultPreemption';
export const ReasonNoVictims = 'No preemption victims found for incoming pod';
export const ReasonNotHelpful = 'Preemption is not helpful for scheduling';
export const ReasonPolicyNever = 'not eligible due to preemptionPolicy=Never.';
export const ReasonTerminatingOnNominated = 'not eligible due to a terminating pod on the nominated node.';

export interface DefaultPreemptionArgs {
  /** `minCandidateNodesPercentage` (default 10). */
  readonly minCandidateNodesPercentage?: number;
  /** `minCandidateNodesAbsolute` (default 100). */
  readonly minCandidateNodesAbsolute?: number;
}

export interface Candidate {
  readonly node: string;
  /** Most important first. */
  readonly victims: readonly PodInfo[];
  readonly numPDBViolations: number;
}

/** `calculateNumCandidates`. */
export function numCandidates(numNodes: number, args: DefaultPreemptionArgs = {}): number {
  let n = Math.trunc((numNodes * (args.minCandidateNodesPercentage ?? 10)) / 100);
  const min = args.minCandidateNodesAbsolute ?? 100;
  if (n < min) n = min;
  return n > numNodes ? numNodes : n;
}

/**
 * `util.GetPodStartTime`: `status.startTime`, or "now" for a pod that has not started (assumed or
 * just bound) — later than every recorded start, so +Infinity in this ordering.
 */
export function podStartTimeMs(p: PodInfo): number {
  const started = (p.pod.status as { startTime?: unknown } | undefined)?.startTime;
  if (started === undefined || started === null) return Infinity;
  return Number.isNaN(p.startTimeMs) ? Infinity : p.startTimeMs;
}
const startOf = podStartTimeMs;

/** `util.MoreImportantPod` as a sort comparator: higher priority first, then earlier start. */
export function moreImportantFirst(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const sa = startOf(a);
  const sb = startOf(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** `podTerminatingByPreemption`: being deleted, with DisruptionTarget=True reason PreemptionByScheduler. */
export function terminatingByPreemption(pod: V1Pod): boolean {
  if (!pod.metadata?.deletionTimestamp) return false;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'DisruptionTarget') return c.status === 'True' && c.reason === 'PreemptionByScheduler';
  }
  return false;
}

/**
 * `SelectVictimsOnNode` on a copy of the node and of the cycle state (`state`, default a clone of
 * `ctx.state`): the victims (most important first), or the status saying why not.
 */
export function selectVictimsOnNode(ctx: PostFilterContext, node: NodeInfo, state: CycleState = ctx.state.clone()): { victims: PodInfo[] } | { status: Status } {
  const preemptor = ctx.pod;
  const remove = (p: PodInfo): Status | null => {
    node.removePod(p.key);
    return ctx.removePod ? ctx.removePod(state, p, node) : null;
  };
  const add = (p: PodInfo): Status | null => {
    node.addPod(p);
    return ctx.addPod ? ctx.addPod(state, p, node) : null;
  };
  const potential = node.pods.filter((p) => p.priority < preemptor.priority);
  for (const p of potential) {
    const err = remove(p);
    if (err !== null) return { status: err };
  }
  if (potential.length === 0) return { status: unresolvable(Name, ReasonNoVictims) };
  const fits = ctx.runFilters(node, state);
  if (fits !== null) return { status: fits };
  // Stable sort: equal importance keeps the node's pod order (kube's sort.Slice leaves it open).
  potential.sort(moreImportantFirst);
  // Reprieve as many as possible, the most important first: a pod stays if the pod still fits.
  const victims: PodInfo[] = [];
  for (const p of potential) {
    let err = add(p);
    if (err !== null) return { status: err };
    if (ctx.runFilters(node, state) !== null) {
      err = remove(p);
      if (err !== null) return { status: err };
      victims.push(p);
    }
  }
  return { victims };
}

/** `GetEarliestPodStartTime` over the highest-priority victims. */
function earliestTopPriorityStart(victims: readonly PodInfo[]): number {
  let maxPriority = victims[0]!.priority;
  let earliest = startOf(victims[0]!);
  for (const v of victims) {
    if (v.priority === maxPriority) {
      if (startOf(v) < earliest) earliest = startOf(v);
    } else if (v.priority > maxPriority) {
      maxPriority = v.priority;
      earliest = startOf(v);
    }
  }
  return earliest;
}

/** `pickOneNodeForPreemption`: successive criteria, each keeping the best-scoring candidates. */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  const INT32_OFFSET = 2 ** 31; // kube adds MaxInt32+1 so that negative priorities sum sensibly
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -c.victims[0]!.priority,
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + INT32_OFFSET, 0),
    (c) => -c.victims.length,
    (c) => earliestTopPriorityStart(c.victims),
  ];
  let remaining = [...candidates];
  for (const score of criteria) {
    if (remaining.length <= 1) break;
    let best = -Infinity;
    let kept: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > best) {
        best = s;
        kept = [c];
      } else if (s === best) kept.push(c);
    }
    remaining = kept;
  }
  return remaining[0];
}

function hasLowerPriorityPod(node: NodeInfo, priority: number): boolean {
  for (const p of node.pods) if (p.priority < priority) return true;
  return false;
}

export function newDefaultPreemption(args: DefaultPreemptionArgs = {}): Plugin {
  const noVictims = unresolvable(Name, ReasonNoVictims);
  const withPrefix = (s: Status): Status => {
    const msg = statusMessage(s);
    return msg.length > 0 ? newStatus(s.code, [`preemption: ${msg}`], Name) : s;
  };

  /** `Evaluator.Preempt` (without the `preemption: ` prefix). */
  const preempt = (ctx: PostFilterContext): PostFilterResult => {
    const pod = ctx.pod;
    if (pod.pod.spec?.preemptionPolicy === 'Never') return { status: unschedulable(Name, ReasonPolicyNever) };
    const nominated = (pod.pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
    if (nominated && ctx.nodeToStatus.get(nominated).code !== 'UnschedulableAndUnresolvable') {
      const ni = ctx.snapshot.get(nominated);
      if (ni?.pods.some((p) => p.priority < pod.priority && terminatingByPreemption(p.pod))) {
        return { status: unschedulable(Name, ReasonTerminatingOnNominated) };
      }
    }

    const allNodes = ctx.snapshot.nodes;
    const potential = ctx.nodeToStatus.nodesForStatusCode(allNodes, 'Unschedulable');
    const dryRun = new NodeToStatus();
    const candidates: Candidate[] = [];
    const errors: string[] = [];
    if (potential.length > 0) {
      const offset = ctx.randomInt(potential.length);
      const wanted = numCandidates(potential.length, args);
      for (let i = 0; i < potential.length && candidates.length < wanted; i++) {
        const ni = potential[(offset + i) % potential.length]!;
        // Without a lower-priority pod the answer is known; skip the copy (kube copies first).
        const r = hasLowerPriorityPod(ni, pod.priority) ? selectVictimsOnNode(ctx, ni.clone()) : { status: noVictims };
        if ('victims' in r && r.victims.length > 0) {
          candidates.push({ node: ni.name, victims: r.victims, numPDBViolations: 0 });
          continue;
        }
        const status = 'status' in r ? r.status : errorStatus(Name, `expected at least one victim pod on node "${ni.name}"`);
        if (status.code === 'Error') errors.push(statusMessage(status));
        dryRun.set(ni.name, status);
      }
    }
    if (candidates.length === 0) {
      if (errors.length > 0) return { status: errorStatus(Name, errors.join(', ')) };
      dryRun.absent = unresolvable(Name, ReasonNotHelpful);
      const message = fitErrorMessage(allNodes.length, { nodeToStatus: dryRun, preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() });
      return { status: unschedulable(Name, message), nominatedNodeName: '' };
    }
    const best = pickOneNodeForPreemption(candidates)!;
    return { status: null, nominatedNodeName: best.node, victims: best.victims };
  };

  return {
    name: Name,
    postFilter(ctx) {
      const r = preempt(ctx);
      return r.status === null ? r : { ...r, status: withPrefix(r.status) };
    },
  } satisfies Plugin;
}
