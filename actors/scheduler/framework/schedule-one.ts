/**
 * One scheduling cycle, as kube-scheduler's `schedulePod` / `findNodesThatFitPod` /
 * `prioritizeNodes` / `selectHost` (pkg/scheduler/schedule_one.go), made deterministic:
 *
 * 1. PreFilter (may skip a plugin's Filter, narrow the nodes, or reject the pod outright).
 * 2. A pod with `status.nominatedNodeName` tries that node first; if it fits, it is chosen.
 * 3. Filter, one node at a time, starting at `rotation.nextStartNodeIndex` and wrapping, until
 *    `numFeasibleNodesToFind` feasible nodes are found (kube filters 16 nodes in parallel, so
 *    which nodes it finds depends on goroutine timing; here the scan order is fixed). The start
 *    index then moves on by the number of nodes processed: `(start + processed) % n`.
 * 4. No feasible node: PostFilter (preemption) runs and the `0/N nodes are available` message
 *    is built. One feasible node: it is chosen without scoring (as kube).
 * 5. Otherwise PreScore, Score, NormalizeScore, weight, sum; the highest total wins; a tie is
 *    broken by one draw of `randomInt(tiedCount)` over the tied nodes in scan order (uniform,
 *    like kube's per-node random `Randomizer` in its score heap).
 *
 * Every node's filters (2, 3 and preemption's dry run) run first with `options.nominatedPods` of
 * equal or higher priority counted on it, then without them (kube
 * `RunFilterPluginsWithNominatedPods`).
 *
 * Nothing here reads time or global randomness; all state goes in and comes out.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { CycleState } from './cycle-state.ts';
import { fitErrorMessage, type Diagnosis } from './fit-error.ts';
import { MAX_NODE_SCORE, MIN_NODE_SCORE, type ExtensionPoint, type FilterVerdictTable, type FusionHint, type Plugin, type PostFilterContext, type PostFilterResult, type Profile } from './interface.ts';
import { FLAG_TAINTED, FLAG_UNSCHEDULABLE, FLAG_USES_HOST_PORTS } from './node-columns.ts';
import type { NodeInfo } from './node-info.ts';
import { NodeToStatus } from './node-to-status.ts';
import { newPodInfo, type PodInfo } from './pod-info.ts';
import type { Snapshot } from './snapshot.ts';
import { isRejected, newStatus, statusMessage, withPlugin, type Code, type Status } from './status.ts';

// Read once into a module-local constant: under tsx's module transform an import is an accessor.
const MAX_SCORE: number = MAX_NODE_SCORE;
const MIN_SCORE: number = MIN_NODE_SCORE;

/** `minFeasibleNodesToFind`: never score fewer nodes than this (unless the cluster is smaller). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** `minFeasibleNodesPercentageToFind`: the adaptive percentage's floor. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** kube `ErrNoNodesAvailable`. */
export const NO_NODES_AVAILABLE_MSG = 'no nodes available to schedule pods';

/**
 * `numFeasibleNodesToFind`: all nodes below 100; otherwise `percentage` of them (adaptive when 0
 * or unset: `max(5, 50 − n/125)` percent, integer division), but at least 100.
 * n = 50 → 50, 100 → 100, 1000 → 420, 5000 → 500.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = Math.min(100, Math.max(0, Math.trunc(percentageOfNodesToScore ?? 0)));
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return numNodes < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : numNodes;
}

/** The scheduler's rotating filter start (kube `sched.nextStartNodeIndex`), passed in and returned. */
export interface Rotation {
  readonly nextStartNodeIndex: number;
}

export const INITIAL_ROTATION: Rotation = Object.freeze({ nextStartNodeIndex: 0 });

export interface ScheduleOptions {
  /** Record every plugin verdict and score (kube-scheduler-simulator's view). Slower; off by default. */
  readonly explain?: boolean;
  /**
   * Pending pods nominated to a node (kube's nominator). Those of equal or higher priority than
   * the pod being scheduled (other than itself) count as already on their node while it is
   * filtered, so the room preemption made is kept for them (`RunFilterPluginsWithNominatedPods`).
   */
  readonly nominatedPods?: (nodeName: string) => readonly PodInfo[];
  /**
   * Call every plugin for every node (no fused scan). The decisions are the same either way
   * (test/scheduler/fused-path.test.ts); this exists to check that. `explain` implies it.
   */
  readonly plainPluginPath?: boolean;
}

/** A filter plugin's verdict on one node ('Success' = passed). */
export interface FilterVerdict {
  readonly plugin: string;
  readonly code: Code;
  readonly reasons: readonly string[];
}

export interface ScoreDetail {
  readonly plugin: string;
  /** What Score returned. */
  readonly raw: number;
  /** After NormalizeScore (= raw for plugins without one). */
  readonly normalized: number;
  readonly weight: number;
  /** normalized × weight: this plugin's share of the total. */
  readonly weighted: number;
}

export interface NodeExplanation {
  readonly node: string;
  /** Filters that ran, in order; the first failure ends the list (kube stops there too). */
  readonly filters: FilterVerdict[];
  readonly feasible: boolean;
  /** Present when the node was scored. */
  scores?: ScoreDetail[];
  total?: number;
}

/** Everything a user needs to see why the pod went where it went (or nowhere). */
export interface Explanation {
  readonly pod: string;
  readonly numAllNodes: number;
  numNodesToFind: number;
  startIndex: number;
  evaluatedNodes: number;
  /** PreFilter results per plugin ('Success', 'Skip', or the rejection). */
  readonly preFilter: FilterVerdict[];
  /** Nodes a PreFilter narrowed the search to (absent = all). */
  preFilterNodeNames?: string[];
  /** Set when the nominated node was tried first. */
  nominatedNode?: { node: string; feasible: boolean };
  /** Evaluated nodes, in evaluation order. */
  readonly nodes: NodeExplanation[];
  /** Score plugins whose PreScore returned Skip this cycle. */
  skippedScorePlugins: string[];
  /** Why scoring did not run, when it did not. */
  scoring: 'scored' | 'one feasible node' | 'no feasible nodes' | 'nominated node fits' | 'not reached';
  selectedNode?: string;
  /** The tied top nodes (scan order) and the draw that picked one. */
  tie?: { nodes: string[]; draw: number };
  postFilter?: { plugin: string; code: Code; reasons: readonly string[]; nominatedNodeName?: string; victims?: string[] }[];
  message?: string;
}

