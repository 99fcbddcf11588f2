import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyCommand,
  cloneStore,
  compact,
  createStore,
  deleteRange,
  ERR_COMPACTED,
  ERR_DUPLICATE_KEY,
  ERR_FUTURE_REV,
  historySize,
  put,
  range,
  txn,
  watchEvents,
} from '../../actors/etcd/mvcc.ts';
import type { KeyValue, MvccApplyResult, MvccCommand, MvccError, MvccStore, RangeResponse, TxnResponse, WatchEvent, WatchResponse } from '../../actors/etcd/mvcc.ts';

function eventsOf(result: MvccApplyResult): readonly WatchEvent[] {
  const r = result.result;
  return 'events' in r ? r.events : [];
}

function ok<T extends object>(result: T | MvccError): T {
  if ('error' in result) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

function keysOf(result: RangeResponse | MvccError): string[] {
  return ok(result).kvs.map((kv) => kv.key);
}

function get(store: MvccStore, key: string, revision?: number): KeyValue | undefined {
  return ok(range(store, key, revision === undefined ? {} : { revision })).kvs[0];
}

test('an empty store is at revision 1 and its first write gets revision 2', () => {
  const store = createStore();
  assert.equal(store.revision, 1);
  assert.deepEqual(range(store, 'a'), { kvs: [], count: 0, revision: 1, more: false });
  assert.equal(put(store, 'a', '1').revision, 2);
  assert.equal(put(store, 'b', '1').revision, 3);
  assert.equal(store.revision, 3);
});

test('create, mod and version follow put, put, delete, put', () => {
  const store = createStore();
  put(store, 'k', 'v1');
  assert.deepEqual(get(store, 'k'), { key: 'k', value: 'v1', createRevision: 2, modRevision: 2, version: 1 });
  const second = put(store, 'k', 'v2');
  assert.deepEqual(second.prevKv, { key: 'k', value: 'v1', createRevision: 2, modRevision: 2, version: 1 });
  assert.deepEqual(get(store, 'k'), { key: 'k', value: 'v2', createRevision: 2, modRevision: 3, version: 2 });

  const deletion = deleteRange(store, 'k');
  assert.equal(deletion.revision, 4);
  assert.equal(deletion.deleted, 1);
  assert.deepEqual(deletion.prevKvs, [{ key: 'k', value: 'v2', createRevision: 2, modRevision: 3, version: 2 }]);
  assert.equal(get(store, 'k'), undefined);

  const recreated = put(store, 'k', 'v3');
  assert.equal(recreated.prevKv, undefined, 'a put after a delete has no previous value');
  assert.deepEqual(get(store, 'k'), { key: 'k', value: 'v3', createRevision: 5, modRevision: 5, version: 1 });
});

test('a delete that matches nothing and reads do not advance the revision', () => {
  const store = createStore();
  put(store, 'a', '1');
  const missing = deleteRange(store, 'b');
  assert.deepEqual(missing, { revision: 2, deleted: 0, prevKvs: [], events: [] });
  assert.deepEqual(deleteRange(store, 'zz', { prefix: true }), { revision: 2, deleted: 0, prevKvs: [], events: [] });
  range(store, 'a');
  watchEvents(store, { key: 'a', fromRevision: 1 });
  assert.equal(store.revision, 2);

  deleteRange(store, 'a');
  assert.equal(store.revision, 3);
  assert.equal(deleteRange(store, 'a').revision, 3, 'deleting an already deleted key is not a write');
});

test('a prefix range returns only keys under the prefix, sorted, and honours limit with more', () => {
  const store = createStore();
  for (const name of ['web-2', 'web-10', 'api-1', 'web-1']) put(store, `/registry/pods/default/${name}`, name);
  put(store, '/registry/pods/kube-system/dns', 'dns');
  put(store, '/registry/podsecuritypolicies/x', 'outside');
  put(store, '/registry/pod', 'outside');
  put(store, '/registry/services/default/web', 'outside');

  assert.deepEqual(keysOf(range(store, '/registry/pods/', { prefix: true })), [
    '/registry/pods/default/api-1',
    '/registry/pods/default/web-1',
    '/registry/pods/default/web-10',
    '/registry/pods/default/web-2',
    '/registry/pods/kube-system/dns',
  ]);

  const limited = ok(range(store, '/registry/pods/default/', { prefix: true, limit: 2 }));
  assert.deepEqual(
    limited.kvs.map((kv) => kv.key),
    ['/registry/pods/default/api-1', '/registry/pods/default/web-1'],
  );
  assert.equal(limited.count, 4, 'count ignores the limit');
  assert.equal(limited.more, true);
  const exact = ok(range(store, '/registry/pods/default/', { prefix: true, limit: 4 }));
  assert.equal(exact.more, false, 'a limit equal to the match count truncates nothing');

  assert.deepEqual(ok(range(store, '/registry/pods/', { prefix: true, countOnly: true })), {
    kvs: [],
    count: 5,
    revision: store.revision,
    more: false,
  });
  assert.deepEqual(keysOf(range(store, '/registry/pod')), ['/registry/pod'], 'without prefix only the exact key matches');
  assert.equal(ok(range(store, '', { prefix: true })).count, 8, 'the empty prefix selects every key');
});

test('a prefix ending in the highest code unit still bounds the range', () => {
  const store = createStore();
  put(store, 'a\uffff', 'in');
  put(store, 'a\uffffz', 'in');
  put(store, 'b', 'out');
  assert.deepEqual(keysOf(range(store, 'a\uffff', { prefix: true })), ['a\uffff', 'a\uffffz']);
});

test('thousands of keys inserted out of order stay sorted and findable, through deletes and compaction', () => {
  const store = createStore();
  const count = 3000;
  const name = (i: number) => `/registry/pods/${String(i).padStart(5, '0')}`;
  for (let i = 0; i < count; i++) put(store, name((i * 7919) % count), String(i)); // 7919 is coprime with 3000
  const all = Array.from({ length: count }, (_, i) => name(i));
  assert.deepEqual(keysOf(range(store, '/registry/pods/', { prefix: true })), all);
  assert.deepEqual(keysOf(range(store, '/registry/pods/012', { prefix: true })), all.slice(1200, 1300));

  // Whole chunks empty out (the 01xxx block) and others thin out.
  const survivors = all.filter((_, i) => i % 3 === 0 && (i < 1000 || i >= 2000));
  for (let i = 0; i < count; i++) if (i % 3 !== 0) deleteRange(store, name(i));
  deleteRange(store, '/registry/pods/01', { prefix: true });
  compact(store, store.revision);
  assert.equal(historySize(store).keys, survivors.length);
  assert.deepEqual(keysOf(range(store, '', { prefix: true })), survivors);
  for (const key of all) assert.equal(get(store, key) !== undefined, survivors.includes(key), key);
  put(store, name(1), 'back');
  put(store, name(1500), 'back');
  assert.deepEqual(keysOf(range(store, '/registry/pods/0000', { prefix: true })), [name(0), name(1), name(3), name(6), name(9)]);
  assert.deepEqual(keysOf(range(store, '/registry/pods/01', { prefix: true })), [name(1500)]);
});

test('a range at a past revision sees the store as it was then', () => {
  const store = createStore();
  put(store, 'a', 'a1'); // 2
  put(store, 'b', 'b1'); // 3
  put(store, 'a', 'a2'); // 4
  deleteRange(store, 'b'); // 5
  put(store, 'c', 'c1'); // 6

  const at = (revision: number) => ok(range(store, '', { prefix: true, revision })).kvs.map((kv) => `${kv.key}=${kv.value}`);
  assert.deepEqual(at(1), []);
  assert.deepEqual(at(2), ['a=a1']);
  assert.deepEqual(at(3), ['a=a1', 'b=b1']);
  assert.deepEqual(at(4), ['a=a2', 'b=b1']);
  assert.deepEqual(at(5), ['a=a2']);
  assert.deepEqual(at(6), ['a=a2', 'c=c1']);
  assert.equal(ok(range(store, 'a', { revision: 3 })).revision, 6, 'the response carries the current revision');
  assert.deepEqual(range(store, 'a', { revision: 7 }), { error: ERR_FUTURE_REV });
});

test('txn on mod revision: a stale revision takes the failure branch, the current one succeeds', () => {
  const store = createStore();
  put(store, '/registry/pods/p', 'v1'); // 2
  put(store, '/registry/pods/p', 'v2'); // 3
  const update = (expectedMod: number) =>
    ok(
      txn(store, {
        compare: [{ key: '/registry/pods/p', target: 'mod', result: '=', value: expectedMod }],
        success: [{ op: 'put', key: '/registry/pods/p', value: `written-over-${expectedMod}` }],
        failure: [{ op: 'range', key: '/registry/pods/p' }],
      }),
    );

  const stale = update(2);
  assert.equal(stale.succeeded, false);
  assert.equal(stale.revision, 3, 'a failed compare writes nothing');
  assert.deepEqual(stale.events, []);
  const current = stale.responses[0];
  assert.equal(current?.op, 'range');
  assert.equal(current.op === 'range' && current.kvs[0]?.value, 'v2');

  const fresh = update(3);
  assert.equal(fresh.succeeded, true);
  assert.equal(fresh.revision, 4);
  assert.deepEqual(fresh.responses, [
    { op: 'put', revision: 4, prevKv: { key: '/registry/pods/p', value: 'v2', createRevision: 2, modRevision: 3, version: 2 } },
  ]);
  assert.equal(get(store, '/registry/pods/p')?.value, 'written-over-3');
});

test('txn compares on a missing key: create/mod/version are 0, every value compare fails', () => {
  const store = createStore();
  const createIfAbsent = () =>
    ok(
      txn(store, {
        compare: [{ key: 'new', target: 'create', result: '=', value: 0 }],
        success: [{ op: 'put', key: 'new', value: 'created' }],
        failure: [],
      }),
    );
  assert.equal(createIfAbsent().succeeded, true);
  assert.equal(get(store, 'new')?.value, 'created');
  assert.equal(createIfAbsent().succeeded, false, 'the key exists now, so create is no longer 0');

  const compares = (compare: Parameters<typeof txn>[1]['compare'][number]) =>
    ok(txn(store, { compare: [compare], success: [], failure: [] })).succeeded;
  assert.equal(compares({ key: 'missing', target: 'version', result: '=', value: 0 }), true);
  assert.equal(compares({ key: 'missing', target: 'mod', result: '<', value: 1 }), true);
  assert.equal(compares({ key: 'missing', target: 'value', result: '=', value: '' }), false);
  assert.equal(compares({ key: 'missing', target: 'value', result: '!=', value: 'x' }), false);
  assert.equal(compares({ key: 'new', target: 'value', result: '=', value: 'created' }), true);
  assert.equal(compares({ key: 'new', target: 'value', result: '>', value: 'crea' }), true);
  assert.equal(compares({ key: 'new', target: 'version', result: '>', value: 1 }), false);
  assert.equal(store.revision, 2, 'read-only txns do not advance the revision');
});

test('all writes of one txn share one revision and are ordered as written', () => {
  const store = createStore();
  put(store, 'old/1', 'x'); // 2
  put(store, 'old/2', 'y'); // 3
  const result = ok(
    txn(store, {
      compare: [],
      success: [
        { op: 'delete', key: 'missing' },
        { op: 'put', key: 'z', value: 'first' },
        { op: 'delete', key: 'old/', prefix: true },
        { op: 'range', key: '', prefix: true },
        { op: 'put', key: 'a', value: 'last' },
      ],
      failure: [],
    }),
  );
  assert.equal(result.succeeded, true);
  assert.equal(result.revision, 4);
  assert.equal(store.revision, 4);
  assert.deepEqual(
    result.events.map((event) => [event.type, event.kv.key, event.revision]),
    [
      ['put', 'z', 4],
      ['delete', 'old/1', 4],
      ['delete', 'old/2', 4],
      ['put', 'a', 4],
    ],
  );
  assert.deepEqual(
    result.responses.map((response) => [response.op, response.revision]),
    [
      ['delete', 3],
      ['put', 4],
      ['delete', 4],
      ['range', 4],
      ['put', 4],
    ],
    'each op reports the revision right after it, as etcd does',
  );
  const inTxnRead = result.responses[3];
  assert.deepEqual(inTxnRead?.op === 'range' && inTxnRead.kvs.map((kv) => kv.key), ['z'], 'a range sees earlier writes of its txn');
  assert.deepEqual(get(store, 'a'), { key: 'a', value: 'last', createRevision: 4, modRevision: 4, version: 1 });
});

test('a txn that writes a key twice is rejected without writing anything', () => {
  const store = createStore();
  put(store, 'a', '1');
  const twice = txn(store, {
    compare: [],
    success: [{ op: 'put', key: 'b', value: '1' }],
    failure: [
      { op: 'put', key: 'a', value: '2' },
      { op: 'put', key: 'a', value: '3' },
    ],
  });
  assert.deepEqual(twice, { error: ERR_DUPLICATE_KEY }, 'both branches are checked, as etcd does');
  const putUnderDelete = txn(store, {
    compare: [],
    success: [
      { op: 'delete', key: '', prefix: true },
      { op: 'put', key: 'a', value: '2' },
    ],
    failure: [],
  });
  assert.deepEqual(putUnderDelete, { error: ERR_DUPLICATE_KEY });
  assert.equal(store.revision, 2);
  assert.equal(get(store, 'a')?.value, '1');
});

test('compaction refuses revisions at or below the last compaction and above the current one', () => {
  const store = createStore();
  for (let i = 0; i < 5; i++) put(store, 'k', String(i)); // revisions 2..6
  assert.deepEqual(compact(store, 7), { error: ERR_FUTURE_REV });
  assert.deepEqual(compact(store, 4), { revision: 6, compactRevision: 4 });
  assert.deepEqual(compact(store, 4), { error: ERR_COMPACTED, compactRevision: 4 });
  assert.deepEqual(compact(store, 3), { error: ERR_COMPACTED, compactRevision: 4 });
  assert.deepEqual(compact(store, 6), { revision: 6, compactRevision: 6 });
  assert.equal(store.revision, 6, 'compaction is not a write');
});

test('after compaction, reads below the compact revision fail and reads at or above it stay exact', () => {
  const store = createStore();
  put(store, 'kept', 'k1'); // 2
  put(store, 'kept', 'k2'); // 3
  put(store, 'gone', 'g1'); // 4
  deleteRange(store, 'gone'); // 5
  put(store, 'late', 'l1'); // 6
  put(store, 'kept', 'k3'); // 7
  compact(store, 6);

  assert.deepEqual(range(store, 'kept', { revision: 5 }), { error: ERR_COMPACTED, compactRevision: 6 });
  const atCompaction = ok(range(store, '', { prefix: true, revision: 6 }));
  assert.deepEqual(atCompaction.kvs, [
    { key: 'kept', value: 'k2', createRevision: 2, modRevision: 3, version: 2 },
    { key: 'late', value: 'l1', createRevision: 6, modRevision: 6, version: 1 },
  ]);
  assert.deepEqual(get(store, 'kept'), { key: 'kept', value: 'k3', createRevision: 2, modRevision: 7, version: 3 });

  put(store, 'gone', 'g2'); // 8
  assert.deepEqual(
    get(store, 'gone'),
    { key: 'gone', value: 'g2', createRevision: 8, modRevision: 8, version: 1 },
    'a key whose tombstone was compacted away is created afresh',
  );
  put(store, 'kept', 'k4'); // 9
  assert.equal(get(store, 'kept')?.version, 4, 'version survives compaction of older revisions');
});

test('compaction drops history, so memory shrinks', () => {
  const store = createStore();
  for (let round = 0; round < 50; round++) {
    for (let pod = 0; pod < 10; pod++) put(store, `/registry/pods/default/p${pod}`, `r${round}`);
  }
  for (let pod = 0; pod < 4; pod++) deleteRange(store, `/registry/pods/default/p${pod}`);
  assert.deepEqual(historySize(store), { keys: 10, keyRevisions: 504, events: 504 });

  compact(store, store.revision - 2);
  assert.deepEqual(
    historySize(store),
    { keys: 8, keyRevisions: 10, events: 3 },
    'p0 and p1 are gone; p2/p3 keep their kv below the compact revision plus tombstones above it; p4..p9 keep one kv',
  );
  compact(store, store.revision);
  assert.deepEqual(historySize(store), { keys: 6, keyRevisions: 6, events: 1 }, 'only the live kvs and the event at the compact revision remain');
  assert.equal(ok(range(store, '/registry/pods/', { prefix: true })).count, 6);
});

test('a watch from a revision replays every matching event in order, deletes with prevKv', () => {
  const store = createStore();
  put(store, '/pods/a', 'a1'); // 2
  put(store, '/nodes/n', 'n1'); // 3
  put(store, '/pods/b', 'b1'); // 4
  put(store, '/pods/a', 'a2'); // 5
  deleteRange(store, '/pods/', { prefix: true }); // 6: a then b

  const watch = ok(watchEvents(store, { key: '/pods/', prefix: true, fromRevision: 4 }));
  assert.equal(watch.revision, 6);
  assert.deepEqual(watch.events, [
    { type: 'put', kv: { key: '/pods/b', value: 'b1', createRevision: 4, modRevision: 4, version: 1 }, revision: 4 },
    {
      type: 'put',
      kv: { key: '/pods/a', value: 'a2', createRevision: 2, modRevision: 5, version: 2 },
      prevKv: { key: '/pods/a', value: 'a1', createRevision: 2, modRevision: 2, version: 1 },
      revision: 5,
    },
    {
      type: 'delete',
      kv: { key: '/pods/a', value: '', createRevision: 0, modRevision: 6, version: 0 },
      prevKv: { key: '/pods/a', value: 'a2', createRevision: 2, modRevision: 5, version: 2 },
      revision: 6,
    },
    {
      type: 'delete',
      kv: { key: '/pods/b', value: '', createRevision: 0, modRevision: 6, version: 0 },
      prevKv: { key: '/pods/b', value: 'b1', createRevision: 4, modRevision: 4, version: 1 },
      revision: 6,
    },
  ]);

  const single = ok(watchEvents(store, { key: '/nodes/n', fromRevision: 1 }));
  assert.deepEqual(single.events.map((event) => event.revision), [3]);
  assert.deepEqual(watchEvents(store, { key: '/pods/', prefix: true, fromRevision: 0 }), { events: [], revision: 6 });
  assert.deepEqual(watchEvents(store, { key: '/pods/', prefix: true, fromRevision: 9 }), { events: [], revision: 6 });
});

test('a watch below the compact revision fails with it; at the compact revision it replays, deletes included', () => {
  const store = createStore();
  put(store, 'a', '1'); // 2
  put(store, 'b', '1'); // 3
  deleteRange(store, 'a'); // 4
  put(store, 'b', '2'); // 5
  compact(store, 4);

  assert.deepEqual(watchEvents(store, { key: '', prefix: true, fromRevision: 3 }), {
    error: ERR_COMPACTED,
    compactRevision: 4,
  });
  const fromCompaction = ok(watchEvents(store, { key: '', prefix: true, fromRevision: 4 }));
  assert.deepEqual(
    fromCompaction.events.map((event) => [event.type, event.kv.key, event.revision]),
    [
      ['delete', 'a', 4],
      ['put', 'b', 5],
    ],
  );
});

test('writes return the events they produced, identical to what a watch replays', () => {
  const store = createStore();
  const produced: WatchEvent[] = [];
  produced.push(...put(store, 'x/1', 'a').events);
  produced.push(...put(store, 'x/1', 'b').events);
  produced.push(...deleteRange(store, 'nothing').events);
  produced.push(
    ...ok(
      txn(store, {
        compare: [],
        success: [
          { op: 'put', key: 'x/2', value: 'c' },
          { op: 'delete', key: 'x/1' },
        ],
        failure: [],
      }),
    ).events,
  );
  produced.push(...deleteRange(store, 'x/', { prefix: true }).events);

  assert.deepEqual(
    produced.map((event) => [event.type, event.kv.key, event.revision]),
    [
      ['put', 'x/1', 2],
      ['put', 'x/1', 3],
      ['put', 'x/2', 4],
      ['delete', 'x/1', 4],
      ['delete', 'x/2', 5],
    ],
  );
  assert.deepEqual(ok(watchEvents(store, { key: 'x/', prefix: true, fromRevision: 1 })).events, produced);
  assert.ok(Object.isFrozen(produced[0]) && Object.isFrozen(produced[0]?.kv), 'shared history cannot be mutated by a caller');
});

test('applyCommand dispatches every command and tags its result', () => {
  const store = createStore();
  const putResult = applyCommand(store, { op: 'put', key: 'a', value: '1' });
  assert.equal(putResult.op, 'put');
  assert.equal(putResult.op === 'put' && putResult.result.revision, 2);

  const txnResult = applyCommand(store, {
    op: 'txn',
    compare: [{ key: 'a', target: 'version', result: '=', value: 1 }],
    success: [{ op: 'put', key: 'a', value: '2' }],
    failure: [],
  });
  assert.equal(txnResult.op, 'txn');
  assert.equal(txnResult.op === 'txn' && (txnResult.result as TxnResponse).succeeded, true);

  const deleteResult = applyCommand(store, { op: 'delete', key: 'a' });
  assert.deepEqual(deleteResult.op === 'delete' && deleteResult.result.deleted, 1);
  assert.deepEqual(applyCommand(store, { op: 'compact', revision: 4 }), {
    op: 'compact',
    result: { revision: 4, compactRevision: 4 },
  });
  assert.deepEqual(applyCommand(store, { op: 'compact', revision: 3 }), {
    op: 'compact',
    result: { error: ERR_COMPACTED, compactRevision: 4 },
  });
});

test('a member applying an entry takes the records another member made for it only where its own would be equal', () => {
  const commands: MvccCommand[] = [
    { op: 'put', key: 'a', value: '1' },
    { op: 'txn', compare: [{ key: 'a', target: 'version', result: '=', value: 1 }], success: [{ op: 'put', key: 'a', value: '2' }, { op: 'put', key: 'b', value: '1' }], failure: [] },
    { op: 'delete', key: 'b' },
  ];
  const first = createStore();
  const made = commands.map((c) => eventsOf(applyCommand(first, c)));

  // An equal store (another member at the same index): every record is the first member's own object.
  const same = createStore();
  commands.forEach((c, i) => applyCommand(same, c, made[i]));
  assert.deepEqual(same, first);
  assert.ok(same.events.every((e, i) => e === first.events[i]), 'equal events are shared');
  assert.equal(ok(range(same, 'a')).kvs[0], ok(range(first, 'a')).kvs[0], 'equal KeyValues are shared');

  // A store that differs (one more write to "a" before): versions and revisions differ, so it makes its own.
  const behind = createStore();
  put(behind, 'a', '0');
  const results = commands.map((c, i) => applyCommand(behind, c, made[i]));
  assert.ok(behind.events.every((e) => !first.events.includes(e)), 'no record of a different state is taken');
  assert.deepEqual(ok(range(behind, 'a')).kvs[0], { key: 'a', value: '1', createRevision: 2, modRevision: 3, version: 2 });
  assert.equal(results[1]!.op === 'txn' && (results[1]!.result as TxnResponse).succeeded, false, 'the compare sees its own version 2');
});

// A naive model: the whole key space copied after every revision, every event kept forever.
type ModelOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string; prefix: boolean }
  | { kind: 'txn'; writes: { key: string; value: string | null }[] }
  /** Compacts at `behind` revisions below the current one; -1 asks for a future revision. */
  | { kind: 'compact'; behind: number };

