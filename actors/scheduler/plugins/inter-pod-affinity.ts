/**
 * InterPodAffinity (pkg/scheduler/framework/plugins/interpodaffinity: filtering.go, scoring.go,
 * plugin.go), the upstream semantics of kube-scheduler v1.30+.
 *
 * PreFilter counts, once per cycle, per (topologyKey, value):
 * - `existingAntiAffinityCounts`: existing pods' required anti-affinity terms that match the
 *   incoming pod (namespace via the term's namespaces or namespaceSelector against the incoming
 *   pod's namespace labels), on nodes that carry the term's topologyKey;
 * - `affinityCounts`: existing pods matching ALL the incoming pod's required affinity terms
 *   (+1 per term, at each term's topologyKey);
 * - `antiAffinityCounts`: existing pods matching each of the incoming pod's required
 *   anti-affinity terms.
 * The incoming pod's terms have a non-empty namespaceSelector merged into their namespace list
 * from the namespaces the snapshot knows (`Snapshot.setNamespace`; without that lookup a
 * namespaceSelector other than `{}` selects no namespace). Skip when nothing applies.
 *
 * Filter, per node, a map lookup per term:
 *   affinity      every required term's topologyKey on the node, with count > 0 there; else, if
 *                 no pod matches anywhere and the pod matches all its own terms (the first pod
 *                 of a group), pass → UnschedulableAndUnresolvable
 *                 `node(s) didn't match pod affinity rules`
 *   anti-affinity no required anti-affinity term with count > 0 at the node's value
 *                 → Unschedulable `node(s) didn't match pod anti-affinity rules`
 *   existing      no (key, value) of the node with existingAntiAffinityCounts > 0
 *                 → Unschedulable `node(s) didn't satisfy existing pods anti-affinity rules`
 *
 * PreScore sums per (topologyKey, value) over existing pods (all pods when the incoming pod has
 * preferred terms, else only pods with affinity): +weight for each of the incoming pod's preferred
 * affinity terms an existing pod matches, −weight for preferred anti-affinity, +hardPodAffinityWeight
 * (default 1) for each existing pod's required affinity term the incoming pod matches, ± the
 * existing pod's preferred terms that match the incoming pod. Skip when no pair got a score.
 * Score = Σ over topology keys of the node's value. NormalizeScore:
 * `int64(100 · float64(s − min) / float64(max − min))`, min and max over the scored nodes (all 0
 * when max = min). Older releases (v1.18-era scoring.go) started min and max at 0, so a cluster
 * where every score is positive normalized against 0; current kube (`minCount = math.MaxInt64`)
 * uses the real minimum, as here.
 *
 * PreFilter extensions (AddPod / RemovePod) keep the counts right during preemption.
 */
import { stateKey, type Cloneable, type CycleState } from '../framework/cycle-state.ts';
import { affinityTermMatches, type AffinityTerm, type WeightedAffinityTerm } from '../framework/affinity.ts';
import type { Plugin, PreFilterExtensions } from '../framework/interface.ts';
import { SELECT_NOTHING, type Labels } from '../framework/label-selector.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { podAffinityOf, type PodInfo } from '../framework/pod-info.ts';
import type { Snapshot } from '../framework/snapshot.ts';
import { errorStatus, skipStatus, unresolvable, unschedulable } from '../framework/status.ts';

export const Name = 'InterPodAffinity';
export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

/** KubeSchedulerConfiguration `InterPodAffinityArgs`. */
export interface InterPodAffinityArgs {
  /** Score weight of existing pods' required affinity terms matching the incoming pod (0..100, default 1). */
  readonly hardPodAffinityWeight?: number;
  /** Skip scoring when the incoming pod has no preferred terms (default false). */
  readonly ignorePreferredTermsOfExistingPods?: boolean;
}

export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

/** topologyKey → topology value → count (kube `topologyToMatchedTermCount`, nested to avoid pair keys). */
export type TopologyCounts = Map<string, Map<string, number>>;

