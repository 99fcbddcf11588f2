import { SERVICE_NAME_LABEL } from '../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../api/protocol.ts';

/**
 * What kube-proxy programs, read off Services and EndpointSlices (pkg/proxy servicechangetracker,
 * endpointschangetracker and topology.go `CategorizeEndpoints`): one entry per service port, with
 * the backends traffic may go to — the ready endpoints, or, when none is ready, the serving ones
 * that are terminating (ProxyTerminatingEndpoints) — and, for externalTrafficPolicy Local, the
 * ones on this node. Pure; the same input gives the same table, in a stable order.
 */

export interface Backend {
  ip: string;
  port: number;
  nodeName?: string;
  pod?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export type SessionAffinity = { kind: 'None' } | { kind: 'ClientIP'; timeoutSeconds: number };

export interface ServicePortEntry {
  /** `namespace/name:portName` (upstream's ServicePortName). */
  id: string;
  service: string;
  portName: string;
  protocol: string;
  clusterIp?: string;
  port: number;
  nodePort?: number;
  externalIps: string[];
  loadBalancerIps: string[];
  /** Sources allowed to a load balancer address (empty: all). */
  loadBalancerSourceRanges: string[];
  /** The port a cloud load balancer health-checks for externalTrafficPolicy Local. */
  healthCheckNodePort?: number;
  sessionAffinity: SessionAffinity;
  externalTrafficPolicyLocal: boolean;
  internalTrafficPolicyLocal: boolean;
  /** Backends for traffic to the ClusterIP (and for NodePorts with the Cluster policy). */
  clusterBackends: Backend[];
  /** Backends on this node (externalTrafficPolicy / internalTrafficPolicy Local). */
  localBackends: Backend[];
}

/** Default (and maximum) ClientIP affinity: 3 h (core/v1 DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10_800;

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  ports?: { name?: string; port?: number; protocol?: string; nodePort?: number }[];
  externalIPs?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  loadBalancerSourceRanges?: string[];
  healthCheckNodePort?: number;
}

interface SliceJson extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }; nodeName?: string; targetRef?: { name?: string } }[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The usable backends: ready ones, else serving-and-terminating ones. */
export function usableBackends(all: readonly Backend[]): Backend[] {
  const ready = all.filter((b) => b.ready);
  if (ready.length > 0) return ready;
  return all.filter((b) => b.serving && b.terminating);
}

export function buildServiceTable(services: readonly KubeObject[], slices: readonly KubeObject[], nodeName: string): ServicePortEntry[] {
  const slicesByService = new Map<string, KubeObject[]>();
  for (const s of slices) {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name === undefined) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${name}`;
    slicesByService.set(key, [...(slicesByService.get(key) ?? []), s]);
  }
  const out: ServicePortEntry[] = [];
  for (const svc of services) {
    for (const port of servicePorts(svc, slicesByService.get(`${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`) ?? [])) out.push(entryForNode(port, nodeName));
  }
  return out.sort(compareEntries);
}

/**
 * One service port as every node programs it: its entry with no local backends, and all its
 * endpoints (ready or not), from which a node picks its own (`entryForNode`).
 */
export interface ServicePort {
  readonly entry: ServicePortEntry;
  readonly all: readonly Backend[];
}

/** Frozen: shared by every entry without local backends. */
const NO_BACKENDS = Object.freeze([]) as unknown as Backend[];

/** A service's ports from the service and its slices (in the store's order), sorted as the table is. */
export function servicePorts(svc: KubeObject, slices: readonly KubeObject[]): ServicePort[] {
  const spec = (svc['spec'] ?? {}) as ServiceSpec;
  if (spec.type === 'ExternalName') return [];
  const headless = spec.clusterIP === 'None';
  if (headless) return [];
  const service = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
  const lb = ((svc['status'] as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== '');
  const out: ServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const portName = p.name ?? '';
    const protocol = p.protocol ?? 'TCP';
    const all: Backend[] = [];
    const seen = new Set<string>();
    for (const slice of slices as SliceJson[]) {
      const sp = (slice.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === protocol);
      if (!sp || sp.port === undefined) continue;
      for (const e of slice.endpoints ?? []) {
        const ip = e.addresses?.[0];
        if (!ip || seen.has(`${ip}:${sp.port}`)) continue;
        seen.add(`${ip}:${sp.port}`);
        const c = e.conditions ?? {};
        all.push({
          ip,
          port: sp.port,
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef?.name ? { pod: e.targetRef.name } : {}),
          ready: c.ready ?? true,
          serving: c.serving ?? c.ready ?? true,
          terminating: c.terminating ?? false,
        });
      }
    }
    all.sort((a, b) => cmp(a.ip, b.ip) || a.port - b.port);
    const timeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS;
    const entry: ServicePortEntry = {
      id: `${service}:${portName}`,
      service,
      portName,
      protocol,
      ...(spec.clusterIP ? { clusterIp: spec.clusterIP } : {}),
      port: p.port ?? 0,
      ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      externalIps: [...(spec.externalIPs ?? [])],
      loadBalancerIps: lb,
      loadBalancerSourceRanges: [...(spec.loadBalancerSourceRanges ?? [])],
      ...(spec.healthCheckNodePort ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
      sessionAffinity: spec.sessionAffinity === 'ClientIP' ? { kind: 'ClientIP', timeoutSeconds } : { kind: 'None' },
      externalTrafficPolicyLocal: spec.externalTrafficPolicy === 'Local',
      internalTrafficPolicyLocal: spec.internalTrafficPolicy === 'Local',
      clusterBackends: usableBackends(all),
      localBackends: NO_BACKENDS,
    };
    out.push({ entry, all });
  }
  return out.sort((a, b) => compareEntries(a.entry, b.entry));
}

/** The entry as `nodeName` programs it: the same object on every node without a local endpoint. */
export function entryForNode(port: ServicePort, nodeName: string): ServicePortEntry {
  let local: Backend[] | null = null;
  for (const b of port.all) {
    if (b.nodeName !== nodeName) continue;
    (local ??= []).push(b);
  }
  if (local === null) return port.entry;
  const localBackends = usableBackends(local);
  return localBackends.length === 0 ? port.entry : { ...port.entry, localBackends };
}

/** The table's order: by id, then protocol. */
export function compareEntries(a: ServicePortEntry, b: ServicePortEntry): number {
  return cmp(a.id, b.id) || cmp(a.protocol, b.protocol);
}
