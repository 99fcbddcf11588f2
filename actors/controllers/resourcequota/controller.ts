import type { KubeObject } from '../../api/protocol.ts';
import type { ResourceQuotaObject } from '../../api/admission/resource-quota.ts';
import { defineController, type Action, type ControllerContext, type EventHandler } from '../host/types.ts';
import { WATCHED, WATCHED_SPECS, type WatchedResource } from '../garbagecollector/resources.ts';
import { computeQuotaStatus, sameStatus } from './resourcequota.ts';

/**
 * The resource quota controller (pkg/controller/resourcequota, --concurrent-resource-quota-syncs 5,
 * --resource-quota-sync-period 5m): its queue holds quotas (`namespace/name`). A quota added or
 * whose spec changed is recalculated at once; the namespace's quotas are recalculated when usage
 * is given back (replenishment: a pod deleted, turned terminal or marked for deletion, any
 * counted object deleted) and every 5 minutes. Creations are charged by the admission plugin,
 * which writes status.used itself. The status write carries the quota's resourceVersion: a
 * conflict (admission charged meanwhile) retries from the fresh cache.
 */
type S = null;

const QUOTAS = WATCHED.find((w) => w.info.resource === 'resourcequotas')!;
const PODS_W = WATCHED.find((w) => w.info.resource === 'pods' && w.info.group === '')!;
const RESYNC_MS = 300_000;

function inNamespace(ctx: ControllerContext<S>, w: WatchedResource, ns: string): KubeObject[] {
  const cache = ctx.cache(w.spec);
  const out: KubeObject[] = [];
  for (const key of cache.keys()) {
    if (!key.startsWith(`${ns}/`)) continue;
    const obj = cache.get(key);
    if (obj) out.push(obj);
  }
  return out;
}

export function syncQuota(key: string, ctx: ControllerContext<S>): Action<S>[] {
  const quota = ctx.cache(QUOTAS.spec).get(key) as ResourceQuotaObject | undefined;
  if (!quota || quota.metadata?.deletionTimestamp) return [];
  const ns = quota.metadata?.namespace ?? '';
  const status = computeQuotaStatus(quota, (w) => inNamespace(ctx, w === 'pods' ? PODS_W : w, ns), ctx.nowMs);
  if (!status || sameStatus(quota, status)) return [];
  return [
    {
      kind: 'write',
      request: { verb: 'update', apiVersion: 'v1', resource: 'resourcequotas', namespace: ns, name: quota.metadata?.name ?? '', subresource: 'status', body: { ...quota, status } },
      tolerate: [404],
      traces: [{ action: 'updated', object: `resourcequota/${key}`, detail: `status.used ${Object.entries(status.used).map(([k, v]) => `${k}=${v}`).join(',')}` }],
    },
  ];
}

function enqueueQuotasOf(ns: string | undefined, ctx: ControllerContext<S>): void {
  if (!ns) return;
  for (const key of ctx.cache(QUOTAS.spec).keys()) if (key.startsWith(`${ns}/`)) ctx.enqueue(key);
}

function terminal(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

const quotaKey = (q: KubeObject): string => `${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`;

const handlers: EventHandler<S>[] = [
  {
    informer: QUOTAS.spec,
    onAdd: (q, ctx) => ctx.enqueue(quotaKey(q)),
    onUpdate: (old, q, ctx) => {
      if (JSON.stringify(old.spec) !== JSON.stringify(q.spec) || q.status === undefined) ctx.enqueue(quotaKey(q));
    },
  },
  {
    informer: PODS_W.spec,
    onUpdate: (old, pod, ctx) => {
      if ((terminal(pod) && !terminal(old)) || (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp)) enqueueQuotasOf(pod.metadata?.namespace, ctx);
    },
    onDelete: (pod, ctx) => enqueueQuotasOf(pod.metadata?.namespace, ctx),
  },
  ...WATCHED.filter((w) => w.info.namespaced && w !== PODS_W && w !== QUOTAS).map((w) => ({
    informer: w.spec,
    onDelete: (obj: KubeObject, ctx: ControllerContext<S>) => enqueueQuotasOf(obj.metadata?.namespace, ctx),
  })),
];

export const resourceQuotaController = defineController<S>({
  name: 'resourcequota',
  reporter: 'resourcequota-controller',
  informers: WATCHED_SPECS,
  handlers,
  queues: [{ workers: 5, sync: syncQuota }],
  periodic: [
    {
      name: 'resync',
      periodMs: () => RESYNC_MS,
      run: (ctx) => {
        for (const key of ctx.cache(QUOTAS.spec).keys()) ctx.enqueue(key);
        return [];
      },
    },
  ],
  newState: (): S => null,
});
