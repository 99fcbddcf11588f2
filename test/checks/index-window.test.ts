/**
 * IndexWindow: the checkers' per-index records. It must behave as a Map from numbers for any key
 * (a malformed trace may give any), whatever it stores densely.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexWindow } from '../../actors/checks/index-window.ts';

/** Applies the same operations to a window and a Map and compares every key in [-5, 3000] and the odd ones. */
function sameAs(w: IndexWindow<string>, m: Map<number, string>, extra: number[] = []): void {
  assert.equal(w.size, m.size);
  for (let k = -5; k <= 3000; k++) assert.equal(w.get(k), m.get(k), `key ${k}`);
  for (const k of [...extra, ...m.keys()]) {
    assert.equal(w.get(k), m.get(k), `key ${k}`);
    assert.equal(w.has(k), m.has(k), `has ${k}`);
  }
}

describe('IndexWindow', () => {
  it('gets, sets and overwrites like a Map, dense or not', () => {
    const w = new IndexWindow<string>();
    const m = new Map<number, string>();
    const keys = [5, 6, 7, 9, 3, 7, 1500, 2600, 2601, -2, 0.5, 1e12, 8, 5];
    keys.forEach((k, i) => {
      w.set(k, `v${i}`);
      m.set(k, `v${i}`);
    });
    sameAs(w, m, [0.5, 1e12, 4, 10]);
  });

  it('forgets every key at or below the floor, wherever it is kept', () => {
    const w = new IndexWindow<string>();
    const m = new Map<number, string>();
    for (const k of [10, 11, 12, 13, 14, 15, 2, -1, 5000, 12.5]) {
      w.set(k, `v${k}`);
      m.set(k, `v${k}`);
    }
    w.deleteUpTo(12);
    for (const k of [...m.keys()]) if (k <= 12) m.delete(k);
    sameAs(w, m, [12.5, 5000]);
    // Keys set after the window moved, below and above its start.
    for (const k of [16, 11, 13]) {
      w.set(k, `w${k}`);
      m.set(k, `w${k}`);
    }
    sameAs(w, m, [12.5, 5000]);
    w.deleteUpTo(1e9);
    m.clear();
    sameAs(w, m, [12.5, 5000]);
    w.set(3, 'again');
    m.set(3, 'again');
    sameAs(w, m);
  });

  it('forgets what a predicate names', () => {
    const w = new IndexWindow<number>();
    const m = new Map<number, number>();
    for (let k = 100; k < 200; k++) {
      w.set(k, k % 7);
      m.set(k, k % 7);
    }
    w.set(-3, 0);
    m.set(-3, 0);
    w.deleteIf((v, k) => v === 0 || k < 150);
    for (const [k, v] of [...m]) if (v === 0 || k < 150) m.delete(k);
    assert.equal(w.size, m.size);
    for (let k = -5; k < 210; k++) assert.equal(w.get(k), m.get(k), `key ${k}`);
  });
});
