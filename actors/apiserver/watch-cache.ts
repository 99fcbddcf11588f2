import type { KubeObject } from '../api/protocol.ts';

/**
 * The apiserver's watch cache for one resource (the cacher): every current object, and a
 * bounded window of recent changes so watchers can resume from a resourceVersion without going
 * to etcd. Fed by one etcd watch on the resource's key prefix. Pure data, no I/O.
 *
 * Pods are also indexed by spec.nodeName, so a kubelet's watch (fieldSelector spec.nodeName=X)
 * costs nothing per event for the other 4,999 kubelets.
 */

export interface CachedObject {
  key: string;
  object: KubeObject;
  resourceVersion: number;
}

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** For DELETED: the last state of the object, with the delete's resourceVersion. */
  object: KubeObject;
  /** The object before this change (absent for ADDED). */
  previous?: KubeObject;
  resourceVersion: number;
}

/** kube-apiserver keeps at least 75 s of history and between 100 and 102,400 events. */
export const HISTORY_WINDOW_MS = 75_000;
export const HISTORY_EVENTS_MIN = 100;
export const HISTORY_EVENTS_MAX = 102_400;

export class WatchCache {
  readonly objects = new Map<string, CachedObject>();
  /** Oldest first; slots before `historyStart` are dropped (undefined, so they retain no object). */
  private history: ({ atMs: number; event: CacheEvent } | undefined)[] = [];
  private historyStart = 0;
  /** The revision the cache has seen up to (etcd's revision at the last event or list). */
  revision = 0;
  private floorRevision = 0;
  synced = false;
  private readonly byNode = new Map<string, Set<string>>();

  constructor(
    readonly resource: string,
    private readonly nodeNameOf: ((obj: KubeObject) => string | undefined) | null,
  ) {}

  /** Replaces everything with a fresh list at `revision` (initial sync or re-list). */
  reset(items: CachedObject[], revision: number): void {
    this.objects.clear();
    this.byNode.clear();
    for (const item of items) this.put(item);
    this.history = [];
    this.historyStart = 0;
    this.revision = revision;
    this.floorRevision = revision;
    this.synced = true;
  }

  /** Applies one change from etcd; returns the event to fan out. */
  apply(key: string, object: KubeObject | null, resourceVersion: number, nowMs: number): CacheEvent | null {
    const current = this.objects.get(key);
    let event: CacheEvent;
    if (object === null) {
      if (!current) {
        this.revision = Math.max(this.revision, resourceVersion);
        return null;
      }
      this.remove(current);
      const last = withResourceVersion(current.object, resourceVersion);
      event = { type: 'DELETED', key, object: last, previous: current.object, resourceVersion };
    } else {
      const stored = withResourceVersion(object, resourceVersion);
      if (current) this.remove(current);
      this.put({ key, object: stored, resourceVersion });
      event = current
        ? { type: 'MODIFIED', key, object: stored, previous: current.object, resourceVersion }
        : { type: 'ADDED', key, object: stored, resourceVersion };
    }
    this.revision = Math.max(this.revision, resourceVersion);
    this.history.push({ atMs: nowMs, event });
    this.trim(nowMs);
    return event;
  }

  /** Events after `resourceVersion`, or 'expired' when some of them already left the window. */
  eventsSince(resourceVersion: number): CacheEvent[] | 'expired' {
    if (resourceVersion < this.floor) return 'expired';
    const out: CacheEvent[] = [];
    for (let i = this.historyStart; i < this.history.length; i++) {
      const e = this.history[i]!.event;
      if (e.resourceVersion > resourceVersion) out.push(e);
    }
    return out;
  }

  /**
   * A watch can resume from any resourceVersion at or above this: every later event is still in
   * history (it is the list's revision, or the last event dropped from the window).
   */
  get floor(): number {
    return this.floorRevision;
  }

  keysOnNode(nodeName: string): ReadonlySet<string> {
    return this.byNode.get(nodeName) ?? EMPTY;
  }

  private put(item: CachedObject): void {
    this.objects.set(item.key, item);
    const node = this.nodeNameOf?.(item.object);
    if (node !== undefined) {
      let keys = this.byNode.get(node);
      if (!keys) this.byNode.set(node, (keys = new Set()));
      keys.add(item.key);
    }
  }

  private remove(item: CachedObject): void {
    this.objects.delete(item.key);
    const node = this.nodeNameOf?.(item.object);
    if (node !== undefined) this.byNode.get(node)?.delete(item.key);
  }

  private trim(nowMs: number): void {
    const live = this.history.length - this.historyStart;
    let drop = 0;
    while (live - drop > HISTORY_EVENTS_MIN) {
      const entry = this.history[this.historyStart + drop]!;
      if (live - drop <= HISTORY_EVENTS_MAX && nowMs - entry.atMs <= HISTORY_WINDOW_MS) break;
      drop++;
    }
    if (drop > 0) {
      this.floorRevision = this.history[this.historyStart + drop - 1]!.event.resourceVersion;
      // A dropped event holds two decoded objects; until the next compaction its slot must not
      // keep them alive (up to 1,024 per resource, a few MB of Nodes and Leases at any time).
      for (let i = this.historyStart; i < this.historyStart + drop; i++) this.history[i] = undefined;
      this.historyStart += drop;
      // Compact the array now and then, so trimming stays O(1) amortised.
      if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();

export function withResourceVersion(object: KubeObject, resourceVersion: number): KubeObject {
  return { ...object, metadata: { ...(object.metadata ?? {}), resourceVersion: String(resourceVersion) } };
}
