/**
 * Priority (plugin/pkg/admission/priority/admission.go), mutating for pods and validating for
 * PriorityClasses.
 *
 * Pod CREATE: `priorityClassName` → `spec.priority` and `spec.preemptionPolicy` from the class;
 * without a name, the globalDefault class (the lowest value if several) and its name, else
 * priority 0 and PreemptLowerPriority. An unknown class → 403 `no PriorityClass with name X was
 * found`. A pod that already carries a different priority or preemption policy is refused.
 * Pod UPDATE: a priority or preemption policy the update dropped is restored from the old pod.
 *
 * `system-cluster-critical` (2000000000) and `system-node-critical` (2000001000) are objects the
 * real apiserver creates at start-up; kubesim resolves them even before they are stored, and
 * exports them (SYSTEM_PRIORITY_CLASSES) for the apiserver to bootstrap.
 */
import type { KubeObject } from '../protocol.ts';
import { podSpec, type PodSpec } from './pod.ts';
import {
  admissionForbidden,
  ALLOW,
  byName,
  cloneObject,
  isResource,
  type AdmissionAttributes,
  type AdmissionLookup,
  type AdmissionPlugin,
  type AdmissionResult,
} from './types.ts';

export type PriorityClass = KubeObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string; description?: string };

export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
/** scheduling.HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** scheduling.SystemCriticalPriority. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

/** The system classes (pkg/apis/scheduling/types.go, v1 SystemPriorityClasses()). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = Object.freeze([
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_NODE_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: DEFAULT_PREEMPTION_POLICY,
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_CLUSTER_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: DEFAULT_PREEMPTION_POLICY,
  },
]);

function priorityClass(lookup: AdmissionLookup, name: string): PriorityClass | undefined {
  return (lookup.get('priorityclasses', undefined, name) as PriorityClass | undefined) ?? SYSTEM_PRIORITY_CLASSES.find((c) => c.metadata?.name === name);
}

/** getDefaultPriorityClass: among globalDefault classes, the lowest value (first by name on a tie). */
export function defaultPriorityClass(lookup: AdmissionLookup): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of (lookup.list('priorityclasses') as PriorityClass[]).slice().sort(byName)) {
    if (pc.globalDefault !== true) continue;
    if (best === undefined || (best.value ?? 0) > (pc.value ?? 0)) best = pc;
  }
  return best;
}

function admitPod(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (!attrs.object) return ALLOW;
  if (attrs.operation === 'UPDATE') {
    const now = podSpec(attrs.object);
    const old = podSpec(attrs.oldObject);
    const restorePriority = now.priority === undefined && old.priority !== undefined;
    const restorePolicy = now.preemptionPolicy === undefined && old.preemptionPolicy !== undefined;
    if (!restorePriority && !restorePolicy) return ALLOW;
    const pod = cloneObject(attrs.object);
    const spec = ((pod as { spec?: PodSpec }).spec ??= {});
    if (restorePriority) spec.priority = old.priority!;
    if (restorePolicy) spec.preemptionPolicy = old.preemptionPolicy!;
    return { object: pod };
  }
  if (attrs.operation !== 'CREATE') return ALLOW;

  const requested = podSpec(attrs.object);
  let className = requested.priorityClassName ?? '';
  let priority: number;
  let policy: string | undefined;
  if (className === '') {
    const def = defaultPriorityClass(lookup);
    className = def?.metadata?.name ?? '';
    priority = def ? (def.value ?? 0) : 0;
    policy = def ? (def.preemptionPolicy ?? DEFAULT_PREEMPTION_POLICY) : DEFAULT_PREEMPTION_POLICY;
  } else {
    const pc = priorityClass(lookup, className);
    if (!pc) return { error: admissionForbidden(attrs, `no PriorityClass with name ${className} was found`) };
    priority = pc.value ?? 0;
    policy = pc.preemptionPolicy ?? DEFAULT_PREEMPTION_POLICY;
  }
  if (requested.priority !== undefined && requested.priority !== priority) {
    return {
      error: admissionForbidden(
        attrs,
        `the integer value of priority (${requested.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      ),
    };
  }
  if (requested.preemptionPolicy !== undefined && requested.preemptionPolicy !== policy) {
    return {
      error: admissionForbidden(
        attrs,
        `the string value of PreemptionPolicy (${requested.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
      ),
    };
  }
  const pod = cloneObject(attrs.object);
  const spec = ((pod as { spec?: PodSpec }).spec ??= {});
  if (className !== '') spec.priorityClassName = className;
  spec.priority = priority;
  spec.preemptionPolicy = policy;
  return { object: pod };
}

export function admitPriority(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (attrs.subresource) return ALLOW;
  if (isResource(attrs, 'pods')) return admitPod(attrs, lookup);
  return ALLOW;
}

/** PriorityClass CREATE/UPDATE: at most one globalDefault class. */
export function validatePriority(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (attrs.subresource || !isResource(attrs, 'priorityclasses', 'scheduling.k8s.io')) return ALLOW;
  if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return ALLOW;
  const pc = attrs.object as PriorityClass | undefined;
  if (pc?.globalDefault !== true) return ALLOW;
  const existing = defaultPriorityClass(lookup);
  if (!existing) return ALLOW;
  const existingName = existing.metadata?.name ?? '';
  if (attrs.operation === 'CREATE' || existingName !== (pc.metadata?.name ?? '')) {
    return { error: admissionForbidden(attrs, `PriorityClass ${existingName} is already marked as default. Only one default can exist`) };
  }
  return ALLOW;
}

export const Priority: AdmissionPlugin = {
  name: 'Priority',
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  admit: admitPriority,
  validate: validatePriority,
};
