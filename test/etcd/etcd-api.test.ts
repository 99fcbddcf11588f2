/**
 * etcd's KV API as kube-apiserver uses it: range (prefix, limit, historical revision, linearizable
 * or serializable), txn with compares (optimistic concurrency), compact. Unit tests drive the
 * member's server core and the client core directly; the others run a real Simulation with three
 * members built as the scenario runner builds them and hosts whose XState actor embeds the client
 * core, the way kube-apiserver will.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantChecker, type Violation } from '../../actors/checks/index.ts';
import { invoke, newClient, onResponse, onTimer, type ClientState, type Completion, type Invoke } from '../../actors/etcd/client-core.ts';
import { handleClientInbound, type ClientInbound } from '../../actors/etcd/client.ts';
import { addEtcdGroup, memberStateOf } from '../../actors/etcd/member.ts';
import type { KeyValue } from '../../actors/etcd/mvcc.ts';
import {
  ERR_COMPACTED,
  ERR_FUTURE_REV,
  ERR_LEADER_CHANGED,
  ERR_NO_LEADER,
  ERR_NOT_LEADER,
  ERR_TIMEOUT,
  type ClientOp,
  type ClientResponse,
} from '../../actors/etcd/protocol.ts';
import { newDisk, newMember, onClientRequest, onRaftMessage, onTick, type MemberState } from '../../actors/etcd/server.ts';
import type { RaftMessage } from '../../actors/etcd/raft/types.ts';
import { coreMachine, startCore, type ComponentCore } from '../../actors/kernel/core-actor.ts';
import { Simulation } from '../../actors/kernel/simulation.ts';
import type { NetworkOptions } from '../../actors/kernel/network.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';

// ---------------------------------------------------------------------------------------------
// A member core on its own

function raftConfig(voters: string[]) {
  return { voters, electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, maxEntriesPerMsg: 64, randomInt: () => 0 };
}

/** A single-voter group: it elects itself and commits each proposal at once. */
function soloLeader(): MemberState {
  const m = newMember('etcd-0', raftConfig(['etcd-0']), newDisk());
  for (let i = 0; i < 30 && m.raft.role !== 'leader'; i++) onTick(m);
  assert.equal(m.raft.role, 'leader');
  return m;
}

let nextReq = 1;
function ask(m: MemberState, request: ClientOp): ClientResponse {
  const reqId = nextReq++;
  const out = onClientRequest(m, { type: 'ClientRequest', from: 'app', reqId, request, refusedReply: { type: 'ConnectionRefused', from: m.name, reqId } });
  const answers = out.sends.filter((s) => s.to === 'app').map((s) => s.msg as ClientResponse);
  assert.equal(answers.length, 1, `one answer to ${JSON.stringify(request)}`);
  assert.equal(answers[0]!.reqId, reqId);
  return answers[0]!;
}

const put = (key: string, value: string): ClientOp => ({ op: 'put', key, value });

