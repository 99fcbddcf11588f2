/**
 * Property: a history produced by a real sequential etcd-like store is always linearizable. Each
 * generated operation gets a linearization point (its position times 10), runs against a
 * sequential store there (global revisions, as etcd: one per write, a delete of nothing writes
 * nothing), and gets a call and return interval around that point — overlapping its neighbours
 * or not. Some writes time out (no response, no revision), yet did take effect at their point.
 * And the converse: the same history with one read changed to a value never written is rejected.
 *
 * On failure fast-check prints the seed and path; rerun one with SEED=<seed> PATH_=<path>.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkKvLinearizability, type HistoryOp, type KvOp } from '../../actors/checks/history/index.ts';

interface Gen {
  kind: 'put' | 'get' | 'delete';
  key: string;
  value: string;
  client: number;
  timedOut: boolean;
  before: number;
  after: number;
}

const genArb: fc.Arbitrary<Gen> = fc.record({
  kind: fc.constantFrom<'put' | 'get' | 'delete'>('put', 'put', 'get', 'get', 'delete'),
  key: fc.constantFrom('a', 'b'),
  value: fc.constantFrom('1', '2', '3'),
  client: fc.integer({ min: 0, max: 3 }),
  timedOut: fc.boolean(),
  // Up to 25 on each side of a point 10 apart: an interval overlaps up to ~5 neighbours.
  before: fc.integer({ min: 0, max: 25 }),
  after: fc.integer({ min: 0, max: 25 }),
});

/** Runs the operations in order against a sequential store and records what each returned. */
function historyOf(gens: readonly Gen[]): HistoryOp<KvOp>[] {
  const store = new Map<string, string>();
  let revision = 1;
  return gens.map((g, i) => {
    const point = 10 * (i + 1);
    const client = `c${g.client}`;
    const call = point - g.before;
    const ret = point + g.after;
    switch (g.kind) {
      case 'put': {
        store.set(g.key, g.value);
        revision++;
        const op: KvOp = g.timedOut ? { type: 'put', key: g.key, value: g.value } : { type: 'put', key: g.key, value: g.value, revision };
        return { client, op, call, ret: g.timedOut ? null : ret };
      }
      case 'delete': {
        if (store.delete(g.key)) revision++;
        const op: KvOp = g.timedOut ? { type: 'delete', key: g.key } : { type: 'delete', key: g.key, revision };
        return { client, op, call, ret: g.timedOut ? null : ret };
      }
      case 'get': {
        const value = store.get(g.key);
        const op: KvOp = value === undefined ? { type: 'get', key: g.key, found: false, revision } : { type: 'get', key: g.key, found: true, value, revision };
        return { client, op, call, ret };
      }
    }
  });
}

const runs = { numRuns: 300, ...(process.env.SEED && { seed: Number(process.env.SEED) }), ...(process.env.PATH_ && { path: process.env.PATH_ }) };

describe('linearizability property', () => {
  it('accepts every history of a sequential store, whatever the intervals and timeouts', () => {
    fc.assert(
      fc.property(fc.array(genArb, { minLength: 1, maxLength: 14 }), (gens) => {
        const r = checkKvLinearizability(historyOf(gens));
        assert.equal(r.verdict, 'linearizable', r.explanation ?? '');
      }),
      runs,
    );
  });

  it('rejects the same history once one read returns a value never written', () => {
    fc.assert(
      fc.property(fc.array(genArb, { minLength: 1, maxLength: 14 }), fc.nat(), (gens, pick) => {
        const h = historyOf(gens);
        const reads = h.filter((o) => o.op.type === 'get');
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length]!;
        target.op = { type: 'get', key: target.op.key, found: true, value: 'never-written' };
        const r = checkKvLinearizability(h);
        assert.equal(r.verdict, 'violation');
        assert.equal(r.partitions.find((p) => p.verdict === 'violation')!.partition, target.op.key);
      }),
      runs,
    );
  });
});
