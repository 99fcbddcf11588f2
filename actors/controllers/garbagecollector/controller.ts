import type { KubeObject } from '../../api/protocol.ts';
import { defineController, type Action, type ControllerContext, type EventHandler } from '../host/types.ts';
import { classifyOwner, dependentsOf, describe, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, hasFinalizer, objKeyOf, ownerItemKey, type Caches, type Item } from './garbagecollector.ts';
import { itemKey, parseItemKey, WATCHED, WATCHED_SPECS, watchedFor, type WatchedResource } from './resources.ts';

/**
 * The garbage collector (kube-controller-manager `garbagecollector`, 20 workers): its queue holds
 * objects (`<group>|<resource>|<namespace/name>`) to look at.
 *
 * - An object whose owners are all gone (by uid; confirmed with a live GET as upstream's
 *   isDangling) is deleted — Background, or as its own gc finalizers say; one with a solid owner
 *   and a dangling one loses the dangling reference.
 * - An owner being deleted with `foregroundDeletion` has its dependents deleted (Foreground when
 *   they have dependents themselves); once none with `blockOwnerDeletion` is left the finalizer
 *   is removed, and the apiserver deletes the owner.
 * - An owner being deleted with `orphan` has its reference removed from every dependent, then the
 *   finalizer.
 */
type S = null;

function requestFor(w: WatchedResource, obj: KubeObject) {
  const ns = obj.metadata?.namespace;
  return { apiVersion: w.spec.apiVersion, resource: w.info.resource, ...(ns ? { namespace: ns } : {}), name: obj.metadata?.name ?? '' };
}

function deleteAction(item: Item, policy: 'Background' | 'Foreground' | 'Orphan', detail: string): Action<S> {
  return {
    kind: 'write',
    request: { verb: 'delete', ...requestFor(item.w, item.obj), options: { propagationPolicy: policy } },
    tolerate: [404, 409],
    traces: [{ action: 'deleted', object: describe(item), detail: `${detail} (propagationPolicy ${policy})` }],
  };
}

function patchAction(item: Item, body: Record<string, unknown>, action: string, detail: string): Action<S> {
  return {
    kind: 'write',
    request: { verb: 'patch', ...requestFor(item.w, item.obj), body: body as KubeObject },
    tolerate: [404, 409],
    traces: [{ action, object: describe(item), detail }],
  };
}

