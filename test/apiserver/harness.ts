/**
 * A small cluster for kube-apiserver integration tests: 3 etcd members, one or more apiservers
 * (optionally behind the VIP) and test client hosts that speak the API through
 * actors/client/api-client.ts and record everything they receive, with its virtual time.
 *
 * A test sends a request at the current virtual time (`client.send`), runs the simulation
 * (`h.runFor`, `h.until`), then reads what came back (`client.result(reqId)`, `client.watch(reqId)`).
 * `h.call` does both for a plain request.
 */
import type { TokenEntry } from '../../actors/api/auth/authenticate.ts';
import { isStatus } from '../../actors/api/errors.ts';
import type { ApiConnectionPing, ApiRequest, ApiStatus, ApiWatchEvent, KubeObject } from '../../actors/api/protocol.ts';
import { DEFAULT_APISERVER_CONFIG, type ApiServerConfig, type ApiServerCore } from '../../actors/apiserver/apiserver-core.ts';
import { startApiServer, type ApiServerHostState } from '../../actors/apiserver/apiserver.ts';
import { defaultMachinery } from '../../actors/apiserver/default-machinery.ts';
import { startVip } from '../../actors/apiserver/vip.ts';
import type { VipState } from '../../actors/apiserver/vip-core.ts';
import { routeApiEvent, type ApiClientEvent } from '../../actors/client/api-events.ts';
import {
  cancelWatch,
  newApiClient,
  request,
  type ApiClientState,
  type ApiResult,
  type RequestSpec,
  type WatchDelivery,
} from '../../actors/client/api-client.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type InformerConfig, type InformerState } from '../../actors/client/informer.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';
import { coreMachine, coreStateOf, startCore, type ComponentCore } from '../../actors/kernel/core-actor.ts';
import { addEtcdGroup, DEFAULT_ETCD_GROUP, memberStateOf } from '../../actors/etcd/member.ts';
import type { MvccStore } from '../../actors/etcd/mvcc.ts';
import type { EtcdDisk } from '../../actors/etcd/server.ts';
import type { NetworkOptions } from '../../actors/kernel/network.ts';
import { Simulation, type HostEnv } from '../../actors/kernel/simulation.ts';

export const ADMIN_TOKEN = 'admin-token';
export const ETCD_MEMBERS = ['etcd-0', 'etcd-1', 'etcd-2'] as const;
export const VIP = 'kube-apiserver';
/** etcd's defaults as the scenario loader sets them: heartbeat 100 ms, election 1 s, requests 5 s + 2 × election. */
export const ETCD_HEARTBEAT_MS = 100;
export const ETCD_ELECTION_MS = 1_000;
export const ETCD_REQUEST_TIMEOUT_MS = 7_000;

export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export function apiserverName(i: number): string {
  return `kube-apiserver-${i}`;
}

export type ApiServerOverrides = Partial<Omit<ApiServerConfig, 'name' | 'machinery'>>;

export interface ClientOptions {
  name: string;
  /** Where requests go; the VIP when there is one, else the first apiserver. */
  server?: string;
  requestTimeoutMs?: number;
  readIdleTimeoutMs?: number;
  token?: string;
}

export interface HarnessOptions {
  seed?: string;
  apiservers?: number;
  vip?: boolean;
  /** Overrides of DEFAULT_APISERVER_CONFIG for every apiserver. */
  config?: ApiServerOverrides;
  /** Per-apiserver overrides, on top of `config`. */
  configFor?: (index: number) => ApiServerOverrides;
  etcdRequestTimeoutMs?: number;
  network?: Partial<NetworkOptions>;
  /** Test clients; default one named `tester`. */
  clients?: readonly (string | ClientOptions)[];
  maxEvents?: number;
}

// ---------------------------------------------------------------------------------------------
// The test client

export interface WatchLog {
  reqId: number;
  tag: string;
  sentAtMs: number;
  request: ApiRequest;
  events: { atMs: number; event: ApiWatchEvent }[];
  /** How the stream ended, if it did. */
  ended: false | 'closed' | 'broken';
  endedAtMs?: number;
  /** The watch was answered with a plain response instead of a stream (401, 403, 503...). */
  response?: ApiResult & { atMs: number };
}

export interface TimedResult extends ApiResult {
  atMs: number;
  sentAtMs: number;
}

