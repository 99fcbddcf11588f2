/**
 * The sequential specification of one etcd key, for the linearizability checker: a register that
 * a put sets, a delete removes and a get reads, plus etcd's revisions.
 *
 * Revisions (etcd api_guarantees "Revision"): every write gets a revision larger than every write
 * before it, and a read's header revision is the store's revision when it read, so the value it
 * returns is the one of the last write at or below that revision. Per key this gives a floor: the
 * largest revision this key's linearized operations have shown so far. A later write must carry a
 * revision above the floor; a later read a header revision at or above it. That catches, e.g., a
 * read served from a store that had not applied a write acknowledged before the read began, even
 * when the value happens to match. A write whose revision is unknown (timed out) leaves the floor
 * where it was: weaker than "some revision above it", but never wrong.
 *
 * Unknowns are allowed, because a trace does not always know everything: a put's value (a txn's
 * put: the trace leaves values out), a write's revision (it timed out), a read's value (a range
 * that only says whether the key exists), a txn that timed out before telling which branch ran
 * (`write` with both effects possible). Unknown means "anything": the model never rejects on it.
 */
import type { Model } from './linearizability.ts';

export type KvOp =
  /** `value` undefined: some value the trace does not give. */
  | { type: 'put'; key: string; value?: string; revision?: number }
  /** `deleted` undefined: the trace does not say whether the key existed. */
  | { type: 'delete'; key: string; revision?: number; deleted?: number }
  /** `found` false: the key did not exist. `value` undefined with `found`: it existed, value not recorded. */
  | { type: 'get'; key: string; found: boolean; value?: string; revision?: number }
  /** A write whose effect on this key is not known: a put of some value or a delete (a timed-out txn). */
  | { type: 'write'; key: string };

export interface KvState {
  present: boolean;
  /** undefined when present with a value the history does not give. */
  value: string | undefined;
  /** The largest revision seen on this key so far (see the file comment). */
  floor: number;
}

const ABSENT: KvState = { present: false, value: undefined, floor: 0 };

function put(s: KvState, value: string | undefined, revision: number | undefined): KvState[] {
  if (revision !== undefined && revision <= s.floor) return [];
  return [{ present: true, value, floor: revision ?? s.floor }];
}

function del(s: KvState, revision: number | undefined, deleted: number | undefined): KvState[] {
  if (s.present) {
    if (deleted === 0 || (revision !== undefined && revision <= s.floor)) return [];
    return [{ present: false, value: undefined, floor: revision ?? s.floor }];
  }
  // Deleting nothing writes nothing: the answer carries the current revision, already >= the floor.
  if ((deleted !== undefined && deleted > 0) || (revision !== undefined && revision < s.floor)) return [];
  return [{ ...s, floor: revision ?? s.floor }];
}

function get(s: KvState, op: Extract<KvOp, { type: 'get' }>): KvState[] {
  if (op.revision !== undefined && op.revision < s.floor) return [];
  if (op.found !== s.present) return [];
  if (op.found && op.value !== undefined && s.value !== undefined && op.value !== s.value) return [];
  // A read that saw the value teaches it to a state that did not know it.
  const value = s.value ?? (op.found ? op.value : undefined);
  return [{ present: s.present, value, floor: Math.max(s.floor, op.revision ?? s.floor) }];
}

export const kvModel: Model<KvState, KvOp> = {
  init: ABSENT,
  step(s, op) {
    switch (op.type) {
      case 'put':
        return put(s, op.value, op.revision);
      case 'delete':
        return del(s, op.revision, op.deleted);
      case 'get':
        return get(s, op);
      case 'write':
        return [...put(s, undefined, undefined), ...del(s, undefined, undefined)];
    }
  },
  stateKey(s) {
    return `${s.present ? (s.value === undefined ? '?' : `=${s.value}`) : '-'}@${s.floor}`;
  },
  describeOp(op) {
    const rev = (r: number | undefined): string => (r === undefined ? '' : ` @rev ${r}`);
    switch (op.type) {
      case 'put':
        return `put ${op.key}=${op.value === undefined ? '(value not traced)' : JSON.stringify(op.value)}${rev(op.revision)}`;
      case 'delete':
        return `delete ${op.key}${op.deleted === undefined ? '' : ` (deleted ${op.deleted})`}${rev(op.revision)}`;
      case 'get':
        return `get ${op.key} -> ${op.found ? (op.value === undefined ? '(exists)' : JSON.stringify(op.value)) : '(absent)'}${rev(op.revision)}`;
      case 'write':
        return `write ${op.key} (timed out before saying whether it put or deleted)`;
    }
  },
  describeState(s) {
    const v = s.present ? (s.value === undefined ? '(some value)' : JSON.stringify(s.value)) : '(absent)';
    return s.floor > 0 ? `${v} (revision >= ${s.floor})` : v;
  },
};

/** The partition of a KV operation: its key (etcd keys are independent registers). */
export const kvPartition = (op: KvOp): string => op.key;