describe('member server core: txn, range, compact', () => {
  it('txn: a current mod revision takes the success branch, a stale one the failure branch, and nothing is written', () => {
    const m = soloLeader();
    const first = ask(m, put('/registry/pods/default/a', 'v1'));
    assert.equal(first.ok, true);
    const rv = first.revision!;
    const update = ask(m, {
      op: 'txn',
      compare: [{ key: '/registry/pods/default/a', target: 'mod', result: '=', value: rv }],
      success: [put('/registry/pods/default/a', 'v2') as { op: 'put'; key: string; value: string }],
      failure: [{ op: 'range', key: '/registry/pods/default/a' }],
    });
    assert.equal(update.ok, true);
    assert.equal(update.succeeded, true);
    assert.equal(update.revision, rv + 1);
    assert.equal(update.responses![0]!.op, 'put');

    const stale = ask(m, {
      op: 'txn',
      compare: [{ key: '/registry/pods/default/a', target: 'mod', result: '=', value: rv }],
      success: [{ op: 'put', key: '/registry/pods/default/a', value: 'v3' }],
      failure: [{ op: 'range', key: '/registry/pods/default/a' }],
    });
    assert.equal(stale.ok, true);
    assert.equal(stale.succeeded, false);
    assert.equal(stale.revision, rv + 1, 'a failed compare writes nothing');
    const read = stale.responses![0]!;
    assert.equal(read.op, 'range');
    assert.deepEqual(
      (read as { kvs: KeyValue[] }).kvs.map((kv) => [kv.value, kv.modRevision]),
      [['v2', rv + 1]],
      'the failure branch returns the current object',
    );
  });

  it('txn: create-if-absent (createRevision == 0) succeeds once', () => {
    const m = soloLeader();
    const create = (value: string) =>
      ask(m, {
        op: 'txn',
        compare: [{ key: '/registry/ns/kube-system', target: 'create', result: '=', value: 0 }],
        success: [{ op: 'put', key: '/registry/ns/kube-system', value }],
        failure: [{ op: 'range', key: '/registry/ns/kube-system' }],
      });
    const a = create('first');
    const b = create('second');
    assert.deepEqual([a.ok, a.succeeded, b.ok, b.succeeded], [true, true, true, false]);
    const kvs = (b.responses![0] as { kvs: KeyValue[] }).kvs;
    assert.equal(kvs[0]!.value, 'first');
    assert.equal(kvs[0]!.createRevision, a.revision);
  });

  it('range: prefix, limit, count, more, countOnly, historical revision; errors are definite', () => {
    const m = soloLeader();
    for (const k of ['b', 'a', 'c']) ask(m, put(`/registry/pods/ns1/${k}`, k));
    ask(m, put('/registry/pods/ns10/x', 'x'));
    ask(m, put('/registry/pods/ns1', 'not under the prefix'));
    const mid = ask(m, put('/registry/pods/ns1/a', 'a2')).revision!;
    for (const consistency of ['linearizable', 'serializable'] as const) {
      const page = ask(m, { op: 'range', key: '/registry/pods/ns1/', prefix: true, limit: 2, consistency });
      assert.equal(page.ok, true);
      assert.deepEqual(page.kvs!.map((kv) => kv.key), ['/registry/pods/ns1/a', '/registry/pods/ns1/b']);
      assert.deepEqual([page.count, page.more, page.revision], [3, true, mid]);
    }
    const all = ask(m, { op: 'range', key: '/registry/pods/ns1/', prefix: true, consistency: 'linearizable' });
    assert.deepEqual([all.kvs!.length, all.more], [3, false]);
    const counted = ask(m, { op: 'range', key: '/registry/pods/', prefix: true, countOnly: true, consistency: 'serializable' });
    assert.deepEqual([counted.count, counted.kvs!.length], [5, 0]);
    const before = ask(m, { op: 'range', key: '/registry/pods/ns1/a', revision: mid - 1, consistency: 'linearizable' });
    assert.equal(before.kvs![0]!.value, 'a', 'a historical read sees the old value');
    assert.equal(before.revision, mid, 'the header carries the current revision');
    const future = ask(m, { op: 'range', key: '/registry/pods/ns1/a', revision: mid + 5, consistency: 'serializable' });
    assert.deepEqual([future.ok, future.error], [false, ERR_FUTURE_REV]);
  });

  it('compact: then reads below it fail with the compact revision, and compacting again below fails', () => {
    const m = soloLeader();
    for (let i = 0; i < 5; i++) ask(m, put('/k', `v${i}`));
    const compacted = ask(m, { op: 'compact', revision: 4 });
    assert.deepEqual([compacted.ok, compacted.compactRevision, compacted.revision], [true, 4, 6]);
    const old = ask(m, { op: 'range', key: '/k', revision: 3, consistency: 'linearizable' });
    assert.deepEqual([old.ok, old.error, old.compactRevision], [false, ERR_COMPACTED, 4]);
    const atCompact = ask(m, { op: 'range', key: '/k', revision: 4, consistency: 'linearizable' });
    assert.equal(atCompact.kvs![0]!.value, 'v2');
    const again = ask(m, { op: 'compact', revision: 3 });
    assert.deepEqual([again.ok, again.error, again.compactRevision], [false, ERR_COMPACTED, 4]);
    assert.deepEqual([ask(m, { op: 'compact', revision: 99 }).error], [ERR_FUTURE_REV]);
  });

  it('a follower refuses txn, compact and linearizable range with the leader hint, and serves serializable range', () => {
    const m = newMember('etcd-1', raftConfig(['etcd-0', 'etcd-1', 'etcd-2']), newDisk());
    const txn: ClientOp = { op: 'txn', compare: [], success: [{ op: 'put', key: '/k', value: 'v' }], failure: [] };
    assert.deepEqual([ask(m, txn).ok, ask(m, txn).error, ask(m, txn).leaderHint], [false, ERR_NO_LEADER, null]);
    onRaftMessage(m, { type: 'MsgHeartbeat', from: 'etcd-0', to: 'etcd-1', term: 1, commit: 0, context: null });
    for (const op of [txn, { op: 'compact', revision: 1 }, { op: 'range', key: '/k', consistency: 'linearizable' }] as ClientOp[]) {
      const r = ask(m, op);
      assert.deepEqual([r.ok, r.error, r.leaderHint], [false, ERR_NOT_LEADER, 'etcd-0'], op.op);
    }
    const local = ask(m, { op: 'range', key: '/', prefix: true, consistency: 'serializable' });
    assert.deepEqual([local.ok, local.count, local.revision], [true, 0, 1]);
  });
});

