/**
 * kubesim's safety checkers over the trace: raft's Figure 3 invariants plus etcd's guarantees
 * about acknowledged writes and revisions (see each invariant's file for its exact statement).
 *
 * They run live (`watch` subscribes a checker to the recorder; every event is checked as it is
 * recorded) or offline (`checkTrace` on events, `checkTraceFile` on a JSON-lines trace). Both are
 * incremental: an event costs what it changes (its entries, one role, one commit advance), never
 * the history.
 *
 * Events consumed: `raft.role`, `raft.log`, `raft.commit`, `raft.compact`, `raft.snapshot`,
 * `raft.vote`, `etcd.apply`, `etcd.op`, `fault` (crash/restart). Other kinds are ignored. Ordering the producer must respect:
 * - a member's `raft.log` comes before the `raft.commit` that commits those entries, and a
 *   `raft.commit` before the `etcd.apply` of the entries it commits;
 * - a write is acknowledged (`etcd.op` complete/ok) after its entry's `raft.commit` on some member;
 * - a leader that steps down emits its `raft.role` before changing its log as a follower;
 * - a member that moves to a higher term to grant a vote emits its `raft.role` before the `raft.vote`.
 */
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import type { TraceEvent } from '../kernel/trace.ts';
import { acknowledgedWritesDurable } from './acknowledged-writes-durable.ts';
import type { Check } from './check.ts';
import { commitIndexMonotonic } from './commit-index-monotonic.ts';
import { commitOwnTerm } from './commit-own-term.ts';
import { electionSafety } from './election-safety.ts';
import { isConsumed, parseEvent } from './events.ts';
import { durableVote, noDoubleVote } from './votes.ts';
import { leaderAppendOnly } from './leader-append-only.ts';
import { leaderCompleteness } from './leader-completeness.ts';
import { leaderStepsDown } from './leader-steps-down.ts';
import { logMatching } from './log-matching.ts';
import { ClusterModel } from './model.ts';
import { revisionMonotonic } from './revision-monotonic.ts';
import { stateMachineSafety } from './state-machine-safety.ts';
import type { InvariantName, Violation } from './violation.ts';

export { INVARIANTS, type InvariantName, type LogEntry, type Violation } from './violation.ts';

export interface InvariantOptions {
  /**
   * With CheckQuorum on, the longest a leader may keep leading after a leader of a higher term
   * was elected (LeaderStepsDown; two election timeouts). Absent: not checked (CheckQuorum off,
   * or the timing unknown, as for a trace file).
   */
  staleLeaderMaxMs?: number;
}

/**
 * Checks every invariant, event by event. When one event breaks several invariants, all are
 * recorded, in this order: ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness,
 * StateMachineSafety, AcknowledgedWritesDurable, RevisionMonotonic, CommitIndexMonotonic,
 * NoDoubleVote, DurableVote, CommitOwnTerm, LeaderStepsDown (the raft cause before its etcd consequence); a malformed event yields only TraceWellFormed. The checker
 * keeps following the trace after a violation, but later findings may be consequences of the first.
 */
export class InvariantChecker {
  private readonly model = new ClusterModel();
  private readonly checks: readonly Check[];
  private readonly found: Violation[] = [];
  private late: Violation[] | null = null;

  constructor(options: InvariantOptions = {}) {
    this.checks = [...InvariantChecker.alwaysChecked(), ...(options.staleLeaderMaxMs !== undefined ? [leaderStepsDown(options.staleLeaderMaxMs)] : [])];
  }

  private static alwaysChecked(): Check[] {
    return [
      electionSafety(),
      leaderAppendOnly(),
      logMatching(),
      leaderCompleteness(),
      stateMachineSafety(),
      acknowledgedWritesDurable(),
      revisionMonotonic(),
      commitIndexMonotonic(),
      noDoubleVote(),
      durableVote(),
      commitOwnTerm(),
    ];
  }

