import type { KubeObject } from '../../api/protocol.ts';

/**
 * The namespace deleter's status conditions (pkg/controller/namespace/deletion/
 * status_condition_utils.go): every pass sets all five, True with what is wrong or False with the
 * all-clear text.
 */

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface ContentSummary {
  /** `<resource>.<group>` ("pods.", "deployments.apps") → objects left. */
  remaining: Map<string, number>;
  /** finalizer → objects left that carry it. */
  finalizers: Map<string, number>;
  /** Deletes that failed in the last pass (GroupResource → message). */
  failures: string[];
}

export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

function sortedEntries(m: Map<string, number>): [string, number][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The conditions one pass of the deleter reports. */
export function namespaceConditions(summary: ContentSummary): Omit<NamespaceCondition, 'lastTransitionTime'>[] {
  const remaining = sortedEntries(summary.remaining).filter(([, n]) => n > 0);
  const finalizers = sortedEntries(summary.finalizers).filter(([, n]) => n > 0);
  return [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    summary.failures.length > 0
      ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${summary.failures.length} remaining: ${summary.failures.join(', ')}` }
      : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    remaining.length > 0
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.map(([gr, n]) => `${gr} has ${n} resource instances`).join(', ')}` }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    finalizers.length > 0
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}` }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  ];
}

/** Merges a pass's conditions into the stored ones; lastTransitionTime moves only on a status change. */
export function mergeConditions(current: readonly NamespaceCondition[], next: readonly Omit<NamespaceCondition, 'lastTransitionTime'>[], now: string): NamespaceCondition[] {
  const out = current.filter((c) => !(CONDITION_TYPES as readonly string[]).includes(c.type));
  for (const c of next) {
    const old = current.find((o) => o.type === c.type);
    out.push({ ...c, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? now) : now });
  }
  return out;
}

export function sameConditions(a: readonly NamespaceCondition[], b: readonly NamespaceCondition[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function namespaceSpecFinalizers(ns: KubeObject): string[] {
  const f = (ns.spec as { finalizers?: unknown } | undefined)?.finalizers;
  return Array.isArray(f) ? (f as string[]) : [];
}
