/**
 * etcd's Watch API: member-side streams (replay from a revision, live events, seq numbering,
 * progress, compaction, no-leader cancellation, bounds) and the client core's stream keeping
 * (gap, duplicate, silence, reset, resume from the last delivered revision + 1). The last tests
 * run a real Simulation: a lossy, duplicating network with leader crashes, and a member cut off
 * from the quorum.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreMachine, startCore, type ComponentCore } from '../../actors/kernel/core-actor.ts';
import { appendOutput, newOutput } from '../../actors/kernel/output.ts';
import { InvariantChecker, type Violation } from '../../actors/checks/index.ts';
import {
  cancelWatch,
  invoke,
  newClient,
  onConnectionRefused,
  onTimer,
  onWatchResponse,
  watch,
  type ClientOutput,
  type ClientState,
  type Invoke,
  type WatchDelivery,
} from '../../actors/etcd/client-core.ts';
import { handleClientInbound, type ClientInbound, type WatchCommand } from '../../actors/etcd/client.ts';
import { addEtcdGroup, memberStateOf } from '../../actors/etcd/member.ts';
import { keyMatches, type WatchEvent } from '../../actors/etcd/mvcc.ts';
import {
  ERR_COMPACTED,
  ERR_CONNECTION_REFUSED,
  ERR_NO_LEADER,
  ERR_TOO_MANY_REQUESTS,
  type ClientOp,
  type ClientResponse,
  type WatchCancel,
  type WatchCreate,
  type WatchResponse,
} from '../../actors/etcd/protocol.ts';
import {
  newDisk,
  newMember,
  onClientRequest,
  onConnectionRefused as memberConnectionRefused,
  onTick,
  onWatchCancel,
  onWatchCreate,
  type EtcdDisk,
  type MemberState,
  type ServerOptions,
} from '../../actors/etcd/server.ts';
import type { Output } from '../../actors/kernel/output.ts';
import type { NetworkOptions } from '../../actors/kernel/network.ts';
import { Simulation } from '../../actors/kernel/simulation.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';

// ---------------------------------------------------------------------------------------------
// Member side

function raftConfig(voters: string[]) {
  return { voters, electionTick: 10, heartbeatTick: 1, preVote: true, checkQuorum: true, maxEntriesPerMsg: 64, randomInt: () => 0 };
}

function soloLeader(options: Partial<ServerOptions> = {}): MemberState {
  const m = newMember('etcd-0', raftConfig(['etcd-0']), newDisk(), options);
  for (let i = 0; i < 30 && m.raft.role !== 'leader'; i++) onTick(m);
  assert.equal(m.raft.role, 'leader');
  return m;
}

let nextReq = 1;
function write(m: MemberState, request: ClientOp): { response: ClientResponse; watch: WatchResponse[] } {
  const reqId = nextReq++;
  const out = onClientRequest(m, { type: 'ClientRequest', from: 'writer', reqId, request, refusedReply: { type: 'ConnectionRefused', from: m.name, reqId } });
  const response = out.sends.find((s) => s.to === 'writer')!.msg as ClientResponse;
  assert.equal(response.ok, true, JSON.stringify(response));
  return { response, watch: watchMessages(out) };
}

function watchMessages(out: Output, to = 'api'): WatchResponse[] {
  return out.sends.filter((s) => s.to === to && s.msg.type === 'WatchResponse').map((s) => s.msg as WatchResponse);
}

function create(m: MemberState, fields: Partial<WatchCreate> = {}): WatchResponse[] {
  const stream = fields.stream ?? '1.1';
  const req: WatchCreate = {
    type: 'WatchCreate',
    from: 'api',
    watchId: 'w',
    stream,
    key: '/registry/pods/',
    prefix: true,
    startRevision: 0,
    requireLeader: true,
    refusedReply: { type: 'ConnectionRefused', from: m.name, reqId: 0, watchId: fields.watchId ?? 'w', stream },
    ...fields,
  };
  return watchMessages(onWatchCreate(m, req));
}

const evs = (msgs: WatchResponse[]) => msgs.flatMap((msg) => msg.events.map((e) => `${e.type} ${e.kv.key}@${e.revision}`));

describe('member: watch streams', () => {
  it('replays history from the start revision, then pushes matching events as they apply, seq numbered from 1', () => {
    const m = soloLeader();
    write(m, { op: 'put', key: '/registry/pods/a', value: '1' }); // rev 2
    write(m, { op: 'put', key: '/registry/nodes/n', value: '1' }); // rev 3
    write(m, { op: 'put', key: '/registry/pods/b', value: '1' }); // rev 4
    const opened = create(m, { startRevision: 3 });
    assert.deepEqual(opened.map((r) => [r.seq, r.created ?? false]), [[1, true], [2, false]]);
    assert.deepEqual(evs(opened), ['put /registry/pods/b@4']);
    const live = write(m, { op: 'delete', key: '/registry/pods/a' }).watch;
    assert.deepEqual(evs(live), ['delete /registry/pods/a@5']);
    assert.equal(live[0]!.seq, 3);
    assert.deepEqual(write(m, { op: 'put', key: '/registry/nodes/n', value: '2' }).watch, [], 'a key outside the prefix is not sent');
    const txn = write(m, {
      op: 'txn',
      compare: [],
      success: [{ op: 'put', key: '/registry/pods/c', value: '1' }, { op: 'put', key: '/registry/pods/d', value: '1' }],
      failure: [],
    }).watch;
    assert.deepEqual(evs(txn), ['put /registry/pods/c@7', 'put /registry/pods/d@7']);
    assert.equal(txn.length, 1, "a txn's events travel together");
  });

  it('a from-now watch starts after the current revision; a future start revision waits for it', () => {
    const m = soloLeader();
    write(m, { op: 'put', key: '/registry/pods/a', value: '1' }); // rev 2
    const now = create(m);
    assert.deepEqual([now.length, now[0]!.revision], [1, 2]);
    const future = create(m, { watchId: 'f', stream: '1.2', startRevision: 4 });
    assert.equal(future.length, 1);
    const third = write(m, { op: 'put', key: '/registry/pods/b', value: '1' }).watch; // rev 3
    assert.deepEqual(third.map((r) => r.watchId), ['w']);
    const fourth = write(m, { op: 'put', key: '/registry/pods/b', value: '2' }).watch; // rev 4
    assert.deepEqual(fourth.map((r) => r.watchId), ['w', 'f']);
  });

  it('a duplicated create is ignored; a cancel or a reset from a downed client drops the watcher', () => {
    const m = soloLeader();
    assert.equal(create(m).length, 1);
    assert.deepEqual(create(m), [], 'the duplicate does not restart the stream');
    create(m, { stream: '1.2' });
    create(m, { stream: '1.3' });
    assert.equal(m.watchers.size, 3);
    const cancel: WatchCancel = { type: 'WatchCancel', from: 'api', watchId: 'w', stream: '1.1' };
    onWatchCancel(m, cancel);
    memberConnectionRefused(m, { type: 'ConnectionRefused', from: 'api', reqId: 0, watchId: 'w', stream: '1.2' });
    assert.deepEqual([...m.watchers.values()].map((w) => w.stream), ['1.3']);
  });

  it('sends a progress message on a stream idle for a second, with the header revision', () => {
    const m = soloLeader();
    write(m, { op: 'put', key: '/registry/pods/a', value: '1' });
    create(m);
    const progress: WatchResponse[] = [];
    for (let i = 0; i < 25; i++) progress.push(...watchMessages(onTick(m)));
    assert.deepEqual(progress.map((p) => [p.seq, p.progress, p.revision]), [[2, true, 2], [3, true, 2]]);
  });

  it('bounds events per message without splitting a revision, and catches up a long history over ticks', () => {
    const m = soloLeader({ watchEventsPerResponseMax: 3, watchSyncEventsPerTickMax: 7 });
    for (let i = 0; i < 20; i++) write(m, { op: 'put', key: `/registry/pods/p${i}`, value: '1' }); // revs 2..21
    write(m, { op: 'txn', compare: [], success: [0, 1, 2, 3, 4].map((i) => ({ op: 'put' as const, key: `/registry/pods/t${i}`, value: '1' })), failure: [] }); // rev 22
    const msgs = create(m, { startRevision: 2 });
    const got = [...msgs];
    for (let i = 0; i < 10; i++) got.push(...watchMessages(onTick(m)));
    const events = got.flatMap((r) => r.events);
    assert.deepEqual(events.map((e) => e.revision), [...Array.from({ length: 20 }, (_, i) => i + 2), 22, 22, 22, 22, 22]);
    assert.deepEqual(got.map((r) => r.seq), got.map((_, i) => i + 1), 'seq has no gap');
    assert.equal(msgs.flatMap((r) => r.events).length, 7, 'the first batch is bounded');
    for (const r of got) {
      const revs = new Set(r.events.map((e) => e.revision));
      assert.ok(r.events.length <= 3 || revs.size === 1, `message ${r.seq}: ${r.events.length} events over ${revs.size} revisions`);
    }
    assert.equal(m.unsynced.size, 0);
  });

  it('a start revision below the compact revision is answered compacted; so is a catching-up watcher overtaken by a compaction', () => {
    const m = soloLeader({ watchSyncEventsPerTickMax: 2 });
    for (let i = 0; i < 6; i++) write(m, { op: 'put', key: '/registry/pods/a', value: `${i}` }); // revs 2..7
    const slow = create(m, { watchId: 'slow', stream: '1.2', startRevision: 2 });
    assert.equal(evs(slow).length, 2);
    write(m, { op: 'compact', revision: 5 });
    const refused = create(m, { startRevision: 3 });
    assert.deepEqual(refused.map((r) => [r.created, r.canceled, r.cancelReason, r.compactRevision]), [[true, true, ERR_COMPACTED, 5]]);
    const fromCompact = create(m, { watchId: 'c', stream: '1.3', startRevision: 5 });
    const next = watchMessages(onTick(m));
    assert.deepEqual(evs([...fromCompact, ...next.filter((r) => r.watchId === 'c')]), ['put /registry/pods/a@5', 'put /registry/pods/a@6', 'put /registry/pods/a@7']);
    assert.deepEqual(next.filter((r) => r.watchId === 'slow').map((r) => [r.canceled, r.compactRevision]), [[true, 5]]);
    assert.equal(m.watchers.has('api\u0000slow\u00001.2'), false);
  });

  it('require-leader: refused at once without a leader; cancelled after 3 election timeouts without one', () => {
    const m = newMember('etcd-1', raftConfig(['etcd-0', 'etcd-1', 'etcd-2']), newDisk());
    assert.deepEqual(create(m).map((r) => [r.canceled, r.cancelReason]), [[true, ERR_NO_LEADER]]);
    // Learn a leader, open one watch that requires it and one that does not.
    m.raft.lead = 'etcd-0';
    create(m, { watchId: 'strict', stream: '1.1' });
    create(m, { watchId: 'lenient', stream: '1.2', requireLeader: false });
    m.raft.lead = null;
    const canceledAt: number[] = [];
    for (let tick = 1; tick <= 40; tick++) {
      for (const r of watchMessages(onTick(m))) if (r.canceled) canceledAt.push(tick), assert.equal(r.cancelReason, ERR_NO_LEADER), assert.equal(r.watchId, 'strict');
      m.raft.lead = null; // no heartbeats reach it
    }
    assert.deepEqual(canceledAt, [30], '3 x electionTick ticks');
    assert.deepEqual([...m.watchers.values()].map((w) => w.watchId), ['lenient']);
  });

  it('refuses a create beyond the watcher bound', () => {
    const m = soloLeader({ watchersMax: 2 });
    create(m, { stream: '1.1' });
    create(m, { stream: '1.2' });
    assert.deepEqual(create(m, { stream: '1.3' }).map((r) => r.cancelReason), [ERR_TOO_MANY_REQUESTS]);
  });
});

// ---------------------------------------------------------------------------------------------
// Client side

const config = { name: 'api', endpoints: ['etcd-0', 'etcd-1', 'etcd-2'], requestTimeoutMs: 7000, retryBackoffMs: 100, readAttemptTimeoutMs: 2000 };

function ev(revision: number, key = '/registry/pods/a'): WatchEvent {
  return { type: 'put', kv: { key, value: `${revision}`, createRevision: 2, modRevision: revision, version: revision - 1 }, revision };
}

function resp(out: ClientOutput | { stream: string }, fields: Partial<WatchResponse> & { seq: number }, from = 'etcd-0'): WatchResponse {
  const stream = 'stream' in out ? out.stream : (out.sends.find((s) => s.msg.type === 'WatchCreate')!.msg as WatchCreate).stream;
  return { type: 'WatchResponse', ordered: true, from, watchId: 'w', stream, revision: 10, events: [], refusedReply: { type: 'ConnectionRefused', from: 'api', reqId: 0, watchId: 'w', stream }, ...fields };
}

const createsIn = (out: ClientOutput) => out.sends.filter((s) => s.msg.type === 'WatchCreate').map((s) => ({ to: s.to, ...(s.msg as WatchCreate) }));

describe('client core: watch streams', () => {
  it('delivers events in order, ignores a duplicate, and resumes on the next endpoint from the last revision + 1 after a gap', () => {
    const c = newClient(config);
    const opened = watch(c, { watchId: 'w', key: '/registry/pods/', prefix: true, startRevision: 5 });
    assert.deepEqual(createsIn(opened).map((m) => [m.to, m.startRevision, m.requireLeader]), [['etcd-0', 5, true]]);
    assert.deepEqual(opened.timers.map((t) => t.id), ['watch-check-w#1']);
    assert.deepEqual(onWatchResponse(c, resp(opened, { seq: 1, created: true })).watchEvents, []);
    const first = resp(opened, { seq: 2, events: [ev(5), ev(6)] });
    assert.deepEqual(onWatchResponse(c, first).watchEvents, [{ watchId: 'w', events: [ev(5), ev(6)] }]);
    assert.deepEqual(onWatchResponse(c, first).watchEvents, [], 'a duplicated message is ignored');
    const gap = onWatchResponse(c, resp(opened, { seq: 4, events: [ev(8)] }));
    assert.deepEqual(gap.watchEvents, [], 'nothing past a gap is delivered');
    assert.deepEqual(gap.sends.map((s) => [s.to, s.msg.type]), [['etcd-0', 'WatchCancel'], ['etcd-1', 'WatchCreate']]);
    const resumed = createsIn(gap)[0]!;
    assert.equal(resumed.startRevision, 7);
    // The old stream's stragglers are ignored (and answered with a cancel); the new one goes on.
    const straggler = onWatchResponse(c, resp(opened, { seq: 3, events: [ev(7)] }));
    assert.deepEqual([straggler.watchEvents, straggler.sends.map((s) => s.msg.type)], [[], ['WatchCancel']]);
    onWatchResponse(c, resp(resumed, { seq: 1, created: true }, 'etcd-1'));
    assert.deepEqual(onWatchResponse(c, resp(resumed, { seq: 2, events: [ev(7), ev(8)] }, 'etcd-1')).watchEvents, [{ watchId: 'w', events: [ev(7), ev(8)] }]);
  });

  it('a progress message advances the resume revision and is delivered as progressRevision', () => {
    const c = newClient(config);
    const opened = watch(c, { watchId: 'w', key: '/a', startRevision: 0 });
    onWatchResponse(c, resp(opened, { seq: 1, created: true, revision: 4 }));
    assert.deepEqual(onWatchResponse(c, resp(opened, { seq: 2, progress: true, revision: 9 })).watchEvents, [{ watchId: 'w', events: [], progressRevision: 9 }]);
    const gap = onWatchResponse(c, resp(opened, { seq: 4, revision: 9 }));
    assert.equal(createsIn(gap)[0]!.startRevision, 10);
  });

  it('traces one etcd.watch deliver line per response that reaches the owner, and not a repeated progress', () => {
    const c = newClient(config);
    const opened = watch(c, { watchId: 'w', key: '/registry/pods/', prefix: true, startRevision: 5 });
    const delivers = (out: ClientOutput) => out.traces.filter((t) => t.kind === 'etcd.watch' && t.fields.phase === 'deliver').map((t) => JSON.parse(JSON.stringify(t.fields)));
    assert.deepEqual(delivers(onWatchResponse(c, resp(opened, { seq: 1, created: true }))), [], 'a created message delivers nothing');
    assert.deepEqual(delivers(onWatchResponse(c, resp(opened, { seq: 2, events: [ev(5), ev(6, '/registry/pods/b')] }))), [
      { client: 'api', watchId: 'w', phase: 'deliver', events: [[5, 'put', '/registry/pods/a'], [6, 'put', '/registry/pods/b']] },
    ]);
    const both = resp(opened, { seq: 3, events: [ev(7)], progress: true, revision: 9 });
    assert.deepEqual(delivers(onWatchResponse(c, both)), [{ client: 'api', watchId: 'w', phase: 'deliver', events: [[7, 'put', '/registry/pods/a']], progressRevision: 9 }]);
    assert.deepEqual(delivers(onWatchResponse(c, both)), [], 'a duplicated message is not traced');
    // The owner still gets a repeated progress notification; the trace does not repeat it.
    const repeat = onWatchResponse(c, resp(opened, { seq: 4, progress: true, revision: 9 }));
    assert.deepEqual([repeat.watchEvents, delivers(repeat)], [[{ watchId: 'w', events: [], progressRevision: 9 }], []]);
    assert.deepEqual(delivers(onWatchResponse(c, resp(opened, { seq: 5, progress: true, revision: 11 }))), [{ client: 'api', watchId: 'w', phase: 'deliver', progressRevision: 11 }]);
    // After a resume the same revision is traced again: the stream is a new one.
    const gap = onWatchResponse(c, resp(opened, { seq: 7, revision: 11 }));
    const resumed = createsIn(gap)[0]!;
    onWatchResponse(c, resp(resumed, { seq: 1, created: true, revision: 11 }, 'etcd-1'));
    assert.deepEqual(delivers(onWatchResponse(c, resp(resumed, { seq: 2, progress: true, revision: 11 }, 'etcd-1'))), [{ client: 'api', watchId: 'w', phase: 'deliver', progressRevision: 11 }]);
  });

  it('a stream silent for 3 s is resumed elsewhere; a reset backs off; attempts are bounded', () => {
    const c = newClient({ ...config, watchRetriesMax: 3 });
    const opened = watch(c, { watchId: 'w', key: '/a', startRevision: 3 });
    onWatchResponse(c, resp(opened, { seq: 1, created: true }));
    const check = { type: 'WatchCheck', watchId: 'w', gen: 1 } as const;
    assert.deepEqual(createsIn(onTimer(c, check, 0)), [], 'heard within the last second');
    assert.deepEqual(createsIn(onTimer(c, check, 0)), []);
    assert.deepEqual(createsIn(onTimer(c, check, 0)), []);
    const silent = onTimer(c, check, 0);
    assert.deepEqual(createsIn(silent).map((m) => [m.to, m.startRevision]), [['etcd-1', 3]]);
    const stream = createsIn(silent)[0]!.stream;
    const refused = onConnectionRefused(c, { type: 'ConnectionRefused', from: 'etcd-1', reqId: 0, watchId: 'w', stream });
    assert.deepEqual(refused.sends, []);
    assert.deepEqual(refused.timers.map((t) => [t.event.type, t.delayMs]), [['WatchRetry', 200]]);
    const retry = onTimer(c, refused.timers[0]!.event, 0);
    assert.deepEqual(createsIn(retry).map((m) => m.to), ['etcd-2']);
    const again = onConnectionRefused(c, { type: 'ConnectionRefused', from: 'etcd-2', reqId: 0, watchId: 'w', stream: createsIn(retry)[0]!.stream });
    assert.deepEqual(again.timers.map((t) => t.delayMs), [400]);
    const last = onTimer(c, again.timers[0]!.event, 0);
    const exhausted = onConnectionRefused(c, { type: 'ConnectionRefused', from: 'etcd-0', reqId: 0, watchId: 'w', stream: createsIn(last)[0]!.stream });
    assert.deepEqual(exhausted.watchEvents, [{ watchId: 'w', events: [], canceled: ERR_CONNECTION_REFUSED }]);
    assert.deepEqual(exhausted.cancels, ['watch-check-w#1']);
    assert.equal(c.watches.size, 0);
  });

  it('reports no leader and compaction to the owner instead of resuming', () => {
    const c = newClient(config);
    const a = watch(c, { watchId: 'w', key: '/a', startRevision: 2 });
    onWatchResponse(c, resp(a, { seq: 1, created: true }));
    const noLeader = onWatchResponse(c, resp(a, { seq: 2, canceled: true, cancelReason: ERR_NO_LEADER }));
    assert.deepEqual(noLeader.watchEvents, [{ watchId: 'w', events: [], canceled: ERR_NO_LEADER }]);
    assert.deepEqual(createsIn(noLeader), []);
    const b = watch(c, { watchId: 'w', key: '/a', startRevision: 2 });
    const compacted = onWatchResponse(c, resp(b, { seq: 1, created: true, canceled: true, cancelReason: ERR_COMPACTED, compactRevision: 7 }));
    assert.deepEqual(compacted.watchEvents, [{ watchId: 'w', events: [], compacted: { compactRevision: 7 } }]);
    assert.deepEqual(compacted.cancels, ['watch-check-w#2']);
  });

  it('cancelWatch tells the member and stops delivery', () => {
    const c = newClient({ ...config, timerPrefix: 'etcd/' });
    const a = watch(c, { watchId: 'w', key: '/a', startRevision: 2, via: ['etcd-2'] });
    assert.equal(createsIn(a)[0]!.to, 'etcd-2');
    const out = cancelWatch(c, 'w');
    assert.deepEqual(out.sends.map((s) => [s.to, s.msg.type]), [['etcd-2', 'WatchCancel']]);
    assert.deepEqual(out.cancels, ['etcd/watch-check-w#1']);
    assert.deepEqual(onWatchResponse(c, resp(a, { seq: 1, created: true })).watchEvents, []);
  });
});

// ---------------------------------------------------------------------------------------------
// A real simulation

interface Delivery extends WatchDelivery {
  atMs: number;
}

interface HostContext {
  client: ClientState;
  deliveries: Delivery[];
  now: () => number;
  /** Like kube-apiserver's cacher: after `no leader`, watch again from the last delivered revision + 1. */
  rewatchOnNoLeader: boolean;
}