/** The number of (key, value) entries (Go `len(map)`; entries reaching 0 are deleted). */
function countEntries(m: TopologyCounts): number {
  let n = 0;
  for (const values of m.values()) n += values.size;
  return n;
}

function cloneCounts(m: TopologyCounts): TopologyCounts {
  const c: TopologyCounts = new Map();
  for (const [k, values] of m) c.set(k, new Map(values));
  return c;
}

/** `topologyToMatchedTermCount.update`: only when the node has the key; an entry reaching 0 is deleted. */
function update(m: TopologyCounts, labels: Labels, topologyKey: string, delta: number): void {
  const value = labels?.[topologyKey];
  if (typeof value !== 'string') return;
  let values = m.get(topologyKey);
  if (!values) m.set(topologyKey, (values = new Map()));
  const next = (values.get(value) ?? 0) + delta;
  if (next === 0) {
    values.delete(value);
    if (values.size === 0) m.delete(topologyKey);
  } else values.set(value, next);
}

function countAt(m: TopologyCounts, topologyKey: string, labels: Labels): number | undefined {
  const value = labels?.[topologyKey];
  if (typeof value !== 'string') return undefined;
  return m.get(topologyKey)?.get(value) ?? 0;
}

function podLabels(pi: PodInfo): Labels {
  return pi.pod.metadata?.labels;
}

/** `podMatchesAllAffinityTerms` (namespaceSelectors already merged: no namespace labels). */
function podMatchesAllTerms(terms: readonly AffinityTerm[], pi: PodInfo): boolean {
  if (terms.length === 0) return false;
  const labels = podLabels(pi);
  for (const t of terms) if (!affinityTermMatches(t, pi.namespace, labels, undefined)) return false;
  return true;
}

/**
 * `mergeAffinityTermNamespacesIfNotEmpty`: a namespaceSelector other than `{}` becomes the list
 * of namespaces it selects, and the selector then selects nothing.
 */
function mergeNamespaces<T extends AffinityTerm>(terms: readonly T[], snapshot: Snapshot | undefined): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.namespaceSelector.empty || t.namespaceSelector.kind === 'nothing') continue;
    const namespaces = new Set(t.namespaces);
    if (snapshot) for (const [name, labels] of snapshot.namespaces) if (t.namespaceSelector.matches(labels)) namespaces.add(name);
    out ??= [...terms];
    out[i] = { ...t, namespaces, namespaceSelector: SELECT_NOTHING };
  }
  return out ?? terms;
}

/** The PreFilter state (kube `preFilterState`); `clone()` copies the counts for a preemption what-if. */
export class InterPodAffinityPreFilterState implements Cloneable {
  constructor(
    readonly pod: PodInfo,
    readonly requiredAffinityTerms: readonly AffinityTerm[],
    readonly requiredAntiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Labels,
    readonly existingAntiAffinityCounts: TopologyCounts,
    readonly affinityCounts: TopologyCounts,
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): InterPodAffinityPreFilterState {
    return new InterPodAffinityPreFilterState(
      this.pod,
      this.requiredAffinityTerms,
      this.requiredAntiAffinityTerms,
      this.namespaceLabels,
      cloneCounts(this.existingAntiAffinityCounts),
      cloneCounts(this.affinityCounts),
      cloneCounts(this.antiAffinityCounts),
    );
  }

  /** `preFilterState.updateWithPod`. */
  updateWithPod(other: PodInfo, node: NodeInfo, delta: number): void {
    const labels = node.labels;
    const otherLabels = podLabels(other);
    const incomingLabels = podLabels(this.pod);
    for (const t of podAffinityOf(other).requiredAntiAffinityTerms) {
      if (affinityTermMatches(t, this.pod.namespace, incomingLabels, this.namespaceLabels)) update(this.existingAntiAffinityCounts, labels, t.topologyKey, delta);
    }
    if (podMatchesAllTerms(this.requiredAffinityTerms, other)) {
      for (const t of this.requiredAffinityTerms) update(this.affinityCounts, labels, t.topologyKey, delta);
    }
    for (const t of this.requiredAntiAffinityTerms) {
      if (affinityTermMatches(t, other.namespace, otherLabels, undefined)) update(this.antiAffinityCounts, labels, t.topologyKey, delta);
    }
  }