  /**
   * What the checkers still keep per index (tests: memory stays bounded under compaction, and
   * members' logs share one [term, id] pair per entry: `logPairs` counts the distinct pairs).
   */
  retained(): { floor: number; committed: number; logPairs: number } {
    // A pair is either an index's first-seen entry that some log holds, or an entry of a member's
    // overlay (where its log differs from the first-seen one).
    const pairs = new Set<unknown>();
    for (const m of this.model.members.values()) {
      for (let i = m.logStart + 1; i <= m.lastIndex; i++) pairs.add(m.overlay?.get(i) ?? i);
    }
    return { floor: this.model.floor, committed: this.model.committed.size, logPairs: pairs.size };
  }

  /** Every violation found so far, `finish()`'s included once it ran. */
  get violations(): readonly Violation[] {
    return this.found;
  }

  /** Checks one event; returns the first violation it exposes (see `observeAll`), or null. */
  observe(event: TraceEvent): Violation | null {
    return this.observeAll(event)[0] ?? null;
  }

  /** Checks one event; returns every violation it exposes, in the class's invariant order. */
  observeAll(event: TraceEvent): Violation[] {
    if (this.late !== null) throw new Error('InvariantChecker: observe after finish');
    if (!isConsumed(event.kind)) return [];
    const out: Violation[] = [];
    const e = parseEvent(event);
    if (typeof e === 'string') {
      const t = typeof event.t === 'number' ? event.t : -1;
      const seq = typeof event.seq === 'number' ? event.seq : -1;
      const v: Violation = { invariant: 'TraceWellFormed', t, seq, detail: e };
      this.found.push(v);
      return [v];
    }
    const model = this.model;
    switch (e.kind) {
      case 'raft.role': {
        const m = model.member(e.member);
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onRole?.(e, m, model));
        model.applyRole(m, e.role, e.term, e.t);
        break;
      }
      case 'raft.log': {
        const change = model.describeLog(model.member(e.member), e.from, e.entries);
        if (typeof change === 'string') {
          addViolation(out, e, 'TraceWellFormed', change);
          break;
        }
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onLog?.(change, e.t, model));
        model.applyLog(change, e.t);
        break;
      }
      case 'raft.commit': {
        const change = model.describeCommit(model.member(e.member), e.index, e.term, e.t);
        if (typeof change === 'string') {
          addViolation(out, e, 'TraceWellFormed', change);
          break;
        }
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onCommit?.(change, e.t, model));
        model.applyCommit(change, e.t);
        break;
      }
      case 'raft.compact':
      case 'raft.snapshot': {
        const change = model.describePrefix(model.member(e.member), e.kind === 'raft.compact' ? 'compact' : 'snapshot', e.index, e.term);
        if (typeof change === 'string') {
          addViolation(out, e, 'TraceWellFormed', change);
          break;
        }
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onPrefix?.(change, e.t, model));
        if (model.applyPrefix(change, e.t)) for (const c of this.checks) c.onFloor?.(model.floor, model);
        break;
      }
      case 'raft.vote': {
        const m = model.member(e.voter);
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onVote?.(e, m, model));
        break;
      }
      case 'etcd.apply': {
        const m = model.member(e.member);
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onApply?.(e, m, model));
        model.applyApply(e);
        break;
      }
      case 'etcd.op':
        for (const c of this.checks) addViolation(out, e, c.invariant, c.onOp?.(e, model));
        break;
      case 'fault':
        // Only the model changes: everything durable (term, log, commit index, revisions) stays.
        for (const name of e.targets) {
          if (e.action === 'crash') model.crash(model.member(name));
          else if (e.action === 'restart') model.restart(model.member(name), e.t, e.seq);
        }
        break;
    }
    this.found.push(...out);
    return out;
  }

  /**
   * Ends the run: checks what can only be judged at the end (every acknowledged write was applied
   * with its revision). Returns those violations only; call once, after the last event (a second
   * call returns the same list).
   */
  finish(): Violation[] {
    if (this.late !== null) return this.late;
    const late: Violation[] = [];
    for (const c of this.checks) {
      for (const f of c.finish?.(this.model) ?? []) late.push({ invariant: c.invariant, t: f.t, seq: f.seq, detail: f.detail });
    }
    this.late = late;
    this.found.push(...late);
    return late;
  }
}

