/**
 * A tiny builder for hand-made traces: each call appends one event, assigns seq in order and
 * advances virtual time by `stepMs` (10 ms) unless `at()` sets it.
 */
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { Violation } from '../../actors/checks/index.ts';

export type Entry = [term: number, id: string];

export class TraceBuilder {
  readonly events: TraceEvent[] = [];
  private t = 0;

  constructor(private readonly stepMs = 10) {}

  /** Sets the time of the next event. */
  at(t: number): this {
    this.t = t;
    return this;
  }

  /** Time the next event will get. */
  get now(): number {
    return this.t;
  }

  ev(kind: string, fields: Record<string, unknown> = {}): this {
    this.events.push({ ...fields, t: this.t, seq: this.events.length, kind });
    this.t += this.stepMs;
    return this;
  }

  role(member: string, role: string, term: number): this {
    return this.ev('raft.role', { member, role, term });
  }

  log(member: string, from: number, ...entries: Entry[]): this {
    return this.ev('raft.log', { member, from, entries });
  }

  /** The same log change on several members (a leader's append, replicated). */
  logAll(members: string[], from: number, ...entries: Entry[]): this {
    for (const m of members) this.log(m, from, ...entries);
    return this;
  }

  commit(member: string, index: number, term: number): this {
    return this.ev('raft.commit', { member, index, term });
  }

  commitAll(members: string[], index: number, term: number): this {
    for (const m of members) this.commit(m, index, term);
    return this;
  }

  /** The member dropped its log up to `index` (term `term` there). */
  compact(member: string, index: number, term: number): this {
    return this.ev('raft.compact', { member, index, term });
  }

  compactAll(members: string[], index: number, term: number): this {
    for (const m of members) this.compact(m, index, term);
    return this;
  }

  /** The member restored a snapshot at `index` (term `term`): log empty after it, commit = index. */
  snapshot(member: string, index: number, term: number): this {
    return this.ev('raft.snapshot', { member, index, term });
  }

  /** `voter` granted its vote (or pre-vote) in `term` to `candidate`. */
  vote(voter: string, candidate: string, term: number, preVote = false): this {
    return this.ev('raft.vote', preVote ? { voter, candidate, term, preVote } : { voter, candidate, term });
  }

  apply(member: string, index: number, revision: number, id: string): this {
    return this.ev('etcd.apply', { member, index, revision, id });
  }

  applyAll(members: string[], index: number, revision: number, id: string): this {
    for (const m of members) this.apply(m, index, revision, id);
    return this;
  }

  invoke(client: string, id: number, op: string, key: string): this {
    return this.ev('etcd.op', { client, id, op, key, phase: 'invoke' });
  }

  complete(client: string, id: number, op: string, key: string, result: string, revision?: number): this {
    const fields: Record<string, unknown> = { client, id, op, key, phase: 'complete', result };
    if (revision !== undefined) fields.revision = revision;
    return this.ev('etcd.op', fields);
  }

  crash(...targets: string[]): this {
    return this.ev('fault', { action: 'crash', targets });
  }

  restart(...targets: string[]): this {
    return this.ev('fault', { action: 'restart', targets });
  }
}

export const ALL = ['etcd-0', 'etcd-1', 'etcd-2'];

/**
 * etcd-0 wins term 1 with etcd-1 and etcd-2 as followers, and index 1 (its empty entry) is
 * committed everywhere. Ends at t = 100 ms.
 */
export function elected(): TraceBuilder {
  return new TraceBuilder()
    .role('etcd-0', 'pre-candidate', 0)
    .role('etcd-0', 'candidate', 1)
    .role('etcd-1', 'follower', 1)
    .role('etcd-2', 'follower', 1)
    .role('etcd-0', 'leader', 1)
    .logAll(ALL, 1, [1, ''])
    .commitAll(ALL, 1, 1)
    .at(100);
}

/**
 * `elected()`, then client app's put k=v (op 1) is entry 'app#1' at index 2, committed and applied
 * everywhere with revision 2 and acknowledged. Ends at t = 200 ms.
 */
export function oneWrite(): TraceBuilder {
  return elected()
    .invoke('app', 1, 'put', 'k')
    .logAll(ALL, 2, [1, 'app#1'])
    .commitAll(ALL, 2, 1)
    .applyAll(ALL, 2, 2, 'app#1')
    .complete('app', 1, 'put', 'k', 'ok', 2)
    .at(200);
}

export function invariantsOf(vs: readonly Violation[]): string[] {
  return vs.map((v) => v.invariant);
}
