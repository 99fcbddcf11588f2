import type { KubeObject } from '../../api/protocol.ts';

/**
 * What this controller wrote and the informer may not show yet (upstream's endpointSliceTracker):
 * per Service, each slice's last written resourceVersion, or `deleted`. A sync on a cache that
 * lags its own writes would create the same endpoints twice (slices are created with
 * generateName), so the sync waits until the cache has caught up.
 */
export class SliceTracker {
  private readonly byService = new Map<string, Map<string, number | 'deleted'>>();

  written(serviceKey: string, slice: KubeObject): void {
    const name = slice.metadata?.name;
    if (!name) return;
    this.entries(serviceKey).set(name, Number(slice.metadata?.resourceVersion ?? 0));
  }

  deleted(serviceKey: string, name: string): void {
    this.entries(serviceKey).set(name, 'deleted');
  }

  /** Whether the cache (`present`: name → resourceVersion) is behind this controller's writes; forgets what it caught up with. */
  stale(serviceKey: string, present: ReadonlyMap<string, number>): boolean {
    const entries = this.byService.get(serviceKey);
    if (!entries) return false;
    let stale = false;
    for (const [name, rv] of entries) {
      const seen = present.get(name);
      const caughtUp = rv === 'deleted' ? seen === undefined : seen !== undefined && seen >= rv;
      if (caughtUp) entries.delete(name);
      else stale = true;
    }
    if (entries.size === 0) this.byService.delete(serviceKey);
    return stale;
  }

  forget(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }

  private entries(serviceKey: string): Map<string, number | 'deleted'> {
    let e = this.byService.get(serviceKey);
    if (!e) this.byService.set(serviceKey, (e = new Map()));
    return e;
  }
}
