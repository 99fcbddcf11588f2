import { SERVICE_NAME_LABEL } from '../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../api/protocol.ts';
import { sameItems } from '../api/same-items.ts';
import { objectKey, type Delta } from '../client/informer.ts';
import { compareEntries, entryForNode, type ServicePortEntry } from './service-table.ts';
import { sharedServicePorts } from './shared-service-ports.ts';

/**
 * kube-proxy's change trackers (pkg/proxy ServiceChangeTracker and EndpointsChangeTracker): the
 * services whose Service or EndpointSlices changed since the last sync, so that a sync rebuilds
 * their entries only, and a sync with nothing changed (the periodic one, every syncPeriod)
 * rebuilds nothing. A service's entries depend on the Service, its slices and the node alone,
 * so the table is the one `buildServiceTable` gives over the whole stores: the property test in
 * test/kube-proxy/table-tracker.test.ts compares them after every change.
 *
 * Why: every kube-proxy rebuilt its whole table at every sync, and there is one per node. With
 * 200 Services on 1000 nodes, that rebuild was a quarter of a run's CPU.
 *
 * The slices of a service are kept in the informer store's order (which slice's endpoint wins a
 * duplicate address depends on it). A slice moving to another service (its service-name label
 * changed) cannot be placed by deltas alone: it makes the next sync a whole rebuild, as before;
 * so does an object without a namespace, for as long as one is cached.
 */
export interface TableTracker {
  /** Each service's entries as last built, by `namespace/name` (absent: none). */
  readonly entries: Map<string, ServicePortEntry[]>;
  /** Each service's slices by store key, in the order the store lists them. */
  readonly slicesOf: Map<string, Set<string>>;
  /** The service each slice (by store key) belongs to. */
  readonly serviceOfSlice: Map<string, string>;
  /** Services to rebuild at the next sync. */
  readonly dirty: Set<string>;
  /** The next sync rebuilds everything (the first one, or a change deltas cannot place). */
  rebuildAll: boolean;
  table: ServicePortEntry[];
  /** Each entry's position in the table. */
  readonly positions: Map<ServicePortEntry, number>;
  /** Backends over the table's entries (the sync's trace line). */
  endpoints: number;
}

/**
 * What a sync did to the table: nothing; entries replaced in place by entries with the same ids
 * and addresses (only their backends changed: an index of the table by address stays valid once
 * pointed at the new entries); or a table rebuilt or reordered (index it again).
 */
export type TableSync = { kind: 'unchanged' } | { kind: 'replaced'; replaced: readonly (readonly [previous: ServicePortEntry, next: ServicePortEntry])[] } | { kind: 'rebuilt' };

export function newTableTracker(): TableTracker {
  return { entries: new Map(), slicesOf: new Map(), serviceOfSlice: new Map(), dirty: new Set(), rebuildAll: true, table: [], positions: new Map(), endpoints: 0 };
}

/**
 * Each slice's service key, computed once per object: every kube-proxy is handed the same
 * decoded object by its watch, and a key built afresh is a new string to hash at every one of
 * them (noting an update at 1000 trackers took 0.7–1.0 µs a delta with the key built each time,
 * 0.11–0.35 µs with it kept; an uncommitted micro-benchmark, 2026-12-07).
 */
const serviceKeys = new WeakMap<KubeObject, string | null>();

/** The service a slice belongs to (`namespace/name`), as buildServiceTable groups them. */
function serviceOfSlice(slice: KubeObject): string | undefined {
  let key = serviceKeys.get(slice);
  if (key === undefined) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    key = name === undefined ? null : `${slice.metadata?.namespace ?? 'default'}/${name}`;
    serviceKeys.set(slice, key);
  }
  return key ?? undefined;
}

export function noteServiceDeltas(t: TableTracker, deltas: readonly Delta[]): void {
  for (const d of deltas) {
    const namespace = d.object.metadata?.namespace;
    // Without a namespace the store key ("name") is not the service key ("default/name").
    if (namespace === undefined) t.rebuildAll = true;
    else t.dirty.add(`${namespace}/${d.object.metadata?.name ?? ''}`);
  }
}

export function noteSliceDeltas(t: TableTracker, deltas: readonly Delta[]): void {
  for (const d of deltas) {
    if (d.object.metadata?.namespace === undefined) {
      t.rebuildAll = true;
      continue;
    }
    if (d.type === 'deleted') {
      const key = objectKey(d.object);
      const before = t.serviceOfSlice.get(key);
      if (before === undefined) continue;
      t.slicesOf.get(before)?.delete(key);
      t.serviceOfSlice.delete(key);
      t.dirty.add(before);
      continue;
    }
    const now = serviceOfSlice(d.object);
    if (d.type === 'updated') {
      // The common update (its endpoints changed): same namespace and label, so the same service.
      // A slice moving to another service keeps its place in the store but not in the lists.
      if (d.old.metadata?.labels?.[SERVICE_NAME_LABEL] !== d.object.metadata?.labels?.[SERVICE_NAME_LABEL]) t.rebuildAll = true;
      else if (now !== undefined) t.dirty.add(now);
      continue;
    }
    if (now === undefined) continue;
    fileSlice(t, objectKey(d.object), now);
    t.dirty.add(now);
  }
}

