import type { KubeObject } from '../../api/protocol.ts';
import { canonicalJson } from '../../kernel/canonical-json.ts';
import { endpointHostname, endpointReady, findPort, podIpOf, shouldPodBeInEndpoints, type ServiceJson } from '../host/service-endpoints.ts';

/**
 * The Endpoints controller's pure half (pkg/controller/endpoint `syncService`, RepackSubsets):
 * the subsets a Service's pods make. Each pod with an IP, not terminal and not terminating, is an
 * address — under `addresses` when Ready (or when the Service publishes not-ready addresses),
 * under `notReadyAddresses` otherwise — on every service port it resolves (a named targetPort is
 * looked up per pod). Ports reached by exactly the same addresses share a subset.
 */

/** Endpoints hold at most this many addresses (maxCapacity); more is truncated and annotated. */
export const ENDPOINTS_MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface EndpointsJson extends KubeObject {
  subsets?: EndpointSubset[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byIp = (a: EndpointAddress, b: EndpointAddress): number => cmp(a.ip, b.ip) || cmp(a.targetRef.uid, b.targetRef.uid);
const portKey = (p: EndpointPort): string => `${p.name ?? ''}/${p.port}/${p.protocol}`;

function addressOf(pod: KubeObject, svc: ServiceJson): EndpointAddress {
  const hostname = endpointHostname(pod, svc);
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return {
    ip: podIpOf(pod),
    ...(hostname ? { hostname } : {}),
    ...(nodeName ? { nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

/** The subsets of `svc` over the pods its selector matched (any order), and whether they were truncated. */
export function desiredSubsets(svc: ServiceJson, pods: readonly KubeObject[]): { subsets: EndpointSubset[]; truncated: boolean } {
  const ports = svc.spec?.ports ?? [];
  const headless = svc.spec?.clusterIP === 'None';
  // Per endpoint port: its addresses, by readiness.
  const byPort = new Map<string, { port: EndpointPort | undefined; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const add = (port: EndpointPort | undefined, address: EndpointAddress, ready: boolean): void => {
    const key = port ? portKey(port) : '';
    const entry = byPort.get(key) ?? { port, ready: [], notReady: [] };
    (ready ? entry.ready : entry.notReady).push(address);
    byPort.set(key, entry);
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, false)) continue;
    const address = addressOf(pod, svc);
    const ready = endpointReady(pod, svc);
    if (ports.length === 0) {
      if (headless) add(undefined, address, ready);
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) }, address, ready);
    }
  }
  // RepackSubsets: ports with the same addresses (and readiness) form one subset.
  const groups = new Map<string, EndpointSubset>();
  for (const { port, ready, notReady } of byPort.values()) {
    ready.sort(byIp);
    notReady.sort(byIp);
    const key = canonicalJson([ready.map((a) => a.targetRef.uid + a.ip), notReady.map((a) => a.targetRef.uid + a.ip)]);
    const subset = groups.get(key) ?? { ...(ready.length > 0 ? { addresses: ready } : {}), ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}) };
    if (port) subset.ports = [...(subset.ports ?? []), port].sort((a, b) => cmp(portKey(a), portKey(b)));
    groups.set(key, subset);
  }
  const subsets = [...groups.values()].sort((a, b) => cmp(canonicalJson(a), canonicalJson(b)));
  // Truncation keeps ready addresses first, subset by subset.
  let budget = ENDPOINTS_MAX_CAPACITY;
  let truncated = false;
  for (const s of subsets) {
    for (const field of ['addresses', 'notReadyAddresses'] as const) {
      const list = s[field];
      if (!list) continue;
      if (list.length > budget) {
        truncated = true;
        s[field] = list.slice(0, budget);
        if (s[field]!.length === 0) delete s[field];
      }
      budget -= s[field]?.length ?? 0;
    }
  }
  return { subsets: subsets.filter((s) => s.addresses || s.notReadyAddresses), truncated };
}

/** The Endpoints object a Service should have (labels: the Service's, plus the headless mark). */
export function desiredEndpoints(svc: ServiceJson, pods: readonly KubeObject[]): EndpointsJson {
  const { subsets, truncated } = desiredSubsets(svc, pods);
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: svc.metadata?.name ?? '',
      namespace: svc.metadata?.namespace ?? 'default',
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(truncated ? { annotations: { [OVER_CAPACITY_ANNOTATION]: 'truncated' } } : {}),
    },
    ...(subsets.length > 0 ? { subsets } : {}),
  };
}

/** Whether the stored Endpoints already say what `want` says (subsets, labels, the capacity mark). */
export function endpointsEqual(have: EndpointsJson, want: EndpointsJson): boolean {
  return (
    canonicalJson(have.subsets ?? []) === canonicalJson(want.subsets ?? []) &&
    canonicalJson(have.metadata?.labels ?? {}) === canonicalJson(want.metadata?.labels ?? {}) &&
    (have.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] ?? '') === (want.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] ?? '')
  );
}
