/**
 * StateMachineSafety (raft Figure 3; LogInv, CommittedIsDurableInv): no two different entries are
 * ever committed, or applied, at the same index on any members. Concretely:
 * - a member committing index i must have there the entry first committed at i anywhere;
 * - a member never removes or replaces an entry at or below its own (durable) commit index;
 * - a member applies only committed entries, the ones its log holds, and never a different entry
 *   at an index where another member applied something else;
 * - a member compacts only entries it committed, and restores only a snapshot of committed state
 *   (its last entry the one committed there), never one behind its own commit index (that would
 *   drop committed entries it holds).
 */
import type { Check } from './check.ts';
import { describeCommitted, entryAt, idAt, newEntryAt } from './model.ts';
import { entriesCount, fmtEntry, fmtIndexed, ms, quote } from './violation.ts';

export function stateMachineSafety(): Check {
  // What was first applied at each index is the model's shared record (`ClusterModel.records`),
  // recorded after every check has seen the apply.
  return {
    invariant: 'StateMachineSafety',
    onCommit(change, _t, model) {
      for (const c of change.newlyCommitted) {
        if (!model.records.isCommitted(c.index)) continue;
        if (model.records.committedTerm(c.index) === c.entry[0] && model.records.committedId(c.index) === c.entry[1]) continue;
        const first = model.committed.get(c.index)!;
        return (
          `two different entries committed at index ${c.index}: ${fmtEntry(first.entry)} on ${first.member} ` +
          `(at ${ms(first.t)}) and ${fmtEntry(c.entry)} on ${c.member} (at ${ms(c.t)})`
        );
      }
      return null;
    },
    onLog(c) {
      const m = c.member;
      const d = c.firstChanged;
      if (d > c.oldLen || d > m.commitIndex) return null;
      const old = entryAt(m, d)!;
      const replacement = newEntryAt(c, d);
      const what =
        replacement !== undefined
          ? `overwrote its committed entry ${fmtIndexed(d, old)} with ${fmtEntry(replacement)}`
          : `truncated its log to ${entriesCount(c.newLen)}, dropping committed entry ${fmtIndexed(d, old)}`;
      return `${m.name} ${what} (its commit index is ${m.commitIndex})`;
    },
    onPrefix(c, _t, model) {
      const m = c.member;
      if (c.kind === 'compact') {
        if (c.index <= m.commitIndex) return null;
        return `${m.name} compacted its log up to index ${c.index} but its commit index is only ${m.commitIndex}`;
      }
      const at = `${m.name} restored a snapshot at index ${c.index} (term ${c.term})`;
      if (c.index > model.maxCommitted) return `${at} but nothing past index ${model.maxCommitted} was committed anywhere`;
      if (c.index < m.commitIndex) return `${at} behind its own commit index ${m.commitIndex}, dropping committed entries`;
      const committed = model.committed.get(c.index);
      if (committed !== undefined && committed.entry[0] !== c.term) return `${at} but the entry there is ${describeCommitted(committed)}`;
      return null;
    },
    onApply(e, m, model) {
      let detail: string | null = null;
      if (e.index > m.commitIndex) {
        detail = `${m.name} applied index ${e.index} (${quote(e.id)}) but its commit index is only ${m.commitIndex}`;
      }
      const ownId = idAt(m, e.index);
      if (detail === null && ownId !== undefined && ownId !== e.id) {
        detail = `${m.name} applied ${quote(e.id)} at index ${e.index} but its log holds ${fmtEntry(entryAt(m, e.index)!)} there`;
      }
      const committedId = model.records.committedId(e.index);
      if (detail === null && committedId !== undefined && committedId !== e.id) {
        detail = `${m.name} applied ${quote(e.id)} at index ${e.index}, but the entry there is ${describeCommitted(model.committed.get(e.index)!)}`;
      }
      const firstId = model.records.appliedId(e.index);
      if (detail === null && firstId !== undefined && firstId !== e.id) {
        const first = model.records.applied(e.index)!;
        detail =
          `two different entries applied at index ${e.index}: ${quote(first.id)} on ${first.member} ` +
          `(at ${ms(first.t)}) and ${quote(e.id)} on ${m.name} (at ${ms(e.t)})`;
      }
      return detail;
    },
  };
}
