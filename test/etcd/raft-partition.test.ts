/**
 * Raft under partitions, after etcd-io/raft's `raft_test.go` (TestLeaderStepdownWhenQuorumLost,
 * TestDisruptiveFollower{,PreVote}, TestDuelingCandidates, TestProposal, TestReadOnlyForNewLeader,
 * leader stickiness), on the harness network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hup, propose, readIndex, step, tick, type Raft } from '../../actors/etcd/raft/raft.ts';
import type { RaftMessage } from '../../actors/etcd/raft/types.ts';
import { drain, logSummary, Network, newStorage, newTestRaft, type RaftOptions } from './raft-harness.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));
const terms = (net: Network): number[] => net.ids.map((id) => net.node(id).storage.term);

function tickUntilNotLeader(r: Raft, limit = 1000): number {
  for (let i = 1; i <= limit; i++) {
    tick(r);
    r.msgs = [];
    if (r.role !== 'leader') return i;
  }
  throw new Error(`still leader after ${limit} ticks`);
}

// ---------------------------------------------------------------------------------------------
// CheckQuorum

test('CheckQuorum: an isolated leader steps down within electionTick+1..2×electionTick ticks, whatever the phase', () => {
  const seen = new Set<number>();
  for (let phase = 0; phase < 10; phase++) {
    const net = new Network(ids(3), { checkQuorum: true });
    const leader = net.elect('1');
    const term = leader.storage.term;
    net.tick('1', phase); // heartbeats answered: the quorum is live
    assert.equal(leader.role, 'leader');
    net.isolate('1');
    const ticks = tickUntilNotLeader(leader);
    assert.ok(ticks >= 11 && ticks <= 20, `phase ${phase}: stepped down after ${ticks} ticks`);
    assert.equal(leader.role, 'follower');
    assert.equal(leader.storage.term, term, 'stepping down does not change the term');
    assert.equal(leader.lead, null);
    seen.add(ticks);
  }
  assert.ok(seen.size > 1, 'the step-down time depends on where in the check round the partition fell');
});

test('CheckQuorum: a 5-node leader keeps leadership with 2 followers cut off, and loses it with 3', () => {
  const net = new Network(ids(5), { checkQuorum: true });
  const leader = net.elect('1');
  net.isolate('4');
  net.isolate('5');
  net.tick('1', 100);
  assert.equal(leader.role, 'leader', 'itself plus 2 and 3 is a quorum');
  net.isolate('3');
  net.tick('1', 20);
  assert.equal(leader.role, 'follower', 'itself plus 2 is not');
});

test('CheckQuorum: a leader with a live quorum never steps down', () => {
  const net = new Network(ids(3), { checkQuorum: true, preVote: true });
  const leader = net.elect('1');
  const before = terms(net);
  for (let i = 0; i < 300; i++) {
    net.tickAll();
    assert.equal(leader.role, 'leader', `tick ${i}`);
  }
  assert.deepEqual(terms(net), before);
  for (const id of ['2', '3']) assert.equal(net.node(id).lead, '1');
});

test('without CheckQuorum an isolated leader stays leader indefinitely', () => {
  const net = new Network(ids(3), { checkQuorum: false });
  const leader = net.elect('1');
  net.isolate('1');
  for (let i = 0; i < 200; i++) tick(leader);
  assert.equal(leader.role, 'leader');
  assert.equal(leader.storage.term, 1);
});

// ---------------------------------------------------------------------------------------------
// PreVote and the disruptive follower

function isolatedFollowerScenario(opts: RaftOptions): { net: Network; leader: Raft; isolatedTermAtRecovery: number } {
  const net = new Network(ids(3), opts);
  const leader = net.elect('1');
  propose(leader, 'before', 1);
  net.stabilize();
  net.isolate('3');
  // Node 3 hears nothing for many election timeouts; 1 and 2 go on, committing an entry 3 lacks.
  net.tickAll(100);
  propose(leader, 'during', 2);
  net.stabilize();
  const isolatedTermAtRecovery = net.node('3').storage.term;
  net.recover();
  return { net, leader, isolatedTermAtRecovery };
}

test('PreVote (+ CheckQuorum): an isolated follower does not raise its term and cannot depose the leader when it rejoins', () => {
  const { net, leader, isolatedTermAtRecovery } = isolatedFollowerScenario({ preVote: true, checkQuorum: true });
  assert.equal(isolatedTermAtRecovery, 1, 'a pre-vote never raises the term');
  assert.equal(leader.role, 'leader');
  for (let i = 0; i < 50; i++) {
    net.tickAll();
    assert.equal(leader.role, 'leader', `after recovery, tick ${i}`);
  }
  assert.deepEqual(terms(net), [1, 1, 1]);
  assert.equal(net.node('3').role, 'follower');
  assert.equal(net.node('3').lead, '1');
  assert.deepEqual(logSummary(net.node('3')), logSummary(leader), 'the rejoined follower caught up');
});

test('PreVote without CheckQuorum: the rejoining follower still does not depose the leader', () => {
  const { net, leader, isolatedTermAtRecovery } = isolatedFollowerScenario({ preVote: true, checkQuorum: false });
  assert.equal(isolatedTermAtRecovery, 1);
  net.tickAll(50);
  assert.equal(leader.role, 'leader');
  assert.deepEqual(terms(net), [1, 1, 1]);
});

test('PreVote off (CheckQuorum on): the isolated follower raises its term and, on rejoining, deposes the leader', () => {
  const { net, leader, isolatedTermAtRecovery } = isolatedFollowerScenario({ preVote: false, checkQuorum: true });
  assert.ok(isolatedTermAtRecovery > 1, `isolated term ${isolatedTermAtRecovery}`);
  // The leader's next heartbeat reaches 3, whose answer carries the higher term.
  net.tick('1');
  assert.equal(leader.role, 'follower');
  assert.equal(leader.storage.term, isolatedTermAtRecovery);
  // The cluster recovers with a leader of a higher term, and it is not 3, whose log is behind.
  net.tickAll(60);
  const leaders = net.leaders();
  assert.equal(leaders.length, 1);
  const newLeader = leaders[0]!;
  assert.notEqual(newLeader.config.id, '3');
  assert.ok(newLeader.storage.term > 1);
  for (const id of net.ids) assert.deepEqual(logSummary(net.node(id)).slice(0, 3), logSummary(leader).slice(0, 3), `node ${id} kept the committed entries`);
});

test('dueling candidates (etcd TestDuelingCandidates): 1 wins, 3 stays candidate, then all settle as followers of term 2', () => {
  const net = new Network(ids(3));
  net.cut('1', '3');
  net.elect('1');
  hup(net.node('3'));
  net.stabilize();
  assert.equal(net.node('1').role, 'leader');
  assert.equal(net.node('2').role, 'follower');
  assert.equal(net.node('3').role, 'candidate', 'one rejection of 3 is not a majority');
  net.recover();
  hup(net.node('3'));
  net.stabilize();
  // 3 disrupts 1 with its higher term, but its log lacks 1's empty entry, so nobody votes for it.
  for (const id of net.ids) {
    assert.equal(net.node(id).role, 'follower', `node ${id}`);
    assert.equal(net.node(id).storage.term, 2, `node ${id}`);
  }
  assert.deepEqual(logSummary(net.node('3')), []);
  // The next election produces exactly one leader, which is not 3.
  for (let i = 0; i < 100 && net.leaders().length === 0; i++) net.tickAll();
  assert.equal(net.leaders().length, 1);
  assert.notEqual(net.leaders()[0]!.config.id, '3');
});

for (const preVote of [false, true]) {
  test(`dueling candidates: simultaneous campaigns resolve to exactly one leader (preVote ${preVote})`, () => {
    for (const seed of ['a', 'b', 'c', 'd', 'e']) {
      const net = new Network(ids(5), { preVote, seed });
      for (const id of net.ids) hup(net.node(id));
      net.stabilize();
      let rounds = 0;
      while (net.leaders().length === 0) {
        assert.ok(++rounds < 500, `seed ${seed}: no leader after 500 ticks`);
        net.tickAll();
      }
      net.tickAll(30);
      const [leader, ...others] = net.leaders();
      assert.ok(leader && others.length === 0, `seed ${seed}: exactly one leader`);
      for (const id of net.ids) {
        const r = net.node(id);
        assert.equal(r.storage.term, leader.storage.term, `seed ${seed}: node ${id} term`);
        if (r !== leader) assert.equal(r.lead, leader.config.id, `seed ${seed}: node ${id} follows the leader`);
      }
    }
  });
}

test('with 2 of 3 nodes dead a proposal never commits (etcd TestProposal)', () => {
  for (const checkQuorum of [false, true]) {
    const net = new Network(ids(3), { checkQuorum });
    const leader = net.elect('1');
    const commit = leader.storage.commit;
    net.isolate('2');
    net.isolate('3');
    const index = propose(leader, 'lost', 1);
    assert.equal(index, commit + 1);
    net.tick('1', 50);
    assert.equal(leader.storage.commit, commit, `checkQuorum ${checkQuorum}`);
    for (const id of ['2', '3']) assert.equal(net.node(id).storage.entries.length, commit);
    // With CheckQuorum it stepped down (and, alone, campaigns in vain); without, it stays leader.
    if (checkQuorum) assert.notEqual(leader.role, 'leader');
    else assert.equal(leader.role, 'leader');
    assert.equal(propose(net.node('2'), 'x', 1), null, 'a follower refuses proposals');
  }
});

// ---------------------------------------------------------------------------------------------
// ReadIndex

function contextHeartbeats(net: Network, context: string): RaftMessage[] {
  return net.delivered.concat(net.dropped).filter((m) => m.type === 'MsgHeartbeat' && m.context === context);
}

test('ReadIndex waits until the new leader has committed an entry of its own term (etcd TestReadOnlyForNewLeader)', () => {
  const net = new Network(ids(3));
  // The leader's empty entry reaches the followers but their acks are lost.
  net.drop((m) => m.type === 'MsgAppResp' && m.to === '1');
  const leader = net.elect('1');
  assert.equal(leader.storage.commit, 0);
  assert.equal(readIndex(leader, 'early'), true);
  net.stabilize();
  assert.deepEqual(leader.readStates, []);
  assert.deepEqual(contextHeartbeats(net, 'early'), [], 'no read round before the term commit');
  net.recover();
  net.tick('1');
  assert.equal(leader.storage.commit, 1);
  assert.deepEqual(leader.readStates, [{ context: 'early', index: 1 }]);
});

test('ReadIndex is answered only once a quorum has acked the heartbeat round, at the commit index of the request', () => {
  const net = new Network(ids(5));
  const leader = net.elect('1');
  propose(leader, 'x', 1);
  net.stabilize();
  const commitAtRequest = leader.storage.commit;
  assert.equal(commitAtRequest, 2);
  assert.equal(readIndex(leader, 'r1'), true);
  assert.equal(readIndex(leader, 'r2'), true);
  const hbs = drain(leader).filter((m) => m.type === 'MsgHeartbeat');
  assert.equal(hbs.length, 8, 'one heartbeat round per read, to every follower');
  // More entries commit before the acks arrive: the read index stays the request's.
  propose(leader, 'y', 2);
  net.stabilize();
  assert.equal(leader.storage.commit, 3);
  const ack = (from: string, context: string): void =>
    step(leader, { type: 'MsgHeartbeatResp', from, to: '1', term: leader.storage.term, context });
  ack('2', 'r2');
  ack('2', 'r2');
  assert.deepEqual(leader.readStates, [], 'one follower (even twice) plus the leader is not a quorum of 5');
  ack('3', 'r1');
  assert.deepEqual(leader.readStates, [], 'acks for different rounds do not add up');
  ack('3', 'r2');
  assert.deepEqual(
    leader.readStates,
    [
      { context: 'r1', index: commitAtRequest },
      { context: 'r2', index: commitAtRequest },
    ],
    'a quorum for r2 confirms the earlier r1 too',
  );
});

test('an isolated leader never produces a read state, and a deposed one refuses reads', () => {
  for (const checkQuorum of [false, true]) {
    const net = new Network(ids(3), { checkQuorum });
    const leader = net.elect('1');
    net.isolate('1');
    assert.equal(readIndex(leader, 'stale'), true);
    // The majority side elects a new leader and commits a write the old leader never sees.
    for (let i = 0; i < 30; i++) {
      tick(net.node('2'));
      tick(net.node('3'));
      net.stabilize();
    }
    const newLeader = net.leaders().find((r) => r !== leader);
    assert.ok(newLeader, `checkQuorum ${checkQuorum}: the majority elected a leader`);
    propose(newLeader, 'w', 1);
    net.stabilize();
    net.tick('1', 50);
    assert.deepEqual(leader.readStates, [], `checkQuorum ${checkQuorum}`);
    if (checkQuorum) assert.equal(readIndex(leader, 'again'), false, 'stepped down: the caller must redirect');
  }
});

test('a minority leader of 5 never answers a read, even with one follower still acking', () => {
  const net = new Network(ids(5));
  const leader = net.elect('1');
  for (const id of ['3', '4', '5']) net.isolate(id);
  readIndex(leader, 'minority');
  net.stabilize();
  net.tick('1', 20);
  assert.ok(contextHeartbeats(net, 'minority').some((m) => m.to === '2'), 'the round did go out to 2');
  assert.deepEqual(leader.readStates, []);
});

// ---------------------------------------------------------------------------------------------
// Leader stickiness

test('leader stickiness: with CheckQuorum a follower in touch with its leader ignores a higher-term MsgVote or MsgPreVote', () => {
  for (const type of ['MsgVote', 'MsgPreVote'] as const) {
    const net = new Network(ids(3), { checkQuorum: true });
    net.elect('1');
    net.tick('1', 3);
    const follower = net.node('2');
    assert.equal(follower.lead, '1');
    const voteBefore = follower.storage.vote;
    step(follower, { type, from: '3', to: '2', term: 5, logTerm: 9, index: 99 });
    assert.deepEqual(drain(follower), [], `${type}: not even a rejection`);
    assert.equal(follower.storage.term, 1);
    assert.equal(follower.storage.vote, voteBefore);
    assert.equal(follower.lead, '1');
    // The leader itself is in its lease as well.
    const leader = net.node('1');
    step(leader, { type, from: '3', to: '1', term: 5, logTerm: 9, index: 99 });
    assert.equal(leader.role, 'leader');
    assert.equal(leader.storage.term, 1);
  }
});

test('leader stickiness ends with the lease: a follower that has not heard from the leader for electionTick ticks votes', () => {
  const net = new Network(ids(3), { checkQuorum: true });
  net.elect('1');
  const follower = net.node('2');
  follower.electionElapsed = follower.config.electionTick;
  step(follower, { type: 'MsgVote', from: '3', to: '2', term: 5, logTerm: 9, index: 99 });
  assert.deepEqual(drain(follower), [{ type: 'MsgVoteResp', from: '2', to: '3', term: 5, reject: false }]);
  assert.equal(follower.storage.term, 5);
  assert.equal(follower.storage.vote, '3');
});

test('without CheckQuorum there is no lease: a higher-term MsgVote is honoured at once', () => {
  const r = newTestRaft('2', ids(3), { checkQuorum: false }, newStorage({ term: 1 }));
  step(r, { type: 'MsgHeartbeat', from: '1', to: '2', term: 1, commit: 0, context: null });
  drain(r);
  step(r, { type: 'MsgVote', from: '3', to: '2', term: 2, logTerm: 0, index: 0 });
  assert.deepEqual(drain(r), [{ type: 'MsgVoteResp', from: '2', to: '3', term: 2, reject: false }]);
});
