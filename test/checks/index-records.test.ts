/**
 * IndexRecords: the per-index records the checkers share, as columns. Whatever the columns cannot
 * hold exactly (a prior term that is not the seen term before, a committed entry other than the
 * seen one, fractional or far times, revisions far from the index, more than 254 members) must
 * still read back exactly as written: checked against a plain Map of objects over random
 * operations, and case by case.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexRecords, type AppliedRecord } from '../../actors/checks/index-records.ts';
import type { LogEntry } from '../../actors/checks/violation.ts';

interface SeenRef {
  term: number;
  id: string;
  prevTerm: number;
  member: string;
  t: number;
}
interface CommittedRef {
  entry: LogEntry;
  commitTerm: number;
  member: string;
  t: number;
}

/** The records as Maps of objects, with the same forgetting rules. */
class Reference {
  seen = new Map<number, SeenRef>();
  committed = new Map<number, CommittedRef>();
  applied = new Map<number, AppliedRecord>();
  floor = 0;

  see(index: number, entry: LogEntry, prevTerm: number, member: string, t: number): void {
    if (!this.seen.has(index)) this.seen.set(index, { term: entry[0], id: entry[1], prevTerm, member, t });
  }
  isCommitted(index: number): boolean {
    return index > this.floor && this.committed.has(index);
  }
  commit(index: number, entry: LogEntry, commitTerm: number, member: string, t: number): void {
    this.committed.set(index, { entry, commitTerm, member, t });
  }
  apply(a: AppliedRecord): void {
    if (!this.applied.has(a.index)) this.applied.set(a.index, { ...a });
  }
  dropUpTo(floor: number): void {
    if (floor <= this.floor) return;
    this.floor = floor;
    for (const k of this.committed.keys()) if (k <= floor) this.committed.delete(k);
    for (const k of this.applied.keys()) if (k <= floor) this.applied.delete(k);
  }
}

