/**
 * PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread: common.go, filtering.go,
 * scoring.go, plugin.go), as in kube-scheduler v1.33+ (node inclusion policies GA, minDomains GA).
 *
 * Constraints: the pod's `topologySpreadConstraints` with the wanted `whenUnsatisfiable`; a pod
 * with none gets the profile's default constraints (system defaults: hostname maxSkew 3 and zone
 * maxSkew 5, both ScheduleAnyway) with the selector `helper.DefaultSelector` builds from the
 * Services / ReplicaSets / StatefulSets / ReplicationControllers that select or own the pod — see
 * `helper/default-selector.ts`: kubesim has none of those objects in the scheduler yet, so a pod
 * gets default constraints only when they are recorded in the snapshot, and a pod with no
 * workload gets none (as in kube). `matchLabelKeys` adds `key=<pod's value>` to the selector for
 * each listed key the pod carries; `minDomains` defaults to 1; `nodeAffinityPolicy` defaults to
 * Honor (only nodes matching the pod's nodeSelector / required node affinity count) and
 * `nodeTaintsPolicy` to Ignore (Honor: nodes with an untolerated NoSchedule/NoExecute taint do
 * not count).
 *
 * Filter (DoNotSchedule): PreFilter counts, per constraint and topology value, the pods in the
 * pod's namespace (not terminating) that match the constraint's selector, on nodes that carry all
 * the constraints' keys and pass the inclusion policies. Per node:
 *   node lacks the key → UnschedulableAndUnresolvable
 *     `node(s) didn't match pod topology spread constraints (missing required label)`
 *   skew = count(node's value) + (1 if the pod matches its own selector) − global minimum,
 *   the minimum being 0 while fewer than minDomains domains exist; skew > maxSkew →
 *     Unschedulable `node(s) didn't match pod topology spread constraints`
 * PreFilter returns Skip for a pod without DoNotSchedule constraints.
 *
 * Score (ScheduleAnyway): for each constraint, weight_c = ln(#domains + 2), where #domains is the
 * number of topology values among the feasible nodes (the number of feasible nodes for
 * `kubernetes.io/hostname`). Raw score = round(Σ_c cnt_c · weight_c + (maxSkew_c − 1)), cnt_c
 * the matching pods in the node's domain. Nodes missing one of the keys (own constraints, or
 * defaults with `defaultingType: List`) are ignored and score 0. NormalizeScore:
 * `100 · (max + min − s) / max` (integer division; 100 for all when max = 0).
 */