type HostEvent = Invoke | WatchCommand | ClientInbound | { type: 'Rewatch'; watchId: string };

const hostCore: ComponentCore<HostContext, HostEvent, 'serving'> = {
  id: 'etcd-watch-host',
  phases: ['serving'],
  phase: () => 'serving',
  step(context, event, nowMs) {
    const c = context.client;
    let out: ClientOutput;
    if (event.type === 'Rewatch') {
      const last = context.deliveries.flatMap((x) => x.events).at(-1);
      out = watch(c, { watchId: event.watchId, key: '/registry/pods/', prefix: true, startRevision: last ? last.revision + 1 : 2, requireLeader: true });
    } else {
      out =
        event.type === 'Invoke' ? invoke(c, event, nowMs)
        : event.type === 'Watch' ? watch(c, event)
        : event.type === 'CancelWatch' ? cancelWatch(c, event.watchId)
        : handleClientInbound(c, event, nowMs);
    }
    const result = newOutput();
    appendOutput(result, out);
    for (const d of out.watchEvents) {
      context.deliveries.push({ ...d, atMs: context.now() });
      if (d.canceled === ERR_NO_LEADER && context.rewatchOnNoLeader) {
        // The cacher re-lists (which fails without a leader) and watches again after a backoff.
        result.timers.push({ event: { type: 'Rewatch', watchId: d.watchId }, delayMs: 1_000, id: `rewatch-${d.watchId}-${context.deliveries.length}` });
      }
    }
    return result;
  },
};
const hostMachine = coreMachine(hostCore);