export interface Unschedulable {
  /** The pod condition / FailedScheduling event message. */
  readonly message: string;
  /** Every node's rejection reasons, in snapshot order. */
  readonly reasonsByNode: Record<string, string[]>;
  /** Plugins that rejected the pod (for queueing hints). */
  readonly unschedulablePlugins: string[];
  /** From PostFilter: undefined = leave `status.nominatedNodeName`; "" = clear it; else set it. */
  readonly nominatedNodeName?: string;
  /** From PostFilter: pods to evict so the pod fits on the nominated node. */
  readonly victims?: readonly PodInfo[];
}

export type ScheduleDecision = { readonly node: string } | { readonly unschedulable: Unschedulable } | { readonly error: string };

export type ScheduleOneResult = ScheduleDecision & {
  readonly rotation: Rotation;
  /** Nodes filtered this cycle (feasible + rejected), as kube's `EvaluatedNodes`. */
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
  readonly explanation?: Explanation;
};

/** A profile's plugins sorted by extension point, computed once per profile object. */
interface Compiled {
  readonly preFilter: readonly Plugin[];
  /** PreFilter plugins with AddPod/RemovePod extensions (InterPodAffinity, PodTopologySpread). */
  readonly preFilterExtensions: readonly Plugin[];
  readonly filter: readonly Plugin[];
  readonly preScore: readonly Plugin[];
  readonly score: readonly Plugin[];
  readonly weight: readonly number[];
  readonly postFilter: readonly Plugin[];
  /** Index in `score` of the NodeResourcesFit / BalancedAllocation plugin the fused scan scores inline, or −1. */
  readonly fusedFit: number;
  readonly fusedBalanced: number;
  /** The fused scan's per-feasible-node raw scores, reused across cycles (grown as needed). */
  readonly scratch: { fit: Float64Array; balanced: Float64Array; totals: Float64Array; tied: Int32Array; anyTaintedFeasible: boolean };
  /** `filter` without the plugins PreFilter skipped, by the bit mask of skipped positions (a few masks recur every cycle). */
  readonly filterBySkipMask: Map<number, readonly Plugin[]>;
}

const compiledProfiles = new WeakMap<Profile, Compiled>();

function compile(profile: Profile): Compiled {
  let c = compiledProfiles.get(profile);
  if (c) return c;
  const points = profile.extensionPoints;
  const byName = new Map(profile.plugins.map((p) => [p.name, p] as const));
  /** The plugins configured at one point (`Profile.extensionPoints`), else every implementing plugin in order. */
  const at = (point: ExtensionPoint, implements_: (p: Plugin) => boolean): Plugin[] => {
    const names = points?.[point];
    if (names === undefined) return profile.plugins.filter(implements_);
    const out: Plugin[] = [];
    for (const name of names) {
      const p = byName.get(name);
      if (p !== undefined && implements_(p)) out.push(p);
    }
    return out;
  };
  const score = at('score', (p) => p.score !== undefined);
  const fusedFit = score.findIndex((p) => p.fusion?.kind === 'NodeResourcesFit' && p.fusion.leastAllocated !== null);
  const fusedBalanced = score.findIndex((p) => p.fusion?.kind === 'BalancedAllocation' && p.fusion.cpuMemory);
  const preFilter = at('preFilter', (p) => p.preFilter !== undefined);
  c = {
    preFilter,
    preFilterExtensions: preFilter.filter((p) => p.preFilterExtensions !== undefined),
    filter: at('filter', (p) => p.filter !== undefined),
    // Without an explicit PreScore list, PreScore runs for the score plugins that have one.
    preScore: points?.preScore !== undefined ? at('preScore', (p) => p.preScore !== undefined) : score.filter((p) => p.preScore),
    score,
    weight: score.map((p) => {
      const w = profile.weights[p.name];
      // kube: a weight of 0 (unset) in the config defaults to 1.
      return w === undefined || w === 0 ? 1 : w;
    }),
    postFilter: at('postFilter', (p) => p.postFilter !== undefined),
    fusedFit,
    fusedBalanced,
    scratch: { fit: new Float64Array(0), balanced: new Float64Array(0), totals: new Float64Array(0), tied: new Int32Array(0), anyTaintedFeasible: false },
    filterBySkipMask: new Map(),
  };
  compiledProfiles.set(profile, c);
  return c;
}

/** Most slots the fused scan reserves for feasible nodes up front (a larger `new Array` is a slow dictionary array). */
const MAX_PREALLOCATED_FEASIBLE = 4096;

/** MAX_SKIP_MASK_PLUGINS: profiles with more filter plugins than bits in a mask filter the list every cycle. */
const MAX_SKIP_MASK_PLUGINS = 30;

/** `fw.filter` minus the plugins in `skipped`, in order; the same list object whenever the same plugins are skipped. */
function filterWithoutSkipped(fw: Compiled, skipped: ReadonlySet<string>): readonly Plugin[] {
  const all = fw.filter;
  if (all.length > MAX_SKIP_MASK_PLUGINS) return all.filter((p) => !skipped.has(p.name));
  let mask = 0;
  for (let i = 0; i < all.length; i++) if (skipped.has(all[i]!.name)) mask |= 1 << i;
  let list = fw.filterBySkipMask.get(mask);
  if (list === undefined) {
    list = all.filter((_, i) => (mask & (1 << i)) === 0);
    fw.filterBySkipMask.set(mask, list);
  }
  return list;
}