/** A watch the client keeps alive: when a stream ends it re-watches from the last resourceVersion it saw. */
export interface FollowedWatch {
  name: string;
  spec: RequestSpec;
  resourceVersion: string;
  rewatchDelayMs: number;
  reqIds: number[];
  /** Every ADDED/MODIFIED/DELETED/BOOKMARK event, in arrival order. */
  events: { atMs: number; reqId: number; event: ApiWatchEvent }[];
  /** ERROR events and watches refused with a plain response. */
  errors: { atMs: number; reqId: number; status: ApiStatus | KubeObject; code: number }[];
  stopped: boolean;
}

type TestClientEvent =
  | { type: 'TestRequest'; spec: RequestSpec; tag: string }
  | { type: 'TestCancelWatch'; reqId: number }
  | { type: 'TestStartInformer'; config: InformerConfig }
  | { type: 'TestFollow'; name: string }
  | { type: 'TestRewatch'; name: string }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' };

export class TestClient {
  api: ApiClientState;
  /** Every API message this client received (responses, watch messages, resets), with its time. */
  readonly received: { atMs: number; msg: { type: string; reqId?: number; from?: string; incarnation?: number } }[] = [];
  /** Every HTTP/2 health-check PING it sent, with its time. */
  readonly pings: { atMs: number; msg: ApiConnectionPing }[] = [];
  /** Every API request it sent (its own and its informers'), with its time. */
  readonly sent: { atMs: number; req: ApiRequest }[] = [];
  readonly results = new Map<number, TimedResult>();
  readonly watches = new Map<number, WatchLog>();
  readonly informers = new Map<string, InformerState>();
  readonly follows = new Map<string, FollowedWatch>();
  lastReqId = 0;
  private sim: Simulation | null = null;

  constructor(readonly options: Required<Omit<ClientOptions, 'token'>> & { token: string }) {
    this.api = this.newApi();
  }

  get name(): string {
    return this.options.name;
  }

  newApi(): ApiClientState {
    const o = this.options;
    return newApiClient({ name: o.name, token: o.token, server: o.server, requestTimeoutMs: o.requestTimeoutMs, readIdleTimeoutMs: o.readIdleTimeoutMs });
  }

  attach(sim: Simulation): void {
    this.sim = sim;
  }

  private inject(event: TestClientEvent): void {
    if (!this.sim?.inject(this.name, event)) throw new Error(`test client ${this.name} is down`);
  }

  /** Sends a request now; returns its reqId. */
  send(spec: RequestSpec, tag = 'req'): number {
    this.inject({ type: 'TestRequest', spec, tag });
    return this.lastReqId;
  }

  /** Opens a watch now; its stream is recorded in `watches`. */
  watchFrom(spec: Omit<RequestSpec, 'verb'>, tag = 'watch'): number {
    return this.send({ ...spec, verb: 'watch' }, tag);
  }

  cancel(reqId: number): void {
    this.inject({ type: 'TestCancelWatch', reqId });
  }

  startInformer(config: InformerConfig): InformerState {
    this.inject({ type: 'TestStartInformer', config });
    return this.informers.get(config.name)!;
  }

  /** Watches `spec` from `resourceVersion`, re-watching from the last one seen whenever a stream ends. */
  follow(name: string, spec: Omit<RequestSpec, 'verb'>, resourceVersion: string, rewatchDelayMs = 100): FollowedWatch {
    const f: FollowedWatch = { name, spec: { ...spec, verb: 'watch' }, resourceVersion, rewatchDelayMs, reqIds: [], events: [], errors: [], stopped: false };
    this.follows.set(name, f);
    this.inject({ type: 'TestFollow', name });
    return f;
  }

  result(reqId: number): TimedResult | undefined {
    return this.results.get(reqId);
  }

  watch(reqId: number): WatchLog {
    const w = this.watches.get(reqId);
    if (!w) throw new Error(`no watch ${reqId} on ${this.name}`);
    return w;
  }

  // -------------------------------------------------------------------------------------------
  // Event handling (inside the actor)

