/**
 * One good and at least one bad hand-made trace per invariant. A bad trace must be flagged with
 * the invariant's name; its good twin must pass (a checker that flags correct behaviour is as
 * broken as one that misses bugs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTrace, InvariantChecker, type Violation } from '../../actors/checks/index.ts';
import { ALL, elected, invariantsOf, oneWrite, TraceBuilder } from './trace-builder.ts';

function assertClean(b: TraceBuilder): void {
  assert.deepEqual(checkTrace(b.events, { stopAtFirst: false }), []);
}

/** The first violating event's violations must include `invariant`; returns that violation. */
function assertFlags(b: TraceBuilder, invariant: string): Violation {
  const vs = checkTrace(b.events);
  const v = vs.find((x) => x.invariant === invariant);
  assert.ok(v, `expected ${invariant}, got ${JSON.stringify(vs)}`);
  return v;
}

/** Like assertFlags, and `invariant` must be the first (most specific) finding of that event. */
function assertFirst(b: TraceBuilder, invariant: string): Violation {
  const vs = checkTrace(b.events);
  assert.equal(vs[0]?.invariant, invariant, JSON.stringify(vs));
  return vs[0]!;
}

describe('ElectionSafety', () => {
  it('passes leaders of different terms coexisting, and a leader restating its role', () => {
    const b = elected()
      .role('etcd-0', 'leader', 1)
      .role('etcd-1', 'pre-candidate', 1)
      .role('etcd-1', 'candidate', 2)
      .role('etcd-2', 'follower', 2)
      .role('etcd-1', 'leader', 2); // etcd-0 is still leader of term 1, partitioned away
    assertClean(b);
  });

  it('flags two leaders in one term, naming both and when', () => {
    const b = elected().at(4210).role('etcd-1', 'candidate', 1).role('etcd-1', 'leader', 1);
    const v = assertFirst(b, 'ElectionSafety');
    assert.equal(v.detail, 'term 1 has two leaders: etcd-0 (at 40 ms) and etcd-1 (at 4220 ms)');
    assert.equal(v.t, 4220);
  });

  it('does not free a term when its leader crashes', () => {
    const b = elected().crash('etcd-0').role('etcd-2', 'leader', 1);
    assertFirst(b, 'ElectionSafety');
  });
});

describe('LeaderAppendOnly', () => {
  it('passes appends, an identical rewrite, and truncation after stepping down', () => {
    const b = elected()
      .log('etcd-0', 2, [1, 'a#1'])
      .log('etcd-0', 3, [1, 'a#2'])
      .log('etcd-0', 1, [1, ''], [1, 'a#1'], [1, 'a#2'], [1, 'a#3']) // whole log re-sent, extended
      .role('etcd-0', 'follower', 2)
      .log('etcd-0', 3, [2, '']);
    assertClean(b);
  });

  it('flags a leader truncating its own log', () => {
    const b = elected().log('etcd-0', 2, [1, 'a#1'], [1, 'a#2']).log('etcd-0', 3);
    const v = assertFirst(b, 'LeaderAppendOnly');
    assert.match(v.detail, /etcd-0, leader of term 1 since 40 ms, truncated its own log from 3 entries to 2 entries, dropping \(index 3, term 1, 'a#2'\)/);
  });

  it('flags a leader overwriting its own entry', () => {
    const b = elected().log('etcd-0', 2, [1, 'a#1']).log('etcd-0', 2, [1, 'a#9']);
    const v = assertFirst(b, 'LeaderAppendOnly');
    assert.match(v.detail, /overwrote its own entry \(index 2, term 1, 'a#1'\) with \(term 1, 'a#9'\)/);
  });

  it('passes log changes of a crashed leader that came back as a follower', () => {
    const ok = elected().log('etcd-0', 2, [1, 'a#1']).crash('etcd-0').restart('etcd-0').log('etcd-0', 2, [2, 'x']);
    assertClean(ok);
  });
});

describe('LogMatching', () => {
  it('passes a follower whose stale tail is replaced by the leader’s entries', () => {
    const b = elected()
      .log('etcd-2', 2, [1, 'z#1']) // received from etcd-0 only, never committed
      .role('etcd-1', 'candidate', 2)
      .role('etcd-1', 'leader', 2)
      .logAll(['etcd-1', 'etcd-0'], 2, [2, 'x'])
      .log('etcd-1', 3, [2, 'y'])
      .log('etcd-2', 2, [2, 'x'], [2, 'y']);
    assertClean(b);
  });

  it('flags two logs with the same (index, term) and different prefixes', () => {
    const b = elected()
      .log('etcd-1', 2, [2, 'x'], [3, 'y'])
      .log('etcd-2', 2, [1, 'z'], [3, 'y']);
    const v = assertFirst(b, 'LogMatching');
    assert.match(v.detail, /both hold \(index 3, term 3, 'y'\) but their logs differ before it: index 2 has term 2 on etcd-1 and term 1 on etcd-2/);
  });

  it('flags two different entries with the same index and term', () => {
    const b = elected().log('etcd-1', 2, [2, 'x']).log('etcd-2', 2, [2, 'w']);
    const v = assertFirst(b, 'LogMatching');
    assert.match(v.detail, /two different entries have index 2 and term 2: 'x' on etcd-1 \(at \d+ ms\) and 'w' on etcd-2/);
  });
});

