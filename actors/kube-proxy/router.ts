import { ipInCidr } from '../api/ipv4.ts';
import type { Destination } from '../traffic/protocol.ts';
import { ClientIpAffinity } from './affinity.ts';
import { chooseIptables } from './iptables.ts';
import { chooseIpvs, newVirtualServerState, type IpvsScheduler, type VirtualServerState } from './ipvs.ts';
import type { Backend, ServicePortEntry } from './service-table.ts';
import { newRoundRobinState, userspaceDialOrder, type RoundRobinState } from './userspace.ts';

/**
 * How one node's kube-proxy treats a new connection, by mode — pure, over the table last
 * programmed (so a change reaches traffic only after the next sync, as on a real node).
 *
 * Matching (proxier.go): a ClusterIP:port, an externalIP or load-balancer ingress IP:port, or this
 * node's own IP at a NodePort. Traffic from outside the cluster (NodePort, external and load
 * balancer addresses) with externalTrafficPolicy Local is served by this node's endpoints only
 * and dropped when it has none; a load balancer address with loadBalancerSourceRanges drops
 * sources outside them (KUBE-FW). A service port with no endpoints is rejected (the REJECT rule:
 * the client sees a refused connection at once). Anything else is not a service address and is
 * routed as it is.
 */

export type ProxyMode = 'iptables' | 'ipvs' | 'userspace';

export interface RouterState {
  readonly ipvs: Map<string, VirtualServerState>;
  readonly userspace: Map<string, RoundRobinState>;
  readonly affinity: Map<string, ClientIpAffinity>;
  /** Open connections per backend (`ip:port`), what ipvs' lc, sed and nq weigh. */
  readonly activeConnections: Map<string, number>;
  /** When each backend's connections closed, oldest first, over the last IPVS_INACTIVE_MS: ipvs' inactive connections, which lc weighs too. */
  readonly closedAtMs: Map<string, number[]>;
}

export const newRouterState = (): RouterState => ({ ipvs: new Map(), userspace: new Map(), affinity: new Map(), activeConnections: new Map(), closedAtMs: new Map() });

/**
 * How long a closed connection stays in ipvs' connection table, counted as inactive (inactconns):
 * its TIME_WAIT timeout, 2 min (ip_vs_proto_tcp.c tcp_timeouts; kube-proxy's --ipvs-tcpfin-timeout
 * 0 leaves it). lc ranks servers by active·256 + inactive, so with no connection open the server
 * with the fewest recent ones gets the next, not always the first.
 */
export const IPVS_INACTIVE_MS = 120_000;

/** An ipvs connection to `backend` (`ip:port`) closed: it counts as inactive for IPVS_INACTIVE_MS. */
export function recordClosedConnection(state: RouterState, backend: string, nowMs: number): void {
  const times = state.closedAtMs.get(backend);
  if (times) times.push(nowMs);
  else state.closedAtMs.set(backend, [nowMs]);
  inactiveConnections(state, backend, nowMs);
}

/** The backend's inactive connections now (expired ones forgotten). */
export function inactiveConnections(state: RouterState, backend: string, nowMs: number): number {
  const times = state.closedAtMs.get(backend);
  if (!times) return 0;
  let expired = 0;
  while (expired < times.length && nowMs - times[expired]! >= IPVS_INACTIVE_MS) expired++;
  if (expired > 0) times.splice(0, expired);
  if (times.length === 0) state.closedAtMs.delete(backend);
  return times.length;
}

export type RouteDecision =
  /** Dial these backends in order (one for iptables and ipvs; userspace retries down the list). */
  | { kind: 'forward'; entry: ServicePortEntry; backends: Backend[]; rulesTraversed: number; masquerade: boolean }
  | { kind: 'reject'; entry: ServicePortEntry; reason: string }
  | { kind: 'drop'; entry: ServicePortEntry; reason: string }
  /** Not a service address: routed to its destination unchanged. */
  | { kind: 'direct' };

export interface RouteContext {
  mode: ProxyMode;
  ipvsScheduler: IpvsScheduler;
  nodeIp: string;
  /** Sources inside the cluster (pods, nodes): internal traffic. */
  fromInsideCluster: boolean;
  nowMs: number;
  random: () => number;
}

/** Where each service address of the table is, for a lookup per packet (ipvs' hash; iptables keeps its linear walk count). */
export interface TableIndex {
  byAddress: Map<string, { entry: ServicePortEntry; position: number; external: boolean; loadBalancer: boolean }>;
  byNodePort: Map<string, { entry: ServicePortEntry; position: number }>;
}

const addressKey = (ip: string, port: number, protocol: string): string => `${ip}:${port}/${protocol}`;
export const backendKey = (b: { ip: string; port: number }): string => `${b.ip}:${b.port}`;

export function indexTable(table: readonly ServicePortEntry[]): TableIndex {
  const byAddress: TableIndex['byAddress'] = new Map();
  const byNodePort: TableIndex['byNodePort'] = new Map();
  table.forEach((entry, position) => {
    if (entry.clusterIp && entry.clusterIp !== 'None') byAddress.set(addressKey(entry.clusterIp, entry.port, entry.protocol), { entry, position, external: false, loadBalancer: false });
    for (const ip of entry.externalIps) byAddress.set(addressKey(ip, entry.port, entry.protocol), { entry, position, external: true, loadBalancer: false });
    for (const ip of entry.loadBalancerIps) byAddress.set(addressKey(ip, entry.port, entry.protocol), { entry, position, external: true, loadBalancer: true });
    if (entry.nodePort) byNodePort.set(`${entry.nodePort}/${entry.protocol}`, { entry, position });
  });
  return { byAddress, byNodePort };
}