describe('a linearizable read at a member that knows no leader', () => {
  const voters = ['etcd-0', 'etcd-1', 'etcd-2'];
  const range: ClientOp = { op: 'range', key: '/k', consistency: 'linearizable' };
  const send = (m: MemberState, reqId: number) => onClientRequest(m, { type: 'ClientRequest', from: 'app', reqId, request: range, refusedReply: { type: 'ConnectionRefused', from: m.name, reqId } });
  const answersOf = (out: ReturnType<typeof onTick>) => out.sends.filter((s) => s.to === 'app').map((s) => s.msg as ClientResponse);
  const heartbeat = { type: 'MsgHeartbeat', from: 'etcd-0', to: 'etcd-1', term: 1, commit: 0, context: null } as const;

  it('is held, then fails with "leader changed" and the leader\'s name once one is known (etcd holds it, as its linearizableReadLoop does)', () => {
    const m = newMember('etcd-1', raftConfig(voters), newDisk());
    assert.deepEqual(answersOf(send(m, 1)), [], 'no answer while no leader is known');
    const answers = answersOf(onRaftMessage(m, heartbeat));
    assert.deepEqual(answers.map((a) => [a.reqId, a.ok, a.error, a.leaderHint]), [[1, false, ERR_LEADER_CHANGED, 'etcd-0']]);
    assert.deepEqual(answersOf(onRaftMessage(m, heartbeat)), [], 'answered once');
  });

  it('is dropped unanswered after the request timeout, and at most heldReadsMax are held', () => {
    const m = newMember('etcd-1', raftConfig(voters), newDisk(), { heldReadsMax: 1, heldReadMs: 1_000 });
    send(m, 1);
    assert.deepEqual(answersOf(send(m, 2)).map((a) => a.error), [ERR_NO_LEADER], 'beyond the bound: refused at once');
    onTick(m, 1_000);
    assert.deepEqual(answersOf(onRaftMessage(m, heartbeat)), [], 'the held read was dropped at its timeout');
  });
});

