/**
 * kubesim's safety checkers over the trace: raft's Figure 3 invariants plus etcd's guarantees
 * about acknowledged writes and revisions (see each invariant's file for its exact statement).
 *
 * They run live (`watch` subscribes a checker to the recorder; every event is checked as it is
 * recorded) or offline (`checkTrace` on events, `checkTraceFile` on a JSON-lines trace). Both are
 * incremental: an event costs what it changes (its entries, one role, one commit advance), never
 * the history.
 *
 * Events consumed: `raft.role`, `raft.log`, `raft.commit`, `etcd.apply`, `etcd.op`, `fault`
 * (crash/restart). Other kinds are ignored. Ordering the producer must respect:
 * - a member's `raft.log` comes before the `raft.commit` that commits those entries, and a
 *   `raft.commit` before the `etcd.apply` of the entries it commits;
 * - a write is acknowledged (`etcd.op` complete/ok) after its entry's `raft.commit` on some member;
 * - a leader that steps down emits its `raft.role` before changing its log as a follower.
 */
import { readFileSync } from 'node:fs';
import type { TraceEvent } from '../kernel/trace.ts';
import { acknowledgedWritesDurable } from './acknowledged-writes-durable.ts';
import type { Check } from './check.ts';
import { commitIndexMonotonic } from './commit-index-monotonic.ts';
import { electionSafety } from './election-safety.ts';
import { isConsumed, parseEvent } from './events.ts';
import { leaderAppendOnly } from './leader-append-only.ts';
import { leaderCompleteness } from './leader-completeness.ts';
import { logMatching } from './log-matching.ts';
import { ClusterModel } from './model.ts';
import { revisionMonotonic } from './revision-monotonic.ts';
import { stateMachineSafety } from './state-machine-safety.ts';
import type { InvariantName, Violation } from './violation.ts';

export { INVARIANTS, type InvariantName, type LogEntry, type Violation } from './violation.ts';

/**
 * Checks every invariant, event by event. When one event breaks several invariants, all are
 * recorded, in this order: ElectionSafety, LeaderAppendOnly, LogMatching, LeaderCompleteness,
 * StateMachineSafety, AcknowledgedWritesDurable, RevisionMonotonic, CommitIndexMonotonic (the raft
 * cause before its etcd consequence); a malformed event yields only TraceWellFormed. The checker
 * keeps following the trace after a violation, but later findings may be consequences of the first.
 */
export class InvariantChecker {
  private readonly model = new ClusterModel();
  private readonly checks: readonly Check[] = [
    electionSafety(),
    leaderAppendOnly(),
    logMatching(),
    leaderCompleteness(),
    stateMachineSafety(),
    acknowledgedWritesDurable(),
    revisionMonotonic(),
    commitIndexMonotonic(),
  ];
  private readonly found: Violation[] = [];
  private late: Violation[] | null = null;

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
    const add = (invariant: InvariantName, detail: string | null | undefined): void => {
      if (detail != null) out.push({ invariant, t: e.t, seq: e.seq, detail });
    };
    const model = this.model;
    switch (e.kind) {
      case 'raft.role': {
        const m = model.member(e.member);
        for (const c of this.checks) add(c.invariant, c.onRole?.(e, m, model));
        model.applyRole(m, e.role, e.term, e.t);
        break;
      }
      case 'raft.log': {
        const change = model.describeLog(model.member(e.member), e.from, e.entries);
        if (typeof change === 'string') {
          add('TraceWellFormed', change);
          break;
        }
        for (const c of this.checks) add(c.invariant, c.onLog?.(change, e.t, model));
        model.applyLog(change);
        break;
      }
      case 'raft.commit': {
        const change = model.describeCommit(model.member(e.member), e.index, e.term, e.t);
        if (typeof change === 'string') {
          add('TraceWellFormed', change);
          break;
        }
        for (const c of this.checks) add(c.invariant, c.onCommit?.(change, e.t, model));
        model.applyCommit(change, e.t);
        break;
      }
      case 'etcd.apply': {
        const m = model.member(e.member);
        for (const c of this.checks) add(c.invariant, c.onApply?.(e, m, model));
        break;
      }
      case 'etcd.op':
        for (const c of this.checks) add(c.invariant, c.onOp?.(e, model));
        break;
      case 'fault':
        // Only the model changes: everything durable (term, log, commit index, revisions) stays.
        for (const name of e.targets) {
          if (e.action === 'crash') model.crash(model.member(name));
          else if (e.action === 'restart') model.restart(model.member(name), e.t);
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

/** Parses a JSON-lines trace (blank lines skipped); throws naming the line that is not JSON. */
export function* parseTraceLines(text: string): Generator<TraceEvent> {
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`trace line ${lineNo}: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string') {
      throw new Error(`trace line ${lineNo}: not a trace event (an object with a kind)`);
    }
    yield value as TraceEvent;
  }
}

/** `checkTrace` on a JSON-lines trace file. */
export function checkTraceFile(path: string, options: CheckTraceOptions = {}): Violation[] {
  return checkTrace(parseTraceLines(readFileSync(path, 'utf8')), options);
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
