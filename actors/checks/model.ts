/**
 * The checkers' shared picture of the cluster, rebuilt from the trace: each member's role, term,
 * log and commit index, and the entries committed anywhere. Every invariant reads it; only the
 * composer (`index.ts`) changes it, after every invariant has seen the event against the state
 * *before* it. Each invariant keeps whatever else it needs itself.
 *
 * Durability follows the contract: term, log and commit index survive a crash; the role does not
 * (`down` while crashed, `follower` after a restart until the member says otherwise).
 *
 * Compacted logs: a member's log may start after a prefix it compacted (`raft.compact`) or that a
 * snapshot replaced (`raft.snapshot`). That prefix is committed (checked when it goes), so the
 * checkers treat it as the committed prefix: they compare only indexes both sides still hold.
 * Below the lowest compacted index of all members (`floor`) no log holds anything, and the
 * checkers forget what they kept per index there (`Check.onFloor`): memory stays bounded.
 */
import type { Role } from './events.ts';
import { IndexRecords } from './index-records.ts';
import { fmtIndexed, ms, type LogEntry } from './violation.ts';

export interface MemberState {
  readonly name: string;
  role: Role | 'down';
  /** Current term (the leadership term while `role` is `leader`). */
  term: number;
  /** When it became leader of `term` (meaningful while `role` is `leader`). */
  leaderSince: number;
  /** Index and term of the last entry compacted away or covered by a restored snapshot (0, 0: none). */
  logStart: number;
  logStartTerm: number;
  /** The log holds indexes logStart+1 .. lastIndex. */
  lastIndex: number;
  /**
   * Where the member's entry differs from the first one seen at its index (`records`), the
   * member's own (null: nowhere). Nearly always null: five logs hold the same entries, and each
   * index's first-seen [term, id] stands for all of them.
   */
  overlay: Map<number, LogEntry> | null;
  readonly records: IndexRecords;
  commitIndex: number;
  /** When the commit index last advanced (null: never). */
  commitAt: number | null;
  /** Time of the latest restart (null: never restarted). */
  restartedAt: number | null;
  /** Trace seq of the latest restart (null: never restarted): orders it against events of the same ms. */
  restartedSeq: number | null;
}

/** The first member seen committing a given index, and what it committed there. */
export interface CommittedEntry {
  readonly index: number;
  readonly entry: LogEntry;
  /**
   * The term in which the entry became committed (not the entry's own term): the committing
   * member's current term, or the term of the entry it committed up to if that is higher. In a
   * correct trace the first member to commit an index is the leader that did it, so this is
   * that leader's term. Raft's Leader Completeness is about leaders of later terms than this.
   */
  readonly commitTerm: number;
  readonly member: string;
  readonly t: number;
}

/** The member's entry at `index` (a new pair unless it differs from the seen one), or undefined. */
export function entryAt(m: MemberState, index: number): LogEntry | undefined {
  if (index <= m.logStart || index > m.lastIndex) return undefined;
  const own = m.overlay?.get(index);
  return own !== undefined ? own : [m.records.seenTerm(index), m.records.seenId(index)];
}

/** The id of the member's entry at `index`, or undefined (entryAt without the pair). */
export function idAt(m: MemberState, index: number): string | undefined {
  if (index <= m.logStart || index > m.lastIndex) return undefined;
  const own = m.overlay?.get(index);
  return own !== undefined ? own[1] : m.records.seenId(index);
}

/** True when the member's entry at `index` is `entry` (same term and id). */
export function holdsEntry(m: MemberState, index: number, entry: LogEntry): boolean {
  if (index <= m.logStart || index > m.lastIndex) return false;
  const own = m.overlay?.get(index);
  if (own !== undefined) return own[0] === entry[0] && own[1] === entry[1];
  return m.records.seenTerm(index) === entry[0] && m.records.seenId(index) === entry[1];
}

export function lastIndexOf(m: MemberState): number {
  return m.lastIndex;
}

