/**
 * LeaderAppendOnly (raft Figure 3): while a member is leader of term T, its log only grows; it
 * never removes or replaces one of its own entries. Judged on content: a `raft.log` that rewrites
 * an identical prefix (from ≤ length, same entries) is not a violation, one that drops or changes
 * any entry is. Leadership ends with a `raft.role` (step down, new term) or a crash, so the
 * producer must emit that `raft.role` before the log change that follows it.
 */
import type { Check } from './check.ts';
import { entryAt, newEntryAt } from './model.ts';
import { entriesCount, fmtEntry, fmtIndexed, ms } from './violation.ts';

export function leaderAppendOnly(): Check {
  return {
    invariant: 'LeaderAppendOnly',
    onPrefix(c) {
      const m = c.member;
      if (m.role !== 'leader' || c.kind !== 'snapshot') return null;
      return `${m.name}, leader of term ${m.term} since ${ms(m.leaderSince)}, replaced its log by a snapshot at index ${c.index}`;
    },
    onLog(c) {
      const m = c.member;
      if (m.role !== 'leader' || c.firstChanged > c.oldLen) return null;
      const d = c.firstChanged;
      const old = entryAt(m, d)!;
      const lead = `${m.name}, leader of term ${m.term} since ${ms(m.leaderSince)}`;
      const replacement = newEntryAt(c, d);
      if (replacement !== undefined) {
        return `${lead}, overwrote its own entry ${fmtIndexed(d, old)} with ${fmtEntry(replacement)}`;
      }
      return `${lead}, truncated its own log from ${entriesCount(c.oldLen)} to ${entriesCount(c.newLen)}, dropping ${fmtIndexed(d, old)}`;
    },
  };
}
