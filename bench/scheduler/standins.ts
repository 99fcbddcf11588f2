/**
 * Stand-ins for InterPodAffinity and PodTopologySpread, used by the bench ONLY while
 * actors/scheduler/plugins has no plugin of that name (they are being written there). Each run
 * reports which implementation it used (`plugins` in the JSON). They implement what the bench's
 * workloads exercise, the way kube does it (per cycle, from the snapshot, no incremental state):
 *
 * InterPodAffinity (interpodaffinity/filtering.go, scoring.go):
 * - PreFilter walks every pod on every node and counts, per (topologyKey, value): existing pods
 *   whose required anti-affinity matches the incoming pod; existing pods matching all of the
 *   incoming pod's required affinity terms; existing pods matching its anti-affinity terms.
 *   Terms match on labelSelector and `namespaces` (empty = the pod's own namespace); no
 *   namespaceSelector.
 * - Filter: existing anti-affinity, then incoming anti-affinity (Unschedulable), then incoming
 *   affinity (UnschedulableAndUnresolvable), with kube's rule that a pod whose affinity no pod
 *   matches anywhere may go anywhere if it matches its own terms.
 * - PreScore/Score: preferred terms (±weight) and existing pods' required affinity terms that
 *   match the incoming pod (hardPodAffinityWeight 1), summed per topology value; normalised as
 *   `100·(s−min)/(max−min)` with min and max starting at 0. Skip when nothing contributes.
 *
 * PodTopologySpread (podtopologyspread/filtering.go): DoNotSchedule constraints only. PreFilter
 * counts matching pods (same namespace, not terminating) per domain over the nodes that pass the
 * pod's required node affinity and carry every constraint key; Filter rejects a node when
 * `count + selfMatch − min > maxSkew`. No scoring (ScheduleAnyway), no system default
 * constraints, no minDomains.
 */
import type { V1Pod, V1PodAffinityTerm, V1WeightedPodAffinityTerm } from '@kubernetes/client-node';
import { isSelectorError, matches, selectorFromLabelSelector, type LabelSelector, type Selector } from '../../actors/api/labels.ts';
import { MAX_NODE_SCORE, newStatus, skipStatus, stateKey, type NodeInfo, type Plugin, type PodInfo, type Snapshot } from '../../actors/scheduler/index.ts';
import { requiredNodeAffinityMatcher } from '../../actors/scheduler/plugins/node-affinity.ts';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';

const HARD_POD_AFFINITY_WEIGHT = 1;
// Read once: under tsx an imported binding is an accessor.
const MAX_SCORE: number = MAX_NODE_SCORE;

interface Term {
  readonly selector: Selector;
  /** Empty: the owning pod's namespace. */
  readonly namespaces: ReadonlySet<string>;
  readonly topologyKey: string;
  readonly weight: number;
}

interface PodTerms {
  readonly requiredAffinity: readonly Term[];
  readonly requiredAnti: readonly Term[];
  readonly preferredAffinity: readonly Term[];
  readonly preferredAnti: readonly Term[];
  readonly any: boolean;
}

function compileSelector(s: LabelSelector | undefined): Selector {
  // kube: a nil selector in an affinity term matches nothing; an empty one matches everything.
  const sel = selectorFromLabelSelector(s ?? null);
  if (isSelectorError(sel)) throw new Error(`bad labelSelector: ${sel.error}`);
  return sel;
}

function compileTerm(t: V1PodAffinityTerm, weight: number): Term {
  return { selector: compileSelector(t.labelSelector as LabelSelector | undefined), namespaces: new Set(t.namespaces ?? []), topologyKey: t.topologyKey, weight };
}

const compiled = new WeakMap<V1Pod, PodTerms>();
const NO_TERMS: PodTerms = { requiredAffinity: [], requiredAnti: [], preferredAffinity: [], preferredAnti: [], any: false };

