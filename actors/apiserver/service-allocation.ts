import type { FieldCause } from '../api/errors.ts';
import { invalid } from '../api/field-errors.ts';
import type { KubeObject } from '../api/protocol.ts';

/**
 * What the Service registry allocates (pkg/registry/core/service/storage/alloc.go and
 * ipallocator / portallocator): a ClusterIP from the service CIDR and node ports from the node
 * port range, each address given to one Service at a time. Pure: the apiserver passes what is
 * taken and a random source, and stores one etcd key per held address next to the Service in the
 * same transaction, so two apiservers can never hand out the same address (upstream keeps a
 * bitmap or IPAddress objects; one key per address is the same guarantee).
 *
 * Both ranges are split as KEP-3070 does: a lower band (1/16 of the range, at least 16 and at
 * most 256 addresses) kept for addresses users ask for, so dynamic allocation takes a random free
 * address of the upper band first, and the lower band only once the upper one is full.
 */

export interface ServiceAllocationConfig {
  /** --service-cluster-ip-range (kubeadm's default 10.96.0.0/12). */
  serviceClusterIpRange: string;
  /** --service-node-port-range: [base, base + size). */
  serviceNodePortRange: { base: number; size: number };
}

export const DEFAULT_SERVICE_ALLOCATION: ServiceAllocationConfig = {
  serviceClusterIpRange: '10.96.0.0/12',
  serviceNodePortRange: { base: 30000, size: 2768 },
};

export const CLUSTER_IP_KEY_PREFIX = '/registry/ipaddresses/';
export const NODE_PORT_KEY_PREFIX = '/registry/servicenodeports/';

import { intToIpv4, ipv4ToInt } from '../api/ipv4.ts';
import { cloneJson } from '../api/clone-json.ts';

export { intToIpv4, ipv4ToInt };

/** The usable addresses of an IPv4 CIDR: [first, first + size), network and broadcast excluded. */
export interface Ipv4Range {
  cidr: string;
  first: number;
  size: number;
}

