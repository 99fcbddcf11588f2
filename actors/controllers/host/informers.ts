import { newInformer, objectKey, type Delta, type InformerState } from '../../client/informer.ts';
import type { CacheView, IndexFunc, InformerSpec } from './types.ts';

/**
 * client-go's SharedInformerFactory for the host: one informer per (apiVersion, resource,
 * namespace, selectors), however many controllers ask for it, created in the order they are asked
 * for, each with the union of the indexers its controllers declared. Indexes follow the cache
 * through the deltas the informer returns (a relist included).
 */

export interface SharedInformer {
  readonly id: string;
  readonly spec: InformerSpec;
  readonly state: InformerState;
  readonly view: CacheView;
  readonly indexers: Map<string, IndexFunc>;
  /** index name → value → keys. */
  readonly indexes: Map<string, Map<string, Set<string>>>;
  /** index name → key → the values it is filed under (to unfile it on the next change). */
  readonly filed: Map<string, Map<string, readonly string[]>>;
}

/** What makes two informer specs the same informer. */
export function informerId(spec: InformerSpec): string {
  return [spec.apiVersion, spec.resource, spec.namespace ?? '', spec.labelSelector ?? '', spec.fieldSelector ?? ''].join('|');
}

function informerName(spec: InformerSpec): string {
  return spec.name ?? (spec.namespace ? `${spec.resource}@${spec.namespace}` : spec.resource);
}

export class SharedInformers {
  /** In creation order: the order they are started in. */
  readonly all: SharedInformer[] = [];
  private readonly byId = new Map<string, SharedInformer>();
  private readonly names = new Set<string>();

  /** The shared informer for `spec`, created on first use; its indexers are added to it. */
  add(spec: InformerSpec): SharedInformer {
    const id = informerId(spec);
    let inf = this.byId.get(id);
    if (!inf) {
      const name = informerName(spec);
      if (this.names.has(name)) throw new Error(`informer name ${name} is used by two different informers`);
      this.names.add(name);
      const state = newInformer({
        name,
        apiVersion: spec.apiVersion,
        resource: spec.resource,
        ...(spec.namespace ? { namespace: spec.namespace } : {}),
        ...(spec.labelSelector ? { labelSelector: spec.labelSelector } : {}),
        ...(spec.fieldSelector ? { fieldSelector: spec.fieldSelector } : {}),
      });
      const indexes = new Map<string, Map<string, Set<string>>>();
      inf = { id, spec, state, indexers: new Map(), indexes, filed: new Map(), view: cacheView(state, indexes, name) };
      this.byId.set(id, inf);
      this.all.push(inf);
    }
    for (const [index, fn] of Object.entries(spec.indexers ?? {})) {
      const existing = inf.indexers.get(index);
      if (existing && existing !== fn) throw new Error(`informer ${inf.state.config.name}: two different indexers named ${index}`);
      inf.indexers.set(index, fn);
      if (!inf.indexes.has(index)) inf.indexes.set(index, new Map());
      if (!inf.filed.has(index)) inf.filed.set(index, new Map());
    }
    return inf;
  }

  of(spec: InformerSpec): SharedInformer | undefined {
    return this.byId.get(informerId(spec));
  }

  /** Keeps the indexes in step with a batch of deltas the informer applied to its store. */
  index(inf: SharedInformer, deltas: readonly Delta[]): void {
    if (inf.indexers.size === 0) return;
    for (const d of deltas) {
      const key = objectKey(d.object);
      for (const [index, fn] of inf.indexers) {
        const values = inf.indexes.get(index)!;
        const filed = inf.filed.get(index)!;
        for (const v of filed.get(key) ?? []) {
          const keys = values.get(v);
          keys?.delete(key);
          if (keys && keys.size === 0) values.delete(v);
        }
        if (d.type === 'deleted') {
          filed.delete(key);
          continue;
        }
        const next = fn(d.object);
        filed.set(key, next);
        for (const v of next) {
          let keys = values.get(v);
          if (!keys) values.set(v, (keys = new Set()));
          keys.add(key);
        }
      }
    }
  }
}

function cacheView(state: InformerState, indexes: Map<string, Map<string, Set<string>>>, name: string): CacheView {
  return {
    get synced() {
      return state.synced;
    },
    get: (key) => state.store.get(key),
    has: (key) => state.store.has(key),
    keys: () => [...state.store.keys()].sort(),
    byIndex: (index, value) => {
      const values = indexes.get(index);
      if (!values) throw new Error(`informer ${name} has no index ${index}`);
      return [...(values.get(value) ?? [])].sort();
    },
  };
}