function removeFinalizer(item: Item, finalizer: string, detail: string): Action<S> {
  const rest = (item.obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  return patchAction(item, { metadata: { finalizers: rest, resourceVersion: item.obj.metadata?.resourceVersion } }, 'finalized', `${finalizer} removed: ${detail}`);
}

function cachesOf(ctx: ControllerContext<S>): Caches {
  return (w) => ctx.cache(w.spec);
}

/** processDeletingDependentsItem. */
function syncForeground(owner: Item, caches: Caches): Action<S>[] {
  const uid = owner.obj.metadata?.uid;
  const deps = dependentsOf(owner.obj, caches);
  const actions: Action<S>[] = [];
  for (const d of deps) {
    if (d.obj.metadata?.deletionTimestamp) continue;
    const policy = dependentsOf(d.obj, caches).length > 0 ? 'Foreground' : 'Background';
    actions.push(deleteAction(d, policy, `its owner ${describe(owner)} is being deleted in the foreground`));
  }
  const blocking = deps.filter((d) => (d.obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
  if (blocking.length === 0) actions.push(removeFinalizer(owner, FINALIZER_FOREGROUND, 'no dependent blocks the deletion any more'));
  return actions;
}

/** orphanDependents, then the finalizer. */
function syncOrphan(owner: Item, caches: Caches): Action<S>[] {
  const uid = owner.obj.metadata?.uid;
  const deps = dependentsOf(owner.obj, caches);
  if (deps.length === 0) return [removeFinalizer(owner, FINALIZER_ORPHAN, 'its dependents are orphaned')];
  return deps.map((d) => {
    const refs = (d.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
    return patchAction(d, { metadata: { ownerReferences: refs.length > 0 ? refs : null } }, 'orphaned', `the reference to ${describe(owner)} removed (propagationPolicy Orphan)`);
  });
}

/** attemptToDeleteItem. */
function attemptToDelete(item: Item, caches: Caches): Action<S>[] {
  const refs = item.obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return [];
  const states = refs.map((r) => classifyOwner(item.obj, r, caches));
  const dangling = refs.filter((_r, i) => states[i] === 'dangling');
  const waiting = refs.filter((_r, i) => states[i] === 'waiting');
  const solid = refs.filter((_r, i) => states[i] === 'solid' || states[i] === 'unknown');
  let decision: Action<S>[];
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return [];
    const danglingUids = new Set(dangling.map((r) => r.uid));
    const waitingUids = new Set(waiting.map((r) => r.uid));
    const next = refs.filter((r) => !danglingUids.has(r.uid)).map((r) => (waitingUids.has(r.uid) ? { ...r, blockOwnerDeletion: false } : r));
    decision = [patchAction(item, { metadata: { ownerReferences: next } }, 'unblocked', `references to owners gone or being deleted updated; ${solid.length} owner(s) remain`)];
  } else if (waiting.length > 0 && dependentsOf(item.obj, caches).length > 0) {
    decision = [deleteAction(item, 'Foreground', `its owners are being deleted in the foreground`)];
  } else {
    const policy = hasFinalizer(item.obj, FINALIZER_ORPHAN) ? 'Orphan' : hasFinalizer(item.obj, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    const owners = refs.map((r) => `${r.kind.toLowerCase()}/${r.name}`).join(', ');
    decision = [deleteAction(item, policy, `its owner ${owners} ${waiting.length > 0 ? 'is being deleted' : 'no longer exists'}`)];
  }
  if (dangling.length === 0) return decision;
  // isDangling: a live GET confirms the first dangling owner is gone before anything is written.
  const ref = dangling[0]!;
  const ow = watchedFor(ref.apiVersion, ref.kind);
  if (!ow) return decision;
  const ns = item.obj.metadata?.namespace;
  return [
    {
      kind: 'write',
      request: { verb: 'get', apiVersion: ow.spec.apiVersion, resource: ow.info.resource, ...(ow.info.namespaced && ns ? { namespace: ns } : {}), name: ref.name },
      tolerate: [404],
      onResult: (result) => {
        const found = result.code === 200 && (result.body as KubeObject).metadata?.uid === ref.uid;
        return found ? [] : decision;
      },
    },
  ];
}

export function syncItem(key: string, ctx: ControllerContext<S>): Action<S>[] {
  const { w, objKey } = parseItemKey(key);
  if (!w) return [];
  const obj = ctx.cache(w.spec).get(objKey);
  if (!obj) return [];
  const item: Item = { w, key: objKey, obj };
  const caches = cachesOf(ctx);
  if (obj.metadata?.deletionTimestamp) {
    if (hasFinalizer(obj, FINALIZER_FOREGROUND)) return syncForeground(item, caches);
    if (hasFinalizer(obj, FINALIZER_ORPHAN)) return syncOrphan(item, caches);
    return [];
  }
  return attemptToDelete(item, caches);
}

function refsChanged(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(a.metadata?.ownerReferences ?? []) !== JSON.stringify(b.metadata?.ownerReferences ?? []);
}

function gcPending(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined && (hasFinalizer(obj, FINALIZER_FOREGROUND) || hasFinalizer(obj, FINALIZER_ORPHAN));
}

function enqueueOwners(obj: KubeObject, ctx: ControllerContext<S>): void {
  for (const r of obj.metadata?.ownerReferences ?? []) {
    const k = ownerItemKey(obj, r);
    if (k) ctx.enqueue(k);
  }
}

function handlerFor(w: WatchedResource): EventHandler<S> {
  return {
    informer: w.spec,
    onAdd: (obj, ctx) => {
      if ((obj.metadata?.ownerReferences?.length ?? 0) > 0 || gcPending(obj)) ctx.enqueue(itemKey(w, objKeyOf(obj)));
    },
    onUpdate: (old, obj, ctx) => {
      if (gcPending(obj) || refsChanged(old, obj)) ctx.enqueue(itemKey(w, objKeyOf(obj)));
      // A dependent that lost a reference or started its own deletion may unblock its owners.
      if (refsChanged(old, obj) || (obj.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp)) {
        enqueueOwners(old, ctx);
      }
    },
    onDelete: (obj, ctx) => {
      for (const d of dependentsOf(obj, (x) => ctx.cache(x.spec))) ctx.enqueue(itemKey(d.w, d.key));
      enqueueOwners(obj, ctx);
    },
  };
}

export const garbageCollectorController = defineController<S>({
  name: 'garbagecollector',
  reporter: 'garbage-collector-controller',
  informers: WATCHED_SPECS,
  handlers: WATCHED.map(handlerFor),
  queues: [{ workers: 20, sync: syncItem }],
  newState: (): S => null,
});