/** Runs `plugins`' Filter on one node; the first non-success wins (kube `RunFilterPlugins`). */
export function runFilterPlugins(plugins: readonly Plugin[], state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
  for (let i = 0; i < plugins.length; i++) {
    const p = plugins[i]!;
    const s = p.filter!(state, pod, node);
    if (s !== null && s.code !== 'Success') return s.plugin === p.name ? s : withPlugin(s, p.name);
  }
  return null;
}

function runFilterPluginsExplained(plugins: readonly Plugin[], state: CycleState, pod: PodInfo, node: NodeInfo, out: FilterVerdict[]): Status | null {
  for (const p of plugins) {
    const s = p.filter!(state, pod, node);
    if (s !== null && s.code !== 'Success') {
      out.push({ plugin: p.name, code: s.code, reasons: s.reasons });
      return withPlugin(s, p.name);
    }
    out.push({ plugin: p.name, code: 'Success', reasons: [] });
  }
  return null;
}

function podName(pi: PodInfo): string {
  return `${pi.namespace}/${pi.name}`;
}

/** `randomInt(n)`, checked: an integer in [0, n), else the cycle throws. */
function checkedDraw(randomInt: (n: number) => number, n: number): number {
  const r = randomInt(n);
  if (!Number.isInteger(r) || r < 0 || r >= n) throw new Error(`randomInt(${n}) returned ${r}; expected an integer in [0, ${n})`);
  return r;
}

/** The cycle's result: the decision's fields, then the rotation and counts (and the explanation). */
function finishCycle(ex: Explanation | undefined, decision: ScheduleDecision, next: Rotation, evaluated: number, feasibleCount: number): ScheduleOneResult {
  if (ex) {
    ex.evaluatedNodes = evaluated;
    if ('node' in decision) ex.selectedNode = decision.node;
    if ('unschedulable' in decision) ex.message = decision.unschedulable.message;
    if ('error' in decision) ex.message = decision.error;
    return { ...decision, rotation: next, evaluatedNodes: evaluated, feasibleNodes: feasibleCount, explanation: ex };
  }
  // A literal for the common case (same keys in the same order as the spread): no object clone.
  if ('node' in decision) return { node: decision.node, rotation: next, evaluatedNodes: evaluated, feasibleNodes: feasibleCount };
  return { ...decision, rotation: next, evaluatedNodes: evaluated, feasibleNodes: feasibleCount };
}

/** What filtering one node needs this cycle (kube `RunFilterPluginsWithNominatedPods`'s inputs). */
interface NodeFilter {
  readonly filterPlugins: readonly Plugin[];
  readonly pod: PodInfo;
  readonly state: CycleState;
  readonly withNominated: ((state: CycleState, node: NodeInfo) => { state: CycleState; node: NodeInfo } | Status | null) | null;
}

/**
 * kube `RunFilterPluginsWithNominatedPods`: first with the nominated pods of equal or higher
 * priority added to (copies of) the node and the state, then, if any were added and that
 * passed, as the node really is (a nominated pod may never arrive).
 */
function filterNode(f: NodeFilter, ni: NodeInfo, st: CycleState = f.state, verdicts?: FilterVerdict[]): Status | null {
  if (f.withNominated !== null) {
    const added = f.withNominated(st, ni);
    if (added !== null && 'code' in added) return added;
    if (added !== null) {
      const first: FilterVerdict[] | undefined = verdicts ? [] : undefined;
      const s = first ? runFilterPluginsExplained(f.filterPlugins, added.state, f.pod, added.node, first) : runFilterPlugins(f.filterPlugins, added.state, f.pod, added.node);
      if (s !== null) {
        if (verdicts && first) verdicts.push(...first);
        return s;
      }
    }
  }
  return verdicts ? runFilterPluginsExplained(f.filterPlugins, st, f.pod, ni, verdicts) : runFilterPlugins(f.filterPlugins, st, f.pod, ni);
}

/** No feasible node: PostFilter (preemption), then the unschedulable decision with its message. */
function postFilterAndFail(
  fw: Compiled,
  f: NodeFilter,
  snapshot: Snapshot,
  allNodes: readonly NodeInfo[],
  diagnosis: Diagnosis,
  randomInt: (n: number) => number,
  ex: Explanation | undefined,
  evaluated: number,
  next: Rotation,
): ScheduleOneResult {
  const pf = runPostFilter(fw, f.state, f.pod, snapshot, diagnosis, (node, st) => filterNode(f, node, st), (n) => checkedDraw(randomInt, n), ex);
  if (pf.error !== undefined) {
    // kube logs a PostFilter error and still reports the pod unschedulable with the message.
    diagnosis.postFilterMsg = pf.error;
  }
  const reasonsByNode: Record<string, string[]> = {};
  for (const ni of allNodes) reasonsByNode[ni.name] = [...diagnosis.nodeToStatus.get(ni.name).reasons];
  const unschedulable: Unschedulable = {
    message: fitErrorMessage(allNodes.length, diagnosis),
    reasonsByNode,
    unschedulablePlugins: [...diagnosis.unschedulablePlugins],
    ...(pf.nominatedNodeName !== undefined ? { nominatedNodeName: pf.nominatedNodeName } : {}),
    ...(pf.victims ? { victims: pf.victims } : {}),
  };
  if (ex) ex.scoring = 'no feasible nodes';
  return finishCycle(ex, { unschedulable }, next, evaluated, 0);
}

/**
 * Schedules one pod: a node, or why none fits. `rotation` is the filter start index from the
 * previous cycle; the result carries the next one. `randomInt(n)` must return an integer in
 * [0, n) from a seeded stream; it is called only to break a tie between top-scoring nodes and
 * by preemption's dry run.
 */