/** Files a slice (by store key) under its service, after the slices filed before it. */
function fileSlice(t: TableTracker, key: string, service: string): void {
  let keys = t.slicesOf.get(service);
  if (keys === undefined) t.slicesOf.set(service, (keys = new Set()));
  keys.add(key);
  t.serviceOfSlice.set(key, service);
}

/**
 * Brings the table up to date with the stores (the informers' caches, which the deltas noted
 * came from).
 */
export function syncTable(t: TableTracker, services: ReadonlyMap<string, KubeObject>, slices: ReadonlyMap<string, KubeObject>, nodeName: string): TableSync {
  if (t.rebuildAll) {
    rebuildAll(t, services, slices, nodeName);
    return { kind: 'rebuilt' };
  }
  if (t.dirty.size === 0) return { kind: 'unchanged' };
  const replaced: (readonly [ServicePortEntry, ServicePortEntry])[] = [];
  let reorder = false;
  for (const key of t.dirty) {
    const service = services.get(key);
    const entries = service === undefined ? [] : entriesOf(t, service, key, slices, nodeName);
    const previous = t.entries.get(key) ?? [];
    if (!reorder && sameAddresses(previous, entries)) for (let i = 0; i < entries.length; i++) replaced.push([previous[i]!, entries[i]!]);
    else reorder = true;
    if (entries.length > 0) t.entries.set(key, entries);
    else t.entries.delete(key);
  }
  t.dirty.clear();
  if (reorder) {
    const table: ServicePortEntry[] = [];
    for (const entries of t.entries.values()) for (const e of entries) table.push(e);
    setTable(t, table.sort(compareEntries));
    return { kind: 'rebuilt' };
  }
  for (const [previous, next] of replaced) {
    const position = t.positions.get(previous)!;
    t.table[position] = next;
    t.positions.delete(previous);
    t.positions.set(next, position);
    t.endpoints += next.clusterBackends.length - previous.clusterBackends.length;
  }
  return { kind: 'replaced', replaced };
}

/** Entry for entry the same ids and addresses: each takes its predecessor's place in the table and the index. */
function sameAddresses(previous: readonly ServicePortEntry[], next: readonly ServicePortEntry[]): boolean {
  if (previous.length !== next.length) return false;
  for (let i = 0; i < next.length; i++) {
    const a = previous[i]!;
    const b = next[i]!;
    if (a.id !== b.id || a.protocol !== b.protocol || a.clusterIp !== b.clusterIp || a.port !== b.port || a.nodePort !== b.nodePort) return false;
    if (!sameItems(a.externalIps, b.externalIps) || !sameItems(a.loadBalancerIps, b.loadBalancerIps)) return false;
  }
  return true;
}

function rebuildAll(t: TableTracker, services: ReadonlyMap<string, KubeObject>, slices: ReadonlyMap<string, KubeObject>, nodeName: string): void {
  t.slicesOf.clear();
  t.serviceOfSlice.clear();
  for (const [key, slice] of slices) {
    const service = serviceOfSlice(slice);
    if (service !== undefined) fileSlice(t, key, service);
  }
  // As buildServiceTable over the whole stores: every cached Service with the slices labelled for it.
  t.entries.clear();
  const table: ServicePortEntry[] = [];
  for (const service of services.values()) {
    const key = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
    const entries = entriesOf(t, service, key, slices, nodeName);
    if (entries.length === 0) continue;
    const known = t.entries.get(key);
    t.entries.set(key, known === undefined ? entries : [...known, ...entries]);
    for (const e of entries) table.push(e);
  }
  setTable(t, table.sort(compareEntries));
  t.dirty.clear();
  // An object without a namespace keeps every sync whole (its store key is not its service key).
  t.rebuildAll = hasObjectWithoutNamespace(services) || hasObjectWithoutNamespace(slices);
}

/** A service's entries on this node, from the ports every node shares. */
function entriesOf(t: TableTracker, service: KubeObject, key: string, slices: ReadonlyMap<string, KubeObject>, nodeName: string): ServicePortEntry[] {
  const keys = t.slicesOf.get(key);
  const own: KubeObject[] = [];
  if (keys !== undefined) for (const k of keys) own.push(slices.get(k)!);
  return sharedServicePorts(service, own).map((port) => entryForNode(port, nodeName));
}

function hasObjectWithoutNamespace(store: ReadonlyMap<string, KubeObject>): boolean {
  for (const o of store.values()) if (o.metadata?.namespace === undefined) return true;
  return false;
}

function setTable(t: TableTracker, table: ServicePortEntry[]): void {
  t.table = table;
  t.positions.clear();
  let endpoints = 0;
  for (let i = 0; i < table.length; i++) {
    t.positions.set(table[i]!, i);
    endpoints += table[i]!.clusterBackends.length;
  }
  t.endpoints = endpoints;
}