export function parseCidr(cidr: string): Ipv4Range {
  const [ip, bits] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 1 || prefix > 29) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)}: expected an IPv4 CIDR of at least 8 addresses, e.g. 10.96.0.0/12`);
  const total = 2 ** (32 - prefix);
  const network = base - (base % total);
  return { cidr: `${intToIpv4(network)}/${prefix}`, first: network + 1, size: total - 2 };
}

/** The n-th usable address (`GetIndexedIP(range, n)`, 1-based as upstream: .1 is index 1). */
export function indexedIp(range: Ipv4Range, n: number): string {
  return intToIpv4(range.first + n - 1);
}

/** KEP-3070's lower band: size/16, clamped to [16, 256]; 0 for ranges under 16. */
export function lowerBandSize(size: number): number {
  if (size < 16) return 0;
  return Math.min(256, Math.max(16, Math.floor(size / 16)));
}

/**
 * A free offset in [0, size): random scan of the upper band from a random start, wrapping, then
 * the lower band the same way (`randomScanStrategyWithOffset`); undefined when all are taken.
 */
export function chooseOffset(size: number, taken: (offset: number) => boolean, random: (n: number) => number): number | undefined {
  const band = lowerBandSize(size);
  for (const [from, to] of [[band, size], [0, band]] as const) {
    const span = to - from;
    if (span <= 0) continue;
    const start = random(span);
    for (let i = 0; i < span; i++) {
      const offset = from + ((start + i) % span);
      if (!taken(offset)) return offset;
    }
  }
  return undefined;
}

/** What every other Service holds, as the apiserver sees it. */
export interface TakenAddresses {
  clusterIps: ReadonlySet<string>;
  nodePorts: ReadonlySet<number>;
}

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
  [k: string]: unknown;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  [k: string]: unknown;
}

const specOf = (svc: KubeObject): ServiceSpec => (svc['spec'] ?? {}) as ServiceSpec;
const usesNodePorts = (type: string | undefined): boolean => type === 'NodePort' || type === 'LoadBalancer';
/** A LoadBalancer Service with externalTrafficPolicy Local gets a node port for the cloud's health checks. */
const needsHealthCheckNodePort = (spec: ServiceSpec): boolean => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

/** The etcd keys of the addresses a stored Service holds (its ClusterIP, its node ports). */
export function allocationKeys(svc: KubeObject): string[] {
  if (svc.kind !== undefined && svc.kind !== 'Service') return [];
  const spec = specOf(svc);
  const keys: string[] = [];
  for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) if (ip && ip !== 'None') keys.push(`${CLUSTER_IP_KEY_PREFIX}${ip}`);
  if (usesNodePorts(spec.type)) for (const p of spec.ports ?? []) if (p.nodePort) keys.push(`${NODE_PORT_KEY_PREFIX}${p.nodePort}`);
  if (needsHealthCheckNodePort(spec) && typeof spec.healthCheckNodePort === 'number') keys.push(`${NODE_PORT_KEY_PREFIX}${spec.healthCheckNodePort}`);
  return [...new Set(keys)].sort();
}

/**
 * The Service with its addresses filled in (create: `old` undefined; update: what `old` held is
 * kept when the new object leaves it out, as `patchAllocatedValues`), or the field error of an
 * address that cannot be given. Node port range errors are validation's (they come first).
 */
/**
 * dropTypeDependentFields (the service registry's update): when an update changes the type, the
 * fields only the old type used — node ports, externalTrafficPolicy, healthCheckNodePort, the load
 * balancer's — are cleared if the update left them as they were, so `kubectl patch -p
 * '{"spec":{"type":"ClusterIP"}}'` works on a NodePort Service.
 */
export function dropTypeDependentFields(svc: KubeObject, old: KubeObject): KubeObject {
  const spec: ServiceSpec = cloneJson(specOf(svc));
  const oldSpec = specOf(old);
  if (spec.type === oldSpec.type) return svc;
  const same = (field: string): boolean => JSON.stringify(spec[field]) === JSON.stringify(oldSpec[field]);
  if (!usesNodePorts(spec.type) && usesNodePorts(oldSpec.type)) {
    for (const p of spec.ports ?? []) {
      const before = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort !== undefined && p.nodePort === before?.nodePort) delete p.nodePort;
    }
  }
  const externallyAccessible = usesNodePorts(spec.type) || (spec.externalIPs as unknown[] | undefined)?.length;
  if (!externallyAccessible && same('externalTrafficPolicy')) delete spec.externalTrafficPolicy;
  if (spec.type !== 'LoadBalancer') {
    for (const f of ['healthCheckNodePort', 'allocateLoadBalancerNodePorts', 'loadBalancerClass']) if (same(f)) delete spec[f];
  }
  if (spec.type === 'ExternalName') {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (same(f)) delete spec[f];
  }
  return { ...svc, spec } as KubeObject;
}

export type Allocation = { service: KubeObject; error?: undefined } | { error: FieldCause };

export function allocateService(svc: KubeObject, old: KubeObject | undefined, taken: TakenAddresses, config: ServiceAllocationConfig, random: (n: number) => number): Allocation {
  const spec: ServiceSpec = cloneJson(specOf(svc));
  const oldSpec = old ? specOf(old) : undefined;
  const range = parseCidr(config.serviceClusterIpRange);

  if (spec.type === 'ExternalName') {
    // An ExternalName Service has no address of its own.
  } else {
    if (!spec.clusterIP && oldSpec?.clusterIP && oldSpec.type !== 'ExternalName') {
      spec.clusterIP = oldSpec.clusterIP;
      spec.clusterIPs = oldSpec.clusterIPs ?? [oldSpec.clusterIP];
    }
    const held = oldSpec?.clusterIPs ?? (oldSpec?.clusterIP ? [oldSpec.clusterIP] : []);
    const requested = spec.clusterIP ?? spec.clusterIPs?.[0];
    // validateUpgradeDowngradeClusterIPs: the primary address of a Service that has one stays.
    if (oldSpec && oldSpec.type !== 'ExternalName' && held.length > 0 && requested !== undefined && requested !== held[0]) {
      return { error: invalid('spec.clusterIPs[0]', spec.clusterIPs ?? [requested], 'may not change once set') };
    }
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    } else if (requested && !held.includes(requested)) {
      const n = ipv4ToInt(requested);
      const fail = (why: string): Allocation => ({ error: invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: ${why}`) });
      if (n === undefined) return fail(`the provided IP (${requested}) is not a valid IPv4 address`);
      if (n < range.first || n >= range.first + range.size) return fail(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.cidr}`);
      if (taken.clusterIps.has(requested)) return fail('provided IP is already allocated');
      spec.clusterIP = requested;
      spec.clusterIPs = [requested];
    } else if (!requested) {
      const offset = chooseOffset(range.size, (o) => taken.clusterIps.has(intToIpv4(range.first + o)), random);
      if (offset === undefined) return { error: invalid('spec.clusterIPs', [], 'failed to allocate a serviceIP: range is full') };
      spec.clusterIP = intToIpv4(range.first + offset);
      spec.clusterIPs = [spec.clusterIP];
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  if (usesNodePorts(spec.type)) {
    const { base, size } = config.serviceNodePortRange;
    const heldPorts = new Set((oldSpec && usesNodePorts(oldSpec.type) ? (oldSpec.ports ?? []) : []).map((p) => p.nodePort ?? 0).filter((n) => n > 0));
    const mine = new Set<number>();
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (!p.nodePort && oldSpec) p.nodePort = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && heldPorts.has(o.nodePort ?? 0))?.nodePort;
      if (p.nodePort) {
        if (!heldPorts.has(p.nodePort) && !mine.has(p.nodePort) && taken.nodePorts.has(p.nodePort)) {
          return { error: invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated') };
        }
        mine.add(p.nodePort);
        continue;
      }
      // findRequestedNodePort: ports of one number share the node port another protocol asked for.
      const sibling = (spec.ports ?? []).find((o) => o !== p && o.port === p.port && o.nodePort);
      if (sibling?.nodePort) {
        p.nodePort = sibling.nodePort;
        continue;
      }
      const offset = chooseOffset(size, (o) => taken.nodePorts.has(base + o) || mine.has(base + o), random);
      if (offset === undefined) return { error: invalid(`spec.ports[${i}].nodePort`, 0, 'failed to allocate a nodePort: range is full') };
      p.nodePort = base + offset;
      mine.add(p.nodePort);
    }
    // allocHealthCheckNodePort: kept across updates, honoured when requested, else allocated;
    // released when the Service stops needing it (dropTypeDependentFields).
    if (!needsHealthCheckNodePort(spec) && oldSpec && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
    if (needsHealthCheckNodePort(spec)) {
      const held = oldSpec && needsHealthCheckNodePort(oldSpec) && typeof oldSpec.healthCheckNodePort === 'number' ? oldSpec.healthCheckNodePort : undefined;
      if (spec.healthCheckNodePort === undefined && held !== undefined) spec.healthCheckNodePort = held;
      const requested = spec.healthCheckNodePort;
      if (typeof requested === 'number' && requested > 0) {
        if (requested !== held && (mine.has(requested) || taken.nodePorts.has(requested))) return { error: invalid('spec.healthCheckNodePort', requested, 'provided port is already allocated') };
      } else {
        const offset = chooseOffset(size, (o) => taken.nodePorts.has(base + o) || mine.has(base + o), random);
        if (offset === undefined) return { error: invalid('spec.healthCheckNodePort', 0, 'failed to allocate a nodePort: range is full') };
        spec.healthCheckNodePort = base + offset;
      }
    }
  }
  return { service: { ...svc, spec } as KubeObject };
}