import type { V1Pod, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import { stateKey, type Cloneable, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin, PreFilterExtensions } from '../framework/interface.ts';
import { addRequirements, compileLabelSelector, selectorFromSet, selectorKey, type CompiledSelector, type Labels } from '../framework/label-selector.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import type { Snapshot } from '../framework/snapshot.ts';
import { errorStatus, skipStatus, unresolvable, unschedulable, type Status } from '../framework/status.ts';
import { NodeCountIndex } from '../framework/topology-index.ts';
import { defaultSelector } from './helper/default-selector.ts';
import type { NodeMatcher } from './helper/node-selector.ts';
import { findMatchingUntoleratedTaint, isDoNotScheduleTaint } from '../../api/taints.ts';
import { requiredNodeAffinityMatcher } from './node-affinity.ts';

export const Name = 'PodTopologySpread';
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = `${ErrReasonConstraintsNotMatch} (missing required label)`;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

export type UnsatisfiableConstraintAction = 'DoNotSchedule' | 'ScheduleAnyway';
export type NodeInclusionPolicy = 'Honor' | 'Ignore';

/** `systemDefaultConstraints` (plugin.go). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly V1TopologySpreadConstraint[] = Object.freeze([
  Object.freeze({ topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 }),
  Object.freeze({ topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 }),
]);

/** KubeSchedulerConfiguration `PodTopologySpreadArgs`. */
export interface PodTopologySpreadArgs {
  /** Used when `defaultingType` is List; must be empty with System. No labelSelector allowed. */
  readonly defaultConstraints?: readonly V1TopologySpreadConstraint[];
  /** System (default): SYSTEM_DEFAULT_CONSTRAINTS; List: `defaultConstraints`. */
  readonly defaultingType?: 'System' | 'List';
}

/** kube `topologySpreadConstraint`: a constraint with its selector parsed. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: CompiledSelector;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: NodeInclusionPolicy;
  readonly nodeTaintsPolicy: NodeInclusionPolicy;
}

/** `filterTopologySpreadConstraints`, with `matchLabelKeys` merged into the selector. */
export function filterConstraints(
  constraints: readonly V1TopologySpreadConstraint[],
  podLabels: Labels,
  action: UnsatisfiableConstraintAction,
): SpreadConstraint[] | { error: string } {
  const out: SpreadConstraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    const parsed = compileLabelSelector(c.labelSelector);
    if ('error' in parsed) return parsed;
    let selector: CompiledSelector = parsed;
    const keys = (c as { matchLabelKeys?: string[] }).matchLabelKeys ?? [];
    if (keys.length > 0 && podLabels !== undefined) {
      const matchLabels: Record<string, string> = {};
      let any = false;
      for (const k of keys) {
        const v = podLabels[k];
        if (typeof v === 'string') {
          matchLabels[k] = v;
          any = true;
        }
      }
      // mergeLabelSetWithSelector: the nothing-selector has no requirements to merge and stays as it is.
      if (any && selector.kind !== 'nothing') selector = addRequirements(selectorFromSet(matchLabels), selector.requirements);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: (c.nodeAffinityPolicy as NodeInclusionPolicy | undefined) ?? 'Honor',
      nodeTaintsPolicy: (c.nodeTaintsPolicy as NodeInclusionPolicy | undefined) ?? 'Ignore',
    });
  }
  return out;
}

/** `nodeLabelsMatchSpreadConstraints`: the node carries every constraint's key. */
function nodeHasAllKeys(labels: Labels, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (typeof labels?.[c.topologyKey] !== 'string') return false;
  return true;
}

/** `countPodsMatchSelector`: an empty selector (`{}`) counts nothing; terminating pods and other namespaces are skipped. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: CompiledSelector, namespace: string): number {
  if (selector.empty) return 0;
  let n = 0;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (selector.matches(p.pod.metadata?.labels)) n++;
  }
  return n;
}

/**
 * Per node, the pods `countPodsMatchSelector` counts for this selector and namespace, kept in the
 * snapshot across cycles and refreshed only for the nodes that changed.
 */
function podCounts(snapshot: Snapshot, selector: CompiledSelector, namespace: string): NodeCountIndex {
  const idx = snapshot.memo(`${Name}/count/${namespace}/${selectorKey(selector)}`, () => new NodeCountIndex((ni) => countPodsMatchSelector(ni.pods, selector, namespace)));
  idx.refreshFrom(snapshot);
  return idx;
}

interface DomainRecord {
  gen: number;
  /** The node's value of the topology key, or null when the node lacks one of the constraints' keys. */
  value: string | null;
  count: number;
}

/**
 * One constraint's PreFilter sums (kube `calPreFilterState`'s `TpValueToMatchNum`) kept across
 * cycles: per topology value, the eligible nodes (carrying every key of the pod's constraints) and
 * the pods on them the selector counts. Only the nodes changed since the last cycle are recounted
 * (kube recounts every node every cycle; the sums are the same). Valid only when no inclusion
 * policy can leave a node out for this pod (see `preFilterState`).
 */
class DomainCountIndex {
  /** Topology value → eligible nodes with it and the matching pods on them. */
  readonly totals = new Map<string, { nodes: number; sum: number }>();
  private readonly byNode = new Map<NodeInfo, DomainRecord>();
  private list: readonly NodeInfo[] | null = null;
  private cursor = -1;

