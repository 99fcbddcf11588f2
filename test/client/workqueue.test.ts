/**
 * The rate-limited work queue: dedup while queued and while processing, delayed adds, the
 * per-item exponential limiter (5 ms doubling to 1000 s), the overall token bucket (10 qps,
 * burst 100), the max of the two, forget, and the bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../actors/client/workqueue.ts';

const drain = (q: WorkQueue): string[] => {
  const keys: string[] = [];
  for (let k = q.get(); k !== undefined; k = q.get()) keys.push(k);
  return keys;
};

describe('WorkQueue: add, get, done', () => {
  it('hands keys out in FIFO order, each once however often it was added', () => {
    const q = new WorkQueue({ name: 't' });
    assert.equal(q.add('a'), true);
    assert.equal(q.add('b'), true);
    assert.equal(q.add('a'), false);
    assert.equal(q.len(), 2);
    assert.deepEqual(drain(q), ['a', 'b']);
    assert.equal(q.get(), undefined);
  });

  it('a key re-added while processing is not handed out again until done, then once', () => {
    const q = new WorkQueue({ name: 't' });
    q.add('a');
    assert.equal(q.get(), 'a');
    assert.equal(q.isProcessing('a'), true);
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while processing');
    assert.equal(q.get(), undefined);
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(q.get(), 'a');
    q.done('a');
    assert.equal(q.get(), undefined, 'processed once more, not twice');
  });

  it('done on a key not being processed does nothing', () => {
    const q = new WorkQueue({ name: 't' });
    q.done('x');
    assert.equal(q.len(), 0);
  });

  it('keeps FIFO order over many keys (the array is compacted as it goes)', () => {
    const q = new WorkQueue({ name: 't' });
    const out: string[] = [];
    for (let i = 0; i < 300; i++) {
      q.add(`k${i}`);
      if (i % 3 === 2) {
        const k = q.get()!;
        out.push(k);
        q.done(k);
      }
    }
    out.push(...drain(q));
    assert.deepEqual(out, Array.from({ length: 300 }, (_, i) => `k${i}`));
  });
});

describe('WorkQueue: addAfter and promote', () => {
  it('holds a key until its time, then queues it; nextWakeMs says when', () => {
    const q = new WorkQueue({ name: 't' });
    q.addAfter('a', 100, 0);
    q.addAfter('b', 50, 0);
    assert.equal(q.len(), 0);
    assert.equal(q.nextWakeMs(), 50);
    assert.equal(q.promote(49), 0);
    assert.equal(q.promote(50), 1);
    assert.deepEqual(drain(q), ['b']);
    assert.equal(q.nextWakeMs(), 100);
    q.promote(1000);
    assert.deepEqual(drain(q), ['a']);
    assert.equal(q.nextWakeMs(), undefined);
  });

  it('a waiting key keeps the earlier of two times', () => {
    const q = new WorkQueue({ name: 't' });
    q.addAfter('a', 100, 0);
    q.addAfter('a', 300, 0);
    assert.equal(q.nextWakeMs(), 100);
    q.addAfter('a', 20, 10);
    assert.equal(q.nextWakeMs(), 30);
    assert.equal(q.waitingCount(), 1);
  });

  it('promotes due keys by time, then by insertion', () => {
    const q = new WorkQueue({ name: 't' });
    q.addAfter('c', 10, 0);
    q.addAfter('a', 5, 0);
    q.addAfter('b', 10, 0);
    q.promote(10);
    assert.deepEqual(drain(q), ['a', 'c', 'b']);
  });

  it('a delay of 0 or less adds at once', () => {
    const q = new WorkQueue({ name: 't' });
    q.addAfter('a', 0, 5);
    assert.deepEqual(drain(q), ['a']);
  });
});

describe('WorkQueue: rate limiting (DefaultControllerRateLimiter)', () => {
  it('per item: 5 ms doubling on every failure, capped at 1000 s; forget starts over', () => {
    // A far-apart clock keeps the bucket full, so the item limiter alone decides.
    const q = new WorkQueue({ name: 't' });
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) delays.push(q.when('a', i * 1_000_000));
    assert.deepEqual(delays.slice(0, 6), [5, 10, 20, 40, 80, 160]);
    assert.equal(delays[17], 5 * 2 ** 17); // 655 360 ms
    assert.equal(delays[18], 1_000_000);
    assert.equal(delays[19], 1_000_000);
    assert.equal(q.numRequeues('a'), 20);
    assert.equal(q.when('b', 30_000_000), 5, 'items are counted separately');
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    assert.equal(q.when('a', 40_000_000), 5);
  });

  it('overall: a burst of 100 passes, then one token every 100 ms (10 qps)', () => {
    const q = new WorkQueue({ name: 't' });
    const delays: number[] = [];
    for (let i = 0; i < 103; i++) delays.push(q.when(`k${i}`, 0));
    assert.deepEqual(delays.slice(0, 100), Array(100).fill(5), 'first failure of each item: 5 ms, bucket not empty');
    assert.deepEqual(delays.slice(100), [100, 200, 300]);
  });

  it('the bucket refills at 10 tokens per second, up to the burst, in whole ms', () => {
    const q = new WorkQueue({ name: 't' });
    for (let i = 0; i < 100; i++) q.when(`k${i}`, 0);
    // 55 ms later 0.55 tokens have come back: the next one is 45 ms away.
    assert.equal(q.when('x', 55), 45);
    // It owes 0.45 token: 10 s later it holds 99.55 tokens, so the 100th waits 45 ms.
    for (let i = 0; i < 99; i++) assert.equal(q.when(`y${i}`, 10_055), 5);
    assert.equal(q.when('y99', 10_055), 45);
    // Long after, it is full again: 100, not more.
    for (let i = 0; i < 100; i++) assert.equal(q.when(`z${i}`, 100_000), 5);
    assert.equal(q.when('z100', 100_000), 100);
  });

  it('addRateLimited waits the larger of the two delays', () => {
    const q = new WorkQueue({ name: 't', qps: 10, burst: 1 });
    assert.equal(q.addRateLimited('a', 0), 5);
    assert.equal(q.addRateLimited('b', 0), 100, 'bucket empty: 100 ms beats 5 ms');
    assert.equal(q.nextWakeMs(), 5);
    q.promote(5);
    assert.deepEqual(drain(q), ['a']);
    q.promote(100);
    assert.deepEqual(drain(q), ['b']);
  });

  it('per item dominates once it exceeds the bucket', () => {
    const q = new WorkQueue({ name: 't' });
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => q.addRateLimited('a', i * 10_000));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 320, 640]);
  });
});

describe('WorkQueue: bounds', () => {
  it('refuses more queued keys than maxLength', () => {
    const q = new WorkQueue({ name: 'small', maxLength: 3 });
    q.add('a');
    q.add('b');
    q.add('c');
    assert.equal(q.add('a'), false, 'a duplicate is fine');
    assert.throws(() => q.add('d'), /workqueue small: more than 3 keys queued/);
  });

  it('refuses more waiting keys than maxLength', () => {
    const q = new WorkQueue({ name: 'small', maxLength: 2 });
    q.addAfter('a', 10, 0);
    q.addAfter('b', 10, 0);
    q.addAfter('a', 5, 0);
    assert.throws(() => q.addAfter('c', 10, 0), /more than 2 keys waiting/);
  });

  it('clear drops everything', () => {
    const q = new WorkQueue({ name: 't' });
    q.add('a');
    q.add('b');
    q.get();
    q.addAfter('c', 10, 0);
    q.when('a', 0);
    q.clear();
    assert.equal(q.len(), 0);
    assert.equal(q.nextWakeMs(), undefined);
    assert.equal(q.numRequeues('a'), 0);
    assert.equal(q.isProcessing('a'), false);
  });
});
