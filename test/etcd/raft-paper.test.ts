/**
 * The Raft paper's rules, one test per rule, after etcd-io/raft's `raft_paper_test.go`. Most
 * tests drive one raft directly (step a message, inspect `msgs` and `storage`); the log-repair
 * tests use the harness network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { becomeFollower, hup, propose, step, tick, type Raft } from '../../actors/etcd/raft/raft.ts';
import type { Entry, RaftMessage } from '../../actors/etcd/raft/types.ts';
import { drain, entry, logOf, logSummary, Network, newStorage, newTestRaft, type RaftOptions } from './raft-harness.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));

function voteResp(from: string, to: string, term: number, reject: boolean): RaftMessage {
  return { type: 'MsgVoteResp', from, to, term, reject };
}

function appResp(from: string, to: string, term: number, index: number): RaftMessage {
  return { type: 'MsgAppResp', from, to, term, index, reject: false, rejectHint: 0 };
}

function app(from: string, to: string, term: number, index: number, logTerm: number, entries: readonly Entry[], commit: number): RaftMessage {
  return { type: 'MsgApp', from, to, term, index, logTerm, entries, commit };
}

function vote(from: string, to: string, term: number, logTerm: number, index: number): RaftMessage {
  return { type: 'MsgVote', from, to, term, logTerm, index };
}

/** Node '1' elected leader of `voters` by granted votes stepped in directly; its msgs drained. */
function leaderOf(n: number, opts: RaftOptions = {}, storage = newStorage()): Raft {
  const voters = ids(n);
  const r = newTestRaft('1', voters, opts, storage);
  hup(r);
  for (const v of voters.slice(1)) {
    if (r.role === 'leader') break;
    step(r, voteResp(v, '1', r.storage.term, false));
  }
  assert.equal(r.role, 'leader');
  drain(r);
  return r;
}

/** Every follower acks the leader's whole log; msgs drained. */
function ackAll(r: Raft): void {
  for (const v of r.config.voters) if (v !== r.config.id) step(r, appResp(v, r.config.id, r.storage.term, r.storage.entries.length));
  drain(r);
}

function tickUntil(r: Raft, done: () => boolean, limit = 1000): number {
  for (let i = 1; i <= limit; i++) {
    tick(r);
    if (done()) return i;
  }
  throw new Error(`condition not reached in ${limit} ticks`);
}

// ---------------------------------------------------------------------------------------------
// §5.1: terms

test('§5.1 a follower adopts a higher term from any message and follows its sender', () => {
  const r = newTestRaft('1', ids(3), {}, newStorage({ term: 1, vote: '2' }));
  step(r, app('3', '1', 2, 0, 0, [], 0));
  assert.equal(r.role, 'follower');
  assert.equal(r.storage.term, 2);
  assert.equal(r.storage.vote, null, 'the vote belongs to the old term');
  assert.equal(r.lead, '3');
});

test('§5.1 a candidate that sees a higher term becomes follower of that term', () => {
  const r = newTestRaft('1', ids(3));
  hup(r);
  assert.equal(r.role, 'candidate');
  assert.equal(r.storage.term, 1);
  step(r, app('2', '1', 2, 0, 0, [], 0));
  assert.equal(r.role, 'follower');
  assert.equal(r.storage.term, 2);
  assert.equal(r.lead, '2');

  // Also from a vote response (rejection carrying the voter's higher term).
  const c = newTestRaft('1', ids(3));
  hup(c);
  step(c, voteResp('2', '1', 5, true));
  assert.equal(c.role, 'follower');
  assert.equal(c.storage.term, 5);
  assert.equal(c.lead, null);
});

test('§5.1 a leader that sees a higher term steps down to follower of that term', () => {
  for (const m of [
    app('2', '1', 2, 0, 0, [], 0),
    { type: 'MsgHeartbeat', from: '2', to: '1', term: 2, commit: 0, context: null } as RaftMessage,
    { type: 'MsgAppResp', from: '2', to: '1', term: 2, index: 0, reject: false, rejectHint: 0 } as RaftMessage,
    vote('2', '1', 2, 0, 0),
  ]) {
    const r = leaderOf(3);
    assert.equal(r.storage.term, 1);
    step(r, m);
    assert.equal(r.role, 'follower', `after a ${m.type} of term 2`);
    assert.equal(r.storage.term, 2, `after a ${m.type} of term 2`);
    const expectedLead = m.type === 'MsgApp' || m.type === 'MsgHeartbeat' ? '2' : null;
    assert.equal(r.lead, expectedLead, `lead after a ${m.type}`);
  }
});

