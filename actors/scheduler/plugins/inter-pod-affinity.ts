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
 *
 * Cost: the counts come from `TopologyIndex`es kept in the snapshot (`Snapshot.memo`): one over
 * existing pods' required anti-affinity terms, one over existing pods' scoring terms, and one per
 * distinct term of incoming pods (the pods matching it, per topology value). A cycle recounts
 * only the nodes the snapshot's change log lists since the index's last use, so PreFilter and
 * PreScore cost O(changed nodes + distinct terms), not O(pods); Filter and Score are a map lookup
 * per term. When every key they read is one key (e.g. all terms on the zone), Filter's verdict and
 * Score's raw score are kept per value of that key (the snapshot's LabelColumn ids), so each
 * distinct value is computed once per cycle and every other node costs two typed-array reads.
 */
import { stateKey, type Cloneable, type CycleState } from '../framework/cycle-state.ts';
import { affinityTermKey, affinityTermMatches, type AffinityTerm, type WeightedAffinityTerm } from '../framework/affinity.ts';
import type { FilterVerdictTable, Plugin, PreFilterExtensions } from '../framework/interface.ts';
import { SELECT_NOTHING, type Labels } from '../framework/label-selector.ts';
import type { LabelColumn } from '../framework/node-columns.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { podAffinityOf, type PodInfo } from '../framework/pod-info.ts';
import type { Snapshot } from '../framework/snapshot.ts';
import { errorStatus, skipStatus, unresolvable, unschedulable } from '../framework/status.ts';
import { addToCounts, TopologyIndex, type TopologyCounts } from '../framework/topology-index.ts';

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

export type { TopologyCounts };

const EMPTY_COUNTS: TopologyCounts = new Map();
const NO_MAPS: readonly Map<string, number>[] = Object.freeze([]) as readonly Map<string, number>[];

/** Any map of `maps` holding a positive count for `value`. */
function anyPositive(maps: readonly Map<string, number>[], value: string): boolean {
  if (maps.length === 1) return (maps[0]!.get(value) ?? 0) > 0;
  let n = 0;
  for (let i = 0; i < maps.length; i++) n += maps[i]!.get(value) ?? 0;
  return n > 0;
}

function cloneCounts(m: TopologyCounts): TopologyCounts {
  const c: TopologyCounts = new Map();
  for (const [k, values] of m) c.set(k, new Map(values));
  return c;
}

/**
 * Counts per (topologyKey, value) as read-only layers shared with the snapshot's indices, plus
 * this cycle's own adjustments (AddPod / RemovePod); the count of a pair is the sum. Equals
 * kube's merged `topologyToMatchedTermCount`.
 */
export class LayeredCounts {
  private readonly keys: string[] = [];
  /** Per topology key, the layers' value maps (resolved once: Filter then does one lookup per layer). */
  private readonly byKey = new Map<string, Map<string, number>[]>();

  constructor(
    readonly layers: readonly TopologyCounts[],
    readonly delta: TopologyCounts = new Map(),
  ) {
    for (const l of layers) {
      for (const [k, values] of l) {
        let list = this.byKey.get(k);
        if (!list) {
          this.byKey.set(k, (list = []));
          this.keys.push(k);
        }
        list.push(values);
      }
    }
    for (const k of delta.keys()) if (!this.keys.includes(k)) this.keys.push(k);
  }

  get(topologyKey: string, value: string): number {
    let n = 0;
    const list = this.byKey.get(topologyKey);
    if (list !== undefined) for (let i = 0; i < list.length; i++) n += list[i]!.get(value) ?? 0;
    if (this.delta.size > 0) n += this.delta.get(topologyKey)?.get(value) ?? 0;
    return n;
  }

  /** The count at the node's value of `topologyKey`, or undefined when the node lacks the key. */
  at(topologyKey: string, labels: Labels): number | undefined {
    const v = labels?.[topologyKey];
    return typeof v === 'string' ? this.get(topologyKey, v) : undefined;
  }

  /** The layers' value maps for one key (empty when none): lets a hot loop skip the key lookup. */
  mapsFor(topologyKey: string): readonly Map<string, number>[] {
    return this.byKey.get(topologyKey) ?? NO_MAPS;
  }

