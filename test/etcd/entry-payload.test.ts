/**
 * An etcd Raft entry's payload: the guarded puts the apiserver writes are kept compact and become
 * the same command again when applied; every other command is kept as it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryOf, GuardedPut, GuardedPutEntry, packCommand, unpackCommand, type EntryPayload } from '../../actors/etcd/entry-payload.ts';
import { applyCommand, createStore, type MvccCommand } from '../../actors/etcd/mvcc.ts';

const KEY = '/registry/leases/kube-node-lease/node-0';

/** The shapes kube-apiserver writes: GuaranteedUpdate, create, its own lease, an update with no read back. */
const GUARDED: MvccCommand[] = [
  { op: 'txn', compare: [{ key: KEY, target: 'mod', result: '=', value: 7 }], success: [{ op: 'put', key: KEY, value: '{"v":2}' }], failure: [{ op: 'range', key: KEY }] },
  { op: 'txn', compare: [{ key: KEY, target: 'create', result: '=', value: 0 }], success: [{ op: 'put', key: KEY, value: '{"v":1}' }], failure: [] },
  { op: 'txn', compare: [], success: [{ op: 'put', key: KEY, value: 'lease' }], failure: [] },
  { op: 'txn', compare: [{ key: KEY, target: 'version', result: '=', value: 3 }], success: [{ op: 'put', key: KEY, value: '' }], failure: [] },
];

/** Anything else: kept as the very same object. */
const OTHER: MvccCommand[] = [
  { op: 'put', key: KEY, value: 'x' },
  { op: 'delete', key: KEY },
  { op: 'compact', revision: 3 },
  { op: 'txn', compare: [{ key: KEY, target: 'mod', result: '=', value: 7 }], success: [{ op: 'delete', key: KEY }], failure: [{ op: 'range', key: KEY }] },
  { op: 'txn', compare: [{ key: KEY, target: 'mod', result: '>', value: 7 }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [] },
  { op: 'txn', compare: [{ key: KEY, target: 'value', result: '=', value: 'a' }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [] },
  { op: 'txn', compare: [{ key: '/other', target: 'mod', result: '=', value: 7 }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [] },
  { op: 'txn', compare: [{ key: KEY, target: 'mod', result: '=', value: 7 }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [{ op: 'range', key: KEY, prefix: true }] },
  { op: 'txn', compare: [{ key: KEY, target: 'mod', result: '=', value: 7 }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [{ op: 'range', key: '/other' }] },
  { op: 'txn', compare: [], success: [{ op: 'put', key: KEY, value: 'x' }, { op: 'put', key: '/b', value: 'y' }], failure: [] },
  { op: 'txn', compare: [{ key: KEY, target: 'create', result: '=', value: 0 }, { key: '/b', target: 'create', result: '=', value: 0 }], success: [{ op: 'put', key: KEY, value: 'x' }], failure: [] },
];

describe('etcd entry payloads', () => {
  it('keeps a guarded put as one GuardedPut and gives back an equal command', () => {
    for (const command of GUARDED) {
      const packed = packCommand(command);
      assert.ok(packed instanceof GuardedPut, JSON.stringify(command));
      assert.deepEqual(unpackCommand(packed), command);
    }
  });

  it('keeps every other command as it is', () => {
    for (const command of OTHER) {
      assert.equal(packCommand(command), command, JSON.stringify(command));
      assert.equal(unpackCommand(command), command);
    }
  });

  it('keeps the copy of the key it is given, so entries writing one key share one string', () => {
    const stored = ['/registry/leases/', 'kube-node-lease/node-0'].join('');
    const packed = packCommand(GUARDED[0]!, () => stored) as GuardedPut;
    assert.equal(packed.key, stored);
    assert.deepEqual(unpackCommand(packed), GUARDED[0]);
  });

  it('applies to the same store state and results as the command it stands for', () => {
    const plain = createStore();
    const compact = createStore();
    const steps: MvccCommand[] = [GUARDED[1]!, GUARDED[0]!, { ...GUARDED[0]!, compare: [{ key: KEY, target: 'mod', result: '=', value: 2 }] } as MvccCommand, GUARDED[2]!];
    for (const command of steps) {
      assert.deepEqual(applyCommand(compact, unpackCommand(packCommand(command))), applyCommand(plain, command));
    }
    assert.deepEqual(compact, plain);
  });

  it('folds a guarded put into its log entry, which reads back the index, term, id and the same command', () => {
    for (const [i, command] of GUARDED.entries()) {
      const entry = entryOf(40 + i, 3, `kube-apiserver-0#${i}`, packCommand(command));
      assert.ok(entry instanceof GuardedPutEntry, JSON.stringify(command));
      assert.deepEqual([entry.index, entry.term, entry.id], [40 + i, 3, `kube-apiserver-0#${i}`]);
      assert.equal(entry.data, entry);
      assert.deepEqual(unpackCommand(entry.data as EntryPayload), command);
    }
  });

  it('keeps any other payload beside a plain entry', () => {
    for (const data of [null, ...OTHER]) {
      const entry = entryOf(7, 2, 'c#1', data);
      assert.deepEqual(entry, { index: 7, term: 2, id: 'c#1', data });
      assert.equal(entry.data, data);
    }
  });
});
