/**
 * Watches are health-checked per HTTP/2 connection, as client-go's transport does: a watch joins
 * the connection (apiserver process) its first frame came on; every frame read on the connection
 * — any of its watches', a response's — keeps it from being pinged; after readIdleTimeoutMs
 * (ReadIdleTimeout, 30 s) without one, ONE PING goes for the whole connection; no answer within
 * pingTimeoutMs (15 s), or a reset, ends every watch on it as broken (and cancels each at the
 * server). The answer says where the server's streams stand, so a client that missed a stream's
 * last messages finds out without waiting for another one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiConnectionPing, ApiConnectionPong, ApiResponse, ApiWatchCancel } from '../../actors/api/protocol.ts';
import {
  DEFAULT_PING_TIMEOUT_MS,
  DEFAULT_READ_IDLE_TIMEOUT_MS,
  newApiClient,
  onConnectionCheck,
  onConnectionPong,
  onConnectionReset,
  onRequestDeadline,
  REQUEST_DEADLINE_TIMER_ID,
  onResponse,
  onWatchMessage,
  request,
  type ApiClientState,
} from '../../actors/client/api-client.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';

const A0 = 'kube-apiserver-0';
const A1 = 'kube-apiserver-1';

const client = (): ApiClientState =>
  newApiClient({ name: 'kube-scheduler-0', token: 't', server: 'kube-apiserver', requestTimeoutMs: 10_000, readIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS, pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS });

function startWatch(c: ApiClientState, out = newOutput()): number {
  return request(c, { verb: 'watch', apiVersion: 'v1', resource: 'pods', options: { resourceVersion: '5', allowWatchBookmarks: true } }, 'pods:watch', out, 0);
}

const message = (reqId: number, seq: number, from = A0, incarnation = 1) => ({ type: 'ApiWatch' as const, ordered: true as const, from, incarnation, reqId, seq, events: [] });
const pong = (streams: ApiConnectionPong['streams'], from = A0, incarnation = 1): ApiConnectionPong => ({ type: 'ApiConnectionPong', ordered: true, from, incarnation, streams });
const checkTimers = (out: Output) => out.timers.filter((t) => t.event.type === 'ApiConnectionCheck').map((t) => `${t.delayMs} ${t.event.apiserver}#${t.event.incarnation}`);
const pings = (out: Output) => out.sends.filter((s) => s.msg.type === 'ApiConnectionPing').map((s) => s.msg as ApiConnectionPing);
const cancels = (out: Output) => out.sends.filter((s) => s.msg.type === 'ApiWatchCancel').map((s) => (s.msg as ApiWatchCancel).reqId);

/** Two watches whose first frames came from kube-apiserver-0 (process 1) at t=0, one from kube-apiserver-1. */
function threeWatches() {
  const c = client();
  const [a, b, other] = [startWatch(c), startWatch(c), startWatch(c)];
  const opened = newOutput();
  onWatchMessage(c, message(a, 0), opened, 0);
  onWatchMessage(c, message(b, 0), opened, 0);
  onWatchMessage(c, message(other, 0, A1), opened, 0);
  return { c, a, b, other, opened };
}

