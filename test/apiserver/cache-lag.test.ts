/**
 * With no fault at all (no loss, no crash, no partition, reorderProbability 0), watch streams are
 * TCP streams: they must not break. The apiserver's watch cache follows etcd within milliseconds
 * of a write's answer, and a client's watch stays one stream however fast events come.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Harness, PODS, pod, rvOf } from './harness.ts';

describe('apiserver: watch streams on a fault-free network', () => {
  it('keeps the watch cache within 500 ms of etcd under a burst of writes', () => {
    const h = new Harness({ seed: 'cache-lag' });
    h.waitReady();
    const c = h.client();
    const cache = h.core().caches.get('pods')!.cache;
    const ids = Array.from({ length: 150 }, (_, i) => c.send({ verb: 'create', ...PODS, namespace: 'default', body: pod(`burst-${i}`) }));
    const seenAt = new Map<number, number>();
    const deadline = h.now + 5_000;
    while (h.now < deadline && (seenAt.size < ids.length || ids.some((id) => !c.results.has(id)))) {
      h.runFor(1);
      for (const id of ids) {
        const r = c.result(id);
        if (r && r.code === 201 && !seenAt.has(id) && cache.revision >= Number(rvOf(r.body))) seenAt.set(id, h.now);
      }
    }
    let worst = 0;
    for (const id of ids) {
      const r = c.result(id)!;
      assert.equal(r.code, 201);
      const at = seenAt.get(id);
      assert.ok(at !== undefined, `write ${rvOf(r.body)} reached the cache`);
      worst = Math.max(worst, at - r.atMs);
    }
    assert.ok(worst < 500, `the cache saw every write within 500 ms of its answer (worst ${worst} ms)`);
  });

  it('keeps a client’s watch one unbroken stream under a steady write load', () => {
    const h = new Harness({ seed: 'stream-order', clients: ['watcher', 'writer'] });
    h.waitReady();
    const watcher = h.client('watcher');
    const writer = h.client('writer');
    const id = watcher.watchFrom({ ...PODS, options: { resourceVersion: '0' } });
    const start = h.now;
    const writes: number[] = [];
    // Every 60 ms a create, an update and a delete: their events leave the apiserver as separate
    // messages a moment apart.
    const ns = { ...PODS, namespace: 'default' };
    for (let i = 0; i < 80; i++) {
      h.at(start + 10 + i * 60, () => {
        writes.push(writer.send({ verb: 'create', ...ns, body: pod(`steady-${i}`) }));
        if (i >= 3) writes.push(writer.send({ verb: 'patch', patchType: 'merge', ...ns, name: `steady-${i - 3}`, body: { metadata: { labels: { touched: String(i) } } } }));
        if (i >= 6) writes.push(writer.send({ verb: 'delete', ...ns, name: `steady-${i - 6}`, options: { gracePeriodSeconds: 0 } }));
      });
    }
    h.runUntil(start + 10 + 80 * 60 + 3_000);
    assert.equal(writes.filter((w) => (writer.result(w)?.code ?? 0) < 300).length, 80 + 77 + 74);
    const w = watcher.watch(id);
    assert.equal(w.ended, false, `the stream ended (${String(w.ended)}) at ${w.endedAtMs} ms, after ${w.events.length} events`);
    assert.equal(w.events.length, 80 + 77 + 74);
  });
});