describe('linearizable reads: one ReadIndex round at a time (etcd linearizableReadLoop)', () => {
  const NAMES = ['etcd-0', 'etcd-1', 'etcd-2'];

  /** Three member cores wired by hand: raft messages queue until delivered, client answers are collected. */
  function group() {
    const members = new Map(NAMES.map((n) => [n, newMember(n, raftConfig(NAMES), newDisk())]));
    const queue: RaftMessage[] = [];
    const answers: ClientResponse[] = [];
    let readBeats = 0;
    const take = (out: ReturnType<typeof onTick>) => {
      for (const s of out.sends) {
        if (s.to === 'app') answers.push(s.msg as ClientResponse);
        else {
          const msg = s.msg as RaftMessage;
          if (msg.type === 'MsgHeartbeat' && msg.context !== null) readBeats++;
          queue.push(msg);
        }
      }
    };
    const deliver = () => {
      for (let i = 0; i < 1000 && queue.length > 0; i++) {
        const msg = queue.shift()!;
        take(onRaftMessage(members.get(msg.to)!, msg));
      }
    };
    const leader = members.get('etcd-0')!;
    for (let i = 0; i < 30 && leader.raft.role !== 'leader'; i++) {
      take(onTick(leader));
      deliver();
    }
    assert.equal(leader.raft.role, 'leader');
    readBeats = 0;
    let reqId = 100;
    const read = () => {
      const id = reqId++;
      take(onClientRequest(leader, { type: 'ClientRequest', from: 'app', reqId: id, request: { op: 'range', key: '/k', consistency: 'linearizable' }, refusedReply: { type: 'ConnectionRefused', from: 'etcd-0', reqId: id } }));
    };
    return { leader, queue, answers, take, deliver, read, readBeats: () => readBeats };
  }

  it('reads arriving while a round is in flight share the next round: two rounds for three reads', () => {
    const g = group();
    g.read();
    assert.equal(g.readBeats(), 2, 'the first read starts a round: a heartbeat to each follower');
    g.read();
    g.read();
    assert.equal(g.readBeats(), 2, 'the later reads wait: a round started before they arrived cannot confirm them');
    g.deliver();
    assert.equal(g.readBeats(), 4, 'one more round for both, not one each');
    assert.equal(g.answers.length, 3, 'every read is answered');
    assert.ok(g.answers.every((a) => a.ok && a.count === 0));
  });

  it("a read whose heartbeats were lost is confirmed by the leader's next heartbeat, which carries its context", () => {
    const g = group();
    g.read();
    g.queue.splice(0); // the round's heartbeats are lost
    g.take(onTick(g.leader));
    assert.equal(g.readBeats(), 4, 'the periodic heartbeat carries the pending read');
    g.deliver();
    assert.equal(g.answers.length, 1);
    assert.ok(g.answers[0]!.ok);
  });
});

describe('client core: results as data', () => {
  const config = { name: 'apiserver', endpoints: ['etcd-0', 'etcd-1', 'etcd-2'], requestTimeoutMs: 7000, retryBackoffMs: 100, readAttemptTimeoutMs: 2000 };

  it('an MVCC error completes at once as a definite failure with the response; a leader hint is still followed', () => {
    const c = newClient(config);
    invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'range', key: '/k', revision: 2, consistency: 'linearizable' } }, 0);
    const redirected = onResponse(c, { type: 'ClientResponse', from: 'etcd-0', reqId: 1, ok: false, error: ERR_NOT_LEADER, leaderHint: 'etcd-1' }, 10);
    assert.equal(redirected.sends[0]!.to, 'etcd-1');
    assert.deepEqual(redirected.completions, []);
    const res: ClientResponse = { type: 'ClientResponse', from: 'etcd-1', reqId: 1, ok: false, error: ERR_COMPACTED, compactRevision: 5, leaderHint: 'etcd-1' };
    const done = onResponse(c, res, 20);
    assert.deepEqual(done.completions, [{ reqId: 1, result: 'fail', response: res, error: ERR_COMPACTED }]);
    // Its deadline and both attempts' entries (the first redirected, the second answered) are skipped: a finished read times out nothing later.
    assert.deepEqual(done.cancels, []);
    const attempts = onTimer(c, { type: 'ReadAttemptTimeout' }, 2010);
    assert.deepEqual([attempts.sends, attempts.timers], [[], []], 'no attempt moves on, and the timer is not re-armed');
    assert.deepEqual(onTimer(c, { type: 'Deadline' }, 7000).completions, []);
    assert.equal(done.traces[0]!.fields.compactRevision, 5);
  });

  it('"leader changed" is retried at once at the named leader, as clientv3 retries an unavailable member', () => {
    const c = newClient(config);
    invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'range', key: '/k', consistency: 'linearizable' } }, 0);
    const retried = onResponse(c, { type: 'ClientResponse', from: 'etcd-0', reqId: 1, ok: false, error: ERR_LEADER_CHANGED, leaderHint: 'etcd-2' }, 1500);
    assert.deepEqual([retried.sends.map((s) => s.to), retried.completions], [['etcd-2'], []]);
  });

  it('a txn unanswered at the deadline times out (it may have been applied); a range fails', () => {
    const c = newClient({ ...config, timerPrefix: 'etcd/' });
    const txn = invoke(c, { type: 'Invoke', reqId: 1, op: { op: 'txn', compare: [], success: [{ op: 'put', key: '/k', value: 'v' }], failure: [] } }, 0);
    assert.deepEqual(txn.timers.map((t) => [t.id, t.delayMs]), [['etcd/deadlines', 7000]], 'timer ids carry the prefix');
    const read = invoke(c, { type: 'Invoke', reqId: 2, op: { op: 'range', key: '/k', prefix: true, consistency: 'linearizable' } }, 5);
    assert.deepEqual(read.timers.map((t) => t.id), ['etcd/read-attempts'], 'one deadline timer is armed already');
    const first = onTimer(c, { type: 'Deadline' }, 7000);
    assert.deepEqual(first.completions, [{ reqId: 1, result: 'timeout', error: ERR_TIMEOUT }]);
    assert.deepEqual(first.timers.map((t) => [t.id, t.delayMs]), [['etcd/deadlines', 5]], 're-armed for the range, due 5 ms later');
    assert.deepEqual(onTimer(c, { type: 'Deadline' }, 7005).completions, [{ reqId: 2, result: 'fail', error: ERR_TIMEOUT }]);
  });

  it('traces range, txn and compact as etcd.op, and put/get/delete exactly as before', () => {
    const c = newClient(config);
    const fields = (op: ClientOp) => invoke(c, { type: 'Invoke', reqId: nextReq++, op }, 0).traces[0]!.fields;
    assert.deepEqual(fields({ op: 'range', key: '/a/', prefix: true, limit: 10, consistency: 'serializable' }), {
      client: 'apiserver', id: nextReq - 1, op: 'range', key: '/a/', prefix: true, limit: 10, atRevision: undefined, countOnly: undefined, consistency: 'serializable', phase: 'invoke',
    });
    assert.deepEqual(
      fields({ op: 'txn', compare: [{ key: '/a', target: 'mod', result: '=', value: 7 }], success: [{ op: 'put', key: '/a', value: 'big object' }], failure: [{ op: 'range', key: '/a' }] }),
      { client: 'apiserver', id: nextReq - 1, op: 'txn', key: '/a', compare: [['/a', 'mod', '=', 7]], success: [['put', '/a']], failure: [['range', '/a']], phase: 'invoke' },
    );
    assert.deepEqual(fields({ op: 'compact', revision: 9 }), { client: 'apiserver', id: nextReq - 1, op: 'compact', compactRevision: 9, phase: 'invoke' });
    assert.deepEqual(fields({ op: 'put', key: '/a', value: 'v' }), { client: 'apiserver', id: nextReq - 1, op: 'put', key: '/a', value: 'v', phase: 'invoke' });
  });
});

