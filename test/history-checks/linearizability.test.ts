/**
 * The linearizability checker on hand-made histories whose answer is known: Porcupine's two README
 * register histories, timed-out writes, per-key partitioning, etcd revisions, the step budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKvLinearizability, checkLinearizability, type HistoryOp, type KvOp, type Model } from '../../actors/checks/history/index.ts';

/** Porcupine's README register: initialised to 0, put sets, get must return the current value. */
type RegisterOp = { put: number } | { get: number };
const registerModel: Model<number, RegisterOp> = {
  init: 0,
  step: (s, op) => ('put' in op ? [op.put] : op.get === s ? [s] : []),
  stateKey: (s) => String(s),
  describeOp: (op) => ('put' in op ? `put(${op.put})` : `get() -> ${op.get}`),
  describeState: (s) => String(s),
};
const one = (): string => '';

/*
 * github.com/anishathalye/porcupine README.md, "Testing linearizability" (commit 0125931e):
 *   C0:  |-------- put('100') --------|
 *   C1:     |--- get() -> '100' ---|
 *   C2:        |- get() -> '0' -|
 * encoded there as the event sequence call C0, call C1, call C2, return C2, return C1, return C0;
 * here each event's position in that sequence is its time.
 */
const porcupineLinearizable: HistoryOp<RegisterOp>[] = [
  { client: 'C0', op: { put: 100 }, call: 0, ret: 5 },
  { client: 'C1', op: { get: 100 }, call: 1, ret: 4 },
  { client: 'C2', op: { get: 0 }, call: 2, ret: 3 },
];
/*
 * Same README, the second history (Porcupine: "not linearizable"):
 *   C0:  |---------------- put('200') ----------------|
 *   C1:    |- get() -> '200' -|
 *   C2:                           |- get() -> '0' -|
 * events: call C0, call C1, return C1, call C2, return C2, return C0.
 */
const porcupineViolation: HistoryOp<RegisterOp>[] = [
  { client: 'C0', op: { put: 200 }, call: 0, ret: 5 },
  { client: 'C1', op: { get: 200 }, call: 1, ret: 2 },
  { client: 'C2', op: { get: 0 }, call: 3, ret: 4 },
];

const put = (key: string, value: string, revision?: number): KvOp => ({ type: 'put', key, value, ...(revision !== undefined && { revision }) });
const get = (key: string, value: string | null, revision?: number): KvOp =>
  value === null ? { type: 'get', key, found: false, ...(revision !== undefined && { revision }) } : { type: 'get', key, found: true, value, ...(revision !== undefined && { revision }) };
const op = (client: string, o: KvOp, call: number, ret: number | null): HistoryOp<KvOp> => ({ client, op: o, call, ret });

describe('Porcupine README histories', () => {
  it('accepts the first (linearizable) history', () => {
    const r = checkLinearizability(registerModel, porcupineLinearizable, one);
    assert.equal(r.verdict, 'linearizable');
    // The only linearization: C2 reads 0 before the put, C1 reads 100 after it.
    assert.deepEqual(r.partitions[0]!.linearization.map((s) => s.op.client), ['C2', 'C0', 'C1']);
  });

  it('rejects the second history and shows the longest linearizable prefix', () => {
    const r = checkLinearizability(registerModel, porcupineViolation, one);
    assert.equal(r.verdict, 'violation');
    const p = r.partitions[0]!;
    // put(200) then C1's get -> 200 is the longest prefix; C2's get -> 0 can never follow.
    assert.deepEqual(p.linearization.map((s) => s.op.client), ['C0', 'C1']);
    assert.equal(p.stuck?.op.client, 'C2');
    assert.match(r.explanation!, /longest linearizable prefix found \(2 operations\)/);
    assert.match(r.explanation!, /C2: get\(\) -> 0/);
  });

  it('gives the same verdicts with the etcd key model (0 read as "absent")', () => {
    const asKv = (h: HistoryOp<RegisterOp>[]): HistoryOp<KvOp>[] =>
      h.map((o) => ({ ...o, op: 'put' in o.op ? put('k', String(o.op.put)) : get('k', o.op.get === 0 ? null : String(o.op.get)) }));
    assert.equal(checkKvLinearizability(asKv(porcupineLinearizable)).verdict, 'linearizable');
    assert.equal(checkKvLinearizability(asKv(porcupineViolation)).verdict, 'violation');
  });
});

describe('timed-out writes may or may not have taken effect', () => {
  // put x=1 acknowledged; put x=2 timed out (no response); then reads.
  const base = [op('a', put('x', '1', 2), 0, 1), op('b', put('x', '2'), 2, null)];

  it('accepts a later read that saw the timed-out put', () => {
    assert.equal(checkKvLinearizability([...base, op('c', get('x', '2'), 10, 11)]).verdict, 'linearizable');
  });

  it('accepts a later read that did not see it', () => {
    assert.equal(checkKvLinearizability([...base, op('c', get('x', '1'), 10, 11)]).verdict, 'linearizable');
  });

  it('accepts not-yet then yes, but rejects yes then not-yet: a write happens once', () => {
    assert.equal(checkKvLinearizability([...base, op('c', get('x', '1'), 10, 11), op('c', get('x', '2'), 12, 13)]).verdict, 'linearizable');
    assert.equal(checkKvLinearizability([...base, op('c', get('x', '2'), 10, 11), op('c', get('x', '1'), 12, 13)]).verdict, 'violation');
  });

  it('rejects the not-seen read once the same put was acknowledged instead', () => {
    const acked = [op('a', put('x', '1', 2), 0, 1), op('b', put('x', '2', 3), 2, 3)];
    assert.equal(checkKvLinearizability([...acked, op('c', get('x', '1'), 10, 11)]).verdict, 'violation');
  });

  it('lets a timed-out txn whose branch is unknown either put or delete', () => {
    const h = [op('a', put('x', '1', 2), 0, 1), op('b', { type: 'write', key: 'x' }, 2, null)];
    assert.equal(checkKvLinearizability([...h, op('c', get('x', null), 10, 11)]).verdict, 'linearizable');
    assert.equal(checkKvLinearizability([...h, op('c', { type: 'get', key: 'x', found: true }, 10, 11)]).verdict, 'linearizable');
  });
});

