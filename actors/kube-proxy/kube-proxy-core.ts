import { newApiClient, type ApiClientConfig, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type Delta, type InformerState } from '../client/informer.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { kubeProxyHost, type AddressPlan } from '../traffic/addresses.ts';
import { isTrafficRequest, isTrafficResponse, KUBE_PROXY_HEALTHZ_PORT, type BackendRef, type HealthProbe, type HealthProbeResult, type TrafficRequest, type TrafficResponse } from '../traffic/protocol.ts';
import type { IpvsScheduler } from './ipvs.ts';
import { backendKey, forgetAffinity, indexTable, newRouterState, replaceIndexed, recordClosedConnection, route, type ProxyMode, type RouterState, type TableIndex } from './router.ts';
import type { Backend, ServicePortEntry } from './service-table.ts';
import { newTableTracker, noteServiceDeltas, noteSliceDeltas, syncTable, type TableTracker } from './table-tracker.ts';

export type { ProxyMode } from './router.ts';

/**
 * kube-proxy on one node: watches Services and EndpointSlices through the apiserver and
 * reprograms its node's rules — at most once per minSyncPeriod (1 s) after a change, and
 * syncPeriod (30 s) after the last sync when nothing changed, as upstream's BoundedFrequencyRunner
 * (pkg/proxy/runner: the periodic timer restarts after every run). Each sync is traced with
 * what it programmed. Traffic is routed by the table as last programmed (router.ts): a request
 * to a service address is forwarded to a backend's node with this proxy as the return path
 * (conntrack), so it can count ipvs' open connections and, in userspace mode, dial the next
 * backend after a failed one (250 ms, 500 ms, 1 s, 2 s: upstream's EndpointDialTimeouts).
 */

export interface KubeProxyConfig {
  mode: ProxyMode;
  ipvsScheduler: IpvsScheduler;
  /** The node cannot run ipvs (kernel modules missing): kube-proxy falls back to iptables, as upstream did. */
  ipvsUnavailable?: boolean;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
}

/** KubeProxyConfiguration defaults: iptables, rr for ipvs, minSyncPeriod 1 s, syncPeriod 30 s. */
export const DEFAULT_KUBE_PROXY_CONFIG: KubeProxyConfig = { mode: 'iptables', ipvsScheduler: 'rr', minSyncPeriodMs: 1000, syncPeriodMs: 30_000 };

export interface KubeProxyState {
  readonly node: string;
  readonly config: KubeProxyConfig;
  readonly client: ApiClientState;
  readonly services: InformerState;
  readonly slices: InformerState;
  /** The rules as last programmed. */
  table: ServicePortEntry[];
  /** What changed since the last sync, and each service's entries (the next sync rebuilds only what changed). */
  readonly tracker: TableTracker;
  lastSyncMs: number;
  syncArmed: boolean;
  syncs: number;
  /** The mode actually running (ipvs falls back to iptables where unavailable). */
  readonly mode: ProxyMode;
  readonly addresses: AddressPlan;
  readonly nodeIp: string;
  index: TableIndex;
  readonly router: RouterState;
  /** Connections this proxy forwarded and awaits the answer of, by request id. */
  readonly conntrack: Map<string, Connection>;
  random: () => number;
}

/** One forwarded connection: who to answer and what was dialled. */
interface Connection {
  request: TrafficRequest;
  entryId: string;
  /** Userspace: the backends still to dial, in order; the others: the one dialled. */
  dialOrder: Backend[];
  attempt: number;
  backend: Backend;
  openedAtMs: number;
  /** Userspace: the backend accepted the connection (its dial timer is void). */
  accepted: boolean;
  /** The source address the backend sees: the client's, or this node's when masqueraded (and always in userspace mode, where the proxy dials). */
  sourceIp: string;
}

/** Upstream userspace proxy's dial timeouts, one per attempt. */
export const USERSPACE_DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000] as const;
/** A connection never answered is forgotten after this (conntrack's bound, not a timeout anyone sees). */
const CONNTRACK_FORGET_MS = 300_000;
const CONNTRACK_MAX = 65_536;

