/**
 * The invariant checkers with compacted logs: a member's log may start after a committed prefix it
 * compacted (`raft.compact`) or restored from a snapshot (`raft.snapshot`). Correct traces must
 * pass, and each invariant must still catch a real violation next to (or through) a compaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTrace, InvariantChecker, type Violation } from '../../actors/checks/index.ts';
import { ALL, elected, oneWrite, TraceBuilder } from './trace-builder.ts';

function assertClean(b: TraceBuilder): void {
  assert.deepEqual(checkTrace(b.events, { stopAtFirst: false }), []);
}

function assertFirst(b: TraceBuilder, invariant: string): Violation {
  const vs = checkTrace(b.events);
  assert.equal(vs[0]?.invariant, invariant, JSON.stringify(vs));
  return vs[0]!;
}

const MAJORITY = ['etcd-0', 'etcd-1'];

/**
 * `oneWrite()`, then app#2 at index 3 commits on etcd-0 and etcd-1 only (etcd-2 is cut off), both
 * compact up to 2, and etcd-2 restores their snapshot at 3. Ends at t = 400 ms.
 */
function restoredFollower(): TraceBuilder {
  return oneWrite()
    .logAll(MAJORITY, 3, [1, 'app#2'])
    .commitAll(MAJORITY, 3, 1)
    .applyAll(MAJORITY, 3, 3, 'app#2')
    .compactAll(MAJORITY, 2, 1)
    .snapshot('etcd-2', 3, 1)
    .at(400);
}

describe('checkers with compacted logs: correct traces pass', () => {
  it('passes a follower restored from a snapshot that appends, commits and applies after it', () => {
    assertClean(restoredFollower().logAll(ALL, 4, [1, 'app#3']).commitAll(ALL, 4, 1).applyAll(ALL, 4, 4, 'app#3'));
  });

  it('passes a new leader whose log is compacted past the last committed entry', () => {
    const b = restoredFollower()
      .logAll(ALL, 4, [1, 'app#3'])
      .commitAll(ALL, 4, 1)
      .compactAll(ALL, 4, 1)
      .role('etcd-0', 'follower', 2)
      .role('etcd-2', 'candidate', 2)
      .role('etcd-2', 'leader', 2)
      .logAll(ALL, 5, [2, ''])
      .commitAll(ALL, 5, 2);
    assertClean(b);
  });

  it('passes a restarted member whose durable log was compacted', () => {
    const b = restoredFollower().crash('etcd-1').restart('etcd-1').logAll(ALL, 4, [1, 'app#3']).commitAll(ALL, 4, 1);
    assertClean(b);
  });

  it('settles acknowledged writes before forgetting them, and still judges the rest at the end', () => {
    const good = oneWrite().compactAll(ALL, 2, 1);
    assertClean(good);
    const bad = elected()
      .invoke('app', 1, 'put', 'k')
      .logAll(ALL, 2, [1, 'app#1'])
      .commitAll(ALL, 2, 1)
      .applyAll(ALL, 2, 2, 'app#1')
      .complete('app', 1, 'put', 'k', 'ok', 5)
      .compactAll(ALL, 2, 1);
    const vs = checkTrace(bad.events);
    assert.equal(vs[0]?.invariant, 'AcknowledgedWritesDurable', JSON.stringify(vs));
    assert.match(vs[0]!.detail, /never applied with that revision: it was applied with revision 2/);
  });

  it('accepts an acknowledgement that arrives after every log compacted its entry (a retransmitted response), and still checks its revision', () => {
    const lateAck = (revision: number): TraceBuilder =>
      elected()
        .invoke('app', 1, 'put', 'k')
        .logAll(ALL, 2, [1, 'app#1'])
        .commitAll(ALL, 2, 1)
        .applyAll(ALL, 2, 2, 'app#1')
        .logAll(ALL, 3, [1, 'w#3'])
        .commitAll(ALL, 3, 1)
        .applyAll(ALL, 3, 3, 'w#3')
        .compactAll(ALL, 3, 1)
        .complete('app', 1, 'put', 'k', 'ok', revision);
    assertClean(lateAck(2));
    const vs = checkTrace(lateAck(3).events);
    assert.equal(vs[0]?.invariant, 'AcknowledgedWritesDurable', JSON.stringify(vs));
    assert.match(vs[0]!.detail, /never applied with that revision: it was applied with revision 2/);
  });

  it('forgets per-index state below the floor of all logs, so its memory is bounded', () => {
    const checker = new InvariantChecker();
    const b = elected();
    let index = 1;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) {
        index++;
        b.logAll(ALL, index, [1, `w#${index}`]).commitAll(ALL, index, 1).applyAll(ALL, index, index, `w#${index}`);
      }
      b.compactAll(ALL, index - 5, 1);
    }
    for (const e of b.events) assert.deepEqual(checker.observeAll(e), []);
    const kept = checker.retained();
    assert.equal(kept.floor, index - 5);
    assert.equal(kept.committed, 5, 'only the entries still in some log');
  });

  it("keeps one [term, id] pair per entry for all members' logs, though each member's raft.log brings its own", () => {
    const checker = new InvariantChecker();
    const b = elected();
    for (let index = 2; index <= 11; index++) {
      for (const member of ALL) b.log(member, index, [1, `w#${index}`]);
      b.commitAll(ALL, index, 1);
    }
    for (const e of b.events) assert.deepEqual(checker.observeAll(e), []);
    assert.equal(checker.retained().logPairs, 11, 'one pair per index (the leader\'s empty entry and ten writes)');
  });
});

