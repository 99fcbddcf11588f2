import type { KubeObject } from '../api/protocol.ts';
import { etcdKey, etcdListPrefix, resolveResourceName, type ResourceInfo } from '../api/resources.ts';
import { range, watchEvents, type KeyValue, type MvccStore } from '../etcd/mvcc.ts';
import type { EtcdDisk } from '../etcd/server.ts';
import type { Simulation } from '../kernel/simulation.ts';

/**
 * Someone who follows the committed state from a key or a prefix: told of every change in
 * revision order once `ClusterState.sync` runs, and told to start over (re-read everything it
 * follows) when the changes since its last sync are no longer in etcd's history.
 */
export interface StateListener {
  /** An exact key, or a prefix when `prefix` is true. */
  readonly key: string;
  readonly prefix: boolean;
  /** A put: the key's new value (`kv.modRevision` is its resourceVersion). */
  put(kv: KeyValue): void;
  /** The key was deleted. */
  deleted(key: string): void;
  /** Changes were missed (compacted away): read the state afresh. */
  reset(): void;
}

/** Decodes a stored object, with its resourceVersion (etcd's modification revision) set. */
export function decodeObject(kv: KeyValue): KubeObject {
  const parsed = JSON.parse(kv.value) as KubeObject;
  return { ...parsed, metadata: { ...(parsed.metadata ?? {}), resourceVersion: String(kv.modRevision) } };
}

/**
 * The cluster's committed state, read the way an auditor would: straight from the etcd member
 * that has applied the most (its disk survives a crash), decoded from the stored JSON. Scenario
 * expectations and the end-of-run tables read this; no component sees it.
 *
 * Members apply the same committed log, so any member's store at a revision holds the same
 * objects: `sync` follows the freshest store's change history (its MVCC events) from the last
 * revision it saw and hands each change to the listeners that follow its key. That costs what
 * changed, not the size of the cluster.
 */
export class ClusterState {
  private readonly decoded = new Map<string, { rev: number; object: KubeObject }>();
  private readonly listeners = new Set<StateListener>();
  /** The revision every listener has been brought up to. */
  private syncedRevision = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly members: readonly string[],
  ) {}

  /** The member whose store has applied the furthest, and that store's revision. */
  private freshest(): { disk: EtcdDisk; name: string } | null {
    let best: { disk: EtcdDisk; name: string } | null = null;
    for (const name of this.members) {
      const disk = this.sim.diskOf<EtcdDisk>(name);
      if (disk && (!best || disk.applied > best.disk.applied)) best = { disk, name };
    }
    return best;
  }

  private store(): MvccStore | null {
    return this.freshest()?.disk.store ?? null;
  }

  /** A number that changes whenever the committed state may have changed (memo key). */
  version(): number {
    return this.store()?.revision ?? 0;
  }

  /**
   * Follows `listener`'s key or prefix from the state as it is now (the caller reads the current
   * state itself after subscribing). Returns the unsubscribe function.
   */
  follow(listener: StateListener): () => void {
    this.sync();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Hands every change since the last sync to the listeners that follow it, in revision order. */
  sync(): void {
    const store = this.store();
    if (!store) return;
    const revision = store.revision;
    if (revision === this.syncedRevision) return;
    const from = this.syncedRevision;
    this.syncedRevision = revision;
    if (this.listeners.size === 0) return;
    const changes = revision > from ? watchEvents(store, { key: '', prefix: true, fromRevision: from + 1 }) : null;
    if (changes === null || 'error' in changes) {
      for (const l of [...this.listeners]) l.reset();
      return;
    }
    const listeners = [...this.listeners];
    for (const event of changes.events) {
      const key = event.kv.key;
      for (const l of listeners) {
        if (l.prefix ? !key.startsWith(l.key) : key !== l.key) continue;
        if (event.type === 'put') l.put(event.kv);
        else l.deleted(key);
      }
    }
  }

  /** The raw stored values under a prefix, in key order. */
  listRaw(prefix: string): KeyValue[] {
    const store = this.store();
    if (!store) return [];
    const result = range(store, prefix, { prefix: true });
    return 'error' in result ? [] : result.kvs;
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const info = resolveResourceName(resource);
    if (!info) return [];
    return this.listRaw(etcdListPrefix(info, info.namespaced ? namespace : undefined)).map((kv) => this.decode(kv));
  }

  /** `list`, with each object's etcd key. */
  entries(resource: string, namespace?: string): [string, KubeObject][] {
    const prefix = this.prefixOf(resource, namespace);
    return prefix === undefined ? [] : this.listRaw(prefix).map((kv) => [kv.key, this.decode(kv)]);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = this.keyOf(resource, namespace, name);
    const store = key === undefined ? null : this.store();
    if (!store || key === undefined) return undefined;
    const result = range(store, key);
    const kv = 'error' in result ? undefined : result.kvs[0];
    return kv && this.decode(kv);
  }

  /** The etcd key of one object (the default namespace for a namespaced kind without one). */
  keyOf(resource: string, namespace: string | undefined, name: string): string | undefined {
    const info: ResourceInfo | undefined = resolveResourceName(resource);
    if (!info) return undefined;
    return etcdKey(info, info.namespaced ? (namespace ?? 'default') : undefined, name);
  }

  /** The prefix `list(resource, namespace)` reads. */
  prefixOf(resource: string, namespace?: string): string | undefined {
    const info = resolveResourceName(resource);
    return info && etcdListPrefix(info, info.namespaced ? namespace : undefined);
  }

  private decode(kv: KeyValue): KubeObject {
    const hit = this.decoded.get(kv.key);
    if (hit && hit.rev === kv.modRevision) return hit.object;
    const object = decodeObject(kv);
    this.decoded.set(kv.key, { rev: kv.modRevision, object });
    return object;
  }
}