  handle(event: TestClientEvent, now: number): Output {
    const out = newOutput();
    switch (event.type) {
      case 'TestRequest':
        this.lastReqId = request(this.api, event.spec, event.tag, out, now);
        break;
      case 'TestCancelWatch':
        cancelWatch(this.api, event.reqId, out);
        break;
      case 'TestStartInformer': {
        const inf = newInformer(event.config);
        this.informers.set(event.config.name, inf);
        startInformer(inf, this.api, out, now);
        break;
      }
      case 'TestFollow':
      case 'TestRewatch': {
        const f = this.follows.get(event.name);
        if (f && !f.stopped) f.reqIds.push(request(this.api, { ...f.spec, options: { ...(f.spec.options ?? {}), resourceVersion: f.resourceVersion } }, `follow:${f.name}`, out, now));
        break;
      }
      case 'ApiRequestDeadline':
      case 'ApiConnectionCheck':
        routeApiEvent(this, this.api, event, now, out, { onResult: (_c, r, n, o) => this.onResult(r, n, o), onWatch: (_c, d, n, o) => this.onDelivery(d, n, o) });
        break;
      case 'ApiResponse':
      case 'ApiWatch':
      case 'ApiConnectionRefused':
      case 'ApiWatchBroken':
      case 'ApiConnectionPong':
      case 'ApiConnectionReset':
        this.received.push({ atMs: now, msg: event });
        routeApiEvent(this, this.api, event, now, out, { onResult: (_c, r, n, o) => this.onResult(r, n, o), onWatch: (_c, d, n, o) => this.onDelivery(d, n, o) });
        break;
      case 'InformerRetry': {
        const inf = this.informers.get(event.informer);
        if (inf) informerRetry(inf, event.what, this.api, out, now);
        break;
      }
    }
    for (const s of out.sends) {
      if (s.msg.type === 'ApiConnectionPing') this.pings.push({ atMs: now, msg: s.msg as ApiConnectionPing });
      const msg = s.msg as ApiRequest;
      if (msg.type !== 'ApiRequest') continue;
      this.sent.push({ atMs: now, req: msg });
      if (msg.verb === 'watch') {
        const tag = this.api.watches.get(msg.reqId)?.tag ?? '';
        this.watches.set(msg.reqId, { reqId: msg.reqId, tag, sentAtMs: now, request: msg, events: [], ended: false });
      }
    }
    return out;
  }

  private sentAt(reqId: number): number {
    for (let i = this.sent.length - 1; i >= 0; i--) if (this.sent[i]!.req.reqId === reqId) return this.sent[i]!.atMs;
    return -1;
  }

  private onResult(r: ApiResult, now: number, out: Output): void {
    this.results.set(r.reqId, { ...r, atMs: now, sentAtMs: this.sentAt(r.reqId) });
    const w = this.watches.get(r.reqId);
    if (w) {
      w.response = { ...r, atMs: now };
      w.ended = 'closed';
      w.endedAtMs = now;
    }
    for (const inf of this.informers.values()) if (ownsTag(inf, r.tag)) informerResult(inf, r, this.api, out, now);
    const f = this.followOf(r.tag);
    if (f) {
      f.errors.push({ atMs: now, reqId: r.reqId, status: r.body, code: r.code });
      this.rewatchLater(f, out);
    }
  }

  private onDelivery(d: WatchDelivery, now: number, out: Output): void {
    const w = this.watches.get(d.reqId);
    if (w) {
      for (const event of d.events) w.events.push({ atMs: now, event });
      if (d.ended) {
        w.ended = d.ended;
        w.endedAtMs = now;
      }
    }
    for (const inf of this.informers.values()) if (ownsTag(inf, d.tag)) informerWatch(inf, d, this.api, out, now);
    const f = this.followOf(d.tag);
    if (f) {
      for (const event of d.events) {
        if (event.type === 'ERROR') {
          f.errors.push({ atMs: now, reqId: d.reqId, status: event.object, code: isStatus(event.object) ? event.object.code : 0 });
          continue;
        }
        f.events.push({ atMs: now, reqId: d.reqId, event });
        const rv = (event.object as KubeObject).metadata?.resourceVersion;
        if (rv) f.resourceVersion = rv;
      }
      if (d.ended) this.rewatchLater(f, out);
    }
  }

  private followOf(tag: string): FollowedWatch | undefined {
    return tag.startsWith('follow:') ? this.follows.get(tag.slice('follow:'.length)) : undefined;
  }