test('§5.1 a message of a lower term is ignored', () => {
  const r = leaderOf(3, {}, newStorage({ term: 4 }));
  const term = r.storage.term;
  step(r, app('2', '1', term - 1, 0, 0, [], 0));
  step(r, vote('2', '1', term - 1, 9, 9));
  assert.equal(r.role, 'leader');
  assert.equal(r.storage.term, term);
});

// ---------------------------------------------------------------------------------------------
// §5.2: heartbeats and elections

test('§5.2 a leader broadcasts heartbeats, without entries, to every follower on its heartbeat tick', () => {
  const r = leaderOf(3);
  ackAll(r);
  propose(r, 'a', 1);
  propose(r, 'b', 2);
  drain(r);
  tick(r);
  const msgs = drain(r);
  assert.deepEqual(
    msgs.map((m) => [m.type, m.to, m.term]).sort(),
    [
      ['MsgHeartbeat', '2', 1],
      ['MsgHeartbeat', '3', 1],
    ],
  );
  for (const m of msgs) assert.ok(!('entries' in m), 'a heartbeat carries no entries');
  // The commit a heartbeat carries never exceeds what the follower is known to hold.
  for (const m of msgs) if (m.type === 'MsgHeartbeat') assert.equal(m.commit, 1);
});

test('§5.2 with heartbeatTick 3 the leader sends heartbeats every third tick only', () => {
  const r = leaderOf(5, { heartbeatTick: 3 });
  for (let round = 0; round < 3; round++) {
    tick(r);
    assert.deepEqual(drain(r), []);
    tick(r);
    assert.deepEqual(drain(r), []);
    tick(r);
    const msgs = drain(r);
    assert.deepEqual(msgs.map((m) => `${m.type}->${m.to}`).sort(), ['MsgHeartbeat->2', 'MsgHeartbeat->3', 'MsgHeartbeat->4', 'MsgHeartbeat->5']);
  }
});

function assertCampaign(r: Raft, term: number, lastTermIdx: [number, number]): void {
  assert.equal(r.role, 'candidate');
  assert.equal(r.storage.term, term);
  assert.equal(r.storage.vote, r.config.id, 'votes for itself');
  const msgs = drain(r);
  const expected = r.config.voters
    .filter((v) => v !== r.config.id)
    .map((to) => ({ type: 'MsgVote', from: r.config.id, to, term, logTerm: lastTermIdx[0], index: lastTermIdx[1] }));
  assert.deepEqual(msgs, expected);
}

test('§5.2 a follower that hears nothing times out: term+1, votes for itself, MsgVote with its last log term and index to all', () => {
  const r = newTestRaft('1', ids(3), {}, newStorage({ term: 2, entries: logOf(1, 1, 2) }));
  becomeFollower(r, 2, '2');
  const ticks = tickUntil(r, () => r.role !== 'follower');
  assert.ok(ticks >= 10 && ticks <= 19, `timed out after ${ticks} ticks`);
  assertCampaign(r, 3, [2, 3]);
});

test('§5.2 a candidate that does not win in time starts a new election at term+1', () => {
  const r = newTestRaft('1', ids(5), {}, newStorage({ term: 1, entries: logOf(1) }));
  hup(r);
  assertCampaign(r, 2, [1, 1]);
  const ticks = tickUntil(r, () => r.storage.term !== 2);
  assert.ok(ticks >= 10 && ticks <= 19, `timed out after ${ticks} ticks`);
  assertCampaign(r, 3, [1, 1]);
});

