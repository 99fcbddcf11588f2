/**
 * The pod watch index by spec.nodeName: 50 kubelet-like watches with
 * fieldSelector=spec.nodeName=node-i each receive their node's pods and nothing else — a pod
 * created on the node, a pod bound to it later (it enters the selector: ADDED), its updates,
 * a graceful deletion and the final removal — while unbound pods reach none of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, PODS, pod, rvOf, show } from './harness.ts';

const NODES = 50;
const node = (i: number): string => `node-${i}`;

describe('apiserver: field selector spec.nodeName on pod watches', () => {
  it('gives each of 50 node watches exactly its node’s pod changes', () => {
    const h = new Harness({ seed: 'field-selector' });
    h.waitReady();
    const c = h.client();
    const list = h.call({ verb: 'list', ...PODS, options: { resourceVersion: '0' } });
    assert.equal(list.code, 200, show(list));
    const rv = rvOf(list.body);
    const watches = Array.from({ length: NODES }, (_, i) => c.watchFrom({ ...PODS, options: { resourceVersion: rv, fieldSelector: `spec.nodeName=${node(i)}` } }));
    const all = c.watchFrom({ ...PODS, options: { resourceVersion: rv } });
    h.runFor(100);

    const phase = (specs: Parameters<typeof c.send>[0][]): void => {
      const ids = specs.map((s) => c.send(s));
      assert.ok(h.until(() => ids.every((id) => c.results.has(id)), 5_000), 'every request answered');
      for (const id of ids) assert.ok(c.result(id)!.code < 300, show(c.result(id)!));
    };
    const ns = { ...PODS, namespace: 'default' };
    // Created on its node; created unbound (to be bound); never bound.
    phase([
      ...Array.from({ length: NODES }, (_, i) => ({ verb: 'create' as const, ...ns, body: pod(`on-${i}`, { nodeName: node(i) }) })),
      ...Array.from({ length: NODES }, (_, i) => ({ verb: 'create' as const, ...ns, body: pod(`bound-${i}`) })),
      ...Array.from({ length: 10 }, (_, i) => ({ verb: 'create' as const, ...ns, body: pod(`pending-${i}`) })),
    ]);
    // Bound by a scheduler-like binding; the created ones updated; pending ones updated too.
    phase([
      ...Array.from({ length: NODES }, (_, i) => ({
        verb: 'create' as const,
        ...ns,
        name: `bound-${i}`,
        subresource: 'binding' as const,
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: `bound-${i}`, namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: node(i) } },
      })),
      ...Array.from({ length: NODES }, (_, i) => ({ verb: 'patch' as const, patchType: 'merge' as const, ...ns, name: `on-${i}`, body: { metadata: { labels: { touched: 'yes' } } } })),
      ...Array.from({ length: 10 }, (_, i) => ({ verb: 'patch' as const, patchType: 'merge' as const, ...ns, name: `pending-${i}`, body: { metadata: { labels: { touched: 'yes' } } } })),
    ]);
    // A graceful deletion (bound pods wait for their kubelet), then the kubelet's final delete.
    phase(Array.from({ length: NODES }, (_, i) => ({ verb: 'delete' as const, ...ns, name: `bound-${i}` })));
    phase(Array.from({ length: NODES }, (_, i) => ({ verb: 'delete' as const, ...ns, name: `bound-${i}`, options: { gracePeriodSeconds: 0 } })));
    phase(Array.from({ length: 10 }, (_, i) => ({ verb: 'delete' as const, ...ns, name: `pending-${i}` })));
    // Answers come before the watch cache has every event (see cache-lag.test.ts): let it catch up.
    const cache = h.core().caches.get('pods')!.cache;
    assert.ok(h.until(() => cache.revision >= h.leaderStore().revision, 10_000), 'the watch cache caught up with etcd');
    h.runFor(200);

    for (let i = 0; i < NODES; i++) {
      const w = c.watch(watches[i]!);
      assert.equal(w.ended, false, `watch ${node(i)} still open`);
      const events = w.events.map((e) => ({ type: e.event.type, name: (e.event.object as KubeObject).metadata?.name, node: ((e.event.object as KubeObject).spec as { nodeName?: string }).nodeName }));
      for (const e of events) assert.equal(e.node, node(i), `${node(i)} got ${JSON.stringify(e)}`);
      const seen = events.map((e) => `${e.type} ${e.name}`).sort();
      const expected = [`ADDED on-${i}`, `MODIFIED on-${i}`, `ADDED bound-${i}`, `MODIFIED bound-${i}`, `DELETED bound-${i}`].sort();
      assert.deepEqual(seen, expected, node(i));
      // The graceful deletion is visible as such.
      const graceful = w.events.find((e) => e.event.type === 'MODIFIED' && (e.event.object as KubeObject).metadata?.name === `bound-${i}`);
      assert.ok((graceful!.event.object as KubeObject).metadata?.deletionTimestamp);
    }
    // The unfiltered watch saw everything, the pending pods included.
    const everything = c.watch(all).events;
    assert.equal(everything.filter((e) => (e.event.object as KubeObject).metadata?.name?.startsWith('pending-')).length, 30);
    assert.equal(everything.length, NODES * 5 + NODES + 30);
    // And a list with the same selector agrees with the watches.
    const listed = h.call({ verb: 'list', ...PODS, options: { fieldSelector: `spec.nodeName=${node(7)}`, resourceVersion: '0' } });
    assert.deepEqual((listed.body as { items: KubeObject[] }).items.map((o) => o.metadata?.name), ['on-7']);
  });
});
