/**
 * Adapters from kubesim trace events to the histories the pure checkers take.
 *
 * What the trace records today (actors/etcd/client-core.ts, actors/etcd/server.ts):
 * - `etcd.op` invoke: client, id, op, key; put: value; get: consistency; range: prefix,
 *   atRevision, countOnly, consistency; txn: compare [key, target, result, value], success and
 *   failure as [op, key] (no put values, no delete prefix flag).
 * - `etcd.op` complete: client, id, entry (writes), op, key, result ok|fail|timeout, revision
 *   (header revision), error; get: readValue (null = absent); range: count; txn: succeeded.
 * - `etcd.apply`: member, index, revision, id (the entry id), only when the revision changed.
 * - `etcd.watch` create (startRevision, key, prefix), resume (fromRevision), end, and deliver: one
 *   line per watch response that reached the owner, {client, watchId, events: [[revision, type,
 *   key], ...]} and/or {client, watchId, progressRevision} (events delivered before the progress).
 *
 * Time: a history's call and return positions are trace seqs (the simulator's total order, finer
 * than the millisecond: an operation completed at seq 10 returned before one invoked at seq 11
 * at the same ms); the virtual times go along for the witness text.
 */
import type { TraceEvent } from '../../kernel/trace.ts';
import type { KvOp } from './kv-model.ts';
import type { HistoryOp } from './linearizability.ts';
import type { WatchItem, WatchRange, WatchedEvent, WriteRecord } from './watch.ts';

export interface KvHistory {
  history: HistoryOp<KvOp>[];
  /** Operations left out, by reason (sorted by reason), so a user knows what was not checked. */
  skipped: { reason: string; count: number }[];
}

interface Invoked {
  client: string;
  id: string;
  seq: number;
  t: number;
  fields: TraceEvent;
}

type BranchOp = { op: string; key: string; value: string | undefined };