/** True when `index` lies in the member's compacted (hence committed) prefix. */
export function compactedAt(m: MemberState, index: number): boolean {
  return index >= 1 && index <= m.logStart;
}

/** Term at `index` (0 at index 0, the compacted prefix's last term at logStart), or undefined. */
export function termAt(m: MemberState, index: number): number | undefined {
  if (index === 0) return 0;
  if (index === m.logStart) return m.logStartTerm;
  if (index < m.logStart || index > m.lastIndex) return undefined;
  const own = m.overlay?.get(index);
  return own !== undefined ? own[0] : m.records.seenTerm(index);
}

/** Ends with `its log ends at index n` or `its log starts after index n (compacted)`: for reports. */
export function describeLogEnds(m: MemberState): string {
  if (m.logStart === 0) return `its log ends at index ${m.lastIndex}`;
  if (m.lastIndex === m.logStart) return `its log is compacted up to index ${m.logStart} and holds nothing after it`;
  return `its log holds indexes ${m.logStart + 1}..${lastIndexOf(m)} (compacted up to ${m.logStart})`;
}

export function describeCommitted(c: CommittedEntry): string {
  return `${fmtIndexed(c.index, c.entry)}, committed in term ${c.commitTerm} on ${c.member} at ${ms(c.t)}`;
}

/**
 * One `raft.log` event, measured against the member's log before it. Only indexes from
 * `firstChanged` on differ; rewriting an identical prefix (from ≤ old length with the same
 * entries) changes nothing, so checks look at `[firstChanged, oldLen]` (entries removed or
 * replaced) and `[firstChanged, newLen]` (entries added or replacing).
 */
export interface LogChange {
  readonly member: MemberState;
  readonly from: number;
  readonly entries: readonly LogEntry[];
  readonly oldLen: number;
  readonly newLen: number;
  /** First index whose entry differs between old and new log; > max(oldLen, newLen) if none. */
  readonly firstChanged: number;
}

export function newEntryAt(c: LogChange, index: number): LogEntry | undefined {
  return index < c.from ? entryAt(c.member, index) : c.entries[index - c.from];
}

/** Term at `index` in the log after the change (see termAt), or undefined. */
export function newTermAt(c: LogChange, index: number): number | undefined {
  return index < c.from ? termAt(c.member, index) : c.entries[index - c.from]?.[0];
}

/** A `raft.compact` (prefix up to `index` dropped) or `raft.snapshot` (log replaced by a snapshot at `index`). */
export interface PrefixChange {
  readonly member: MemberState;
  readonly kind: 'compact' | 'snapshot';
  readonly index: number;
  readonly term: number;
}

/** One `raft.commit` event, measured against the member's commit index before it. */
export interface CommitChange {
  readonly member: MemberState;
  readonly oldIndex: number;
  readonly newIndex: number;
  /** Entries newly committed on this member (oldIndex+1 .. newIndex); empty unless it advanced. */
  readonly newlyCommitted: readonly CommittedEntry[];
}

/** Index → the entry first committed there, as `CommittedEntry` records made on demand from the columns. */
export class CommittedEntries {
  constructor(private readonly records: IndexRecords) {}

  has(index: number): boolean {
    return this.records.isCommitted(index);
  }

  get(index: number): CommittedEntry | undefined {
    const c = this.records.committed(index);
    return c === undefined ? undefined : { index, entry: c.entry, commitTerm: c.commitTerm, member: c.member, t: c.t };
  }

  /** Committed indexes kept (above the floor). Counts them: for tests. */
  get size(): number {
    return this.records.committedCount();
  }
}