  /** True when AddPod/RemovePod adjusted the counts (then `mapsFor` alone is not the whole count). */
  get adjusted(): boolean {
    return this.delta.size > 0;
  }

  /** `update`: adds at the node's value of `topologyKey` (nothing when the node lacks it). */
  add(topologyKey: string, labels: Labels, amount: number): void {
    const v = labels?.[topologyKey];
    if (typeof v !== 'string') return;
    addToCounts(this.delta, topologyKey, v, amount);
    if (!this.keys.includes(topologyKey)) this.keys.push(topologyKey);
  }

  /** Topology keys that may hold a count. */
  get topologyKeys(): readonly string[] {
    return this.keys;
  }

  /** Go `len(m) == 0`: no (key, value) with a non-zero count. */
  isEmpty(): boolean {
    if (this.delta.size === 0) {
      for (const l of this.layers) if (l.size > 0) return false;
      return true;
    }
    return this.materialize().size === 0;
  }

  /** The merged map (for tests and explanations). */
  materialize(): TopologyCounts {
    const out: TopologyCounts = new Map();
    for (const l of [...this.layers, this.delta]) for (const [k, values] of l) for (const [v, n] of values) addToCounts(out, k, v, n);
    return out;
  }

  clone(): LayeredCounts {
    return new LayeredCounts(this.layers, cloneCounts(this.delta));
  }
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
 * of namespaces it selects (from the snapshot's namespace lookup), and then selects nothing.
 */
function mergeNamespaces<T extends AffinityTerm>(terms: readonly T[], snapshot: Snapshot | undefined): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.namespaceSelector.empty || t.namespaceSelector.kind === 'nothing') continue;
    const namespaces = new Set(t.namespaces);
    if (snapshot) for (const [name, labels] of snapshot.namespaces) if (t.namespaceSelector.matches(labels)) namespaces.add(name);
    out ??= [...terms];
    out[i] = { ...t, namespaces, namespaceSelector: SELECT_NOTHING, key: affinityTermKey(namespaces, t.selector, t.topologyKey, SELECT_NOTHING) };
  }
  return out ?? terms;
}

/** An index with the term registry that resolves its group names back to terms. */
interface TermIndex {
  readonly index: TopologyIndex;
  readonly terms: Map<string, AffinityTerm>;
}

/** Existing pods' required anti-affinity terms: group = term key, +1 per pod-term at the term's key. */
function existingAntiIndex(snapshot: Snapshot): TermIndex {
  return snapshot.memo(`${Name}/existing-required-anti`, () => {
    const terms = new Map<string, AffinityTerm>();
    const index = new TopologyIndex((ni, emit) => {
      for (const ep of ni.podsWithRequiredAntiAffinity) {
        for (const t of podAffinityOf(ep).requiredAntiAffinityTerms) {
          if (!terms.has(t.key)) terms.set(t.key, t);
          emit(t.key, t.topologyKey, 1);
        }
      }
    });
    return { index, terms };
  });
}

/**
 * Existing pods' scoring terms: group `H<key>` (+1 per required affinity term), `A<key>`
 * (+weight per preferred affinity term), `N<key>` (+weight per preferred anti-affinity term).
 */
function existingScoringIndex(snapshot: Snapshot): TermIndex {
  return snapshot.memo(`${Name}/existing-scoring`, () => {
    const terms = new Map<string, AffinityTerm>();
    const reg = (t: AffinityTerm): string => {
      if (!terms.has(t.key)) terms.set(t.key, t);
      return t.key;
    };
    const index = new TopologyIndex((ni, emit) => {
      for (const ep of ni.podsWithAffinity) {
        const a = podAffinityOf(ep);
        for (const t of a.requiredAffinityTerms) emit(`H${reg(t)}`, t.topologyKey, 1);
        for (const t of a.preferredAffinityTerms) emit(`A${reg(t)}`, t.topologyKey, t.weight);
        for (const t of a.preferredAntiAffinityTerms) emit(`N${reg(t)}`, t.topologyKey, t.weight);
      }
    });
    return { index, terms };
  });
}

