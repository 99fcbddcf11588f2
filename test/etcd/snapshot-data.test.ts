/**
 * Members snapshotting the same state at the same entry share one snapshot data object
 * (actors/etcd/snapshot-data.ts). Sharing is safe only if "the same state" is decided exactly:
 * `sameStore` is checked against a plain structural comparison over random stores that are often
 * equal but built of different objects, and the window's `holdsExactly` against its `entries`.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { test } from 'node:test';
import fc from 'fast-check';
import { cloneStore, compact, createStore, deleteRange, put, sameStore, txn, type MvccStore } from '../../actors/etcd/mvcc.ts';
import { AppliedIdWindow } from '../../actors/etcd/applied-id-window.ts';
import { snapshotDataAt } from '../../actors/etcd/snapshot-data.ts';
import type { Entry, RaftStorage } from '../../actors/etcd/raft/types.ts';

type Op =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string; prefix: boolean }
  | { kind: 'txn'; keys: string[]; value: string }
  | { kind: 'compact'; behind: number };

const KEYS = ['/a', '/a/1', '/a/2', '/b', '/c'];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom(...KEYS), value: fc.constantFrom('x', 'y') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS), prefix: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('txn' as const), keys: fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 3 }), value: fc.constantFrom('x', 't') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), behind: fc.integer({ min: 0, max: 4 }) }) },
);

/** Applies `ops` to a new store (its own objects). */
function storeOf(ops: readonly Op[]): MvccStore {
  const store = createStore();
  for (const o of ops) {
    if (o.kind === 'put') put(store, o.key, o.value);
    else if (o.kind === 'delete') deleteRange(store, o.key, { prefix: o.prefix });
    else if (o.kind === 'txn') txn(store, { compare: [], success: o.keys.map((key) => ({ op: 'put' as const, key, value: o.value })), failure: [] });
    else compact(store, Math.max(1, store.revision - o.behind));
  }
  return store;
}

/** The store's state as plain data (the by-key index is derived from the chunks). */
function stateOf(store: MvccStore): unknown {
  return { revision: store.revision, compactRevision: store.compactRevision, keyChunks: store.keyChunks, events: store.events };
}

test('sameStore agrees with a structural comparison, for stores of different objects that are often equal', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 25 }),
      fc.array(op, { maxLength: 4 }),
      fc.array(op, { maxLength: 4 }),
      (common, tailA, tailB) => {
        const a = storeOf([...common, ...tailA]);
        const b = storeOf([...common, ...tailB]);
        assert.equal(sameStore(a, b), isDeepStrictEqual(stateOf(a), stateOf(b)), `sameStore after ${JSON.stringify({ tailA, tailB })}`);
        assert.ok(sameStore(a, storeOf([...common, ...tailA])), 'a store built again from the same ops is the same');
        assert.ok(sameStore(a, cloneStore(a)), 'a clone is the same store');
      },
    ),
    { numRuns: 500 },
  );
});