export function scheduleOne(
  profile: Profile,
  snapshot: Snapshot,
  pod: V1Pod | PodInfo,
  rotation: Rotation,
  randomInt: (n: number) => number,
  options: ScheduleOptions = {},
): ScheduleOneResult {
  const fw = compile(profile);
  const podInfo: PodInfo = 'key' in pod && 'resources' in pod ? pod : newPodInfo(pod as V1Pod);
  const allNodes = snapshot.nodes;
  const numAll = allNodes.length;
  const explain = options.explain === true;
  const ex: Explanation | undefined = explain
    ? { pod: podName(podInfo), numAllNodes: numAll, numNodesToFind: 0, startIndex: rotation.nextStartNodeIndex, evaluatedNodes: 0, preFilter: [], nodes: [], skippedScorePlugins: [], scoring: 'not reached' }
    : undefined;

  if (numAll === 0) {
    // kube returns ErrNoNodesAvailable before any plugin runs.
    return finishCycle(ex, { unschedulable: { message: NO_NODES_AVAILABLE_MSG, reasonsByNode: {}, unschedulablePlugins: [], nominatedNodeName: '' } }, rotation, 0, 0);
  }

  const state = new CycleState();
  const diagnosis: Diagnosis = { nodeToStatus: new NodeToStatus(), preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() };

  // --- PreFilter -------------------------------------------------------------------------------
  let narrowed: Set<string> | null = null;
  const pluginsWithNodes: string[] = [];
  let preFilterReject: Status | null = null;
  for (const p of fw.preFilter) {
    const out = p.preFilter!(state, podInfo, snapshot);
    if (out === null) {
      ex?.preFilter.push({ plugin: p.name, code: 'Success', reasons: [] });
      continue;
    }
    if ('nodeNames' in out) {
      ex?.preFilter.push({ plugin: p.name, code: 'Success', reasons: [`nodes: ${[...out.nodeNames].sort().join(', ')}`] });
      pluginsWithNodes.push(p.name);
      if (narrowed === null) narrowed = new Set(out.nodeNames);
      else for (const name of narrowed) if (!out.nodeNames.has(name)) narrowed.delete(name);
      if (narrowed.size === 0) {
        const msg = pluginsWithNodes.length === 1 ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0]}` : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(' ')}] simultaneously`;
        preFilterReject = newStatus('UnschedulableAndUnresolvable', [msg], p.name);
        for (const name of pluginsWithNodes) diagnosis.unschedulablePlugins.add(name);
        break;
      }
      continue;
    }
    ex?.preFilter.push({ plugin: p.name, code: out.code, reasons: out.reasons });
    if (out.code === 'Success') continue;
    if (out.code === 'Skip') {
      state.skipFilterPlugins.add(p.name);
      continue;
    }
    if (isRejected(out)) {
      preFilterReject = withPlugin(out, p.name);
      diagnosis.unschedulablePlugins.add(p.name);
      break;
    }
    return finishCycle(ex, { error: `running PreFilter plugin "${p.name}": ${statusMessage(out)}` }, rotation, 0, 0);
  }
  const filterPlugins = state.skipFilterPlugins.size === 0 ? fw.filter : filterWithoutSkipped(fw, state.skipFilterPlugins);
  const withNominated = nominatedPodsAdder(fw, podInfo, options.nominatedPods);
  const nodeFilter: NodeFilter = { filterPlugins, pod: podInfo, state, withNominated };

  if (preFilterReject) {
    // Every node gets the PreFilter status; its message replaces the histogram.
    diagnosis.nodeToStatus.absent = preFilterReject;
    diagnosis.preFilterMsg = statusMessage(preFilterReject);
    return postFilterAndFail(fw, nodeFilter, snapshot, allNodes, diagnosis, randomInt, ex, 0, rotation);
  }

  // --- Nominated node first --------------------------------------------------------------------
  const nominated = (podInfo.pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
  if (nominated) {
    const ni = snapshot.get(nominated);
    if (ni) {
      const verdicts: FilterVerdict[] = [];
      const s = filterNode(nodeFilter, ni, state, ex ? verdicts : undefined);
      if (ex) ex.nominatedNode = { node: nominated, feasible: s === null };
      if (s === null) {
        if (ex) {
          ex.nodes.push({ node: ni.name, filters: verdicts, feasible: true });
          ex.scoring = 'nominated node fits';
        }
        return finishCycle(ex, { node: ni.name }, rotation, 1, 1);
      }
      if (s.code === 'Error') return finishCycle(ex, { error: `running Filter plugin "${s.plugin}": ${statusMessage(s)}` }, rotation, 1, 0);
      diagnosis.nodeToStatus.set(ni.name, s);
      if (isRejected(s)) diagnosis.unschedulablePlugins.add(s.plugin);
    }
  }

  // --- Filter ----------------------------------------------------------------------------------
  let nodes: readonly NodeInfo[] = allNodes;
  if (narrowed !== null) {
    const keep = narrowed;
    nodes = allNodes.filter((ni) => keep.has(ni.name));
    // kube prints `sets.List(...)`: the plugin names sorted, as a Go slice.
    diagnosis.nodeToStatus.absent = newStatus('UnschedulableAndUnresolvable', [`node(s) didn't satisfy plugin(s) [${[...pluginsWithNodes].sort().join(' ')}]`]);
    if (ex) ex.preFilterNodeNames = nodes.map((ni) => ni.name);
  }
  const numNodes = nodes.length;
  let numToFind = numFeasibleNodesToFind(profile.percentageOfNodesToScore, numNodes);
  if (fw.score.length === 0) numToFind = Math.min(numToFind, 1);
  const start = numNodes === 0 ? 0 : rotation.nextStartNodeIndex % numNodes;
  if (ex) {
    ex.numNodesToFind = numToFind;
    ex.startIndex = start;
  }
  // The fused scan also computes the hinted scores, so Score takes the fused path only after it.
  const fused = !explain && options.plainPluginPath !== true && filterPlugins.length > 0;
  // The fused scan writes by index into room for the nodes it looks for (no growth copies), then
  // trims the array to what it found.
  const feasible: NodeInfo[] = fused ? new Array<NodeInfo>(Math.min(numToFind, MAX_PREALLOCATED_FEASIBLE)) : [];
  if (fused) {
    const last = fusedFilterScan(fw, filterPlugins, state, podInfo, snapshot, nodes, narrowed === null, start, numToFind, options.nominatedPods, nodeFilter, feasible, diagnosis);
    if (last !== null) {
      const processed = feasible.length + diagnosis.nodeToStatus.size + 1;
      return finishCycle(ex, { error: `running Filter plugin "${last.plugin}": ${statusMessage(last)}` }, { nextStartNodeIndex: (rotation.nextStartNodeIndex + processed) % numAll }, processed, feasible.length);
    }
  } else if (filterPlugins.length === 0) {
    for (let i = 0; i < numToFind; i++) feasible.push(nodes[(start + i) % numNodes]!);
    if (ex) for (const ni of feasible) ex.nodes.push({ node: ni.name, filters: [], feasible: true });
  } else {
    for (let i = 0; i < numNodes && feasible.length < numToFind; i++) {
      const ni = nodes[(start + i) % numNodes]!;
      let s: Status | null;
      if (ex) {
        const verdicts: FilterVerdict[] = [];
        s = filterNode(nodeFilter, ni, state, verdicts);
        ex.nodes.push({ node: ni.name, filters: verdicts, feasible: s === null });
      } else {
        s = filterNode(nodeFilter, ni);
      }
      if (s === null) {
        feasible.push(ni);
        continue;
      }
      if (s.code === 'Error') {
        const processed = feasible.length + diagnosis.nodeToStatus.size + 1;
        return finishCycle(ex, { error: `running Filter plugin "${s.plugin}": ${statusMessage(s)}` }, { nextStartNodeIndex: (rotation.nextStartNodeIndex + processed) % numAll }, processed, feasible.length);
      }
      diagnosis.nodeToStatus.set(ni.name, s);
      if (isRejected(s)) diagnosis.unschedulablePlugins.add(s.plugin);
    }
  }
  // kube: "always try to update the sched.nextStartNodeIndex regardless of whether an error has occurred".
  // It advances the unreduced index over all nodes (`(nextStartNodeIndex + processed) % len(allNodes)`),
  // also when a PreFilter narrowed the list the scan walked.
  const processed = feasible.length + diagnosis.nodeToStatus.size;
  const next: Rotation = { nextStartNodeIndex: (rotation.nextStartNodeIndex + processed) % numAll };

  if (feasible.length === 0) return postFilterAndFail(fw, nodeFilter, snapshot, allNodes, diagnosis, randomInt, ex, processed, next);
  if (feasible.length === 1) {
    if (ex) ex.scoring = 'one feasible node';
    return finishCycle(ex, { node: feasible[0]!.name }, next, processed, 1);
  }

  // --- Score -----------------------------------------------------------------------------------
  if (fused && fw.score.length > 0) {
    const preScoreError = runPreScore(fw, state, podInfo, feasible, snapshot);
    if (preScoreError !== null) return finishCycle(ex, { error: preScoreError }, next, processed, feasible.length);
    const err = fusedScore(fw, state, podInfo, feasible);
    if (err !== null) return finishCycle(ex, { error: err }, next, processed, feasible.length);
    // Select host as below: the highest total, ties in scan order broken by one draw.
    const totals = fw.scratch.totals;
    const tied = fw.scratch.tied;
    let best = -Infinity;
    let tiedCount = 0;
    for (let i = 0; i < feasible.length; i++) {
      const t = totals[i]!;
      if (t > best) {
        best = t;
        tiedCount = 0;
        tied[tiedCount++] = i;
      } else if (t === best) {
        tied[tiedCount++] = i;
      }
    }
    const chosen = tiedCount > 1 ? tied[checkedDraw(randomInt, tiedCount)]! : tied[0]!;
    return finishCycle(ex, { node: feasible[chosen]!.name }, next, processed, feasible.length);
  }
  const totals = new Array<number>(feasible.length).fill(0);
  if (fw.score.length === 0) {
    totals.fill(1); // kube: "If no priority configs are provided, then all nodes will have a score of one."
  } else {
    const preScoreError = runPreScore(fw, state, podInfo, feasible, snapshot);
    if (preScoreError !== null) return finishCycle(ex, { error: preScoreError }, next, processed, feasible.length);
    const perNode: ScoreDetail[][] | undefined = ex ? feasible.map(() => []) : undefined;
    for (let k = 0; k < fw.score.length; k++) {
      const p = fw.score[k]!;
      if (state.skipScorePlugins.has(p.name)) {
        ex?.skippedScorePlugins.push(p.name);
        continue;
      }
      const weight = fw.weight[k]!;
      const scores = new Array<number>(feasible.length);
      for (let i = 0; i < feasible.length; i++) scores[i] = p.score!(state, podInfo, feasible[i]!);
      const raw = perNode ? scores.slice() : undefined;
      if (p.normalizeScore) p.normalizeScore(state, podInfo, scores, feasible);
      for (let i = 0; i < feasible.length; i++) {
        const s = scores[i]!;
        if (!Number.isInteger(s) || s < MIN_SCORE || s > MAX_SCORE) {
          return finishCycle(
            ex,
            { error: `plugin "${p.name}" returns an invalid score ${s}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing` },
            next,
            processed,
            feasible.length,
          );
        }
        totals[i]! += s * weight;
        perNode?.[i]!.push({ plugin: p.name, raw: raw![i]!, normalized: s, weight, weighted: s * weight });
      }
    }
    if (ex && perNode) {
      const byName = new Map(ex.nodes.map((n) => [n.node, n]));
      feasible.forEach((ni, i) => {
        const ne = byName.get(ni.name);
        if (ne) {
          ne.scores = perNode[i]!;
          ne.total = totals[i]!;
        }
      });
    }
  }
  if (ex) ex.scoring = 'scored';

  // --- Select host -----------------------------------------------------------------------------
  let best = -Infinity;
  for (const t of totals) if (t > best) best = t;
  const tied: number[] = [];
  for (let i = 0; i < totals.length; i++) if (totals[i] === best) tied.push(i);
  let chosen = tied[0]!;
  if (tied.length > 1) {
    const d = checkedDraw(randomInt, tied.length);
    chosen = tied[d]!;
    if (ex) ex.tie = { nodes: tied.map((i) => feasible[i]!.name), draw: d };
  }
  return finishCycle(ex, { node: feasible[chosen]!.name }, next, processed, feasible.length);
}