  private rewatchLater(f: FollowedWatch, out: Output): void {
    if (f.stopped) return;
    out.timers.push({ id: `test-rewatch-${f.name}-${f.reqIds.length}`, delayMs: f.rewatchDelayMs, event: { type: 'TestRewatch', name: f.name } });
  }
}

/** The test's API client as a component core, run by the same adapter as every component. */
const testClientCore: ComponentCore<TestClient, TestClientEvent, 'ready'> = {
  id: 'test-client',
  phases: ['ready'],
  phase: () => 'ready',
  step: (client, event, now) => client.handle(event, now),
};
const testClientMachine = coreMachine(testClientCore);

function startTestClient(env: HostEnv<null>, client: TestClient) {
  // A restart loses the connection state (pending requests, streams), as a process restart does.
  if (env.incarnation > 1) client.api = client.newApi();
  return startCore(testClientMachine, env, client);
}

// ---------------------------------------------------------------------------------------------
// The cluster

export class Harness {
  readonly sim: Simulation;
  readonly apiservers: string[];
  readonly clients = new Map<string, TestClient>();
  readonly tokens = new Map<string, TokenEntry>([[ADMIN_TOKEN, { name: 'admin', groups: ['system:masters'] }]]);
  readonly hasVip: boolean;

  constructor(options: HarnessOptions = {}) {
    this.sim = new Simulation({ seed: options.seed ?? 'apiserver-test', maxEvents: options.maxEvents ?? 20_000_000, network: options.network ?? {} });
    const members = [...ETCD_MEMBERS];
    addEtcdGroup(this.sim, members, { ...DEFAULT_ETCD_GROUP, heartbeatIntervalMs: ETCD_HEARTBEAT_MS, electionTimeoutMs: ETCD_ELECTION_MS });
    const machinery = defaultMachinery(this.tokens);
    this.apiservers = Array.from({ length: options.apiservers ?? 1 }, (_, i) => apiserverName(i));
    this.apiservers.forEach((name, i) => {
      const config = { ...DEFAULT_APISERVER_CONFIG, ...(options.config ?? {}), ...(options.configFor?.(i) ?? {}), machinery };
      this.sim.addHost({
        name,
        disk: null,
        create: (env) => startApiServer(env, { config, etcdEndpoints: members, etcdRequestTimeoutMs: options.etcdRequestTimeoutMs ?? ETCD_REQUEST_TIMEOUT_MS }),
      });
    });
    this.hasVip = options.vip ?? false;
    if (this.hasVip) this.sim.addHost({ name: VIP, disk: null, create: (env) => startVip(env, this.apiservers) });
    for (const c of options.clients ?? ['tester']) {
      const o = typeof c === 'string' ? { name: c } : c;
      const client = new TestClient({
        name: o.name,
        server: o.server ?? (this.hasVip ? VIP : this.apiservers[0]!),
        requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
        readIdleTimeoutMs: o.readIdleTimeoutMs ?? 90_000,
        token: o.token ?? ADMIN_TOKEN,
      });
      client.attach(this.sim);
      this.clients.set(o.name, client);
      this.sim.addHost({ name: o.name, disk: null, create: (env) => startTestClient(env, client) });
    }
  }

  get now(): number {
    return this.sim.now();
  }

  client(name = 'tester'): TestClient {
    const c = this.clients.get(name);
    if (!c) throw new Error(`no test client ${name}`);
    return c;
  }

