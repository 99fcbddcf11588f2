import type { KubeObject } from '../../api/protocol.ts';
import { canonicalJson } from '../../kernel/canonical-json.ts';
import { SERVICE_NAME_LABEL } from '../host/resources.ts';
import { newControllerRef } from '../host/owners.ts';
import { MANAGED_BY_LABEL } from '../endpointslice/reconcile.ts';

/**
 * The EndpointSlice mirroring controller's pure half (pkg/controller/endpointslicemirroring
 * reconciler.go, utils.go): the slices a hand-written Endpoints object (of a Service without a
 * selector) becomes, so that readers of EndpointSlices only (kube-proxy) see it. The subsets are
 * first repacked (RepackSubsets: an address listed under several subsets is one address with
 * the union of their ports; not-ready wins over ready); then every subset becomes one slice per
 * address type, of at most `maxEndpointsPerSubset` endpoints (ready addresses first): a simple
 * 1:1 mapping, never split into more slices. Addresses are `ready: true`, notReadyAddresses
 * `ready: false` (serving and terminating are left unset, as upstream). An existing slice of the
 * same ports is rewritten in place (same name); surplus slices are deleted, or recycled by name
 * for a slice that would otherwise be created.
 */

export const MIRRORING_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
/** Endpoints carrying this label set to "true" are not mirrored (the apiserver's `kubernetes` Endpoints). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Endpoints used as a leader-election lock (resourcelock.LeaderElectionRecordAnnotationKey) are not mirrored. */
export const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** corev1.EndpointsLastChangeTriggerTime and kubectl's last-applied-configuration: not copied to slices. */
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** --mirroring-max-endpoints-per-subset's default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;

export interface ObjectReferenceJson {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** An address as users write it: only `ip` is required. */
export interface MirroredAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReferenceJson;
}

export interface MirroredEndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface MirroredSubset {
  addresses?: MirroredAddress[];
  notReadyAddresses?: MirroredAddress[];
  ports?: MirroredEndpointPort[];
}

export interface MirroredEndpointsJson extends KubeObject {
  subsets?: MirroredSubset[] | null;
}

export type AddressType = 'IPv4' | 'IPv6';

export interface MirrorSlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface MirrorSliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReferenceJson;
}

export interface MirrorSliceJson extends KubeObject {
  addressType?: string;
  endpoints?: MirrorSliceEndpoint[] | null;
  ports?: MirrorSlicePort[] | null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** skipMirror / hasLeaderElection: whether this Endpoints object is ever mirrored. */
export function shouldMirror(endpoints: KubeObject): boolean {
  if (endpoints.metadata?.labels?.[SKIP_MIRROR_LABEL] === 'true') return false;
  return endpoints.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] === undefined;
}

/**
 * ParseIPSloppy and the address type: IPv4 dotted quads (leading zeros allowed, as Go's sloppy
 * parse does, and dropped when the address is written back), or IPv6. Undefined when the
 * string is no IP (the address is skipped and counted as invalid).
 */
export function parseAddress(ip: string): { ip: string; type: AddressType } | undefined {
  const parts = ip.split('.');
  if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return { ip: parts.map((p) => String(Number(p))).join('.'), type: 'IPv4' };
  }
  if (!ip.includes(':')) return undefined;
  // IPv6: hex groups of 1-4, at most one `::`; kubesim keeps the text as written (lower-cased)
  // instead of re-formatting it canonically.
  const halves = ip.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const count = groups.reduce((n, g) => n + g.length, 0);
  if (!groups.every((g) => g.every((x) => /^[0-9a-f]{1,4}$/.test(x)))) return undefined;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  return { ip: ip.toLowerCase(), type: 'IPv6' };
}

const addressKey = (a: MirroredAddress): string => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const byIpThenUid = (a: MirroredAddress, b: MirroredAddress): number => cmp(a.ip, b.ip) || cmp(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
const normalPort = (p: MirroredEndpointPort): MirroredEndpointPort => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}) });

/**
 * RepackSubsets (pkg/api/v1/endpoints): ports that reach exactly the same addresses, with the
 * same readiness, share a subset; an address listed twice for one port is not-ready if either
 * listing is. Subsets without ports are kept (a sentinel port). The result is sorted (addresses
 * by IP then target uid, ports and subsets by their JSON) so equal inputs give equal outputs.
 */
