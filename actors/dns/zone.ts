import { SERVICE_NAME_LABEL } from '../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../api/protocol.ts';
import type { DnsAnswer, DnsQuestion, DnsRecord } from '../traffic/protocol.ts';

/**
 * The cluster DNS zone as CoreDNS's kubernetes plugin serves it (Kubernetes DNS-Based Service
 * Discovery specification 1.1.0, and plugin/kubernetes where the spec leaves a choice), with
 * kubeadm's Corefile: `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; ttl 30 }`.
 *
 * Pure: `buildDnsView` turns the informers' Services and EndpointSlices into maps from owner name
 * to records (built once per change), and `answerQuestion` answers one question from them with a
 * few map lookups. Names in the view are relative to the cluster domain (`web.default.svc`), so
 * one view answers for whatever domain the server is configured with.
 *
 * Left out: IPv6 reverse names (ip6.arpa), endpoint names of non-headless Services (CoreDNS
 * answers `<ip-with-dashes>.<svc>.<ns>.svc` and their PTRs for every Service; the spec asks it for
 * headless ones only), wildcard queries, SOA/NS records, and the `loadbalance` plugin's shuffling
 * (answers here are sorted, so runs stay reproducible).
 */

export interface DnsConfig {
  /** kubelet --cluster-domain / the Corefile's kubernetes zone. */
  clusterDomain: string;
  /** TTL of every record, and of negative answers (the plugin's SOA minimum is the same ttl). */
  ttlSeconds: number;
  /**
   * What the Corefile's `forward . /etc/resolv.conf` reaches: names outside the cluster domain
   * known to the world outside (a scenario's external servers), name → IPv4 address.
   */
  upstream?: ReadonlyMap<string, string>;
}

/** The kubernetes plugin's own default TTL (plugin/kubernetes `defaultTTL`). */
export const COREDNS_PLUGIN_DEFAULT_TTL_SECONDS = 5;
/** kubeadm's Corefile sets `ttl 30` in the kubernetes block (cmd/kubeadm/app/phases/addons/dns). */
export const KUBEADM_COREDNS_TTL_SECONDS = 30;
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_DNS_CONFIG: DnsConfig = { clusterDomain: DEFAULT_CLUSTER_DOMAIN, ttlSeconds: KUBEADM_COREDNS_TTL_SECONDS };

/** Records at one name of the zone; targets are relative to the cluster domain. */
export interface NameRecords {
  a: string[];
  aaaa: string[];
  srv: { port: number; target: string }[];
  /** ExternalName: the CNAME answers every type at the name. Absolute (outside the zone). */
  cname?: string;
}

export interface DnsView {
  /** Owner names relative to the cluster domain, lower-case (`web.default.svc`). */
  readonly names: Map<string, NameRecords>;
  /** Reverse names (`2.0.244.10.in-addr.arpa`) → PTR targets relative to the cluster domain, sorted. */
  readonly ptr: Map<string, string[]>;
}

interface ServicePortJson {
  name?: string;
  port?: number;
  protocol?: string;
}

interface ServiceJson extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    publishNotReadyAddresses?: boolean;
    ports?: ServicePortJson[];
  };
}

interface SliceJson extends KubeObject {
  addressType?: string;
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean | null }; hostname?: string }[] | null;
  ports?: SlicePortJson[] | null;
}