/** kube `RunPreFilterExtensionAddPod` / `RemovePod`: plugins whose Filter was skipped are left out. */
/** PreScore of every plugin that has one: a Skip drops the plugin's Score this cycle; an error ends the cycle. */
function runPreScore(fw: Compiled, state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: Snapshot): string | null {
  for (const p of fw.preScore) {
    const s = p.preScore!(state, pod, feasible, snapshot);
    if (s === null || s.code === 'Success') continue;
    if (s.code === 'Skip') {
      state.skipScorePlugins.add(p.name);
      continue;
    }
    return `running PreScore plugin "${p.name}": ${statusMessage(s)}`;
  }
  return null;
}

function runPreFilterExtensions(fw: Compiled, st: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, op: 'addPod' | 'removePod'): Status | null {
  for (const p of fw.preFilterExtensions) {
    if (st.skipFilterPlugins.has(p.name)) continue;
    const s = p.preFilterExtensions![op](st, pod, other, node);
    if (s !== null && s.code !== 'Success') {
      return newStatus('Error', [`running ${op === 'addPod' ? 'AddPod' : 'RemovePod'} on PreFilter plugin "${p.name}": ${statusMessage(s)}`], p.name);
    }
  }
  return null;
}

/**
 * kube `addGENominatedPods`: for a node with nominated pods of priority ≥ the pod's (the pod
 * itself excluded), copies of the node and the state with them added; null when there are none
 * (or no nominator); an Error status when a PreFilter extension fails.
 */