/** Pods matching one (incoming, namespace-merged) term, counted at the term's topology key. */
function termMatchCounts(snapshot: Snapshot, t: AffinityTerm): TopologyCounts {
  const idx = snapshot.memo(`${Name}/term/${t.key}`, () =>
    new TopologyIndex((ni, emit) => {
      const pods = ni.pods;
      for (let j = 0; j < pods.length; j++) {
        const ep = pods[j]!;
        if (affinityTermMatches(t, ep.namespace, podLabels(ep), undefined)) emit('', t.topologyKey, 1);
      }
    }),
  );
  idx.refreshFrom(snapshot);
  return idx.totals.get('') ?? EMPTY_COUNTS;
}

/** Pods matching ALL the (incoming, merged) required affinity terms, +1 at each term's key. */
function allTermsMatchCounts(snapshot: Snapshot, terms: readonly AffinityTerm[]): TopologyCounts {
  const idx = snapshot.memo(`${Name}/all/${terms.map((t) => t.key).join('\u0001')}`, () =>
    new TopologyIndex((ni, emit) => {
      for (const ep of ni.pods) if (podMatchesAllTerms(terms, ep)) for (const t of terms) emit('', t.topologyKey, 1);
    }),
  );
  idx.refreshFrom(snapshot);
  return idx.totals.get('') ?? EMPTY_COUNTS;
}

/** Filter verdicts (`InterPodAffinityPreFilterState.verdict`). */
export const VERDICT_PASS = 0;
export const VERDICT_AFFINITY = 1;
export const VERDICT_ANTI_AFFINITY = 2;
export const VERDICT_EXISTING_ANTI_AFFINITY = 3;

interface VerdictTable {
  readonly column: LabelColumn;
  /** The snapshot's node list the column's rows follow. */
  readonly nodes: readonly NodeInfo[];
  /** Value id → verdict, −1 until computed. */
  readonly table: Int8Array;
}

/** The PreFilter state (kube `preFilterState`); `clone()` copies the adjustments for a preemption what-if. */
export class InterPodAffinityPreFilterState implements Cloneable {
  constructor(
    readonly pod: PodInfo,
    readonly requiredAffinityTerms: readonly AffinityTerm[],
    readonly requiredAntiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Labels,
    readonly existingAntiAffinityCounts: LayeredCounts,
    readonly affinityCounts: LayeredCounts,
    readonly antiAffinityCounts: LayeredCounts,
  ) {}

  /**
   * Filter's verdict per value of the one topology key every count depends on, when there is
   * exactly one (see `enableVerdictTable`); dropped by `updateWithPod` (the counts then differ).
   */
  private verdicts: VerdictTable | null = null;

  /**
   * When all the topology keys Filter reads (the pod's required terms' keys and the existing
   * pods' anti-affinity keys) are one key, Filter's verdict is a function of the node's value for
   * it: remember it per value (a LabelColumn id), computed the first time a value is met.
   */
  enableVerdictTable(snapshot: Snapshot): void {
    let key: string | undefined;
    const same = (k: string): boolean => (key ??= k) === k;
    for (const t of this.requiredAffinityTerms) if (!same(t.topologyKey)) return;
    for (const t of this.requiredAntiAffinityTerms) if (!same(t.topologyKey)) return;
    for (const k of this.existingAntiAffinityCounts.topologyKeys) if (!same(k)) return;
    if (key === undefined) return;
    const column = snapshot.labelColumn(key);
    if (column === null) return;
    this.verdicts = { column, nodes: snapshot.nodes, table: new Int8Array(column.values.length).fill(-1) };
  }

  /**
   * Filter's verdict for `node`: VERDICT_PASS or the failing check. From the table when the
   * node is a row of the snapshot the table was made for, else from the counts.
   */
  /** The verdict table, if this state has one (for the fused scan; see FilterVerdictTable). */
  verdictTable(): { readonly nodes: readonly NodeInfo[]; readonly ids: Int32Array; readonly table: Int8Array } | null {
    const v = this.verdicts;
    return v === null ? null : { nodes: v.nodes, ids: v.column.ids, table: v.table };
  }

  verdict(node: NodeInfo): number {
    const v = this.verdicts;
    if (v !== null) {
      const j = node.index;
      if (j >= 0 && v.nodes[j] === node) {
        const id = v.column.ids[j]!;
        const table = v.table;
        if (id < table.length) {
          const known = table[id]!;
          if (known >= 0) return known;
          return (table[id] = this.computeVerdict(node.labels));
        }
      }
    }
    return this.computeVerdict(node.labels);
  }