/** A small seeded generator (the test must be the same every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sameRecords(r: IndexRecords, ref: Reference, upTo: number, what: string): void {
  // At the floor only the seen term is read (the term before floor + 1).
  if (ref.floor > 0) assert.ok(Object.is(r.seenTerm(ref.floor), ref.seen.get(ref.floor)?.term ?? NaN), `${what}: seen term at the floor`);
  for (let i = ref.floor + 1; i <= upTo; i++) {
    const s = ref.seen.get(i);
    if (s === undefined) assert.ok(Number.isNaN(r.seenTerm(i)), `${what}: nothing seen at ${i}`);
    else assert.deepEqual(r.seen(i), s, `${what}: seen at ${i}`);
  }
  for (let i = 1; i <= upTo; i++) {
    const c = ref.isCommitted(i) ? ref.committed.get(i) : undefined;
    assert.deepEqual(r.committed(i), c, `${what}: committed at ${i}`);
    if (c !== undefined) {
      assert.equal(r.committedId(i), c.entry[1]);
      assert.equal(r.committedTerm(i), c.entry[0]);
    }
    const a = ref.applied.get(i);
    assert.deepEqual(r.applied(i), a, `${what}: applied at ${i}`);
    assert.equal(r.appliedId(i), a?.id, `${what}: applied id at ${i}`);
    assert.ok(Object.is(r.appliedRevision(i), a === undefined ? NaN : a.revision), `${what}: applied revision at ${i}`);
  }
}

describe('IndexRecords', () => {
  it('reads back exactly what a Map of objects holds, over random records and floors', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = lcg(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const r = new IndexRecords();
      const ref = new Reference();
      // 300 names: more than a byte of member numbers holds.
      const members = Array.from({ length: seed % 2 === 0 ? 300 : 5 }, (_, i) => `etcd-${i}`);
      const times = (): number => pick([Math.floor(rand() * 1e6), rand() * 1e6, 2 ** 40 + Math.floor(rand() * 100), 0.1]);
      const maxIndex = 3000;
      for (let step = 0; step < 6000; step++) {
        const index = 1 + Math.floor(rand() * maxIndex);
        const entry: LogEntry = [Math.floor(rand() * 4), pick(['a', 'b', `w#${index}`])];
        const kind = rand();
        if (kind < 0.45) {
          // The term before is usually the seen term before (as in a log), sometimes not.
          const before = index === 1 ? 0 : ref.seen.get(index - 1)?.term ?? 0;
          const prevTerm = rand() < 0.9 ? before : before + 1;
          const member = pick(members);
          const t = times();
          r.see(index, entry, prevTerm, member, t);
          ref.see(index, entry, prevTerm, member, t);
        } else if (kind < 0.7) {
          if (ref.isCommitted(index) || !ref.seen.has(index)) continue;
          const s = ref.seen.get(index)!;
          const committed: LogEntry = rand() < 0.9 ? [s.term, s.id] : entry;
          const commitTerm = rand() < 0.8 ? committed[0] : committed[0] + 1;
          const member = pick(members);
          const t = times();
          r.commit(index, committed, commitTerm, member, t);
          ref.commit(index, committed, commitTerm, member, t);
        } else if (kind < 0.997) {
          const s = ref.seen.get(index);
          const revision = pick([Math.max(0, index - Math.floor(rand() * 10)), index + 2 ** 30, 0]);
          const a: AppliedRecord = { index, member: pick(members), id: s !== undefined && rand() < 0.9 ? s.id : entry[1], revision, t: times() };
          r.apply(a);
          ref.apply(a);
        } else {
          const floor = ref.floor + Math.floor(rand() * 100);
          r.dropUpTo(floor);
          ref.dropUpTo(floor);
        }
      }
      // Seen records at or below the floor are the model's (no log holds them); the rest must match.
      for (const k of ref.seen.keys()) if (k < ref.floor) ref.seen.delete(k);
      assert.ok(ref.floor > 0 && ref.floor < maxIndex / 2, `seed ${seed}: the floor moved, and left records above it (${ref.floor})`);
      assert.ok(ref.committed.size > 200 && ref.applied.size > 200, `seed ${seed}: records to compare`);
      sameRecords(r, ref, maxIndex, `seed ${seed}`);
    }
  });

  it('keeps the prior term when the log that first held an entry differs from the seen term before it', () => {
    const r = new IndexRecords();
    r.see(1, [1, 'a'], 0, 'etcd-0', 10);
    r.see(2, [2, 'b'], 3, 'etcd-1', 20);
    r.see(3, [2, 'c'], 2, 'etcd-1', 21);
    assert.equal(r.seenPrevTerm(2), 3);
    assert.equal(r.seenPrevTerm(3), 2);
    assert.deepEqual(r.seen(2), { term: 2, id: 'b', prevTerm: 3, member: 'etcd-1', t: 20 });
  });

  it('answers nothing for committed and applied records at or below the floor, but remembers a later apply there until the floor moves', () => {
    const r = new IndexRecords();
    for (let i = 1; i <= 2100; i++) {
      r.see(i, [1, `w#${i}`], i === 1 ? 0 : 1, 'etcd-0', i);
      r.commit(i, [1, `w#${i}`], 1, 'etcd-0', i + 1);
      r.apply({ index: i, member: 'etcd-0', id: `w#${i}`, revision: i, t: i + 2 });
    }
    r.dropUpTo(2050);
    assert.equal(r.committed(2050), undefined);
    assert.equal(r.applied(2050), undefined);
    assert.equal(r.committedCount(), 50);
    assert.deepEqual(r.committed(2051), { entry: [1, 'w#2051'], commitTerm: 1, member: 'etcd-0', t: 2052 });
    assert.equal(r.seenTerm(2050), 1, 'the term at the floor stays: it is the term before floor + 1');
    r.apply({ index: 7, member: 'etcd-3', id: 'late', revision: 9, t: 5000 });
    assert.deepEqual(r.applied(7), { index: 7, member: 'etcd-3', id: 'late', revision: 9, t: 5000 });
    r.dropUpTo(2060);
    assert.equal(r.applied(7), undefined);
  });

  it('times an apply recorded before anything was seen at its index from its own time, not the later seen time', () => {
    const r = new IndexRecords();
    r.apply({ index: 4, member: 'etcd-0', id: 'x', revision: 3, t: 100 });
    r.see(4, [1, 'y'], 0, 'etcd-1', 40);
    assert.deepEqual(r.applied(4), { index: 4, member: 'etcd-0', id: 'x', revision: 3, t: 100 });
    assert.equal(r.seenId(4), 'y');
  });
});
