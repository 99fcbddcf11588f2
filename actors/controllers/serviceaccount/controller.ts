import { defineController } from '../host/types.ts';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../host/resources.ts';
import { reconcileServiceAccounts, SERVICE_ACCOUNTS_TO_ENSURE } from './serviceaccount.ts';

/**
 * The serviceaccount controller: its queue holds namespace names. A namespace added or updated is
 * queued, and so is the namespace of a deleted service account it ensures, so a deleted `default`
 * comes back. The sync creates what is missing; AlreadyExists (someone made it) and Forbidden
 * (the namespace is terminating) count as done. One worker (upstream runs it with 1).
 */
export const serviceAccountController = defineController<null>({
  name: 'serviceaccount',
  reporter: 'service-account-controller',
  informers: [NAMESPACES, SERVICE_ACCOUNTS],
  handlers: [
    {
      informer: NAMESPACES,
      onAdd: (ns, ctx) => ctx.enqueue(ns.metadata?.name ?? ''),
      onUpdate: (_old, ns, ctx) => ctx.enqueue(ns.metadata?.name ?? ''),
    },
    {
      informer: SERVICE_ACCOUNTS,
      onDelete: (sa, ctx) => {
        if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata?.name ?? '')) ctx.enqueue(sa.metadata?.namespace ?? '');
      },
    },
  ],
  queues: [
    {
      workers: 1,
      sync: (namespace, ctx) => {
        const accounts = ctx.cache(SERVICE_ACCOUNTS);
        return reconcileServiceAccounts(ctx.cache(NAMESPACES).get(namespace), (name) => accounts.has(`${namespace}/${name}`)).map((sa) => {
          const name = sa.metadata?.name ?? '';
          return {
            kind: 'write' as const,
            request: { verb: 'create' as const, apiVersion: 'v1', resource: 'serviceaccounts', namespace, body: sa },
            tolerate: [409, 403],
            traces: [{ action: 'created', object: `serviceaccount/${namespace}/${name}`, detail: `namespace ${namespace} had no ${name} service account` }],
          };
        });
      },
    },
  ],
  newState: () => null,
});
