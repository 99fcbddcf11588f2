/**
 * A watch's connection is health-checked as client-go's HTTP/2 transport does: after
 * watchIdleTimeoutMs (ReadIdleTimeout, 30 s) without a message the client sends a PING; an answer
 * re-arms the check, no answer within pingTimeoutMs (15 s) ends the watch as broken (and tells the
 * server). The answer says where the server's stream stands, so a client that missed the stream's
 * last messages finds out without waiting for another one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiWatchCancel, ApiWatchPing, ApiWatchPong } from '../../actors/api/protocol.ts';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_READ_IDLE_TIMEOUT_MS, newApiClient, onWatchIdle, onWatchMessage, onWatchPong, request, type ApiClientState } from '../../actors/client/api-client.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';

const client = (): ApiClientState =>
  newApiClient({ name: 'kube-scheduler-0', token: 't', server: 'kube-apiserver', requestTimeoutMs: 10_000, watchIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS, pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS });

function startWatch(c: ApiClientState): number {
  return request(c, { verb: 'watch', apiVersion: 'v1', resource: 'pods', options: { resourceVersion: '5', allowWatchBookmarks: true } }, 'pods:watch', newOutput());
}

const pong = (reqId: number, nextSeq: number | null): ApiWatchPong => ({ type: 'ApiWatchPong', ordered: true, from: 'kube-apiserver-0', reqId, nextSeq });
const message = (reqId: number, seq: number) => ({ type: 'ApiWatch' as const, ordered: true as const, from: 'kube-apiserver-0', reqId, seq, events: [] });
const timers = (out: Output) => out.timers.map((t) => `${t.delayMs} ${JSON.stringify(t.event)}`);

describe('api client: the HTTP/2 health check on a watch', () => {
  it('client-go defaults: PING after 30 s of silence, dead after 15 s more', () => {
    assert.equal(DEFAULT_READ_IDLE_TIMEOUT_MS, 30_000);
    assert.equal(DEFAULT_PING_TIMEOUT_MS, 15_000);
  });

  it('a silent watch is pinged (through the server address, on the connection), not ended', () => {
    const c = client();
    const reqId = startWatch(c);
    const out = newOutput();
    assert.equal(onWatchIdle(c, reqId, 0, out), null);
    const ping = out.sends[0]!;
    assert.equal(ping.to, 'kube-apiserver');
    assert.deepEqual(ping.msg as ApiWatchPing, { type: 'ApiWatchPing', ordered: true, from: 'kube-scheduler-0', reqId, refusedReply: { type: 'ApiConnectionRefused', from: 'kube-apiserver', reqId } });
    assert.deepEqual(timers(out), [`15000 ${JSON.stringify({ type: 'ApiWatchIdle', reqId, seq: 0 })}`]);
    assert.ok(c.watches.has(reqId));
  });

  it('an answered PING re-arms the 30 s check; the next silence pings again', () => {
    const c = client();
    const reqId = startWatch(c);
    onWatchMessage(c, message(reqId, 0), newOutput());
    onWatchIdle(c, reqId, 1, newOutput());
    const answered = newOutput();
    assert.equal(onWatchPong(c, pong(reqId, 1), answered), null);
    assert.deepEqual(timers(answered), [`30000 ${JSON.stringify({ type: 'ApiWatchIdle', reqId, seq: 1 })}`]);
    assert.deepEqual(answered.sends, []);
    const again = newOutput();
    assert.equal(onWatchIdle(c, reqId, 1, again), null, 'a fresh silence pings, it does not end the watch');
    assert.equal(again.sends[0]?.msg.type, 'ApiWatchPing');
  });

  it('an unanswered PING ends the watch as broken and cancels it at the server (on the connection)', () => {
    const c = client();
    const reqId = startWatch(c);
    onWatchIdle(c, reqId, 0, newOutput());
    const out = newOutput();
    const d = onWatchIdle(c, reqId, 0, out);
    assert.deepEqual(d, { tag: 'pods:watch', reqId, events: [], ended: 'broken' });
    assert.deepEqual(out.sends.map((s) => [s.to, s.msg as ApiWatchCancel]), [['kube-apiserver', { type: 'ApiWatchCancel', ordered: true, from: 'kube-scheduler-0', reqId }]]);
    assert.equal(c.watches.has(reqId), false);
  });

  it('a stream message while the PING is out is an answer too: the next timer is a fresh 30 s silence', () => {
    const c = client();
    const reqId = startWatch(c);
    onWatchIdle(c, reqId, 0, newOutput());
    const out = newOutput();
    onWatchMessage(c, message(reqId, 0), out);
    assert.deepEqual(timers(out), [`30000 ${JSON.stringify({ type: 'ApiWatchIdle', reqId, seq: 1 })}`]);
    // The late answer to the old PING is ignored; the next silence pings rather than ends the watch.
    assert.equal(onWatchPong(c, pong(reqId, 1), newOutput()), null);
    const idle = newOutput();
    assert.equal(onWatchIdle(c, reqId, 1, idle), null);
    assert.equal(idle.sends[0]?.msg.type, 'ApiWatchPing');
  });

  it('an answer from a server further along the stream means lost messages: the watch is broken', () => {
    const c = client();
    const reqId = startWatch(c);
    onWatchMessage(c, message(reqId, 0), newOutput());
    onWatchIdle(c, reqId, 1, newOutput());
    const d = onWatchPong(c, pong(reqId, 3), newOutput());
    assert.equal(d?.ended, 'broken');
  });

  it('an answer from a server without the stream (restarted, or the request never reached it) breaks the watch', () => {
    const c = client();
    const reqId = startWatch(c);
    onWatchIdle(c, reqId, 0, newOutput());
    const d = onWatchPong(c, pong(reqId, null), newOutput());
    assert.equal(d?.ended, 'broken');
  });

  it('a PING answer nobody asked for (a duplicate) changes nothing', () => {
    const c = client();
    const reqId = startWatch(c);
    const out = newOutput();
    assert.equal(onWatchPong(c, pong(reqId, 7), out), null);
    assert.deepEqual([out.sends, out.timers, out.cancels], [[], [], []]);
    assert.ok(c.watches.has(reqId));
  });
});