  constructor(
    private readonly keys: readonly SpreadConstraint[],
    private readonly topologyKey: string,
    private readonly count: (ni: NodeInfo) => number,
  ) {}

  private readonly visit = (ni: NodeInfo): void => {
    const rec = this.byNode.get(ni);
    if (rec !== undefined && rec.gen !== ni.generation) this.recount(ni, rec);
  };

  private add(rec: DomainRecord, sign: 1 | -1): void {
    if (rec.value === null) return;
    let t = this.totals.get(rec.value);
    if (t === undefined) this.totals.set(rec.value, (t = { nodes: 0, sum: 0 }));
    t.nodes += sign;
    t.sum += sign * rec.count;
    if (t.nodes === 0) this.totals.delete(rec.value);
  }

  private recount(ni: NodeInfo, rec: DomainRecord): void {
    this.add(rec, -1);
    rec.value = nodeHasAllKeys(ni.labels, this.keys) ? ni.labels[this.topologyKey]! : null;
    rec.count = rec.value === null ? 0 : this.count(ni);
    rec.gen = ni.generation;
    this.add(rec, 1);
  }

  refreshFrom(snapshot: Snapshot): void {
    const nodes = snapshot.nodes;
    const cursor = snapshot.changeCursor;
    if (nodes !== this.list || this.cursor < 0 || !snapshot.changesSince(this.cursor, this.visit)) {
      this.byNode.clear();
      this.totals.clear();
      for (const ni of nodes) {
        const rec: DomainRecord = { gen: Number.NaN, value: null, count: 0 };
        this.byNode.set(ni, rec);
        this.recount(ni, rec);
      }
      this.list = nodes;
    }
    this.cursor = cursor;
  }
}

/** The DomainCountIndex for constraint `c` of `constraints`, refreshed. */
function domainCounts(snapshot: Snapshot, namespace: string, constraints: readonly SpreadConstraint[], c: SpreadConstraint): DomainCountIndex {
  const keys = constraints.map((x) => x.topologyKey).join('\u0000');
  const selector = c.selector;
  const idx = snapshot.memo(
    `${Name}/domains/${namespace}/${selectorKey(selector)}/${c.topologyKey}/${keys}`,
    () => new DomainCountIndex(constraints, c.topologyKey, (ni) => countPodsMatchSelector(ni.pods, selector, namespace)),
  );
  idx.refreshFrom(snapshot);
  return idx;
}

/** Per-pod inclusion checks: required node affinity and untolerated taints. */
interface Inclusion {
  readonly affinity: NodeMatcher;
  readonly pod: V1Pod;
}

/** `matchNodeInclusionPolicies`. */
function included(c: SpreadConstraint, inc: Inclusion, node: NodeInfo): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !inc.affinity(node.labels, node.name)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && node.taints.length > 0) {
    if (findMatchingUntoleratedTaint(node.taints, inc.pod.spec?.tolerations ?? [], isDoNotScheduleTaint)) return false;
  }
  return true;
}

/** The PreFilter state (kube `preFilterState`); `clone()` copies the counts for a preemption what-if. */
export class SpreadPreFilterState implements Cloneable {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Per constraint: topology value → matching pods. */
    readonly tpValueToMatchNum: Map<string, number>[],
    /** Per constraint: the global minimum over its domains (2^31−1 when it has none). */
    readonly minMatchNum: number[],
  ) {}

  clone(): SpreadPreFilterState {
    return new SpreadPreFilterState(
      this.constraints,
      this.tpValueToMatchNum.map((m) => new Map(m)),
      [...this.minMatchNum],
    );
  }

  /** `minMatchNum`: 0 while the constraint has fewer eligible domains than minDomains. */
  minMatch(i: number): number {
    return this.tpValueToMatchNum[i]!.size < this.constraints[i]!.minDomains ? 0 : this.minMatchNum[i]!;
  }

  recomputeMin(i: number): void {
    let min = MAX_INT32;
    for (const n of this.tpValueToMatchNum[i]!.values()) if (n < min) min = n;
    this.minMatchNum[i] = min;
  }
}