const KEYS = ['a', 'ab', 'abc', 'b', 'ba', 'c'];
const SELECTORS = [
  ...KEYS.map((key) => ({ key, prefix: false })),
  ...['', 'a', 'ab', 'b', 'bz', 'c'].map((key) => ({ key, prefix: true })),
];

class Model {
  readonly states: Map<string, KeyValue>[] = [new Map(), new Map()]; // index = revision
  readonly events: WatchEvent[] = [];
  compactRevision = 0;

  get revision(): number {
    return this.states.length - 1;
  }

  /** Applies the writes of one transaction, at one new revision unless none of them took effect. */
  write(writes: { key: string; value: string | null; prefix?: boolean }[]): void {
    const revision = this.revision + 1;
    const state = new Map(this.states[this.revision]);
    const events: WatchEvent[] = [];
    for (const { key, value, prefix } of writes) {
      if (value === null) {
        const victims = [...state.keys()].filter((k) => (prefix ? k.startsWith(key) : k === key)).sort();
        for (const victim of victims) {
          const prevKv = state.get(victim)!;
          state.delete(victim);
          events.push({ type: 'delete', kv: { key: victim, value: '', createRevision: 0, modRevision: revision, version: 0 }, prevKv, revision });
        }
      } else {
        const prevKv = state.get(key);
        const kv = {
          key,
          value,
          createRevision: prevKv ? prevKv.createRevision : revision,
          modRevision: revision,
          version: prevKv ? prevKv.version + 1 : 1,
        };
        state.set(key, kv);
        events.push({ type: 'put', kv, ...(prevKv && { prevKv }), revision });
      }
    }
    if (events.length === 0) return;
    this.states.push(state);
    this.events.push(...events);
  }