describe('LeaderCompleteness', () => {
  it('passes a new leader that holds every committed entry', () => {
    const b = oneWrite()
      .log('etcd-0', 3, [1, 'app#2']) // uncommitted: the next leader may lack it
      .crash('etcd-0')
      .role('etcd-1', 'candidate', 2)
      .role('etcd-1', 'leader', 2)
      .log('etcd-1', 3, [2, '']);
    assertClean(b);
  });

  it('flags a new leader missing a committed entry', () => {
    const b = elected()
      .logAll(['etcd-0', 'etcd-1'], 2, [1, 'app#1'])
      .commitAll(['etcd-0', 'etcd-1'], 2, 1)
      .crash('etcd-0')
      .at(5000)
      .role('etcd-2', 'candidate', 2)
      .role('etcd-2', 'leader', 2);
    const v = assertFirst(b, 'LeaderCompleteness');
    assert.match(v.detail, /^etcd-2 became leader of term 2 at 5010 ms but lacks \(index 2, term 1, 'app#1'\), committed in term 1 on etcd-0 at \d+ ms: its log ends at index 1$/);
  });

  it('passes a stale leader lacking an old-term entry that a later leader committed (5 members)', () => {
    const five = ['A', 'B', 'C', 'D', 'E'];
    const b = new TraceBuilder()
      .role('A', 'leader', 1)
      .logAll(five, 1, [1, ''])
      .commitAll(five, 1, 1)
      .logAll(['A', 'B'], 2, [1, 'x']) // never committed by A
      .role('C', 'candidate', 2)
      .role('D', 'follower', 2)
      .role('E', 'follower', 2)
      .role('C', 'leader', 2) // votes of C, D, E: all logs end at 1
      .log('C', 2, [2, 'y']) // then C is cut off, still leader of term 2
      .role('B', 'candidate', 3)
      .role('D', 'follower', 3)
      .role('E', 'follower', 3)
      .role('B', 'leader', 3) // votes of B, D, E: B's log is the most up to date
      .log('B', 3, [3, ''])
      .logAll(['D', 'E'], 2, [1, 'x'], [3, ''])
      .commit('B', 3, 3) // commits x in term 3; C (term 2) need not hold it
      .commitAll(['D', 'E'], 3, 3)
      .log('C', 3, [2, 'z']); // C, still leader of term 2, keeps appending
    assertClean(b);
  });

  it('passes a leader of an old term elected on late vote replies, after a later term committed', () => {
    const b = oneWrite()
      .role('etcd-2', 'candidate', 2) // etcd-0 and etcd-1 grant their votes for term 2, replies delayed
      .role('etcd-0', 'follower', 3)
      .role('etcd-1', 'candidate', 3)
      .role('etcd-1', 'leader', 3)
      .logAll(['etcd-1', 'etcd-0'], 3, [3, 'app#2'])
      .commitAll(['etcd-1', 'etcd-0'], 3, 3)
      .role('etcd-2', 'leader', 2); // the late replies arrive: a leader of term 2 without index 3
    assertClean(b);
  });

  it('flags an entry committed by an old leader that the leader of a later term lacks', () => {
    const b = elected()
      .logAll(['etcd-0', 'etcd-1'], 2, [1, 'app#1'])
      .role('etcd-2', 'candidate', 2)
      .role('etcd-2', 'leader', 2) // fine so far: index 2 is not committed yet
      .commit('etcd-0', 2, 1);
    const v = assertFirst(b, 'LeaderCompleteness');
    assert.match(v.detail, /^etcd-2, leader of term 2 since \d+ ms, lacks \(index 2, term 1, 'app#1'\)/);
  });
});

