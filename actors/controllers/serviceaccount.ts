import type { KubeObject } from '../api/protocol.ts';
import type { Delta } from '../client/informer.ts';

/**
 * The serviceaccount controller (pkg/controller/serviceaccount/serviceaccounts_controller.go):
 * every Active namespace has the service accounts to ensure (`default`). Its work queue holds
 * namespace names: a namespace added or updated is queued, and so is the namespace of a deleted
 * service account, so a deleted `default` comes back. `syncNamespace` creates what is missing;
 * AlreadyExists counts as done.
 */

export const SERVICE_ACCOUNTS_TO_ENSURE: readonly string[] = Object.freeze(['default']);

/** syncNamespace: the service accounts to create in `namespace` (none unless it is Active). */
export function reconcileServiceAccounts(
  namespace: KubeObject | undefined,
  exists: (name: string) => boolean,
  ensure: readonly string[] = SERVICE_ACCOUNTS_TO_ENSURE,
): KubeObject[] {
  if (!namespace) return [];
  const phase = (namespace.status as { phase?: string } | undefined)?.phase;
  if (phase !== 'Active') return [];
  const ns = namespace.metadata?.name ?? '';
  return ensure.filter((name) => !exists(name)).map((name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } }));
}

/** The namespaces to queue for these namespace deltas (added, updated). */
export function namespaceKeys(deltas: readonly Delta[]): string[] {
  return deltas.filter((d) => d.type !== 'deleted').map((d) => d.object.metadata?.name ?? '');
}

/** The namespaces to queue for these service account deltas (a deleted one to ensure). */
export function serviceAccountKeys(deltas: readonly Delta[], ensure: readonly string[] = SERVICE_ACCOUNTS_TO_ENSURE): string[] {
  return deltas.filter((d) => d.type === 'deleted' && ensure.includes(d.object.metadata?.name ?? '')).map((d) => d.object.metadata?.namespace ?? '');
}