function nominatedPodsAdder(
  fw: Compiled,
  pod: PodInfo,
  nominatedPods: ((nodeName: string) => readonly PodInfo[]) | undefined,
): ((state: CycleState, node: NodeInfo) => { state: CycleState; node: NodeInfo } | Status | null) | null {
  if (nominatedPods === undefined) return null;
  return (state, node) => {
    const pods = nominatedPods(node.name);
    let out: { state: CycleState; node: NodeInfo } | null = null;
    for (const p of pods) {
      if (p.priority < pod.priority || p.key === pod.key || node.hasPod(p.key)) continue;
      out ??= { state: state.clone(), node: node.clone() };
      out.node.addPod(p);
      const err = runPreFilterExtensions(fw, out.state, pod, p, out.node, 'addPod');
      if (err !== null) return err;
    }
    return out;
  };
}

/** kube `RunPostFilterPlugins`: the first success or unresolvable answer wins; rejections' reasons accumulate. */
function runPostFilter(
  fw: Compiled,
  state: CycleState,
  pod: PodInfo,
  snapshot: Snapshot,
  diagnosis: Diagnosis,
  filterNode: (node: NodeInfo, state: CycleState) => Status | null,
  draw: (n: number) => number,
  ex: Explanation | undefined,
): { nominatedNodeName?: string; victims?: readonly PodInfo[]; error?: string } {
  if (fw.postFilter.length === 0) return { nominatedNodeName: '' }; // kube: clearNominatedNode
  const runExtensions = (st: CycleState, other: PodInfo, node: NodeInfo, op: 'addPod' | 'removePod'): Status | null => runPreFilterExtensions(fw, st, pod, other, node, op);
  const ctx: PostFilterContext = {
    state,
    pod,
    snapshot,
    nodeToStatus: diagnosis.nodeToStatus,
    runFilters: (node: NodeInfo, st: CycleState = state) => filterNode(node, st),
    removePod: (st, other, node) => runExtensions(st, other, node, 'removePod'),
    addPod: (st, other, node) => runExtensions(st, other, node, 'addPod'),
    randomInt: draw,
  };
  const reasons: string[] = [];
  let kept: PostFilterResult | undefined;
  for (const p of fw.postFilter) {
    const r = p.postFilter!(ctx);
    if (ex) {
      ex.postFilter ??= [];
      ex.postFilter.push({
        plugin: p.name,
        code: r.status?.code ?? 'Success',
        reasons: r.status?.reasons ?? [],
        ...(r.nominatedNodeName !== undefined ? { nominatedNodeName: r.nominatedNodeName } : {}),
        ...(r.victims ? { victims: r.victims.map(podName) } : {}),
      });
    }
    if (r.status === null || r.status.code === 'Success') {
      return { ...(r.nominatedNodeName !== undefined ? { nominatedNodeName: r.nominatedNodeName } : {}), ...(r.victims ? { victims: r.victims } : {}) };
    }
    if (r.status.code === 'UnschedulableAndUnresolvable') {
      diagnosis.postFilterMsg = statusMessage(r.status);
      return r.nominatedNodeName !== undefined ? { nominatedNodeName: r.nominatedNodeName } : {};
    }
    if (!isRejected(r.status)) return { error: statusMessage(r.status) };
    if (r.nominatedNodeName !== undefined) kept = r;
    reasons.push(...r.status.reasons);
  }
  diagnosis.postFilterMsg = reasons.join(', ');
  return kept?.nominatedNodeName !== undefined ? { nominatedNodeName: kept.nominatedNodeName } : {};
}

// --- The fused scan -------------------------------------------------------------------------------
//
// The same filters and scores as the plain path above, with the plugins that carry a FusionHint
// checked inline over the snapshot's NodeColumns, all in one loop per node: no call per plugin per
// node, no status per node unless a node fails, no score array per hinted plugin, no allocation
// per node. Whenever the inline check cannot decide (a node fails it, a plugin has no hint, a
// node has nominated pods), the plugins themselves run for that node, so the statuses, reasons
// and scores are theirs. The hinted scores of a feasible node (LeastAllocated, BalancedAllocation)
// are computed in the same pass, while its row is in cache, into `fw.scratch`; PreScore still
// runs after the scan, with the feasible nodes, exactly as on the plain path.