interface SlicePortJson {
  name?: string | null;
  port?: number | null;
  protocol?: string | null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** IPv4 addresses in numeric order (10.244.0.9 before 10.244.0.10), anything else after, by text. */
export function compareAddresses(a: string, b: string): number {
  const pa = parseIpv4(a);
  const pb = parseIpv4(b);
  if (pa && pb) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  if (pa) return -1;
  if (pb) return 1;
  return cmp(a, b);
}

/** Four decimal octets 0–255, or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

const isIpv6 = (ip: string): boolean => ip.includes(':');

/** `d.c.b.a.in-addr.arpa` for a.b.c.d. */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The name of an endpoint within its Service: its hostname, else its address with dashes (CoreDNS endpointHostname). */
export function endpointLabel(address: string, hostname: string | undefined): string {
  return hostname ? hostname.toLowerCase() : address.replace(/[.:]/g, '-').toLowerCase();
}

/** Lower-case, without the trailing dot: the form every name is compared in. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function recordsAt(names: Map<string, NameRecords>, name: string): NameRecords {
  let r = names.get(name);
  if (!r) {
    r = { a: [], aaaa: [], srv: [] };
    names.set(name, r);
  }
  return r;
}

/** Callers add addresses in sorted order, so a repeated one (a pod in two slices) is the last. */
function addAddress(r: NameRecords, ip: string): void {
  const list = isIpv6(ip) ? r.aaaa : r.a;
  if (list[list.length - 1] !== ip) list.push(ip);
}

function addPtr(ptr: Map<string, string[]>, ip: string, target: string): void {
  if (isIpv6(ip) || !parseIpv4(ip)) return;
  const key = reverseName(ip);
  const list = ptr.get(key) ?? [];
  if (!list.includes(target)) list.push(target);
  ptr.set(key, list);
}

/** `_<port>._<proto>` labels for a named port; undefined for an unnamed one (no SRV by name). */
const srvPrefix = (portName: string | null | undefined, protocol: string | null | undefined): string | undefined =>
  portName ? `_${portName.toLowerCase()}._${(protocol ?? 'TCP').toLowerCase()}` : undefined;

/**
 * The zone's records from Services and EndpointSlices, as the informers store them (any order).
 * Slices are joined to their Service by the `kubernetes.io/service-name` label.
 */
export function buildDnsView(services: readonly KubeObject[], slices: readonly KubeObject[]): DnsView {
  const names = new Map<string, NameRecords>();
  const ptr = new Map<string, string[]>();
  const slicesByService = new Map<string, SliceJson[]>();
  for (const s of slices as SliceJson[]) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${svc}`;
    const list = slicesByService.get(key) ?? [];
    list.push(s);
    slicesByService.set(key, list);
  }
  const sortedServices = [...(services as ServiceJson[])].sort((a, b) => cmp(`${a.metadata?.namespace}/${a.metadata?.name}`, `${b.metadata?.namespace}/${b.metadata?.name}`));
  for (const svc of sortedServices) {
    const name = (svc.metadata?.name ?? '').toLowerCase();
    const namespace = (svc.metadata?.namespace ?? 'default').toLowerCase();
    if (!name) continue;
    const svcName = `${name}.${namespace}.svc`;
    const spec = svc.spec ?? {};
    const here = recordsAt(names, svcName);
    if (spec.type === 'ExternalName') {
      if (spec.externalName) here.cname = normalizeName(spec.externalName);
      continue;
    }
    if (spec.clusterIP !== 'None') {
      // A normal Service: its ClusterIP(s); SRV points at the Service's own name.
      const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      for (const ip of ips) {
        addAddress(here, ip);
        addPtr(ptr, ip, svcName);
      }
      for (const p of spec.ports ?? []) {
        if (p.port === undefined) continue;
        here.srv.push({ port: p.port, target: svcName });
        const prefix = srvPrefix(p.name, p.protocol);
        if (prefix) recordsAt(names, `${prefix}.${svcName}`).srv.push({ port: p.port, target: svcName });
      }
      continue;
    }
    // Headless: the ready endpoints (every one with publishNotReadyAddresses — the EndpointSlice
    // controller already marks them ready then; checked again here for hand-written slices).
    const publishNotReady = spec.publishNotReadyAddresses === true;
    const endpoints: { ip: string; label: string; ports: readonly SlicePortJson[] }[] = [];
    const ownSlices = [...(slicesByService.get(`${namespace}/${name}`) ?? [])].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const slice of ownSlices) {
      if (slice.addressType === 'FQDN') continue;
      for (const e of slice.endpoints ?? []) {
        // An unset ready condition means ready (discovery/v1 EndpointConditions).
        if (!publishNotReady && e.conditions?.ready === false) continue;
        for (const ip of e.addresses ?? []) endpoints.push({ ip, label: endpointLabel(ip, e.hostname), ports: slice.ports ?? [] });
      }
    }
    endpoints.sort((x, y) => compareAddresses(x.ip, y.ip) || cmp(x.label, y.label));
    // An endpoint listed in two slices for a moment (the controller moving it) still makes one record.
    const srvSeen = new Set<string>();
    const addSrv = (owner: string, port: number, target: string): void => {
      const key = `${owner} ${port} ${target}`;
      if (srvSeen.has(key)) return;
      srvSeen.add(key);
      recordsAt(names, owner).srv.push({ port, target });
    };
    for (const ep of endpoints) {
      const epName = `${ep.label}.${svcName}`;
      addAddress(here, ep.ip);
      addAddress(recordsAt(names, epName), ep.ip);
      addPtr(ptr, ep.ip, epName);
      for (const p of ep.ports) {
        if (p.port === undefined || p.port === null) continue;
        addSrv(svcName, p.port, epName);
        const prefix = srvPrefix(p.name, p.protocol);
        if (prefix) addSrv(`${prefix}.${svcName}`, p.port, epName);
      }
    }
    // A headless Service with no ready endpoint has no records at its name: NXDOMAIN, as CoreDNS.
    if (here.a.length === 0 && here.aaaa.length === 0) names.delete(svcName);
  }
  for (const r of names.values()) {
    r.a.sort(compareAddresses);
    r.aaaa.sort(cmp);
  }
  for (const list of ptr.values()) list.sort(cmp);
  return { names, ptr };
}

const nxdomain = (): DnsAnswer => ({ rcode: 'NXDOMAIN', answers: [] });
/** The name exists but has no record of the type asked (NODATA: NOERROR, empty answer). */
const nodata = (): DnsAnswer => ({ rcode: 'NOERROR', answers: [] });

/**
 * The answer to one question. Names are case-insensitive, a trailing dot is accepted, and answer
 * names are absolute, lower-case, without the trailing dot. Names outside the cluster domain and
 * the reverse zone get NXDOMAIN: kubesim runs no upstream resolvers (kubeadm's Corefile would
 * `forward . /etc/resolv.conf`), so nothing outside the cluster resolves.
 */
export function answerQuestion(q: DnsQuestion, view: DnsView, config: DnsConfig = DEFAULT_DNS_CONFIG): DnsAnswer {
  const name = normalizeName(q.name);
  const domain = normalizeName(config.clusterDomain);
  const ttl = config.ttlSeconds;
  const absolute = (relative: string): string => `${relative}.${domain}`;
  const record = (type: DnsRecord['type'], data: string): DnsRecord => ({ name, type, ttlSeconds: ttl, data });

  if (name.endsWith('.in-addr.arpa')) {
    const targets = view.ptr.get(name);
    if (!targets) return nxdomain();
    return q.qtype === 'PTR' ? { rcode: 'NOERROR', answers: targets.map((t) => record('PTR', absolute(t))) } : nodata();
  }
  if (name !== domain && !name.endsWith(`.${domain}`)) {
    const ip = config.upstream?.get(name);
    if (ip === undefined) return nxdomain();
    return q.qtype === 'A' ? { rcode: 'NOERROR', answers: [record('A', ip)] } : nodata();
  }
  const relative = name === domain ? '' : name.slice(0, -(domain.length + 1));
  if (relative === '') return nodata(); // the zone's apex (SOA, NS): nothing of the types served here
  const labels = relative.split('.');
  const kind = labels[labels.length - 1];

  if (kind === 'pod') {
    // `pods insecure`: any well-formed a-b-c-d.<ns>.pod answers a.b.c.d, without checking a pod has it.
    if (labels.length <= 2) return nodata(); // `pod.<zone>` and `<ns>.pod.<zone>`
    if (labels.length !== 3) return nxdomain();
    const octets = parseIpv4(labels[0]!.replace(/-/g, '.'));
    if (!octets) return nxdomain();
    return q.qtype === 'A' ? { rcode: 'NOERROR', answers: [record('A', octets.join('.'))] } : nodata();
  }
  if (kind !== 'svc') return nxdomain();
  // `svc.<zone>` and `<ns>.svc.<zone>` exist for any namespace (the plugin answers NODATA there).
  if (labels.length <= 2) return nodata();
  const r = view.names.get(relative);
  if (!r) return nxdomain();
  if (r.cname !== undefined) return { rcode: 'NOERROR', answers: [record('CNAME', r.cname)] };
  switch (q.qtype) {
    case 'A':
      return { rcode: 'NOERROR', answers: r.a.map((ip) => record('A', ip)) };
    case 'AAAA':
      return { rcode: 'NOERROR', answers: r.aaaa.map((ip) => record('AAAA', ip)) };
    case 'SRV': {
      // CoreDNS gives records of one priority weights summing to ~100: ⌊100 / n⌋ each.
      const weight = Math.floor(100 / Math.max(1, r.srv.length));
      return { rcode: 'NOERROR', answers: r.srv.map((s) => record('SRV', `0 ${weight} ${s.port} ${absolute(s.target)}`)) };
    }
    default:
      return nodata();
  }
}
