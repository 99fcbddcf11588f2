import type { KubeObject } from '../api/protocol.ts';
import { etcdListPrefix, resolveResourceName, type ResourceInfo } from '../api/resources.ts';
import { range } from '../etcd/mvcc.ts';
import type { EtcdDisk } from '../etcd/server.ts';
import type { Simulation } from '../kernel/simulation.ts';

/**
 * The cluster's committed state, read the way an auditor would: straight from the etcd member
 * that has applied the most (its disk survives a crash), decoded from the stored JSON. Scenario
 * expectations and the end-of-run tables read this; no component sees it.
 */
export class ClusterState {
  private readonly decoded = new Map<string, { rev: number; object: KubeObject }>();

  constructor(
    private readonly sim: Simulation,
    private readonly members: readonly string[],
  ) {}

  /** The member whose store has applied the furthest, and that store's revision. */
  private freshest(): { disk: EtcdDisk; name: string } | null {
    let best: { disk: EtcdDisk; name: string } | null = null;
    for (const name of this.members) {
      const disk = this.sim.diskOf<EtcdDisk>(name);
      if (disk && (!best || disk.applied > best.disk.applied)) best = { disk, name };
    }
    return best;
  }

  /** A number that changes whenever the committed state may have changed (memo key). */
  version(): number {
    return this.freshest()?.disk.store.revision ?? 0;
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const info = resolveResourceName(resource);
    const f = this.freshest();
    if (!info || !f) return [];
    const result = range(f.disk.store, etcdListPrefix(info, info.namespaced ? namespace : undefined), { prefix: true });
    if ('error' in result) return [];
    return result.kvs.map((kv) => {
      const hit = this.decoded.get(kv.key);
      if (hit && hit.rev === kv.modRevision) return hit.object;
      const parsed = JSON.parse(kv.value) as KubeObject;
      const object = { ...parsed, metadata: { ...(parsed.metadata ?? {}), resourceVersion: String(kv.modRevision) } };
      this.decoded.set(kv.key, { rev: kv.modRevision, object });
      return object;
    });
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const info: ResourceInfo | undefined = resolveResourceName(resource);
    if (!info) return undefined;
    return this.list(resource, info.namespaced ? (namespace ?? 'default') : undefined).find((o) => o.metadata?.name === name);
  }
}
