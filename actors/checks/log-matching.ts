/**
 * LogMatching (raft Figure 3; LogMatchingInv): if two logs hold an entry with the same index and
 * term, they are identical up to that index.
 *
 * Checked incrementally with one global map (index, term) → (id, term of the entry before it),
 * filled the first time any member's log holds that (index, term), and never cleared (the first
 * term seen at an index is the model's shared record, other terms are kept here). Every entry
 * that enters any log, by append or overwrite, is checked against it. Why that suffices: suppose
 * no entry ever contradicted the map, and logs A and B both hold term t at index n. Both entries
 * were checked against the same record, so they have the same id, and their predecessors have the
 * same term t' at n-1. The predecessors are in turn both checked against the record for
 * (n-1, t'), so they agree in id and in the term at n-2, and so on down to index 1: the prefixes
 * are equal. An entry's predecessor cannot change while the entry stays (replacing index n-1
 * means the log is rewritten from n-1, which re-enters index n as well and re-checks it), so
 * checking at entry time covers the whole life of every log.
 *
 * The record is kept as long as some log may hold its index, because (index, term) names one
 * entry forever in a correct raft: only the leader of term t creates term-t entries, at most one
 * per index (LeaderAppendOnly). With compacted logs, the entry right after a member's compacted
 * prefix is checked against the term the member kept for that prefix's last index; the prefix
 * itself is committed, so StateMachineSafety vouches for it. Records at or below the model's floor
 * (no log holds those indexes any more) are dropped, so the map is as large as the logs are.
 */
import type { Check } from './check.ts';
import { newEntryAt, newTermAt } from './model.ts';
import { fmtIndexed, ms, quote } from './violation.ts';

/** An entry of another term than the first seen at its index (rare: a conflict); `next` chains more. */
interface Seen {
  term: number;
  id: string;
  prevTerm: number;
  member: string;
  t: number;
  next: Seen | null;
}

export function logMatching(): Check {
  /**
   * The first entry seen at each index is the model's (`ClusterModel.records`, recorded after
   * this check by `applyLog`, with the member, time and prior term); entries of other terms at an
   * index already seen are kept here.
   */
  const otherTerms = new Map<number, Seen>();
  return {
    invariant: 'LogMatching',
    onLog(c, t, model) {
      const records = model.records;
      let detail: string | null = null;
      for (let i = c.firstChanged; i <= c.newLen; i++) {
        const entry = newEntryAt(c, i)!;
        const prevTerm = newTermAt(c, i - 1)!;
        const seenTerm = records.seenTerm(i);
        if (Number.isNaN(seenTerm)) continue; // the first entry seen here: the model records it
        let seen: Omit<Seen, 'next'> | undefined;
        if (seenTerm === entry[0]) {
          if (records.seenId(i) === entry[1] && records.seenPrevTerm(i) === prevTerm) continue;
          seen = records.seen(i)!;
        } else {
          const first = otherTerms.size === 0 ? undefined : otherTerms.get(i);
          let s: Seen | null | undefined = first;
          while (s !== undefined && s !== null && s.term !== entry[0]) s = s.next;
          if (s === undefined || s === null) {
            const record: Seen = { term: entry[0], id: entry[1], prevTerm, member: c.member.name, t, next: null };
            if (first === undefined) otherTerms.set(i, record);
            else {
              let last = first;
              while (last.next !== null) last = last.next;
              last.next = record;
            }
            continue;
          }
          seen = s;
        }
        if (detail !== null) continue;
        const who = c.member.name;
        if (seen.id !== entry[1]) {
          detail =
            `two different entries have index ${i} and term ${entry[0]}: ` +
            `${quote(seen.id)} on ${seen.member} (at ${ms(seen.t)}) and ${quote(entry[1])} on ${who} (at ${ms(t)})`;
        } else if (seen.prevTerm !== prevTerm) {
          detail =
            `${seen.member} (at ${ms(seen.t)}) and ${who} (at ${ms(t)}) both hold ${fmtIndexed(i, entry)} ` +
            `but their logs differ before it: index ${i - 1} has term ${seen.prevTerm} on ${seen.member} ` +
            `and term ${prevTerm} on ${who}`;
        }
      }
      return detail;
    },
    onFloor(floor) {
      for (const index of otherTerms.keys()) if (index <= floor) otherTerms.delete(index);
    },
  };
}
