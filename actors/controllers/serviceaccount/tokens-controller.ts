import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { SECRETS, SERVICE_ACCOUNTS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { keysInNamespace } from '../host/workload.ts';
import { decideTokenSecret, isServiceAccountToken, SERVICE_ACCOUNT_NAME_KEY } from './tokens.ts';

/**
 * The token controller (pkg/controller/serviceaccount/tokens_controller.go): its queue holds
 * Secret keys. A token Secret is queued when it is added or changes, and every token Secret of a
 * ServiceAccount when the account is added or deleted; the sync fills the Secret (an update with
 * its resourceVersion: a conflict is retried) or deletes it (see tokens.ts). One worker.
 */

type Ctx = ControllerContext<null>;

function enqueueTokensOf(sa: KubeObject, ctx: Ctx): void {
  const secrets = ctx.cache(SECRETS);
  for (const key of keysInNamespace(secrets.keys(), sa.metadata?.namespace ?? 'default')) {
    const secret = secrets.get(key)!;
    if (isServiceAccountToken(secret) && secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY] === sa.metadata?.name) ctx.enqueue(key);
  }
}

export function syncTokenSecret(key: string, ctx: Ctx): Action<null>[] {
  const secret = ctx.cache(SECRETS).get(key);
  if (!secret) return [];
  const ns = secret.metadata?.namespace ?? 'default';
  const saName = secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY] ?? '';
  const cached = ctx.cache(SERVICE_ACCOUNTS).get(`${ns}/${saName}`);
  if (cached) return act(secret, key, cached);
  // getServiceAccount(…, fetchOnCacheMiss): the account may be newer than the cache.
  return [
    {
      kind: 'write',
      request: { verb: 'get', apiVersion: 'v1', resource: 'serviceaccounts', namespace: ns, name: saName },
      tolerate: [404],
      onResult: (r) => (r.code === 200 ? act(secret, key, r.body as KubeObject) : r.code === 404 ? act(secret, key, undefined) : []),
    },
  ];
}

function act(secret: KubeObject, key: string, serviceAccount: KubeObject | undefined): Action<null>[] {
  const ns = secret.metadata?.namespace ?? 'default';
  const name = secret.metadata?.name ?? '';
  const saName = secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY] ?? '';
  const decision = decideTokenSecret(secret, serviceAccount);
  switch (decision.kind) {
    case 'none':
      return [];
    case 'delete':
      return [{ kind: 'write', request: { verb: 'delete', apiVersion: 'v1', resource: 'secrets', namespace: ns, name }, tolerate: [404], traces: [{ action: 'token-deleted', object: `secret/${key}`, detail: decision.reason }] }];
    case 'update':
      return [
        {
          kind: 'write',
          request: { verb: 'update', apiVersion: 'v1', resource: 'secrets', namespace: ns, name, body: decision.secret },
          tolerate: [404],
          traces: [{ action: 'token-generated', object: `secret/${key}`, detail: `token of service account ${ns}/${saName}` }],
        },
      ];
  }
}

export const tokensController = defineController<null>({
  name: 'serviceaccount-token',
  reporter: 'serviceaccount-token-controller',
  informers: [SERVICE_ACCOUNTS, SECRETS],
  handlers: [
    {
      informer: SECRETS,
      onAdd: (secret, ctx) => {
        if (isServiceAccountToken(secret)) ctx.enqueue(objectKey(secret));
      },
      onUpdate: (_old, secret, ctx) => {
        if (isServiceAccountToken(secret)) ctx.enqueue(objectKey(secret));
      },
    },
    { informer: SERVICE_ACCOUNTS, onAdd: enqueueTokensOf, onDelete: enqueueTokensOf },
  ],
  queues: [{ workers: 1, sync: syncTokenSecret }],
  newState: () => null,
});