  private computeVerdict(labels: Labels): number {
    if (!this.satisfiesPodAffinity(labels)) return VERDICT_AFFINITY;
    if (!this.satisfiesPodAntiAffinity(labels)) return VERDICT_ANTI_AFFINITY;
    if (!this.satisfiesExistingPodsAntiAffinity(labels)) return VERDICT_EXISTING_ANTI_AFFINITY;
    return VERDICT_PASS;
  }

  clone(): InterPodAffinityPreFilterState {
    return new InterPodAffinityPreFilterState(
      this.pod,
      this.requiredAffinityTerms,
      this.requiredAntiAffinityTerms,
      this.namespaceLabels,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }

  /** `preFilterState.updateWithPod`. */
  updateWithPod(other: PodInfo, node: NodeInfo, delta: number): void {
    this.verdicts = null;
    const labels = node.labels;
    const otherLabels = podLabels(other);
    const incomingLabels = podLabels(this.pod);
    for (const t of podAffinityOf(other).requiredAntiAffinityTerms) {
      if (affinityTermMatches(t, this.pod.namespace, incomingLabels, this.namespaceLabels)) this.existingAntiAffinityCounts.add(t.topologyKey, labels, delta);
    }
    if (podMatchesAllTerms(this.requiredAffinityTerms, other)) {
      for (const t of this.requiredAffinityTerms) this.affinityCounts.add(t.topologyKey, labels, delta);
    }
    for (const t of this.requiredAntiAffinityTerms) {
      if (affinityTermMatches(t, other.namespace, otherLabels, undefined)) this.antiAffinityCounts.add(t.topologyKey, labels, delta);
    }
  }

  /** `satisfyPodAffinity`, with the first-pod-of-a-group exception. */
  satisfiesPodAffinity(labels: Labels): boolean {
    let podsExist = true;
    for (const t of this.requiredAffinityTerms) {
      const n = this.affinityCounts.at(t.topologyKey, labels);
      if (n === undefined) return false; // all topology labels must exist on the node
      if (n <= 0) podsExist = false;
    }
    if (podsExist) return true;
    return this.affinityCounts.isEmpty() && podMatchesAllTerms(this.requiredAffinityTerms, this.pod);
  }

  /** Per anti-affinity term: its key and the count maps for it (resolved once per cycle). */
  private antiResolved: { key: string; maps: readonly Map<string, number>[] }[] | undefined;
  private existingResolved: { key: string; maps: readonly Map<string, number>[] }[] | undefined;

  /** `satisfyPodAntiAffinity`. */
  satisfiesPodAntiAffinity(labels: Labels): boolean {
    const counts = this.antiAffinityCounts;
    if (!counts.adjusted) {
      const resolved = (this.antiResolved ??= this.requiredAntiAffinityTerms.map((t) => ({ key: t.topologyKey, maps: counts.mapsFor(t.topologyKey) })));
      for (let i = 0; i < resolved.length; i++) {
        const r = resolved[i]!;
        if (r.maps.length === 0) continue;
        const v = labels?.[r.key];
        if (typeof v === 'string' && anyPositive(r.maps, v)) return false;
      }
      return true;
    }
    for (const t of this.requiredAntiAffinityTerms) {
      const n = counts.at(t.topologyKey, labels);
      if (n !== undefined && n > 0) return false;
    }
    return true;
  }

  /** `satisfyExistingPodsAntiAffinity`: no (key, value) of the node has a count (one lookup per counted key). */
  satisfiesExistingPodsAntiAffinity(labels: Labels): boolean {
    const counts = this.existingAntiAffinityCounts;
    if (!counts.adjusted) {
      const resolved = (this.existingResolved ??= counts.topologyKeys.map((key) => ({ key, maps: counts.mapsFor(key) })));
      for (let i = 0; i < resolved.length; i++) {
        const r = resolved[i]!;
        const v = labels?.[r.key];
        if (typeof v === 'string' && anyPositive(r.maps, v)) return false;
      }
      return true;
    }
    const keys = counts.topologyKeys;
    for (let i = 0; i < keys.length; i++) {
      const n = counts.at(keys[i]!, labels);
      if (n !== undefined && n > 0) return false;
    }
    return true;
  }
}

/** What PreFilter computes (refreshing the snapshot's indices); exported for tests and explanations. */
export function computePreFilterState(pod: PodInfo, snapshot: Snapshot): InterPodAffinityPreFilterState {
  const info = podAffinityOf(pod);
  const required = mergeNamespaces(info.requiredAffinityTerms, snapshot);
  const anti = mergeNamespaces(info.requiredAntiAffinityTerms, snapshot);
  const nsLabels = snapshot.namespaceLabels(pod.namespace);
  const incomingLabels = podLabels(pod);

  // getExistingAntiAffinityCounts: one layer per distinct existing term that matches the pod.
  const existing: TopologyCounts[] = [];
  if (snapshot.nodesWithRequiredAntiAffinityPods.size > 0) {
    const { index, terms } = existingAntiIndex(snapshot);
    index.refreshFrom(snapshot);
    for (const [key, counts] of index.totals) {
      const t = terms.get(key)!;
      if (affinityTermMatches(t, pod.namespace, incomingLabels, nsLabels)) existing.push(counts);
    }
  }
  // getIncomingAffinityAntiAffinityCounts.
  const affinity = required.length > 0 ? [allTermsMatchCounts(snapshot, required)] : [];
  const antiLayers = anti.map((t) => termMatchCounts(snapshot, t));
  return new InterPodAffinityPreFilterState(pod, required, anti, nsLabels, new LayeredCounts(existing), new LayeredCounts(affinity), new LayeredCounts(antiLayers));
}

/** One PreScore layer: `multiplier` × the counts. */
export interface ScoreLayer {
  readonly counts: TopologyCounts;
  readonly multiplier: number;
}

/**
 * PreScore's topology scores (kube `preScoreState.topologyScore`) as layers, or null when kube
 * would return Skip.
 */
export function computeTopologyScore(pod: PodInfo, snapshot: Snapshot, args: InterPodAffinityArgs = {}): ScoreLayer[] | null {
  const info = podAffinityOf(pod);
  const hasConstraints = info.preferredAffinityTerms.length > 0 || info.preferredAntiAffinityTerms.length > 0;
  if (args.ignorePreferredTermsOfExistingPods === true && !hasConstraints) return null;
  const hard = args.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
  const layers: ScoreLayer[] = [];
  // The incoming pod's preferred terms against existing pods (namespaceSelectors merged).
  for (const t of mergeNamespaces(info.preferredAffinityTerms, snapshot) as readonly WeightedAffinityTerm[]) {
    const counts = termMatchCounts(snapshot, t);
    if (counts.size > 0 && t.weight !== 0) layers.push({ counts, multiplier: t.weight });
  }
  for (const t of mergeNamespaces(info.preferredAntiAffinityTerms, snapshot) as readonly WeightedAffinityTerm[]) {
    const counts = termMatchCounts(snapshot, t);
    if (counts.size > 0 && t.weight !== 0) layers.push({ counts, multiplier: -t.weight });
  }
  // Existing pods' terms against the incoming pod (with its namespace's labels).
  if (snapshot.nodesWithAffinityPods.size > 0) {
    const nsLabels = snapshot.namespaceLabels(pod.namespace);
    const labels = podLabels(pod);
    const { index, terms } = existingScoringIndex(snapshot);
    index.refreshFrom(snapshot);
    for (const [group, counts] of index.totals) {
      const kind = group[0];
      if (kind === 'H' && hard <= 0) continue;
      const t = terms.get(group.slice(1))!;
      if (!affinityTermMatches(t, pod.namespace, labels, nsLabels)) continue;
      layers.push({ counts, multiplier: kind === 'H' ? hard : kind === 'A' ? 1 : -1 });
    }
  }
  return layers.length === 0 ? null : layers;
}

/** The layers summed into kube's `topologyScore` map (for tests and explanations). */
export function materializeTopologyScore(layers: readonly ScoreLayer[]): TopologyCounts {
  const out: TopologyCounts = new Map();
  for (const l of layers) for (const [k, values] of l.counts) for (const [v, n] of values) addToCounts(out, k, v, n * l.multiplier);
  return out;
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

/**
 * Score per value of the one topology key all PreScore layers count at (a LabelColumn id), filled
 * in the first time a value is met; NaN until then.
 */
interface ScoreTable {
  readonly column: LabelColumn;
  readonly nodes: readonly NodeInfo[];
  readonly table: Float64Array;
}

/** The raw Score of a node with these labels (Σ over layers and topology keys). */
function scoreOf(layers: readonly ScoreLayer[], labels: Labels): number {
  let score = 0;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    for (const [key, values] of l.counts) {
      const v = labels?.[key];
      if (typeof v === 'string') score += l.multiplier * (values.get(v) ?? 0);
    }
  }
  return score;
}

/** A ScoreTable when every layer counts at one and the same topology key, else null. */
function scoreTableFor(layers: readonly ScoreLayer[], snapshot: Snapshot): ScoreTable | null {
  let key: string | undefined;
  for (const l of layers) for (const k of l.counts.keys()) if ((key ??= k) !== k) return null;
  if (key === undefined) return null;
  const column = snapshot.labelColumn(key);
  if (column === null) return null;
  return { column, nodes: snapshot.nodes, table: new Float64Array(column.values.length).fill(Number.NaN) };
}

const preFilterKey = stateKey<InterPodAffinityPreFilterState>('PreFilterInterPodAffinity');
const scoreTableKey = stateKey<ScoreTable | null>('PreScoreInterPodAffinityTable');
const preScoreKey = stateKey<readonly ScoreLayer[]>('PreScoreInterPodAffinity');

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
  let lastScore: readonly ScoreLayer[] | undefined;
  let lastScoreTable: ScoreTable | null = null;

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