describe('checkers with compacted logs: violations are still caught', () => {
  it('LogMatching: an entry after a compacted prefix whose kept term contradicts another log', () => {
    const b = elected()
      .logAll(MAJORITY, 2, [1, 'a'])
      .commitAll(MAJORITY, 2, 1)
      .compact('etcd-1', 2, 1)
      .log('etcd-2', 2, [2, 'c'], [2, 'd'])
      .log('etcd-1', 3, [2, 'd']);
    const v = assertFirst(b, 'LogMatching');
    assert.match(v.detail, /index 2 has term 2 on etcd-2 and term 1 on etcd-1/);
  });

  it('LeaderCompleteness: a leader compacted up to 2 lacks the entry committed at 3', () => {
    const b = oneWrite()
      .logAll(MAJORITY, 3, [1, 'app#2'])
      .commitAll(MAJORITY, 3, 1)
      .compact('etcd-2', 2, 1)
      .role('etcd-2', 'candidate', 2)
      .role('etcd-2', 'leader', 2);
    const v = assertFirst(b, 'LeaderCompleteness');
    assert.match(v.detail, /lacks \(index 3, term 1, 'app#2'\).*its log is compacted up to index 2 and holds nothing after it/);
  });

  it('StateMachineSafety: compacting entries the member has not committed', () => {
    const v = assertFirst(oneWrite().log('etcd-1', 3, [1, 'x']).compact('etcd-1', 3, 1), 'StateMachineSafety');
    assert.match(v.detail, /etcd-1 compacted its log up to index 3 but its commit index is only 2/);
  });

  it('StateMachineSafety: a snapshot of state nobody committed', () => {
    const v = assertFirst(oneWrite().snapshot('etcd-2', 3, 1), 'StateMachineSafety');
    assert.match(v.detail, /nothing past index 2 was committed anywhere/);
  });

  it('StateMachineSafety: a snapshot whose last entry is not the committed one', () => {
    const b = oneWrite().logAll(MAJORITY, 3, [1, 'app#2']).commitAll(MAJORITY, 3, 1).snapshot('etcd-2', 3, 2);
    const v = assertFirst(b, 'StateMachineSafety');
    assert.match(v.detail, /restored a snapshot at index 3 \(term 2\) but the entry there is \(index 3, term 1, 'app#2'\)/);
  });

  it('StateMachineSafety: restoring a snapshot behind its own commit index', () => {
    const v = assertFirst(oneWrite().snapshot('etcd-2', 1, 1), 'StateMachineSafety');
    assert.match(v.detail, /behind its own commit index 2/);
  });

  it('StateMachineSafety: after a snapshot, committing a different entry than the one committed there', () => {
    const b = restoredFollower().logAll(MAJORITY, 4, [1, 'app#3']).commitAll(MAJORITY, 4, 1).log('etcd-2', 4, [1, 'zzz']).commit('etcd-2', 4, 1);
    // (4, term 1) with two ids is first a LogMatching finding; the commit of it is StateMachineSafety.
    const vs = checkTrace(b.events, { stopAtFirst: false });
    assert.ok(vs.some((v) => v.invariant === 'StateMachineSafety' && /two different entries committed at index 4/.test(v.detail)), JSON.stringify(vs));
  });

  it('LeaderAppendOnly: a leader replacing its log by a snapshot', () => {
    const v = assertFirst(oneWrite().snapshot('etcd-0', 2, 1), 'LeaderAppendOnly');
    assert.match(v.detail, /etcd-0, leader of term 1 since 40 ms, replaced its log by a snapshot at index 2/);
  });

  it('TraceWellFormed: a log change inside the compacted prefix, and a compaction past the log', () => {
    assert.match(assertFirst(oneWrite().compact('etcd-1', 2, 1).log('etcd-1', 2, [1, 'app#1']), 'TraceWellFormed').detail, /compacted up to 2/);
    assert.match(assertFirst(oneWrite().compact('etcd-1', 5, 1), 'TraceWellFormed').detail, /its log ends at 2/);
    assert.match(assertFirst(oneWrite().compact('etcd-1', 2, 3), 'TraceWellFormed').detail, /log has term 1 there/);
  });
});
