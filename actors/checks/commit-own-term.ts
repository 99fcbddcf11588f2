/**
 * CommitOwnTerm (raft §5.4.2, Figure 8): a leader advances its commit index only to an entry of
 * its own term. Entries of earlier terms become committed only indirectly, below such an entry;
 * committing one directly by counting replicas is the bug Figure 8 shows (a later leader may
 * overwrite it). Judged on the leader's own `raft.commit`, whose `term` is its log's term at the
 * new commit index; a follower's commit index follows the leader's and is not judged here.
 */
import type { Check } from './check.ts';
import { termAt } from './model.ts';
import { ms } from './violation.ts';

export function commitOwnTerm(): Check {
  return {
    invariant: 'CommitOwnTerm',
    onCommit(c, t) {
      const m = c.member;
      if (m.role !== 'leader' || c.newIndex <= c.oldIndex) return null;
      const term = termAt(m, c.newIndex);
      if (term === undefined || term === m.term) return null;
      return `${m.name}, leader of term ${m.term}, advanced its commit index from ${c.oldIndex} to ${c.newIndex} at ${ms(t)}, an entry of term ${term} (a leader commits only entries of its own term)`;
    },
  };
}