/**
 * Filters nodes from `start` (wrapping) until `numToFind` are feasible, as the plain loop in
 * `scheduleOne`: feasible nodes go to `feasible` (and their hinted raw scores to `fw.scratch`),
 * rejections to `diagnosis.nodeToStatus`. An Error status ends the scan and is returned (else
 * null). `wholeList` says `nodes` is `snapshot.nodes` itself (row k is node k).
 */
function fusedFilterScan(
  fw: Compiled,
  filterPlugins: readonly Plugin[],
  state: CycleState,
  pod: PodInfo,
  snapshot: Snapshot,
  nodes: readonly NodeInfo[],
  wholeList: boolean,
  start: number,
  numToFind: number,
  nominatedPods: ((nodeName: string) => readonly PodInfo[]) | undefined,
  nodeFilter: NodeFilter,
  feasible: NodeInfo[],
  diagnosis: Diagnosis,
): Status | null {
  let flagMask = 0;
  let checkName = false;
  let checkFit = false;
  let rest: Plugin[] = [];
  const req = pod.resources.requests;
  // A plugin whose verdict is a table lookup (InterPodAffinity): checked inline after `rest`, so
  // only when it is the last plugin not checked inline (then its status is the node's first failure).
  let tablePlugin: Plugin | null = null;
  let verdicts: FilterVerdictTable | null = null;
  for (const p of filterPlugins) {
    const h = p.fusion;
    if (h === undefined) {
      rest.push(p);
      continue;
    }
    switch (h.kind) {
      case 'InterPodAffinity': {
        const t = tablePlugin === null ? h.filterVerdicts(state) : null;
        if (t !== null && t.nodes === snapshot.nodes) {
          tablePlugin = p;
          verdicts = t;
        } else {
          rest.push(p);
        }
        break;
      }
      case 'NodeUnschedulable':
        flagMask |= FLAG_UNSCHEDULABLE;
        break;
      case 'NodeName':
        if (pod.nodeName !== '') checkName = true;
        break;
      case 'TaintToleration':
        flagMask |= FLAG_TAINTED;
        break;
      case 'NodePorts':
        if (pod.hostPorts.length > 0) flagMask |= FLAG_USES_HOST_PORTS;
        break;
      case 'NodeResourcesFit':
        if (req.scalar !== null && req.scalar.size > 0) rest.push(p);
        else checkFit = true;
        break;
      default:
        rest.push(p);
    }
  }
  if (tablePlugin !== null && rest.length > 0 && filterPlugins.indexOf(rest[rest.length - 1]!) > filterPlugins.indexOf(tablePlugin)) {
    // A plugin checked by call comes after it: call it in order too (the first failure's status counts).
    const keep = new Set([...rest, tablePlugin]);
    rest = filterPlugins.filter((p) => keep.has(p));
    tablePlugin = null;
    verdicts = null;
  }
  const c = snapshot.columns;
  const flags = c.flags;
  const allocCpu = c.allocatableMilliCpu;
  const allocMemory = c.allocatableMemory;
  const allocEphemeral = c.allocatableEphemeralStorage;
  const allowedPods = c.allowedPodNumber;
  const usedCpu = c.requestedMilliCpu;
  const usedMemory = c.requestedMemory;
  const usedEphemeral = c.requestedEphemeralStorage;
  const nzUsedCpu = c.nonZeroMilliCpu;
  const nzUsedMemory = c.nonZeroMemory;
  const podCount = c.podCount;

  // Hinted scores, computed for each feasible node.
  const scoreFit = fw.fusedFit >= 0;
  const scoreBalanced = fw.fusedBalanced >= 0;
  let fitCpuWeight = 0;
  let fitMemoryWeight = 0;
  if (scoreFit) {
    const h = fw.score[fw.fusedFit]!.fusion as Extract<FusionHint, { kind: 'NodeResourcesFit' }>;
    fitCpuWeight = h.leastAllocated!.cpuWeight;
    fitMemoryWeight = h.leastAllocated!.memoryWeight;
  }
  const scratch = fw.scratch;
  if (scratch.fit.length < numToFind) {
    scratch.fit = new Float64Array(numToFind);
    scratch.balanced = new Float64Array(numToFind);
    scratch.totals = new Float64Array(numToFind);
    scratch.tied = new Int32Array(numToFind);
  }
  const fitRaw = scratch.fit;
  const balancedRaw = scratch.balanced;

  const podNodeName = pod.nodeName;
  const cpu = req.milliCpu;
  const memory = req.memory;
  const ephemeral = req.ephemeralStorage;
  const nzCpu = pod.resources.nonZeroMilliCpu;
  const nzMemory = pod.resources.nonZeroMemory;
  const numNodes = nodes.length;
  const nodeToStatus = diagnosis.nodeToStatus;
  const restCount = rest.length;
  const tableOnly = tablePlugin === null ? null : [tablePlugin];
  const verdictIds = verdicts?.ids;
  const verdictTable = verdicts?.table;
  const verdictStatuses = verdicts?.statuses;
  const verdictTableLength = verdictTable?.length ?? 0;
  // The last rejecting plugin added to `unschedulablePlugins` (adding it again changes nothing).
  let lastRejectedPlugin: string | null = null;
  // `feasible` arrives empty with room reserved (its length is that room): fill it from 0.
  let found = 0;
  // Whether a feasible node has taints (FLAG_TAINTED is `taints.length > 0`), for fusedScore's TaintToleration shortcut.
  let taintedFlags = 0;
  for (let i = 0; i < numNodes && found < numToFind; i++) {
    let k = start + i;
    if (k >= numNodes) k -= numNodes;
    const j = wholeList ? k : nodes[k]!.index;
    let s: Status | null;
    if (nominatedPods !== undefined && nominatedPods(nodes[k]!.name).length > 0) {
      s = filterNode(nodeFilter, nodes[k]!);
    } else {
      let pass = (flags[j]! & flagMask) === 0 && !(checkName && nodes[k]!.name !== podNodeName);
      if (pass && checkFit) {
        pass =
          podCount[j]! + 1 <= allowedPods[j]! &&
          !(cpu > 0 && cpu > allocCpu[j]! - usedCpu[j]!) &&
          !(memory > 0 && memory > allocMemory[j]! - usedMemory[j]!) &&
          !(ephemeral > 0 && ephemeral > allocEphemeral[j]! - usedEphemeral[j]!);
      }
      // A node that fails the inline check runs every filter: the first failing plugin's status.
      s = !pass ? runFilterPlugins(filterPlugins, state, pod, nodes[k]!) : restCount === 0 ? null : runFilterPlugins(rest, state, pod, nodes[k]!);
      if (s === null && pass && tablePlugin !== null) {
        const id = verdictIds![j]!;
        const v = id < verdictTableLength ? verdictTable![id]! : -1;
        if (v >= 0) s = verdictStatuses![v]!;
        else s = runFilterPlugins(tableOnly!, state, pod, nodes[k]!);
      }
    }
    if (s === null) {
      if (scoreFit || scoreBalanced) {
        const ac = allocCpu[j]!;
        const am = allocMemory[j]!;
        if (scoreFit) {
          // noderesources LeastAllocated: Σ w·⌊(alloc − req)·100 / alloc⌋ / Σ w over resources with alloc ≠ 0.
          let sum = 0;
          let weights = 0;
          if (ac !== 0) {
            const q = nzUsedCpu[j]! + nzCpu;
            sum += (q > ac ? 0 : Math.floor(((ac - q) * MAX_SCORE) / ac)) * fitCpuWeight;
            weights += fitCpuWeight;
          }
          if (am !== 0) {
            const q = nzUsedMemory[j]! + nzMemory;
            sum += (q > am ? 0 : Math.floor(((am - q) * MAX_SCORE) / am)) * fitMemoryWeight;
            weights += fitMemoryWeight;
          }
          fitRaw[found] = weights === 0 ? 0 : Math.floor(sum / weights);
        }
        if (scoreBalanced) {
          // balancedResourceScorer, two resources: std = |f_cpu − f_mem| / 2 (one or none left: 0).
          let std = 0;
          if (ac !== 0 && am !== 0) {
            let f0 = (usedCpu[j]! + cpu) / ac;
            if (f0 > 1) f0 = 1;
            let f1 = (usedMemory[j]! + memory) / am;
            if (f1 > 1) f1 = 1;
            std = Math.abs((f0 - f1) / 2);
          }
          balancedRaw[found] = Math.trunc((1 - std) * MAX_SCORE);
        }
      }
      taintedFlags |= flags[j]!;
      feasible[found] = nodes[k]!;
      found++;
      continue;
    }
    if (s.code === 'Error') {
      feasible.length = found;
      scratch.anyTaintedFeasible = (taintedFlags & FLAG_TAINTED) !== 0;
      return s;
    }
    nodeToStatus.append(nodes[k]!, s);
    if (s.plugin !== lastRejectedPlugin && isRejected(s)) {
      diagnosis.unschedulablePlugins.add(s.plugin);
      lastRejectedPlugin = s.plugin;
    }
  }
  feasible.length = found;
  scratch.anyTaintedFeasible = (taintedFlags & FLAG_TAINTED) !== 0;
  return null;
}

