/**
 * The network's two transports and its degradations (the `netem` verb): a lost TCP segment
 * arrives at a retransmission (RTO 200 ms, doubling), never not at all unless TCP gives up; a
 * lost datagram (a Raft peer message) is gone; only datagrams are duplicated; a retransmitted
 * stream message holds back the ones behind it; a degradation covers the links of its scope from
 * its start to its end, and a heal ends it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Network, TCP_RETRIES, nextRetransmissionMs, rtoMs, type DropReason, type Impairment, type Message, type NetworkOptions } from '../../actors/kernel/network.ts';
import { Rng } from '../../actors/kernel/rng.ts';
import { VirtualClock } from '../../actors/kernel/virtual-clock.ts';

interface Msg extends Message {
  readonly id: number;
}

class Harness {
  readonly clock = new VirtualClock();
  readonly delivered: { t: number; from: string; to: string; id: number }[] = [];
  readonly dropped: { t: number; id: number; reason: DropReason }[] = [];
  readonly net: Network;
  private nextId = 0;

  constructor(options: Partial<NetworkOptions> = {}) {
    this.net = new Network(this.clock, new Rng('netem-test').fork('network'), { latencyMsMin: 5, latencyMsMax: 5, ...options }, {
      deliver: (from, to, msg) => {
        this.delivered.push({ t: this.clock.now(), from, to, id: (msg as Msg).id });
        return null;
      },
      dropped: (_from, _to, msg, reason) => this.dropped.push({ t: this.clock.now(), id: (msg as Msg).id, reason }),
    });
  }

  send(from: string, to: string, how: { datagram?: boolean; ordered?: boolean } = {}): number {
    const id = this.nextId++;
    this.net.send(from, to, (how.ordered ? { type: 'M', id, ordered: true } : { type: 'M', id }) as Msg, how.datagram === true);
    return id;
  }

  /** Sends at a virtual time; the id is known at once (the ids are numbered in call order). */
  sendAt(atMs: number, from: string, to: string, how: { datagram?: boolean; ordered?: boolean } = {}): number {
    const id = this.nextId++;
    this.clock.at(atMs, () => this.net.send(from, to, (how.ordered ? { type: 'M', id, ordered: true } : { type: 'M', id }) as Msg, how.datagram === true));
    return id;
  }

  run(): void {
    while (this.clock.fireNext(Number.MAX_SAFE_INTEGER));
  }

  arrivalOf(id: number): number | undefined {
    return this.delivered.find((d) => d.id === id)?.t;
  }
}

const lossy = (lossProbability: number): Impairment => ({ lossProbability, duplicateProbability: 0, reorderProbability: 0, reorderDelayMsMax: 10 });

describe('Network transports', () => {
  it('the RTO doubles from 200 ms up to 120 s, and held data resumes on that schedule', () => {
    assert.deepEqual([0, 1, 2, 3, 9, 10, 20].map(rtoMs), [200, 400, 800, 1_600, 102_400, 120_000, 120_000]);
    assert.equal(nextRetransmissionMs(1_000, 1_000), 1_200);
    assert.equal(nextRetransmissionMs(1_000, 1_201), 1_600);
  });

  it('a lost TCP message arrives at the first retransmission that is not lost: after 200 ms, then 200 + 400 ms', () => {
    const h = new Harness();
    // Every packet is lost until 100 ms: the first retransmission (at 200 ms) gets through.
    h.net.degrade({ kind: 'all' }, lossy(1), 100);
    const once = h.send('a', 'b');
    h.run();
    assert.equal(h.arrivalOf(once), 200 + 5);
    // Lost until 300 ms: the retransmission at 200 ms is lost too, the next one (200 + 400) arrives.
    const h2 = new Harness();
    h2.net.degrade({ kind: 'all' }, lossy(1), 300);
    const twice = h2.send('a', 'b');
    h2.run();
    assert.equal(h2.arrivalOf(twice), 600 + 5);
    assert.deepEqual([...h.dropped, ...h2.dropped], []);
  });

  it('a TCP segment lost tcp_retries2 times is given up (reset), never delivered', () => {
    const h = new Harness({ lossProbability: 1 });
    h.send('a', 'b');
    h.run();
    assert.deepEqual(h.delivered, []);
    assert.deepEqual(h.dropped.map((d) => d.reason), ['reset']);
    assert.equal(TCP_RETRIES, 15);
  });

  it('a lost datagram (a Raft message) is gone', () => {
    const h = new Harness();
    h.net.degrade({ kind: 'all' }, lossy(1), 100);
    const raft = h.send('a', 'b', { datagram: true });
    h.run();
    assert.equal(h.arrivalOf(raft), undefined);
    assert.deepEqual(h.dropped, [{ t: 0, id: raft, reason: 'loss' }]);
  });

  it('at 30% loss every TCP message arrives, some of them late; about 30% of datagrams are lost', () => {
    const h = new Harness({ lossProbability: 0.3 });
    const tcp = Array.from({ length: 2_000 }, () => h.send('a', 'b'));
    const datagrams = Array.from({ length: 2_000 }, () => h.send('a', 'b', { datagram: true }));
    h.run();
    assert.ok(tcp.every((id) => h.arrivalOf(id) !== undefined));
    const late = tcp.filter((id) => h.arrivalOf(id)! > 5).length;
    assert.ok(Math.abs(late / 2_000 - 0.3) < 0.04, `${late} late`);
    assert.ok(tcp.every((id) => [5, 205, 605, 1_405].includes(h.arrivalOf(id)!) || h.arrivalOf(id)! > 1_405));
    const lost = datagrams.filter((id) => h.arrivalOf(id) === undefined).length;
    assert.ok(Math.abs(lost / 2_000 - 0.3) < 0.04, `${lost} lost`);
  });

  it('duplication copies datagrams only: TCP discards the copy', () => {
    const h = new Harness({ duplicateProbability: 1 });
    const tcp = Array.from({ length: 50 }, () => h.send('a', 'b'));
    const datagrams = Array.from({ length: 50 }, () => h.send('a', 'b', { datagram: true }));
    h.run();
    for (const id of tcp) assert.equal(h.delivered.filter((d) => d.id === id).length, 1);
    for (const id of datagrams) assert.equal(h.delivered.filter((d) => d.id === id).length, 2);
  });

  it('a retransmitted stream message holds back the later ones on its link; a request may overtake it', () => {
    const h = new Harness();
    h.net.degrade({ kind: 'all' }, lossy(1), 50);
    const first = h.sendAt(0, 'a', 'b', { ordered: true });
    const second = h.sendAt(60, 'a', 'b', { ordered: true });
    const request = h.sendAt(60, 'a', 'b');
    h.run();
    assert.equal(h.arrivalOf(first), 205);
    assert.equal(h.arrivalOf(second), 205);
    assert.deepEqual(h.delivered.filter((d) => d.id !== request).map((d) => d.id), [first, second]);
    assert.equal(h.arrivalOf(request), 65);
  });
});