export class ClusterModel {
  readonly members = new Map<string, MemberState>();
  /** Per index: the first entry seen, first committed and first applied there (shared by all checks). */
  readonly records = new IndexRecords();
  /** Index → the entry committed there (as first seen). Keys are 1..maxCommitted (barring violations). */
  readonly committed = new CommittedEntries(this.records);
  maxCommitted = 0;
  /**
   * Runs of globally committed indexes by commit term, in the order they were committed:
   * `{ term, upTo }` says indexes up to `upTo` were committed by term `term`. One run per term
   * (commit terms never decrease along the log in a correct trace), so it stays tiny.
   */
  private readonly commitRuns: { term: number; upTo: number }[] = [];
  /** Members whose role is `leader` right now (of possibly different terms). */
  readonly leaders = new Set<MemberState>();
  /** No member's log holds an index at or below this: the lowest `logStart` of all members. */
  floor = 0;

  member(name: string): MemberState {
    let m = this.members.get(name);
    if (m === undefined) {
      m = { name, role: 'follower', term: 0, leaderSince: 0, logStart: 0, logStartTerm: 0, lastIndex: 0, overlay: null, records: this.records, commitIndex: 0, commitAt: null, restartedAt: null, restartedSeq: null };
      this.members.set(name, m);
    }
    return m;
  }

  /** Measures a `raft.log`; a string if it would leave a gap in the member's log. */
  describeLog(m: MemberState, from: number, entries: readonly LogEntry[]): LogChange | string {
    const oldLen = lastIndexOf(m);
    if (from > oldLen + 1) {
      return `${m.name} logged entries from index ${from} but its log ends at ${oldLen} (a gap)`;
    }
    if (from <= m.logStart) {
      return `${m.name} logged entries from index ${from} but its log was compacted up to ${m.logStart}`;
    }
    const newLen = from - 1 + entries.length;
    let k = from;
    const common = Math.min(oldLen, newLen);
    while (k <= common && holdsEntry(m, k, entries[k - from]!)) k++;
    return { member: m, from, entries, oldLen, newLen, firstChanged: k };
  }

  /**
   * Applies a `raft.log` to the member's log: records each new index's first entry (with the
   * member, the time and the term before it, for LogMatching), and keeps in the member's overlay
   * only the entries that differ from it.
   */
  applyLog(c: LogChange, t: number): void {
    const m = c.member;
    if (c.firstChanged > Math.max(c.oldLen, c.newLen)) return;
    const records = this.records;
    for (let i = c.firstChanged; i <= c.newLen; i++) {
      const entry = c.entries[i - c.from]!;
      const seenTerm = records.seenTerm(i);
      if (Number.isNaN(seenTerm)) records.see(i, entry, newTermAt(c, i - 1)!, m.name, t);
      if (Number.isNaN(seenTerm) || (seenTerm === entry[0] && records.seenId(i) === entry[1])) m.overlay?.delete(i);
      else (m.overlay ??= new Map()).set(i, entry);
    }
    if (m.overlay !== null) {
      for (const k of m.overlay.keys()) if (k > c.newLen) m.overlay.delete(k);
      if (m.overlay.size === 0) m.overlay = null;
    }
    m.lastIndex = c.newLen;
  }

  /** Records the first apply at an index (after every check has seen the event). */
  applyApply(e: { index: number; member: string; id: string; revision: number; t: number }): void {
    this.records.apply(e);
  }

  /**
   * Measures a `raft.compact` or `raft.snapshot`; a string if it is malformed: a compaction past
   * the member's own log or with a term its log does not hold there.
   */
  describePrefix(m: MemberState, kind: 'compact' | 'snapshot', index: number, term: number): PrefixChange | string {
    if (kind === 'compact') {
      if (index > lastIndexOf(m)) return `${m.name} compacted its log up to ${index} but its log ends at ${lastIndexOf(m)}`;
      const there = termAt(m, index);
      if (there !== undefined && there !== term) return `${m.name} compacted up to index ${index} with term ${term}, but its log has term ${there} there`;
    }
    return { member: m, kind, index, term };
  }

