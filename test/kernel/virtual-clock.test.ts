/**
 * VirtualClock: `now` is each event's own due time while it fires (chained timers are not late,
 * unlike XState's SimulatedClock, P1 in performance.md), `advanceTo`, and its use as XState's
 * `clock` hook with no real timer involved. HostClock.cancelAll cancels one host's timers only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, createMachine } from 'xstate';
import { HostClock, VirtualClock } from '../../actors/kernel/virtual-clock.ts';

/** Fires every event due up to `untilMs`, then moves the clock there (what Simulation.runUntil does). */
function runTo(clock: VirtualClock, untilMs: number): number {
  let fired = 0;
  while (clock.fireNext(untilMs)) fired++;
  clock.advanceTo(untilMs);
  return fired;
}

/** Counts calls to the real global timers while `body` runs. */
function countRealTimers<T>(body: () => T): { result: T; calls: number } {
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const realSetImmediate = globalThis.setImmediate;
  let calls = 0;
  const spy = <F extends (...args: never[]) => unknown>(f: F): F =>
    ((...args: Parameters<F>) => {
      calls++;
      return f(...args);
    }) as unknown as F;
  globalThis.setTimeout = spy(realSetTimeout);
  globalThis.setInterval = spy(realSetInterval);
  globalThis.setImmediate = spy(realSetImmediate);
  try {
    return { result: body(), calls };
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.setInterval = realSetInterval;
    globalThis.setImmediate = realSetImmediate;
  }
}

describe('VirtualClock', () => {
  it('sets now to each event’s own due time before firing it', () => {
    const clock = new VirtualClock();
    const seen: [string, number][] = [];
    clock.setTimeout(() => seen.push(['a', clock.now()]), 30);
    clock.setTimeout(() => seen.push(['b', clock.now()]), 10);
    clock.setTimeout(() => seen.push(['c', clock.now()]), 20);
    runTo(clock, 1000);
    assert.deepEqual(seen, [['b', 10], ['c', 20], ['a', 30]]);
    assert.equal(clock.now(), 1000);
  });


  it('calls a shared fire function with each event’s own argument, in due-time order', () => {
    // The network schedules every message with one function and the message as its argument.
    const clock = new VirtualClock();
    const seen: [string, number][] = [];
    const fire = (label: string): void => {
      seen.push([label, clock.now()]);
    };
    clock.after(30, fire, 'late');
    clock.after(10, fire, 'early');
    clock.after(10, fire, 'early-second');
    clock.setTimeout(() => seen.push(['closure', clock.now()]), 20);
    runTo(clock, 100);
    assert.deepEqual(seen, [
      ['early', 10],
      ['early-second', 10],
      ['closure', 20],
      ['late', 30],
    ]);
  });
  it('a timer armed inside a callback fires at its own time, not late (SimulatedClock P1)', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    // a --100--> b --100--> c --100--> d: one run to 250 must reach c at exactly 200.
    const chain = (left: number): void => {
      seen.push(clock.now());
      if (left > 0) clock.setTimeout(() => chain(left - 1), 100);
    };
    clock.setTimeout(() => chain(3), 0);
    runTo(clock, 250);
    assert.deepEqual(seen, [0, 100, 200]);
    assert.equal(clock.now(), 250);
    runTo(clock, 10_000);
    assert.deepEqual(seen, [0, 100, 200, 300]);
  });

  it('a zero-delay timer armed in a callback fires after events already due at that time', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      seen.push('first');
      clock.setTimeout(() => seen.push(`nested@${clock.now()}`), 0);
    }, 5);
    clock.setTimeout(() => seen.push(`second@${clock.now()}`), 5);
    runTo(clock, 5);
    assert.deepEqual(seen, ['first', 'second@5', 'nested@5']);
  });

  it('fireNext respects its limit and fires nothing past it', () => {
    const clock = new VirtualClock();
    let fired = 0;
    clock.setTimeout(() => fired++, 10);
    assert.equal(clock.fireNext(9), false);
    assert.equal(fired, 0);
    assert.equal(clock.now(), 0);
    assert.equal(clock.fireNext(10), true);
    assert.equal(fired, 1);
    assert.equal(clock.now(), 10);
    assert.equal(clock.fireNext(Number.POSITIVE_INFINITY), false);
  });

  it('rounds fractional delays up, clamps negative ones, and never schedules `at` in the past', () => {
    const clock = new VirtualClock();
    runTo(clock, 100);
    assert.equal(clock.setTimeout(() => {}, 2.3).atMs, 103);
    assert.equal(clock.setTimeout(() => {}, -5).atMs, 100);
    assert.equal(clock.setTimeout(() => {}, Number.NaN).atMs, 100);
    assert.equal(clock.at(50, () => {}).atMs, 100);
    assert.equal(clock.at(120, () => {}).atMs, 120);
  });

  it('clearTimeout cancels, and tolerates undefined', () => {
    const clock = new VirtualClock();
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired += 10, 20);
    clock.clearTimeout(h);
    clock.clearTimeout(undefined);
    assert.equal(clock.queue.size, 1);
    runTo(clock, 100);
    assert.equal(fired, 10);
  });

  it('advanceTo moves time forward only and fires nothing', () => {
    const clock = new VirtualClock();
    let fired = false;
    clock.setTimeout(() => (fired = true), 500);
    clock.advanceTo(300);
    assert.equal(clock.now(), 300);
    assert.equal(fired, false, 'advanceTo must not fire events');
    clock.advanceTo(100); // backwards: ignored
    assert.equal(clock.now(), 300);
    // Delays now count from 300.
    assert.equal(clock.setTimeout(() => {}, 50).atMs, 350);
    runTo(clock, 1000);
    assert.equal(fired, true);
  });
});

