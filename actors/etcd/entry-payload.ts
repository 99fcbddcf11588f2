import type { MvccCommand } from './mvcc.ts';
import type { Entry } from './raft/types.ts';

/**
 * What one of etcd's Raft entries carries (`Entry.data`): the MVCC command a member applies.
 *
 * Nearly every write of a Kubernetes cluster has one shape — the apiserver's guarded put: "if the
 * key's mod (or create) revision is still R, put the key, else read it" (GuaranteedUpdate and
 * create), or a bare put (the apiserver's own lease). As a plain command that is a txn of three
 * arrays and four objects, about 360 bytes beside the value; a member keeps 5,000 to 15,000
 * entries between snapshots (etcd's snapshot count and catch-up entries), and these objects were
 * most of what an entry cost. So an entry of that shape holds one `GuardedPut` (64 bytes) instead,
 * and becomes the command again when a member applies it (`unpackCommand`). A real etcd entry is
 * a protobuf of the request: the same idea, the request kept as compact data, decoded to apply.
 * Every other command is kept as it is.
 */
export class GuardedPut {
  constructor(
    readonly key: string,
    readonly value: string,
    readonly expected: number,
    /**
     * What the one compare reads of the key (`=` against `expected`; none: the txn has no
     * compare) and whether the failure branch reads the key (a range with no options), as one
     * small integer (`guardShape`): one field of the object instead of two.
     */
    readonly shape: number,
  ) {}

  get target(): GuardTarget {
    return GUARD_TARGETS[this.shape >> 1]!;
  }

  get readOnFailure(): boolean {
    return (this.shape & 1) === 1;
  }
}

type GuardTarget = 'mod' | 'create' | 'version' | null;
const GUARD_TARGETS: readonly GuardTarget[] = [null, 'mod', 'create', 'version'];

/** The target's place in GUARD_TARGETS × 2, plus 1 when the failure branch reads. */
function guardShape(target: GuardTarget, readOnFailure: boolean): number {
  return GUARD_TARGETS.indexOf(target) * 2 + (readOnFailure ? 1 : 0);
}

/**
 * A Raft log entry whose payload is a guarded put, as one object: the payload's fields and the
 * entry's own (index, term, id), its `data` the object itself. A member's log holds 5,000 to
 * 15,000 entries and nearly all are of this shape; one object of seven fields (80 bytes) instead
 * of an `Entry` (56) pointing at a `GuardedPut` (64). Made by Raft through `entryOf` when the
 * leader appends; followers hold the leader's objects (the simulated network passes messages by
 * reference, and nothing mutates an entry).
 */
export class GuardedPutEntry extends GuardedPut implements Entry {
  constructor(
    readonly index: number,
    readonly term: number,
    readonly id: string,
    put: GuardedPut,
  ) {
    super(put.key, put.value, put.expected, put.shape);
  }

  get data(): GuardedPut {
    return this;
  }
}

/** RaftConfig.newEntry for etcd: a guarded put folded into its entry, any other payload beside it. */
export function entryOf(index: number, term: number, id: string, data: unknown): Entry {
  return data instanceof GuardedPut ? new GuardedPutEntry(index, term, id, data) : { index, term, id, data };
}

export type EntryPayload = MvccCommand | GuardedPut;

/**
 * The command in its compact form when it has the guarded-put shape, else the command itself.
 * `sharedKey` gives the copy of a key to keep (the store's own, so thousands of entries writing
 * one key share one string).
 */
export function packCommand(command: MvccCommand, sharedKey: (key: string) => string = (key) => key): EntryPayload {
  if (command.op !== 'txn') return command;
  const { compare, success, failure } = command;
  if (success.length !== 1 || compare.length > 1 || failure.length > 1) return command;
  const put = success[0]!;
  if (put.op !== 'put') return command;
  const { key } = put;
  const c = compare[0];
  if (c !== undefined && (c.key !== key || c.result !== '=' || c.target === 'value')) return command;
  const f = failure[0];
  if (f !== undefined && (f.op !== 'range' || f.key !== key || f.prefix !== undefined || f.revision !== undefined || f.limit !== undefined || f.countOnly !== undefined)) return command;
  return new GuardedPut(sharedKey(key), put.value, c === undefined ? 0 : c.value, guardShape(c === undefined ? null : c.target, f !== undefined));
}

/** The command an entry's payload stands for: equal (deepEqual) to the one `packCommand` was given. */
export function unpackCommand(payload: EntryPayload): MvccCommand {
  if (!(payload instanceof GuardedPut)) return payload;
  const { key, target } = payload;
  return {
    op: 'txn',
    compare: target === null ? [] : [{ key, target, result: '=', value: payload.expected }],
    success: [{ op: 'put', key, value: payload.value }],
    failure: payload.readOnFailure ? [{ op: 'range', key }] : [],
  };
}
