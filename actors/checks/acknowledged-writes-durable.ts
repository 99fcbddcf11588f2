/**
 * AcknowledgedWritesDurable ("no acknowledged write lost"): once a client got `ok` for a write,
 * its raft entry `${client}#${id}` stays.
 * - At the acknowledgement the entry must already be committed on some member (etcd replies after
 *   applying, and applies only committed entries). Its committed index(es) are then protected.
 * - Later, a `raft.log` that removes or replaces the entry at a protected index is a violation on
 *   a member that had it committed there, and on a leader of a term later than the one the entry
 *   was committed in that writes a different entry at that index or drops it. (A follower's stale,
 *   uncommitted copy may still be replaced, and a stale leader of an earlier term, cut off from
 *   the majority, may still append its own doomed entries there.)
 * - At the end (`finish`), some member must have applied the entry with the revision the client
 *   was told. Exception: a `delete` that no member applied is accepted, since deleting a missing
 *   key changes nothing in the store and so emits no `etcd.apply` (its reply carries the current
 *   revision). A write acknowledged without a revision only needs to have been applied.
 * Only `put` and `delete` are writes; `get` and failed or timed-out writes are not tracked.
 *
 * With compacted logs (`onFloor`): an acknowledgement already satisfied (applied with its
 * revision) is settled and forgotten, and what is kept per index or per entry below the floor is
 * dropped, except the applies an unsettled acknowledgement still waits for and what a write still
 * in flight (invoked, not yet completed) needs: its answer may come late — a TCP retransmission
 * of a lost response arrives up to seconds later, while every log may have compacted the entry.
 */
import type { Check, LateFinding } from './check.ts';
import { entryAt, newEntryAt, type ClusterModel } from './model.ts';
import { entriesCount, fmtEntry, ms, quote } from './violation.ts';

const WRITES: ReadonlySet<string> = new Set(['put', 'delete']);

interface Ack {
  entryId: string;
  op: string;
  key: string;
  revision: number | undefined;
  t: number;
  seq: number;
}

/**
 * Indexes or revisions: one number, nearly always (kept unboxed: these records exist for every
 * entry a log still holds), or several.
 */
type Numbers = number | number[];

function listOf(n: Numbers | undefined): readonly number[] {
  return n === undefined ? [] : typeof n === 'number' ? [n] : n;
}

function withNumber(n: Numbers | undefined, x: number): Numbers {
  if (n === undefined) return x;
  if (typeof n === 'number') return n === x ? n : [n, x];
  if (!n.includes(x)) n.push(x);
  return n;
}

function describeAck(a: Ack): string {
  const rev = a.revision === undefined ? '' : `, revision ${a.revision}`;
  return `acknowledged write ${quote(a.entryId)} (${a.op} ${quote(a.key)}${rev}, ok at ${ms(a.t)})`;
}

/**
 * What is kept of one entry id: where it was committed and what applying it produced. Kept only
 * for the ids of writes this check follows (invoked and not completed, or acknowledged and not
 * settled): a record per entry a log holds cost more than the entry itself. An acknowledgement
 * of a write whose commit was not followed (a trace with no `invoke` for it) finds its indexes
 * and revisions in the model's per-index records instead (`recover`).
 */
interface IdRecord {
  /** Indexes where it was committed (normally one; two if a client reused an id); undefined: none (kept). */
  committedAt: Numbers | undefined;
  /** Revisions it produced when applied (on any member); undefined: not applied (or forgotten). */
  revisions: Numbers | undefined;
  /** The last index it was applied at (meaningful while `revisions` is set). */
  appliedIndex: number;
}