test('§5.2 election in one round: a majority wins, a majority of rejections loses, otherwise still candidate', () => {
  const cases: Array<[number, Record<string, boolean>, Raft['role']]> = [
    [1, {}, 'leader'],
    [3, { '2': true, '3': true }, 'leader'],
    [3, { '2': true }, 'leader'],
    [5, { '2': true, '3': true, '4': true, '5': true }, 'leader'],
    [5, { '2': true, '3': true, '4': true }, 'leader'],
    [5, { '2': true, '3': true }, 'leader'],
    [3, { '2': false, '3': false }, 'follower'],
    [5, { '2': false, '3': false, '4': false, '5': false }, 'follower'],
    [5, { '2': true, '3': false, '4': false, '5': false }, 'follower'],
    [3, {}, 'candidate'],
    [3, { '2': false }, 'candidate'],
    [5, { '2': true }, 'candidate'],
    [5, { '2': false, '3': false }, 'candidate'],
    [5, { '2': true, '3': false, '4': false }, 'candidate'],
    [5, {}, 'candidate'],
  ];
  for (const [n, votes, want] of cases) {
    const r = newTestRaft('1', ids(n));
    hup(r);
    for (const [from, granted] of Object.entries(votes)) step(r, voteResp(from, '1', 1, !granted));
    assert.equal(r.role, want, `${n} nodes, votes ${JSON.stringify(votes)}`);
    assert.equal(r.storage.term, 1, `${n} nodes, votes ${JSON.stringify(votes)}: term`);
  }
});

test('§5.2 a duplicated vote response counts once', () => {
  const r = newTestRaft('1', ids(5));
  hup(r);
  const REJECT = true;
  const GRANT = false;
  step(r, voteResp('2', '1', 1, REJECT));
  step(r, voteResp('2', '1', 1, GRANT));
  step(r, voteResp('3', '1', 1, GRANT));
  assert.equal(r.role, 'candidate', '2 rejected first; its later grant must not count');
  step(r, voteResp('3', '1', 1, GRANT));
  assert.equal(r.role, 'candidate', 'one grant from 3, however often it arrives');
  step(r, voteResp('4', '1', 1, GRANT));
  assert.equal(r.role, 'leader');
});

test('§5.2 one vote per term, first come first served', () => {
  const cases: Array<[string | null, string, boolean]> = [
    [null, '2', false],
    [null, '3', false],
    ['2', '2', false],
    ['3', '3', false],
    ['2', '3', true],
    ['3', '2', true],
  ];
  for (const [voted, candidate, wantReject] of cases) {
    const r = newTestRaft('1', ids(3), {}, newStorage({ term: 1, vote: voted }));
    step(r, vote(candidate, '1', 1, 0, 0));
    const msgs = drain(r);
    assert.deepEqual(msgs, [{ type: 'MsgVoteResp', from: '1', to: candidate, term: 1, reject: wantReject }], `voted ${voted}, asked by ${candidate}`);
    assert.equal(r.storage.vote, voted ?? candidate, 'the vote, once cast, never changes within the term');
  }

  // The same follower, in sequence: A first, then B is refused, then A again is granted.
  const r = newTestRaft('1', ids(3), {}, newStorage({ term: 1 }));
  step(r, vote('2', '1', 1, 0, 0));
  step(r, vote('3', '1', 1, 0, 0));
  step(r, vote('2', '1', 1, 0, 0));
  assert.deepEqual(
    drain(r).map((m) => [m.to, m.type === 'MsgVoteResp' && m.reject]),
    [
      ['2', false],
      ['3', true],
      ['2', false],
    ],
  );
});

test('§5.4.1 no vote for a candidate whose log is less up to date', () => {
  // [voter's log terms, candidate's last log term, candidate's last index, reject?]
  const cases: Array<[number[], number, number, boolean]> = [
    // same last term: the longer log wins
    [[1], 1, 1, false],
    [[1], 1, 2, false],
    [[1, 1], 1, 1, true],
    // candidate has a higher last term: always up to date, whatever the length
    [[1], 2, 1, false],
    [[1], 2, 2, false],
    [[1, 1], 2, 1, false],
    // voter has a higher last term: never, whatever the length
    [[2], 1, 1, true],
    [[2], 1, 2, true],
    [[2, 1], 1, 1, true],
    [[1, 2], 1, 5, true],
  ];
  for (const [terms, logTerm, index, wantReject] of cases) {
    const r = newTestRaft('1', ids(3), {}, newStorage({ term: 2, entries: logOf(...terms) }));
    step(r, vote('2', '1', 3, logTerm, index));
    const msgs = drain(r);
    assert.equal(msgs.length, 1);
    const m = msgs[0]!;
    assert.ok(m.type === 'MsgVoteResp', m.type);
    assert.equal(m.reject, wantReject, `voter log ${JSON.stringify(terms)}, candidate (${logTerm}, ${index})`);
    // A higher-term MsgVote moves the voter to that term either way.
    assert.equal(r.storage.term, 3);
    assert.equal(r.storage.vote, wantReject ? null : '2');
  }
});

