/**
 * NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity).
 *
 * PreFilter: Skip when the pod has no `nodeSelector`, no required node affinity and the profile
 * adds none. When every required term pins `metadata.name In [...]`, the search is narrowed to
 * those nodes (DaemonSet pods), as kube's PreFilterResult; terms that pin disjoint names give
 * `pod affinity terms conflict`.
 * Filter: `nodeSelector` (every label equal) AND required terms (ORed) must match, else
 * UnschedulableAndUnresolvable `node(s) didn't match Pod's node affinity/selector`. A
 * profile-level `addedAffinity` (NodeAffinityArgs) is checked first and fails with
 * `node(s) didn't match scheduler-enforced node affinity`.
 * Score: Σ weights of the preferred terms the node matches (added ones too), normalized by the
 * maximum (`DefaultNormalizeScore(100, false)`). PreScore skips pods with no preferred terms.
 */
import type { V1NodeAffinity, V1PreferredSchedulingTerm } from '@kubernetes/client-node';
import { stateKey, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import { defaultNormalizeScore } from '../framework/normalize.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { skipStatus, unresolvable } from '../framework/status.ts';
import { compileNodeSelectorMap, compileNodeSelectorTerm, compileNodeSelectorTerms, isEmptyNodeSelectorTerm, type NodeMatcher } from './helper/node-selector.ts';

export const Name = 'NodeAffinity';
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const ErrReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
export const ErrReasonConflict = 'pod affinity terms conflict';

export interface NodeAffinityArgs {
  /** KubeSchedulerConfiguration `NodeAffinityArgs.addedAffinity`: applied to every pod of the profile. */
  readonly addedAffinity?: V1NodeAffinity;
}

interface WeightedMatcher {
  readonly weight: number;
  readonly match: NodeMatcher;
}

const requiredKey = stateKey<NodeMatcher>('PreFilterNodeAffinity');
const preferredKey = stateKey<readonly WeightedMatcher[]>('PreScoreNodeAffinity');

/** Preferred terms as (weight, matcher); zero-weight and empty terms are dropped, as kube does. */
export function compilePreferredTerms(terms: readonly V1PreferredSchedulingTerm[] | undefined): WeightedMatcher[] {
  const out: WeightedMatcher[] = [];
  for (const t of terms ?? []) {
    if (!t.weight || isEmptyNodeSelectorTerm(t.preference)) continue;
    out.push({ weight: t.weight, match: compileNodeSelectorTerm(t.preference) });
  }
  return out;
}

/** `nodeaffinity.GetRequiredNodeAffinity(pod)` as one matcher: nodeSelector AND required terms. */
export function requiredNodeAffinityMatcher(pod: PodInfo): NodeMatcher {
  const selector = pod.pod.spec?.nodeSelector;
  const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const bySelector = selector ? compileNodeSelectorMap(selector) : undefined;
  const byTerms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms ?? []) : undefined;
  if (bySelector && byTerms) return (labels, name) => bySelector(labels, name) && byTerms(labels, name);
  return bySelector ?? byTerms ?? (() => true);
}

/** The node names every required term pins with `metadata.name In`, or null when some term does not. */
function pinnedNodeNames(pod: PodInfo): Set<string> | null {
  const terms = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return null;
  let union: Set<string> | null = null;
  for (const t of terms) {
    let termNames: Set<string> | null = null;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const values: readonly string[] = r.values ?? [];
      if (termNames === null) termNames = new Set(values);
      else {
        const keep = new Set(values);
        for (const n of [...termNames]) if (!keep.has(n)) termNames.delete(n);
      }
    }
    // A term without a metadata.name pin admits every node: the terms are ORed.
    if (termNames === null) return null;
    union ??= new Set();
    for (const n of termNames) union.add(n);
  }
  return union;
}

export function newNodeAffinity(args: NodeAffinityArgs = {}): Plugin {
  const addedRequired = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const addedMatcher = addedRequired ? compileNodeSelectorTerms(addedRequired.nodeSelectorTerms ?? []) : undefined;
  const addedPreferred = compilePreferredTerms(args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  const enforced = unresolvable(Name, ErrReasonEnforced);
  const mismatch = unresolvable(Name, ErrReasonPod);
  const conflict = unresolvable(Name, ErrReasonConflict);
  const skip = skipStatus(Name);
  let lastState: CycleState | undefined;
  let lastPreferred: readonly WeightedMatcher[] = [];

  return {
    name: Name,
    preFilter(state, pod) {
      const spec = pod.pod.spec;
      const hasRequired = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution != null;
      if (!hasRequired && !addedMatcher && spec?.nodeSelector == null) return skip;
      state.write(requiredKey, requiredNodeAffinityMatcher(pod));
      const pinned = pinnedNodeNames(pod);
      if (pinned === null) return null;
      if (pinned.size === 0) return conflict;
      return { nodeNames: pinned };
    },
    filter(state, pod, node) {
      if (addedMatcher && !addedMatcher(node.labels, node.name)) return enforced;
      const required = state.read(requiredKey) ?? requiredNodeAffinityMatcher(pod);
      return required(node.labels, node.name) ? null : mismatch;
    },
    preScore(state, pod) {
      const preferred = compilePreferredTerms(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
      if (preferred.length === 0 && addedPreferred.length === 0) return skip;
      state.write(preferredKey, preferred);
      return null;
    },
    score(state, _pod, node) {
      if (state !== lastState) {
        lastState = state;
        lastPreferred = state.read(preferredKey) ?? [];
      }
      let count = 0;
      for (const t of addedPreferred) if (t.match(node.labels, node.name)) count += t.weight;
      for (const t of lastPreferred) if (t.match(node.labels, node.name)) count += t.weight;
      return count;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    },
  } satisfies Plugin;
}
