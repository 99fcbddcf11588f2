/**
 * The kernel's event queue: (atMs, seq) order, FIFO ties, lazy cancellation and a `size` that
 * counts live events only, checked by hand and against a naive sorted-array model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventQueue, type QueuedEvent } from '../../actors/kernel/event-queue.ts';

/** Pops everything and returns the labels in firing order. */
function drain(queue: EventQueue, labels: Map<QueuedEvent, string>): string[] {
  const out: string[] = [];
  for (let e = queue.pop(); e; e = queue.pop()) out.push(labels.get(e) ?? '?');
  return out;
}

describe('EventQueue', () => {
  it('pops in due-time order whatever the insertion order', () => {
    const q = new EventQueue();
    const labels = new Map<QueuedEvent, string>();
    for (const t of [50, 10, 40, 0, 30, 20, 60, 5]) labels.set(q.push(t, () => {}), `t${t}`);
    assert.deepEqual(drain(q, labels), ['t0', 't5', 't10', 't20', 't30', 't40', 't50', 't60']);
  });

  it('fires events due at the same time in insertion (FIFO) order', () => {
    const q = new EventQueue();
    const labels = new Map<QueuedEvent, string>();
    // Interleave two due times so the heap has to reorder; equal times must keep push order.
    for (let i = 0; i < 40; i++) labels.set(q.push(i % 2 === 0 ? 7 : 3, () => {}), `${i % 2 === 0 ? 7 : 3}:${i}`);
    const order = drain(q, labels);
    const expected = [
      ...Array.from({ length: 20 }, (_, k) => `3:${2 * k + 1}`),
      ...Array.from({ length: 20 }, (_, k) => `7:${2 * k}`),
    ];
    assert.deepEqual(order, expected);
  });

  it('gives strictly increasing seq numbers and returns the pushed event object', () => {
    const q = new EventQueue();
    const a = q.push(5, () => {});
    const b = q.push(5, () => {});
    assert.ok(b.seq > a.seq);
    assert.equal(q.pop(), a);
    assert.equal(q.pop(), b);
    assert.equal(q.pop(), undefined);
  });

  it('skips cancelled events, and size counts only live ones', () => {
    const q = new EventQueue();
    const a = q.push(1, () => {});
    const b = q.push(2, () => {});
    const c = q.push(3, () => {});
    assert.equal(q.size, 3);
    q.cancel(a); // the head
    q.cancel(c); // the tail
    assert.equal(q.size, 1);
    q.cancel(a); // cancelling twice is a no-op
    assert.equal(q.size, 1);
    assert.equal(q.peekAtMs(), 2);
    assert.equal(q.pop(), b);
    assert.equal(q.size, 0);
    assert.equal(q.pop(), undefined);
    assert.equal(q.peekAtMs(), undefined);
  });

  it('a cancelled head does not hide later live events from peekAtMs', () => {
    const q = new EventQueue();
    const events = Array.from({ length: 10 }, (_, i) => q.push(i, () => {}));
    for (const e of events.slice(0, 9)) q.cancel(e);
    assert.equal(q.peekAtMs(), 9);
    assert.equal(q.size, 1);
  });

  // Like clearTimeout() on a timer that already fired: must be a no-op. Regression: `pop` used to
  // decrement liveCount but leave `cancelled` false, so a later `cancel` decremented it again and
  // `size` drifted (here from 1 to 0).
  it('cancelling an event that was already popped does not change size', () => {
    const q = new EventQueue();
    const a = q.push(1, () => {});
    q.push(2, () => {});
    assert.equal(q.pop(), a);
    assert.equal(q.size, 1);
    q.cancel(a);
    assert.equal(q.size, 1, 'cancel after pop must be a no-op');
    q.pop();
    assert.equal(q.size, 0);
  });

  it('matches a naive sorted-array model under random push / cancel / pop sequences', () => {
    type Cmd = { op: 'push'; atMs: number } | { op: 'cancel'; pick: number } | { op: 'pop' };
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('push' as const), atMs: fc.integer({ min: 0, max: 30 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.constant({ op: 'pop' as const }) },
    );
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 300 }), (cmds) => {
        const q = new EventQueue();
        // Model: pending entries in insertion order; the next one is the min (atMs, insertion index).
        interface Entry { id: number; atMs: number; handle: QueuedEvent }
        let pending: Entry[] = [];
        let nextId = 0;
        for (const c of cmds) {
          if (c.op === 'push') {
            const id = nextId++;
            const handle = q.push(c.atMs, () => {});
            assert.equal(handle.atMs, c.atMs);
            pending.push({ id, atMs: c.atMs, handle });
          } else if (c.op === 'cancel') {
            // Cancel a pending event (possibly one cancelled before: a no-op then).
            if (pending.length === 0) continue;
            const victim = pending[c.pick % pending.length]!;
            q.cancel(victim.handle);
            q.cancel(victim.handle);
            pending = pending.filter((e) => e !== victim);
          } else {
            const sorted = [...pending].sort((x, y) => x.atMs - y.atMs || x.id - y.id);
            const expected = sorted[0];
            const got = q.pop();
            if (expected === undefined) {
              assert.equal(got, undefined);
            } else {
              assert.equal(got, expected.handle);
              pending = pending.filter((e) => e !== expected);
            }
          }
          assert.equal(q.size, pending.length);
          const min = pending.reduce<number | undefined>((m, e) => (m === undefined || e.atMs < m ? e.atMs : m), undefined);
          assert.equal(q.peekAtMs(), min);
        }
        // Draining gives the rest in model order.
        const rest = [...pending].sort((x, y) => x.atMs - y.atMs || x.id - y.id).map((e) => e.handle.seq);
        const drained: number[] = [];
        for (let e = q.pop(); e; e = q.pop()) drained.push(e.seq);
        assert.deepEqual(drained, rest);
        assert.equal(q.size, 0);
      }),
      { numRuns: 300 },
    );
  });
});
