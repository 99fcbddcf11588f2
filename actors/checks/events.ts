/**
 * The trace events the checkers consume, typed, and their validation. Anything the checkers rely
 * on is checked here once, so the invariants can trust their input; an event that fails is
 * reported as `TraceWellFormed` and otherwise ignored.
 */
import type { TraceEvent } from '../kernel/trace.ts';
import type { LogEntry } from './violation.ts';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';
const ROLES: ReadonlySet<string> = new Set<Role>(['follower', 'pre-candidate', 'candidate', 'leader']);

interface At {
  t: number;
  seq: number;
}

/** `raft.role`: the member's role or term changed. */
export interface RoleEvent extends At {
  kind: 'raft.role';
  member: string;
  role: Role;
  term: number;
}

/** `raft.log`: the member's log is now `old[1..from-1] ++ entries`, nothing after. */
export interface LogEvent extends At {
  kind: 'raft.log';
  member: string;
  from: number;
  entries: LogEntry[];
}

/** `raft.commit`: the member's commit index is now `index`; `term` is its log's term there. */
export interface CommitEvent extends At {
  kind: 'raft.commit';
  member: string;
  index: number;
  term: number;
}

/**
 * `raft.compact`: the member dropped its log up to `index` (whose term, `term`, it keeps);
 * `raft.snapshot`: it restored a snapshot at `index` (term `term`): its log is now empty after
 * `index` and its commit index `index`.
 */
export interface PrefixEvent extends At {
  kind: 'raft.compact' | 'raft.snapshot';
  member: string;
  index: number;
  term: number;
}

/** `etcd.apply`: the member applied log entry `index` (payload `id`), producing `revision`. */
export interface ApplyEvent extends At {
  kind: 'etcd.apply';
  member: string;
  index: number;
  revision: number;
  id: string;
}

/**
 * `etcd.op`, reduced to what the checkers use. `entryId` is the raft entry id of a write: the
 * event's `entry` field when it has one (the client states it on completion), else
 * `${client}#${id}`.
 */
export interface OpEvent extends At {
  kind: 'etcd.op';
  client: string;
  entryId: string;
  op: string;
  key: string;
  phase: 'invoke' | 'complete';
  result: 'ok' | 'fail' | 'timeout' | undefined;
  revision: number | undefined;
}

/**
 * `raft.vote`: `voter` granted its vote in `term` to `candidate` (another member; a candidate's
 * vote for itself is its `raft.role` as candidate of the term). `preVote`: a pre-vote, which
 * binds nothing (etcd's PreVote) and which the vote invariants ignore.
 */
export interface VoteEvent extends At {
  kind: 'raft.vote';
  voter: string;
  candidate: string;
  term: number;
  preVote: boolean;
}

/** `fault`: only `crash` and `restart` change what the checkers track. */
export interface FaultEvent extends At {
  kind: 'fault';
  action: string;
  targets: string[];
}

export type CheckedEvent = RoleEvent | LogEvent | CommitEvent | PrefixEvent | VoteEvent | ApplyEvent | OpEvent | FaultEvent;

const CONSUMED: ReadonlySet<string> = new Set(['raft.role', 'raft.log', 'raft.commit', 'raft.compact', 'raft.snapshot', 'raft.vote', 'etcd.apply', 'etcd.op', 'fault']);

/** True for the kinds the checkers look at; every other kind is ignored without validation. */
export function isConsumed(kind: string): boolean {
  return CONSUMED.has(kind);
}

