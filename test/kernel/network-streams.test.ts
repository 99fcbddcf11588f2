/**
 * Stream (ordered) messages across partitions: TCP delays a live connection's data rather than
 * losing it. Held per link, in order, delivered at the sender's next retransmission after the heal;
 * dropped as `reset` when either end's process restarted since, or when a link holds more than
 * MAX_HELD_PER_LINK. Datagram-like (unordered) messages are still lost to a partition.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HELD_PER_LINK, Network, nextRetransmissionMs, TCP_RTO_MAX_MS, type DropReason, type Message } from '../../actors/kernel/network.ts';
import { Rng } from '../../actors/kernel/rng.ts';
import { VirtualClock } from '../../actors/kernel/virtual-clock.ts';

interface Msg extends Message {
  readonly type: 'M';
  readonly id: number;
  readonly ordered?: true;
}

class Harness {
  readonly clock = new VirtualClock();
  readonly delivered: { t: number; from: string; to: string; id: number }[] = [];
  readonly dropped: { t: number; id: number; reason: DropReason }[] = [];
  readonly incarnation = new Map<string, number>();
  readonly net: Network;
  private nextId = 0;

  constructor() {
    this.net = new Network(this.clock, new Rng('streams').fork('network'), { latencyMsMin: 5, latencyMsMax: 5 }, {
      deliver: (from, to, msg) => {
        this.delivered.push({ t: this.clock.now(), from, to, id: (msg as Msg).id });
        return null;
      },
      dropped: (_from, _to, msg, reason) => this.dropped.push({ t: this.clock.now(), id: (msg as Msg).id, reason }),
      incarnationOf: (host) => this.incarnation.get(host) ?? 1,
    });
  }

  send(from: string, to: string, ordered = true): number {
    const id = this.nextId++;
    this.net.send(from, to, (ordered ? { type: 'M', id, ordered: true } : { type: 'M', id }) as Msg);
    return id;
  }

  at(t: number, fn: () => void): void {
    this.clock.at(t, fn);
  }

  run(): void {
    while (this.clock.fireNext(Number.MAX_SAFE_INTEGER));
  }
}

describe('Network: streams across partitions', () => {
  it('the retransmission schedule: 200 ms after the first send, doubling, capped at 120 s', () => {
    assert.equal(nextRetransmissionMs(1_000, 1_000), 1_200);
    assert.equal(nextRetransmissionMs(1_000, 1_201), 1_600);
    // 0.2 + 0.4 + 0.8 + 1.6 + 3.2 + 6.4 = 12.6 s: a heal at 11 s resumes at 12.6 s.
    assert.equal(nextRetransmissionMs(0, 11_000), 12_600);
    // Long after: the intervals stop doubling at 120 s (from the 11th retry: 0.2·2^10 = 204.8 s > 120 s).
    const afterCap = nextRetransmissionMs(0, 1_000_000);
    let at = 0;
    let rto = 200;
    const expected: number[] = [];
    while (at < 1_000_000) {
      at += rto;
      expected.push(at);
      rto = Math.min(rto * 2, TCP_RTO_MAX_MS);
    }
    assert.equal(afterCap, expected.at(-1));
    assert.ok(expected.at(-1)! - expected.at(-2)! === TCP_RTO_MAX_MS);
  });

  it('holds ordered messages across a partition and delivers them in order at the retransmission after the heal; unordered ones are lost', () => {
    const h = new Harness();
    h.at(1_000, () => h.net.partition([['a'], ['b']]));
    const ids: number[] = [];
    let unordered = -1;
    h.at(2_000, () => {
      ids.push(h.send('a', 'b'), h.send('a', 'b'));
      unordered = h.send('a', 'b', false);
    });
    h.at(3_000, () => ids.push(h.send('a', 'b')));
    h.at(11_000, () => h.net.heal());
    h.run();
    assert.deepEqual(h.dropped, [{ t: 2_000, id: unordered, reason: 'partition' }]);
    // First held at 2,005 ms; retransmissions at +0.2, +0.6, ... +12.6 s → 14,605 ms, plus 5 ms latency.
    assert.deepEqual(h.delivered.map((d) => [d.t, d.id]), ids.map((id) => [14_610, id]));
    assert.equal(h.net.heldCount(), 0);
  });

  it('a message sent after the heal but arriving before the held ones drain waits behind them', () => {
    const h = new Harness();
    h.at(0, () => h.net.cut('a', 'b'));
    const ids: number[] = [];
    h.at(10, () => ids.push(h.send('a', 'b')));
    h.at(100, () => h.net.heal());
    h.at(101, () => ids.push(h.send('a', 'b')));
    h.at(1_000, () => ids.push(h.send('a', 'b')));
    h.run();
    // Held at 15; retransmission at 215 (+5): the message sent at 101 (arriving at 106) is held behind it.
    assert.deepEqual(h.delivered.map((d) => [d.t, d.id]), [[220, ids[0]], [220, ids[1]], [1_005, ids[2]]]);
  });

  it('a one-way cut holds only its direction', () => {
    const h = new Harness();
    h.at(0, () => h.net.cut('a', 'b'));
    let there = -1;
    let back = -1;
    h.at(10, () => {
      there = h.send('a', 'b');
      back = h.send('b', 'a');
    });
    h.at(50, () => h.net.heal());
    h.run();
    assert.deepEqual(h.delivered.map((d) => [d.t, d.id]), [[15, back], [220, there]]);
  });

  it('a link cut again before its held messages drain keeps them until it heals for good', () => {
    const h = new Harness();
    h.at(0, () => h.net.isolate('b'));
    let id = -1;
    h.at(10, () => (id = h.send('a', 'b')));
    h.at(100, () => h.net.heal());
    h.at(150, () => h.net.isolate('b'));
    h.at(5_000, () => h.net.heal());
    h.run();
    // Retransmissions from 15: 215 (cut again by then), 615, 1415, 3015, 6215.
    assert.deepEqual(h.delivered.map((d) => [d.t, d.id]), [[6_220, id]]);
    assert.deepEqual(h.dropped, []);
  });

  it('a held message whose receiver restarted meanwhile is dropped as a reset: a new process does not read an old connection', () => {
    const h = new Harness();
    h.at(0, () => h.net.partition([['a'], ['b']]));
    let old = -1;
    let fresh = -1;
    h.at(10, () => (old = h.send('a', 'b')));
    h.at(20, () => h.incarnation.set('b', 2));
    h.at(30, () => (fresh = h.send('a', 'b')));
    h.at(100, () => h.net.heal());
    h.run();
    assert.deepEqual(h.dropped.map((d) => [d.id, d.reason]), [[old, 'reset']]);
    assert.deepEqual(h.delivered.map((d) => d.id), [fresh]);
  });

  it('past MAX_HELD_PER_LINK the link resets: everything held and sent until the heal is dropped, then the link works again', () => {
    const h = new Harness();
    h.at(0, () => h.net.partition([['a'], ['b']]));
    h.at(10, () => {
      for (let i = 0; i <= MAX_HELD_PER_LINK; i++) h.send('a', 'b');
    });
    h.at(20, () => h.send('a', 'b'));
    h.at(30, () => h.send('c', 'b'));
    h.at(100, () => h.net.heal());
    let after = -1;
    h.at(200, () => (after = h.send('a', 'b')));
    h.run();
    assert.equal(h.dropped.length, MAX_HELD_PER_LINK + 2);
    assert.ok(h.dropped.every((d) => d.reason === 'reset'));
    // The unnamed c is not partitioned; a→b delivers normally after the heal.
    assert.deepEqual(h.delivered.map((d) => [d.t, d.from, d.id]), [[35, 'c', MAX_HELD_PER_LINK + 2], [205, 'a', after]]);
    assert.equal(h.net.heldCount(), 0);
  });
});