const MEMBERS = ['etcd-0', 'etcd-1', 'etcd-2'];

interface World {
  sim: Simulation;
  hosts: Map<string, HostContext>;
  violations: Violation[];
  trace: TraceEvent[];
  leader(): string | null;
}

function world(seed: string, hosts: string[], network: Partial<NetworkOptions> = {}, rewatchOnNoLeader = false): World {
  const sim = new Simulation({ seed, network, maxEvents: 3_000_000 });
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
          deliveries: [],
          now: env.now,
          rewatchOnNoLeader,
        };
        contexts.set(name, context);
        return startCore(hostMachine, env, context);
      },
    });
  }
  return {
    sim,
    hosts: contexts,
    violations,
    trace,
    leader: () => MEMBERS.find((n) => memberStateOf(sim.actorOf(n))?.raft.role === 'leader') ?? null,
  };
}

/** Puts and deletes on a few pod keys (and node keys the watch must not see), one every `everyMs`. */
function writeLoad(w: World, host: string, fromMs: number, toMs: number, everyMs: number): void {
  let reqId = 0;
  for (let t = fromMs, i = 0; t < toMs; t += everyMs, i++) {
    const n = i;
    w.sim.clock.at(t, () => {
      const key = n % 5 === 4 ? `/registry/nodes/node-${n % 3}` : `/registry/pods/default/p${n % 7}`;
      const op: ClientOp = n % 6 === 5 ? { op: 'delete', key } : { op: 'put', key, value: `v${n}` };
      w.sim.inject(host, { type: 'Invoke', reqId: ++reqId, op } as Invoke);
    });
  }
}

