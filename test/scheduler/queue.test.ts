/**
 * The scheduling queue: PrioritySort order, backoff 1 s · 2^(attempts−1) capped at 10 s, the
 * unschedulable pool flushed after 5 min at 30-s ticks, moves on cluster events, bounds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDurationMs, SchedulingQueue } from '../../actors/scheduler/index.ts';
import { makePod } from '../../actors/scheduler/testing/wrappers.ts';

const name = (q: SchedulingQueue, now: number): string | undefined => q.pop(now)?.podInfo.name;

describe('SchedulingQueue: activeQ order', () => {
  it('pops by priority (desc), then enqueue time, then insertion', () => {
    const q = new SchedulingQueue();
    q.add(makePod('low-early').priority(0).obj(), 0);
    q.add(makePod('high-late').priority(100).obj(), 20);
    q.add(makePod('mid').priority(50).obj(), 10);
    q.add(makePod('low-late').priority(0).obj(), 30);
    q.add(makePod('low-same-time').priority(0).obj(), 30);
    q.add(makePod('high-early').priority(100).obj(), 5);
    const order: string[] = [];
    for (let p = name(q, 100); p; p = name(q, 100)) order.push(p);
    assert.deepEqual(order, ['high-early', 'high-late', 'mid', 'low-early', 'low-late', 'low-same-time']);
  });

  it('a priority update re-sorts the queue', () => {
    const q = new SchedulingQueue();
    q.add(makePod('a').obj(), 0);
    q.add(makePod('b').obj(), 1);
    q.update(makePod('b').priority(10).obj(), 2);
    assert.equal(name(q, 3), 'b');
  });
});

describe('SchedulingQueue: backoff', () => {
  it('1 s · 2^(attempts − 1), capped at 10 s, 0 before the first attempt', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDurationMs(a)),
      [0, 1000, 2000, 4000, 8000, 10000, 10000, 10000],
    );
  });

  it('a pod failing again and again waits 1, 2, 4, 8, 10, 10 s after each failure', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    let now = 0;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const info = q.pop(now);
      assert.ok(info, `attempt ${attempt} at ${now}`);
      assert.equal(info.attempts, attempt);
      now += 7; // the attempt takes a little while
      q.markUnschedulable(info, now, ['NodeResourcesFit']);
      assert.equal(q.where(info.key), 'unschedulable');
      assert.equal(q.onClusterEvent(now), 1); // e.g. a node was added: back to backoffQ
      assert.equal(q.where(info.key), 'backoff');
      const due = q.nextWakeMs()!;
      assert.equal(q.pop(due - 1), undefined, 'still backing off one ms early');
      waits.push(due - now);
      now = due;
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('a cluster event after the backoff has passed sends the pod straight to activeQ', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    const info = q.pop(0)!;
    q.markUnschedulable(info, 5000, ['TaintToleration']);
    q.onClusterEvent(5500); // 500 ms into a 1 s backoff
    assert.equal(q.where(info.key), 'backoff');
    assert.equal(q.pop(5999), undefined);
    assert.equal(name(q, 6000), 'p');
    q.markUnschedulable(info.key, 7000, ['TaintToleration']);
    q.onClusterEvent(9000); // attempts 2 → 2 s backoff, ended at 9000
    assert.equal(q.where(info.key), 'active');
  });

  it('errors go straight to backoffQ', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    q.requeueAfterError(q.pop(0)!, 100);
    assert.equal(q.where('uid-default-p'), 'backoff');
    assert.equal(q.nextWakeMs(), 1100);
  });
});

describe('SchedulingQueue: unschedulable pods', () => {
  it('are flushed after 5 min by the 30-s leftover check', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    q.markUnschedulable(q.pop(0)!, 1000, ['NodeAffinity']);
    // Ticks at 0, 30 s, 60 s, ...; the first tick T with T − 1 s > 5 min is 330 s.
    assert.equal(q.nextWakeMs(), 330_000);
    assert.equal(q.pop(329_999), undefined);
    assert.equal(q.where('uid-default-p'), 'unschedulable');
    assert.equal(name(q, 330_000), 'p');
  });

  it('exactly 5 min is not enough (strictly longer, as kube)', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    q.markUnschedulable(q.pop(0)!, 0, ['NodeAffinity']);
    q.flush(300_000);
    assert.equal(q.where('uid-default-p'), 'unschedulable');
    assert.equal(q.nextWakeMs(), 330_000);
  });

  it('move on a cluster event, optionally filtered', () => {
    const q = new SchedulingQueue();
    q.add(makePod('taint').obj(), 0);
    q.add(makePod('fit').obj(), 0);
    q.markUnschedulable(q.pop(0)!, 10, ['TaintToleration']);
    q.markUnschedulable(q.pop(0)!, 10, ['NodeResourcesFit']);
    // A pod deletion frees resources: only NodeResourcesFit's rejections can change.
    assert.equal(
      q.onClusterEvent(5000, (info) => info.unschedulablePlugins.includes('NodeResourcesFit')),
      1,
    );
    assert.equal(q.where('uid-default-fit'), 'active');
    assert.equal(q.where('uid-default-taint'), 'unschedulable');
    assert.equal(name(q, 5000), 'fit');
  });

  it('a cluster event during the attempt sends the rejected pod to backoffQ, not the pool', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    const info = q.pop(0)!;
    q.onClusterEvent(3); // a node was added while the pod was being scheduled
    q.markUnschedulable(info, 5, ['NodeResourcesFit']);
    assert.equal(q.where(info.key), 'backoff');
    assert.equal(name(q, 1005), 'p');
  });

  it('an update that changes the spec moves the pod; a status-only update does not', () => {
    const q = new SchedulingQueue();
    q.add(makePod('p').obj(), 0);
    q.markUnschedulable(q.pop(0)!, 0, ['NodeAffinity']);
    const statusOnly = makePod('p').obj();
    statusOnly.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] };
    q.update(statusOnly, 10);
    assert.equal(q.where('uid-default-p'), 'unschedulable');
    q.update(makePod('p').toleration({ operator: 'Exists' }).obj(), 2000);
    assert.equal(q.where('uid-default-p'), 'active');
  });
});

describe('SchedulingQueue: bookkeeping', () => {
  it('delete and done forget the pod; markUnschedulable after delete is ignored', () => {
    const q = new SchedulingQueue();
    q.add(makePod('a').obj(), 0);
    q.add(makePod('b').obj(), 0);
    const a = q.pop(0)!;
    q.delete(a.key);
    q.markUnschedulable(a, 1, ['X']);
    assert.equal(q.where(a.key), undefined);
    const b = q.pop(0)!;
    q.done(b.key);
    assert.deepEqual(q.sizes, { active: 0, backoff: 0, unschedulable: 0, inFlight: 0, total: 0 });
  });

  it('is bounded', () => {
    const q = new SchedulingQueue({ capacity: 2 });
    assert.equal(q.add(makePod('a').obj(), 0), true);
    assert.equal(q.add(makePod('b').obj(), 0), true);
    assert.equal(q.add(makePod('c').obj(), 0), false);
    assert.equal(q.add(makePod('a').obj(), 1), true); // an update, not a new pod
    assert.equal(q.sizes.total, 2);
  });

  it('nextWakeMs is undefined when nothing waits on time', () => {
    const q = new SchedulingQueue();
    assert.equal(q.nextWakeMs(), undefined);
    q.add(makePod('a').obj(), 0);
    assert.equal(q.nextWakeMs(), undefined); // ready now: sizes.active says so
    assert.equal(q.sizes.active, 1);
  });
});
