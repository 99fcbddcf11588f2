/**
 * LeaderCompleteness (raft Figure 3): an entry committed in term t is in the log of every leader
 * of a term later than t (same index, term and id). "Committed in term t" means the term of the
 * leader that committed it, which may be later than the entry's own term: an old-term entry can
 * be committed by a later leader, and a stale leader of a term in between (cut off, or elected on
 * late vote replies) need not hold it.
 *
 * Checked at the two moments it can start to fail:
 * - a member becomes leader of term T: its log must hold every entry committed so far in a term
 *   below T. Those entries are indexes 1..K (commits are prefixes, and commit terms never
 *   decrease along the log), and if the new leader's entry at K is the committed one, LogMatching
 *   (checked on every entry that ever enters a log) and StateMachineSafety make its whole prefix
 *   equal to the committed one. So one comparison, at K, decides; the prefix is scanned only to
 *   name the first missing entry in the report.
 * - an entry becomes committed for the first time, in term t: every current leader of a term
 *   later than t must already hold it.
 * Between those moments a leader's log only grows (LeaderAppendOnly), so nothing else can break it.
 * An index in a leader's compacted prefix counts as held: that prefix was committed on it
 * (StateMachineSafety checks a compaction and a snapshot against what was committed).
 */
import type { Check } from './check.ts';
import { becomesLeader, compactedAt, describeCommitted, describeLogEnds, entryAt, holdsEntry, type CommittedEntry, type MemberState } from './model.ts';
import { fmtEntry, ms } from './violation.ts';

function lacks(m: MemberState, c: CommittedEntry): string {
  const has = entryAt(m, c.index);
  const there = has === undefined ? describeLogEnds(m) : `its log has ${fmtEntry(has)} there`;
  return `lacks ${describeCommitted(c)}: ${there}`;
}

function holds(m: MemberState, c: CommittedEntry): boolean {
  return compactedAt(m, c.index) || holdsEntry(m, c.index, c.entry);
}

export function leaderCompleteness(): Check {
  return {
    invariant: 'LeaderCompleteness',
    onRole(e, m, model) {
      if (!becomesLeader(m, e.role, e.term)) return null;
      const k = model.lastCommittedBefore(e.term);
      if (k === 0) return null;
      if (compactedAt(m, k)) return null;
      const last = model.committed.get(k);
      if (last !== undefined && holds(m, last)) return null;
      const becameLeader = `${e.member} became leader of term ${e.term} at ${ms(e.t)} but`;
      for (let i = 1; i < k; i++) {
        const c = model.committed.get(i);
        if (c !== undefined && c.commitTerm < e.term && !holds(m, c)) {
          return `${becameLeader} ${lacks(m, c)}`;
        }
      }
      return last === undefined ? null : `${becameLeader} ${lacks(m, last)}`;
    },
    onCommit(change, _t, model) {
      if (model.leaders.size === 0) return null;
      for (const c of change.newlyCommitted) {
        if (model.committed.has(c.index)) continue; // not new: leaders were checked against it already
        for (const leader of model.leaders) {
          if (leader.term <= c.commitTerm || holds(leader, c)) continue;
          return `${leader.name}, leader of term ${leader.term} since ${ms(leader.leaderSince)}, ${lacks(leader, c)}`;
        }
      }
      return null;
    },
  };
}
