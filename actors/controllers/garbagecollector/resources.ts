import type { KubeObject } from '../../api/protocol.ts';
import { lookupByKind, RESOURCES, type ResourceInfo } from '../../api/resources.ts';
import type { InformerSpec } from '../host/types.ts';

/**
 * The resources the garbage collector and the namespace controller watch: every resource the
 * apiserver serves, once per storage (extensions Deployments are apps/v1 Deployments), in its
 * storage version, except events (quota.IgnoredResources / the GC's ignoredResources). Written on
 * the resource table, so a kind added there is collected and deleted with its namespace.
 */

/** Objects by the uid of every owner reference. */
export const BY_OWNER_UID = 'ownerUid';

export function ownerUidIndex(obj: KubeObject): readonly string[] {
  return [...new Set((obj.metadata?.ownerReferences ?? []).map((r) => r.uid))].sort();
}

export interface WatchedResource {
  info: ResourceInfo;
  spec: InformerSpec;
}

const IGNORED = new Set(['events']);

function build(): WatchedResource[] {
  const seen = new Set<string>();
  const out: WatchedResource[] = [];
  for (const info of RESOURCES) {
    if (IGNORED.has(info.resource) || seen.has(info.etcdPrefix)) continue;
    const [group] = info.storageApiVersion.includes('/') ? info.storageApiVersion.split('/') : [''];
    if (group !== info.group) continue;
    seen.add(info.etcdPrefix);
    out.push({ info, spec: { apiVersion: info.storageApiVersion, resource: info.resource, indexers: { [BY_OWNER_UID]: ownerUidIndex } } });
  }
  return out.sort((a, b) => (a.spec.apiVersion + '|' + a.spec.resource < b.spec.apiVersion + '|' + b.spec.resource ? -1 : 1));
}

export const WATCHED: readonly WatchedResource[] = build();
export const WATCHED_SPECS: readonly InformerSpec[] = WATCHED.map((w) => w.spec);

/** The watched resource of an owner reference's (apiVersion, kind), if served. */
export function watchedFor(apiVersion: string, kind: string): WatchedResource | undefined {
  const info = lookupByKind(apiVersion, kind);
  if (!info) return undefined;
  return WATCHED.find((w) => w.info.etcdPrefix === info.etcdPrefix);
}

export function watchedByResource(resource: string, group: string): WatchedResource | undefined {
  return WATCHED.find((w) => w.info.resource === resource && w.info.group === group);
}

/** A GC queue key: `<group>|<resource>|<namespace/name>`. */
export function itemKey(w: WatchedResource, objKey: string): string {
  return `${w.info.group}|${w.info.resource}|${objKey}`;
}

export function parseItemKey(key: string): { w: WatchedResource | undefined; objKey: string } {
  const [group, resource, ...rest] = key.split('|');
  return { w: watchedByResource(resource ?? '', group ?? ''), objKey: rest.join('|') };
}