  /** Filter's status per verdict (VERDICT_PASS … VERDICT_EXISTING_ANTI_AFFINITY). */
  const statusByVerdict = [null, affinityFail, antiFail, existingFail];

  return {
    name: Name,
    fusion: {
      kind: 'InterPodAffinity',
      filterVerdicts(state): FilterVerdictTable | null {
        const t = state.read(preFilterKey)?.verdictTable();
        return t ? { nodes: t.nodes, ids: t.ids, table: t.table, statuses: statusByVerdict } : null;
      },
    },
    preFilter(state, pod, snapshot) {
      const info = podAffinityOf(pod);
      if (info.error !== undefined) return unresolvable(Name, `parsing pod: ${info.error}`);
      if (info.requiredAffinityTerms.length === 0 && info.requiredAntiAffinityTerms.length === 0 && snapshot.nodesWithRequiredAntiAffinityPods.size === 0) return skip;
      const s = computePreFilterState(pod, snapshot);
      if (s.existingAntiAffinityCounts.isEmpty() && s.requiredAffinityTerms.length === 0 && s.requiredAntiAffinityTerms.length === 0) return skip;
      s.enableVerdictTable(snapshot);
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
      const v = s.verdict(node);
      return v === VERDICT_PASS ? null : v === VERDICT_AFFINITY ? affinityFail : v === VERDICT_ANTI_AFFINITY ? antiFail : existingFail;
    },
    preScore(state, pod, nodes, snapshot) {
      if (nodes.length === 0) return skip;
      const layers = snapshot ? computeTopologyScore(pod, snapshot, args) : null;
      if (layers === null) return skip;
      state.write(preScoreKey, layers);
      state.write(scoreTableKey, scoreTableFor(layers, snapshot!));
      return null;
    },
    score(state, _pod, node) {
      if (state !== lastScoreState) {
        lastScoreState = state;
        lastScore = state.read(preScoreKey);
        lastScoreTable = state.read(scoreTableKey) ?? null;
      }
      const layers = lastScore;
      if (layers === undefined) return 0;
      // The score depends only on the node's value of the one key: compute it once per value.
      const t = lastScoreTable;
      if (t !== null) {
        const j = node.index;
        if (j >= 0 && t.nodes[j] === node) {
          const id = t.column.ids[j]!;
          if (id < t.table.length) {
            const known = t.table[id]!;
            if (known === known) return known; // not NaN
            return (t.table[id] = scoreOf(layers, node.labels));
          }
        }
      }
      return scoreOf(layers, node.labels);
    },
    normalizeScore(state, _pod, scores) {
      const layers = state.read(preScoreKey);
      if (layers === undefined || layers.length === 0) return;
      normalizeInterPodAffinityScores(scores);
    },
  } satisfies Plugin;
}
