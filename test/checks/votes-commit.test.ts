/**
 * NoDoubleVote, DurableVote and CommitOwnTerm on hand-made traces: each bad trace is flagged with
 * the invariant's name (and only the right one of the two vote invariants), each good twin passes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTrace } from '../../actors/checks/index.ts';
import { ALL, elected, invariantsOf, TraceBuilder } from './trace-builder.ts';

function assertClean(b: TraceBuilder): void {
  assert.deepEqual(checkTrace(b.events, { stopAtFirst: false }), []);
}

/** etcd-1 grants etcd-0 its vote in term 1, etcd-0 wins. Ends at 100 ms. */
function votedIn(): TraceBuilder {
  return new TraceBuilder()
    .role('etcd-0', 'pre-candidate', 0)
    .vote('etcd-1', 'etcd-0', 1, true)
    .role('etcd-0', 'candidate', 1)
    .role('etcd-1', 'follower', 1)
    .vote('etcd-1', 'etcd-0', 1)
    .role('etcd-0', 'leader', 1)
    .at(100);
}

describe('NoDoubleVote', () => {
  it('passes one vote per term, a repeated grant to the same candidate, and pre-votes for anyone', () => {
    const b = votedIn()
      .vote('etcd-1', 'etcd-0', 1) // a retried request, same candidate
      .vote('etcd-1', 'etcd-2', 2, true) // pre-votes bind nothing
      .vote('etcd-1', 'etcd-0', 2, true)
      .role('etcd-1', 'follower', 2)
      .vote('etcd-1', 'etcd-2', 2); // a new term frees the vote
    assertClean(b);
  });

  it('flags two candidates granted in one term, naming both and when', () => {
    const b = votedIn().at(500).vote('etcd-1', 'etcd-2', 1);
    const vs = checkTrace(b.events);
    assert.deepEqual(invariantsOf(vs), ['NoDoubleVote']);
    assert.equal(vs[0]!.detail, 'etcd-1 voted twice in term 1: for etcd-0 at 40 ms, then for etcd-2 at 500 ms');
    assert.equal(vs[0]!.t, 500);
  });

  it('flags a candidate that grants another candidate its vote in its own term', () => {
    const b = votedIn().role('etcd-2', 'candidate', 2).vote('etcd-2', 'etcd-1', 2);
    const vs = checkTrace(b.events);
    assert.deepEqual(invariantsOf(vs), ['NoDoubleVote']);
    assert.match(vs[0]!.detail, /for etcd-2 \(itself\) at .* then for etcd-1/);
  });

  it('flags a member that granted a vote and then campaigns in the same term', () => {
    const b = votedIn().role('etcd-1', 'candidate', 1);
    assert.deepEqual(invariantsOf(checkTrace(b.events)), ['NoDoubleVote']);
  });

  it('ignores a conflicting pre-vote', () => {
    assertClean(votedIn().vote('etcd-1', 'etcd-2', 1, true));
  });
});

describe('DurableVote', () => {
  it('passes a restarted member re-granting the candidate it voted for, and voting in a later term', () => {
    const b = votedIn()
      .crash('etcd-1')
      .at(3000)
      .restart('etcd-1')
      .role('etcd-1', 'follower', 1)
      .vote('etcd-1', 'etcd-0', 1)
      .role('etcd-1', 'follower', 2)
      .vote('etcd-1', 'etcd-2', 2);
    assertClean(b);
  });

  it('flags a restarted member voting for another candidate in a term it already voted in', () => {
    const b = votedIn().crash('etcd-1').at(3000).restart('etcd-1').vote('etcd-1', 'etcd-2', 1);
    const vs = checkTrace(b.events);
    assert.deepEqual(invariantsOf(vs), ['DurableVote'], 'a double vote across a restart is DurableVote, not NoDoubleVote');
    assert.equal(vs[0]!.detail, 'etcd-1 voted twice in term 1: for etcd-0 at 40 ms, then for etcd-2 at 3010 ms, after its restart at 3000 ms (its vote was not kept)');
  });

  it('flags a restarted candidate that forgot its own vote', () => {
    const b = votedIn().crash('etcd-0').at(3000).restart('etcd-0').vote('etcd-0', 'etcd-2', 1);
    assert.deepEqual(invariantsOf(checkTrace(b.events)), ['DurableVote']);
  });

  it('flags a restarted member voting in a term below one it voted in before (its term went back)', () => {
    const b = votedIn()
      .role('etcd-1', 'follower', 3)
      .vote('etcd-1', 'etcd-2', 3)
      .crash('etcd-1')
      .restart('etcd-1')
      .vote('etcd-1', 'etcd-2', 2);
    const vs = checkTrace(b.events);
    assert.deepEqual(invariantsOf(vs), ['DurableVote']);
    assert.match(vs[0]!.detail, /in term 2 .* had voted in term 3 before it/);
  });

  it('a restart after the second vote does not turn a double vote into a durable one', () => {
    const b = votedIn().vote('etcd-1', 'etcd-2', 1).crash('etcd-1').restart('etcd-1');
    assert.deepEqual(invariantsOf(checkTrace(b.events, { stopAtFirst: false })), ['NoDoubleVote']);
  });

  it('orders a restart and a vote of the same millisecond by seq', () => {
    // The restart at 3000 ms precedes the vote at 3000 ms: the vote is after it.
    const b = new TraceBuilder(0).role('etcd-0', 'candidate', 1).vote('etcd-1', 'etcd-0', 1).at(3000).crash('etcd-1').restart('etcd-1').vote('etcd-1', 'etcd-2', 1);
    assert.deepEqual(invariantsOf(checkTrace(b.events)), ['DurableVote']);
  });
});

describe('CommitOwnTerm', () => {
  it('passes a new leader committing an old-term entry below an entry of its own term', () => {
    const b = elected()
      .logAll(ALL, 2, [1, 'a'])
      .commit('etcd-0', 1, 1) // index 2 (term 1) is replicated, not yet committed
      .role('etcd-0', 'follower', 2)
      .role('etcd-1', 'candidate', 2)
      .role('etcd-1', 'leader', 2)
      .log('etcd-1', 3, [2, ''])
      .log('etcd-2', 3, [2, ''])
      .commit('etcd-1', 3, 2) // commits index 2 indirectly, through its own entry at 3
      .commit('etcd-2', 2, 1); // a follower may stop at an old-term entry
    assertClean(b);
  });

  it('flags a leader committing up to an entry of an earlier term (Figure 8)', () => {
    const b = elected()
      .logAll(ALL, 2, [1, 'a'])
      .role('etcd-0', 'follower', 2)
      .role('etcd-1', 'candidate', 2)
      .role('etcd-1', 'leader', 2)
      .at(700)
      .commit('etcd-1', 2, 1);
    const vs = checkTrace(b.events);
    assert.deepEqual(invariantsOf(vs), ['CommitOwnTerm']);
    assert.equal(vs[0]!.detail, 'etcd-1, leader of term 2, advanced its commit index from 1 to 2 at 700 ms, an entry of term 1 (a leader commits only entries of its own term)');
  });

  it('passes a leader restating a commit index it already had', () => {
    const b = elected()
      .role('etcd-0', 'follower', 2)
      .role('etcd-0', 'candidate', 3)
      .role('etcd-0', 'leader', 3)
      .commit('etcd-0', 1, 1);
    assertClean(b);
  });
});
