import { timestamp } from '../../api/time.ts';
import type { KubeObject } from '../../api/protocol.ts';
import { defineController, type Action, type ControllerContext, type EventHandler } from '../host/types.ts';
import { WATCHED, WATCHED_SPECS, type WatchedResource } from '../garbagecollector/resources.ts';
import { mergeConditions, namespaceConditions, namespaceSpecFinalizers, sameConditions, type ContentSummary, type NamespaceCondition } from './deleter.ts';

/**
 * The namespace controller (pkg/controller/namespace, --concurrent-namespace-syncs 10): its queue
 * holds namespace names. For a namespace with a deletionTimestamp and the `kubernetes` finalizer
 * in spec.finalizers it deletes every object of every served namespaced resource in it
 * (propagationPolicy Background, as the deleter's deletecollection; pods get their graceful
 * deletion and their kubelets finish them), reports the five NamespaceDeletion* /
 * Namespace*Remaining conditions, and once nothing is left removes its finalizer through
 * namespaces/finalize — the apiserver then deletes the namespace.
 */
type S = null;

const FINALIZER_KUBERNETES = 'kubernetes';
/** How often a namespace with content left is looked at again, besides its objects' deletions. */
const RECHECK_MS = 5_000;

const NS_W = WATCHED.find((w) => w.info.resource === 'namespaces' && w.info.group === '')!;
const NAMESPACED = WATCHED.filter((w) => w.info.namespaced);

/** How the deleter names a resource in its conditions: `pods.` (core group), `deployments.apps`. */
function groupResource(w: WatchedResource): string {
  return `${w.info.resource}.${w.info.group}`;
}

/** Whether the deleter's delete leaves the object in place for a while (a bound pod's grace, finalizers). */
function staysAfterDelete(w: WatchedResource, obj: KubeObject): boolean {
  if ((obj.metadata?.finalizers?.length ?? 0) > 0) return true;
  if (w.info.resource !== 'pods') return false;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  return Boolean((obj.spec as { nodeName?: string } | undefined)?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

export function syncNamespace(name: string, ctx: ControllerContext<S>): Action<S>[] {
  const ns = ctx.cache(NS_W.spec).get(name);
  if (!ns?.metadata?.deletionTimestamp) return [];
  const specFinalizers = namespaceSpecFinalizers(ns);
  if (!specFinalizers.includes(FINALIZER_KUBERNETES)) return [];
  const summary: ContentSummary = { remaining: new Map(), finalizers: new Map(), failures: [] };
  const deletes: Action<S>[] = [];
  let present = 0;
  for (const w of NAMESPACED) {
    const cache = ctx.cache(w.spec);
    for (const key of cache.keys()) {
      if (!key.startsWith(`${name}/`)) continue;
      const obj = cache.get(key);
      if (!obj) continue;
      present++;
      const deleting = obj.metadata?.deletionTimestamp !== undefined;
      if (deleting || staysAfterDelete(w, obj)) {
        summary.remaining.set(groupResource(w), (summary.remaining.get(groupResource(w)) ?? 0) + 1);
        for (const f of obj.metadata?.finalizers ?? []) summary.finalizers.set(f, (summary.finalizers.get(f) ?? 0) + 1);
      }
      if (deleting) continue;
      deletes.push({
        kind: 'write',
        request: { verb: 'delete', apiVersion: w.spec.apiVersion, resource: w.info.resource, namespace: name, name: obj.metadata?.name ?? '', options: { propagationPolicy: 'Background' } },
        tolerate: [404, 409],
        traces: [{ action: 'deleted', object: `${w.info.kind.toLowerCase()}/${key}`, detail: `namespace ${name} is being deleted` }],
      });
    }
  }
  const actions: Action<S>[] = [];
  const status = (ns.status ?? {}) as { conditions?: NamespaceCondition[] };
  const conditions = mergeConditions(status.conditions ?? [], namespaceConditions(summary), timestamp(ctx.nowMs));
  if (!sameConditions(conditions, status.conditions ?? [])) {
    const { resourceVersion: _rv, ...meta } = ns.metadata;
    void _rv;
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'v1', resource: 'namespaces', name, subresource: 'status', body: { ...ns, metadata: meta, status: { ...status, conditions } } },
      tolerate: [404, 409],
    });
  }
  actions.push(...deletes);
  if (present === 0) {
    actions.push({
      kind: 'write',
      request: {
        verb: 'update',
        apiVersion: 'v1',
        resource: 'namespaces',
        name,
        subresource: 'finalize',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: specFinalizers.filter((f) => f !== FINALIZER_KUBERNETES) } },
      },
      tolerate: [404, 409],
      traces: [{ action: 'finalized', object: `namespace/${name}`, detail: 'all content removed: the kubernetes finalizer is removed' }],
    });
  } else {
    ctx.enqueueAfter(name, RECHECK_MS);
  }
  return actions;
}

function terminating(ctx: ControllerContext<S>, namespace: string | undefined): boolean {
  return namespace !== undefined && ctx.cache(NS_W.spec).get(namespace)?.metadata?.deletionTimestamp !== undefined;
}

function contentHandler(w: WatchedResource): EventHandler<S> {
  const poke = (obj: KubeObject, ctx: ControllerContext<S>): void => {
    const ns = obj.metadata?.namespace;
    if (terminating(ctx, ns)) ctx.enqueue(ns!);
  };
  return { informer: w.spec, onUpdate: (_old, obj, ctx) => poke(obj, ctx), onDelete: poke };
}

export const namespaceController = defineController<S>({
  name: 'namespace',
  reporter: 'namespace-controller',
  informers: WATCHED_SPECS,
  handlers: [
    {
      informer: NS_W.spec,
      onAdd: (ns: KubeObject, ctx: ControllerContext<S>) => {
        if (ns.metadata?.deletionTimestamp) ctx.enqueue(ns.metadata.name ?? '');
      },
      onUpdate: (_old: KubeObject, ns: KubeObject, ctx: ControllerContext<S>) => {
        if (ns.metadata?.deletionTimestamp) ctx.enqueue(ns.metadata.name ?? '');
      },
    },
    ...NAMESPACED.map(contentHandler),
  ],
  queues: [{ workers: 10, sync: syncNamespace }],
  newState: (): S => null,
});