  runUntil(atMs: number): void {
    const status = this.sim.runUntil(atMs);
    if (status !== 'done') throw new Error(`simulation ${status}: ${this.sim.stoppedBecause ?? ''}`);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Runs in small steps until `done()` holds or `maxMs` of virtual time passed; returns whether it holds. */
  until(done: () => boolean, maxMs: number, stepMs = 5): boolean {
    const deadline = this.now + maxMs;
    while (!done()) {
      if (this.now >= deadline) return false;
      this.runUntil(Math.min(deadline, this.now + stepMs));
    }
    return true;
  }

  /** Schedules `fn` at virtual time `atMs` (inside the event loop). */
  at(atMs: number, fn: () => void): void {
    this.sim.clock.at(atMs, fn);
  }

  /** The core of a running apiserver (observation only). */
  core(name = this.apiservers[0]!): ApiServerCore {
    const actor = this.sim.actorOf(name);
    if (!actor) throw new Error(`${name} is not running`);
    return coreStateOf<ApiServerHostState>(actor)!.core;
  }

  isReady(name: string): boolean {
    return this.sim.isAlive(name) && this.core(name).isReady;
  }

  /**
   * Runs until every named apiserver (all by default) is ready (its core's `isReady`, i.e. /readyz)
   * and, unless `settle` is false, its watch caches hold the bootstrap objects (default namespaces
   * and service accounts). `isReady` alone can come before the caches saw the bootstrap writes
   * (see bootstrap.test.ts), and admission reads the caches.
   */
  waitReady(names: readonly string[] = this.apiservers, maxMs = 20_000, settle = true): void {
    const ok = (n: string): boolean => this.isReady(n) && (!settle || this.bootstrapVisible(n));
    if (!this.until(() => names.every(ok), maxMs, 20)) throw new Error(`apiservers not ready after ${maxMs} ms: ${names.filter((n) => !ok(n)).join(', ')}`);
  }

  /** The bootstrap namespaces and service accounts are in the apiserver's watch caches. */
  bootstrapVisible(name: string): boolean {
    const lookup = this.core(name).lookup;
    return BOOTSTRAP_NAMESPACES.every((ns) => lookup.get('namespaces', undefined, ns) !== undefined && lookup.get('serviceaccounts', ns, 'default') !== undefined);
  }

  /** The apiserver the VIP routes a client's watch to (observation only). */
  vipBackendOf(client: string, reqId: number): string | undefined {
    const actor = this.sim.actorOf(VIP);
    if (!actor) return undefined;
    return coreStateOf<VipState>(actor)!.watchRoutes.get(`${client}#${reqId}`);
  }

  etcdLeader(): string | null {
    let best: string | null = null;
    let bestTerm = -1;
    for (const name of ETCD_MEMBERS) {
      if (!this.sim.isAlive(name)) continue;
      const s = memberStateOf(this.sim.actorOf(name));
      if (s && s.raft.role === 'leader' && s.raft.storage.term > bestTerm) {
        best = name;
        bestTerm = s.raft.storage.term;
      }
    }
    return best;
  }

  /** The etcd leader's MVCC store, read from its disk. */
  leaderStore(): MvccStore {
    const leader = this.etcdLeader();
    if (!leader) throw new Error('no etcd leader');
    return this.sim.diskOf<EtcdDisk>(leader)!.store;
  }

  /** Sends a request now and runs until its answer arrives (or `maxWaitMs` passes). */
  call(spec: RequestSpec, options: { client?: string; maxWaitMs?: number } = {}): TimedResult {
    const c = this.client(options.client);
    const reqId = c.send(spec);
    const maxWaitMs = options.maxWaitMs ?? 10_000;
    if (!this.until(() => c.results.has(reqId), maxWaitMs, 2)) throw new Error(`no answer to ${spec.verb} ${spec.resource}/${spec.name ?? ''} within ${maxWaitMs} ms`);
    return c.results.get(reqId)!;
  }
}

// ---------------------------------------------------------------------------------------------
// Objects and request specs

export function lease(name: string, holder = 'holder-a', namespace = 'default'): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { holderIdentity: holder, leaseDurationSeconds: 15 } };
}

export function pod(name: string, options: { nodeName?: string; namespace?: string; labels?: Record<string, string>; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', ...(options.labels ? { labels: options.labels } : {}) },
    spec: { containers: [{ name: 'app', image: options.image ?? 'registry.k8s.io/pause:3.10' }], ...(options.nodeName ? { nodeName: options.nodeName } : {}) },
  };
}

export const LEASES = { apiVersion: 'coordination.k8s.io/v1', resource: 'leases' } as const;
export const PODS = { apiVersion: 'v1', resource: 'pods' } as const;

export function rvOf(body: unknown): string {
  const rv = (body as KubeObject).metadata?.resourceVersion;
  if (rv === undefined) throw new Error(`no resourceVersion in ${JSON.stringify(body)}`);
  return rv;
}

export function statusOf(body: unknown): ApiStatus {
  if (!isStatus(body)) throw new Error(`not a Status: ${JSON.stringify(body)}`);
  return body;
}

export function show(r: { code: number; body: unknown }): string {
  return `${r.code} ${JSON.stringify(r.body).slice(0, 400)}`;
}
