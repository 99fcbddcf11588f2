/**
 * Watches from a resourceVersion the apiserver no longer has: the watch cache answers with an
 * ERROR event carrying 410 Gone ("too old resource version"), and a client-go-like informer
 * (actors/client/informer.ts) that lost its watch while history moved on re-lists with a
 * consistent read (resourceVersion "") and ends with exactly the apiserver's objects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiStatus, KubeObject } from '../../actors/api/protocol.ts';
import { HISTORY_EVENTS_MIN, HISTORY_WINDOW_MS } from '../../actors/apiserver/watch-cache.ts';
import { objectKey } from '../../actors/client/informer.ts';
import { range } from '../../actors/etcd/mvcc.ts';
import { Harness, PODS, apiserverName, pod, rvOf, show, type WatchLog } from './harness.ts';

function gone(w: WatchLog): ApiStatus {
  const first = w.events[0];
  assert.ok(first, `watch ${w.reqId} got no event (ended: ${w.ended})`);
  assert.equal(first.event.type, 'ERROR', JSON.stringify(first.event));
  return first.event.object as ApiStatus;
}

describe('apiserver: watch from a resourceVersion out of the watch cache’s window', () => {
  it('ends the watch with an ERROR event 410 "too old resource version"', () => {
    const h = new Harness({ seed: 'expiry-a' });
    h.waitReady();
    const c = h.client();
    // More events than the window's minimum, then let them age past its 75 s.
    const first = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('p-0') });
    assert.equal(first.code, 201, show(first));
    const r1 = rvOf(first.body);
    const ids: number[] = [];
    for (let i = 1; i < HISTORY_EVENTS_MIN + 20; i++) ids.push(c.send({ verb: 'create', ...PODS, namespace: 'default', body: pod(`p-${i}`) }));
    assert.ok(h.until(() => ids.every((id) => c.results.has(id)), 10_000));
    assert.ok(ids.every((id) => c.result(id)!.code === 201));
    h.runFor(HISTORY_WINDOW_MS + 5_000);
    const last = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('p-last') });
    assert.equal(last.code, 201);
    const cache = h.core().caches.get('pods')!.cache;
    // The create's answer can come before its watch event reaches the cache: wait for it.
    assert.ok(h.until(() => cache.revision >= Number(rvOf(last.body)), 1_000));
    const floor = cache.floor;
    assert.ok(Number(r1) < floor, `precondition: R1 ${r1} fell out of the window (floor ${floor})`);

    const stale = c.watchFrom({ ...PODS, options: { resourceVersion: r1, allowWatchBookmarks: true } });
    const fresh = c.watchFrom({ ...PODS, options: { resourceVersion: rvOf(last.body) } });
    h.runFor(500);

    const w = c.watch(stale);
    assert.equal(w.events.length, 1, JSON.stringify(w.events));
    const status = gone(w);
    assert.equal(status.code, 410);
    assert.equal(status.reason, 'Expired');
    assert.match(status.message, /^too old resource version: /);
    assert.equal(status.message, `too old resource version: ${r1} (${floor})`);
    assert.equal(w.ended, 'closed', 'the server closes the stream after the ERROR');
    assert.equal(h.core().caches.get('pods')!.cache.floor, floor);

    // A watch inside the window is served.
    const f = c.watch(fresh);
    assert.equal(f.ended, false);
    assert.ok(f.events.every((e) => e.event.type !== 'ERROR'));
  });
});

describe('apiserver: an informer that lost its watch while history was compacted', () => {
  it('gets 410 on its next watch, re-lists with resourceVersion "" and ends equal to the apiserver', () => {
    // The informer talks to apiserver 0; a writer keeps writing through apiserver 1 while 0 is
    // down, and apiserver 1 compacts etcd every 2 s.
    const h = new Harness({
      seed: 'expiry-informer',
      apiservers: 2,
      config: { compactionIntervalMs: 2_000 },
      clients: [
        { name: 'controller', server: apiserverName(0), readIdleTimeoutMs: 5_000 },
        { name: 'writer', server: apiserverName(1) },
      ],
    });
    h.waitReady();
    const writer = h.client('writer');
    const controller = h.client('controller');
    for (let i = 0; i < 5; i++) assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod(`old-${i}`) }, { client: 'writer' }).code, 201);

    const inf = controller.startInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods' });
    assert.ok(h.until(() => inf.synced && inf.watchReqId !== null, 5_000), 'informer synced');
    assert.equal(inf.store.size, 5);
    // One more write the informer sees on its watch.
    assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('seen') }, { client: 'writer' }).code, 201);
    h.runFor(200);
    assert.equal(inf.store.size, 6);
    const rvBeforeCrash = inf.resourceVersion;

    const crashAt = h.now;
    h.sim.crash(apiserverName(0));
    // Creates, updates and deletes while apiserver 0 is down.
    const writes: number[] = [];
    for (let i = 0; i < 40; i++) {
      h.at(crashAt + 100 + i * 100, () => {
        writes.push(writer.send({ verb: 'create', ...PODS, namespace: 'default', body: pod(`new-${i}`) }));
        if (i >= 2) writes.push(writer.send({ verb: 'patch', patchType: 'merge', ...PODS, namespace: 'default', name: `new-${i - 2}`, body: { metadata: { labels: { step: String(i) } } } }));
        if (i < 5) writes.push(writer.send({ verb: 'delete', ...PODS, namespace: 'default', name: `old-${i}`, options: { gracePeriodSeconds: 0 } }));
      });
    }
    h.runUntil(crashAt + 10_000);
    assert.ok(writes.every((id) => writer.result(id)?.code === 200 || writer.result(id)?.code === 201), 'every write succeeded');
    const store = h.leaderStore();
    assert.ok(store.compactRevision > Number(rvBeforeCrash), `precondition: etcd compacted past the informer's ${rvBeforeCrash} (at ${store.compactRevision})`);

    const restartAt = h.now;
    h.sim.restart(apiserverName(0));
    h.runFor(15_000);

    // The informer's first watch after the crash that a live apiserver answered.
    const watchesAfter = [...controller.watches.values()].filter((w) => w.tag === 'pods:watch' && w.sentAtMs >= crashAt);
    const answered = watchesAfter.filter((w) => w.events.length > 0 || w.response !== undefined);
    assert.ok(answered.length >= 1, 'a watch after the restart was answered');
    const first = answered[0]!;
    assert.ok(first.sentAtMs >= restartAt);
    assert.equal(first.request.options?.resourceVersion, rvBeforeCrash, 'it resumed from its last resourceVersion');
    const status = first.response ? (first.response.body as ApiStatus) : gone(first);
    assert.equal(status.code, 410, JSON.stringify(status));
    assert.match(status.message, /too old resource version/);

    // Then a consistent re-list, then a watch from the list's resourceVersion.
    const after410 = controller.sent.filter((s) => s.req.reqId > first.reqId);
    const relist = after410.find((s) => s.req.verb === 'list');
    assert.ok(relist, 'the informer re-listed');
    assert.equal(relist.req.options?.resourceVersion, '', 're-list is a consistent read');
    const relistResult = controller.result(relist.req.reqId);
    assert.equal(relistResult?.code, 200, relistResult ? show(relistResult) : 'no answer');
    const rewatch = after410.find((s) => s.req.verb === 'watch' && s.atMs >= relist.atMs);
    assert.ok(rewatch, 'and watched again');
    assert.equal(rewatch.req.options?.resourceVersion, rvOf(relistResult!.body));
    assert.equal(inf.needsConsistentList, false);
    assert.ok(inf.watchReqId !== null, 'the informer is watching');

    // Its store is exactly the apiserver's (and etcd's) current pods.
    const served = new Map<string, string>();
    for (const o of h.core(apiserverName(0)).lookup.list('pods')) served.set(objectKey(o), rvOf(o));
    const inStore = new Map<string, string>();
    for (const [key, o] of inf.store) inStore.set(key, rvOf(o));
    assert.deepEqual(inStore, served);
    const etcd = range(h.leaderStore(), '/registry/pods/', { prefix: true });
    assert.ok(!('error' in etcd));
    assert.deepEqual(new Map(etcd.kvs.map((kv) => [kv.key.slice('/registry/pods/'.length), String(kv.modRevision)])), inStore);
    assert.equal(inStore.size, 1 + 40, 'seen + new-0..39 (old-* deleted)');
    const labelled = inf.store.get('default/new-37') as KubeObject;
    assert.equal(labelled.metadata?.labels?.step, '39');
  });
});
