/**
 * What a checker reports, and the small formatting helpers every invariant uses so that details
 * read the same way: members by name, `(index 5, term 3, 'app#2')`, `at 4210 ms`.
 */

/** The safety invariants, by the names used in reports (raft Figure 3 first, then etcd's). */
export const INVARIANTS = [
  'ElectionSafety',
  'LeaderAppendOnly',
  'LogMatching',
  'LeaderCompleteness',
  'StateMachineSafety',
  'AcknowledgedWritesDurable',
  'RevisionMonotonic',
  'CommitIndexMonotonic',
  'NoDoubleVote',
  'DurableVote',
  'CommitOwnTerm',
  'LeaderStepsDown',
] as const;

/**
 * `TraceWellFormed` is not a property of the cluster but of the trace: an event the checkers
 * consume is missing a field, or contradicts the emitting member's own earlier events (a log
 * with a gap, a commit past the end of the member's log). Reported so that a producer bug is
 * not mistaken for, or hidden behind, a consensus bug.
 */
export type InvariantName = (typeof INVARIANTS)[number] | 'TraceWellFormed';

export interface Violation {
  invariant: InvariantName;
  /** Virtual time (ms) of the event that exposed the violation. */
  t: number;
  /**
   * Trace line number of that event. For violations found by `finish()` (at the end of the run),
   * `t` and `seq` are those of the event the finding is about (the acknowledgement).
   */
  seq: number;
  /** A sentence for a human: names members, terms, indexes and entry ids. */
  detail: string;
}

/** A log entry as the trace carries it. */
export type LogEntry = readonly [term: number, id: string];

export function quote(id: string): string {
  return `'${id}'`;
}

/** `(term 3, 'app#2')` */
export function fmtEntry(entry: LogEntry): string {
  return `(term ${entry[0]}, ${quote(entry[1])})`;
}

/** `(index 5, term 3, 'app#2')` */
export function fmtIndexed(index: number, entry: LogEntry): string {
  return `(index ${index}, term ${entry[0]}, ${quote(entry[1])})`;
}

/** `1 entry`, `3 entries` */
export function entriesCount(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

export function ms(t: number): string {
  return `${t} ms`;
}

export function sameEntry(a: LogEntry | undefined, b: LogEntry | undefined): boolean {
  return a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
}