function branch(list: unknown): BranchOp[] {
  if (!Array.isArray(list)) return [];
  const out: BranchOp[] = [];
  for (const item of list) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string') continue;
    // A third element, when a producer records it, is the put's value.
    out.push({ op: item[0], key: item[1], value: typeof item[2] === 'string' ? item[2] : undefined });
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Builds the etcd key-value history from `etcd.op` events: every acknowledged put/delete/txn
 * write, every timed-out write (no response: maybe applied), every linearizable get, and every
 * linearizable single-key range (count says whether the key exists). Left out, and counted in
 * `skipped`: failed operations (certainly not applied), serializable reads (allowed to be stale),
 * prefix and historical ranges, compactions.
 */
export function historyFromTrace(events: Iterable<TraceEvent>): KvHistory {
  const pending = new Map<string, Invoked>();
  const history: HistoryOp<KvOp>[] = [];
  const skipped = new Map<string, number>();
  const skip = (reason: string): void => {
    skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  };

  const add = (inv: Invoked, ret: { seq: number; t: number } | null, ops: KvOp[]): void => {
    for (const op of ops) {
      history.push({ client: inv.client, op, call: inv.seq, ret: ret?.seq ?? null, callMs: inv.t, ...(ret && { retMs: ret.t }) });
    }
  };

  /** A write with no response: each key it may touch gets an operation that may or may not have happened. */
  const unanswered = (inv: Invoked): void => {
    const f = inv.fields;
    switch (f.op) {
      case 'put':
        add(inv, null, [{ type: 'put', key: String(f.key), ...(typeof f.value === 'string' && { value: f.value }) }]);
        return;
      case 'delete':
        add(inv, null, [{ type: 'delete', key: String(f.key) }]);
        return;
      case 'txn': {
        const effects = new Map<string, Set<string>>();
        for (const o of [...branch(f.success), ...branch(f.failure)]) {
          if (o.op !== 'put' && o.op !== 'delete') continue;
          let set = effects.get(o.key);
          if (!set) effects.set(o.key, (set = new Set()));
          set.add(o.op);
        }
        const ops: KvOp[] = [...effects.keys()].sort().map((key) => {
          const kinds = effects.get(key)!;
          return kinds.size > 1 ? { type: 'write', key } : kinds.has('put') ? { type: 'put', key } : { type: 'delete', key };
        });
        if (ops.length === 0) skip('txn without writes, no response');
        add(inv, null, ops);
        return;
      }
      case 'get':
      case 'range':
        skip('read without a response (says nothing)');
        return;
      default:
        skip(`${String(f.op)} without a response`);
    }
  };

  for (const e of events) {
    if (e.kind !== 'etcd.op') continue;
    const client = str(e.client);
    const id = e.id;
    if (client === undefined || (typeof id !== 'string' && typeof id !== 'number')) {
      skip('malformed etcd.op event');
      continue;
    }
    const key = `${client}\u0000${id}`;
    if (e.phase === 'invoke') {
      const earlier = pending.get(key);
      // The same id invoked again (a restarted client reusing ids): the first never answered.
      if (earlier) unanswered(earlier);
      pending.set(key, { client, id: String(id), seq: e.seq, t: e.t, fields: e });
      continue;
    }
    if (e.phase !== 'complete') continue;
    const inv = pending.get(key);
    if (!inv) {
      skip('completion without an invoke');
      continue;
    }
    pending.delete(key);
    const f = inv.fields;
    const result = e.result;
    if (result === 'timeout') {
      unanswered(inv);
      continue;
    }
    if (result !== 'ok') {
      skip(`${String(f.op)} failed (certainly not applied)`);
      continue;
    }
    const ret = { seq: e.seq, t: e.t };
    const revision = num(e.revision);
    const rev = revision === undefined ? {} : { revision };
    switch (f.op) {
      case 'put':
        add(inv, ret, [{ type: 'put', key: String(f.key), ...(typeof f.value === 'string' && { value: f.value }), ...rev }]);
        break;
      case 'delete':
        add(inv, ret, [{ type: 'delete', key: String(f.key), ...rev }]);
        break;
      case 'get': {
        if (f.consistency === 'serializable') {
          skip('serializable get (may be stale by design)');
          break;
        }
        const readValue = e.readValue;
        if (readValue === null) add(inv, ret, [{ type: 'get', key: String(f.key), found: false, ...rev }]);
        else if (typeof readValue === 'string') add(inv, ret, [{ type: 'get', key: String(f.key), found: true, value: readValue, ...rev }]);
        else skip('get without readValue');
        break;
      }
      case 'range': {
        const count = num(e.count);
        if (f.consistency === 'serializable') skip('serializable range (may be stale by design)');
        else if (f.prefix === true) skip('prefix range (values not traced)');
        else if (f.atRevision !== undefined) skip('range at a past revision');
        else if (count === undefined) skip('range without count');
        else add(inv, ret, [{ type: 'get', key: String(f.key), found: count > 0, ...rev }]);
        break;
      }
      case 'txn': {
        const succeeded = e.succeeded;
        if (typeof succeeded !== 'boolean') {
          skip('txn answered without succeeded');
          unanswered(inv);
          break;
        }
        const ops: KvOp[] = [];
        for (const o of branch(succeeded ? f.success : f.failure)) {
          if (o.op === 'put') ops.push({ type: 'put', key: o.key, ...(o.value !== undefined && { value: o.value }), ...rev });
          else if (o.op === 'delete') ops.push({ type: 'delete', key: o.key, ...rev });
        }
        if (ops.length === 0) skip('txn whose branch wrote nothing (compares and reads not checked)');
        add(inv, ret, ops);
        break;
      }
      default:
        skip(`${String(f.op)} (not a key-value operation)`);
    }
  }
  // Still pending when the trace ended: like a timeout, a write may or may not have happened.
  for (const inv of [...pending.values()].sort((a, b) => a.seq - b.seq)) unanswered(inv);
  return { history, skipped: [...skipped].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([reason, count]) => ({ reason, count })) };
}

