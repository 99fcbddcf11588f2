import { tooManyRequests } from '../api/errors.ts';
import { isEverything, isSelectorError, matches, selectorFromLabelSelector, type LabelSelector } from '../api/labels.ts';
import type { ApiStatus, KubeObject } from '../api/protocol.ts';
import { isPodReady } from '../api/pod-ready.ts';
import { timestamp } from '../api/time.ts';

/**
 * The eviction subresource's rules (pkg/registry/core/pod/storage/eviction.go), pure: which pods
 * skip the budget check, which budgets cover a pod, and `checkAndDecrement` — the budget after
 * one more disruption, or the 429 / 403 that refuses it. apiserver-core.ts does the reads and
 * the writes.
 */

/** Upstream's DisruptionBudgetCause. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
/** More evictions than this not yet confirmed by the disruption controller are refused (MaxDisruptedPodSize). */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** Compare-and-swap attempts on the budget before giving up (EvictionsRetry: 20 steps). */
export const EVICTION_RETRIES = 20;

export const MORE_THAN_ONE_BUDGET = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';
export const WOULD_VIOLATE = "Cannot evict pod as it would violate the pod's disruption budget.";

interface PodLike {
  status?: { phase?: string };
}

export interface BudgetLike extends KubeObject {
  spec?: { selector?: LabelSelector | null };
  status?: {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
    conditions?: { type: string; status: string; observedGeneration?: number; lastTransitionTime?: string; reason?: string; message?: string }[];
  };
}

/** `canIgnorePDB`: a terminal, pending or already deleting pod is deleted without asking a budget. */
export function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = (pod as PodLike).status?.phase ?? 'Pending';
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}


/** `getPodDisruptionBudgets`: budgets of the pod's namespace whose selector matches it; an empty or absent selector matches nothing here. */
export function budgetsForPod(pod: KubeObject, budgets: readonly BudgetLike[]): BudgetLike[] {
  const ns = pod.metadata?.namespace;
  return budgets
    .filter((b) => {
      if (b.metadata?.namespace !== ns) return false;
      const selector = selectorFromLabelSelector(b.spec?.selector);
      if (isSelectorError(selector) || isEverything(selector)) return false;
      return matches(selector, pod.metadata?.labels);
    })
    .sort((a, b) => {
      const x = a.metadata?.name ?? '';
      const y = b.metadata?.name ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

/** An unready pod leaves the budget untouched while the healthy pods already suffice. */
export function unreadyPodNeedsNoBudget(pod: KubeObject, budget: BudgetLike): boolean {
  const s = budget.status ?? {};
  return !isPodReady(pod) && (s.currentHealthy ?? 0) >= (s.desiredHealthy ?? 0) && (s.desiredHealthy ?? 0) > 0;
}

/**
 * `checkAndDecrement`: the budget with one disruption fewer and the pod recorded in
 * status.disruptedPods (so the disruption controller does not count it healthy meanwhile), or
 * the refusal.
 */
export function checkAndDecrement(budget: BudgetLike, podName: string, nowMs: number): { budget: BudgetLike } | { refusal: ApiStatus } {
  const name = budget.metadata?.name ?? '';
  const s = budget.status ?? {};
  if ((s.observedGeneration ?? 0) < (budget.metadata?.generation ?? 0)) {
    return { refusal: tooManyRequests(WOULD_VIOLATE, 10, [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${name} is still being processed by the server.` }]) };
  }
  const allowed = s.disruptionsAllowed ?? 0;
  if (allowed < 0) return { refusal: budgetForbidden(name, 'pdb disruptions allowed is negative') };
  if (Object.keys(s.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    return { refusal: budgetForbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller') };
  }
  if (allowed === 0) {
    return {
      refusal: tooManyRequests(WOULD_VIOLATE, 0, [
        { reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${name} needs ${s.desiredHealthy ?? 0} healthy pods and has ${s.currentHealthy ?? 0} currently` },
      ]),
    };
  }
  const status = { ...s, disruptionsAllowed: allowed - 1, disruptedPods: { ...(s.disruptedPods ?? {}), [podName]: timestamp(nowMs) } };
  if (status.disruptionsAllowed === 0) status.conditions = insufficientPods(s.conditions, s.observedGeneration, nowMs);
  return { budget: { ...budget, status } };
}

/** UpdateDisruptionAllowedCondition with no disruption left: False / InsufficientPods. */
function insufficientPods(conditions: NonNullable<BudgetLike['status']>['conditions'], observedGeneration: number | undefined, nowMs: number) {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === 'DisruptionAllowed');
  const prev = i >= 0 ? list[i] : undefined;
  const next = {
    type: 'DisruptionAllowed',
    status: 'False',
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: prev && prev.status === 'False' && prev.lastTransitionTime ? prev.lastTransitionTime : timestamp(nowMs),
    reason: 'InsufficientPods',
    message: '',
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** errors.NewForbidden(policy.Resource("poddisruptionbudget"), name, err). */
function budgetForbidden(name: string, message: string): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: `poddisruptionbudget.policy "${name}" is forbidden: ${message}`, reason: 'Forbidden', code: 403, details: { name, group: 'policy', kind: 'poddisruptionbudget' } };
}