describe('StateMachineSafety', () => {
  it('passes members committing and applying the same entries at different times', () => {
    const b = oneWrite().log('etcd-2', 1, [1, ''], [1, 'app#1']).commit('etcd-2', 2, 1);
    assertClean(b);
  });

  it('flags two different entries committed at one index', () => {
    const b = elected()
      .log('etcd-0', 2, [1, 'a'])
      .commit('etcd-0', 2, 1)
      .log('etcd-1', 2, [2, 'b'])
      .commit('etcd-1', 2, 2);
    const v = assertFirst(b, 'StateMachineSafety');
    assert.match(v.detail, /^two different entries committed at index 2: \(term 1, 'a'\) on etcd-0 \(at \d+ ms\) and \(term 2, 'b'\) on etcd-1/);
  });

  it('flags a member overwriting an entry it committed', () => {
    const b = oneWrite().role('etcd-1', 'follower', 2).log('etcd-1', 2, [2, 'x']);
    const v = assertFirst(b, 'StateMachineSafety');
    assert.match(v.detail, /etcd-1 overwrote its committed entry \(index 2, term 1, 'app#1'\) with \(term 2, 'x'\) \(its commit index is 2\)/);
  });

  it('flags applying an uncommitted entry', () => {
    const b = elected().logAll(ALL, 2, [1, 'a']).commit('etcd-0', 2, 1).apply('etcd-1', 2, 2, 'a');
    assertFirst(b, 'StateMachineSafety');
  });

  it('flags two different entries applied at one index', () => {
    const b = elected().logAll(ALL, 2, [1, 'a']).commitAll(ALL, 2, 1).apply('etcd-0', 2, 2, 'a').apply('etcd-1', 2, 2, 'b');
    const v = assertFirst(b, 'StateMachineSafety');
    assert.match(v.detail, /applied 'b' at index 2 but its log holds \(term 1, 'a'\) there/);
  });
});

describe('AcknowledgedWritesDurable', () => {
  it('passes acknowledged writes that stay, and a no-op delete with no apply', () => {
    const b = oneWrite()
      .invoke('app', 2, 'delete', 'missing')
      .logAll(ALL, 3, [1, 'app#2'])
      .commitAll(ALL, 3, 1)
      .complete('app', 2, 'delete', 'missing', 'ok', 2)
      .invoke('app', 3, 'get', 'k')
      .complete('app', 3, 'get', 'k', 'ok', 2)
      .invoke('app', 4, 'put', 'k')
      .complete('app', 4, 'put', 'k', 'timeout'); // indefinite: never required
    assertClean(b);
  });

  it('flags an acknowledged write overwritten on a member that committed it', () => {
    const b = oneWrite().role('etcd-1', 'follower', 2).log('etcd-1', 2, [2, 'other']);
    const v = assertFlags(b, 'AcknowledgedWritesDurable');
    assert.match(v.detail, /^acknowledged write 'app#1' \(put 'k', revision 2, ok at \d+ ms\) at index 2 was overwritten with \(term 2, 'other'\) on etcd-1 \(commit index 2\)$/);
  });

  it('flags a later leader writing over an acknowledged write', () => {
    const b = elected()
      .logAll(['etcd-0', 'etcd-1'], 2, [1, 'app#1'])
      .commitAll(['etcd-0', 'etcd-1'], 2, 1)
      .apply('etcd-0', 2, 2, 'app#1')
      .complete('app', 1, 'put', 'k', 'ok', 2)
      .crash('etcd-0', 'etcd-1')
      .role('etcd-2', 'leader', 2) // LeaderCompleteness fires here already
      .log('etcd-2', 2, [2, '']);
    const all = checkTrace(b.events, { stopAtFirst: false });
    assert.deepEqual(invariantsOf(all), ['LeaderCompleteness', 'AcknowledgedWritesDurable']);
    assert.match(all[1]!.detail, /at index 2 was overwritten with \(term 2, ''\) on etcd-2 \(leader of term 2\)/);
  });

  it('passes a stale leader of an earlier term appending over an acknowledged index', () => {
    const b = elected()
      .role('etcd-1', 'candidate', 2)
      .role('etcd-2', 'follower', 2)
      .role('etcd-1', 'leader', 2) // etcd-0 is cut off, still leader of term 1
      .logAll(['etcd-1', 'etcd-2'], 2, [2, 'app#1'])
      .commitAll(['etcd-1', 'etcd-2'], 2, 2)
      .applyAll(['etcd-1', 'etcd-2'], 2, 2, 'app#1')
      .complete('app', 1, 'put', 'k', 'ok', 2)
      .log('etcd-0', 2, [1, 'old#1']) // doomed, and harmless
      .role('etcd-0', 'follower', 2)
      .log('etcd-0', 2, [2, 'app#1']);
    assertClean(b);
  });

  it('takes the entry id from the completion’s entry field when present', () => {
    const ok = oneWrite().ev('etcd.op', { client: 'other', id: 5, entry: 'app#1', op: 'put', key: 'k', phase: 'complete', result: 'ok', revision: 2 });
    assertClean(ok);
    const bad = oneWrite().ev('etcd.op', { client: 'app', id: 1, entry: 'app#77', op: 'put', key: 'k', phase: 'complete', result: 'ok', revision: 2 });
    assertFirst(bad, 'AcknowledgedWritesDurable');
  });

  it('flags a write acknowledged before any member committed it', () => {
    const b = elected().logAll(ALL, 2, [1, 'app#1']).complete('app', 1, 'put', 'k', 'ok', 2);
    const v = assertFirst(b, 'AcknowledgedWritesDurable');
    assert.match(v.detail, /no member has committed that entry/);
  });

  it('flags at finish a write acknowledged with a revision no member applied it with', () => {
    const b = elected()
      .logAll(ALL, 2, [1, 'app#1'])
      .commitAll(ALL, 2, 1)
      .applyAll(ALL, 2, 2, 'app#1')
      .complete('app', 1, 'put', 'k', 'ok', 7);
    const checker = new InvariantChecker();
    for (const e of b.events) assert.equal(checker.observe(e), null);
    const late = checker.finish();
    assert.deepEqual(invariantsOf(late), ['AcknowledgedWritesDurable']);
    assert.match(late[0]!.detail, /revision 7.*never applied with that revision: it was applied with revision 2/);
    assert.equal(late[0]!.seq, b.events.length - 1);
  });
});