export interface CheckTraceOptions {
  /**
   * true (default): stop at the first event that breaks an invariant and return that event's
   * violations (later ones may only be its consequences); if none, return `finish()`'s.
   * false: run to the end and return every violation, `finish()`'s last.
   */
  stopAtFirst?: boolean;
}

/**
 * Adds a check's finding on `e`, if it has one. A module function, not a closure per event: tsx's
 * keepNames names every closure it creates (an Object.defineProperty per call).
 */
function addViolation(out: Violation[], e: { t: number; seq: number }, invariant: InvariantName, detail: string | null | undefined): void {
  if (detail != null) out.push({ invariant, t: e.t, seq: e.seq, detail });
}

/** Checks a whole trace offline. An empty result means no invariant was broken. */
export function checkTrace(events: Iterable<TraceEvent>, options: CheckTraceOptions = {}): Violation[] {
  const stopAtFirst = options.stopAtFirst ?? true;
  const checker = new InvariantChecker();
  for (const event of events) {
    const vs = checker.observeAll(event);
    if (stopAtFirst && vs.length > 0) return vs;
  }
  checker.finish();
  return [...checker.violations];
}

/**
 * A trace file that cannot be checked: missing, not a regular file, empty, cut short, or not a
 * kubesim trace. `line` is 1-based, 0 for the file as a whole; the message is the whole report
 * (`file:line: …` or `file: …`, what is wrong and how to fix it), with no stack.
 */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    what: string,
  ) {
    super(`${line > 0 ? `${file}:${line}` : file}: ${what}`);
    this.stack = this.message;
  }
}

/** The longest trace line read (a real one is a few hundred bytes; a k8s.explain line a few hundred KiB). */
export const MAX_TRACE_LINE_BYTES = 16 * 1024 * 1024;

const NOT_A_TRACE_FIX = 'Fix: give a trace written by kubesim run <scenario> --trace <file>';

/**
 * Checks each line's envelope as it comes: a JSON object with a number `t` (never decreasing), an
 * integer `seq` counting the events from 0 (no line missing or out of order), and a string `kind`.
 */
class TraceLines {
  private events = 0;
  private lastT = 0;

  constructor(private readonly file: string) {}

  /** The event of line `lineNo`, undefined for a blank line; `last`: the file ended without a newline. */
  parse(line: string, lineNo: number, last = false): TraceEvent | undefined {
    if (line.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // The parser's message quotes the line: not repeated, the file may be anything.
      const why = last ? 'the last line is cut short: the trace was truncated (was the run interrupted, or the disk full?)' : `trace line ${lineNo} is not JSON: this is not a kubesim trace, or it is damaged`;
      throw new TraceFileError(this.file, lineNo, `${why}. ${NOT_A_TRACE_FIX}.`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TraceFileError(this.file, lineNo, `trace line ${lineNo} is not a trace event (a JSON object with t, seq and kind). ${NOT_A_TRACE_FIX}.`);
    }
    const e = value as { t?: unknown; seq?: unknown; kind?: unknown };
    if (typeof e.kind !== 'string' || typeof e.t !== 'number' || !Number.isFinite(e.t) || e.t < 0 || typeof e.seq !== 'number' || !Number.isInteger(e.seq)) {
      const missing = [typeof e.t === 'number' && Number.isFinite(e.t) && e.t >= 0 ? '' : 't (a virtual time in ms)', typeof e.seq === 'number' && Number.isInteger(e.seq) ? '' : 'seq (an integer)', typeof e.kind === 'string' ? '' : 'kind (a string)'].filter(Boolean);
      throw new TraceFileError(this.file, lineNo, `trace line ${lineNo} is not a trace event: it has no valid ${missing.join(', ')}. ${NOT_A_TRACE_FIX}.`);
    }
    if (e.seq !== this.events) {
      const why = this.events === 0 ? `the trace starts at seq ${e.seq}, not 0: its beginning is missing` : `seq ${e.seq} follows seq ${this.events - 1}: lines are missing or out of order`;
      throw new TraceFileError(this.file, lineNo, `${why}. Fix: check the whole trace as kubesim run wrote it.`);
    }
    if (e.t < this.lastT) {
      throw new TraceFileError(this.file, lineNo, `trace line ${lineNo} goes back in time (t ${e.t} after ${this.lastT}): the lines are out of order. Fix: check the trace as kubesim run wrote it.`);
    }
    this.events++;
    this.lastT = e.t;
    return value as TraceEvent;
  }

  /** At the end of the file: a trace has at least one event. */
  end(): void {
    if (this.events === 0) throw new TraceFileError(this.file, 0, `the trace is empty (no events). ${NOT_A_TRACE_FIX}.`);
  }
}

/** Parses a JSON-lines trace (blank lines skipped); throws a TraceFileError naming the line that is not an event. */
export function* parseTraceLines(text: string, file = 'trace'): Generator<TraceEvent> {
  const lines = new TraceLines(file);
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const event = lines.parse(all[i]!, i + 1, i === all.length - 1);
    if (event) yield event;
  }
  lines.end();
}