describe('api client: the HTTP/2 health check, per connection', () => {
  it('client-go defaults: PING after 30 s without a frame, dead after 15 s more', () => {
    assert.equal(DEFAULT_READ_IDLE_TIMEOUT_MS, 30_000);
    assert.equal(DEFAULT_PING_TIMEOUT_MS, 15_000);
  });

  it('watches join the connection of their first frame: one check timer per connection, not per watch', () => {
    const { c, a, b, opened } = threeWatches();
    assert.deepEqual(checkTimers(opened), [`30000 ${A0}#1`, `30000 ${A1}#1`]);
    const timedOut: unknown[] = [];
    const deadline = newOutput();
    onRequestDeadline(c, 10_000, deadline, timedOut, (into, d) => into.push(d));
    assert.deepEqual([timedOut, deadline.timers], [[], []], 'the first frame ends the request timeout');
    assert.deepEqual([...c.connections.keys()], [A0, A1]);
    assert.deepEqual([...c.connections.get(A0)![0]!.streams], [a, b]);
  });

  it('a silent connection gets ONE PING naming all its watches, through the server address; the other connection is not pinged yet', () => {
    const { c, a, b } = threeWatches();
    onWatchMessage(c, message(3, 1, A1), newOutput(), 20_000); // reqId 3 is the A1 watch: its connection read at 20 s
    const out = newOutput();
    assert.deepEqual(onConnectionCheck(c, A0, 1, 30_000, out), []);
    assert.deepEqual(out.sends.map((s) => s.to), ['kube-apiserver']);
    assert.deepEqual(pings(out), [{ type: 'ApiConnectionPing', ordered: true, from: 'kube-scheduler-0', apiserver: A0, incarnation: 1, streams: [a, b], refusedReply: { type: 'ApiConnectionReset', from: 'kube-apiserver', apiserver: A0, incarnation: 1 } }]);
    assert.deepEqual(checkTimers(out), [`15000 ${A0}#1`]);
    const other = newOutput();
    onConnectionCheck(c, A1, 1, 30_000, other);
    assert.deepEqual(pings(other), [], 'read 10 s ago: not idle');
    assert.deepEqual(checkTimers(other), [`20000 ${A1}#1`], 're-armed for 30 s after its last read');
  });

  it('a frame on any watch of the connection, or a response from its process, keeps the whole connection from being pinged', () => {
    const { c, a } = threeWatches();
    onWatchMessage(c, message(a, 1), newOutput(), 12_000);
    const first = newOutput();
    onConnectionCheck(c, A0, 1, 30_000, first);
    assert.deepEqual([pings(first).length, checkTimers(first)], [0, [`12000 ${A0}#1`]]);
    const response: ApiResponse = { type: 'ApiResponse', from: A0, incarnation: 1, reqId: 999, code: 200, body: {} };
    onResponse(c, response, newOutput(), 40_000);
    const second = newOutput();
    onConnectionCheck(c, A0, 1, 42_000, second);
    assert.deepEqual([pings(second).length, checkTimers(second)], [0, [`28000 ${A0}#1`]], 'the response at 40 s is a read');
  });

  it('a frame read restarts the connection\'s check, 30 s from now (Go\'s timer Reset); while a PING is out only its answer does', () => {
    const { c, a } = threeWatches();
    const read = newOutput();
    onWatchMessage(c, message(a, 1), read, 12_000);
    assert.deepEqual([read.cancels, checkTimers(read)], [[`api-conn-${A0}#1`], [`30000 ${A0}#1`]]);
    const answered = newOutput();
    onResponse(c, { type: 'ApiResponse', from: A0, incarnation: 1, reqId: 999, code: 200, body: {} }, answered, 13_000);
    assert.deepEqual(checkTimers(answered), [`30000 ${A0}#1`]);
    onConnectionCheck(c, A0, 1, 43_000, newOutput());
    const duringPing = newOutput();
    onWatchMessage(c, message(a, 2), duringPing, 50_000);
    assert.deepEqual([duringPing.cancels, duringPing.timers], [[], []]);
  });

  it('a response from a restarted process (another incarnation) is another connection: it does not keep the old one alive', () => {
    const { c } = threeWatches();
    onResponse(c, { type: 'ApiResponse', from: A0, incarnation: 2, reqId: 999, code: 200, body: {} }, newOutput(), 29_000);
    const out = newOutput();
    onConnectionCheck(c, A0, 1, 30_000, out);
    assert.equal(pings(out).length, 1);
  });

  it('an unanswered PING closes the connection: every watch on it ends as broken and is cancelled; the other connection\'s watch carries on', () => {
    const { c, a, b, other } = threeWatches();
    onConnectionCheck(c, A0, 1, 30_000, newOutput());
    onWatchMessage(c, message(a, 1), newOutput(), 40_000); // frames do not answer a PING: only its ACK does
    const out = newOutput();
    const broken = onConnectionCheck(c, A0, 1, 45_000, out);
    assert.deepEqual(broken.map((d) => [d.reqId, d.ended]), [[a, 'broken'], [b, 'broken']]);
    assert.deepEqual(cancels(out), [a, b]);
    assert.deepEqual([c.watches.has(a), c.watches.has(b), c.watches.has(other)], [false, false, true]);
    assert.deepEqual([...c.connections.keys()], [A1]);
    assert.deepEqual(out.timers, [], 'a closed connection is not checked again');
  });

  it('an answered PING re-arms the 30 s check for the connection; the next silence pings again', () => {
    const { c, a, b } = threeWatches();
    onConnectionCheck(c, A0, 1, 30_000, newOutput());
    const answered = newOutput();
    assert.deepEqual(onConnectionPong(c, pong([[a, 1], [b, 1]]), answered, 30_010), []);
    assert.deepEqual(answered.cancels, [`api-conn-${A0}#1`]);
    assert.deepEqual(checkTimers(answered), [`30000 ${A0}#1`]);
    const early = newOutput();
    assert.deepEqual(onConnectionCheck(c, A0, 1, 45_000, early), [], 'no stale ping timeout after the answer');
    const again = newOutput();
    onConnectionCheck(c, A0, 1, 60_010, again);
    assert.equal(pings(again).length, 1);
  });

  it('an answer from a server further along one stream breaks that watch only', () => {
    const { c, a, b } = threeWatches();
    onConnectionCheck(c, A0, 1, 30_000, newOutput());
    const broken = onConnectionPong(c, pong([[a, 3], [b, 1]]), newOutput(), 30_010);
    assert.deepEqual(broken.map((d) => d.reqId), [a]);
    assert.ok(c.watches.has(b));
  });

  it('a server without a stream (null) breaks that watch', () => {
    const { c, a, b } = threeWatches();
    onConnectionCheck(c, A0, 1, 30_000, newOutput());
    assert.deepEqual(onConnectionPong(c, pong([[a, null], [b, 1]]), newOutput(), 30_010).map((d) => d.reqId), [a]);
  });

  it('a reset (the PING reached a restarted apiserver, or a host that is down) breaks every watch on that connection at once', () => {
    const { c, a, b, other } = threeWatches();
    onConnectionCheck(c, A0, 1, 30_000, newOutput());
    const out = newOutput();
    const broken = onConnectionReset(c, { type: 'ApiConnectionReset', from: A0, apiserver: A0, incarnation: 1 }, out);
    assert.deepEqual(broken.map((d) => [d.reqId, d.ended]), [[a, 'broken'], [b, 'broken']]);
    assert.deepEqual(out.cancels, [`api-conn-${A0}#1`]);
    assert.ok(c.watches.has(other));
    assert.deepEqual(onConnectionReset(c, { type: 'ApiConnectionReset', from: A0, apiserver: A0, incarnation: 1 }, newOutput()), [], 'a second reset finds nothing');
  });

  it('the last watch to leave a connection closes it (its check is cancelled); a PING answer nobody asked for changes nothing', () => {
    const { c, a, b } = threeWatches();
    const dup = newOutput();
    assert.deepEqual(onConnectionPong(c, pong([[a, 7]]), dup, 1_000), []);
    assert.deepEqual([dup.sends, dup.timers, dup.cancels], [[], [], []]);
    onWatchMessage(c, { ...message(a, 1), closed: true }, newOutput(), 2_000);
    const last = newOutput();
    onWatchMessage(c, { ...message(b, 1), closed: true }, last, 2_000);
    assert.deepEqual(last.cancels, [`api-conn-${A0}#1`]);
    assert.equal(c.connections.has(A0), false);
  });

  it('a watch with no first frame is a request: its timeout ends it as broken', () => {
    const c = client();
    const sent = newOutput();
    const reqId = startWatch(c, sent);
    assert.deepEqual(sent.timers.map((t) => [t.id, t.delayMs]), [[REQUEST_DEADLINE_TIMER_ID, 10_000]]);
    const out = newOutput();
    const ended: unknown[] = [];
    onRequestDeadline(c, 10_000, out, ended, (into, d) => into.push(d));
    assert.deepEqual(ended, [{ tag: 'pods:watch', reqId, events: [], ended: 'broken' }]);
    assert.deepEqual(cancels(out), [reqId]);
    assert.deepEqual(out.timers, [], 'nothing else waits: the deadline timer is not re-armed');
  });

  it('a first frame that also closes the stream (410 at once) leaves no connection and no timer', () => {
    const c = client();
    const reqId = startWatch(c);
    const out = newOutput();
    assert.equal(onWatchMessage(c, { ...message(reqId, 0), closed: true }, out, 1_000)?.ended, 'closed');
    assert.deepEqual([out.timers, c.connections.size], [[], 0]);
  });
});