  /** Applies a compaction or snapshot to the member's log (and commit index), then moves the floor. */
  applyPrefix(c: PrefixChange, t: number): boolean {
    const m = c.member;
    if (c.kind === 'compact') {
      if (c.index <= m.logStart) return false;
      if (m.overlay !== null) {
        for (const k of m.overlay.keys()) if (k <= c.index) m.overlay.delete(k);
        if (m.overlay.size === 0) m.overlay = null;
      }
    } else {
      m.lastIndex = c.index;
      m.overlay = null;
      if (c.index > m.commitIndex) {
        m.commitIndex = c.index;
        m.commitAt = t;
      }
    }
    m.logStart = c.index;
    m.logStartTerm = c.term;
    let floor = Infinity;
    for (const other of this.members.values()) floor = Math.min(floor, other.logStart);
    if (floor <= this.floor) return false;
    this.floor = floor;
    this.records.dropUpTo(floor);
    return true;
  }

  /**
   * Measures a `raft.commit`; a string if the member commits past the end of its own log or
   * reports a term its log does not hold there. A decrease is returned as a change (with nothing
   * newly committed) for `CommitIndexMonotonic` to judge.
   */
  describeCommit(m: MemberState, index: number, term: number, t: number): CommitChange | string {
    if (index > lastIndexOf(m)) {
      return `${m.name} moved its commit index to ${index} but its log ends at ${lastIndexOf(m)}`;
    }
    const termThere = termAt(m, index);
    if (termThere !== undefined && termThere !== term) {
      return `${m.name} committed index ${index} with term ${term}, but its log has term ${termThere} there`;
    }
    const newlyCommitted: CommittedEntry[] = [];
    const commitTerm = Math.max(m.term, term);
    for (let i = Math.max(m.commitIndex, m.logStart) + 1; i <= index; i++) {
      newlyCommitted.push({ index: i, entry: entryAt(m, i)!, commitTerm, member: m.name, t });
    }
    return { member: m, oldIndex: m.commitIndex, newIndex: index, newlyCommitted };
  }

  applyCommit(c: CommitChange, t: number): void {
    // The commit index is durable and never goes back; after a (reported) decrease the checkers
    // keep the higher, persisted value so that later overwrites of committed entries still count.
    if (c.newIndex <= c.oldIndex) return;
    c.member.commitIndex = c.newIndex;
    c.member.commitAt = t;
    for (const ce of c.newlyCommitted) {
      if (this.records.isCommitted(ce.index)) continue;
      this.records.commit(ce.index, ce.entry, ce.commitTerm, ce.member, ce.t);
      const run = this.commitRuns[this.commitRuns.length - 1];
      if (run !== undefined && run.term === ce.commitTerm) run.upTo = Math.max(run.upTo, ce.index);
      else this.commitRuns.push({ term: ce.commitTerm, upTo: ce.index });
    }
    if (c.newIndex > this.maxCommitted) this.maxCommitted = c.newIndex;
  }

  /**
   * The highest globally committed index whose commit term is below `term` (0 if none): every
   * entry a leader of `term` must hold lies at or below it. Costs the number of runs (terms).
   */
  lastCommittedBefore(term: number): number {
    let best = 0;
    for (const run of this.commitRuns) if (run.term < term && run.upTo > best) best = run.upTo;
    return best;
  }

  applyRole(m: MemberState, role: Role, term: number, t: number): void {
    if (becomesLeader(m, role, term)) m.leaderSince = t;
    m.role = role;
    m.term = term;
    if (role === 'leader') this.leaders.add(m);
    else this.leaders.delete(m);
  }

  crash(m: MemberState): void {
    m.role = 'down';
    this.leaders.delete(m);
  }

  restart(m: MemberState, t: number, seq: number): void {
    m.role = 'follower';
    m.restartedAt = t;
    m.restartedSeq = seq;
    this.leaders.delete(m);
  }
}

/** True when a `raft.role` makes the member leader of a term it was not already leading. */
export function becomesLeader(m: MemberState, role: Role, term: number): boolean {
  return role === 'leader' && !(m.role === 'leader' && m.term === term);
}