describe('VirtualClock as the XState clock hook', () => {
  const lease = createMachine({
    id: 'lease',
    initial: 'waiting',
    states: { waiting: { after: { 150: 'expired' } }, expired: { type: 'final' } },
  });

  it('an `after: {150}` transition happens exactly at virtual 150 with no real timer', () => {
    const clock = new VirtualClock();
    const { result: actor, calls } = countRealTimers(() => {
      const a = createActor(lease, { clock }).start();
      assert.equal(clock.queue.size, 1, 'the delay must be scheduled on the virtual clock');
      assert.equal(clock.queue.peekAtMs(), 150);
      runTo(clock, 149);
      assert.equal(a.getSnapshot().value, 'waiting');
      assert.equal(clock.fireNext(150), true);
      assert.equal(clock.now(), 150);
      assert.equal(a.getSnapshot().value, 'expired');
      assert.equal(a.getSnapshot().status, 'done');
      return a;
    });
    assert.equal(calls, 0, 'no real setTimeout/setInterval/setImmediate may be used');
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('(control) the real-timer spy does see XState’s default clock', () => {
    const { result: actor, calls } = countRealTimers(() => createActor(lease).start());
    actor.stop();
    assert.equal(calls, 1);
  });

  it('the machine does not advance while real time passes without the virtual clock', async () => {
    const clock = new VirtualClock();
    const actor = createActor(lease, { clock }).start();
    await new Promise((resolve) => setTimeout(resolve, 250)); // real 250 ms > 150
    assert.equal(actor.getSnapshot().value, 'waiting');
    assert.equal(clock.now(), 0);
    runTo(clock, 150);
    assert.equal(actor.getSnapshot().value, 'expired');
  });

  it('chained `after` delays are entered at their own virtual times (a-100->b-100->c ends in c at 250)', () => {
    const clock = new VirtualClock();
    const entered: [string, number][] = [];
    const chain = createMachine({
      initial: 'a',
      states: {
        a: { entry: () => entered.push(['a', clock.now()]), after: { 100: 'b' } },
        b: { entry: () => entered.push(['b', clock.now()]), after: { 100: 'c' } },
        c: { entry: () => entered.push(['c', clock.now()]), type: 'final' },
      },
    });
    const actor = createActor(chain, { clock }).start();
    runTo(clock, 250);
    assert.equal(actor.getSnapshot().value, 'c');
    assert.deepEqual(entered, [['a', 0], ['b', 100], ['c', 200]]);
  });

  it('leaving a state cancels its `after` timer on the virtual clock', () => {
    const clock = new VirtualClock();
    const m = createMachine({
      initial: 'waiting',
      states: {
        waiting: { after: { 150: 'expired' }, on: { RENEW: 'renewed' } },
        renewed: {},
        expired: {},
      },
    });
    const actor = createActor(m, { clock }).start();
    runTo(clock, 100);
    actor.send({ type: 'RENEW' });
    assert.equal(clock.queue.size, 0);
    runTo(clock, 1000);
    assert.equal(actor.getSnapshot().value, 'renewed');
  });
});

describe('HostClock', () => {
  it('cancelAll cancels every pending timer of that host only', () => {
    const clock = new VirtualClock();
    const a = new HostClock(clock);
    const b = new HostClock(clock);
    const fired: string[] = [];
    a.setTimeout(() => fired.push('a1'), 10);
    a.setTimeout(() => fired.push('a2'), 20);
    const a3 = a.setTimeout(() => fired.push('a3'), 30);
    a.clearTimeout(a3);
    b.setTimeout(() => fired.push('b1'), 15);
    b.setTimeout(() => fired.push('b2'), 25);
    clock.setTimeout(() => fired.push('raw'), 5);
    assert.equal(clock.queue.size, 5);
    a.cancelAll();
    assert.equal(clock.queue.size, 3);
    runTo(clock, 100);
    assert.deepEqual(fired, ['raw', 'b1', 'b2']);
  });

  it('cancelAll also catches timers armed from inside a host callback, and not already-fired ones', () => {
    const clock = new VirtualClock();
    const a = new HostClock(clock);
    const fired: string[] = [];
    a.setTimeout(() => {
      fired.push('first');
      a.setTimeout(() => fired.push('rearmed'), 50);
    }, 10);
    runTo(clock, 20);
    assert.equal(clock.queue.size, 1);
    a.cancelAll();
    assert.equal(clock.queue.size, 0);
    runTo(clock, 1000);
    assert.deepEqual(fired, ['first']);
    // The host clock is usable again after cancelAll (a restarted host reuses it).
    a.setTimeout(() => fired.push('after-restart'), 1);
    runTo(clock, 2000);
    assert.deepEqual(fired, ['first', 'after-restart']);
  });

  it('clearTimeout on a timer that already fired is a no-op, as with real timers', () => {
    const clock = new VirtualClock();
    const a = new HostClock(clock);
    const fired = a.setTimeout(() => {}, 10);
    a.setTimeout(() => {}, 50);
    runTo(clock, 20);
    assert.equal(clock.queue.size, 1);
    a.clearTimeout(fired);
    clock.clearTimeout(fired);
    assert.equal(clock.queue.size, 1, 'the pending count must not drift');
    a.cancelAll();
    assert.equal(clock.queue.size, 0);
  });

  it('works as the XState clock of one actor; cancelAll stops its `after` without touching another host', () => {
    const clock = new VirtualClock();
    const ha = new HostClock(clock);
    const hb = new HostClock(clock);
    const m = createMachine({ initial: 'waiting', states: { waiting: { after: { 150: 'expired' } }, expired: {} } });
    const x = createActor(m, { clock: ha }).start();
    const y = createActor(m, { clock: hb }).start();
    ha.cancelAll();
    runTo(clock, 200);
    assert.equal(x.getSnapshot().value, 'waiting');
    assert.equal(y.getSnapshot().value, 'expired');
  });
});