/** The store's history of `prefix` from `fromRevision` on, as the member with the newest store has it. */
function expectedHistory(w: World, prefix: string, fromRevision: number): WatchEvent[] {
  const disks = MEMBERS.map((n) => w.sim.diskOf<EtcdDisk>(n)!);
  const newest = disks.reduce((a, b) => (b.store.revision > a.store.revision ? b : a));
  for (const d of disks) assert.equal(d.store.revision, newest.store.revision, 'every member converged');
  return newest.store.events.filter((e) => e.revision >= fromRevision && keyMatches({ key: prefix, prefix: true }, e.kv.key));
}

const summary = (events: readonly WatchEvent[]) => events.map((e) => `${e.revision} ${e.type} ${e.kv.key} v${e.kv.version}`);

describe('watch on a simulated 3-member cluster', () => {
  for (const seed of ['1', '2', '3']) {
    it(`seed ${seed}: delivers every event >= R in order, no gap, no duplicate, across leader crashes and a network with 5% loss and 5% duplication (Raft's lost, the watch's retransmitted)`, () => {
      const w = world(`watch-lossy-${seed}`, ['apiserver'], { lossProbability: 0.05, duplicateProbability: 0.05 });
      writeLoad(w, 'apiserver', 1_500, 24_000, 50);
      const R = 5;
      w.sim.clock.at(3_000, () => w.sim.inject('apiserver', { type: 'Watch', watchId: 'pods', key: '/registry/pods/', prefix: true, startRevision: R, requireLeader: false } as WatchCommand));
      const crashed: string[] = [];
      for (const [crashAt, restartAt] of [[7_000, 12_000], [15_000, 19_000]] as const) {
        w.sim.clock.at(crashAt, () => {
          const leader = w.leader();
          assert.ok(leader, `a leader at ${crashAt} ms`);
          crashed.push(leader);
          w.sim.crash(leader);
        });
        w.sim.clock.at(restartAt, () => w.sim.restart(crashed.at(-1)!));
      }
      w.sim.runUntil(35_000);

      const host = w.hosts.get('apiserver')!;
      assert.deepEqual(host.deliveries.filter((d) => d.canceled !== undefined || d.compacted !== undefined), [], 'the watch never ended');
      const delivered = host.deliveries.flatMap((d) => d.events);
      const expected = expectedHistory(w, '/registry/pods/', R);
      assert.ok(expected.length > 100, `enough history (${expected.length} events)`);
      assert.deepEqual(summary(delivered), summary(expected));
      const resumes = w.trace.filter((e) => e.kind === 'etcd.watch' && e.phase === 'resume');
      assert.ok(resumes.some((e) => e.reason === 'watch stream silent' || String(e.reason).includes('refused')), `a crash of the serving member was detected (by silence or a reset): ${resumes.map((e) => String(e.reason)).join('; ')}`);
      // Raft's messages were lost; the watch's ride TCP: a lost one was retransmitted, never dropped.
      assert.ok(w.trace.some((e) => e.kind === 'net.drop' && e.reason === 'loss' && String(e.type).startsWith('Msg')), 'Raft messages were lost');
      assert.deepEqual(w.trace.filter((e) => e.kind === 'net.drop' && e.reason === 'loss' && !String(e.type).startsWith('Msg')), []);
      assert.deepEqual(w.violations, []);
    });
  }

  it('with require-leader across a quorum loss, the owner is told `no leader`, and re-watching from the last revision + 1 (as the apiserver cacher) misses nothing', () => {
    const w = world('watch-rewatch', ['apiserver'], { lossProbability: 0.05, duplicateProbability: 0.05 }, true);
    writeLoad(w, 'apiserver', 1_500, 22_000, 50);
    w.sim.clock.at(3_000, () => w.sim.inject('apiserver', { type: 'Watch', watchId: 'pods', key: '/registry/pods/', prefix: true, startRevision: 2, requireLeader: true } as WatchCommand));
    let lost: string[] = [];
    w.sim.clock.at(8_000, () => {
      const leader = w.leader()!;
      lost = MEMBERS.filter((n) => n !== leader);
      for (const n of lost) w.sim.crash(n);
    });
    w.sim.clock.at(16_000, () => lost.forEach((n) => w.sim.restart(n)));
    w.sim.runUntil(32_000);
    const host = w.hosts.get('apiserver')!;
    const noLeader = host.deliveries.filter((d) => d.canceled === ERR_NO_LEADER);
    assert.ok(noLeader.length >= 2, `told no leader ${noLeader.length} times (on the stream, then on each refused re-watch)`);
    // The leader steps down within one election timeout (CheckQuorum), then 3 election timeouts
    // pass; the cancel rides TCP, so at 5% loss it may come a few retransmissions (200, 400, 800 ms) late.
    assert.ok(noLeader[0]!.atMs >= 8_000 + 3_000 && noLeader[0]!.atMs <= 8_000 + 4_000 + 200 + 1_400, `first at ${noLeader[0]!.atMs} ms`);
    assert.deepEqual(host.deliveries.filter((d) => d.compacted !== undefined || (d.canceled !== undefined && d.canceled !== ERR_NO_LEADER)), []);
    assert.deepEqual(summary(host.deliveries.flatMap((d) => d.events)), summary(expectedHistory(w, '/registry/pods/', 2)));
    assert.deepEqual(w.violations, []);
  });

  it('replays byte for byte: the same seed gives the same trace fingerprint, another seed another one', () => {
    const run = (seed: string) => {
      const w = world(seed, ['apiserver'], { lossProbability: 0.05, duplicateProbability: 0.05, reorderProbability: 0.05 });
      writeLoad(w, 'apiserver', 1_500, 8_000, 50);
      w.sim.clock.at(2_000, () => w.sim.inject('apiserver', { type: 'Watch', watchId: 'pods', key: '/registry/pods/', prefix: true, startRevision: 2 } as WatchCommand));
      w.sim.clock.at(5_000, () => w.sim.crash(w.leader()!));
      w.sim.runUntil(12_000);
      assert.ok(w.trace.some((e) => e.kind === 'etcd.watch' && e.phase === 'resume'));
      return w.sim.trace.fingerprint();
    };
    const first = run('watch-replay');
    assert.equal(run('watch-replay'), first);
    assert.notEqual(run('watch-replay-2'), first);
  });

  it('compact, then a watch from an older revision is compacted with the compact revision; one from it replays', () => {
    const w = world('watch-compact', ['apiserver']);
    writeLoad(w, 'apiserver', 1_500, 3_000, 100);
    let compactRevision = 0;
    w.sim.clock.at(4_000, () => {
      compactRevision = w.sim.diskOf<EtcdDisk>('etcd-0')!.store.revision - 3;
      w.sim.inject('apiserver', { type: 'Invoke', reqId: 1000, op: { op: 'compact', revision: compactRevision } } as Invoke);
    });
    w.sim.clock.at(5_000, () => {
      w.sim.inject('apiserver', { type: 'Watch', watchId: 'old', key: '/registry/pods/', prefix: true, startRevision: compactRevision - 1 } as WatchCommand);
      w.sim.inject('apiserver', { type: 'Watch', watchId: 'at', key: '/registry/', prefix: true, startRevision: compactRevision } as WatchCommand);
    });
    w.sim.runUntil(8_000);
    const host = w.hosts.get('apiserver')!;
    const old = host.deliveries.filter((d) => d.watchId === 'old');
    assert.deepEqual(old.map((d) => [d.compacted, d.events.length]), [[{ compactRevision }, 0]]);
    const at = host.deliveries.filter((d) => d.watchId === 'at');
    assert.deepEqual(at.filter((d) => d.canceled !== undefined || d.compacted !== undefined), []);
    assert.deepEqual(summary(at.flatMap((d) => d.events)), summary(expectedHistory(w, '/registry/', compactRevision)));
    assert.ok(at.some((d) => d.progressRevision !== undefined), 'an idle stream reports progress');
    const ended = w.trace.filter((e) => e.kind === 'etcd.watch' && e.phase === 'end');
    assert.deepEqual(ended.map((e) => [e.watchId, e.result, e.compactRevision]), [['old', 'compacted', compactRevision]]);
  });

  it('a require-leader watch on a member cut off from the quorum is cancelled with `no leader` after about 3 election timeouts; one without require-leader stays and catches up after the heal', () => {
    const w = world('watch-no-leader', ['apiserver', 'writer']);
    writeLoad(w, 'writer', 1_500, 20_000, 200);
    let cut = '';
    const cutAtMs = 5_000;
    w.sim.clock.at(3_000, () => {
      cut = MEMBERS.find((n) => n !== w.leader())!;
      for (const [watchId, requireLeader] of [['strict', true], ['lenient', false]] as const) {
        w.sim.inject('apiserver', { type: 'Watch', watchId, key: '/registry/pods/', prefix: true, startRevision: 2, requireLeader, via: [cut] } as WatchCommand);
      }
    });
    w.sim.clock.at(cutAtMs, () => w.sim.network.partition([[cut, 'apiserver'], MEMBERS.filter((n) => n !== cut).concat('writer')]));
    w.sim.clock.at(16_000, () => w.sim.network.heal());
    w.sim.runUntil(25_000);

    const host = w.hosts.get('apiserver')!;
    const ends = host.deliveries.filter((d) => d.canceled !== undefined || d.compacted !== undefined);
    assert.equal(ends.length, 1, JSON.stringify(ends));
    const [end] = ends;
    assert.deepEqual([end!.watchId, end!.canceled], ['strict', ERR_NO_LEADER]);
    const afterMs = end!.atMs - cutAtMs;
    // Its leader is forgotten 1-2 election timeouts after the cut, then 3 election timeouts pass.
    assert.ok(afterMs >= 3_000 + 1_000 && afterMs <= 3_000 + 2_000 + 200, `cancelled ${afterMs} ms after the cut`);
    assert.ok(w.leader() !== null && w.leader() !== cut, 'the majority kept a leader');
    const lenient = host.deliveries.filter((d) => d.watchId === 'lenient');
    assert.ok(lenient.some((d) => d.progressRevision !== undefined && d.atMs > cutAtMs + 5_000), 'progress kept coming while cut off');
    assert.deepEqual(summary(lenient.flatMap((d) => d.events)), summary(expectedHistory(w, '/registry/pods/', 2)), 'caught up after the heal');
    assert.deepEqual(w.violations, []);
  });
});