// ---------------------------------------------------------------------------------------------
// Randomized election timeouts

function timeoutDistribution(kind: 'follower' | 'candidate', rounds = 500): Map<number, number> {
  const draws: number[] = [];
  const r = newTestRaft('1', ids(3), { seed: `randomized-${kind}` });
  const inner = r.config.randomInt;
  // Wrap the draw to check it is always asked for [0, electionTick).
  r.config.randomInt = (n: number) => {
    draws.push(n);
    return inner(n);
  };
  const seen = new Map<number, number>();
  for (let i = 0; i < rounds; i++) {
    let ticks: number;
    if (kind === 'follower') {
      becomeFollower(r, r.storage.term + 1, '2');
      ticks = tickUntil(r, () => r.role === 'candidate');
    } else {
      becomeFollower(r, r.storage.term, null);
      hup(r);
      assert.equal(r.role, 'candidate');
      const term = r.storage.term;
      ticks = tickUntil(r, () => r.storage.term > term);
    }
    drain(r);
    seen.set(ticks, (seen.get(ticks) ?? 0) + 1);
  }
  assert.ok(draws.length >= rounds);
  assert.ok(draws.every((n) => n === 10), `randomInt asked for ${[...new Set(draws)].join(', ')}`);
  return seen;
}

for (const kind of ['follower', 'candidate'] as const) {
  test(`§5.2 a ${kind}'s randomized election timeout takes every value in [10, 19] over 500 rounds, and no other`, () => {
    const seen = timeoutDistribution(kind);
    const values = [...seen.keys()].sort((a, b) => a - b);
    assert.deepEqual(values, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });
}

test('§5.2 the timeout is not derived from anything but the seeded draw: two seeds give different schedules', () => {
  const schedule = (seed: string): number[] => {
    const r = newTestRaft('1', ids(3), { seed });
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      becomeFollower(r, r.storage.term + 1, '2');
      out.push(tickUntil(r, () => r.role === 'candidate'));
    }
    return out;
  };
  assert.deepEqual(schedule('a'), schedule('a'), 'same seed, same schedule');
  assert.notDeepEqual(schedule('a'), schedule('b'));
});

// ---------------------------------------------------------------------------------------------
// §5.3: log replication

test('§5.3 a leader appends a proposal and sends it to every follower with the previous index and term', () => {
  const r = leaderOf(3);
  ackAll(r);
  assert.equal(r.storage.commit, 1, 'the empty entry of term 1 committed');
  const index = propose(r, 'x', { v: 1 });
  assert.equal(index, 2);
  assert.deepEqual(r.storage.entries[1], { index: 2, term: 1, id: 'x', data: { v: 1 } });
  const msgs = drain(r);
  assert.deepEqual(
    msgs.map((m) => (m.type === 'MsgApp' ? [m.to, m.index, m.logTerm, m.entries.map((e) => e.index), m.commit] : m.type)),
    [
      ['2', 1, 1, [2], 1],
      ['3', 1, 1, [2], 1],
    ],
  );
  assert.equal(r.storage.commit, 1, 'not committed before a majority holds it');
});

test('§5.3 propose on a non-leader is refused and changes nothing', () => {
  const r = newTestRaft('1', ids(3), {}, newStorage({ term: 3, entries: logOf(1, 3) }));
  assert.equal(propose(r, 'x', 1), null);
  assert.equal(r.storage.entries.length, 2);
  hup(r);
  assert.equal(propose(r, 'y', 1), null, 'a candidate is not a leader');
  assert.equal(r.storage.entries.length, 2);
});

