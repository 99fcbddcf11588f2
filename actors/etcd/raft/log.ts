import type { Entry, RaftStorage, Snapshot } from './types.ts';

/**
 * Log access over the durable storage. Index 0 is the empty prefix with term 0. After compaction
 * (etcd-io/raft's MemoryStorage.Compact) the entries up to `compactedIndex` are gone; only the
 * term of the last of them is kept (MemoryStorage's dummy `ents[0]`), so the consistency check
 * of an append right after it still works.
 */

/** Index of the first entry still held (the one after the compacted prefix). */
export function firstIndex(s: RaftStorage): number {
  return s.compactedIndex + 1;
}

export function lastIndex(s: RaftStorage): number {
  return s.compactedIndex + s.entries.length;
}

/** The entry at `index`, or undefined when it was compacted away or is past the end. */
export function entryAt(s: RaftStorage, index: number): Entry | undefined {
  return index > s.compactedIndex ? s.entries[index - s.compactedIndex - 1] : undefined;
}

/** Term of the entry at `index`; -1 when it is past the end or compacted (its term is unknown). */
export function termAt(s: RaftStorage, index: number): number {
  if (index === s.compactedIndex) return s.compactedTerm;
  if (index < s.compactedIndex) return -1;
  return s.entries[index - s.compactedIndex - 1]?.term ?? -1;
}

export function lastTerm(s: RaftStorage): number {
  return termAt(s, lastIndex(s));
}

export function matchTerm(s: RaftStorage, index: number, term: number): boolean {
  return index <= lastIndex(s) && termAt(s, index) === term;
}

/** §5.4.1: a candidate's log is at least as up to date as ours. */
export function isUpToDate(s: RaftStorage, candidateLastIndex: number, candidateLastTerm: number): boolean {
  const ourTerm = lastTerm(s);
  return candidateLastTerm > ourTerm || (candidateLastTerm === ourTerm && candidateLastIndex >= lastIndex(s));
}

/** Up to `maxCount` entries from `fromIndex` on; the caller made sure `fromIndex` was not compacted. */
export function slice(s: RaftStorage, fromIndex: number, maxCount: number): Entry[] {
  const at = fromIndex - s.compactedIndex - 1;
  if (at < 0) throw new Error(`raft: entries from ${fromIndex} were compacted (first index ${firstIndex(s)})`);
  return s.entries.slice(at, at + maxCount);
}

/**
 * Appends a leader's entries after the consistency check passed, truncating our conflicting tail
 * (§5.3). Returns the first index that changed, or null when the log already held them all.
 * Throws if the conflict is at or below `commit`: a committed entry can never be overwritten.
 * Entries at or below the compacted prefix are committed, hence the leader's own: skipped.
 */
export function appendFromLeader(s: RaftStorage, entries: readonly Entry[]): number | null {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.index <= s.compactedIndex || termAt(s, entry.index) === entry.term) continue;
    if (entry.index <= s.commit) {
      throw new Error(`raft: entry ${entry.index} (term ${entry.term}) conflicts with committed entry of term ${termAt(s, entry.index)}`);
    }
    s.entries.length = entry.index - s.compactedIndex - 1;
    for (let j = i; j < entries.length; j++) s.entries.push(entries[j]!);
    return entry.index;
  }
  return null;
}

/**
 * MemoryStorage.CreateSnapshot: records the application's state at `index` (which it has
 * applied) as the snapshot a leader sends to a follower whose next entry was compacted. `data`
 * must never be mutated afterwards: leader and followers share it.
 */
export function createSnapshot(s: RaftStorage, index: number, data: unknown): Snapshot {
  if (index > s.commit) throw new Error(`raft: snapshot at ${index} is past the commit index ${s.commit}`);
  if (s.snapshot !== null && index <= s.snapshot.index) throw new Error(`raft: snapshot at ${index} is not newer than the one at ${s.snapshot.index}`);
  const term = termAt(s, index);
  if (term < 0) throw new Error(`raft: snapshot at ${index}, which was compacted`);
  const snapshot: Snapshot = { index, term, data };
  s.snapshot = snapshot;
  return snapshot;
}

/**
 * MemoryStorage.Compact: drops every entry up to and including `index`, keeping its term. Only a
 * prefix the snapshot covers can go, so a follower that needs it can be sent the snapshot.
 * Returns false when there was nothing to drop.
 */
export function compact(s: RaftStorage, index: number): boolean {
  if (index <= s.compactedIndex) return false;
  if (s.snapshot === null || index > s.snapshot.index) throw new Error(`raft: compacting to ${index} past the snapshot (${s.snapshot?.index ?? 'none'})`);
  const term = termAt(s, index);
  s.entries = s.entries.slice(index - s.compactedIndex);
  s.compactedIndex = index;
  s.compactedTerm = term;
  return true;
}
