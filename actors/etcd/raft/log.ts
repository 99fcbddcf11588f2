import type { Entry, RaftStorage } from './types.ts';

/** Log access over the durable storage. Index 0 is the empty prefix with term 0. */

export function lastIndex(s: RaftStorage): number {
  return s.entries.length;
}

export function termAt(s: RaftStorage, index: number): number {
  if (index === 0) return 0;
  return s.entries[index - 1]?.term ?? -1;
}

export function lastTerm(s: RaftStorage): number {
  return termAt(s, s.entries.length);
}

export function matchTerm(s: RaftStorage, index: number, term: number): boolean {
  return index <= s.entries.length && termAt(s, index) === term;
}

/** §5.4.1: a candidate's log is at least as up to date as ours. */
export function isUpToDate(s: RaftStorage, candidateLastIndex: number, candidateLastTerm: number): boolean {
  const ourTerm = lastTerm(s);
  return candidateLastTerm > ourTerm || (candidateLastTerm === ourTerm && candidateLastIndex >= s.entries.length);
}

export function slice(s: RaftStorage, fromIndex: number, maxCount: number): Entry[] {
  return s.entries.slice(fromIndex - 1, fromIndex - 1 + maxCount);
}

/**
 * Appends a leader's entries after the consistency check passed, truncating our conflicting tail
 * (§5.3). Returns the first index that changed, or null when the log already held them all.
 * Throws if the conflict is at or below `commit`: a committed entry can never be overwritten.
 */
export function appendFromLeader(s: RaftStorage, entries: readonly Entry[]): number | null {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (termAt(s, entry.index) === entry.term) continue;
    if (entry.index <= s.commit) {
      throw new Error(`raft: entry ${entry.index} (term ${entry.term}) conflicts with committed entry of term ${termAt(s, entry.index)}`);
    }
    s.entries.length = entry.index - 1;
    for (let j = i; j < entries.length; j++) s.entries.push(entries[j]!);
    return entry.index;
  }
  return null;
}
