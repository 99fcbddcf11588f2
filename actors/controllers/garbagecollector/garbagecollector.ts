import type { KubeObject } from '../../api/protocol.ts';
import type { OwnerReference } from '../host/owners.ts';
import type { CacheView } from '../host/types.ts';
import { BY_OWNER_UID, itemKey, WATCHED, watchedFor, type WatchedResource } from './resources.ts';

/**
 * The garbage collector's decisions (pkg/controller/garbagecollector/garbagecollector.go), on the
 * shared informers' caches instead of a separate dependency graph: owners are found by their
 * references' (apiVersion, kind, name) and checked by uid, dependents by the BY_OWNER_UID index.
 */

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export type Caches = (w: WatchedResource) => CacheView;

export interface Item {
  w: WatchedResource;
  key: string;
  obj: KubeObject;
}

export function objKeyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function describe(item: { w: WatchedResource; key: string }): string {
  return `${item.w.info.kind.toLowerCase()}/${item.key}`;
}

/** Every object with a reference to `owner`'s uid (same namespace, or any if the owner is cluster-scoped). */
export function dependentsOf(owner: KubeObject, caches: Caches): Item[] {
  const uid = owner.metadata?.uid;
  if (!uid) return [];
  const ns = owner.metadata?.namespace;
  const out: Item[] = [];
  for (const w of WATCHED) {
    const cache = caches(w);
    for (const key of cache.byIndex(BY_OWNER_UID, uid)) {
      const obj = cache.get(key);
      if (!obj) continue;
      if (ns && obj.metadata?.namespace !== ns) continue;
      out.push({ w, key, obj });
    }
  }
  return out;
}

export function hasFinalizer(obj: KubeObject, f: string): boolean {
  return (obj.metadata?.finalizers ?? []).includes(f);
}

/** The queue key of the owner a reference of `dependent` names, if its kind is served. */
export function ownerItemKey(dependent: KubeObject, ref: OwnerReference): string | undefined {
  const w = watchedFor(ref.apiVersion, ref.kind);
  if (!w) return undefined;
  const ns = dependent.metadata?.namespace;
  return itemKey(w, w.info.namespaced && ns ? `${ns}/${ref.name}` : ref.name);
}

export type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unknown';

/**
 * classifyReferences: an owner that exists with the reference's uid is solid, or waiting when it
 * is being deleted in the foreground; one not in the cache (or with another uid) is dangling (the
 * caller confirms with a live read); a kind the apiserver does not serve is unknown (kept).
 */
export function classifyOwner(dependent: KubeObject, ref: OwnerReference, caches: Caches): OwnerState {
  const w = watchedFor(ref.apiVersion, ref.kind);
  if (!w) return 'unknown';
  const ns = dependent.metadata?.namespace;
  const owner = caches(w).get(w.info.namespaced && ns ? `${ns}/${ref.name}` : ref.name);
  if (!owner || owner.metadata?.uid !== ref.uid) return 'dangling';
  if (owner.metadata?.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND)) return 'waiting';
  return 'solid';
}
