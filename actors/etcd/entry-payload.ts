import type { MvccCommand } from './mvcc.ts';

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
    /** What the one compare reads of the key (`=` against `expected`); null: the txn has no compare. */
    readonly target: 'mod' | 'create' | 'version' | null,
    readonly expected: number,
    /** The failure branch reads the key (a range with no options); false: it is empty. */
    readonly readOnFailure: boolean,
  ) {}
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
  return new GuardedPut(sharedKey(key), put.value, c === undefined ? null : c.target, c === undefined ? 0 : c.value, f !== undefined);
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