/**
 * Score, NormalizeScore and weights for `feasible` after PreScore, into `fw.scratch.totals`: the
 * hinted plugins from the scan's raw scores or a per-cycle constant, the others as the plain
 * path does. Returns the plain path's error message for an invalid score, else null.
 */
function fusedScore(fw: Compiled, state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[]): string | null {
  const n = feasible.length;
  const totals = fw.scratch.totals;
  const generic: number[] = [];
  let offset = 0;
  let fitWeight = 0;
  let balancedWeight = 0;
  for (let k = 0; k < fw.score.length; k++) {
    const p = fw.score[k]!;
    if (state.skipScorePlugins.has(p.name)) continue;
    const weight = fw.weight[k]!;
    if (k === fw.fusedFit) {
      fitWeight = weight;
      continue;
    }
    if (k === fw.fusedBalanced) {
      balancedWeight = weight;
      continue;
    }
    const h = p.fusion;
    if (h?.kind === 'TaintToleration') {
      // Raw 0 on every untainted node; when every feasible node is untainted, all normalize to 100.
      // (The scan noted whether any feasible node is tainted, from the same `taints.length > 0`.)
      if (!fw.scratch.anyTaintedFeasible) {
        offset += MAX_SCORE * weight;
        continue;
      }
    } else if (h?.kind === 'ImageLocality') {
      const u = h.uniformScore(state);
      if (u !== null && Number.isInteger(u) && u >= MIN_SCORE && u <= MAX_SCORE) {
        offset += u * weight;
        continue;
      }
    }
    generic.push(k);
  }
  const fitRaw = fw.scratch.fit;
  const balancedRaw = fw.scratch.balanced;
  for (let i = 0; i < n; i++) totals[i] = offset + fitRaw[i]! * fitWeight + balancedRaw[i]! * balancedWeight;
  for (const k of generic) {
    const p = fw.score[k]!;
    const weight = fw.weight[k]!;
    const scores = new Array<number>(n);
    for (let i = 0; i < n; i++) scores[i] = p.score!(state, pod, feasible[i]!);
    if (p.normalizeScore) p.normalizeScore(state, pod, scores, feasible);
    for (let i = 0; i < n; i++) {
      const s = scores[i]!;
      if (!Number.isInteger(s) || s < MIN_SCORE || s > MAX_SCORE) {
        return `plugin "${p.name}" returns an invalid score ${s}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`;
      }
      totals[i] = totals[i]! + s * weight;
    }
  }
  return null;
}
