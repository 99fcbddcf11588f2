import type { WatchEvent } from './mvcc.ts';
import type { Entry } from './raft/types.ts';

/**
 * The MVCC records (events and their KeyValues) the first member to apply an entry made. Every
 * member applies the same entries to an equal store, and each used to make its own records: five
 * copies of every revision of every key until the next MVCC compaction (at 1000 idle nodes, 36 of
 * the 149 MiB a run held after 10 virtual minutes). Members share entries (a follower's log holds
 * the leader's objects), so a member applying an entry takes the records another member made for
 * it wherever its own would be equal field by field (mvcc.ts, applyCommand); a member whose state
 * differs makes its own. Weak: the records go with the entry, which the logs drop one snapshot
 * cycle later, and never cross simulations.
 */
const madeFor = new WeakMap<Entry, readonly WatchEvent[]>();

/** Records another member made applying `entry`, if any. */
export function recordsAppliedFor(entry: Entry): readonly WatchEvent[] | undefined {
  return madeFor.get(entry);
}

/** Remembers the records made applying `entry`, when it is the first member to apply it. */
export function rememberRecords(entry: Entry, events: readonly WatchEvent[]): void {
  if (events.length > 0 && !madeFor.has(entry)) madeFor.set(entry, events);
}