  /** `satisfyPodAffinity`, with the first-pod-of-a-group exception. */
  satisfiesPodAffinity(labels: Labels): boolean {
    let podsExist = true;
    for (const t of this.requiredAffinityTerms) {
      const n = countAt(this.affinityCounts, t.topologyKey, labels);
      if (n === undefined) return false; // all topology labels must exist on the node
      if (n <= 0) podsExist = false;
    }
    if (podsExist) return true;
    return countEntries(this.affinityCounts) === 0 && podMatchesAllTerms(this.requiredAffinityTerms, this.pod);
  }

  /** `satisfyPodAntiAffinity`. */
  satisfiesPodAntiAffinity(labels: Labels): boolean {
    if (this.antiAffinityCounts.size === 0) return true;
    for (const t of this.requiredAntiAffinityTerms) {
      const n = countAt(this.antiAffinityCounts, t.topologyKey, labels);
      if (n !== undefined && n > 0) return false;
    }
    return true;
  }

  /** `satisfyExistingPodsAntiAffinity`: no (key, value) of the node has a count (one lookup per counted key). */
  satisfiesExistingPodsAntiAffinity(labels: Labels): boolean {
    if (this.existingAntiAffinityCounts.size === 0) return true;
    for (const [key, values] of this.existingAntiAffinityCounts) {
      const value = labels?.[key];
      if (typeof value === 'string' && (values.get(value) ?? 0) > 0) return false;
    }
    return true;
  }
}

/** What PreFilter computes; exported for tests and explanations. */
export function computePreFilterState(pod: PodInfo, snapshot: Snapshot): InterPodAffinityPreFilterState {
  const info = podAffinityOf(pod);
  const required = mergeNamespaces(info.requiredAffinityTerms, snapshot);
  const anti = mergeNamespaces(info.requiredAntiAffinityTerms, snapshot);
  const nsLabels = snapshot.namespaceLabels(pod.namespace);
  const incomingLabels = podLabels(pod);

  // getExistingAntiAffinityCounts: only nodes holding pods with required anti-affinity.
  const existing: TopologyCounts = new Map();
  for (const ni of snapshot.nodesWithRequiredAntiAffinityPods) {
    const labels = ni.labels;
    for (const ep of ni.podsWithRequiredAntiAffinity) {
      for (const t of podAffinityOf(ep).requiredAntiAffinityTerms) {
        if (affinityTermMatches(t, pod.namespace, incomingLabels, nsLabels)) update(existing, labels, t.topologyKey, 1);
      }
    }
  }

  // getIncomingAffinityAntiAffinityCounts: every pod on every node.
  const affinityCounts: TopologyCounts = new Map();
  const antiCounts: TopologyCounts = new Map();
  if (required.length > 0 || anti.length > 0) {
    const nodes = snapshot.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      const pods = ni.pods;
      if (pods.length === 0) continue;
      const labels = ni.labels;
      for (let j = 0; j < pods.length; j++) {
        const ep = pods[j]!;
        if (required.length > 0 && podMatchesAllTerms(required, ep)) {
          for (const t of required) update(affinityCounts, labels, t.topologyKey, 1);
        }
        if (anti.length > 0) {
          const epLabels = podLabels(ep);
          for (const t of anti) if (affinityTermMatches(t, ep.namespace, epLabels, undefined)) update(antiCounts, labels, t.topologyKey, 1);
        }
      }
    }
  }
  return new InterPodAffinityPreFilterState(pod, required, anti, nsLabels, existing, affinityCounts, antiCounts);
}