/** Points the index at `next` where it pointed at `previous`, an entry with the same addresses and position. */
export function replaceIndexed(index: TableIndex, previous: ServicePortEntry, next: ServicePortEntry): void {
  const swap = (hit: { entry: ServicePortEntry } | undefined): void => {
    if (hit !== undefined && hit.entry === previous) hit.entry = next;
  };
  if (previous.clusterIp && previous.clusterIp !== 'None') swap(index.byAddress.get(addressKey(previous.clusterIp, previous.port, previous.protocol)));
  for (const ip of previous.externalIps) swap(index.byAddress.get(addressKey(ip, previous.port, previous.protocol)));
  for (const ip of previous.loadBalancerIps) swap(index.byAddress.get(addressKey(ip, previous.port, previous.protocol)));
  if (previous.nodePort) swap(index.byNodePort.get(`${previous.nodePort}/${previous.protocol}`));
}

export function route(index: TableIndex, state: RouterState, dst: Destination, sourceIp: string, cx: RouteContext): RouteDecision {
  let hit: { entry: ServicePortEntry; position: number; external: boolean; loadBalancer: boolean } | undefined = index.byAddress.get(addressKey(dst.ip, dst.port, dst.protocol));
  if (!hit && dst.ip === cx.nodeIp) {
    const np = index.byNodePort.get(`${dst.port}/${dst.protocol}`);
    if (np) hit = { ...np, external: true, loadBalancer: false };
  }
  if (!hit) return { kind: 'direct' };
  const { entry } = hit;
  if (hit.loadBalancer && entry.loadBalancerSourceRanges.length > 0 && !entry.loadBalancerSourceRanges.some((r) => ipInCidr(sourceIp, r))) {
    return { kind: 'drop', entry, reason: 'source outside loadBalancerSourceRanges' };
  }
  const externalLocal = hit.external && entry.externalTrafficPolicyLocal && !cx.fromInsideCluster;
  const internalLocal = !hit.external && entry.internalTrafficPolicyLocal;
  const backends = externalLocal || internalLocal ? entry.localBackends : entry.clusterBackends;
  if (backends.length === 0) {
    if (entry.clusterBackends.length === 0) return { kind: 'reject', entry, reason: 'no endpoints' };
    return { kind: 'drop', entry, reason: 'no local endpoints' };
  }
  const rulesBefore = cx.mode === 'iptables' ? hit.position + 1 : 1;
  const sticky = stickyBackend(state, entry, backends, sourceIp, cx.nowMs);
  let chosen: Backend[];
  let rulesTraversed = rulesBefore;
  if (cx.mode === 'userspace') {
    const rr = state.userspace.get(entry.id) ?? state.userspace.set(entry.id, newRoundRobinState()).get(entry.id)!;
    const order = userspaceDialOrder(backends, rr);
    chosen = sticky ? [sticky, ...order.filter((b) => b !== sticky)] : order;
  } else if (sticky) {
    chosen = [sticky];
  } else if (cx.mode === 'ipvs') {
    const vs = state.ipvs.get(entry.id) ?? state.ipvs.set(entry.id, newVirtualServerState()).get(entry.id)!;
    const servers = backends.map((b) => ({ backend: b, activeConnections: state.activeConnections.get(backendKey(b)) ?? 0, inactiveConnections: inactiveConnections(state, backendKey(b), cx.nowMs) }));
    chosen = [backends[chooseIpvs(cx.ipvsScheduler, servers, vs, sourceIp, dst.ip)]!];
  } else {
    const c = chooseIptables(backends, hit.position, cx.random);
    chosen = [c.backend!];
    rulesTraversed = c.rulesTraversed;
  }
  if (entry.sessionAffinity.kind === 'ClientIP') affinityOf(state, entry).record(sourceIp, backendKey(chosen[0]!), cx.nowMs);
  // KUBE-MARK-MASQ: external traffic under the Cluster policy leaves with the node's address (so
  // the answer comes back through this node); Local keeps the client's.
  const masquerade = hit.external && !externalLocal && !cx.fromInsideCluster;
  return { kind: 'forward', entry, backends: chosen, rulesTraversed, masquerade };
}

function affinityOf(state: RouterState, entry: ServicePortEntry): ClientIpAffinity {
  let a = state.affinity.get(entry.id);
  if (!a) {
    const timeoutMs = entry.sessionAffinity.kind === 'ClientIP' ? entry.sessionAffinity.timeoutSeconds * 1000 : 0;
    a = new ClientIpAffinity(timeoutMs);
    state.affinity.set(entry.id, a);
  }
  return a;
}

function stickyBackend(state: RouterState, entry: ServicePortEntry, backends: readonly Backend[], sourceIp: string, nowMs: number): Backend | undefined {
  if (entry.sessionAffinity.kind !== 'ClientIP') return undefined;
  const offered = new Map(backends.map((b) => [backendKey(b), b]));
  const held = affinityOf(state, entry).lookup(sourceIp, nowMs, new Set(offered.keys()));
  return held === undefined ? undefined : offered.get(held);
}

/** A userspace retry: affinity is reset after a failed dial (upstream's sessionAffinityReset). */
export function forgetAffinity(state: RouterState, entryId: string, sourceIp: string, nowMs: number): void {
  state.affinity.get(entryId)?.lookup(sourceIp, nowMs, new Set());
}
