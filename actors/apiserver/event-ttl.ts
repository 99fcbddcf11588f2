import type { TxnRequest } from '../etcd/mvcc.ts';

/**
 * kube-apiserver's `--event-ttl` (default 1h): an Event object is deleted one TTL after its last
 * write. The real apiserver attaches an etcd lease with that TTL on every create and update of an
 * Event (the events registry's TTLFunc), and etcd deletes the key when the lease expires.
 *
 * Simplification (kubesim has no etcd leases): the apiserver remembers when its watch cache saw
 * each Event's last write, and on its compaction tick (every 5 minutes) deletes those older than
 * the TTL, guarded by the revision it saw, so an Event written again in the meantime stays. So
 * an Event lives between one TTL and one TTL plus a compaction interval after its last write. An
 * apiserver that (re)lists starts the hour of every listed Event at the list, where a lease would
 * keep its own deadline; with several apiservers each deletes, and the guard makes the later
 * deletes no-ops.
 */

/** --event-ttl's default. */
export const DEFAULT_EVENT_TTL_MS = 3_600_000;

/** The resource whose objects expire. */
export const EVENTS_RESOURCE = 'events';

export class EventTtl {
  /** etcd key → the revision of its last write and when the watch cache saw it. Insertion order follows the etcd watch. */
  private readonly lastWrite = new Map<string, { revision: number; atMs: number }>();

  constructor(readonly ttlMs: number = DEFAULT_EVENT_TTL_MS) {}

  get tracked(): number {
    return this.lastWrite.size;
  }

  /** A change the watch cache of `resource` applied: a write (re)starts the key's TTL, a delete ends it. */
  observe(resource: string, key: string, deleted: boolean, revision: number, nowMs: number): void {
    if (resource !== EVENTS_RESOURCE) return;
    // Delete first, so the map stays ordered by last write and `expired` can stop early.
    this.lastWrite.delete(key);
    if (!deleted) this.lastWrite.set(key, { revision, atMs: nowMs });
  }

  /** A fresh list of `resource`: every listed key starts its TTL now. */
  relisted(resource: string, items: readonly { key: string; revision: number }[], nowMs: number): void {
    if (resource !== EVENTS_RESOURCE) return;
    this.lastWrite.clear();
    for (const item of items) this.lastWrite.set(item.key, { revision: item.revision, atMs: nowMs });
  }

  /**
   * The deletes to send now: one etcd txn per expired key, deleting it only if it is still at the
   * revision whose write expired. A key stays tracked until the watch cache sees its delete (or a
   * new write), so a delete that failed (etcd unavailable) is sent again on the next tick.
   */
  expire(nowMs: number): TxnRequest[] {
    const out: TxnRequest[] = [];
    for (const [key, w] of this.lastWrite) {
      if (nowMs - w.atMs < this.ttlMs) break;
      out.push({ compare: [{ key, target: 'mod', result: '=', value: w.revision }], success: [{ op: 'delete', key }], failure: [] });
    }
    return out;
  }
}