test('sameStore tells apart stores that differ in one field only', () => {
  const a = storeOf([{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/b', value: 'y' }]);
  assert.ok(!sameStore(a, storeOf([{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/b', value: 'x' }])), 'a value');
  assert.ok(!sameStore(a, storeOf([{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/c', value: 'y' }])), 'a key');
  const compacted = storeOf([{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/b', value: 'y' }, { kind: 'compact', behind: 0 }]);
  assert.ok(!sameStore(a, compacted), 'the compact revision and the history dropped');
  for (const field of ['value', 'createRevision', 'modRevision', 'version'] as const) {
    const c = cloneStore(a);
    const history = c.byKey.get('/a')!;
    const kv = history.revisions[0]!;
    history.revisions[0] = { ...kv, [field]: field === 'value' ? 'other' : kv[field] + 1 };
    assert.ok(!sameStore(a, c), `a kept revision's ${field}`);
  }
  const b = cloneStore(a);
  b.events = b.events.slice(0, -1).concat({ ...b.events.at(-1)!, prevKv: b.events[0]!.kv });
  assert.ok(!sameStore(a, b), "an event's previous value");
});

test("the window's holdsExactly agrees with its entries, stale queue slots skipped", () => {
  const w = new AppliedIdWindow();
  for (let i = 1; i <= 40; i++) if (i % 7 !== 0) w.add(`id-${i}`, i);
  w.forgetBefore(12);
  const { ids, indexes } = w.entries();
  assert.ok(w.holdsExactly(ids, indexes));
  assert.ok(AppliedIdWindow.of(ids, indexes).holdsExactly(ids, indexes), 'a window restored from its entries');
  assert.ok(!w.holdsExactly(ids.slice(1), indexes.slice(1)), 'one id fewer');
  assert.ok(!w.holdsExactly(ids, indexes.map((at, i) => (i === 3 ? at + 1 : at))), 'one index other');
  assert.ok(!w.holdsExactly([...ids.slice(0, -1), 'other'], indexes), 'one id other');
  assert.ok(!w.holdsExactly([...ids].reverse(), [...indexes].reverse()), 'the same pairs in another order');
});

test('members with the same state at the same entry share one snapshot data object; any difference gets its own', () => {
  const entries: Entry[] = Array.from({ length: 12 }, (_, i) => ({ index: i + 1, term: 2, id: `c#${i + 1}`, data: null }));
  const logOf = (held: Entry[]): RaftStorage => ({ term: 2, vote: null, commit: held.length, compactedIndex: 0, compactedTerm: 0, entries: held, snapshot: null });
  const log = logOf(entries);
  const ops: Op[] = [{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/b', value: 'y' }, { kind: 'delete', key: '/a', prefix: false }];
  const windowOf = (ids: string[]): AppliedIdWindow => AppliedIdWindow.of(ids, ids.map((_, i) => i + 1));
  const first = snapshotDataAt(log, 9, storeOf(ops), windowOf(['c#0', 'c#1']));
  const second = snapshotDataAt(log, 9, storeOf(ops), windowOf(['c#0', 'c#1']));
  assert.equal(second, first, 'an equal member takes the data made first');
  assert.ok(sameStore(first.store, storeOf(ops)) && isDeepStrictEqual(first.appliedIds, ['c#0', 'c#1']), 'the data is the state');

  const otherStore = snapshotDataAt(log, 9, storeOf(ops.slice(0, 2)), windowOf(['c#0', 'c#1']));
  assert.notEqual(otherStore, first, 'another store');
  assert.ok(sameStore(otherStore.store, storeOf(ops.slice(0, 2))), 'its own store');
  const otherWindow = snapshotDataAt(log, 9, storeOf(ops), windowOf(['c#0', 'c#2']));
  assert.notEqual(otherWindow, first, 'another window');
  assert.deepEqual(otherWindow.appliedIds, ['c#0', 'c#2']);
  const otherRun = snapshotDataAt(logOf(entries.map((e) => ({ ...e }))), 9, storeOf(ops), windowOf(['c#0', 'c#1']));
  assert.notEqual(otherRun, first, 'other entry objects (another run) share nothing');
});

test("a member snapshotting a few entries later keeps its own data, but takes the earlier data's equal records", () => {
  const entries: Entry[] = Array.from({ length: 100 }, (_, i) => ({ index: i + 1, term: 2, id: `c#${i + 1}`, data: null }));
  const log: RaftStorage = { term: 2, vote: null, commit: 100, compactedIndex: 0, compactedTerm: 0, entries, snapshot: null };
  const ops: Op[] = [{ kind: 'put', key: '/a', value: 'x' }, { kind: 'put', key: '/b', value: 'y' }, { kind: 'put', key: '/a', value: 'z' }, { kind: 'compact', behind: 1 }, { kind: 'put', key: '/c', value: 'x' }];
  const window = AppliedIdWindow.of(['c#1'], [1]);
  const earlier = snapshotDataAt(log, 30, storeOf(ops), window);
  const laterStore = storeOf([...ops, { kind: 'put', key: '/b', value: 'w' }]);
  const later = snapshotDataAt(log, 32, laterStore, window);
  assert.notEqual(later, earlier);
  assert.ok(sameStore(later.store, laterStore), 'the later data is its own state');
  const earlierRecords = new Set<object>([...earlier.store.events, ...earlier.store.keyChunks.flat().flatMap((h) => h.revisions)]);
  const laterEvents = later.store.events;
  assert.ok(laterEvents.slice(0, -1).every((e) => earlierRecords.has(e)), 'the events both hold are the earlier objects');
  assert.ok(!earlierRecords.has(laterEvents.at(-1)!), 'the newer write is its own');
  assert.ok(later.store.byKey.get('/a')!.revisions.every((kv) => earlierRecords.has(kv)), "an unchanged key's revisions are the earlier objects");
  const divergent = storeOf([...ops.slice(0, -1), { kind: 'put', key: '/c', value: 'y' }]);
  assert.ok(sameStore(snapshotDataAt(log, 34, divergent, window).store, divergent), 'a record that differs at the same revision is never taken');
  assert.equal(snapshotDataAt(log, 34 + 64, storeOf(ops), window).store.events[0] === earlier.store.events[0], false, 'nothing is taken from 64 entries back or farther');
});