/** Has at least one label (kube skips nodes without labels when scoring). */
function hasLabels(labels: Labels): boolean {
  if (labels === undefined) return false;
  for (const _ in labels) return true;
  return false;
}

function addScore(m: TopologyCounts, labels: Labels, topologyKey: string, delta: number): void {
  const value = labels?.[topologyKey];
  if (typeof value !== 'string') return;
  let values = m.get(topologyKey);
  if (!values) m.set(topologyKey, (values = new Map()));
  // Entries are kept even when they sum to 0: kube's map keeps them, and a non-empty map means "not Skip".
  values.set(value, (values.get(value) ?? 0) + delta);
}

function processTerms(m: TopologyCounts, terms: readonly WeightedAffinityTerm[], pod: PodInfo, nsLabels: Labels, nodeLabels: Labels, multiplier: number): void {
  if (terms.length === 0) return;
  const labels = podLabels(pod);
  for (const t of terms) if (affinityTermMatches(t, pod.namespace, labels, nsLabels)) addScore(m, nodeLabels, t.topologyKey, t.weight * multiplier);
}

/**
 * PreScore's topology scores (kube `preScoreState.topologyScore`), or null when kube would return
 * Skip. `nodes` are all the snapshot's nodes.
 */
export function computeTopologyScore(pod: PodInfo, snapshot: Snapshot, args: InterPodAffinityArgs = {}): TopologyCounts | null {
  const info = podAffinityOf(pod);
  const hasConstraints = info.preferredAffinityTerms.length > 0 || info.preferredAntiAffinityTerms.length > 0;
  if (args.ignorePreferredTermsOfExistingPods === true && !hasConstraints) return null;
  const hard = args.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
  const preferred = mergeNamespaces(info.preferredAffinityTerms, snapshot);
  const preferredAnti = mergeNamespaces(info.preferredAntiAffinityTerms, snapshot);
  const nsLabels = snapshot.namespaceLabels(pod.namespace);
  const topologyScore: TopologyCounts = new Map();
  const visit = (ni: NodeInfo): void => {
    const nodeLabels = ni.labels;
    if (!hasLabels(nodeLabels)) return;
    const pods = hasConstraints ? ni.pods : ni.podsWithAffinity;
    for (let j = 0; j < pods.length; j++) {
      const ep = pods[j]!;
      // The incoming pod's terms against the existing pod (namespaceSelectors merged: no ns labels).
      processTerms(topologyScore, preferred, ep, undefined, nodeLabels, 1);
      processTerms(topologyScore, preferredAnti, ep, undefined, nodeLabels, -1);
      const ea = podAffinityOf(ep);
      if (!ea.hasAffinity) continue;
      if (hard > 0) {
        const labels = podLabels(pod);
        for (const t of ea.requiredAffinityTerms) if (affinityTermMatches(t, pod.namespace, labels, nsLabels)) addScore(topologyScore, nodeLabels, t.topologyKey, hard);
      }
      processTerms(topologyScore, ea.preferredAffinityTerms, pod, nsLabels, nodeLabels, 1);
      processTerms(topologyScore, ea.preferredAntiAffinityTerms, pod, nsLabels, nodeLabels, -1);
    }
  };
  if (hasConstraints) for (const ni of snapshot.nodes) visit(ni);
  else for (const ni of snapshot.nodesWithAffinityPods) visit(ni);
  return topologyScore.size === 0 ? null : topologyScore;
}

/** `InterPodAffinity.NormalizeScore`: `int64(100 · (s − min) / (max − min))` in float64, as Go. */
export function normalizeInterPodAffinityScores(scores: number[]): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s > max) max = s;
    if (s < min) min = s;
  }
  const diff = max - min;
  for (let i = 0; i < scores.length; i++) {
    let f = 0;
    if (diff > 0) f = 100 * ((scores[i]! - min) / diff);
    scores[i] = Math.trunc(f);
  }
}