describe('per-key partitioning (P-compositionality)', () => {
  it('checks each key alone and names the violating key', () => {
    const h = [
      op('a', put('good', '1'), 0, 1),
      op('b', get('good', '1'), 2, 3),
      op('a', put('bad', '1'), 0, 1),
      op('b', get('bad', null), 2, 3), // the put returned before the read began
    ];
    const r = checkKvLinearizability(h);
    assert.equal(r.verdict, 'violation');
    assert.deepEqual(r.partitions.map((p) => [p.partition, p.verdict]), [['bad', 'violation'], ['good', 'linearizable']]);
    assert.match(r.explanation!, /^Key bad is not linearizable/);
    assert.match(r.explanation!, /b: get bad -> \(absent\)/);
  });

  it('does not mix keys: a read of one key is not constrained by another key', () => {
    const h = [op('a', put('x', '1'), 0, 1), op('b', get('y', null), 2, 3)];
    assert.equal(checkKvLinearizability(h).verdict, 'linearizable');
  });
});

describe('etcd revisions', () => {
  it('rejects a read whose header revision is below a write acknowledged before it began', () => {
    const h = [op('a', put('x', '1', 5), 0, 1), op('b', get('x', '1', 4), 2, 3)];
    assert.equal(checkKvLinearizability(h).verdict, 'violation');
    assert.equal(checkKvLinearizability([h[0]!, op('b', get('x', '1', 5), 2, 3)]).verdict, 'linearizable');
  });

  it('rejects writes whose revisions contradict their real-time order', () => {
    const h = [op('a', put('x', '1', 7), 0, 1), op('b', put('x', '2', 6), 2, 3)];
    assert.equal(checkKvLinearizability(h).verdict, 'violation');
    // Overlapping, the same revisions are fine: the put at 6 took effect first.
    assert.equal(checkKvLinearizability([op('a', put('x', '1', 7), 0, 3), op('b', put('x', '2', 6), 1, 2)]).verdict, 'linearizable');
  });
});

describe('the step budget', () => {
  /** n concurrent puts of distinct values and n concurrent reads that all saw the last value. */
  function wide(n: number): HistoryOp<KvOp>[] {
    const h: HistoryOp<KvOp>[] = [];
    for (let i = 0; i < n; i++) h.push(op(`w${i}`, put('x', String(i)), 0, 100));
    for (let i = 0; i < n; i++) h.push(op(`r${i}`, get('x', String(n - 1)), 1, 99));
    return h;
  }

  it('answers unknown (not violation, not a hang) when the budget runs out', () => {
    const r = checkKvLinearizability(wide(8), { maxSteps: 3 });
    assert.equal(r.verdict, 'unknown');
    assert.equal(r.steps, 3);
    assert.equal(r.explanation, null);
  });

  it('finds the answer with enough budget, and shares the budget across keys', () => {
    assert.equal(checkKvLinearizability(wide(8)).verdict, 'linearizable');
    const twoKeys = [...wide(3), op('z', put('y', '1'), 0, 1), op('z', get('y', null), 2, 3)];
    const full = checkKvLinearizability(twoKeys);
    assert.equal(full.verdict, 'violation');
    // With only enough budget for key x, key y is never searched: unknown, not linearizable.
    const xSteps = full.partitions.find((p) => p.partition === 'x')!.steps;
    const cut = checkKvLinearizability(twoKeys, { maxSteps: xSteps });
    assert.equal(cut.verdict, 'unknown');
    assert.deepEqual(cut.partitions.map((p) => p.verdict), ['linearizable', 'unknown']);
  });

  it('memoizes: each set of linearized operations is explored at most once per state', () => {
    // 7 concurrent puts of one value and 7 reads of it, then a read of a value never written.
    // Proving the violation means trying every order of the 14: 14! orders without Lowe's memo
    // table; with it, at most one visit per subset (2^14) times 14 candidates each.
    const n = 7;
    const h: HistoryOp<KvOp>[] = [];
    for (let i = 0; i < n; i++) h.push(op(`w${i}`, put('x', 'v'), 0, 100), op(`r${i}`, get('x', 'v'), 1, 99));
    h.push(op('late', get('x', 'other'), 200, 201));
    const r = checkKvLinearizability(h);
    assert.equal(r.verdict, 'violation');
    assert.ok(r.steps <= 2 ** (2 * n) * (2 * n + 1), `took ${r.steps} steps`);
    assert.equal(r.partitions[0]!.stuck?.op.client, 'late');
  });
});