const MAX_INT32 = 2 ** 31 - 1;

/** PreScore's state (kube `preScoreState`). */
export interface SpreadPreScoreState {
  readonly constraints: readonly SpreadConstraint[];
  /** Nodes missing a topology key: scored 0. */
  readonly ignoredNodes: ReadonlySet<string>;
  /** Per constraint: topology value → matching pods (empty for hostname; counted per node in Score). */
  readonly topologyValueToPodCounts: readonly Map<string, number>[];
  /** Per constraint: ln(#domains + 2). */
  readonly topologyNormalizingWeight: readonly number[];
  /** Per constraint: the snapshot's per-node pod counts (hostname constraints read them in Score). */
  readonly nodeCounts?: readonly NodeCountIndex[];
}

const preFilterKey = stateKey<SpreadPreFilterState>('PreFilterPodTopologySpread');
const preScoreKey = stateKey<SpreadPreScoreState>('PreScorePodTopologySpread');

/** `topologyNormalizingWeight`. */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** `scoreForCount`. */
export function scoreForCount(cnt: number, maxSkew: number, tpWeight: number): number {
  return cnt * tpWeight + (maxSkew - 1);
}

export function newPodTopologySpread(args: PodTopologySpreadArgs = {}): Plugin {
  const defaultingType = args.defaultingType ?? 'System';
  if (defaultingType === 'System' && (args.defaultConstraints?.length ?? 0) > 0) {
    throw new Error('PodTopologySpread: defaultConstraints must be empty when defaultingType is "System"');
  }
  const defaults = defaultingType === 'System' ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  const systemDefaulted = defaultingType === 'System';
  const skip = skipStatus(Name);
  const missingLabel = unresolvable(Name, ErrReasonNodeLabelNotMatch);
  const skewFail = unschedulable(Name, ErrReasonConstraintsNotMatch);
  const noState = errorStatus(Name, `reading "PreFilter${Name}" from cycleState: not found`);
  let lastFilterState: CycleState | undefined;
  let lastPre: SpreadPreFilterState | undefined;
  let lastSelfMatch: number[] = [];
  let lastSelfMatchPod: PodInfo | undefined;
  let lastScoreState: CycleState | undefined;
  let lastScore: SpreadPreScoreState | undefined;

  /** `getConstraints` / `buildDefaultConstraints`. */
  const constraintsFor = (pod: PodInfo, snapshot: Snapshot | undefined, action: UnsatisfiableConstraintAction): SpreadConstraint[] | { error: string } => {
    const own = pod.pod.spec?.topologySpreadConstraints ?? [];
    const labels = pod.pod.metadata?.labels;
    if (own.length > 0) return filterConstraints(own, labels, action);
    const base = filterConstraints(defaults, labels, action);
    if ('error' in base || base.length === 0) return base;
    const selector = defaultSelector(pod, snapshot);
    if (selector.empty) return [];
    return base.map((c) => ({ ...c, selector }));
  };

  /** `calPreFilterState`. */
  const preFilterState = (pod: PodInfo, snapshot: Snapshot, constraints: readonly SpreadConstraint[]): SpreadPreFilterState => {
    const spec = pod.pod.spec;
    const noRequiredNodeAffinity = spec?.nodeSelector == null && spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution == null;
    if (constraints.every((c) => c.nodeTaintsPolicy !== 'Honor' && (c.nodeAffinityPolicy !== 'Honor' || noRequiredNodeAffinity))) {
      // Every eligible node counts: the sums kept across cycles (the maps' order is irrelevant: read by value, min over all).
      const counts = constraints.map((c) => {
        const m = new Map<string, number>();
        for (const [value, t] of domainCounts(snapshot, pod.namespace, constraints, c).totals) m.set(value, t.sum);
        return m;
      });
      const s = new SpreadPreFilterState(constraints, counts, constraints.map(() => MAX_INT32));
      for (let i = 0; i < constraints.length; i++) s.recomputeMin(i);
      return s;
    }
    const counts = constraints.map(() => new Map<string, number>());
    const inc: Inclusion = { affinity: requiredNodeAffinityMatcher(pod), pod: pod.pod };
    const perNode = constraints.map((c) => podCounts(snapshot, c.selector, pod.namespace));
    const nodes = snapshot.nodes;
    for (let n = 0; n < nodes.length; n++) {
      const ni = nodes[n]!;
      const labels = ni.labels;
      if (!nodeHasAllKeys(labels, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i]!;
        if (!included(c, inc, ni)) continue;
        const value = labels[c.topologyKey]!;
        const m = counts[i]!;
        m.set(value, (m.get(value) ?? 0) + perNode[i]!.at(n));
      }
    }
    const s = new SpreadPreFilterState(constraints, counts, constraints.map(() => MAX_INT32));
    for (let i = 0; i < constraints.length; i++) s.recomputeMin(i);
    return s;
  };

  /** `updateWithPod` (AddPod / RemovePod). */
  const updateWithPod = (state: CycleState, preemptor: PodInfo, other: PodInfo, node: NodeInfo, delta: number): Status | null => {
    const s = state.read(preFilterKey);
    if (!s || other.namespace !== preemptor.namespace) return null;
    if (!nodeHasAllKeys(node.labels, s.constraints)) return null;
    const inc: Inclusion = { affinity: requiredNodeAffinityMatcher(preemptor), pod: preemptor.pod };
    const labels = other.pod.metadata?.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      if (!c.selector.matches(labels)) continue;
      if (!included(c, inc, node)) continue;
      const v = node.labels[c.topologyKey]!;
      const m = s.tpValueToMatchNum[i]!;
      m.set(v, (m.get(v) ?? 0) + delta);
      s.recomputeMin(i);
    }
    return null;
  };

  const extensions: PreFilterExtensions = {
    addPod: (state, pod, other, node) => updateWithPod(state, pod, other, node, 1),
    removePod: (state, pod, other, node) => updateWithPod(state, pod, other, node, -1),
  };

  return {
    name: Name,
    preFilter(state, pod, snapshot) {
      const constraints = constraintsFor(pod, snapshot, 'DoNotSchedule');
      if ('error' in constraints) return errorStatus(Name, `get constraints from pod: ${constraints.error}`);
      if (constraints.length === 0) return skip;
      state.write(preFilterKey, preFilterState(pod, snapshot, constraints));
      return null;
    },
    preFilterExtensions: extensions,
    filter(state, pod, node) {
      if (state !== lastFilterState) {
        lastFilterState = state;
        lastPre = state.read(preFilterKey);
        // Whether the pod matches each constraint's selector: the same for every node of the cycle.
        const podLabels = pod.pod.metadata?.labels;
        lastSelfMatch = lastPre === undefined ? [] : lastPre.constraints.map((c) => (c.selector.matches(podLabels) ? 1 : 0));
        lastSelfMatchPod = pod;
      }
      const s = lastPre;
      if (s === undefined) {
        // No PreFilter state (PreFilter did not run): fine for a pod PreFilter would skip.
        const own = pod.pod.spec?.topologySpreadConstraints ?? [];
        return own.some((c) => c.whenUnsatisfiable === 'DoNotSchedule') ? noState : null;
      }
      const labels = node.labels;
      const podLabels = pod.pod.metadata?.labels;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const value = labels[c.topologyKey];
        if (typeof value !== 'string') return missingLabel;
        const selfMatch = lastSelfMatchPod === pod ? lastSelfMatch[i]! : c.selector.matches(podLabels) ? 1 : 0;
        const matchNum = s.tpValueToMatchNum[i]!.get(value) ?? 0;
        if (matchNum + selfMatch - s.minMatch(i) > c.maxSkew) return skewFail;
      }
      return null;
    },
    preScore(state, pod, filteredNodes, snapshot) {
      const allNodes = snapshot ? snapshot.nodes : filteredNodes;
      if (allNodes.length === 0) return skip;
      const constraints = constraintsFor(pod, snapshot, 'ScheduleAnyway');
      if ('error' in constraints) return errorStatus(Name, `calculating preScoreState: ${constraints.error}`);
      if (constraints.length === 0) return skip;
      // Only non-system-default spreading requires every topology label on a node, so nodes
      // without a zone label still get hostname spreading.
      const requireAll = (pod.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !systemDefaulted;
      const ignored = new Set<string>();
      const counts = constraints.map(() => new Map<string, number>());
      const topoSize = constraints.map(() => 0);
      for (const ni of filteredNodes) {
        if (requireAll && !nodeHasAllKeys(ni.labels, constraints)) {
          ignored.add(ni.name);
          continue;
        }
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          if (c.topologyKey === LABEL_HOSTNAME) continue; // counted per node in Score
          // Go reads a missing label as "": with system defaults that is a domain of its own.
          const value = ni.labels[c.topologyKey] ?? '';
          const m = counts[i]!;
          if (!m.has(value)) {
            m.set(value, 0);
            topoSize[i]!++;
          }
        }
      }
      const weights = constraints.map((c, i) => topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : topoSize[i]!));
      const inc: Inclusion = { affinity: requiredNodeAffinityMatcher(pod), pod: pod.pod };
      const perNode = snapshot ? constraints.map((c) => podCounts(snapshot, c.selector, pod.namespace)) : undefined;
      for (let n = 0; n < allNodes.length; n++) {
        const ni = allNodes[n]!;
        if (requireAll && !nodeHasAllKeys(ni.labels, constraints)) continue;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          if (c.topologyKey === LABEL_HOSTNAME) continue; // counted per node in Score
          const m = counts[i]!;
          const value = ni.labels[c.topologyKey] ?? '';
          const cur = m.get(value);
          if (cur === undefined) continue; // not a domain of any feasible node
          if (!included(c, inc, ni)) continue;
          m.set(value, cur + (perNode ? perNode[i]!.at(n) : countPodsMatchSelector(ni.pods, c.selector, pod.namespace)));
        }
      }
      state.write(preScoreKey, {
        constraints,
        ignoredNodes: ignored,
        topologyValueToPodCounts: counts,
        topologyNormalizingWeight: weights,
        ...(perNode ? { nodeCounts: perNode } : {}),
      });
      return null;
    },
    score(state, pod, node) {
      if (state !== lastScoreState) {
        lastScoreState = state;
        lastScore = state.read(preScoreKey);
      }
      const s = lastScore;
      if (s === undefined || s.ignoredNodes.has(node.name)) return 0;
      let score = 0;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        const value = node.labels[c.topologyKey];
        if (typeof value !== 'string') continue;
        const cnt =
          c.topologyKey === LABEL_HOSTNAME
            ? (s.nodeCounts?.[i]!.of(node) ?? countPodsMatchSelector(node.pods, c.selector, pod.namespace))
            : (s.topologyValueToPodCounts[i]!.get(value) ?? 0);
        score += scoreForCount(cnt, c.maxSkew, s.topologyNormalizingWeight[i]!);
      }
      // Go math.Round rounds half away from zero; the sum is never negative, so Math.round agrees.
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores, nodes) {
      const s = state.read(preScoreKey);
      if (s === undefined) return;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < scores.length; i++) {
        if (s.ignoredNodes.has(nodes[i]!.name)) continue;
        const v = scores[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignoredNodes.has(nodes[i]!.name)) {
          scores[i] = 0;
          continue;
        }
        scores[i] = max === 0 ? 100 : Math.floor((100 * (max + min - scores[i]!)) / max);
      }
    },
  } satisfies Plugin;
}