/**
 * Streams the events of a JSON-lines trace file: a regular file only, read in chunks (a trace may
 * be larger than memory), each line at most MAX_TRACE_LINE_BYTES. Throws TraceFileError.
 */
export function* readTraceFile(path: string): Generator<TraceEvent> {
  const cannot = (why: string, fix: string): TraceFileError => new TraceFileError(path, 0, `cannot read the trace: ${why}. Fix: ${fix}.`);
  let fd: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw cannot('it is a folder', 'give the path of a trace file');
    if (!st.isFile()) throw cannot('it is not a regular file (a device, a pipe or a socket)', 'give the path of a trace file');
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (err instanceof TraceFileError) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') throw cannot('no such file', 'check the path, or write one with kubesim run <scenario> --trace <file>');
    if (code === 'EACCES' || code === 'EPERM') throw cannot('permission denied', 'check the file permissions');
    throw cannot(typeof code === 'string' ? code : String(err), 'check the path');
  }
  try {
    const lines = new TraceLines(path);
    const decoder = new TextDecoder('utf-8');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let pending = '';
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = n === 0 ? decoder.decode() : decoder.decode(buf.subarray(0, n), { stream: true });
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        const line = pending + text.slice(from, nl);
        pending = '';
        from = nl + 1;
        const event = lines.parse(line, ++lineNo);
        if (event) yield event;
      }
      pending += text.slice(from);
      if (pending.length > MAX_TRACE_LINE_BYTES) {
        throw new TraceFileError(path, lineNo + 1, `trace line ${lineNo + 1} is longer than ${MAX_TRACE_LINE_BYTES / 1024 / 1024} MiB: this is not a kubesim trace. ${NOT_A_TRACE_FIX}.`);
      }
      if (n === 0) break;
    }
    if (pending !== '') {
      const event = lines.parse(pending, ++lineNo, true);
      if (event) yield event;
    }
    lines.end();
  } finally {
    closeSync(fd);
  }
}

/** `checkTrace` on a JSON-lines trace file (see readTraceFile). */
export function checkTraceFile(path: string, options: CheckTraceOptions = {}): Violation[] {
  return checkTrace(readTraceFile(path), options);
}

/**
 * Runs a checker live on a recorder (anything with `subscribe`, like `TraceRecorder`): every
 * violation is handed to `onViolation` as soon as the event that exposes it is recorded.
 */
export function watch(
  recorder: { subscribe(listener: (event: TraceEvent) => void): void },
  onViolation: (violation: Violation) => void,
): InvariantChecker {
  const checker = new InvariantChecker();
  recorder.subscribe((event) => {
    for (const v of checker.observeAll(event)) onViolation(v);
  });
  return checker;
}
