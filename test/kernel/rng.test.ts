/**
 * Seeded streams split by name: reproducible, independent between names and forks, draws that
 * stay in bounds, and `chance(0)` that does not consume a draw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../actors/kernel/rng.ts';

const draws = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.float());

describe('Rng', () => {
  it('the same seed and name give the same sequence', () => {
    assert.deepEqual(draws(new Rng('s1', 'net'), 50), draws(new Rng('s1', 'net'), 50));
    assert.deepEqual(draws(new Rng('s1').fork('a').fork('b'), 50), draws(new Rng('s1').fork('a').fork('b'), 50));
  });

  it('different names or seeds give different sequences', () => {
    const base = draws(new Rng('s1', 'a'), 20);
    assert.notDeepEqual(draws(new Rng('s1', 'b'), 20), base);
    assert.notDeepEqual(draws(new Rng('s2', 'a'), 20), base);
    assert.notDeepEqual(draws(new Rng('s1'), 20), base);
    const root = new Rng('s1');
    assert.notDeepEqual(draws(root.fork('x'), 20), draws(root.fork('y'), 20));
  });

  it('floats are in [0, 1)', () => {
    const r = new Rng('floats');
    for (let i = 0; i < 10_000; i++) {
      const f = r.float();
      assert.ok(f >= 0 && f < 1, `${f}`);
    }
  });

  it('forks are independent: draws on one fork never shift another fork’s draws', () => {
    const reference = draws(new Rng('seed').fork('b'), 30);
    const root = new Rng('seed');
    const a = root.fork('a');
    const b = root.fork('b');
    draws(a, 1000);
    draws(root, 7);
    assert.deepEqual(draws(b, 30), reference);
  });

  it('a fork depends on its name only, not on how much the parent has drawn', () => {
    const fresh = new Rng('seed').fork('host');
    const used = new Rng('seed');
    draws(used, 123);
    assert.deepEqual(draws(used.fork('host'), 20), draws(fresh, 20));
    // A fork is not the parent's own stream.
    assert.notDeepEqual(draws(new Rng('seed').fork('host'), 20), draws(new Rng('seed'), 20));
  });

  it('int(min, max) stays in [min, max) and reaches both ends', () => {
    const r = new Rng('ints');
    const seen = new Set<number>();
    for (let i = 0; i < 5_000; i++) {
      const v = r.int(3, 8);
      assert.ok(Number.isInteger(v) && v >= 3 && v < 8, `${v}`);
      seen.add(v);
    }
    assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
    for (let i = 0; i < 1_000; i++) {
      const v = r.int(-5, -3);
      assert.ok(v === -5 || v === -4, `${v}`);
    }
    assert.equal(r.int(4, 4), 4);
    assert.equal(r.int(4, 2), 4);
  });

  it('int on an empty range returns min and draws nothing', () => {
    const a = new Rng('same');
    const b = new Rng('same');
    a.int(9, 9);
    assert.equal(a.float(), b.float());
  });

  it('chance(0) draws nothing and is always false; chance(p) draws exactly one value', () => {
    const a = new Rng('c');
    const b = new Rng('c');
    for (let i = 0; i < 100; i++) assert.equal(a.chance(0), false);
    assert.deepEqual(draws(a, 10), draws(b, 10));
    a.chance(0.5);
    b.float();
    assert.deepEqual(draws(a, 10), draws(b, 10));
    assert.equal(new Rng('c').chance(1), true);
  });

  it('chance(p) is true about p of the time', () => {
    const r = new Rng('freq');
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (r.chance(0.25)) hits++;
    assert.ok(Math.abs(hits / 20_000 - 0.25) < 0.02, `${hits}`);
  });

  it('pick is seeded, covers the list, and rejects an empty one', () => {
    const items = ['a', 'b', 'c'] as const;
    const x = new Rng('p');
    const y = new Rng('p');
    const seq = Array.from({ length: 60 }, () => x.pick(items));
    assert.deepEqual(seq, Array.from({ length: 60 }, () => y.pick(items)));
    assert.deepEqual(new Set(seq), new Set(items));
    assert.throws(() => x.pick([]));
  });
});
