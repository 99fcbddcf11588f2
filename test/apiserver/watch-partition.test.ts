/**
 * A watch across a partition between its apiserver and its client, as TCP and client-go's HTTP/2
 * health check make it: a partition shorter than the check (30 s of silence + 15 s for the PING)
 * only delays the stream — the same watch carries on after the heal, every change once and in
 * order. A longer one ends the watch as broken 45 s after the client last heard from the server;
 * the client cancels it and re-watches from its last resourceVersion through the VIP, and what the
 * old stream held arrives after the heal and is ignored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { DEFAULT_PING_TIMEOUT_MS, DEFAULT_READ_IDLE_TIMEOUT_MS } from '../../actors/client/api-client.ts';
import { Harness, PODS, pod, rvOf, show, type FollowedWatch } from './harness.ts';

function setUp(seed: string) {
  const h = new Harness({ seed, apiservers: 2, vip: true, clients: [{ name: 'watcher', readIdleTimeoutMs: DEFAULT_READ_IDLE_TIMEOUT_MS }, { name: 'writer' }] });
  h.waitReady();
  h.runFor(2_000);
  const list = h.call({ verb: 'list', ...PODS, options: { resourceVersion: '0' } }, { client: 'watcher' });
  assert.equal(list.code, 200, show(list));
  const f = h.client('watcher').follow('pods', { ...PODS, options: { allowWatchBookmarks: true } }, rvOf(list.body));
  h.runFor(500);
  const serving = h.vipBackendOf('watcher', f.reqIds[0]!)!;
  assert.ok(h.apiservers.includes(serving), `the watch is routed to an apiserver (${serving})`);
  return { h, f, serving };
}

function createPods(h: Harness, fromMs: number, toMs: number, everyMs: number): void {
  const writer = h.client('writer');
  for (let t = fromMs, i = 0; t < toMs; t += everyMs, i++) {
    const n = i;
    h.at(t, () => writer.send({ verb: 'create', ...PODS, namespace: 'default', body: pod(`p-${n}`) }));
  }
}

/** Every pod change the watcher saw is etcd's: each created pod once, resourceVersions ascending. */
function assertExactlyOnceInOrder(h: Harness, f: FollowedWatch): void {
  const added = f.events.filter((e) => e.event.type === 'ADDED').map((e) => e.event.object as KubeObject);
  const rvs = added.map((o) => Number(o.metadata?.resourceVersion));
  assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b), 'in order');
  assert.equal(new Set(rvs).size, rvs.length, 'none twice');
  const list = h.call({ verb: 'list', ...PODS, namespace: 'default', options: { resourceVersion: '' } }, { client: 'writer' });
  const stored = ((list.body as { items: KubeObject[] }).items ?? []).map((o) => o.metadata?.name).sort();
  assert.deepEqual(added.map((o) => o.metadata?.name).sort(), stored, 'every created pod, none missing');
}

describe('apiserver: a watch across a partition (TCP holds the stream, HTTP/2 pings check it)', { timeout: 300_000 }, () => {
  it('a 9 s cut from the apiserver to the client delays the stream; the same watch delivers every change after the heal', () => {
    const { h, f, serving } = setUp('watch-partition-short');
    const t0 = h.now;
    createPods(h, t0 + 100, t0 + 9_000, 200);
    h.at(t0 + 1_000, () => h.sim.network.cut(serving, 'watcher'));
    h.at(t0 + 10_000, () => h.sim.network.heal());
    h.runUntil(t0 + 30_000);
    assert.equal(f.reqIds.length, 1, 'no re-watch: the connection outlived the cut');
    assert.deepEqual(f.errors, []);
    const during = f.events.filter((e) => e.event.type === 'ADDED' && e.atMs > t0 + 1_010);
    assert.ok(during.length > 30, `changes made during the cut arrived (${during.length})`);
    assert.ok(during.every((e) => e.atMs >= t0 + 10_000), 'and only after the heal');
    assertExactlyOnceInOrder(h, f);
  });

  it('a 120 s cut: the watch breaks 45 s after the client last heard from the server and re-watches; the old stream\'s late messages are ignored', () => {
    const { h, f, serving } = setUp('watch-partition-long');
    const t0 = h.now;
    createPods(h, t0 + 100, t0 + 100_000, 1_000);
    const cutAt = t0 + 1_000;
    const healAt = cutAt + 120_000;
    h.at(cutAt, () => h.sim.network.cut(serving, 'watcher'));
    h.at(healAt, () => h.sim.network.heal());
    h.runUntil(healAt - 1);
    const first = h.client('watcher').watch(f.reqIds[0]!);
    const lastHeardAt = Math.max(...first.events.map((e) => e.atMs));
    assert.ok(lastHeardAt <= cutAt + 5, `nothing arrived over the cut (last at ${lastHeardAt - t0} ms)`);
    assert.equal(first.ended, 'broken');
    assert.equal(first.endedAtMs, lastHeardAt + DEFAULT_READ_IDLE_TIMEOUT_MS + DEFAULT_PING_TIMEOUT_MS, 'ReadIdleTimeout + PingTimeout after the last frame');
    assert.ok(f.reqIds.length >= 2, 'the client re-watched');
    // The cut is one way: the client's cancel (through the VIP) reached the server at once.
    assert.equal(h.core(serving).hasWatch('watcher', f.reqIds[0]!), false, 'the server dropped the broken watch');
    const resumed = f.events.find((e) => e.reqId !== f.reqIds[0] && e.event.type === 'ADDED');
    assert.ok(resumed && resumed.atMs < healAt, 'changes flow again through the other apiserver before the heal');
    // After the heal the old stream's held messages arrive, and are ignored: nothing twice.
    h.runUntil(healAt + 5_000);
    assertExactlyOnceInOrder(h, f);
  });
});
