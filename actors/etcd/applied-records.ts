import type { WatchEvent } from './mvcc.ts';
import type { Entry } from './raft/types.ts';

/**
 * The MVCC records (events and their KeyValues) the first member to apply an entry made. Every
 * member applies the same entries to an equal store, and each used to make its own records: five
 * copies of every revision of every key until the next MVCC compaction (at 1000 idle nodes, 36 of
 * the 149 MiB a run held after 10 virtual minutes). Members share entries (a follower's log holds
 * the leader's objects), so a member applying an entry takes the records another member made for
 * it wherever its own would be equal field by field (mvcc.ts, applyCommand); a member whose state
 * differs makes its own. A record is forgotten once every voter took it: kept until the entry
 * left the logs, the records of an idle cluster's 5,000-15,000 logged entries outlived their MVCC
 * compaction by hours (+10 points on the 24-hour memory bench). Weak: an entry some member never
 * applies (down, or a duplicate it skips) takes its record with it when the logs drop it.
 */
const madeFor = new WeakMap<Entry, { readonly events: readonly WatchEvent[]; takenBy: number }>();

/** The records another member made applying `entry`, if any; this member's taking them counts towards `voters`. */
export function takeRecords(entry: Entry, voters: number): readonly WatchEvent[] | undefined {
  const made = madeFor.get(entry);
  if (made === undefined) return undefined;
  if (++made.takenBy >= voters) madeFor.delete(entry);
  return made.events;
}

/** Remembers the records this member made applying `entry`, when no other member made them yet. */
export function rememberRecords(entry: Entry, events: readonly WatchEvent[], voters: number): void {
  if (events.length > 0 && voters > 1 && !madeFor.has(entry)) madeFor.set(entry, { events, takenBy: 1 });
}