function termsOf(pod: V1Pod): PodTerms {
  let c = compiled.get(pod);
  if (c) return c;
  const a = pod.spec?.affinity;
  if (!a?.podAffinity && !a?.podAntiAffinity) c = NO_TERMS;
  else {
    const req = (ts: V1PodAffinityTerm[] | undefined): Term[] => (ts ?? []).map((t) => compileTerm(t, 1));
    const pref = (ts: V1WeightedPodAffinityTerm[] | undefined): Term[] => (ts ?? []).filter((t) => t.weight).map((t) => compileTerm(t.podAffinityTerm, t.weight));
    const requiredAffinity = req(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    const requiredAnti = req(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    const preferredAffinity = pref(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    const preferredAnti = pref(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
    c = { requiredAffinity, requiredAnti, preferredAffinity, preferredAnti, any: requiredAffinity.length + requiredAnti.length + preferredAffinity.length + preferredAnti.length > 0 };
  }
  compiled.set(pod, c);
  return c;
}

/** Does `term` (owned by a pod in `ownerNamespace`) select `target`? */
function termMatches(term: Term, ownerNamespace: string, target: PodInfo): boolean {
  if (term.namespaces.size === 0 ? target.namespace !== ownerNamespace : !term.namespaces.has(target.namespace)) return false;
  return matches(term.selector, target.pod.metadata?.labels ?? {});
}

/** (topologyKey → value → count): nested maps, no string concatenation per lookup. */
type TopologyCounts = Map<string, Map<string, number>>;

function bump(m: TopologyCounts, key: string, value: string, by: number): void {
  let byValue = m.get(key);
  if (!byValue) m.set(key, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + by);
}

function countOf(m: TopologyCounts, key: string, value: string): number {
  return m.get(key)?.get(value) ?? 0;
}

/**
 * kube's `NodeInfo.PodsWithAffinity` / `PodsWithRequiredAntiAffinity`, which kubesim's NodeInfo
 * does not keep: derived per node and cached until the node's `generation` changes.
 */
interface AffinityPods {
  generation: number;
  /** Pods with any affinity or anti-affinity term. */
  withAffinity: PodInfo[];
  withRequiredAnti: PodInfo[];
}
const affinityPodsCache = new WeakMap<NodeInfo, AffinityPods>();

function affinityPods(node: NodeInfo): AffinityPods {
  let c = affinityPodsCache.get(node);
  if (c && c.generation === node.generation) return c;
  const withAffinity: PodInfo[] = [];
  const withRequiredAnti: PodInfo[] = [];
  for (const p of node.pods) {
    const t = termsOf(p.pod);
    if (!t.any) continue;
    withAffinity.push(p);
    if (t.requiredAnti.length > 0) withRequiredAnti.push(p);
  }
  c = { generation: node.generation, withAffinity, withRequiredAnti };
  affinityPodsCache.set(node, c);
  return c;
}

interface AffinityState {
  readonly terms: PodTerms;
  /** Existing pods whose required anti-affinity matches the incoming pod. */
  readonly existingAnti: TopologyCounts;
  /** Existing pods matching all of the incoming pod's required affinity terms. */
  readonly affinityCounts: TopologyCounts;
  /** Existing pods matching one of the incoming pod's required anti-affinity terms. */
  readonly antiCounts: TopologyCounts;
  /** The incoming pod matches all of its own affinity terms (kube's first-pod rule). */
  readonly matchesOwnAffinity: boolean;
  readonly snapshot: Snapshot;
}

const affinityKey = stateKey<AffinityState>('PreFilterInterPodAffinity(bench)');
const affinityScoreKey = stateKey<TopologyCounts>('PreScoreInterPodAffinity(bench)');

export function newInterPodAffinityStandIn(): Plugin {
  const skip = skipStatus(INTER_POD_AFFINITY);
  const existingAntiFail = newStatus('Unschedulable', ["node(s) didn't satisfy existing pods anti-affinity rules"], INTER_POD_AFFINITY);
  const antiFail = newStatus('Unschedulable', ["node(s) didn't match pod anti-affinity rules"], INTER_POD_AFFINITY);
  const affinityFail = newStatus('UnschedulableAndUnresolvable', ["node(s) didn't match pod affinity rules"], INTER_POD_AFFINITY);
  return {
    name: INTER_POD_AFFINITY,
    preFilter(state, pod, snapshot) {
      const terms = termsOf(pod.pod);
      const existingAnti: TopologyCounts = new Map();
      const affinityCounts: TopologyCounts = new Map();
      const antiCounts: TopologyCounts = new Map();
      const incoming = terms.requiredAffinity.length + terms.requiredAnti.length > 0;
      for (const node of snapshot.nodes) {
        const labels = node.labels;
        // getExistingAntiAffinityCounts: only pods with required anti-affinity.
        for (const p of affinityPods(node).withRequiredAnti) {
          for (const t of termsOf(p.pod).requiredAnti) {
            const v = labels[t.topologyKey];
            if (v !== undefined && termMatches(t, p.namespace, pod)) bump(existingAnti, t.topologyKey, v, 1);
          }
        }
        // getIncomingAffinityAntiAffinityCounts: every pod on every node.
        if (!incoming) continue;
        for (const p of node.pods) {
          if (terms.requiredAffinity.length > 0 && terms.requiredAffinity.every((t) => termMatches(t, pod.namespace, p))) {
            for (const t of terms.requiredAffinity) {
              const v = labels[t.topologyKey];
              if (v !== undefined) bump(affinityCounts, t.topologyKey, v, 1);
            }
          }
          for (const t of terms.requiredAnti) {
            const v = labels[t.topologyKey];
            if (v !== undefined && termMatches(t, pod.namespace, p)) bump(antiCounts, t.topologyKey, v, 1);
          }
        }
      }
      const matchesOwnAffinity = terms.requiredAffinity.every((t) => termMatches(t, pod.namespace, pod));
      state.write(affinityKey, { terms, existingAnti, affinityCounts, antiCounts, matchesOwnAffinity, snapshot });
      if (existingAnti.size === 0 && !incoming) return skip;
      return null;
    },
    filter(state, _pod, node) {
      const s = state.read(affinityKey)!;
      const labels = node.labels;
      for (const [key, byValue] of s.existingAnti) {
        const v = labels[key];
        if (v !== undefined && (byValue.get(v) ?? 0) > 0) return existingAntiFail;
      }
      for (const t of s.terms.requiredAnti) {
        const v = labels[t.topologyKey];
        if (v !== undefined && countOf(s.antiCounts, t.topologyKey, v) > 0) return antiFail;
      }
      if (s.terms.requiredAffinity.length > 0) {
        let ok = true;
        for (const t of s.terms.requiredAffinity) {
          const v = labels[t.topologyKey];
          if (v === undefined || countOf(s.affinityCounts, t.topologyKey, v) <= 0) {
            ok = false;
            break;
          }
        }
        if (!ok && !(s.affinityCounts.size === 0 && s.matchesOwnAffinity)) return affinityFail;
      }
      return null;
    },
    preScore(state, pod) {
      const pre = state.read(affinityKey);
      if (!pre) return skip;
      const inc = pre.terms;
      const scores: TopologyCounts = new Map();
      const add = (node: NodeInfo, key: string, w: number): void => {
        const v = node.labels[key];
        if (v !== undefined) bump(scores, key, v, w);
      };
      const incoming = inc.preferredAffinity.length + inc.preferredAnti.length > 0;
      for (const node of pre.snapshot.nodes) {
        // kube walks every pod when the incoming pod has preferred terms, else PodsWithAffinity.
        for (const p of incoming ? node.pods : affinityPods(node).withAffinity) {
          const ex = termsOf(p.pod);
          for (const t of inc.preferredAffinity) if (termMatches(t, pod.namespace, p)) add(node, t.topologyKey, t.weight);
          for (const t of inc.preferredAnti) if (termMatches(t, pod.namespace, p)) add(node, t.topologyKey, -t.weight);
          for (const t of ex.requiredAffinity) if (termMatches(t, p.namespace, pod)) add(node, t.topologyKey, HARD_POD_AFFINITY_WEIGHT);
          for (const t of ex.preferredAffinity) if (termMatches(t, p.namespace, pod)) add(node, t.topologyKey, t.weight);
          for (const t of ex.preferredAnti) if (termMatches(t, p.namespace, pod)) add(node, t.topologyKey, -t.weight);
        }
      }
      if (scores.size === 0) return skip;
      state.write(affinityScoreKey, scores);
      return null;
    },
    score(state, _pod, node) {
      const scores = state.read(affinityScoreKey)!;
      let total = 0;
      for (const [key, byValue] of scores) {
        const v = node.labels[key];
        if (v !== undefined) total += byValue.get(v) ?? 0;
      }
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      let min = 0;
      let max = 0;
      for (const s of scores) {
        if (s < min) min = s;
        if (s > max) max = s;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_SCORE * (scores[i]! - min)) / diff) : 0;
    },
  } satisfies Plugin;
}

interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly selfMatch: number;
  readonly counts: Map<string, number>;
  min: number;
}

const spreadKey = stateKey<readonly SpreadConstraint[]>('PreFilterPodTopologySpread(bench)');

export function newPodTopologySpreadStandIn(): Plugin {
  const skip = skipStatus(POD_TOPOLOGY_SPREAD);
  const missingLabel = newStatus('UnschedulableAndUnresolvable', ["node(s) didn't match pod topology spread constraints (missing required label)"], POD_TOPOLOGY_SPREAD);
  const skewFail = newStatus('Unschedulable', ["node(s) didn't match pod topology spread constraints"], POD_TOPOLOGY_SPREAD);
  return {
    name: POD_TOPOLOGY_SPREAD,
    preFilter(state, pod, snapshot) {
      const specs = (pod.pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
      if (specs.length === 0) return skip;
      const podLabels = pod.pod.metadata?.labels ?? {};
      const constraints: SpreadConstraint[] = specs.map((c) => {
        const selector = compileSelector(c.labelSelector as LabelSelector | undefined);
        return { maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, selfMatch: matches(selector, podLabels) ? 1 : 0, counts: new Map(), min: 0 };
      });
      const nodeAffinity = requiredNodeAffinityMatcher(pod);
      for (const node of snapshot.nodes) {
        if (!nodeAffinity(node.labels, node.name)) continue;
        if (!constraints.every((c) => node.labels[c.topologyKey] !== undefined)) continue;
        for (const c of constraints) {
          let n = 0;
          for (const p of node.pods) {
            if (p.namespace !== pod.namespace || p.pod.metadata?.deletionTimestamp) continue;
            if (matches(c.selector, p.pod.metadata?.labels ?? {})) n++;
          }
          const v = node.labels[c.topologyKey]!;
          c.counts.set(v, (c.counts.get(v) ?? 0) + n);
        }
      }
      for (const c of constraints) {
        let min = Infinity;
        for (const n of c.counts.values()) if (n < min) min = n;
        c.min = min === Infinity ? 0 : min;
      }
      state.write(spreadKey, constraints);
      return null;
    },
    filter(state, _pod, node) {
      const constraints = state.read(spreadKey)!;
      for (const c of constraints) {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return missingLabel;
        if ((c.counts.get(v) ?? 0) + c.selfMatch - c.min > c.maxSkew) return skewFail;
      }
      return null;
    },
  } satisfies Plugin;
}

export const STAND_INS: Readonly<Record<string, () => Plugin>> = Object.freeze({
  [INTER_POD_AFFINITY]: newInterPodAffinityStandIn,
  [POD_TOPOLOGY_SPREAD]: newPodTopologySpreadStandIn,
});