export function repackSubsets(subsets: readonly MirroredSubset[]): MirroredSubset[] {
  const addresses = new Map<string, MirroredAddress>();
  // Per port (canonical JSON; '' for the no-ports sentinel): address key → ready.
  const byPort = new Map<string, { port: MirroredEndpointPort | undefined; ready: Map<string, boolean> }>();
  const map = (address: MirroredAddress, port: MirroredEndpointPort | undefined, ready: boolean): void => {
    const key = addressKey(address);
    if (!addresses.has(key)) addresses.set(key, address);
    const portKey = port ? canonicalJson(port) : '';
    let entry = byPort.get(portKey);
    if (!entry) byPort.set(portKey, (entry = { port, ready: new Map() }));
    // Not ready always trumps ready.
    if (entry.ready.get(key) !== false) entry.ready.set(key, ready);
  };
  for (const subset of subsets) {
    const ports = subset.ports && subset.ports.length > 0 ? subset.ports.map(normalPort) : [undefined];
    for (const port of ports) {
      for (const a of subset.addresses ?? []) map(a, port, true);
      for (const a of subset.notReadyAddresses ?? []) map(a, port, false);
    }
  }
  // The address sets (with readiness) and the ports that reach each.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: MirroredEndpointPort[] }>();
  for (const [portKey, entry] of [...byPort].sort((a, b) => cmp(a[0], b[0]))) {
    const setKey = canonicalJson([...entry.ready].sort((a, b) => cmp(a[0], b[0])));
    let group = groups.get(setKey);
    if (!group) groups.set(setKey, (group = { ready: entry.ready, ports: [] }));
    if (portKey !== '' && entry.port) group.ports.push(entry.port);
  }
  const out: MirroredSubset[] = [];
  for (const group of groups.values()) {
    const ready: MirroredAddress[] = [];
    const notReady: MirroredAddress[] = [];
    for (const [key, isReady] of group.ready) (isReady ? ready : notReady).push(addresses.get(key)!);
    ready.sort(byIpThenUid);
    notReady.sort(byIpThenUid);
    out.push({
      ...(ready.length > 0 ? { addresses: ready } : {}),
      ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
      ...(group.ports.length > 0 ? { ports: group.ports.sort((a, b) => cmp(canonicalJson(a), canonicalJson(b))) } : {}),
    });
  }
  return out.sort((a, b) => cmp(canonicalJson(a), canonicalJson(b)));
}

/** epPortsToEpsPorts: name and protocol always set (the API defaults an Endpoints port's protocol to TCP). */
export function slicePorts(ports: readonly MirroredEndpointPort[] | undefined): MirrorSlicePort[] {
  return (ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}) }));
}

/** addressToEndpoint: the IP re-written as parsed, ready as the list it came from; undefined for an invalid IP. */
export function addressToEndpoint(address: MirroredAddress, ready: boolean): { endpoint: MirrorSliceEndpoint; type: AddressType } | undefined {
  const parsed = parseAddress(address.ip);
  if (!parsed) return undefined;
  return {
    type: parsed.type,
    endpoint: {
      addresses: [parsed.ip],
      conditions: { ready },
      ...(address.hostname ? { hostname: address.hostname } : {}),
      ...(address.nodeName ? { nodeName: address.nodeName } : {}),
      ...(address.targetRef ? { targetRef: address.targetRef } : {}),
    },
  };
}

/** The slices of one address type and port set: `IPv4-<ports>` (NewAddrTypePortMapKey, any port order). */
export function portMapKey(type: string, ports: readonly MirrorSlicePort[] | null | undefined): string {
  return `${type}-${canonicalJson([...(ports ?? [])].map((p) => canonicalJson(p)).sort())}`;
}

/** hashEndpoint: an endpoint's identity in a desired set (addresses, hostname, target name). */
const endpointIdentity = (e: MirrorSliceEndpoint): string => canonicalJson([[...e.addresses].sort(), e.hostname ?? '', e.targetRef?.namespace ?? '', e.targetRef?.name ?? '']);
const byAddress = (a: MirrorSliceEndpoint, b: MirrorSliceEndpoint): number => cmp(a.addresses[0] ?? '', b.addresses[0] ?? '') || cmp(endpointIdentity(a), endpointIdentity(b));

function withoutKeys(map: Readonly<Record<string, string>> | undefined, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = { ...(map ?? {}) };
  for (const k of keys) delete out[k];
  return out;
}

/** The labels of a mirrored slice: the Endpoints', with the service name and the manager set over them. */
export function mirroredLabels(endpoints: KubeObject): Record<string, string> {
  return { ...(endpoints.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: endpoints.metadata?.name ?? '', [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY };
}

/** The annotations a mirrored slice copies: all but the last-change trigger time and kubectl's last-applied configuration. */
export function mirroredAnnotations(endpoints: KubeObject): Record<string, string> {
  return withoutKeys(endpoints.metadata?.annotations, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, LAST_APPLIED_ANNOTATION);
}

/**
 * newEndpointSlice: owned by the Endpoints (controller reference, so the garbage collector also
 * removes it with them), `generateName: <endpoints-name>-` for a new slice, the existing name to
 * rewrite one.
 */
export function newMirroredSlice(endpoints: KubeObject, ports: MirrorSlicePort[], type: AddressType, endpointList: MirrorSliceEndpoint[], name?: string): MirrorSliceJson {
  const annotations = mirroredAnnotations(endpoints);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...(name ? { name } : { generateName: `${endpoints.metadata?.name ?? ''}-` }),
      namespace: endpoints.metadata?.namespace ?? 'default',
      labels: mirroredLabels(endpoints),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [newControllerRef(endpoints, 'v1', 'Endpoints')],
    },
    addressType: type,
    endpoints: endpointList,
    ports,
  };
}