describe('Network degradations (netem)', () => {
  it('start and stop at their virtual times, on the links of their scope only', () => {
    const h = new Harness();
    h.clock.at(100, () => h.net.degrade({ kind: 'between', groups: [['a'], ['b', 'c']] }, lossy(1), 200));
    const before = h.sendAt(50, 'a', 'b', { datagram: true });
    const during = h.sendAt(150, 'a', 'b', { datagram: true });
    const back = h.sendAt(150, 'c', 'a', { datagram: true });
    const inside = h.sendAt(150, 'b', 'c', { datagram: true });
    const unnamed = h.sendAt(150, 'a', 'd', { datagram: true });
    const atEnd = h.sendAt(200, 'a', 'b', { datagram: true });
    h.run();
    const lost = h.dropped.map((d) => d.id).sort();
    assert.deepEqual(lost, [during, back].sort());
    for (const id of [before, inside, unnamed, atEnd]) assert.notEqual(h.arrivalOf(id), undefined);
    assert.equal(h.net.degradationCount(), 0);
  });

  it('`on` covers every link to or from the named hosts', () => {
    const h = new Harness();
    h.net.degrade({ kind: 'on', names: ['x'] }, lossy(1));
    const ids = [h.send('x', 'y', { datagram: true }), h.send('y', 'x', { datagram: true }), h.send('y', 'z', { datagram: true })];
    h.run();
    assert.deepEqual(h.dropped.map((d) => d.id), ids.slice(0, 2));
  });

  it('replaces the run-wide figures on its links, and the later of two degradations counts', () => {
    const h = new Harness({ lossProbability: 1 });
    h.net.degrade({ kind: 'on', names: ['a'] }, lossy(0));
    const spared = h.send('a', 'b', { datagram: true });
    const elsewhere = h.send('c', 'b', { datagram: true });
    h.net.degrade({ kind: 'between', groups: [['a'], ['b']] }, lossy(1));
    const overridden = h.send('a', 'b', { datagram: true });
    const stillSpared = h.send('a', 'c', { datagram: true });
    h.run();
    assert.deepEqual(h.dropped.map((d) => d.id), [elsewhere, overridden]);
    assert.notEqual(h.arrivalOf(spared), undefined);
    assert.notEqual(h.arrivalOf(stillSpared), undefined);
  });

  it('heal all ends every degradation; heal of a host ends those that name it, not one over every link', () => {
    const h = new Harness();
    h.net.degrade({ kind: 'all' }, lossy(1));
    h.net.degrade({ kind: 'on', names: ['a'] }, lossy(1));
    h.net.degrade({ kind: 'between', groups: [['a'], ['b']] }, lossy(1));
    h.net.heal(['a']);
    assert.equal(h.net.degradationCount(), 1);
    const stillLost = h.send('a', 'b', { datagram: true });
    h.net.heal();
    assert.equal(h.net.degradationCount(), 0);
    const healed = h.send('a', 'b', { datagram: true });
    h.run();
    assert.deepEqual(h.dropped.map((d) => d.id), [stillLost]);
    assert.notEqual(h.arrivalOf(healed), undefined);
  });

  it('a duplication burst copies only datagrams, and reorder delays by up to its reorder delay', () => {
    const h = new Harness();
    h.net.degrade({ kind: 'all' }, { lossProbability: 0, duplicateProbability: 1, reorderProbability: 1, reorderDelayMsMax: 20 });
    const tcp = h.send('a', 'b');
    const datagram = h.send('a', 'b', { datagram: true });
    h.run();
    assert.equal(h.delivered.filter((d) => d.id === tcp).length, 1);
    assert.equal(h.delivered.filter((d) => d.id === datagram).length, 2);
    for (const d of h.delivered) assert.ok(d.t >= 6 && d.t <= 25, `${d.t}`);
  });

  it('rejects figures out of range', () => {
    const h = new Harness();
    assert.throws(() => h.net.degrade({ kind: 'all' }, lossy(1.5)), RangeError);
  });
});