  compactionError(revision: number): MvccError | undefined {
    if (revision <= this.compactRevision) return { error: ERR_COMPACTED, compactRevision: this.compactRevision };
    if (revision > this.revision) return { error: ERR_FUTURE_REV };
    return undefined;
  }
}

const modelOp: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom(...KEYS), value: fc.constantFrom('x', 'y', 'z') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS, ''), prefix: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      writes: fc.uniqueArray(
        fc.record({ key: fc.constantFrom(...KEYS), value: fc.constantFrom('t', 'u', null) }),
        { selector: (write) => write.key, minLength: 1, maxLength: 3 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), behind: fc.integer({ min: -1, max: 6 }) }) },
);

test('property: every uncompacted historical range and watch matches a naive replay', () => {
  fc.assert(
    fc.property(fc.array(modelOp, { maxLength: 40 }), (ops) => {
      const store = createStore();
      const model = new Model();
      for (const op of ops) {
        switch (op.kind) {
          case 'put':
            put(store, op.key, op.value);
            model.write([{ key: op.key, value: op.value }]);
            break;
          case 'delete':
            deleteRange(store, op.key, { prefix: op.prefix });
            model.write([{ key: op.key, value: null, prefix: op.prefix }]);
            break;
          case 'txn':
            ok(
              txn(store, {
                compare: [],
                success: op.writes.map((w) => (w.value === null ? { op: 'delete', key: w.key } : { op: 'put', key: w.key, value: w.value })),
                failure: [],
              }),
            );
            model.write(op.writes);
            break;
          case 'compact': {
            const revision = model.revision - op.behind;
            const expectedError = model.compactionError(revision);
            const result = compact(store, revision);
            if (expectedError) assert.deepEqual(result, expectedError);
            else model.compactRevision = revision;
            break;
          }
        }
        assert.equal(store.revision, model.revision);
      }

      for (let revision = 1; revision <= model.revision; revision++) {
        for (const selector of SELECTORS) {
          const actual = range(store, selector.key, { prefix: selector.prefix, revision });
          if (revision < model.compactRevision) {
            assert.deepEqual(actual, { error: ERR_COMPACTED, compactRevision: model.compactRevision });
            continue;
          }
          const expected = [...model.states[revision]!.values()]
            .filter((kv) => (selector.prefix ? kv.key.startsWith(selector.key) : kv.key === selector.key))
            .sort((x, y) => (x.key < y.key ? -1 : 1));
          assert.deepEqual(ok(actual).kvs, expected, `range ${JSON.stringify(selector)} at revision ${revision}`);

          const watched: WatchResponse | MvccError = watchEvents(store, { ...selector, fromRevision: revision });
          assert.deepEqual(
            ok(watched).events,
            model.events.filter(
              (event) => event.revision >= revision && (selector.prefix ? event.kv.key.startsWith(selector.key) : event.kv.key === selector.key),
            ),
            `watch ${JSON.stringify(selector)} from revision ${revision}`,
          );
        }
      }

      // Compaction keeps no revision that a read at or after the compact revision could not need.
      for (const history of store.keyChunks.flat()) {
        const atOrBelow = history.revisions.filter((kv) => kv.modRevision <= store.compactRevision);
        assert.ok(atOrBelow.length <= 1, `${history.key} keeps ${atOrBelow.length} revisions at or below the compact revision`);
        assert.ok(atOrBelow.every((kv) => kv.version > 0), `${history.key} keeps a compacted tombstone`);
        // Every assert here carries a message: without one, node:assert re-reads and parses this file on each
        // failure, which makes fast-check's shrinking crawl.
        assert.ok(history.revisions.length > 0, `${history.key} keeps an empty history`);
      }
      // The by-key index holds exactly the sorted histories, the same objects (in a clone too).
      const histories = store.keyChunks.flat();
      assert.equal(store.byKey.size, histories.length, 'the key index holds every history and no other');
      assert.ok(histories.every((h) => store.byKey.get(h.key) === h), 'the key index points at the sorted histories');
      const copy = cloneStore(store);
      assert.ok(copy.keyChunks.flat().every((h) => copy.byKey.get(h.key) === h) && copy.byKey.size === histories.length, "a clone's key index points at its own histories");
    }),
    { numRuns: 300 },
  );
});
