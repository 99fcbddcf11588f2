import { cloneStore, sameStore, type MvccStore } from './mvcc.ts';
import type { AppliedIdWindow } from './applied-id-window.ts';
import type { Entry, RaftStorage } from './raft/types.ts';
import { entryAt } from './raft/log.ts';

/**
 * What a member's raft snapshot holds: the backend as of the snapshot's index (etcd sends its
 * whole bbolt file, server/etcdserver/snapshot_merge.go) and the duplicate-detection window, so a
 * member restored from it skips exactly the entries every other member skips. Never mutated.
 */
export interface EtcdSnapshotData {
  readonly store: MvccStore;
  /** The duplicate window: `appliedIds[i]` was applied at `appliedAt[i]`, oldest first (two flat arrays: a pair per id cost 9 times more). */
  readonly appliedIds: readonly string[];
  readonly appliedAt: readonly number[];
}

/**
 * The snapshot data last made at each log entry. Every member snapshots near the same applied
 * index (every snapshotCount entries, at the end of an apply batch) with nearly the same store and
 * window, and each used to keep its own copy: five copies of the store's history since the last
 * MVCC compaction (which the live stores drop at their next compaction, but the snapshots keep
 * for a whole cycle) and of the 5,000-id window, about 1.2 MB held between snapshots that no
 * member reads unless a follower needs a snapshot. Members share entries (a follower's log holds
 * the leader's objects), so a member snapshotting at an entry finds the data another member made
 * there and takes it when it holds the same state, compared field by field; a member whose batch
 * ended a few entries later takes the records (KeyValues, events) equal to those of the data made
 * nearest before it. What a member holds and sends is equal to its own copy either way, so this
 * changes no behaviour. Weak: a record goes with its entry, which the logs drop one snapshot cycle
 * later; only one entry in snapshotCount has one.
 */
const madeAt = new WeakMap<Entry, EtcdSnapshotData>();

/** How far back a member looks for another member's snapshot to take equal records from (members' apply batches end this close). */
const NEARBY_ENTRIES = 64;

/** The data of a snapshot at `index` of a member holding `log`, `store` and `window`: another member's when equal, else a new copy. */
export function snapshotDataAt(log: RaftStorage, index: number, store: MvccStore, window: AppliedIdWindow): EtcdSnapshotData {
  const entry = entryAt(log, index);
  const made = entry === undefined ? undefined : madeAt.get(entry);
  if (made !== undefined && sameStore(made.store, store) && window.holdsExactly(made.appliedIds, made.appliedAt)) return made;
  let nearby = made;
  for (let i = index - 1; nearby === undefined && i > Math.max(index - NEARBY_ENTRIES, log.compactedIndex); i--) nearby = madeAt.get(entryAt(log, i)!);
  const held = window.entries();
  const data: EtcdSnapshotData = { store: cloneStore(store, nearby?.store), appliedIds: held.ids, appliedAt: held.indexes };
  if (entry !== undefined) madeAt.set(entry, data);
  return data;
}