function isNat(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isName(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function isEntry(v: unknown): v is LogEntry {
  return Array.isArray(v) && v.length === 2 && isNat(v[0]) && typeof v[1] === 'string';
}

/** What is wrong with `e`, as parseEvent reports it (a module function: no closure per event). */
function badEvent(e: TraceEvent, what: string): string {
  return `${e.kind} event (seq ${e.seq}) has ${what}`;
}

/**
 * Types a consumed event, or says what is wrong with it. Call only when `isConsumed(kind)`.
 */
export function parseEvent(e: TraceEvent): CheckedEvent | string {
  const { t, seq } = e;
  if (typeof t !== 'number' || !Number.isFinite(t)) return `${e.kind} event has no numeric t`;
  if (typeof seq !== 'number') return `${e.kind} event at ${t} ms has no numeric seq`;
  switch (e.kind) {
    case 'raft.role': {
      const { member, role, term } = e;
      if (!isName(member)) return badEvent(e, 'no member');
      if (typeof role !== 'string' || !ROLES.has(role)) return badEvent(e, `an unknown role ${JSON.stringify(role)}`);
      if (!isNat(term)) return badEvent(e, 'no valid term');
      return { kind: e.kind, t, seq, member, role: role as Role, term };
    }
    case 'raft.log': {
      const { member, from, entries } = e;
      if (!isName(member)) return badEvent(e, 'no member');
      if (!isNat(from) || from < 1) return badEvent(e, `an invalid from ${JSON.stringify(from)} (indexes start at 1)`);
      if (!Array.isArray(entries)) return badEvent(e, 'no entries array');
      for (const entry of entries) {
        if (!isEntry(entry)) return badEvent(e, `a malformed entry ${JSON.stringify(entry)} (want [term, id])`);
      }
      return { kind: e.kind, t, seq, member, from, entries: entries as LogEntry[] };
    }
    case 'raft.commit': {
      const { member, index, term } = e;
      if (!isName(member)) return badEvent(e, 'no member');
      if (!isNat(index)) return badEvent(e, 'no valid index');
      if (!isNat(term)) return badEvent(e, 'no valid term');
      return { kind: e.kind, t, seq, member, index, term };
    }
    case 'raft.compact':
    case 'raft.snapshot': {
      const { member, index, term } = e;
      if (!isName(member)) return badEvent(e, 'no member');
      if (!isNat(index) || index < 1) return badEvent(e, 'no valid index');
      if (!isNat(term)) return badEvent(e, 'no valid term');
      return { kind: e.kind, t, seq, member, index, term };
    }
    case 'raft.vote': {
      const { voter, candidate, term, preVote } = e;
      if (!isName(voter)) return badEvent(e, 'no voter');
      if (!isName(candidate)) return badEvent(e, 'no candidate');
      if (!isNat(term)) return badEvent(e, 'no valid term');
      if (preVote !== undefined && typeof preVote !== 'boolean') return badEvent(e, `a preVote that is not a boolean ${JSON.stringify(preVote)}`);
      return { kind: e.kind, t, seq, voter, candidate, term, preVote: preVote === true };
    }
    case 'etcd.apply': {
      const { member, index, revision, id } = e;
      if (!isName(member)) return badEvent(e, 'no member');
      if (!isNat(index) || index < 1) return badEvent(e, 'no valid index');
      if (!isNat(revision)) return badEvent(e, 'no valid revision');
      if (typeof id !== 'string') return badEvent(e, 'no id');
      return { kind: e.kind, t, seq, member, index, revision, id };
    }
    case 'etcd.op': {
      const { client, id, op, key, phase, result, revision, entry } = e;
      if (!isName(client)) return badEvent(e, 'no client');
      if (typeof id !== 'string' && typeof id !== 'number') return badEvent(e, 'no id');
      if (typeof op !== 'string') return badEvent(e, 'no op');
      if (phase !== 'invoke' && phase !== 'complete') return badEvent(e, `an unknown phase ${JSON.stringify(phase)}`);
      if (result !== undefined && result !== 'ok' && result !== 'fail' && result !== 'timeout') {
        return badEvent(e, `an unknown result ${JSON.stringify(result)}`);
      }
      if (revision !== undefined && !isNat(revision)) return badEvent(e, 'an invalid revision');
      return {
        kind: e.kind, t, seq, client, entryId: typeof entry === 'string' ? entry : `${client}#${id}`, op,
        key: typeof key === 'string' ? key : '', phase, result, revision,
      };
    }
    case 'fault': {
      const { action, targets } = e;
      if (typeof action !== 'string') return badEvent(e, 'no action');
      const list = targets === undefined ? [] : targets;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) return badEvent(e, 'targets that are not a string array');
      return { kind: e.kind, t, seq, action, targets: list as string[] };
    }
    default:
      return `${e.kind} is not a kind the checkers consume`;
  }
}
