/**
 * A ControllerContext over fixed caches, for testing a controller module's handlers and syncs
 * without the host: `fakeContext(state, [[PODS, pods], [NODES, nodes]])`; what the handlers
 * queue is in `ctx.queued` (`queue/key`, or `key` for the first queue).
 */
import type { KubeObject } from '../../actors/api/protocol.ts';
import { objectKey } from '../../actors/client/informer.ts';
import { DEFAULT_CONTROLLER_MANAGER_CONFIG } from '../../actors/controllers/config.ts';
import { informerId } from '../../actors/controllers/host/informers.ts';
import type { CacheView, ControllerContext, InformerSpec } from '../../actors/controllers/host/types.ts';

export type FakeContext<S> = ControllerContext<S> & { queued: string[] };

export function fakeContext<S>(state: S, caches: readonly (readonly [InformerSpec, readonly KubeObject[]])[] = [], nowMs = 0): FakeContext<S> {
  const views = new Map<string, CacheView>();
  for (const [spec, objects] of caches) {
    const store = new Map(objects.map((o) => [objectKey(o), o]));
    views.set(informerId(spec), {
      synced: true,
      get: (key) => store.get(key),
      has: (key) => store.has(key),
      keys: () => [...store.keys()].sort(),
      byIndex: (index, value) => {
        const fn = spec.indexers?.[index];
        if (!fn) throw new Error(`no index ${index}`);
        return [...store].filter(([, o]) => fn(o).includes(value)).map(([k]) => k).sort();
      },
    });
  }
  const queued: string[] = [];
  return {
    state,
    nowMs,
    identity: 'kube-controller-manager-0_1',
    config: DEFAULT_CONTROLLER_MANAGER_CONFIG,
    cache: (spec) => {
      const v = views.get(informerId(spec));
      if (!v) throw new Error(`no cache for ${spec.resource}`);
      return v;
    },
    enqueue: (key, queue) => void queued.push(queue ? `${queue}/${key}` : key),
    enqueueAfter: (key, delayMs, queue) => void queued.push(`${queue ? `${queue}/` : ''}${key} after ${delayMs}`),
    queued,
  };
}