describe('RevisionMonotonic', () => {
  function withTwoWrites(): TraceBuilder {
    return oneWrite()
      .logAll(ALL, 3, [1, 'app#2'])
      .commitAll(ALL, 3, 1)
      .applyAll(ALL, 3, 3, 'app#2')
      .complete('app', 2, 'put', 'k', 'ok', 3);
  }

  it('passes revisions that keep increasing across a crash and restart', () => {
    const b = withTwoWrites()
      .crash('etcd-1')
      .logAll(['etcd-0', 'etcd-2'], 4, [1, 'app#3'])
      .commitAll(['etcd-0', 'etcd-2'], 4, 1)
      .applyAll(['etcd-0', 'etcd-2'], 4, 4, 'app#3')
      .restart('etcd-1')
      .role('etcd-1', 'follower', 1)
      .commit('etcd-1', 3, 1)
      .log('etcd-1', 4, [1, 'app#3'])
      .commit('etcd-1', 4, 1)
      .apply('etcd-1', 4, 4, 'app#3');
    assertClean(b);
  });

  it('flags a revision going backwards after a restart', () => {
    const b = withTwoWrites()
      .at(1000)
      .crash('etcd-1')
      .at(2000)
      .restart('etcd-1')
      .logAll(ALL, 4, [1, 'app#3'])
      .commitAll(ALL, 4, 1)
      .apply('etcd-1', 4, 2, 'app#3'); // the store came back from before revision 3
    const v = assertFirst(b, 'RevisionMonotonic');
    assert.match(v.detail, /^etcd-1's revision went from 3 \(index 3, 'app#2', at \d+ ms\) back to 2 \(index 4, 'app#3', at \d+ ms\), across its restart at 2000 ms$/);
  });

  it('flags a revision reused by a different entry on another member', () => {
    const b = elected()
      .logAll(ALL, 2, [1, 'app#1'], [1, 'app#2'])
      .commitAll(ALL, 3, 1)
      .apply('etcd-0', 2, 2, 'app#1')
      .apply('etcd-0', 3, 3, 'app#2')
      .apply('etcd-1', 3, 2, 'app#2'); // etcd-1 skipped app#1: its first revision is 2, so per member it increases
    const v = assertFirst(b, 'RevisionMonotonic');
    assert.match(v.detail, /^revision 2 reused: index 2, 'app#1' on etcd-0 \(at \d+ ms\) and index 3, 'app#2' on etcd-1/);
  });
});

describe('CommitIndexMonotonic', () => {
  it('passes a restarted member restating its commit index before advancing', () => {
    const b = oneWrite()
      .crash('etcd-2')
      .restart('etcd-2')
      .commit('etcd-2', 2, 1)
      .logAll(ALL, 3, [1, 'x'])
      .commitAll(ALL, 3, 1);
    assertClean(b);
  });

  it('flags a commit index going backwards after a restart', () => {
    const b = oneWrite().crash('etcd-2').at(3000).restart('etcd-2').commit('etcd-2', 1, 1);
    const v = assertFirst(b, 'CommitIndexMonotonic');
    assert.match(v.detail, /^etcd-2's commit index went back from 2 \(reached at \d+ ms\) to 1 at 3010 ms, after its restart at 3000 ms$/);
  });

  it('flags a commit index going backwards without a restart', () => {
    const b = oneWrite().commit('etcd-0', 1, 1);
    assertFirst(b, 'CommitIndexMonotonic');
  });
});
