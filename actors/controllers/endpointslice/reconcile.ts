import { MANAGED_BY, MANAGED_BY_LABEL } from '../../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../../api/protocol.ts';
import { canonicalJson } from '../../kernel/canonical-json.ts';
import { SERVICE_NAME_LABEL } from '../host/resources.ts';
import { endpointHostname, findPort, podIpOf, shouldPodBeInEndpoints, type ServiceJson } from '../host/service-endpoints.ts';
import { isPodReady } from '../host/workload.ts';

/**
 * The EndpointSlice controller's pure half (pkg/controller/endpointslice reconciler.go, simplified):
 * the endpoints a Service's pods make, grouped by the port numbers they resolve to, and the
 * writes that bring the existing slices there with little churn — endpoints stay in the slice
 * they are in, stale ones leave, new ones fill slices already being written, then slices with
 * room, then new slices of at most `maxEndpointsPerSlice` (100). Terminating pods stay, with
 * `terminating: true` and `ready: false`. A Service with no endpoints keeps one empty placeholder.
 */

export const MAX_ENDPOINTS_PER_SLICE = 100;
export { MANAGED_BY, MANAGED_BY_LABEL } from '../../api/endpoint-slice-labels.ts';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointSliceJson extends KubeObject {
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

export interface DesiredGroup {
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const portsKey = (ports: readonly SlicePort[] | null | undefined): string => canonicalJson([...(ports ?? [])].sort((a, b) => cmp(a.name, b.name)));
const endpointKey = (e: SliceEndpoint): string => `${e.targetRef.uid}/${e.addresses[0] ?? ''}`;
const byAddress = (a: SliceEndpoint, b: SliceEndpoint): number => cmp(a.addresses[0] ?? '', b.addresses[0] ?? '') || cmp(a.targetRef.uid, b.targetRef.uid);

/** The Service's endpoints by port mapping (pods of one Service may resolve a named port differently). */
export function desiredGroups(svc: ServiceJson, pods: readonly KubeObject[], zoneOf: (node: string) => string | undefined): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const terminating = pod.metadata?.deletionTimestamp !== undefined;
    const serving = isPodReady(pod);
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const zone = nodeName ? zoneOf(nodeName) : undefined;
    const hostname = endpointHostname(pod, svc);
    const endpoint: SliceEndpoint = {
      addresses: [podIpOf(pod)],
      conditions: { ready: publishNotReady || (serving && !terminating), serving: publishNotReady || serving, terminating },
      ...(hostname ? { hostname } : {}),
      ...(nodeName ? { nodeName } : {}),
      ...(zone ? { zone } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    const key = portsKey(ports);
    const group = groups.get(key) ?? { ports: [...ports].sort((a, b) => cmp(a.name, b.name)), endpoints: [] };
    group.endpoints.push(endpoint);
    groups.set(key, group);
  }
  for (const g of groups.values()) g.endpoints.sort(byAddress);
  return groups;
}

export interface SliceChanges {
  create: EndpointSliceJson[];
  update: EndpointSliceJson[];
  delete: EndpointSliceJson[];
}

/** The labels of the Service's slices: its own, the service name, the manager, the headless mark. */
export function sliceLabels(svc: ServiceJson): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata?.name ?? '', [MANAGED_BY_LABEL]: MANAGED_BY };
  if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

function newSlice(svc: ServiceJson, ports: SlicePort[] | null, endpoints: SliceEndpoint[]): EndpointSliceJson {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata?.name ?? ''}-`,
      namespace: svc.metadata?.namespace ?? 'default',
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

const isPlaceholder = (s: EndpointSliceJson): boolean => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0;

/** The writes that turn `existing` (this Service's managed slices, any order) into `desired`. */
export function reconcileSlices(svc: ServiceJson, desired: Map<string, DesiredGroup>, existing: readonly EndpointSliceJson[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SliceChanges {
  const out: SliceChanges = { create: [], update: [], delete: [] };
  const slices = [...existing].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const labels = sliceLabels(svc);
  if (desired.size === 0) {
    // placeholder: exactly one empty slice.
    const keep = slices.find(isPlaceholder);
    for (const s of slices) if (s !== keep) out.delete.push(s);
    if (!keep) out.create.push(newSlice(svc, null, []));
    else if (canonicalJson(keep.metadata?.labels ?? {}) !== canonicalJson(labels)) out.update.push({ ...keep, metadata: { ...keep.metadata, labels } });
    return out;
  }
  for (const [key, group] of [...desired].sort((a, b) => cmp(a[0], b[0]))) {
    const want = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const mine = slices.filter((s) => !isPlaceholder(s) && portsKey(s.ports) === key);
    const changed: EndpointSliceJson[] = [];
    const unchanged: EndpointSliceJson[] = [];
    for (const s of mine) {
      const kept: SliceEndpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const k = endpointKey(e);
        const w = want.get(k);
        if (!w) continue;
        kept.push(w);
        want.delete(k);
      }
      const next: EndpointSliceJson = { ...s, metadata: { ...s.metadata, labels }, endpoints: kept.sort(byAddress), ports: group.ports };
      if (kept.length === 0) out.delete.push(s);
      else if (canonicalJson(next) !== canonicalJson(s)) changed.push(next);
      else unchanged.push({ ...s });
    }
    const left = [...want.values()].sort(byAddress);
    for (const target of [...changed, ...unchanged]) {
      if (left.length === 0) break;
      const room = maxPerSlice - (target.endpoints ?? []).length;
      if (room <= 0) continue;
      target.endpoints = [...(target.endpoints ?? []), ...left.splice(0, room)].sort(byAddress);
      if (!changed.includes(target)) changed.push(target);
    }
    while (left.length > 0) out.create.push(newSlice(svc, group.ports, left.splice(0, maxPerSlice)));
    out.update.push(...changed);
  }
  for (const s of slices) {
    if (out.delete.includes(s) || out.update.some((u) => u.metadata?.name === s.metadata?.name)) continue;
    if (isPlaceholder(s) || !desired.has(portsKey(s.ports))) out.delete.push(s);
  }
  return out;
}