export type KubeProxyInput =
  | { type: 'KubeProxyStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'KubeProxySync'; periodic: boolean }
  | TrafficRequest
  | TrafficResponse
  | HealthProbe
  | { type: 'KubeProxyDialTimeout'; id: string; attempt: number };

export function effectiveMode(config: KubeProxyConfig): ProxyMode {
  return config.mode === 'ipvs' && config.ipvsUnavailable ? 'iptables' : config.mode;
}

export function newKubeProxy(node: string, config: KubeProxyConfig, client: ApiClientState, addresses: AddressPlan, random: () => number): KubeProxyState {
  return {
    mode: effectiveMode(config),
    addresses,
    nodeIp: addresses.nodeIp(node) ?? '',
    index: indexTable([]),
    router: newRouterState(),
    conntrack: new Map(),
    random,
    node,
    config,
    client,
    services: newInformer({ name: 'services', apiVersion: 'v1', resource: 'services' }),
    slices: newInformer({ name: 'endpointslices', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices' }),
    table: [],
    tracker: newTableTracker(),
    lastSyncMs: -Infinity,
    syncArmed: false,
    syncs: 0,
  };
}

/** A change arrived: sync now, or once minSyncPeriod has passed since the last sync. */
function requestSync(p: KubeProxyState, nowMs: number, out: Output): void {
  if (p.syncArmed || !p.services.synced || !p.slices.synced) return;
  p.syncArmed = true;
  out.timers.push({ id: 'kube-proxy-sync', delayMs: Math.max(0, p.lastSyncMs + p.config.minSyncPeriodMs - nowMs), event: { type: 'KubeProxySync', periodic: false } });
}

/** The periodic sync comes syncPeriod after the last sync of any kind (upstream resets its maxInterval timer after each run). */
function armPeriodic(p: KubeProxyState, out: Output): void {
  out.cancels.push('kube-proxy-periodic');
  out.timers.push({ id: 'kube-proxy-periodic', delayMs: p.config.syncPeriodMs, event: { type: 'KubeProxySync', periodic: true } });
}

function sync(p: KubeProxyState, nowMs: number, out: Output): void {
  armPeriodic(p, out);
  const change = syncTable(p.tracker, p.services.store, p.slices.store, p.node);
  if (change.kind === 'rebuilt') {
    p.table = p.tracker.table;
    p.index = indexTable(p.table);
  } else if (change.kind === 'replaced') {
    for (const [previous, next] of change.replaced) replaceIndexed(p.index, previous, next);
  }
  p.lastSyncMs = nowMs;
  p.syncs++;
  out.traces.push({ kind: 'k8s.proxy', fields: { node: p.node, mode: p.mode, servicePorts: p.table.length, endpoints: p.tracker.endpoints } });
  forgetStale(p, nowMs);
}

// ---------------------------------------------------------------------------------------------
// Traffic
// ---------------------------------------------------------------------------------------------

const refuse = (req: TrafficRequest, reason: string, out: Output, extra: Partial<TrafficResponse> = {}): void => {
  out.sends.push({ to: req.replyTo, msg: { type: 'TrafficResponse', id: req.id, outcome: 'refused', reason, ...extra } satisfies TrafficResponse });
};

const backendRef = (b: Backend): BackendRef => ({ ip: b.ip, port: b.port, ...(b.nodeName ? { node: b.nodeName } : {}), ...(b.pod ? { pod: b.pod } : {}) });

function onTrafficRequest(p: KubeProxyState, req: TrafficRequest, nowMs: number, out: Output): void {
  const fromInsideCluster = p.addresses.isClusterSource(req.sourceIp);
  const decision = route(p.index, p.router, req.dst, req.sourceIp, { mode: p.mode, ipvsScheduler: p.config.ipvsScheduler, nodeIp: p.nodeIp, fromInsideCluster, nowMs, random: p.random });
  switch (decision.kind) {
    case 'direct': {
      const to = p.addresses.route(req.dst.ip);
      if (to && !(to.kind === 'node' && to.node === p.node)) out.sends.push({ to: to.host, msg: req });
      return;
    }
    case 'reject':
      refuse(req, decision.reason, out);
      return;
    case 'drop':
      return;
    case 'forward': {
      if (p.conntrack.size >= CONNTRACK_MAX) forgetOldest(p, nowMs);
      const [first, ...rest] = decision.backends;
      const sourceIp = decision.masquerade || p.mode === 'userspace' ? p.nodeIp : req.sourceIp;
      const conn: Connection = { request: req, entryId: decision.entry.id, dialOrder: rest, attempt: 1, backend: first!, openedAtMs: nowMs, accepted: false, sourceIp };
      p.conntrack.set(req.id, conn);
      dial(p, conn, out);
      return;
    }
  }
}

/** Sends the connection to its current backend's node, this proxy as the return path. */
function dial(p: KubeProxyState, conn: Connection, out: Output): void {
  const b = conn.backend;
  const key = backendKey(b);
  p.router.activeConnections.set(key, (p.router.activeConnections.get(key) ?? 0) + 1);
  const forwarded: TrafficRequest = { ...conn.request, sourceIp: conn.sourceIp, dst: { ...conn.request.dst, ip: b.ip, port: b.port }, replyTo: kubeProxyHost(p.node), ...(p.mode === 'userspace' ? { handshake: true } : {}) };
  const to = p.addresses.route(b.ip);
  if (to) out.sends.push({ to: to.host, msg: forwarded });
  if (p.mode === 'userspace') {
    const timeoutMs = USERSPACE_DIAL_TIMEOUTS_MS[Math.min(conn.attempt, USERSPACE_DIAL_TIMEOUTS_MS.length) - 1]!;
    out.timers.push({ id: `dial:${conn.request.id}`, delayMs: timeoutMs, event: { type: 'KubeProxyDialTimeout', id: conn.request.id, attempt: conn.attempt } });
  }
}


/** The connection is no longer open; in ipvs it lingers as an inactive one (what lc weighs). */
function release(p: KubeProxyState, conn: Connection, nowMs: number): void {
  const key = backendKey(conn.backend);
  const n = (p.router.activeConnections.get(key) ?? 1) - 1;
  if (n > 0) p.router.activeConnections.set(key, n);
  else p.router.activeConnections.delete(key);
  if (p.mode === 'ipvs') recordClosedConnection(p.router, key, nowMs);
}

/** Userspace: the dial failed (refused or timed out): the next backend, up to four attempts, else the client's connection is closed. */
function redial(p: KubeProxyState, conn: Connection, reason: string, nowMs: number, out: Output): void {
  release(p, conn, nowMs);
  forgetAffinity(p.router, conn.entryId, conn.request.sourceIp, nowMs);
  const next = conn.dialOrder.shift();
  if (next === undefined || conn.attempt >= USERSPACE_DIAL_TIMEOUTS_MS.length) {
    p.conntrack.delete(conn.request.id);
    refuse(conn.request, `failed to connect to an endpoint (${reason})`, out, { backend: backendRef(conn.backend), attempts: conn.attempt });
    return;
  }
  conn.attempt++;
  conn.backend = next;
  dial(p, conn, out);
}

function onTrafficResponse(p: KubeProxyState, res: TrafficResponse, nowMs: number, out: Output): void {
  const conn = p.conntrack.get(res.id);
  if (!conn) return;
  if (res.outcome === 'accepted') {
    conn.accepted = true;
    out.cancels.push(`dial:${res.id}`);
    return;
  }
  if (p.mode === 'userspace' && res.outcome === 'refused' && !conn.accepted) {
    out.cancels.push(`dial:${res.id}`);
    redial(p, conn, res.reason ?? 'refused', nowMs, out);
    return;
  }
  release(p, conn, nowMs);
  p.conntrack.delete(res.id);
  const relayed: TrafficResponse = { ...res, backend: res.backend ?? backendRef(conn.backend), attempts: conn.attempt };
  out.sends.push({ to: conn.request.replyTo, msg: relayed });
}

function onDialTimeout(p: KubeProxyState, id: string, attempt: number, nowMs: number, out: Output): void {
  const conn = p.conntrack.get(id);
  if (!conn || conn.accepted || conn.attempt !== attempt) return;
  redial(p, conn, 'dial timeout', nowMs, out);
}

/** healthz: up once the rules are programmed; a healthCheckNodePort: healthy while this node has a local endpoint (pkg/proxy/healthcheck). */
function onHealthProbe(p: KubeProxyState, probe: HealthProbe, out: Output): void {
  let healthy: boolean;
  let localEndpoints = 0;
  if (probe.port === KUBE_PROXY_HEALTHZ_PORT) healthy = p.syncs > 0;
  else {
    const entries = p.table.filter((e) => e.healthCheckNodePort === probe.port);
    if (entries.length === 0) return; // nothing listens there: the probe times out
    localEndpoints = Math.max(...entries.map((e) => e.localBackends.length));
    healthy = localEndpoints > 0;
  }
  const result: HealthProbeResult = { type: 'HealthProbeResult', node: p.node, port: probe.port, seq: probe.seq, healthy, localEndpoints };
  out.sends.push({ to: probe.replyTo, msg: result });
}

function forgetOldest(p: KubeProxyState, nowMs: number): void {
  const oldest = p.conntrack.keys().next();
  if (oldest.done) return;
  const conn = p.conntrack.get(oldest.value)!;
  release(p, conn, nowMs);
  p.conntrack.delete(oldest.value);
}

/** Connections never answered (the backend's node died with them) stop counting as open. */
function forgetStale(p: KubeProxyState, nowMs: number): void {
  for (const [id, conn] of p.conntrack) {
    if (nowMs - conn.openedAtMs < CONNTRACK_FORGET_MS) break;
    release(p, conn, nowMs);
    p.conntrack.delete(id);
  }
}

function noteDeltas(p: KubeProxyState, inf: InformerState, deltas: readonly Delta[]): void {
  if (deltas.length === 0) return;
  if (inf === p.services) noteServiceDeltas(p.tracker, deltas);
  else noteSliceDeltas(p.tracker, deltas);
}

function onResult(p: KubeProxyState, r: ApiResult, nowMs: number, out: Output): void {
  for (const inf of [p.services, p.slices]) {
    if (!ownsTag(inf, r.tag)) continue;
    const deltas = informerResult(inf, r, p.client, out, nowMs);
    noteDeltas(p, inf, deltas);
    if (deltas.length > 0 || inf.synced) requestSync(p, nowMs, out);
  }
}

function onWatch(p: KubeProxyState, d: WatchDelivery, nowMs: number, out: Output): void {
  for (const inf of [p.services, p.slices]) {
    if (!ownsTag(inf, d.tag)) continue;
    const deltas = informerWatch(inf, d, p.client, out, nowMs);
    noteDeltas(p, inf, deltas);
    if (deltas.length > 0) requestSync(p, nowMs, out);
  }
}

const API_HANDLERS: ApiEventHandlers<KubeProxyState> = { onResult, onWatch };

export const kubeProxyCore: ComponentCore<KubeProxyState, KubeProxyInput, 'syncing' | 'programmed'> = {
  id: 'kube-proxy',
  phases: ['syncing', 'programmed'],
  boot: { event: { type: 'KubeProxyStart' }, id: 'kube-proxy-start' },
  phase: (p) => (p.syncs > 0 ? 'programmed' : 'syncing'),
  step(p, input, now) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(p, p.client, input, now, out, API_HANDLERS);
      return out;
    }
    if (isTrafficRequest(input)) {
      onTrafficRequest(p, input, now, out);
      return out;
    }
    if (isTrafficResponse(input)) {
      onTrafficResponse(p, input, now, out);
      return out;
    }
    switch (input.type) {
      case 'KubeProxyStart':
        startInformer(p.services, p.client, out, now);
        startInformer(p.slices, p.client, out, now);
        armPeriodic(p, out);
        break;
      case 'InformerRetry':
        informerRetry(input.informer === 'services' ? p.services : p.slices, input.what, p.client, out, now);
        break;
      case 'KubeProxySync':
        if (!input.periodic) p.syncArmed = false;
        if (p.services.synced && p.slices.synced) sync(p, now, out);
        else if (input.periodic) armPeriodic(p, out);
        break;
      case 'KubeProxyDialTimeout':
        onDialTimeout(p, input.id, input.attempt, now, out);
        break;
      case 'HealthProbe':
        onHealthProbe(p, input, out);
        break;
    }
    return out;
  },
};

export const kubeProxyMachine = coreMachine(kubeProxyCore);

export function startKubeProxy(env: HostEnv<null>, node: string, config: KubeProxyConfig, api: Omit<ApiClientConfig, 'name'>, addresses: AddressPlan) {
  const rng = env.rng.fork(`kube-proxy#${env.incarnation}`);
  return startCore(kubeProxyMachine, env, newKubeProxy(node, config, newApiClient({ ...api, name: env.name }), addresses, () => rng.float()));
}
