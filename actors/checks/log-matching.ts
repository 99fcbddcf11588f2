/**
 * LogMatching (raft Figure 3; LogMatchingInv): if two logs hold an entry with the same index and
 * term, they are identical up to that index.
 *
 * Checked incrementally with one global map (index, term) → (id, term of the entry before it),
 * filled the first time any member's log holds that (index, term), and never cleared. Every entry
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

/** The first entry of another term seen at an index already recorded (rare: a conflict); `next` chains more. */
interface Seen {
  term: number;
  id: string;
  prevTerm: number;
  member: string;
  t: number;
  next: Seen | null;
}

/**
 * The first entry seen at each index, as parallel columns (one slot each per index, where an
 * object per index cost twice as much: every index a log holds has one); other terms at an index
 * go to `otherTerms`.
 */
class FirstSeen {
  private start = 0;
  private terms: number[] = [];
  private ids: string[] = [];
  private prevTerms: number[] = [];
  private members: string[] = [];
  private times: number[] = [];
  private readonly otherTerms = new Map<number, Seen>();

  /** The record of `term` at `index`, or undefined; records it (from `make`) when there is none. */
  find(index: number, term: number, make: () => Omit<Seen, 'next'>): Seen | undefined {
    if (this.terms.length === 0 && Number.isInteger(index)) this.start = index;
    const slot = index - this.start;
    if (slot >= 0 && slot < this.terms.length && this.terms[slot] === term) {
      return { term, id: this.ids[slot]!, prevTerm: this.prevTerms[slot]!, member: this.members[slot]!, t: this.times[slot]!, next: null };
    }
    const first = this.otherTerms.size === 0 ? undefined : this.otherTerms.get(index);
    for (let s: Seen | null | undefined = first; s !== undefined && s !== null; s = s.next) if (s.term === term) return s;
    const r = make();
    if (slot === this.terms.length && first === undefined) {
      this.terms.push(r.term);
      this.ids.push(r.id);
      this.prevTerms.push(r.prevTerm);
      this.members.push(r.member);
      this.times.push(r.t);
      return undefined;
    }
    const record: Seen = { ...r, next: null };
    if (first === undefined) this.otherTerms.set(index, record);
    else {
      let last = first;
      while (last.next !== null) last = last.next;
      last.next = record;
    }
    return undefined;
  }

  deleteUpTo(floor: number): void {
    const drop = Math.min(Math.floor(floor) - this.start + 1, this.terms.length);
    if (drop > 0) {
      this.terms = this.terms.slice(drop);
      this.ids = this.ids.slice(drop);
      this.prevTerms = this.prevTerms.slice(drop);
      this.members = this.members.slice(drop);
      this.times = this.times.slice(drop);
      this.start += drop;
    }
    for (const index of this.otherTerms.keys()) if (index <= floor) this.otherTerms.delete(index);
  }
}

export function logMatching(): Check {
  const byIndex = new FirstSeen();
  return {
    invariant: 'LogMatching',
    onLog(c, t) {
      let detail: string | null = null;
      for (let i = c.firstChanged; i <= c.newLen; i++) {
        const entry = newEntryAt(c, i)!;
        const prevTerm = newTermAt(c, i - 1)!;
        const seen = byIndex.find(i, entry[0], () => ({ term: entry[0], id: entry[1], prevTerm, member: c.member.name, t }));
        if (seen === undefined) continue;
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
      byIndex.deleteUpTo(floor);
    },
  };
}
