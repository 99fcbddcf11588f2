/**
 * The deadline queue against a naive model: every request with its own timer, cancelled on its
 * answer. Driven as its owners drive it (one timer, armed when `addDeadline` says, re-armed after
 * firing at `nextDeadline`), every request must time out exactly at its deadline, never once
 * answered, in the order the per-request timers would have fired (deadline, then send order), and
 * after each firing the one timer must wait exactly for the earliest request still waiting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDeadline, newDeadlineQueue, nextDeadline, queuedDeadlines, takeDue } from '../../actors/client/deadline-queue.ts';

type Op = { kind: 'send'; timeoutMs: number } | { kind: 'answer'; pick: number } | { kind: 'advance'; ms: number };

const op = (timeouts: fc.Arbitrary<number>): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ kind: fc.constant('send' as const), timeoutMs: timeouts }),
    fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  );

interface Run {
  timeouts: [number, number][];
  /** After every firing: when the timer waits, and the earliest deadline still waiting. */
  rearms: [number | null, number | null][];
  maxQueued: number;
}

/** The owner: one timer over the queue. */
function withQueue(ops: readonly Op[]): Run {
  const q = newDeadlineQueue<number>();
  const waiting = new Map<number, number>();
  const isLive = (w: Map<number, number>, key: number) => w.has(key);
  let nowMs = 0;
  let timerAtMs: number | null = null;
  let next = 0;
  const run: Run = { timeouts: [], rearms: [], maxQueued: 0 };
  for (const o of ops) {
    if (o.kind === 'send') {
      const key = next++;
      waiting.set(key, nowMs + o.timeoutMs);
      if (addDeadline(q, key, nowMs + o.timeoutMs)) timerAtMs = nowMs + o.timeoutMs;
      assert.equal(q.armedAtMs, timerAtMs);
    } else if (o.kind === 'answer') {
      const keys = [...waiting.keys()];
      if (keys.length > 0) waiting.delete(keys[o.pick % keys.length]!);
    } else {
      const untilMs = nowMs + o.ms;
      while (timerAtMs !== null && timerAtMs <= untilMs) {
        nowMs = timerAtMs;
        for (let key = takeDue(q, nowMs); key !== undefined; key = takeDue(q, nowMs)) {
          if (!waiting.has(key)) continue;
          assert.equal(waiting.get(key), nowMs, 'times out at its own deadline');
          waiting.delete(key);
          run.timeouts.push([key, nowMs]);
        }
        timerAtMs = nextDeadline(q, waiting, isLive);
        const earliest = waiting.size === 0 ? null : Math.min(...waiting.values());
        run.rearms.push([timerAtMs, earliest]);
      }
      nowMs = untilMs;
    }
    run.maxQueued = Math.max(run.maxQueued, queuedDeadlines(q));
  }
  return run;
}

/** The model: a timer per request, cancelled by its answer; timers fire in (due, arm order). */
function model(ops: readonly Op[]): [number, number][] {
  const waiting = new Map<number, number>();
  let nowMs = 0;
  let next = 0;
  const fired: [number, number][] = [];
  for (const o of ops) {
    if (o.kind === 'send') waiting.set(next++, nowMs + o.timeoutMs);
    else if (o.kind === 'answer') {
      const keys = [...waiting.keys()];
      if (keys.length > 0) waiting.delete(keys[o.pick % keys.length]!);
    } else {
      nowMs += o.ms;
      const due = [...waiting].filter(([, d]) => d <= nowMs).sort((x, y) => x[1] - y[1] || x[0] - y[0]);
      for (const [key, d] of due) {
        waiting.delete(key);
        fired.push([key, d]);
      }
    }
  }
  return fired;
}

describe('deadline queue', () => {
  it('one constant timeout (deadlines in send order): the same timeouts, at the same times, in the same order as a timer per request', () => {
    fc.assert(
      fc.property(fc.array(op(fc.constant(25)), { maxLength: 200 }), (ops) => {
        const run = withQueue(ops);
        assert.deepEqual(run.timeouts, model(ops));
        for (const [armed, earliest] of run.rearms) assert.equal(armed, earliest, 're-armed at the earliest request still waiting');
      }),
      { numRuns: 300 },
    );
  });

  it('mixed timeouts (a later request may be due first): still exactly the model', () => {
    fc.assert(
      fc.property(fc.array(op(fc.integer({ min: 0, max: 60 })), { maxLength: 200 }), (ops) => {
        const run = withQueue(ops);
        assert.deepEqual(run.timeouts, model(ops));
        for (const [armed, earliest] of run.rearms) assert.equal(armed, earliest, 're-armed at the earliest request still waiting');
      }),
      { numRuns: 300 },
    );
  });

  it('an answered request costs nothing until its entry comes up; a firing drops the answered entries ahead of the next live one', () => {
    const q = newDeadlineQueue<string>();
    assert.equal(addDeadline(q, 'a', 100), true, 'the first deadline arms the timer');
    assert.equal(addDeadline(q, 'b', 150), false, 'a later one waits behind it');
    assert.equal(addDeadline(q, 'c', 200), false);
    assert.equal(addDeadline(q, 'early', 50), true, 'an earlier one re-arms the timer earlier');
    const live = new Set(['c']);
    assert.deepEqual([takeDue(q, 100), takeDue(q, 100), takeDue(q, 100)], ['early', 'a', undefined]);
    assert.equal(nextDeadline(q, live, (s, k) => s.has(k)), 200, 'b was answered: skipped');
    assert.equal(queuedDeadlines(q), 1);
    live.clear();
    assert.equal(takeDue(q, 199), undefined, 'not due yet');
    assert.equal(nextDeadline(q, live, (s, k) => s.has(k)), null, 'nothing waits: no timer');
    assert.equal(q.armedAtMs, null);
  });

  it('a request sent by a timeout (a retry) while the timer fires arms no second timer: the re-arm covers it', () => {
    const q = newDeadlineQueue<string>();
    addDeadline(q, 'a', 100);
    assert.equal(takeDue(q, 100), 'a');
    assert.equal(addDeadline(q, 'retry', 200), false, 'the firing timer is re-armed after the loop');
    assert.equal(takeDue(q, 100), undefined);
    assert.equal(nextDeadline(q, null, () => true), 200);
  });

  it('keeps its arrays short: entries already taken are dropped as the queue moves on', () => {
    const q = newDeadlineQueue<number>();
    const none = () => false;
    for (let i = 0; i < 10_000; i++) {
      addDeadline(q, i, i);
      if (takeDue(q, i) !== undefined) nextDeadline(q, null, none);
    }
    assert.equal(q.keys.length, 0);
    for (let i = 0; i < 5_000; i++) addDeadline(q, i, 10_000 + i);
    for (let i = 0; i < 4_000; i++) takeDue(q, 20_000);
    assert.ok(q.keys.length <= 5_000 - 1_024 && q.keys.length === q.dueMs.length, `compacted: ${q.keys.length}`);
    assert.equal(queuedDeadlines(q), 1_000);
  });
});