const preFilterKey = stateKey<InterPodAffinityPreFilterState>('PreFilterInterPodAffinity');
const preScoreKey = stateKey<TopologyCounts>('PreScoreInterPodAffinity');

export function newInterPodAffinity(args: InterPodAffinityArgs = {}): Plugin {
  const hard = args.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
  if (!Number.isInteger(hard) || hard < 0 || hard > 100) throw new Error(`InterPodAffinity: hardPodAffinityWeight ${hard} must be an integer in 0..100`);
  const skip = skipStatus(Name);
  const affinityFail = unresolvable(Name, ErrReasonAffinityRulesNotMatch);
  const antiFail = unschedulable(Name, ErrReasonAntiAffinityRulesNotMatch);
  const existingFail = unschedulable(Name, ErrReasonExistingAntiAffinityRulesNotMatch);
  const noState = errorStatus(Name, `reading "PreFilter${Name}" from cycleState: not found`);
  let lastFilterState: CycleState | undefined;
  let lastPre: InterPodAffinityPreFilterState | undefined;
  let lastScoreState: CycleState | undefined;
  let lastScore: TopologyCounts | undefined;

  const extensions: PreFilterExtensions = {
    addPod(state, _pod, other, node) {
      state.read(preFilterKey)?.updateWithPod(other, node, 1);
      return null;
    },
    removePod(state, _pod, other, node) {
      state.read(preFilterKey)?.updateWithPod(other, node, -1);
      return null;
    },
  };

  return {
    name: Name,
    preFilter(state, pod, snapshot) {
      const info = podAffinityOf(pod);
      if (info.error !== undefined) return unresolvable(Name, `parsing pod: ${info.error}`);
      const s = computePreFilterState(pod, snapshot);
      if (s.existingAntiAffinityCounts.size === 0 && s.requiredAffinityTerms.length === 0 && s.requiredAntiAffinityTerms.length === 0) return skip;
      state.write(preFilterKey, s);
      return null;
    },
    preFilterExtensions: extensions,
    filter(state, pod, node) {
      if (state !== lastFilterState) {
        lastFilterState = state;
        lastPre = state.read(preFilterKey);
      }
      const s = lastPre;
      if (s === undefined) {
        // No PreFilter state: PreFilter did not run (a caller filtering by hand). A pod without
        // required terms would have been skipped unless existing pods' anti-affinity applied,
        // which needs the snapshot: pass it; a pod with required terms is an error, as in kube.
        const info = podAffinityOf(pod);
        return info.requiredAffinityTerms.length === 0 && info.requiredAntiAffinityTerms.length === 0 ? null : noState;
      }
      const labels = node.labels;
      if (!s.satisfiesPodAffinity(labels)) return affinityFail;
      if (!s.satisfiesPodAntiAffinity(labels)) return antiFail;
      if (!s.satisfiesExistingPodsAntiAffinity(labels)) return existingFail;
      return null;
    },
    preScore(state, pod, nodes, snapshot) {
      if (nodes.length === 0) return skip;
      const ts = snapshot ? computeTopologyScore(pod, snapshot, args) : null;
      if (ts === null) return skip;
      state.write(preScoreKey, ts);
      return null;
    },
    score(state, _pod, node) {
      if (state !== lastScoreState) {
        lastScoreState = state;
        lastScore = state.read(preScoreKey);
      }
      const ts = lastScore;
      if (ts === undefined) return 0;
      const labels = node.labels;
      let score = 0;
      for (const [key, values] of ts) {
        const v = labels[key];
        if (typeof v === 'string') score += values.get(v) ?? 0;
      }
      return score;
    },
    normalizeScore(state, _pod, scores) {
      const ts = state.read(preScoreKey);
      if (ts === undefined || ts.size === 0) return;
      normalizeInterPodAffinityScores(scores);
    },
  } satisfies Plugin;
}