test('§5.3 a leader commits an entry once a majority holds it, and tells followers in the next append', () => {
  const r = leaderOf(3);
  ackAll(r);
  propose(r, 'x', 1);
  drain(r);
  step(r, appResp('2', '1', 1, 2));
  assert.equal(r.storage.commit, 2);
  const msgs = drain(r);
  const commits = msgs.filter((m) => m.type === 'MsgApp').map((m) => [m.to, m.type === 'MsgApp' && m.commit]);
  assert.deepEqual(commits.sort(), [
    ['2', 2],
    ['3', 2],
  ]);
});

test('§5.3 commitment needs acks from a majority: 5 nodes, for each set of acceptors', () => {
  const cases: Array<[string[], boolean]> = [
    [[], false],
    [['2'], false],
    [['2', '3'], true],
    [['5', '2'], true],
    [['2', '3', '4'], true],
    [['2', '3', '4', '5'], true],
  ];
  for (const [acceptors, want] of cases) {
    const r = leaderOf(5);
    ackAll(r);
    const index = propose(r, 'x', 1)!;
    drain(r);
    for (const a of acceptors) step(r, appResp(a, '1', 1, index));
    assert.equal(r.storage.commit >= index, want, `acks from ${acceptors.join(',') || 'nobody'}`);
  }
});

test('§5.3 committing an entry commits every preceding entry, including earlier terms', () => {
  // The leader's log holds uncommitted entries of terms 1 and 2 from earlier leaders.
  const r = leaderOf(3, {}, newStorage({ term: 2, entries: logOf(1, 2, 2) }));
  assert.equal(r.storage.term, 3);
  assert.equal(r.storage.entries.length, 4, 'the empty entry of term 3 at index 4');
  const index = propose(r, 'x', 1)!;
  assert.equal(index, 5);
  drain(r);
  step(r, appResp('2', '1', 3, 5));
  assert.equal(r.storage.commit, 5, 'entries 1..5 all committed');
});

test('§5.3 a follower learns the commit index from the next append or heartbeat, never beyond what it holds', () => {
  const r = newTestRaft('2', ids(3), {}, newStorage({ term: 1 }));
  step(r, app('1', '2', 1, 0, 0, logOf(1, 1), 0));
  assert.equal(r.storage.commit, 0);
  step(r, app('1', '2', 1, 2, 1, [entry(3, 1)], 2));
  assert.equal(r.storage.commit, 2);
  // The leader committed further but this append only carries up to index 3.
  step(r, app('1', '2', 1, 2, 1, [entry(3, 1)], 9));
  assert.equal(r.storage.commit, 3, 'min(leader commit, index of last new entry)');
  step(r, { type: 'MsgHeartbeat', from: '1', to: '2', term: 1, commit: 3, context: null });
  assert.equal(r.storage.commit, 3);
  // A heartbeat never moves the commit index backwards.
  step(r, { type: 'MsgHeartbeat', from: '1', to: '2', term: 1, commit: 1, context: null });
  assert.equal(r.storage.commit, 3);
  const resps = drain(r).filter((m) => m.type === 'MsgAppResp');
  assert.deepEqual(
    resps.map((m) => m.type === 'MsgAppResp' && [m.index, m.reject]),
    [
      [2, false],
      [3, false],
      [3, false],
    ],
  );
});

test('§5.3 end to end: a proposal reaches every log, commits, and every follower learns the commit', () => {
  const net = new Network(ids(3));
  const leader = net.elect('1');
  const index = propose(leader, 'x', 'v')!;
  net.stabilize();
  assert.equal(leader.storage.commit, index);
  // Followers learned the new commit from the append the leader broadcast after committing.
  for (const id of ['2', '3']) {
    assert.deepEqual(logSummary(net.node(id)), logSummary(leader));
    assert.equal(net.node(id).storage.commit, index, `follower ${id}`);
  }
});

// ---------------------------------------------------------------------------------------------
// §5.4.2: only current-term entries are committed by counting replicas

test('§5.4.2 a leader does not commit an older-term entry held by a majority until an entry of its own term is', () => {
  // Leader of term 3 whose log holds (1, t1), (2, t2); its own empty entry is at 3.
  for (const [acked, wantCommit] of [
    [1, 0],
    [2, 0],
    [3, 3],
  ] as const) {
    const r = leaderOf(3, {}, newStorage({ term: 2, entries: logOf(1, 2) }));
    assert.equal(r.storage.term, 3);
    propose(r, 'x', 1);
    drain(r);
    step(r, appResp('2', '1', 3, acked));
    assert.equal(r.storage.commit, wantCommit, `follower acked up to ${acked}`);
  }
});

