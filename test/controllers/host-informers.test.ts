/**
 * The controllers' view of a shared informer (actors/controllers/host/informers.ts) keeps its
 * sorted keys and index lists between calls: after any sequence of watch events they must be
 * what sorting the cache afresh gives, and an array handed out earlier must not change under
 * its holder.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ApiClientState } from '../../actors/client/api-client.ts';
import { onWatch } from '../../actors/client/informer.ts';
import { SharedInformers } from '../../actors/controllers/host/informers.ts';
import { newOutput } from '../../actors/kernel/output.ts';

type Event = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; name: number; namespace: string; app: string };

const event: fc.Arbitrary<Event> = fc.record({
  type: fc.constantFrom('ADDED' as const, 'MODIFIED' as const, 'DELETED' as const),
  name: fc.integer({ min: 0, max: 7 }),
  namespace: fc.constantFrom('default', 'kube-system'),
  app: fc.constantFrom('web', 'db', ''),
});

const byApp = (o: KubeObject): readonly string[] => (o.metadata?.labels?.['app'] ? [o.metadata.labels['app']] : []);
const byNamespace = (o: KubeObject): readonly string[] => [o.metadata?.namespace ?? ''];

it('sorted keys and index lists follow every add, change and delete, and a list handed out never changes', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.array(fc.array(event, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 40 }), (batches) => {
      const informers = new SharedInformers();
      const inf = informers.add({ apiVersion: 'v1', resource: 'pods', indexers: { app: byApp, namespace: byNamespace } });
      const held: { list: readonly string[]; copy: string[] }[] = [];
      let rv = 1;
      for (const batch of batches) {
        const events = batch.map((e) => ({
          type: e.type,
          object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${e.name}`, namespace: e.namespace, resourceVersion: String(rv++), ...(e.app ? { labels: { app: e.app } } : {}) } } as KubeObject,
        }));
        const deltas = onWatch(inf.state, { tag: 'pods:watch', reqId: 1, events, ended: false }, {} as ApiClientState, newOutput(), 0);
        informers.index(inf, deltas);
        const objects = [...inf.state.store.entries()];
        assert.deepEqual(inf.view.keys(), objects.map(([k]) => k).sort());
        for (const app of ['web', 'db', 'none']) {
          assert.deepEqual(inf.view.byIndex('app', app), objects.filter(([, o]) => byApp(o).includes(app)).map(([k]) => k).sort(), `app=${app}`);
        }
        for (const ns of ['default', 'kube-system']) {
          assert.deepEqual(inf.view.byIndex('namespace', ns), objects.filter(([, o]) => o.metadata?.namespace === ns).map(([k]) => k).sort(), `namespace=${ns}`);
        }
        for (const list of [inf.view.keys(), inf.view.byIndex('app', 'web')]) {
          assert.ok(Object.isFrozen(list), 'a shared list cannot be changed by its reader');
          held.push({ list, copy: [...list] });
        }
      }
      for (const h of held) assert.deepEqual(h.list, h.copy, 'a list handed out keeps what it held');
    }),
    { numRuns: 300 },
  );
});