export function acknowledgedWritesDurable(): Check {
  let byId = new Map<string, IdRecord>();
  /** Entry ids of acknowledgements not yet settled (those of `acks`). */
  let unsettled = new Set<string>();
  /** Protected index → the acknowledgement, and the term the entry there was committed in. */
  const ackedAt = new Map<number, { ack: Ack; commitTerm: number }>();
  const acks: Ack[] = [];
  /** Entry ids of writes invoked and not yet completed (bounded by the clients' requests in flight). */
  const inFlight = new Set<string>();

  const followed = (id: string): boolean => byId.has(id) || inFlight.has(id) || unsettled.has(id);

  /**
   * The record of an id whose commit this check did not follow: its committed indexes and the
   * revisions its first applies produced, as the model still holds them (above the floor), merged
   * into what was followed. Costs the log's length, once per such acknowledgement (none in a run:
   * every client write is invoked before it is proposed).
   */
  const recover = (id: string, model: ClusterModel): IdRecord => {
    const record = byId.get(id) ?? { committedAt: undefined, revisions: undefined, appliedIndex: 0 };
    const records = model.records;
    for (let i = model.floor + 1; i <= records.maxIndex; i++) {
      if (records.committedId(i) === id) record.committedAt = withNumber(record.committedAt, i);
      if (records.appliedId(i) === id) {
        record.revisions = withNumber(record.revisions, records.appliedRevision(i));
        record.appliedIndex = Math.max(record.appliedIndex, i);
      }
    }
    byId.set(id, record);
    return record;
  };

  const settled = (a: Ack): boolean => {
    const revs = listOf(byId.get(a.entryId)?.revisions);
    if (a.revision === undefined ? revs.length > 0 : revs.includes(a.revision)) return true;
    return revs.length === 0 && a.op === 'delete';
  };

  return {
    invariant: 'AcknowledgedWritesDurable',
    onCommit(change, _t, model) {
      for (const c of change.newlyCommitted) {
        const id = c.entry[1];
        if (id === '' || model.committed.has(c.index) || !followed(id)) continue;
        const record = byId.get(id);
        if (record === undefined) byId.set(id, { committedAt: c.index, revisions: undefined, appliedIndex: 0 });
        else if (record.committedAt === undefined) record.committedAt = c.index;
        else if (typeof record.committedAt === 'number') record.committedAt = [record.committedAt, c.index];
        else record.committedAt.push(c.index);
      }
      return null;
    },
    onApply(e) {
      if (!followed(e.id)) return null;
      const record = byId.get(e.id);
      if (record === undefined) byId.set(e.id, { committedAt: undefined, revisions: e.revision, appliedIndex: e.index });
      else if (record.revisions === undefined) {
        record.revisions = e.revision;
        record.appliedIndex = e.index;
      } else {
        record.revisions = withNumber(record.revisions, e.revision);
        record.appliedIndex = Math.max(record.appliedIndex, e.index);
      }
      return null;
    },
    onFloor(floor) {
      for (const index of ackedAt.keys()) if (index <= floor) ackedAt.delete(index);
      for (const [id, record] of byId) if (record.committedAt !== undefined && listOf(record.committedAt).every((i) => i <= floor) && !inFlight.has(id)) record.committedAt = undefined;
      // A delete nobody applied stays unsettled until the end (it may still be applied).
      const waiting = new Set<string>(inFlight);
      let kept = 0;
      for (const a of acks) {
        if (settled(a) && byId.get(a.entryId)?.revisions !== undefined) continue;
        acks[kept++] = a;
        waiting.add(a.entryId);
      }
      acks.length = kept;
      unsettled = new Set(acks.map((a) => a.entryId));
      for (const [id, record] of byId) {
        if (record.revisions !== undefined && record.appliedIndex <= floor && !waiting.has(id)) record.revisions = undefined;
        if (record.committedAt === undefined && record.revisions === undefined && !inFlight.has(id)) byId.delete(id);
      }
      // A Map keeps the slots of deleted keys until it grows again: at a log's length of keys
      // added and two thirds of them forgotten per snapshot cycle, its table stayed about four
      // times larger than its keys. A copy holds only the keys kept.
      byId = new Map(byId);
    },
    onOp(e, model) {
      if (!WRITES.has(e.op)) return null;
      if (e.phase === 'invoke') inFlight.add(e.entryId);
      else inFlight.delete(e.entryId);
      if (e.phase !== 'complete' || e.result !== 'ok') return null;
      const ack: Ack = { entryId: e.entryId, op: e.op, key: e.key, revision: e.revision, t: e.t, seq: e.seq };
      let indexes = byId.get(e.entryId)?.committedAt;
      if (indexes === undefined) indexes = recover(e.entryId, model).committedAt;
      if (indexes === undefined) return `${describeAck(ack)}: no member has committed that entry`;
      for (const i of listOf(indexes)) {
        const committed = model.committed.get(i);
        if (committed !== undefined && !ackedAt.has(i)) ackedAt.set(i, { ack, commitTerm: committed.commitTerm });
      }
      acks.push(ack);
      unsettled.add(ack.entryId);
      return null;
    },
    onLog(c) {
      if (ackedAt.size === 0) return null;
      const m = c.member;
      const leader = m.role === 'leader';
      const hi = Math.max(c.oldLen, c.newLen);
      for (let i = c.firstChanged; i <= hi; i++) {
        const protectedAt = ackedAt.get(i);
        if (protectedAt === undefined) continue;
        const { ack, commitTerm } = protectedAt;
        const next = newEntryAt(c, i);
        if (next !== undefined && next[1] === ack.entryId) continue;
        const had = i <= c.oldLen && entryAt(m, i)![1] === ack.entryId;
        const laterLeader = leader && m.term > commitTerm;
        if (!(laterLeader && (had || next !== undefined)) && !(had && i <= m.commitIndex)) continue;
        const how = next === undefined ? `removed (log truncated to ${entriesCount(c.newLen)})` : `overwritten with ${fmtEntry(next)}`;
        const role = leader ? `leader of term ${m.term}` : `commit index ${m.commitIndex}`;
        return `${describeAck(ack)} at index ${i} was ${how} on ${m.name} (${role})`;
      }
      return null;
    },
    finish() {
      const out: LateFinding[] = [];
      for (const a of acks) {
        if (settled(a)) continue;
        const revs = listOf(byId.get(a.entryId)?.revisions);
        const seen = revs.length === 0 ? 'no member applied it' : `it was applied with revision ${revs.join(', ')}`;
        const never = a.revision === undefined ? 'was never applied' : 'was never applied with that revision';
        out.push({ t: a.t, seq: a.seq, detail: `${describeAck(a)} ${never}: ${seen}` });
      }
      return out;
    },
  };
}