// ---------------------------------------------------------------------------------------------
// A real simulation: three members as the runner builds them, and hosts embedding the client core

type HostEvent = Invoke | ClientInbound;

interface HostContext {
  client: ClientState;
  completions: (Completion & { atMs: number })[];
  now: () => number;
}

/** A minimal component that embeds the etcd client core, as kube-apiserver does. */
const hostCore: ComponentCore<HostContext, HostEvent, 'serving'> = {
  id: 'etcd-client-host',
  phases: ['serving'],
  phase: () => 'serving',
  step(context, event, nowMs) {
    const out = event.type === 'Invoke' ? invoke(context.client, event, nowMs) : handleClientInbound(context.client, event, nowMs);
    for (const done of out.completions) context.completions.push({ ...done, atMs: context.now() });
    return out;
  },
};
const hostMachine = coreMachine(hostCore);

const MEMBERS = ['etcd-0', 'etcd-1', 'etcd-2'];

interface Cluster {
  sim: Simulation;
  violations: Violation[];
  trace: TraceEvent[];
  /** Schedules an operation from `host` at `atMs`; returns a getter for its completion. */
  op(host: string, atMs: number, op: ClientOp | (() => ClientOp), via?: string[]): () => (Completion & { atMs: number }) | undefined;
  leader(): string | null;
}