test('§5.4.2 Figure 8: a term-2 entry replicated to a majority by the term-4 leader stays uncommitted', () => {
  // State (c) of Figure 8, with S1..S5 = 1..5: 1 and 2 hold (2, t2), 5 holds (2, t3) from a
  // leader of term 3 that never replicated it, 3 and 4 hold only (1, t1). Everyone at term 3.
  const net = new Network(
    ids(5),
    { maxEntriesPerMsg: 1 },
    {
      '1': newStorage({ term: 3, commit: 1, entries: logOf(1, 2) }),
      '2': newStorage({ term: 3, commit: 1, entries: logOf(1, 2) }),
      '3': newStorage({ term: 3, commit: 1, entries: logOf(1) }),
      '4': newStorage({ term: 3, commit: 1, entries: logOf(1) }),
      '5': newStorage({ term: 3, commit: 1, entries: logOf(1, 3) }),
    },
  );
  // The term-4 leader's own entries (index 3 onward) never get through.
  net.drop((m) => m.type === 'MsgApp' && m.entries.some((e) => e.index >= 3));
  const s1 = net.elect('1');
  assert.equal(s1.storage.term, 4);
  net.tick('1', 3);
  for (const id of ids(5)) {
    assert.deepEqual(logSummary(net.node(id)).slice(0, 2), ['1:1:t1i1', '2:2:t2i2'], `node ${id} holds the term-2 entry`);
  }
  for (const id of ids(5)) assert.equal(net.node(id).storage.commit, 1, `node ${id} must not commit the term-2 entry`);

  // Once the leader's own entry reaches a majority, it and everything before it commit.
  net.recover();
  net.tick('1', 2);
  assert.equal(s1.storage.commit, 3);
  for (const id of ids(5)) {
    assert.deepEqual(logSummary(net.node(id)), logSummary(s1));
    assert.equal(net.node(id).storage.commit, 3, `node ${id}`);
  }
});

// ---------------------------------------------------------------------------------------------
// §5.3: the consistency check, conflicts, and repair

test('§5.3 the consistency check: a MsgApp whose (index, logTerm) the follower lacks is rejected', () => {
  // Follower log (1, t1), (2, t2), commit 1. [prev index, prev term, want index, want reject]
  const cases: Array<[number, number, number, boolean]> = [
    [0, 0, 1, false], // below commit: answered with the commit index
    [1, 1, 1, false], // matches a committed entry
    [2, 2, 2, false], // matches an uncommitted entry
    [2, 1, 2, true], // index present, term differs
    [3, 3, 3, true], // index past the end of the log
  ];
  for (const [index, logTerm, wantIndex, wantReject] of cases) {
    const r = newTestRaft('2', ids(3), {}, newStorage({ term: 2, commit: 1, entries: logOf(1, 2) }));
    step(r, app('1', '2', 2, index, logTerm, [], 1));
    const msgs = drain(r);
    assert.equal(msgs.length, 1);
    const m = msgs[0]!;
    assert.ok(m.type === 'MsgAppResp');
    assert.equal(m.reject, wantReject, `prev (${index}, ${logTerm})`);
    assert.equal(m.index, wantIndex, `prev (${index}, ${logTerm}): index`);
    if (wantReject) assert.ok(m.rejectHint < index && m.rejectHint <= 2, `hint ${m.rejectHint} points below the rejected index, within the log`);
    assert.deepEqual(logSummary(r), ['1:1:t1i1', '2:2:t2i2'], 'a rejected or empty append leaves the log alone');
  }
});