export interface MirrorChanges {
  create: MirrorSliceJson[];
  update: MirrorSliceJson[];
  delete: MirrorSliceJson[];
  /** Addresses that are no IP (event InvalidIPAddress). */
  invalidAddresses: number;
  /** Addresses not mirrored: invalid ones and those past `maxEndpointsPerSubset` (event TooManyAddressesToMirror when the latter). */
  addressesSkipped: number;
}

interface DesiredSlice {
  type: AddressType;
  ports: MirrorSlicePort[];
  endpoints: Map<string, MirrorSliceEndpoint>;
}

/** What `existing` (this Endpoints' mirrored slices, any order) must become for `endpoints`. */
export function mirrorEndpoints(endpoints: MirroredEndpointsJson, existing: readonly MirrorSliceJson[], maxEndpointsPerSubset = DEFAULT_MAX_ENDPOINTS_PER_SUBSET): MirrorChanges {
  const desired = new Map<string, DesiredSlice>();
  let invalidAddresses = 0;
  let addressesSkipped = 0;
  for (const subset of repackSubsets(endpoints.subsets ?? [])) {
    const ports = slicePorts(subset.ports);
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    for (const [list, ready] of [[subset.addresses ?? [], true], [subset.notReadyAddresses ?? [], false]] as const) {
      for (const address of list) {
        if (added >= maxEndpointsPerSubset) break;
        const converted = addressToEndpoint(address, ready);
        if (!converted) {
          invalidAddresses++;
          continue;
        }
        const key = portMapKey(converted.type, ports);
        let slice = desired.get(key);
        if (!slice) desired.set(key, (slice = { type: converted.type, ports, endpoints: new Map() }));
        slice.endpoints.set(endpointIdentity(converted.endpoint), converted.endpoint);
        added++;
      }
    }
    addressesSkipped += total - added;
  }

  const byKey = new Map<string, MirrorSliceJson[]>();
  for (const s of [...existing].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''))) {
    const key = portMapKey(s.addressType ?? 'IPv4', s.ports);
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  const create: MirrorSliceJson[] = [];
  const update: MirrorSliceJson[] = [];
  const toDelete: MirrorSliceJson[] = [];
  const wantLabels = canonicalJson(endpoints.metadata?.labels ?? {});
  const wantAnnotations = canonicalJson(mirroredAnnotations(endpoints));
  const uid = endpoints.metadata?.uid ?? '';
  for (const [key, slice] of [...desired].sort((a, b) => cmp(a[0], b[0]))) {
    const want = [...slice.endpoints.values()].sort(byAddress);
    const mine = byKey.get(key) ?? [];
    const first = mine[0];
    toDelete.push(...mine.slice(1));
    if (first) {
      const have = [...(first.endpoints ?? [])].sort(byAddress);
      const owned = (first.metadata?.ownerReferences ?? []).every((r) => r.kind !== 'Endpoints' || r.uid === uid);
      const same =
        canonicalJson(have) === canonicalJson(want) &&
        canonicalJson(withoutKeys(first.metadata?.labels, MANAGED_BY_LABEL, SERVICE_NAME_LABEL)) === wantLabels &&
        canonicalJson(first.metadata?.annotations ?? {}) === wantAnnotations &&
        owned;
      if (same) continue;
    }
    const next = newMirroredSlice(endpoints, slice.ports, slice.type, want.slice(0, maxEndpointsPerSubset), first?.metadata?.name);
    (first ? update : create).push(next);
  }
  for (const [key, slices] of [...byKey].sort((a, b) => cmp(a[0], b[0]))) if (!desired.has(key)) toDelete.push(...slices);

  // recycleSlices: a slice to create takes the name of one to delete of the same address type.
  const remove: MirrorSliceJson[] = [];
  const creates = [...create];
  for (const old of toDelete) {
    const i = creates.findIndex((c) => c.addressType === (old.addressType ?? 'IPv4'));
    if (i < 0) {
      remove.push(old);
      continue;
    }
    const [recycled] = creates.splice(i, 1);
    const { generateName: _generated, ...meta } = recycled!.metadata ?? {};
    update.push({ ...recycled!, metadata: { ...meta, name: old.metadata?.name ?? '' } });
  }
  return { create: creates, update, delete: remove, invalidAddresses, addressesSkipped };
}
