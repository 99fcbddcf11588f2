/**
 * A restarted apiserver has none of its predecessor's connections. A client whose watches were on
 * the old process keeps talking to the new one (its requests are answered), but that traffic is
 * on a new connection: it does not keep the old one from being pinged. 30 s after the old
 * connection's last frame ONE PING goes for all its watches; it reaches the new process, which
 * resets it, and every watch on it ends as broken at once — before the 15 s PING timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_READ_IDLE_TIMEOUT_MS } from '../../actors/client/api-client.ts';
import { Harness, PODS, apiserverName, rvOf, show } from './harness.ts';

const A0 = apiserverName(0);

describe('apiserver: watches on a restarted apiserver, health-checked per connection', { timeout: 300_000 }, () => {
  it('requests answered by the new process do not keep the old connection alive; one PING, a reset, every old watch broken together', () => {
    const h = new Harness({ seed: 'restarted-backend', apiservers: 1, clients: [{ name: 'watcher', server: A0, readIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS }] });
    h.waitReady();
    const watcher = h.client('watcher');
    const list = h.call({ verb: 'list', ...PODS, options: { resourceVersion: '0' } }, { client: 'watcher' });
    assert.equal(list.code, 200, show(list));
    const pods = watcher.follow('pods', { ...PODS, options: { allowWatchBookmarks: true } }, rvOf(list.body));
    const nodes = watcher.follow('nodes', { apiVersion: 'v1', resource: 'nodes' }, rvOf(list.body));
    h.runFor(500);
    const [podsWatch, nodesWatch] = [pods.reqIds[0]!, nodes.reqIds[0]!];
    assert.equal(h.client('watcher').api.connections.get(A0)?.length, 1, 'both watches on one connection');

    const t0 = h.now;
    // A request a second, before, during and long after the restart: the new process answers them.
    for (let t = t0 + 1_000; t < t0 + 60_000; t += 1_000) h.at(t, () => watcher.send({ verb: 'get', ...PODS, namespace: 'default', name: 'absent' }));
    h.at(t0 + 5_000, () => h.sim.crash(A0));
    h.at(t0 + 6_000, () => h.sim.restart(A0));
    h.runUntil(t0 + 60_000);

    const frames = (incarnation: number) => watcher.received.filter((r) => (r.msg.type === 'ApiResponse' || r.msg.type === 'ApiWatch') && r.msg.from === A0 && r.msg.incarnation === incarnation);
    const fromOld = frames(1);
    const lastOldReadMs = Math.max(...fromOld.map((r) => r.atMs));
    const newAnswers = frames(2);
    assert.ok(newAnswers.some((r) => r.atMs > lastOldReadMs + 20_000), 'the new process answered requests meanwhile');

    const [a, b] = [watcher.watch(podsWatch), watcher.watch(nodesWatch)];
    assert.deepEqual([a.ended, b.ended], ['broken', 'broken']);
    assert.equal(a.endedAtMs, b.endedAtMs, 'together: the connection failed, not each watch');
    const pingsBefore = watcher.pings.filter((p) => p.atMs <= a.endedAtMs!);
    // Streams in the order their first frames came (which watch's came first is timing, not the claim).
    assert.deepEqual(pingsBefore.map((p) => [p.atMs, p.msg.apiserver, p.msg.incarnation, [...p.msg.streams].sort((x, y) => x - y)]), [[lastOldReadMs + DEFAULT_READ_IDLE_TIMEOUT_MS, A0, 1, [podsWatch, nodesWatch].sort((x, y) => x - y)]], 'one PING for the connection, carrying both watches');
    assert.ok(a.endedAtMs! - pingsBefore[0]!.atMs <= 20, `reset at once, not after the PING timeout (${a.endedAtMs! - pingsBefore[0]!.atMs} ms)`);
    assert.ok(watcher.received.some((r) => r.msg.type === 'ApiConnectionReset' && r.atMs === a.endedAtMs), 'by the new process\'s reset');
    assert.ok(pods.reqIds.length >= 2 && nodes.reqIds.length >= 2, 'both re-watched');
  });
});
