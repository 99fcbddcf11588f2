/**
 * The watch index by metadata.name (the cacher's NameTriggerFunc, which the Node storage
 * registers so that a kubelet's watch on its own Node costs nothing per other node): 20 watches
 * with fieldSelector=metadata.name=lease-i each receive exactly their lease's changes — ADDED on
 * create, MODIFIED on update, DELETED on delete — while an unfiltered watch registered in
 * between them receives all, a name watch on another namespace receives none, and a name watch
 * opened after the object exists starts with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, LEASES, lease, rvOf, show } from './harness.ts';

const N = 20;
const name = (i: number): string => `lease-${i}`;

describe('apiserver: field selector metadata.name on watches', () => {
  it('gives each of 20 name watches exactly its object’s changes', () => {
    const h = new Harness({ seed: 'name-selector' });
    h.waitReady();
    const c = h.client();
    const list = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: '0' } });
    assert.equal(list.code, 200, show(list));
    const rv = rvOf(list.body);
    const watches: number[] = [];
    let all = -1;
    for (let i = 0; i < N; i++) {
      watches.push(c.watchFrom({ ...LEASES, options: { resourceVersion: rv, fieldSelector: `metadata.name=${name(i)}` } }));
      if (i === N / 2) all = c.watchFrom({ ...LEASES, options: { resourceVersion: rv } });
    }
    const otherNamespace = c.watchFrom({ ...LEASES, namespace: 'kube-system', options: { resourceVersion: rv, fieldSelector: `metadata.name=${name(3)}` } });
    h.runFor(100);

    const phase = (specs: Parameters<typeof c.send>[0][]): void => {
      const ids = specs.map((s) => c.send(s));
      assert.ok(h.until(() => ids.every((id) => c.results.has(id)), 5_000), 'every request answered');
      for (const id of ids) assert.ok(c.result(id)!.code < 300, show(c.result(id)!));
    };
    const ns = { ...LEASES, namespace: 'default' };
    phase(Array.from({ length: N }, (_, i) => ({ verb: 'create' as const, ...ns, body: lease(name(i)) })));
    phase(Array.from({ length: N }, (_, i) => ({ verb: 'patch' as const, patchType: 'merge' as const, ...ns, name: name(i), body: { spec: { holderIdentity: 'holder-b' } } })));
    phase(Array.from({ length: N / 2 }, (_, i) => ({ verb: 'delete' as const, ...ns, name: name(i) })));
    const cache = h.core().caches.get('leases')!.cache;
    assert.ok(h.until(() => cache.revision >= h.leaderStore().revision, 10_000), 'the watch cache caught up with etcd');
    const late = c.watchFrom({ ...LEASES, options: { resourceVersion: '0', fieldSelector: `metadata.name=${name(N - 1)}` } });
    h.runFor(200);

    for (let i = 0; i < N; i++) {
      const w = c.watch(watches[i]!);
      assert.equal(w.ended, false, `watch ${name(i)} still open`);
      const seen = w.events.map((e) => `${e.event.type} ${(e.event.object as KubeObject).metadata?.name}`);
      const expected = [`ADDED ${name(i)}`, `MODIFIED ${name(i)}`, ...(i < N / 2 ? [`DELETED ${name(i)}`] : [])];
      assert.deepEqual(seen, expected, name(i));
    }
    assert.equal(c.watch(all).events.length, N * 2 + N / 2);
    assert.deepEqual(c.watch(otherNamespace).events, []);
    const lateEvents = c.watch(late).events.map((e) => `${e.event.type} ${(e.event.object as KubeObject).metadata?.name} ${((e.event.object as KubeObject).spec as { holderIdentity?: string }).holderIdentity}`);
    assert.deepEqual(lateEvents, [`ADDED ${name(N - 1)} holder-b`]);
  });
});
