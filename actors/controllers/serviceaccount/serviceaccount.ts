import type { KubeObject } from '../../api/protocol.ts';

/**
 * The serviceaccount controller's decision (pkg/controller/serviceaccount/serviceaccounts_controller.go,
 * `syncNamespace`): every Active namespace has the service accounts to ensure (`default`).
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