function cluster(seed: string, hosts: string[], network: Partial<NetworkOptions> = {}): Cluster {
  const sim = new Simulation({ seed, network, maxEvents: 2_000_000 });
  const violations: Violation[] = [];
  const checker = new InvariantChecker();
  const trace: TraceEvent[] = [];
  sim.trace.subscribe((e) => {
    trace.push(e);
    violations.push(...checker.observeAll(e));
  });
  addEtcdGroup(sim, MEMBERS);
  const contexts = new Map<string, HostContext>();
  for (const name of hosts) {
    sim.addHost({
      name,
      disk: null,
      create: (env) => {
        const context: HostContext = {
          client: newClient({ name, endpoints: MEMBERS, requestTimeoutMs: 7000, retryBackoffMs: 100, readAttemptTimeoutMs: 2000, timerPrefix: 'etcd/', incarnation: env.incarnation }),
          completions: [],
          now: env.now,
        };
        contexts.set(name, context);
        return startCore(hostMachine, env, context);
      },
    });
  }
  const reqIds = new Map<string, number>();
  return {
    sim,
    violations,
    trace,
    op(host, atMs, op, via) {
      const reqId = (reqIds.get(host) ?? 0) + 1;
      reqIds.set(host, reqId);
      sim.clock.at(atMs, () => {
        const invoke: Invoke = { type: 'Invoke', reqId, op: typeof op === 'function' ? op() : op, ...(via && { via }) };
        sim.inject(host, invoke);
      });
      return () => contexts.get(host)!.completions.find((c) => c.reqId === reqId);
    },
    leader() {
      return MEMBERS.find((n) => memberStateOf(sim.actorOf(n))?.raft.role === 'leader') ?? null;
    },
  };
}

function ok(done: (Completion & { atMs: number }) | undefined, what: string): ClientResponse {
  assert.ok(done, `${what}: not completed`);
  assert.equal(done.result, 'ok', `${what}: ${done.result} ${done.error ?? ''}`);
  return done.response!;
}

