/**
 * CommitIndexMonotonic: a member's commit index never decreases, across crashes and restarts too
 * (it is persisted). A `raft.commit` repeating the current index (say, after a restart) is fine.
 */
import type { Check } from './check.ts';
import { ms } from './violation.ts';

export function commitIndexMonotonic(): Check {
  return {
    invariant: 'CommitIndexMonotonic',
    onCommit(c, t) {
      if (c.newIndex >= c.oldIndex) return null;
      const m = c.member;
      const since = m.commitAt === null ? '' : ` (reached at ${ms(m.commitAt)})`;
      const restart = m.restartedAt !== null && (m.commitAt === null || m.restartedAt >= m.commitAt)
        ? `, after its restart at ${ms(m.restartedAt)}` : '';
      return `${m.name}'s commit index went back from ${c.oldIndex}${since} to ${c.newIndex} at ${ms(t)}${restart}`;
    },
  };
}
