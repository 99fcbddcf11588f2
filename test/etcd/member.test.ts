import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invoke, newClient, onConnectionRefused, onResponse, onTimer } from '../../actors/etcd/client-core.ts';
import { memberStateOf } from '../../actors/etcd/member.ts';
import { ERR_NO_LEADER, ERR_NOT_LEADER, ERR_TIMEOUT } from '../../actors/etcd/protocol.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const roleOfState: Record<string, string> = { follower: 'follower', preCandidate: 'pre-candidate', candidate: 'candidate', leader: 'leader' };

function spec(timeline = '', duration = '20s') {
  return loadScenarioText(
    `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: member-test}
spec:
  seed: 3
  duration: ${duration}
  cluster:
    etcd: {members: 3}
  clients:
    - {name: app, kind: etcd}
${timeline}`,
    'member-test.yaml',
  );
}

describe('etcd member machine', () => {
  it("the machine's state is the Raft core's role, for every member, after elections and a leader crash", () => {
    const { sim } = runScenario(spec(`  timeline:
    - at: 5s
      crash: leader
      as: old
    - at: 12s
      restart: old
`));
    let leaders = 0;
    for (const name of ['etcd-0', 'etcd-1', 'etcd-2']) {
      const actor = sim.actorOf(name)!;
      const state = memberStateOf(actor)!;
      assert.equal(roleOfState[actor.getSnapshot().value as string], state.raft.role, name);
      if (state.raft.role === 'leader') leaders++;
    }
    assert.equal(leaders, 1);
  });

  it('a restarted member keeps its term, vote and log, and comes back as a follower', () => {
    const { sim } = runScenario(spec(`  timeline:
    - at: 3s
      put: {client: app, key: /k, value: v}
    - at: 6s
      crash: etcd-1
`, '6s'));
    const disk = sim.diskOf<{ raft: { term: number; vote: string | null; entries: unknown[] }; applied: number }>('etcd-1')!;
    const before = { term: disk.raft.term, vote: disk.raft.vote, entries: disk.raft.entries.length, applied: disk.applied };
    assert.ok(before.entries >= 2, 'the write reached etcd-1 before the crash');
    assert.equal(sim.actorOf('etcd-1'), null);
    sim.restart('etcd-1');
    const state = memberStateOf(sim.actorOf('etcd-1'))!;
    assert.equal(state.raft.role, 'follower');
    assert.equal(state.raft.lead, null);
    assert.deepEqual({ term: disk.raft.term, vote: disk.raft.vote, entries: disk.raft.entries.length, applied: disk.applied }, before);
    assert.equal(state.waiting.size, 0, 'volatile request state is gone');
  });
});

describe('etcd client core', () => {
  const config = { name: 'app', endpoints: ['etcd-0', 'etcd-1', 'etcd-2'], requestTimeoutMs: 7000, retryBackoffMs: 100, readAttemptTimeoutMs: 2000 };

  it('follows a leader hint at once, and completes ok on the answer', () => {
    const c = newClient(config);
    const first = invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'put', key: '/k', value: 'v' } }, 0);
    assert.equal(first.sends[0]!.to, 'etcd-0');
    const redirected = onResponse(c, { type: 'ClientResponse', from: 'etcd-0', reqId: 1, ok: false, error: ERR_NOT_LEADER, leaderHint: 'etcd-2' }, 0);
    assert.equal(redirected.sends[0]!.to, 'etcd-2');
    const done = onResponse(c, { type: 'ClientResponse', from: 'etcd-2', reqId: 1, ok: true, leaderHint: 'etcd-2', revision: 2 }, 0);
    assert.equal(done.traces[0]!.fields.result, 'ok');
    assert.equal(done.traces[0]!.fields.revision, 2);
    assert.deepEqual([done.cancels, done.timers], [[], []], 'nothing to cancel: its deadline entry is skipped');
    assert.deepEqual(onTimer(c, { type: 'Deadline' }, 7000).traces, [], 'the answered operation does not time out');
    // The next operation starts at the leader it learned.
    assert.equal(invoke(c, { type: 'Invoke', reqId: 2, op: { op: 'delete', key: '/k' } }, 0).sends[0]!.to, 'etcd-2');
  });

  it('a write refused everywhere fails (it certainly did not take effect), timed out as etcd reports it', () => {
    const c = newClient(config);
    invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'put', key: '/k', value: 'v' } }, 0);
    const rotated = onConnectionRefused(c, { type: 'ConnectionRefused', from: 'etcd-0', reqId: 1 });
    assert.equal(rotated.timers[0]!.event.type, 'Retry');
    const retry = onTimer(c, { type: 'Retry', reqId: 1 }, 100);
    assert.equal(retry.sends[0]!.to, 'etcd-1', 'fails over to the next endpoint');
    onResponse(c, { type: 'ClientResponse', from: 'etcd-1', reqId: 1, ok: false, error: ERR_NO_LEADER, leaderHint: null }, 150);
    assert.deepEqual(onTimer(c, { type: 'Deadline' }, 6999).traces, [], 'not before its deadline');
    const end = onTimer(c, { type: 'Deadline' }, 7000);
    assert.equal(end.traces[0]!.fields.result, 'fail');
    assert.equal(end.traces[0]!.fields.error, ERR_TIMEOUT);
  });

  it('a write still unanswered at the deadline times out: it may have been applied', () => {
    const c = newClient(config);
    invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'put', key: '/k', value: 'v' } }, 0);
    assert.deepEqual(onTimer(c, { type: 'Deadline' }, 6999).traces, [], 'not before its deadline');
    const end = onTimer(c, { type: 'Deadline' }, 7000);
    assert.equal(end.traces[0]!.fields.result, 'timeout');
    assert.equal(end.traces[0]!.fields.error, ERR_TIMEOUT);
  });

  it('an unanswered read moves to another member, and a read never times out indefinitely', () => {
    const c = newClient(config);
    invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'get', key: '/k', consistency: 'linearizable' } }, 0);
    const moved = onTimer(c, { type: 'ReadAttemptTimeout' }, 2000);
    assert.equal(moved.sends[0]!.to, 'etcd-1');
    assert.deepEqual(moved.timers.map((t) => [t.id, t.delayMs]), [['read-attempts', 2000]], 'the next attempt is timed from now');
    assert.equal(onTimer(c, { type: 'ReadAttemptTimeout' }, 3999).sends.length, 0, 'the second attempt is not due before 4 s');
    assert.equal(onTimer(c, { type: 'ReadAttemptTimeout' }, 4000).sends[0]!.to, 'etcd-2');
    assert.equal(onTimer(c, { type: 'Deadline' }, 7000).traces[0]!.fields.result, 'fail');
  });

  it('via restricts an operation to the given members', () => {
    const c = newClient(config);
    const out = invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'put', key: '/k', value: 'v' }, via: ['etcd-2'] }, 0);
    assert.equal(out.sends[0]!.to, 'etcd-2');
    const hinted = onResponse(c, { type: 'ClientResponse', from: 'etcd-2', reqId: 1, ok: false, error: ERR_NOT_LEADER, leaderHint: 'etcd-0' }, 0);
    assert.equal(hinted.sends.length, 0, 'a hint outside via is not followed');
  });
});
