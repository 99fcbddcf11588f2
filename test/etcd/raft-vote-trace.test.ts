/**
 * The votes a raft member reports for the trace (`RaftChanges.votes`, traced as `raft.vote` by the
 * etcd server): every grant to another candidate, pre-votes marked, nothing for a refusal or a
 * retried request, and a restarted member keeps refusing what its durable vote forbids.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { step, takeChanges } from '../../actors/etcd/raft/raft.ts';
import { newStorage, newTestRaft } from './raft-harness.ts';

const VOTERS = ['a', 'b', 'c'];
const voteReq = (from: string, term: number, type: 'MsgVote' | 'MsgPreVote' = 'MsgVote') => ({ type, from, to: 'a', term, index: 0, logTerm: 0 }) as const;

describe('raft: granted votes for the trace', () => {
  it('lists a granted vote once, not a refusal nor a retried request', () => {
    const r = newTestRaft('a', VOTERS);
    takeChanges(r);
    step(r, voteReq('b', 1));
    assert.deepEqual(takeChanges(r).votes, [{ candidate: 'b', term: 1, preVote: false }]);
    step(r, voteReq('b', 1));
    assert.deepEqual(takeChanges(r).votes, [], 'the same candidate asking again is not a new vote');
    step(r, voteReq('c', 1));
    assert.deepEqual(takeChanges(r).votes, [], 'a refused vote is not listed');
    const last = r.msgs.at(-1);
    assert.ok(last?.type === 'MsgVoteResp' && last.reject, 'c was refused');
  });

  it('marks a granted pre-vote with the term the candidate would campaign in', () => {
    const r = newTestRaft('a', VOTERS, { preVote: true }, newStorage({ term: 2 }));
    takeChanges(r);
    step(r, voteReq('c', 3, 'MsgPreVote'));
    assert.deepEqual(takeChanges(r).votes, [{ candidate: 'c', term: 3, preVote: true }]);
    assert.equal(r.storage.term, 2, 'a pre-vote changes no term');
  });

  it('a member restarted from its storage refuses another candidate in the term it voted in', () => {
    const storage = newStorage();
    const before = newTestRaft('a', VOTERS, {}, storage);
    step(before, voteReq('b', 1));
    const after = newTestRaft('a', VOTERS, {}, storage); // a restart: same durable storage
    takeChanges(after);
    step(after, voteReq('c', 1));
    assert.deepEqual(takeChanges(after).votes, []);
  });
});
