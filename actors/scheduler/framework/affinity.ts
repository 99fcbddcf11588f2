/**
 * A pod's inter-pod affinity terms, parsed once per pod (kube `framework.PodInfo`
 * RequiredAffinityTerms / RequiredAntiAffinityTerms / PreferredAffinityTerms /
 * PreferredAntiAffinityTerms and `AffinityTerm`).
 *
 * - `namespaces`: the term's `namespaces`; when that list is empty and `namespaceSelector` is
 *   nil, the pod's own namespace (`GetNamespacesFromPodAffinityTerm`).
 * - `selector` and `namespaceSelector` follow `LabelSelectorAsSelector`: nil selects nothing,
 *   `{}` selects everything.
 * - A term matches a pod when the pod's namespace is listed or its namespace's labels match the
 *   namespaceSelector, and the pod's labels match the selector (`AffinityTerm.Matches`).
 *
 * `matchLabelKeys` / `mismatchLabelKeys` are not read here: since v1.31 the apiserver merges
 * them into `labelSelector` when the pod is created, and kube-scheduler does the same (it only
 * reads labelSelector).
 */
import type { V1Pod, V1PodAffinityTerm, V1WeightedPodAffinityTerm } from '@kubernetes/client-node';
import { compileLabelSelector, SELECT_NOTHING, selectorKey, type CompiledSelector, type Labels } from './label-selector.ts';

export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly selector: CompiledSelector;
  readonly topologyKey: string;
  readonly namespaceSelector: CompiledSelector;
  /** Canonical text of the term: equal terms (of different pods) have equal keys. */
  readonly key: string;
}

/** The canonical key of a term's content (namespaces sorted; selectors in their sorted requirement form). */
export function affinityTermKey(namespaces: ReadonlySet<string>, selector: CompiledSelector, topologyKey: string, namespaceSelector: CompiledSelector): string {
  return `${topologyKey}\u0000${[...namespaces].sort().join(',')}\u0000${selectorKey(namespaceSelector)}\u0000${selectorKey(selector)}`;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodAffinityInfo {
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** kube `podWithAffinity`: `spec.affinity.podAffinity` or `podAntiAffinity` is set. */
  readonly hasAffinity: boolean;
  /** kube `podWithRequiredAntiAffinity`: at least one required anti-affinity term. */
  readonly hasRequiredAntiAffinity: boolean;
  /** Set when a selector is invalid (kube `NewPodInfo` fails: PreFilter answers `parsing pod: ...`). */
  readonly error?: string;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** The terms of a pod without pod (anti-)affinity: shared, allocation-free. */
export const NO_POD_AFFINITY: PodAffinityInfo = Object.freeze({
  requiredAffinityTerms: EMPTY,
  requiredAntiAffinityTerms: EMPTY,
  preferredAffinityTerms: EMPTY,
  preferredAntiAffinityTerms: EMPTY,
  hasAffinity: false,
  hasRequiredAntiAffinity: false,
});

/** `AffinityTerm.Matches`: namespace (listed or selected by `nsLabels`) and labels. */
export function affinityTermMatches(term: AffinityTerm, namespace: string, labels: Labels, nsLabels: Labels): boolean {
  if (term.namespaces.has(namespace) || term.namespaceSelector.matches(nsLabels)) return term.selector.matches(labels);
  return false;
}

function newAffinityTerm(podNamespace: string, term: V1PodAffinityTerm, errors: string[]): AffinityTerm {
  const selector = compileLabelSelector(term.labelSelector);
  const nsSelector = compileLabelSelector(term.namespaceSelector);
  if ('error' in selector) errors.push(selector.error);
  if ('error' in nsSelector) errors.push(nsSelector.error);
  const listed = term.namespaces ?? [];
  const namespaces = listed.length === 0 && term.namespaceSelector == null ? new Set([podNamespace]) : new Set(listed);
  // An invalid selector matches nothing (the pod is rejected at PreFilter anyway).
  const sel = 'error' in selector ? SELECT_NOTHING : selector;
  const nsSel = 'error' in nsSelector ? SELECT_NOTHING : nsSelector;
  const topologyKey = term.topologyKey ?? '';
  return Object.freeze({ namespaces, selector: sel, topologyKey, namespaceSelector: nsSel, key: affinityTermKey(namespaces, sel, topologyKey, nsSel) });
}

function terms(ns: string, list: readonly V1PodAffinityTerm[] | undefined, errors: string[]): readonly AffinityTerm[] {
  if (!list || list.length === 0) return EMPTY;
  return Object.freeze(list.map((t) => newAffinityTerm(ns, t, errors)));
}

function weighted(ns: string, list: readonly V1WeightedPodAffinityTerm[] | undefined, errors: string[]): readonly WeightedAffinityTerm[] {
  if (!list || list.length === 0) return EMPTY;
  return Object.freeze(list.map((t) => Object.freeze({ ...newAffinityTerm(ns, t.podAffinityTerm, errors), weight: t.weight ?? 0 })));
}

/** kube `NewPodInfo`'s affinity part. */
export function parsePodAffinity(pod: V1Pod): PodAffinityInfo {
  const a = pod.spec?.affinity;
  const pa = a?.podAffinity;
  const anti = a?.podAntiAffinity;
  if (!pa && !anti) return NO_POD_AFFINITY;
  const ns = pod.metadata?.namespace ?? 'default';
  const errors: string[] = [];
  const info: PodAffinityInfo = {
    requiredAffinityTerms: terms(ns, pa?.requiredDuringSchedulingIgnoredDuringExecution, errors),
    requiredAntiAffinityTerms: terms(ns, anti?.requiredDuringSchedulingIgnoredDuringExecution, errors),
    preferredAffinityTerms: weighted(ns, pa?.preferredDuringSchedulingIgnoredDuringExecution, errors),
    preferredAntiAffinityTerms: weighted(ns, anti?.preferredDuringSchedulingIgnoredDuringExecution, errors),
    hasAffinity: true,
    hasRequiredAntiAffinity: (anti?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0,
    ...(errors.length > 0 ? { error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` } : {}),
  };
  return Object.freeze(info);
}