test('§5.3 a follower truncates conflicting entries and keeps a matching prefix untouched', () => {
  // Follower log (1, t1), (2, t2). [prev index, prev term, entries, want log terms]
  const cases: Array<[number, number, Entry[], number[], number | null]> = [
    [2, 2, [entry(3, 3)], [1, 2, 3], 3],
    [1, 1, [entry(2, 3), entry(3, 4)], [1, 3, 4], 2],
    [0, 0, [entry(1, 1)], [1, 2], null],
    [0, 0, [entry(1, 1), entry(2, 2)], [1, 2], null],
    [0, 0, [entry(1, 3)], [3], 1],
    [0, 0, [entry(1, 1), entry(2, 2), entry(3, 2)], [1, 2, 2], 3],
  ];
  for (const [index, logTerm, entries, wantTerms, wantLogFrom] of cases) {
    const storage = newStorage({ term: 2, entries: logOf(1, 2) });
    const r = newTestRaft('2', ids(3), {}, storage);
    const before = [...storage.entries];
    r.changes.logFrom = null;
    step(r, app('1', '2', 2, index, logTerm, entries, 0));
    assert.deepEqual(
      storage.entries.map((e) => e.term),
      wantTerms,
      `append after (${index}, ${logTerm}) of ${JSON.stringify(entries.map((e) => [e.index, e.term]))}`,
    );
    storage.entries.forEach((e, i) => assert.equal(e.index, i + 1, 'entries[i].index === i + 1'));
    assert.equal(r.changes.logFrom, wantLogFrom, 'the first index written');
    // Entries below the first conflict are the very same objects: not rewritten.
    const firstWrite = wantLogFrom ?? Infinity;
    for (let i = 0; i < Math.min(before.length, firstWrite - 1); i++) assert.equal(storage.entries[i], before[i]);
  }
});

test('§5.3 a stale, shorter append never truncates entries the follower already holds', () => {
  const storage = newStorage({ term: 1, entries: logOf(1, 1, 1, 1) });
  const r = newTestRaft('2', ids(3), {}, storage);
  // A delayed MsgApp from the same leader, carrying only (2, t1).
  step(r, app('1', '2', 1, 1, 1, [entry(2, 1)], 0));
  assert.equal(storage.entries.length, 4);
  const [m] = drain(r);
  assert.ok(m?.type === 'MsgAppResp' && !m.reject && m.index === 2, JSON.stringify(m));
});

test('§5.3 Figure 7: a new leader brings every divergent follower log in line with its own', () => {
  // Leader log of Figure 7 (index 1..10), the leader about to win term 9.
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    empty: [],
  };
  for (const [name, terms] of Object.entries(followers)) {
    for (const maxEntriesPerMsg of [1, 64]) {
      // Node 3 is a voter that never answers (etcd's nopStepper); its vote is stepped in directly.
      const net = new Network(
        ['1', '2'],
        { maxEntriesPerMsg },
        {
          '1': newStorage({ term: 8, commit: 3, entries: logOf(...leaderTerms) }),
          '2': newStorage({ term: 7, commit: Math.min(3, terms.length), entries: logOf(...terms) }),
        },
        ['1', '2', '3'],
      );
      const leader = net.node('1');
      hup(leader);
      step(leader, voteResp('3', '1', 9, false));
      assert.equal(leader.role, 'leader', `case ${name}`);
      net.stabilize();
      propose(leader, 'after-repair', null);
      net.stabilize();
      const label = `case ${name}, maxEntriesPerMsg ${maxEntriesPerMsg}`;
      assert.deepEqual(logSummary(net.node('2')), logSummary(leader), label);
      assert.equal(leader.storage.entries.length, 12, label);
      assert.equal(leader.storage.commit, 12, label);
      assert.equal(net.node('2').storage.commit, 12, label);
      assert.equal(net.node('2').storage.term, 9, label);
    }
  }
});

test('§5.3 repair survives lost appends: with every third MsgApp dropped, logs still converge', () => {
  const net = new Network(ids(3), { maxEntriesPerMsg: 2 }, {
    '1': newStorage({ term: 5, entries: logOf(1, 1, 3, 5, 5) }),
    '2': newStorage({ term: 5, entries: logOf(1, 2, 2, 2, 2, 2) }),
    '3': newStorage({ term: 5, entries: logOf(1) }),
  });
  let n = 0;
  net.drop((m) => m.type === 'MsgApp' && ++n % 3 === 0);
  const leader = net.elect('1');
  for (let i = 0; i < 5; i++) propose(leader, `p${i}`, i);
  net.stabilize();
  for (let i = 0; i < 30; i++) net.tick('1');
  for (const id of ['2', '3']) assert.deepEqual(logSummary(net.node(id)), logSummary(leader), `node ${id}`);
  assert.equal(leader.storage.commit, leader.storage.entries.length);
});