/**
 * The writes known for certain, for the watch checker: each applied entry (`etcd.apply`, first
 * member to apply it) joined with its operation (`etcd.op` by entry id). A put or delete is certain
 * (a delete's apply is only traced when it deleted something); a txn only when its branch is known
 * and each of its deletes is the branch's only write (otherwise it may have deleted nothing).
 */
export function writesFromTrace(events: Iterable<TraceEvent>): WriteRecord[] {
  const invokes = new Map<string, TraceEvent>();
  const succeeded = new Map<string, boolean>();
  const applied = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'etcd.op' && typeof e.client === 'string' && (typeof e.id === 'string' || typeof e.id === 'number')) {
      const entry = `${e.client}#${e.id}`;
      if (e.phase === 'invoke') invokes.set(entry, e);
      else if (e.phase === 'complete' && typeof e.succeeded === 'boolean') succeeded.set(typeof e.entry === 'string' ? e.entry : entry, e.succeeded);
    } else if (e.kind === 'etcd.apply' && typeof e.id === 'string' && typeof e.revision === 'number' && !applied.has(e.id)) {
      applied.set(e.id, e.revision);
    }
  }
  const writes: WriteRecord[] = [];
  for (const [id, revision] of applied) {
    const inv = invokes.get(id);
    if (!inv) continue;
    if (inv.op === 'put' || inv.op === 'delete') writes.push({ revision, key: String(inv.key), type: inv.op });
    else if (inv.op === 'txn' && succeeded.has(id)) {
      const ops = branch(succeeded.get(id) ? inv.success : inv.failure).filter((o) => o.op === 'put' || o.op === 'delete');
      for (const o of ops) {
        if (o.op === 'put') writes.push({ revision, key: o.key, type: 'put' });
        else if (ops.length === 1) writes.push({ revision, key: o.key, type: 'delete' });
      }
    }
  }
  return writes.sort((a, b) => a.revision - b.revision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface TracedWatch {
  client: string;
  watchId: string;
  range: WatchRange;
  stream: WatchItem[];
}

/**
 * One stream per watch (client, watchId, from each `create` to its `end`), from `etcd.watch`
 * events: its start, resumes, and deliveries (the `deliver` phase, see the file comment).
 */
export function watchStreamsFromTrace(events: Iterable<TraceEvent>): TracedWatch[] {
  const open = new Map<string, TracedWatch>();
  const all: TracedWatch[] = [];
  for (const e of events) {
    if (e.kind !== 'etcd.watch' || typeof e.client !== 'string' || typeof e.watchId !== 'string') continue;
    const name = `${e.client}\u0000${e.watchId}`;
    if (e.phase === 'create') {
      const w: TracedWatch = {
        client: e.client,
        watchId: e.watchId,
        range: { key: String(e.key ?? ''), ...(e.prefix === true && { prefix: true }) },
        stream: [{ kind: 'start', startRevision: num(e.startRevision) ?? 0, at: e.seq }],
      };
      open.set(name, w);
      all.push(w);
      continue;
    }
    const w = open.get(name);
    if (!w) continue;
    if (e.phase === 'resume') w.stream.push({ kind: 'resume', startRevision: num(e.fromRevision) ?? 0, at: e.seq });
    else if (e.phase === 'end') open.delete(name);
    else if (e.phase === 'deliver') {
      // One line may carry both: the client hands the events to its owner before the progress.
      if (Array.isArray(e.events) && e.events.length > 0) {
        const evs: WatchedEvent[] = [];
        for (const x of e.events) {
          if (Array.isArray(x) && typeof x[0] === 'number' && (x[1] === 'put' || x[1] === 'delete') && typeof x[2] === 'string') evs.push({ revision: x[0], type: x[1], key: x[2] });
        }
        w.stream.push({ kind: 'events', events: evs, at: e.seq });
      }
      const progress = num(e.progressRevision);
      if (progress !== undefined) w.stream.push({ kind: 'progress', revision: progress, at: e.seq });
    }
  }
  return all;
}