describe('etcd KV API on a simulated 3-member cluster', () => {
  it('optimistic concurrency: mod_revision == rv then put, else range; create-if-absent', () => {
    const k = cluster('api-occ', ['apiserver']);
    const key = '/registry/configmaps/default/settings';
    const created = k.op('apiserver', 2_000, { op: 'txn', compare: [{ key, target: 'create', result: '=', value: 0 }], success: [{ op: 'put', key, value: 'v1' }], failure: [{ op: 'range', key }] });
    const createdAgain = k.op('apiserver', 2_500, { op: 'txn', compare: [{ key, target: 'create', result: '=', value: 0 }], success: [{ op: 'put', key, value: 'v1-again' }], failure: [{ op: 'range', key }] });
    const rv = () => ok(created(), 'create').revision!;
    const update = (value: string) => (): ClientOp => ({
      op: 'txn',
      compare: [{ key, target: 'mod', result: '=', value: rv() }],
      success: [{ op: 'put', key, value }],
      failure: [{ op: 'range', key }],
    });
    const fresh = k.op('apiserver', 3_000, update('v2'));
    const stale = k.op('apiserver', 4_000, update('v3'));
    const read = k.op('apiserver', 5_000, { op: 'range', key, consistency: 'linearizable' });
    k.sim.runUntil(8_000);

    assert.equal(ok(created(), 'create').succeeded, true);
    const again = ok(createdAgain(), 'create again');
    assert.equal(again.succeeded, false, 'the key exists: the failure branch ran');
    assert.equal((again.responses![0] as { kvs: KeyValue[] }).kvs[0]!.value, 'v1');
    const won = ok(fresh(), 'update at the current rv');
    assert.deepEqual([won.succeeded, won.revision], [true, rv() + 1]);
    const lost = ok(stale(), 'update at a stale rv');
    assert.equal(lost.succeeded, false);
    assert.equal(lost.revision, won.revision, 'nothing written');
    const current = (lost.responses![0] as { kvs: KeyValue[] }).kvs[0]!;
    assert.deepEqual([current.value, current.modRevision, current.version], ['v2', won.revision, 2]);
    assert.equal(ok(read(), 'read').kvs![0]!.value, 'v2');
    const ops = k.trace.filter((e) => e.kind === 'etcd.op' && e.phase === 'complete');
    assert.deepEqual(ops.map((e) => [e.op, e.result, e.succeeded]), [
      ['txn', 'ok', true],
      ['txn', 'ok', false],
      ['txn', 'ok', true],
      ['txn', 'ok', false],
      ['range', 'ok', undefined],
    ]);
    assert.deepEqual(k.violations, []);
  });

  it('in a minority partition a linearizable range fails and a serializable one answers stale data', () => {
    const k = cluster('api-minority', ['writer', 'reader']);
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) k.op('writer', 2_000 + i * 100, { op: 'put', key: `/registry/pods/ns/${name}`, value: `${name}1` });
    k.op('writer', 2_500, { op: 'put', key: '/registry/services/ns/a', value: 'svc' });
    const page = k.op('reader', 3_000, { op: 'range', key: '/registry/pods/ns/', prefix: true, limit: 2, consistency: 'linearizable' });
    let minority = '';
    k.sim.clock.at(4_000, () => {
      const leader = k.leader();
      assert.ok(leader);
      minority = MEMBERS.find((n) => n !== leader)!;
      const majority = MEMBERS.filter((n) => n !== minority);
      k.sim.network.partition([[minority, 'reader'], [...majority, 'writer']]);
    });
    const write = k.op('writer', 5_000, { op: 'put', key: '/registry/pods/ns/a', value: 'a2' });
    const via = () => [minority];
    // `via` is resolved when the op is scheduled, so read it lazily through a wrapper host call.
    const reads: (() => (Completion & { atMs: number }) | undefined)[] = [];
    k.sim.clock.at(6_000, () => {
      reads.push(k.op('reader', 6_000, { op: 'range', key: '/registry/pods/ns/a', consistency: 'linearizable' }, via()));
      reads.push(k.op('reader', 6_000, { op: 'range', key: '/registry/pods/ns/', prefix: true, consistency: 'serializable' }, via()));
    });
    k.sim.runUntil(15_000);

    const first = ok(page(), 'page');
    assert.deepEqual(first.kvs!.map((kv) => kv.key), ['/registry/pods/ns/a', '/registry/pods/ns/b']);
    assert.deepEqual([first.count, first.more], [4, true]);
    const written = ok(write(), 'write on the majority side');
    const [linearizable, serializable] = reads.map((r) => r());
    assert.ok(linearizable);
    assert.equal(linearizable.result, 'fail', 'a linearizable read cannot be served without the quorum');
    assert.ok(linearizable.atMs >= 6_000 + 7_000, 'it fails at the request timeout');
    const stale = ok(serializable, 'serializable read in the minority');
    assert.deepEqual(stale.kvs!.map((kv) => kv.value), ['a1', 'b1', 'c1', 'd1'], 'the minority still has the old value');
    assert.ok(stale.revision! < written.revision!, `stale header revision ${stale.revision} < ${written.revision}`);
    assert.equal(stale.from, minority);
    assert.deepEqual(k.violations, []);
  });

  it('compact through Raft; a read below the compact revision fails definitely with it', () => {
    const k = cluster('api-compact', ['apiserver']);
    const puts = [0, 1, 2, 3, 4].map((i) => k.op('apiserver', 2_000 + i * 100, { op: 'put', key: '/registry/leases/a', value: `v${i}` }));
    const compact = k.op('apiserver', 3_000, () => ({ op: 'compact', revision: ok(puts[3]!(), 'put').revision! }));
    const old = k.op('apiserver', 4_000, () => ({ op: 'range', key: '/registry/leases/a', revision: ok(puts[1]!(), 'put').revision!, consistency: 'linearizable' }));
    const atCompact = k.op('apiserver', 4_000, () => ({ op: 'range', key: '/registry/leases/a', revision: ok(puts[3]!(), 'put').revision!, consistency: 'serializable' }));
    const twice = k.op('apiserver', 4_500, () => ({ op: 'compact', revision: ok(puts[2]!(), 'put').revision! }));
    k.sim.runUntil(6_000);

    const compactRevision = ok(puts[3]!(), 'put').revision!;
    assert.equal(ok(compact(), 'compact').compactRevision, compactRevision);
    for (const [what, done] of [['old read', old()], ['second compact', twice()]] as const) {
      assert.ok(done, what);
      assert.deepEqual([done.result, done.error, done.response?.compactRevision], ['fail', ERR_COMPACTED, compactRevision], what);
      assert.equal(done.response?.from !== undefined, true, `${what}: the member answered`);
    }
    assert.equal(ok(atCompact(), 'read at the compact revision').kvs![0]!.value, 'v3');
    for (const name of MEMBERS) assert.equal(k.sim.diskOf<ReturnType<typeof newDisk>>(name)!.store.compactRevision, compactRevision, `${name} compacted`);
    assert.deepEqual(k.violations, []);
  });
});
