/**
 * A client that re-watches from resourceVersion N on an apiserver whose watch cache is still behind
 * N (it switched apiservers, and this one's etcd stream lags) must not be sent the changes at or
 * below N again: kube-apiserver's cacheWatcher only sends events newer than the watch's
 * resourceVersion. Otherwise the client sees revisions go backwards and applies old states.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { ETCD_MEMBERS, Harness, PODS, apiserverName, pod, rvOf } from './harness.ts';

describe('apiserver: a watch from a resourceVersion ahead of the watch cache', () => {
  it('sends only changes after that resourceVersion once the cache catches up', () => {
    const a = apiserverName(0);
    const b = apiserverName(1);
    const h = new Harness({
      seed: 'watch-ahead',
      apiservers: 2,
      clients: [
        { name: 'on-a', server: a },
        { name: 'on-b', server: b },
      ],
    });
    h.waitReady();
    const onA = h.client('on-a');
    const onB = h.client('on-b');
    for (let i = 0; i < 5; i++) assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod(`early-${i}`) }, { client: 'on-b' }).code, 201);
    h.runFor(200);
    const cacheA = h.core(a).caches.get('pods')!.cache;
    const before = cacheA.revision;

    // apiserver 0 stops hearing from etcd for 2 s; writes go on through apiserver 1.
    for (const m of ETCD_MEMBERS) h.sim.network.cut(m, a);
    const fromB = onB.watchFrom({ ...PODS, options: { resourceVersion: String(before) } });
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(onB.send({ verb: 'create', ...PODS, namespace: 'default', body: pod(`during-${i}`) }));
    h.runFor(1_000);
    assert.ok(ids.every((id) => onB.result(id)?.code === 201));
    const seenOnB = onB.watch(fromB).events;
    assert.equal(seenOnB.length, 10, 'apiserver 1 streamed the 10 creates');
    const lastSeen = Number(rvOf(seenOnB[seenOnB.length - 1]!.event.object));
    assert.ok(cacheA.revision < lastSeen, `precondition: apiserver 0's cache (${cacheA.revision}) is behind ${lastSeen}`);

    // The client moves to apiserver 0 and resumes from the last resourceVersion it saw.
    const fromA = onA.watchFrom({ ...PODS, options: { resourceVersion: String(lastSeen) } });
    h.runFor(1_000);
    for (const m of ETCD_MEMBERS) h.sim.network.heal([m]);
    assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('after') }, { client: 'on-b' }).code, 201);
    h.runFor(8_000);
    assert.ok(cacheA.revision > lastSeen, 'apiserver 0 caught up');

    const w = onA.watch(fromA);
    const revisions = w.events.filter((e) => e.event.type !== 'BOOKMARK').map((e) => Number(rvOf(e.event.object)));
    assert.deepEqual(
      revisions.filter((rv) => rv <= lastSeen),
      [],
      `changes at or below ${lastSeen} were sent again: ${w.events.map((e) => `${e.event.type} ${(e.event.object as KubeObject).metadata?.name}@${rvOf(e.event.object)}`).join(', ')}`,
    );
    assert.deepEqual(
      w.events.filter((e) => e.event.type !== 'BOOKMARK').map((e) => (e.event.object as KubeObject).metadata?.name),
      ['after'],
    );
  });
});
