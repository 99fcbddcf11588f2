import { alreadyExists, badRequest, conflict, forbidden, gone, invalid, isStatus, notFound, serviceUnavailable, success, timeout, unauthorized, unknownError } from '../api/errors.ts';
import type { ApiConnectionPing, ApiConnectionPong, ApiConnectionReset, ApiRequest, ApiResponse, ApiStatus, ApiWatchEvent, ApiWatchMessage, KubeObject } from '../api/protocol.ts';
import { goQuote } from '../api/field-errors.ts';
import { mergePatch, type JsonValue } from '../api/merge-patch.ts';
import { decodeErrorMessage } from '../api/validation/decode.ts';
import { nextGeneration, prepareForUpdate } from '../api/defaults.ts';
import { timestamp } from '../api/time.ts';
import { toMilli, toUnits } from '../api/quantity.ts';
import type { V1Pod } from '@kubernetes/client-node';
// resourcehelper.PodRequests, the kubelet's admission arithmetic: one source for a pod's requests.
import { podRequests } from '../api/pod-requests.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import { addDeadline, newDeadlineQueue, nextDeadline, takeDue } from '../client/deadline-queue.ts';
import { ERR_COMPACTED, type KeyValue, type WatchEvent } from '../etcd/mvcc.ts';
import type { Rng } from '../kernel/rng.ts';
import { isFailure, type EtcdFailure, type EtcdPort } from './etcd-port.ts';
import type { ApiMachinery, Lookup, ResourceInfo, UserInfo } from './machinery.ts';
import { WatchCache, type CacheEvent } from './watch-cache.ts';
import { EventTtl } from './event-ttl.ts';
import { isPodReady } from '../api/pod-ready.ts';
import { endpointWriteFields } from './write-trace.ts';
import { ENDPOINT_INTERVAL_MS, kubernetesEndpoints, kubernetesEndpointSlice, liveMasterAddresses, MASTER_LEASE_PREFIX, masterLeaseKey, masterLeaseValue, sameEndpoints } from './endpoint-reconciler.ts';
import { allocateService, allocationKeys, dropTypeDependentFields, type Allocation, CLUSTER_IP_KEY_PREFIX, DEFAULT_SERVICE_ALLOCATION, indexedIp, NODE_PORT_KEY_PREFIX, parseCidr, type ServiceAllocationConfig, type TakenAddresses } from './service-allocation.ts';
import { budgetsForPod, canIgnoreBudget, checkAndDecrement, EVICTION_RETRIES, MORE_THAN_ONE_BUDGET, unreadyPodNeedsNoBudget, type BudgetLike } from './eviction.ts';

/**
 * kube-apiserver's request pipeline and storage layer as a deterministic core: authentication,
 * authorization, defaulting, admission, validation, optimistic concurrency on etcd through
 * compare-and-swap transactions (resourceVersion = etcd mod revision), and a watch cache per
 * resource fed by one etcd watch, from which lists and client watches are served.
 */

export interface ApiServerConfig {
  name: string;
  machinery: ApiMachinery;
  /** The apiserver compacts etcd this often (--etcd-compaction-interval, 5 m). */
  compactionIntervalMs: number;
  /** A BOOKMARK to watchers that asked for them, this often (1 m). */
  bookmarkIntervalMs: number;
  /** A request not answered by then gets 504 (60 s). */
  requestTimeoutMs: number;
  /** How long `list` with a resourceVersion waits for the cache to catch up before 504 (3 s). */
  cacheWaitMs: number;
  /** Watches are closed after a random time in [min, 2·min) (the client then re-watches). */
  watchTimeoutMinMs: number;
  /** --service-cluster-ip-range and --service-node-port-range. */
  serviceAllocation: ServiceAllocationConfig;
  /** --advertise-address: this apiserver's address in the `kubernetes` Service's endpoints (none: not advertised). */
  advertiseAddress?: string;
  /** --event-ttl: Events are deleted this long after their last write (1 h when absent; event-ttl.ts). */
  eventTtlMs?: number;
  /** A deliberately broken apiserver, for the fuzzer's own tests (never set from a scenario file). */
  variant?: ApiServerVariant;
  /**
   * This process's run of its host (ApiServerIncarnation; 0 when absent): sent with every response
   * and stream frame, so clients know which process a connection is to, and compared with a PING's.
   */
  incarnation?: number;
}

/**
 * Deliberately broken behaviours the fuzzer's tests build to show its Kubernetes safety property
 * catches them (test/fuzz/kubernetes-variants.test.ts). Programmatic only: no scenario field
 * reaches them, and the default (absent) is the real behaviour.
 */
export interface ApiServerVariant {
  /** An update's client-given resourceVersion is not compared with the stored one: a stale update wins (a lost update). */
  skipResourceVersionPrecondition?: boolean;
  /**
   * A list with resourceVersion N is served from the watch cache at once, however far behind N it
   * is (as resourceVersion "0" is): a relist can go back in time (kubernetes#59848).
   */
  listIgnoresMinimumResourceVersion?: boolean;
}

export const DEFAULT_APISERVER_CONFIG = {
  compactionIntervalMs: 300_000,
  bookmarkIntervalMs: 60_000,
  requestTimeoutMs: 60_000,
  cacheWaitMs: 3_000,
  watchTimeoutMinMs: 300_000,
  serviceAllocation: DEFAULT_SERVICE_ALLOCATION,
};

interface Cacher {
  info: ResourceInfo;
  cache: WatchCache;
  etcdWatch: number | null;
  listing: boolean;
}

interface ClientWatch {
  client: string;
  reqId: number;
  info: ResourceInfo;
  apiVersion: string;
  namespace?: string;
  matches: (obj: KubeObject) => boolean;
  nodeName?: string;
  /** `metadata.name=<name>` alone: the watch is indexed by that name (the cacher's NameTriggerFunc for nodes). */
  objectName?: string;
  /** Registration order: fan-out visits watchers in it, whichever index holds them. */
  order: number;
  bookmarks: boolean;
  seq: number;
  /** Changes at or below this revision are not sent (the client has them: it watched from here). */
  startRevision: number;
}

interface ParkedList {
  req: ApiRequest;
  info: ResourceInfo;
  minRevision: number;
  deadlineMs: number;
}

const MAX_CLIENT_WATCHES = 100_000;
const MAX_PARKED_LISTS = 10_000;
const UPDATE_RETRIES = 5;

export class ApiServerCore {
  private out: Output = newOutput();
  readonly caches = new Map<string, Cacher>();
  private readonly watchers = new Map<string, ClientWatch>();
  /** config.incarnation: the run of this process that clients' connections are to. */
  private readonly incarnation: number;
  private readonly watchersByResource = new Map<string, Set<ClientWatch>>();
  private readonly podWatchersByNode = new Map<string, Set<ClientWatch>>();
  /** Per resource, per name: watchers pinned to one object by `metadata.name=` (not in watchersByResource). */
  private readonly watchersByObjectName = new Map<string, Map<string, Set<ClientWatch>>>();
  private watcherCount = 0;
  private readonly parked: ParkedList[] = [];
  private ready = false;
  private started = false;
  private bootstrapped = false;
  private uidCounter = 0;
  private revisionAtLastCompactionTick = 0;
  private readonly eventTtl: EventTtl;
  readonly lookup: Lookup;

  constructor(
    readonly config: ApiServerConfig,
    private readonly etcd: EtcdPort,
    private readonly rng: Rng,
    private readonly now: () => number,
  ) {
    this.eventTtl = new EventTtl(config.eventTtlMs);
    this.incarnation = config.incarnation ?? 0;
    for (const info of config.machinery.allResources()) {
      const nodeNameOf = info.resource === 'pods' ? (o: KubeObject) => (o.spec as { nodeName?: string } | undefined)?.nodeName : null;
      this.caches.set(info.resource, { info, cache: new WatchCache(info.resource, nodeNameOf), etcdWatch: null, listing: false });
    }
    this.lookup = {
      get: (resource, namespace, name) => {
        const c = this.caches.get(resource);
        if (!c) return undefined;
        return c.cache.objects.get(this.config.machinery.etcdKey(c.info, namespace, name))?.object;
      },
      list: (resource, namespace) => {
        const c = this.caches.get(resource);
        if (!c) return [];
        const out: KubeObject[] = [];
        for (const item of c.cache.objects.values()) {
          if (namespace === undefined || item.object.metadata?.namespace === namespace) out.push(resource === 'resourcequotas' ? this.quotaWithCharges(item.object) : item.object);
        }
        return out;
      },
    };
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The lifecycle a snapshot shows: starting (not yet listing), syncing its caches and hooks, ready. */
  get phase(): 'starting' | 'syncing' | 'ready' {
    if (this.ready) return 'ready';
    return this.started ? 'syncing' : 'starting';
  }

  /** Runs `fn` and returns everything it asked for, including what etcd callbacks add. */
  run(fn: () => void): Output {
    const previous = this.out;
    this.out = newOutput();
    try {
      fn();
      return this.out;
    } finally {
      this.out = previous;
    }
  }

  /** Output collected outside `run` (etcd adapter callbacks use the same sink). */
  get sink(): Output {
    return this.out;
  }

  start(): void {
    this.started = true;
    for (const c of this.caches.values()) this.relist(c);
    this.out.timers.push({ id: 'apiserver-compaction', delayMs: this.config.compactionIntervalMs, event: { type: 'ApiServerCompaction' } });
    this.out.timers.push({ id: 'apiserver-bookmarks', delayMs: this.config.bookmarkIntervalMs, event: { type: 'ApiServerBookmarks' } });
    if (this.config.advertiseAddress) this.out.timers.push({ id: 'apiserver-endpoints', delayMs: 0, event: { type: 'ApiServerEndpoints' } });
  }

  /**
   * The lease endpoint reconciler (endpoint-reconciler.ts): renew this apiserver's master lease,
   * read every live one, and write the `kubernetes` Endpoints and EndpointSlice when they differ.
   * Every 10 s; nothing until the apiserver is ready. A lost race is mended on the next tick.
   */
  onEndpointTick(): void {
    const ip = this.config.advertiseAddress;
    if (!ip) return;
    this.out.timers.push({ id: 'apiserver-endpoints', delayMs: this.ready ? ENDPOINT_INTERVAL_MS : 1_000, event: { type: 'ApiServerEndpoints' } });
    if (!this.ready) return;
    this.etcd.txn({ compare: [], success: [{ op: 'put', key: masterLeaseKey(ip), value: masterLeaseValue(this.now()) }], failure: [] }, (r) => {
      if (isFailure(r)) return;
      this.etcd.range(MASTER_LEASE_PREFIX, { prefix: true, consistency: 'linearizable' }, (leases) => {
        if (isFailure(leases)) return;
        const ips = liveMasterAddresses(leases.kvs, this.now());
        this.writeKubernetesEndpoints('endpoints', kubernetesEndpoints(ips));
        this.writeKubernetesEndpoints('endpointslices', kubernetesEndpointSlice(ips));
      });
    });
  }

  private writeKubernetesEndpoints(resource: string, want: KubeObject): void {
    const c = this.caches.get(resource);
    if (!c) return;
    const m = this.config.machinery;
    const key = m.etcdKey(c.info, 'default', 'kubernetes');
    const stored = c.cache.objects.get(key)?.object;
    if (sameEndpoints(stored, want)) return;
    if (!stored) {
      this.etcdCreate(c.info, 'default', 'kubernetes', m.prepareCreate(m.applyDefaults(want, c.info, c.info.storageVersion), c.info, this.defaultingContext()), () => undefined);
      return;
    }
    const { metadata: _meta, apiVersion: _v, kind: _k, ...fields } = want;
    void _meta;
    void _v;
    void _k;
    const base: KubeObject = { ...stored };
    delete base['subsets'];
    const next: KubeObject = { ...base, ...fields };
    this.etcd.txn({ compare: [{ key, target: 'mod', result: '=', value: Number(stored.metadata?.resourceVersion ?? 0) }], success: [{ op: 'put', key, value: encode(stripRv(next)) }], failure: [] }, () => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Watch caches (the cacher): list from etcd, then watch from the list's revision.

  private relist(c: Cacher): void {
    if (c.listing) return;
    c.listing = true;
    if (c.etcdWatch !== null) this.etcd.cancelWatch(c.etcdWatch);
    c.etcdWatch = null;
    const prefix = this.config.machinery.etcdPrefix(c.info);
    this.etcd.range(prefix, { prefix: true, consistency: 'linearizable' }, (r) => {
      c.listing = false;
      if (isFailure(r)) {
        this.out.timers.push({ id: `apiserver-relist-${c.info.resource}`, delayMs: 1_000, event: { type: 'ApiServerRelist', resource: c.info.resource } });
        return;
      }
      c.cache.reset(
        r.kvs.map((kv) => ({ key: kv.key, object: decode(kv), resourceVersion: kv.modRevision })),
        r.revision,
      );
      this.eventTtl.relisted(c.info.resource, r.kvs.map((kv) => ({ key: kv.key, revision: kv.modRevision })), this.now());
      c.etcdWatch = this.etcd.watch(
        prefix,
        r.revision + 1,
        (events) => this.onEtcdEvents(c, events),
        () => {
          // Compacted, or cancelled because etcd lost its leader: the cacher starts over, and
          // its watchers must re-list too.
          c.etcdWatch = null;
          c.cache.synced = false;
          this.endWatchers(c.info.resource);
          this.relist(c);
        },
        (revision) => {
          // etcd's progress notification: every change of this prefix up to `revision` has been
          // delivered, so the cache is at `revision` (what a consistent list waits for).
          if (revision > c.cache.revision) c.cache.revision = revision;
          this.serveParked();
        },
      );
      this.checkReady();
      this.serveParked();
    });
  }

  onRelistTimer(resource: string): void {
    const c = this.caches.get(resource);
    if (c && !c.cache.synced) this.relist(c);
  }

  /** Ready (/readyz) once every watch cache has synced and the post-start hooks have finished. */
  private checkReady(): void {
    const synced = [...this.caches.values()].every((c) => c.cache.synced);
    if (synced && !this.bootstrapped) {
      this.bootstrapped = true;
      this.bootstrap();
    }
    // The post-start hooks' writes must also be in the caches (admission and rv=0 reads use them).
    let caughtUp = true;
    for (const [resource, revision] of this.bootstrapRevisions) if ((this.caches.get(resource)?.cache.revision ?? 0) < revision) caughtUp = false;
    this.ready = synced && this.bootstrapPending === 0 && caughtUp;
  }

  private bootstrapPending = 0;
  /** Per resource, the revision of the last bootstrap object this apiserver wrote. */
  private readonly bootstrapRevisions = new Map<string, number>();

  /** Post-start hooks: default namespaces, bootstrap RBAC roles, system priority classes. */
  private bootstrap(): void {
    const m = this.config.machinery;
    for (const { info, object } of [...m.bootstrapObjects(), ...this.kubernetesService()]) {
      const ns = object.metadata?.namespace;
      const name = object.metadata?.name ?? '';
      if (this.lookup.get(info.resource, ns, name)) continue;
      const prepared = m.prepareCreate(m.applyDefaults(object, info, info.storageVersion), info, this.defaultingContext());
      this.bootstrapPending++;
      this.etcdCreate(info, ns, name, prepared, (r) => {
        this.bootstrapPending--;
        // A failed hook (etcd unavailable) runs again: the apiserver stays unready until it succeeds.
        if (r === 'address-taken') return this.checkReady();
        if (r !== 'exists' && isFailure(r)) this.bootstrapped = false;
        else if (r !== 'exists') this.bootstrapRevisions.set(info.resource, Math.max(this.bootstrapRevisions.get(info.resource) ?? 0, Number(r.metadata?.resourceVersion ?? 0)));
        this.checkReady();
      });
    }
  }

  /**
   * The `default/kubernetes` Service at the first address of the service range, port 443 → the
   * apiservers' 6443 (pkg/controlplane's kubernetes service controller, a post-start hook here).
   */
  private kubernetesService(): { info: ResourceInfo; object: KubeObject }[] {
    const info = this.caches.get('services')?.info;
    if (!info) return [];
    const clusterIP = indexedIp(parseCidr(this.config.serviceAllocation.serviceClusterIpRange), 1);
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    };
    return [{ info, object }];
  }

  private onEtcdEvents(c: Cacher, events: WatchEvent[]): void {
    const now = this.now();
    const batches = new Map<ClientWatch, ApiWatchEvent[]>();
    for (const e of events) {
      const key = e.kv.key;
      const object = e.type === 'delete' ? null : decode(e.kv);
      const event = c.cache.apply(key, object, e.kv.modRevision, now);
      this.eventTtl.observe(c.info.resource, key, object === null, e.kv.modRevision, now);
      if (event) this.fanOut(c, event, batches);
    }
    for (const [w, evs] of batches) this.sendWatch(w, evs);
    if (!this.ready) this.checkReady();
    this.serveParked();
  }

  private fanOut(c: Cacher, event: CacheEvent, batches: Map<ClientWatch, ApiWatchEvent[]>): void {
    const all = this.watchersByResource.get(c.info.resource) ?? [];
    const byName = this.watchersByObjectName.get(c.info.resource);
    if (byName === undefined) this.fanOutTo(all, event, batches);
    else {
      // Only the watchers pinned to this object's name can match it; merged with the others in
      // registration order, so each watcher's events are sent in the order a full scan gives.
      const pinned: ClientWatch[] = [];
      for (const name of new Set([event.object.metadata?.name, event.previous?.metadata?.name])) {
        if (name !== undefined) for (const w of byName.get(name) ?? []) pinned.push(w);
      }
      this.fanOutTo(pinned.length === 0 ? all : [...all, ...pinned].sort((a, b) => a.order - b.order), event, batches);
    }
    if (c.info.resource !== 'pods') return;
    const nodes = new Set<string>();
    for (const o of [event.object, event.previous]) {
      const n = (o?.spec as { nodeName?: string } | undefined)?.nodeName;
      if (n) nodes.add(n);
    }
    for (const n of nodes) this.fanOutTo(this.podWatchersByNode.get(n) ?? [], event, batches);
  }

  /**
   * What each watcher sees of one change: an object entering its selector is ADDED, leaving it
   * is DELETED, staying in it is MODIFIED.
   */
  private fanOutTo(ws: Iterable<ClientWatch>, event: CacheEvent, batches: Map<ClientWatch, ApiWatchEvent[]>): void {
    const ns = event.object.metadata?.namespace;
    for (const w of ws) {
      if (event.resourceVersion <= w.startRevision) continue;
      if (w.namespace !== undefined && w.namespace !== ns) continue;
      const now = event.type !== 'DELETED' && w.matches(event.object);
      const before = event.previous !== undefined && w.matches(event.previous);
      const type: ApiWatchEvent['type'] | null = now ? (before ? 'MODIFIED' : 'ADDED') : before ? 'DELETED' : null;
      if (type === null) continue;
      let list = batches.get(w);
      if (!list) batches.set(w, (list = []));
      list.push({ type, object: this.config.machinery.convert(event.object, w.info, w.apiVersion) });
    }
  }

  private sendWatch(w: ClientWatch, events: ApiWatchEvent[], closed = false): void {
    const msg: ApiWatchMessage = { type: 'ApiWatch', ordered: true, from: this.config.name, incarnation: this.incarnation, reqId: w.reqId, seq: w.seq++, events };
    if (closed) msg.closed = true;
    this.out.sends.push({ to: w.client, msg });
  }

  private endWatchers(resource: string): void {
    for (const w of [...this.watchers.values()]) {
      if (w.info.resource !== resource) continue;
      this.sendWatch(w, [], true);
      this.removeWatcher(w);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  onRequest(req: ApiRequest): void {
    const m = this.config.machinery;
    const user = m.authenticate(req.token);
    if (!user) return this.respond(req, 401, unauthorized());
    const info = m.resourceFor(req.apiVersion, req.resource);
    if (!info) return this.respond(req, 404, notFoundResource(req));
    if (req.subresource && !info.subresources.includes(req.subresource)) return this.respond(req, 404, notFoundResource(req));
    const namespace = info.namespaced ? (req.namespace ?? req.body?.metadata?.namespace ?? (req.verb === 'list' || req.verb === 'watch' ? undefined : 'default')) : undefined;
    const authzVerb = req.subresource === 'binding' ? 'create' : req.verb;
    // Field by field, not with conditional spreads: this runs for every request (see traceWrite).
    const authzAttributes: Parameters<ApiMachinery['authorize']>[1] = { verb: authzVerb, apiGroup: info.group, resource: info.resource };
    if (req.subresource) authzAttributes.subresource = req.subresource;
    if (namespace) authzAttributes.namespace = namespace;
    if (req.name) authzAttributes.name = req.name;
    const decision = m.authorize(user, authzAttributes, this.lookup);
    if (!decision.allowed) return this.respond(req, 403, forbidden(info.resource, info.group, req.name ?? '', decision.reason));
    if (!this.ready && req.verb !== 'get' && req.verb !== 'list') {
      return this.respond(req, 503, serviceUnavailable('the apiserver is starting: its watch caches are not synced yet'));
    }
    const key = requestKey(req);
    const nowMs = this.now();
    const dueMs = nowMs + this.config.requestTimeoutMs;
    if (addDeadline(this.requestDeadlines, key, dueMs)) this.armRequestDeadline(dueMs, nowMs);
    const pending = { req, info, namespace, user };
    this.inFlight.set(key, req);
    switch (req.verb) {
      case 'get':
        return this.get(pending);
      case 'list':
        return this.list(pending);
      case 'watch':
        return this.watch(pending);
      case 'create':
        if (req.subresource === 'eviction') return this.evict(pending);
        return req.subresource === 'binding' ? this.bind(pending) : this.create(pending);
      case 'update': {
        const decoded = this.decodeBody(pending);
        if (decoded.status) return this.respond(req, decoded.status.code, decoded.status);
        return this.update(pending, (current) => this.updatedObject(pending, current, decoded.object), req.body?.metadata?.resourceVersion);
      }
      case 'patch':
        return this.update(pending, (current) => this.patchedObject(pending, current), undefined);
      case 'delete':
        return this.delete(pending);
    }
  }

  /** Requests by requestKey, until answered or timed out. */
  private readonly inFlight = new Map<string, ApiRequest>();
  /**
   * Their deadlines (by requestKey) behind one timer, REQUEST_DEADLINE_TIMER_ID: an answered
   * request's entry is skipped when it comes up. A key reused by a restarted client times out at
   * the earlier deadline, as the per-request timer sharing its id did.
   */
  private readonly requestDeadlines = newDeadlineQueue<string>();

  private armRequestDeadline(dueMs: number, nowMs: number): void {
    this.out.timers.push({ id: REQUEST_DEADLINE_TIMER_ID, delayMs: dueMs - nowMs, event: { type: 'ApiServerRequestDeadline' } });
  }

  /** The request-deadline timer fired: every request due by now that is still in flight fails with 504, in arrival order. */
  onRequestDeadline(): void {
    const nowMs = this.now();
    const q = this.requestDeadlines;
    for (let key = takeDue(q, nowMs); key !== undefined; key = takeDue(q, nowMs)) this.onRequestTimeout(key);
    const atMs = nextDeadline(q, this.inFlight, isInFlight);
    if (atMs !== null) this.armRequestDeadline(atMs, nowMs);
  }

  private onRequestTimeout(key: string): void {
    const req = this.inFlight.get(key);
    if (!req) return;
    this.inFlight.delete(key);
    this.parkedRemove(req);
    this.sendResponse(req, 504, timeout());
  }

  private respond(req: ApiRequest, code: number, body: KubeObject | ApiStatus): void {
    const key = requestKey(req);
    if (this.inFlight.has(key)) this.settle(req);
    this.sendResponse(req, code, body);
  }

  /**
   * The request is no longer in flight: its deadline's entry will be skipped (no timer to cancel).
   * When this step armed the deadline timer (a list served from the cache, an established watch,
   * on an idle apiserver), it is re-aimed at the next request still in flight, or dropped: it
   * would otherwise wake the apiserver 60 s later for nothing.
   */
  private settle(req: ApiRequest): void {
    this.inFlight.delete(requestKey(req));
    const timers = this.out.timers;
    if (timers.length === 0) return;
    const armedNow = timers.findIndex((t) => t.id === REQUEST_DEADLINE_TIMER_ID);
    if (armedNow < 0) return;
    const atMs = nextDeadline(this.requestDeadlines, this.inFlight, isInFlight);
    if (atMs === null) timers.splice(armedNow, 1);
    else timers[armedNow] = { ...timers[armedNow]!, delayMs: atMs - this.now() };
  }

  private sendResponse(req: ApiRequest, code: number, body: KubeObject | ApiStatus): void {
    const msg: ApiResponse = { type: 'ApiResponse', from: this.config.name, incarnation: this.incarnation, reqId: req.reqId, code, body };
    this.out.sends.push({ to: req.from, msg });
  }

  private defaultingContext() {
    return {
      nowMs: this.now(),
      uid: () => `${this.config.name.replace(/[^a-z0-9]/g, '')}-${(++this.uidCounter).toString(16).padStart(8, '0')}-${this.rng.int(0, 0x10000).toString(16).padStart(4, '0')}`,
      randomInt: (n: number) => this.rng.int(0, n),
    };
  }

  private out404(p: Pending, name: string): void {
    this.respond(p.req, 404, notFound(p.info.resource, p.info.group, name));
  }

  private get(p: Pending): void {
    const { req, info } = p;
    const name = req.name ?? '';
    const key = this.config.machinery.etcdKey(info, p.namespace, name);
    const rv = req.options?.resourceVersion;
    const c = this.caches.get(info.resource)!;
    if (rv !== undefined && rv !== '' && c.cache.synced) {
      const item = c.cache.objects.get(key);
      if (!item) return this.out404(p, name);
      return this.respond(req, 200, this.config.machinery.convert(item.object, info, req.apiVersion));
    }
    this.etcd.range(key, { consistency: 'linearizable' }, (r) => {
      if (isFailure(r)) return this.respond(req, 500, etcdError(r));
      const kv = r.kvs[0];
      if (!kv) return this.out404(p, name);
      this.respond(req, 200, this.config.machinery.convert(decode(kv), info, req.apiVersion));
    });
  }

  private list(p: Pending): void {
    const { req, info } = p;
    const matcher = this.config.machinery.selectorMatcher(req.options?.labelSelector, req.options?.fieldSelector);
    if (typeof matcher !== 'function') return this.respond(req, 400, matcher);
    const c = this.caches.get(info.resource)!;
    const rv = req.options?.resourceVersion ?? '';
    if (req.options?.resourceVersionMatch === 'Exact' && rv !== '' && rv !== '0') {
      const wanted = Number(rv);
      if (!Number.isInteger(wanted) || wanted < 0) return this.respond(req, 400, badRequest(`invalid resource version: ${rv}`));
      // An exact list is read from etcd at that revision (the cacher delegates it to storage).
      this.etcd.range(this.config.machinery.etcdPrefix(info, p.namespace), { prefix: true, consistency: 'linearizable', revision: wanted }, (r) => {
        if (isFailure(r)) return this.respond(req, ...listFailure(r));
        this.respond(req, 200, this.listBody(info, req.apiVersion, r.kvs.map(decode).filter(matcher), wanted));
      });
      return;
    }
    if (!c.cache.synced) {
      // No cache yet: serve from etcd (a consistent read).
      this.etcd.range(this.config.machinery.etcdPrefix(info, p.namespace), { prefix: true, consistency: 'linearizable' }, (r) => {
        if (isFailure(r)) return this.respond(req, 500, etcdError(r));
        const items = r.kvs.map(decode).filter(matcher);
        this.respond(req, 200, this.listBody(info, req.apiVersion, items, r.revision));
      });
      return;
    }
    if (rv === '0') return this.serveList(p, c);
    if (rv !== '' && this.config.variant?.listIgnoresMinimumResourceVersion) return this.serveList(p, c);
    if (rv !== '') {
      const wanted = Number(rv);
      if (!Number.isInteger(wanted) || wanted < 0) return this.respond(req, 400, badRequest(`invalid resource version: ${rv}`));
      return this.parkOrServe(p, c, wanted);
    }
    // A consistent list from the cache: learn etcd's current revision, wait for the cache to reach it.
    this.etcd.range(this.config.machinery.etcdPrefix(info), { prefix: true, limit: 1, consistency: 'linearizable' }, (r) => {
      if (isFailure(r)) return this.respond(req, 500, etcdError(r));
      this.parkOrServe(p, c, r.revision);
    });
  }

  private parkOrServe(p: Pending, c: Cacher, minRevision: number): void {
    if (c.cache.revision >= minRevision) return this.serveList(p, c);
    if (this.parked.length >= MAX_PARKED_LISTS) return this.respond(p.req, 429, { ...timeout('too many requests waiting for the watch cache'), code: 429, reason: 'TooManyRequests' });
    this.parked.push({ req: p.req, info: p.info, minRevision, deadlineMs: this.now() + this.config.cacheWaitMs });
    this.out.timers.push({ id: `apiserver-cache-wait-${requestKey(p.req)}`, delayMs: this.config.cacheWaitMs, event: { type: 'ApiServerCacheWait' } });
  }

  /** Serves parked lists whose cache caught up, and answers 504 to those that waited too long. */
  serveParked(): void {
    if (this.parked.length === 0) return;
    const now = this.now();
    for (let i = 0; i < this.parked.length; ) {
      const entry = this.parked[i]!;
      const c = this.caches.get(entry.info.resource)!;
      if (c.cache.synced && c.cache.revision >= entry.minRevision) {
        this.parked.splice(i, 1);
        this.serveList(this.pendingOf(entry.req, entry.info), c);
      } else if (now >= entry.deadlineMs) {
        this.parked.splice(i, 1);
        this.respond(entry.req, 504, timeout(`Too large resource version: ${entry.minRevision}, current: ${c.cache.revision}`));
      } else i++;
    }
  }

  private parkedRemove(req: ApiRequest): void {
    const i = this.parked.findIndex((e) => e.req === req);
    if (i >= 0) this.parked.splice(i, 1);
  }

  private pendingOf(req: ApiRequest, info: ResourceInfo): Pending {
    const namespace = info.namespaced ? req.namespace : undefined;
    return { req, info, namespace, user: { name: '', groups: [] } };
  }

  private serveList(p: Pending, c: Cacher): void {
    const { req, info } = p;
    const matcher = this.config.machinery.selectorMatcher(req.options?.labelSelector, req.options?.fieldSelector);
    if (typeof matcher !== 'function') return this.respond(req, 400, matcher);
    const node = info.resource === 'pods' ? this.config.machinery.exactNodeName(req.options?.fieldSelector) : undefined;
    const items: KubeObject[] = [];
    const consider = (o: KubeObject): void => {
      if (p.namespace !== undefined && o.metadata?.namespace !== p.namespace) return;
      if (matcher(o)) items.push(o);
    };
    if (node !== undefined) {
      for (const key of [...c.cache.keysOnNode(node)].sort()) consider(c.cache.objects.get(key)!.object);
    } else {
      for (const key of [...c.cache.objects.keys()].sort()) consider(c.cache.objects.get(key)!.object);
    }
    const limit = req.options?.limit;
    const page = limit && limit > 0 ? items.slice(0, limit) : items;
    this.respond(req, 200, this.listBody(info, req.apiVersion, page, c.cache.revision));
  }

  private listBody(info: ResourceInfo, apiVersion: string, items: KubeObject[], revision: number): KubeObject {
    return {
      apiVersion,
      kind: `${info.kind}List`,
      metadata: { resourceVersion: String(revision) },
      items: items.map((o) => this.config.machinery.convert(o, info, apiVersion)),
    };
  }

  private watch(p: Pending): void {
    const { req, info } = p;
    const m = this.config.machinery;
    const matcher = m.selectorMatcher(req.options?.labelSelector, req.options?.fieldSelector);
    if (typeof matcher !== 'function') return this.respond(req, 400, matcher);
    const c = this.caches.get(info.resource)!;
    if (!c.cache.synced) return this.respond(req, 503, serviceUnavailable('the watch cache is not ready'));
    if (this.watchers.size >= MAX_CLIENT_WATCHES) return this.respond(req, 429, { ...timeout('too many watches'), code: 429, reason: 'TooManyRequests' });
    const rv = req.options?.resourceVersion ?? '';
    const w: ClientWatch = {
      client: req.from,
      reqId: req.reqId,
      info,
      apiVersion: req.apiVersion,
      ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
      matches: matcher,
      ...(info.resource === 'pods' && m.exactNodeName(req.options?.fieldSelector) !== undefined ? { nodeName: m.exactNodeName(req.options?.fieldSelector)! } : {}),
      ...(m.exactObjectName(req.options?.fieldSelector) !== undefined ? { objectName: m.exactObjectName(req.options?.fieldSelector)! } : {}),
      order: 0,
      bookmarks: req.options?.allowWatchBookmarks ?? false,
      seq: 0,
      startRevision: rv === '' || rv === '0' ? c.cache.revision : Number(rv),
    };
    const initial: ApiWatchEvent[] = [];
    if (rv === '' || rv === '0') {
      for (const key of [...c.cache.objects.keys()].sort()) {
        const o = c.cache.objects.get(key)!.object;
        if ((w.namespace === undefined || o.metadata?.namespace === w.namespace) && matcher(o)) initial.push({ type: 'ADDED', object: m.convert(o, info, w.apiVersion) });
      }
    } else {
      const since = Number(rv);
      const events = Number.isInteger(since) ? c.cache.eventsSince(since) : 'expired';
      if (events === 'expired') {
        // The watch is accepted, then ends with an ERROR event carrying 410, as the real cacher does.
        this.settle(req);
        this.sendWatch(w, [{ type: 'ERROR', object: gone(`too old resource version: ${rv} (${c.cache.floor})`) }], true);
        return;
      }
      const batches = new Map<ClientWatch, ApiWatchEvent[]>();
      for (const e of events) this.fanOutTo([w], e, batches);
      initial.push(...(batches.get(w) ?? []));
    }
    // The watch is established: no response message, the stream carries everything.
    this.settle(req);
    this.addWatcher(w);
    this.sendWatch(w, initial);
    const lifetime = this.config.watchTimeoutMinMs + this.rng.int(0, this.config.watchTimeoutMinMs);
    this.out.timers.push({ id: `apiserver-watch-timeout-${w.client}-${w.reqId}`, delayMs: lifetime, event: { type: 'ApiServerWatchTimeout', client: w.client, reqId: w.reqId } });
  }

  onWatchTimeout(client: string, reqId: number): void {
    const w = this.watchers.get(`${client}#${reqId}`);
    if (!w) return;
    this.sendWatch(w, [], true);
    this.removeWatcher(w);
  }

  onWatchCancel(client: string, reqId: number): void {
    const w = this.watchers.get(`${client}#${reqId}`);
    if (w) this.removeWatcher(w);
  }

  /** Whether the apiserver still serves this client's watch (observation only). */
  hasWatch(client: string, reqId: number): boolean {
    return this.watchers.has(`${client}#${reqId}`);
  }

  /**
   * A client's HTTP/2 PING on its connection: answered whatever the phase (the HTTP/2 layer
   * answers it), with where each of the connection's streams stands so the client can tell
   * whether it missed messages. A PING on a connection to an earlier run of this process finds
   * no connection here: it is reset, and the client's streams on it fail.
   */
  onConnectionPing(ping: ApiConnectionPing): void {
    if (ping.incarnation !== this.incarnation) {
      const reset: ApiConnectionReset = { type: 'ApiConnectionReset', from: this.config.name, apiserver: ping.apiserver, incarnation: ping.incarnation };
      this.out.sends.push({ to: ping.from, msg: reset });
      return;
    }
    const streams: ApiConnectionPong['streams'] = ping.streams.map((reqId) => [reqId, this.watchers.get(`${ping.from}#${reqId}`)?.seq ?? null]);
    const pong: ApiConnectionPong = { type: 'ApiConnectionPong', ordered: true, from: this.config.name, incarnation: this.incarnation, streams };
    this.out.sends.push({ to: ping.from, msg: pong });
  }

  onBookmarkTick(): void {
    for (const w of this.watchers.values()) {
      if (!w.bookmarks) continue;
      const c = this.caches.get(w.info.resource)!;
      if (c.cache.revision <= w.startRevision) continue;
      this.sendWatch(w, [{ type: 'BOOKMARK', object: { apiVersion: w.apiVersion, kind: w.info.kind, metadata: { resourceVersion: String(c.cache.revision) } } }]);
    }
    this.out.timers.push({ id: 'apiserver-bookmarks', delayMs: this.config.bookmarkIntervalMs, event: { type: 'ApiServerBookmarks' } });
  }

  onCompactionTick(): void {
    const target = this.revisionAtLastCompactionTick;
    let current = 0;
    for (const c of this.caches.values()) current = Math.max(current, c.cache.revision);
    this.revisionAtLastCompactionTick = current;
    if (target > 1) this.etcd.compact(target, () => undefined);
    for (const txn of this.eventTtl.expire(this.now())) this.etcd.txn(txn, () => undefined);
    this.out.timers.push({ id: 'apiserver-compaction', delayMs: this.config.compactionIntervalMs, event: { type: 'ApiServerCompaction' } });
  }

  private addWatcher(w: ClientWatch): void {
    this.watchers.set(`${w.client}#${w.reqId}`, w);
    w.order = this.watcherCount++;
    if (w.objectName !== undefined) {
      let names = this.watchersByObjectName.get(w.info.resource);
      if (!names) this.watchersByObjectName.set(w.info.resource, (names = new Map()));
      let set = names.get(w.objectName);
      if (!set) names.set(w.objectName, (set = new Set()));
      set.add(w);
    } else if (w.nodeName !== undefined) {
      let set = this.podWatchersByNode.get(w.nodeName);
      if (!set) this.podWatchersByNode.set(w.nodeName, (set = new Set()));
      set.add(w);
    } else {
      let set = this.watchersByResource.get(w.info.resource);
      if (!set) this.watchersByResource.set(w.info.resource, (set = new Set()));
      set.add(w);
    }
  }

  private removeWatcher(w: ClientWatch): void {
    this.watchers.delete(`${w.client}#${w.reqId}`);
    this.watchersByResource.get(w.info.resource)?.delete(w);
    if (w.nodeName !== undefined) this.podWatchersByNode.get(w.nodeName)?.delete(w);
    if (w.objectName !== undefined) {
      const names = this.watchersByObjectName.get(w.info.resource);
      const set = names?.get(w.objectName);
      set?.delete(w);
      if (set?.size === 0) names!.delete(w.objectName);
    }
    this.out.cancels.push(`apiserver-watch-timeout-${w.client}-${w.reqId}`);
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  /**
   * The request body decoded (quantities parsed and in canonical form), or the 400 the decoder's
   * error becomes (transformDecodeError): `Pod in version "v1" cannot be handled as a Pod: …`.
   */
  private decodeBody(p: Pending): { object: KubeObject; status?: undefined } | { status: ApiStatus } {
    const { req, info } = p;
    const body = req.body ?? {};
    const decoded = this.config.machinery.decode(body, info);
    if (decoded.error === undefined) return { object: decoded.object };
    return { status: badRequest(decodeErrorMessage(body.kind ?? info.kind, body.apiVersion ?? req.apiVersion, decoded.error, info.kind)) };
  }

  /**
   * A merge patch applied to the current object (in the request's version), then decoded; a
   * result that does not decode is a 422 on the field "patch" carrying the whole patched object
   * (patch.go applyPatchToCurrentObject: NewInvalid with an empty kind and name).
   */
  private patchedObject(p: Pending, current: KubeObject): KubeObject | ApiStatus {
    const { req, info } = p;
    const m = this.config.machinery;
    const patched = mergePatch(m.convert(current, info, req.apiVersion) as JsonValue, (req.body ?? {}) as JsonValue) as KubeObject;
    const decoded = m.decode(patched, info);
    if (decoded.error !== undefined) {
      return invalid('', '', '', [{ field: 'patch', reason: 'FieldValueInvalid', message: `Invalid value: ${goQuote(JSON.stringify(patched))}: ${decoded.error}` }]);
    }
    return this.updatedObject(p, current, decoded.object);
  }

  private create(p: Pending): void {
    const { req, info } = p;
    const m = this.config.machinery;
    if (!req.body) return this.respond(req, 400, badRequest('the request body is empty'));
    const decoded = this.decodeBody(p);
    if (decoded.status) return this.respond(req, decoded.status.code, decoded.status);
    const body = decoded.object;
    const precondition = m.createPrecondition(body);
    if (precondition) return this.respond(req, precondition.code, precondition);
    let object: KubeObject = { ...body, metadata: { ...(body.metadata ?? {}), ...(p.namespace !== undefined ? { namespace: p.namespace } : {}) } };
    if (info.namespaced && body.metadata?.namespace && body.metadata.namespace !== p.namespace) {
      return this.respond(req, 400, badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    object = m.applyDefaults(object, info, req.apiVersion);
    object = m.convert(object, info, info.storageVersion);
    object = m.prepareCreate(object, info, this.defaultingContext());
    const name = object.metadata?.name ?? '';
    const attrs = { operation: 'CREATE' as const, info, namespace: p.namespace, name, user: p.user };
    const mutated = m.admitMutating({ ...attrs, object }, this.lookup);
    if (mutated.error) return this.respond(req, mutated.error.code, mutated.error);
    object = mutated.object ?? object;
    // The rbac registry checks for escalation with the name the request gave (none for generateName).
    const escalation = m.checkEscalation({ ...attrs, name: body.metadata?.name ?? '', object }, this.lookup);
    if (escalation) return this.respond(req, escalation.code, escalation);
    if (info.resource === 'services') {
      // BeginCreate: the registry allocates the ClusterIP and node ports before validation.
      const allocated = this.allocate(object);
      if (allocated.error) return this.respond(req, 422, invalid(info.kind, info.group, name, [allocated.error]));
      object = allocated.service;
    }
    const causes = m.validateCreate(object, info, info.storageVersion);
    if (causes.length > 0) return this.respond(req, 422, invalid(info.kind, info.group, name, causes));
    const admitted = m.admitValidating({ ...attrs, object }, this.lookup);
    if (admitted.error) return this.respond(req, admitted.error.code, admitted.error);
    if (req.options?.dryRun) return this.respond(req, 201, m.convert(object, info, req.apiVersion));
    // The quota is charged before the object is stored (CheckRequest), so concurrent creates see it.
    for (const usage of admitted.quotaUsage ?? []) this.writeQuotaUsage(usage);
    this.etcdCreate(info, p.namespace, name, object, (result) => {
      if (result === 'exists') return this.respond(req, 409, alreadyExists(info.resource, info.group, name));
      // Another apiserver gave one of these addresses at the same moment: allocate again (bounded).
      if (result === 'address-taken') return (p.allocationAttempts = (p.allocationAttempts ?? 0) + 1) > ALLOCATION_RETRIES_MAX ? this.respond(req, 409, conflict(info.resource, info.group, name)) : this.create(p);
      if (isFailure(result)) return this.respond(req, 500, etcdError(result));
      this.traceWrite(p, 'create', result, Number(result.metadata?.resourceVersion ?? 0));
      this.respond(req, 201, m.convert(result, info, req.apiVersion));
    });
  }

  private etcdCreate(info: ResourceInfo, namespace: string | undefined, name: string, object: KubeObject, done: (r: KubeObject | 'exists' | 'address-taken' | EtcdFailure) => void): void {
    const key = this.config.machinery.etcdKey(info, namespace, name);
    const claims = info.resource === 'services' ? allocationKeys(object) : [];
    const holder = encode({ service: `${namespace ?? ''}/${name}` } as KubeObject);
    this.etcd.txn(
      {
        compare: [{ key, target: 'create', result: '=', value: 0 }, ...claims.map((k) => ({ key: k, target: 'create' as const, result: '=' as const, value: 0 }))],
        success: [{ op: 'put', key, value: encode(object) }, ...claims.map((k) => ({ op: 'put' as const, key: k, value: holder }))],
        failure: claims.length > 0 ? [{ op: 'range', key }] : [],
      },
      (r) => {
        if (isFailure(r)) return done(r);
        if (!r.succeeded) {
          const range = r.responses[0];
          if (claims.length === 0 || (range && range.op === 'range' && range.kvs.length > 0)) return done('exists');
          return done('address-taken');
        }
        for (const k of claims) this.claimedAt.set(k, r.revision);
        done(withRv(object, r.revision));
      },
    );
  }

  /**
   * Addresses this apiserver stored claims for, by the revision of the write: the services cache
   * may not show them yet, and until it does they count as taken here.
   */
  private readonly claimedAt = new Map<string, number>();

  /** What the other Services hold: the services cache, plus claims written but not yet seen. */
  private takenAddresses(): TakenAddresses {
    const clusterIps = new Set<string>();
    const nodePorts = new Set<number>();
    const add = (key: string): void => {
      if (key.startsWith(CLUSTER_IP_KEY_PREFIX)) clusterIps.add(key.slice(CLUSTER_IP_KEY_PREFIX.length));
      else if (key.startsWith(NODE_PORT_KEY_PREFIX)) nodePorts.add(Number(key.slice(NODE_PORT_KEY_PREFIX.length)));
    };
    const services = this.caches.get('services');
    for (const item of services?.cache.objects.values() ?? []) for (const k of allocationKeys(item.object)) add(k);
    const seen = services?.cache.revision ?? 0;
    for (const [k, revision] of this.claimedAt) {
      if (revision <= seen) this.claimedAt.delete(k);
      else add(k);
    }
    return { clusterIps, nodePorts };
  }

  private allocate(svc: KubeObject, old?: KubeObject): Allocation {
    return allocateService(svc, old, this.takenAddresses(), this.config.serviceAllocation, (n) => this.rng.int(0, n));
  }

  /**
   * Quota charges (the admission plugin's quotaUsage): the newest `status.used` this apiserver
   * charged per quota is what admission reads until the watch cache has its write, and the writes
   * go one at a time per quota (each a compare-and-swap on the last one's revision, re-read on a
   * conflict), so a burst of creates is charged in full — the quota evaluator's serialized
   * UpdateStatus.
   */
  private readonly quotaCharges = new Map<string, { used: Record<string, string>; inFlight: boolean; dirty: boolean; writtenRv: number }>();

  private quotaWithCharges(quota: KubeObject): KubeObject {
    const key = `${quota.metadata?.namespace ?? ''}/${quota.metadata?.name ?? ''}`;
    const charge = this.quotaCharges.get(key);
    if (!charge) return quota;
    const rv = Number(quota.metadata?.resourceVersion ?? 0);
    if (!charge.inFlight && !charge.dirty && rv >= charge.writtenRv) {
      this.quotaCharges.delete(key);
      return quota;
    }
    return { ...quota, status: { ...((quota.status as object) ?? {}), used: charge.used } };
  }

  private writeQuotaUsage(usage: { namespace: string; quota: string; used: Record<string, string> }): void {
    const key = `${usage.namespace}/${usage.quota}`;
    const charge = this.quotaCharges.get(key) ?? { used: usage.used, inFlight: false, dirty: false, writtenRv: 0 };
    charge.used = usage.used;
    this.quotaCharges.set(key, charge);
    if (charge.inFlight) {
      charge.dirty = true;
      return;
    }
    const current = this.lookup.get('resourcequotas', usage.namespace, usage.quota);
    this.flushQuotaCharge(usage.namespace, usage.quota, Math.max(charge.writtenRv, Number(current?.metadata?.resourceVersion ?? 0)), 0);
  }

  private flushQuotaCharge(namespace: string, name: string, rv: number, attempt: number): void {
    const info = this.caches.get('resourcequotas')?.info;
    const charge = this.quotaCharges.get(`${namespace}/${name}`);
    if (!info || !charge) return;
    const key = this.config.machinery.etcdKey(info, namespace, name);
    charge.inFlight = true;
    charge.dirty = false;
    const used = charge.used;
    const write = (base: KubeObject, baseRv: number): void => {
      const next = { ...base, status: { ...((base.status as object) ?? {}), used } };
      this.etcd.txn({ compare: [{ key, target: 'mod', result: '=', value: baseRv }], success: [{ op: 'put', key, value: encode(stripRv(next)) }], failure: [{ op: 'range', key }] }, (r) => {
        if (isFailure(r)) {
          charge.inFlight = false;
          return;
        }
        if (!r.succeeded) {
          const range = r.responses[0];
          const kv = range && range.op === 'range' ? range.kvs[0] : undefined;
          if (!kv || attempt >= UPDATE_RETRIES) {
            charge.inFlight = false;
            return;
          }
          return this.flushQuotaCharge(namespace, name, kv.modRevision, attempt + 1);
        }
        charge.writtenRv = r.revision;
        charge.inFlight = false;
        if (charge.dirty) this.flushQuotaCharge(namespace, name, r.revision, 0);
      });
    };
    // The base object: the cache's if it is at `rv`, otherwise a fresh read.
    const cached = this.caches.get('resourcequotas')!.cache.objects.get(key)?.object;
    if (cached && Number(cached.metadata?.resourceVersion ?? 0) === rv) return write(cached, rv);
    this.etcd.range(key, { consistency: 'linearizable' }, (r) => {
      const kv = !isFailure(r) ? r.kvs[0] : undefined;
      if (!kv) {
        charge.inFlight = false;
        return;
      }
      write(decode(kv), kv.modRevision);
    });
  }

  /** The object an update or patch stores, given the current one. Returns a Status to refuse. */
  private updatedObject(p: Pending, current: KubeObject, incoming: KubeObject): KubeObject | ApiStatus {
    const { req, info } = p;
    const m = this.config.machinery;
    let next = m.convert(m.applyDefaults(incoming, info, req.apiVersion), info, info.storageVersion);
    const cur = current;
    if (req.subresource === 'status') {
      // deploymentStatusStrategy resets only spec and labels: the Deployment controller writes the
      // revision annotation through /status. Other kinds here keep the stored metadata.
      const annotations = info.resource === 'deployments' ? next.metadata?.annotations : cur.metadata?.annotations;
      next = { ...cur, metadata: { ...cur.metadata, ...(annotations ? { annotations } : {}) }, status: next.status };
      if (!annotations) delete next.metadata!.annotations;
    } else if (req.subresource === 'finalize') {
      // namespaces/finalize changes spec.finalizers and nothing else (namespaceFinalizeStrategy).
      next = { ...cur, spec: { ...((cur.spec as object) ?? {}), finalizers: namespaceFinalizers(next) } };
    } else if (hasStatusSubresource(info)) {
      next = { ...next, status: cur.status };
    }
    if (info.resource === 'namespaces' && req.subresource !== 'finalize') {
      // namespaceStrategy.PrepareForUpdate: spec.finalizers only change through /finalize.
      next = { ...next, spec: { ...((next.spec as object) ?? {}), finalizers: namespaceFinalizers(cur) } };
    }
    const meta = { ...(next.metadata ?? {}) };
    // An unconditional update (no resourceVersion) takes the stored object's (registry store.Update).
    if (!meta.resourceVersion) meta.resourceVersion = cur.metadata?.resourceVersion;
    meta.uid = cur.metadata?.uid;
    meta.creationTimestamp = cur.metadata?.creationTimestamp;
    meta.namespace = cur.metadata?.namespace;
    meta.name = cur.metadata?.name;
    if (cur.metadata?.deletionTimestamp) meta.deletionTimestamp = cur.metadata.deletionTimestamp;
    if (cur.metadata?.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds;
    // PrepareForUpdate: a spec change (compared as canonical JSON, so key order does not count)
    // bumps the generation of kinds that track it; a status update never changes the spec.
    const generation = nextGeneration({ ...next, metadata: meta }, cur);
    if (generation !== undefined) meta.generation = generation;
    next = req.subresource === 'status' ? { ...next, metadata: meta } : prepareForUpdate({ ...next, metadata: meta }, cur);
    const attrs = { operation: 'UPDATE' as const, info, ...(req.subresource ? { subresource: req.subresource } : {}), namespace: p.namespace, name: meta.name ?? '', oldObject: cur, user: p.user };
    const mutated = m.admitMutating({ ...attrs, object: next }, this.lookup);
    if (mutated.error) return mutated.error;
    next = mutated.object ?? next;
    const escalation = m.checkEscalation({ ...attrs, object: next }, this.lookup);
    if (escalation) return escalation;
    if (info.resource === 'services' && req.subresource === undefined) {
      const allocated = this.allocate(dropTypeDependentFields(next, cur), cur);
      if (allocated.error) return invalid(info.kind, info.group, meta.name ?? '', [allocated.error]);
      next = allocated.service;
    }
    const causes = m.validateUpdate(next, cur, info, req.subresource);
    if (causes.length > 0) return invalid(info.kind, info.group, meta.name ?? '', causes);
    const admitted = m.admitValidating({ ...attrs, object: next }, this.lookup);
    if (admitted.error) return admitted.error;
    return next;
  }

  /**
   * GuaranteedUpdate: start from the cached object, write with a compare on its mod revision; on
   * a mismatch read the fresh object from etcd and try again. A client-given resourceVersion that
   * is not the current one is a 409 Conflict.
   */
  private update(p: Pending, mutate: (current: KubeObject) => KubeObject | ApiStatus, clientRv: string | undefined, attempt = 0, fresh?: KubeObject | null): void {
    const { req, info } = p;
    const m = this.config.machinery;
    const name = req.name ?? req.body?.metadata?.name ?? '';
    const key = m.etcdKey(info, p.namespace, name);
    const current = fresh !== undefined ? fresh : (this.caches.get(info.resource)!.cache.objects.get(key)?.object ?? null);
    if (current === null) {
      if (fresh !== undefined || !this.caches.get(info.resource)!.cache.synced) return this.out404(p, name);
      // Not in the cache: make sure with a read before answering 404.
      return this.readFresh(p, key, (obj) => (obj ? this.update(p, mutate, clientRv, attempt + 1, obj) : this.out404(p, name)));
    }
    const currentRv = current.metadata?.resourceVersion ?? '0';
    const preconditionRv = this.config.variant?.skipResourceVersionPrecondition ? undefined : clientRv;
    if (preconditionRv && preconditionRv !== currentRv) {
      if (fresh !== undefined) return this.respond(req, 409, conflict(info.resource, info.group, name));
      return this.readFresh(p, key, (obj) => (obj ? this.update(p, mutate, clientRv, attempt + 1, obj) : this.out404(p, name)));
    }
    const next = mutate(current);
    if (isStatus(next)) return this.respond(req, next.code, next);
    if (req.options?.dryRun) return this.respond(req, 200, m.convert(next, info, req.apiVersion));
    // ShouldDeleteDuringUpdate: the last finalizer of an object being deleted is gone.
    const deleting = shouldDeleteDuringUpdate(info, next);
    const claims = this.claimChanges(info, current, deleting ? null : next, name);
    this.etcd.txn(
      {
        compare: [{ key, target: 'mod', result: '=', value: Number(currentRv) }, ...claims.compare],
        success: [deleting ? { op: 'delete', key } : { op: 'put', key, value: encode(stripRv(next)) }, ...claims.ops],
        failure: [{ op: 'range', key }],
      },
      (r) => {
        if (isFailure(r)) return this.respond(req, 500, etcdError(r));
        if (r.succeeded) {
          for (const k of claims.claimed) this.claimedAt.set(k, r.revision);
          this.traceWrite(p, deleting ? 'delete' : 'update', next, r.revision, Number(currentRv), clientRv);
          return this.respond(req, 200, m.convert(withRv(next, r.revision), info, req.apiVersion));
        }
        const range = r.responses[0];
        const kv = range && range.op === 'range' ? range.kvs[0] : undefined;
        if (!kv) return this.out404(p, name);
        const latest = decode(kv);
        if (preconditionRv) return this.respond(req, 409, conflict(info.resource, info.group, name));
        if (attempt >= UPDATE_RETRIES) return this.respond(req, 409, conflict(info.resource, info.group, name));
        this.update(p, mutate, clientRv, attempt + 1, latest);
      },
    );
  }

  /**
   * `k8s.write`: a write this apiserver committed, as it acknowledges it — the object, the
   * resourceVersion it now has (`rv`; a delete's is the deletion's revision), the one it replaced
   * (`replaced`) and the client's precondition (`precondition`, an update's
   * metadata.resourceVersion). Pods add what the Kubernetes safety checks read
   * (actors/checks/kubernetes): uid, node, phase, deletion, controller owners, and on create their
   * requests, and ready when their Ready condition is True; nodes add their allocatable;
   * Endpoints and EndpointSlices the pods they list as ready, Services publishNotReadyAddresses
   * (write-trace.ts).
   */
  private traceWrite(p: Pending, verb: 'create' | 'update' | 'delete', object: KubeObject, rv: number, replaced?: number, precondition?: string): void {
    const meta = object.metadata ?? {};
    // Field by field in a fixed order, not with conditional spreads: each `...(c ? {x} : {})`
    // goes through V8's generic object clone, and this runs for every write (as did the
    // admission attributes, whose spreads alone cost 1.5% of a 1000-node run).
    const fields: Record<string, unknown> = { apiserver: this.config.name, client: p.req.from, verb, resource: p.info.resource };
    if (meta.namespace !== undefined) fields.namespace = meta.namespace;
    fields.name = meta.name ?? '';
    fields.rv = rv;
    if (replaced !== undefined) fields.replaced = replaced;
    if (precondition) fields.precondition = Number(precondition);
    if (p.info.resource === 'pods') {
      const pod = object as unknown as V1Pod;
      const controllers = (meta.ownerReferences ?? []).filter((o) => o.controller).map((o) => `${o.kind}/${o.name}`);
      fields.uid = meta.uid ?? '';
      if (pod.spec?.nodeName) fields.node = pod.spec.nodeName;
      if (pod.status?.phase) fields.phase = pod.status.phase;
      if (meta.deletionTimestamp) fields.deleting = true;
      if (isPodReady(object)) fields.ready = true;
      if (controllers.length > 0) fields.controllers = controllers;
      if (verb === 'create') {
        const r = podRequests(pod);
        fields.requests = { cpuMilli: r.cpuMilli, memoryBytes: r.memoryBytes };
      }
    } else if (p.info.resource === 'nodes') {
      const allocatable = (object.status as { allocatable?: Record<string, string | number> } | undefined)?.allocatable;
      if (allocatable) fields.allocatable = { cpuMilli: quantityMilli(allocatable.cpu), memoryBytes: quantityUnits(allocatable.memory), pods: quantityUnits(allocatable.pods) };
    } else if (verb !== 'delete') {
      const extra = endpointWriteFields(p.info.resource, object);
      if (extra) Object.assign(fields, extra);
    }
    this.out.traces.push({ kind: 'k8s.write', fields });
  }

  private readFresh(p: Pending, key: string, done: (obj: KubeObject | null) => void): void {
    this.etcd.range(key, { consistency: 'linearizable' }, (r) => {
      if (isFailure(r)) return this.respond(p.req, 500, etcdError(r));
      const kv = r.kvs[0];
      done(kv ? decode(kv) : null);
    });
  }

  /** POST pods/<name>/binding: sets spec.nodeName once, and the PodScheduled condition. */
  private bind(p: Pending): void {
    const { req } = p;
    const target = (req.body as { target?: { name?: string } } | undefined)?.target?.name;
    const name = req.name ?? req.body?.metadata?.name ?? '';
    if (!target) return this.respond(req, 422, invalid('Binding', '', name, [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }]));
    const nowText = timestamp(this.now());
    const bindReq: ApiRequest = { ...req, subresource: undefined, verb: 'update' };
    this.update(
      { ...p, req: bindReq },
      (current) => {
        const spec = (current.spec ?? {}) as { nodeName?: string };
        if (current.metadata?.deletionTimestamp) return conflictStatus(`pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) return conflictStatus(`pod ${name} is already assigned to node "${spec.nodeName}"`);
        const status = (current.status ?? {}) as { conditions?: Record<string, unknown>[] };
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowText });
        return { ...current, spec: { ...spec, nodeName: target }, status: { ...status, conditions } };
      },
      undefined,
    );
  }

  /**
   * POST pods/<name>/eviction (EvictionREST.Create): a pod that is terminal, pending or already
   * being deleted is deleted at once; otherwise its one PodDisruptionBudget must allow a
   * disruption, which is taken off the budget's status by a compare-and-swap (retried on a
   * conflict from a fresh read) before the pod is deleted with the eviction's deleteOptions.
   * Answers 201 with a Success Status, 429 when the budget refuses.
   */
  private evict(p: Pending): void {
    const { req, info } = p;
    const m = this.config.machinery;
    const name = req.name ?? '';
    const eviction = (req.body ?? {}) as { metadata?: { name?: string }; deleteOptions?: { gracePeriodSeconds?: number; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } };
    if (eviction.metadata?.name !== undefined && eviction.metadata.name !== name) return this.respond(req, 400, badRequest('name in URL does not match name in Eviction object'));
    const options = eviction.deleteOptions ?? {};
    const deleteReq: ApiRequest = {
      ...req,
      verb: 'delete',
      subresource: undefined,
      body: undefined,
      options: { ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}), ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}) },
    };
    const deletePod = (): void =>
      this.delete({ ...p, req: deleteReq }, (code, body) => (code < 300 ? this.respond(req, 201, { ...success(), code: 201 }) : this.respond(req, code, body)));
    this.readFresh(p, m.etcdKey(info, p.namespace, name), (pod) => {
      if (!pod) return this.out404(p, name);
      if (canIgnoreBudget(pod)) return deletePod();
      const budgets = budgetsForPod(pod, this.lookup.list('poddisruptionbudgets', pod.metadata?.namespace) as BudgetLike[]);
      if (budgets.length > 1) return this.respond(req, 500, { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: MORE_THAN_ONE_BUDGET, reason: '', code: 500 });
      const budget = budgets[0];
      if (!budget || unreadyPodNeedsNoBudget(pod, budget)) return deletePod();
      this.decrementBudget(p, budget, name, 0, deletePod);
    });
  }

  /** checkAndDecrement, then UpdateStatus on the budget: a compare-and-swap, re-read and retried on a conflict. */
  private decrementBudget(p: Pending, budget: BudgetLike, podName: string, attempt: number, then: () => void): void {
    const checked = checkAndDecrement(budget, podName, this.now());
    if ('refusal' in checked) return this.respond(p.req, checked.refusal.code, checked.refusal);
    const pdbInfo = this.caches.get('poddisruptionbudgets')!.info;
    const key = this.config.machinery.etcdKey(pdbInfo, budget.metadata?.namespace, budget.metadata?.name ?? '');
    const rv = Number(budget.metadata?.resourceVersion ?? 0);
    this.etcd.txn({ compare: [{ key, target: 'mod', result: '=', value: rv }], success: [{ op: 'put', key, value: encode(stripRv(checked.budget)) }], failure: [{ op: 'range', key }] }, (r) => {
      if (isFailure(r)) return this.respond(p.req, 500, etcdError(r));
      if (r.succeeded) return then();
      const range = r.responses[0];
      const kv = range && range.op === 'range' ? range.kvs[0] : undefined;
      if (!kv) return this.respond(p.req, 404, notFound('poddisruptionbudgets', 'policy', budget.metadata?.name ?? ''));
      // retry.RetryOnConflict gives up with the last conflict.
      if (attempt + 1 >= EVICTION_RETRIES) return this.respond(p.req, 409, conflict('poddisruptionbudgets', 'policy', budget.metadata?.name ?? ''));
      this.decrementBudget(p, decode(kv) as BudgetLike, podName, attempt + 1, then);
    });
  }

  /**
   * DELETE (registry store.Delete): the garbage-collection finalizers the request's
   * propagationPolicy (or the kind's default) asks for are set first; an object left with
   * finalizers (or a pod bound to a node, which waits for its kubelet) gets a deletionTimestamp and
   * stays until its last finalizer goes (see `shouldDeleteDuringUpdate`); anything else is deleted.
   * A namespace with spec.finalizers becomes Terminating.
   */
  private delete(p: Pending, answer: (code: number, body: KubeObject | ApiStatus) => void = (code, body) => this.respond(p.req, code, body)): void {
    const { req, info } = p;
    const m = this.config.machinery;
    const name = req.name ?? '';
    const key = m.etcdKey(info, p.namespace, name);
    let attempts = 0;
    const withCurrent = (current: KubeObject | null): void => {
      if (!current) return answer(404, notFound(info.resource, info.group, name));
      const admitted = m.admitMutating({ operation: 'DELETE', info, namespace: p.namespace, name, oldObject: current, user: p.user }, this.lookup);
      if (admitted.error) return answer(admitted.error.code, admitted.error);
      const meta = current.metadata ?? {};
      const graceful = this.gracePeriodFor(info, current, req.options?.gracePeriodSeconds);
      const finalizers = gcFinalizers(meta.finalizers ?? [], req.options?.propagationPolicy ?? defaultPropagationPolicy(info, req.apiVersion), req.options?.propagationPolicy !== undefined);
      const finalizersChanged = !sameList(finalizers, meta.finalizers ?? []);
      const hasFinalizers = finalizers.length > 0 || (info.resource === 'namespaces' && namespaceFinalizers(current).length > 0);
      if (graceful > 0 || hasFinalizers) {
        const keepsTimestamp = meta.deletionTimestamp !== undefined && graceful >= (meta.deletionGracePeriodSeconds ?? Infinity);
        if (keepsTimestamp && !finalizersChanged) return answer(200, m.convert(current, info, req.apiVersion));
        const { finalizers: _old, ...rest } = meta;
        void _old;
        const next: KubeObject = {
          ...current,
          metadata: {
            ...rest,
            ...(finalizers.length > 0 ? { finalizers } : {}),
            deletionTimestamp: keepsTimestamp ? meta.deletionTimestamp : timestamp(this.now() + graceful * 1000),
            deletionGracePeriodSeconds: keepsTimestamp ? meta.deletionGracePeriodSeconds : graceful,
          },
          ...(info.resource === 'namespaces' ? { status: { ...((current.status as object) ?? {}), phase: 'Terminating' } } : {}),
        };
        // GuaranteedUpdate: a concurrent write (the kubelet's status, a binding) is not the
        // client's conflict — read the object again and retry, a bounded number of times.
        const rv0 = Number(meta.resourceVersion ?? 0);
        this.etcd.txn({ compare: [{ key, target: 'mod', result: '=', value: rv0 }], success: [{ op: 'put', key, value: encode(stripRv(next)) }], failure: [{ op: 'range', key }] }, (r) => {
          if (isFailure(r)) return answer(500, etcdError(r));
          if (r.succeeded) {
            this.traceWrite(p, 'update', next, r.revision, rv0);
            return answer(200, m.convert(withRv(next, r.revision), info, req.apiVersion));
          }
          if (++attempts > DELETE_CONFLICT_RETRIES_MAX) return answer(409, conflict(info.resource, info.group, name));
          const range = r.responses[0];
          const kv = range && range.op === 'range' ? range.kvs[0] : undefined;
          withCurrent(kv ? decode(kv) : null);
        });
        return;
      }
      const rv = Number(meta.resourceVersion ?? 0);
      const released = this.claimChanges(info, current, null, name).ops;
      this.etcd.txn({ compare: [{ key, target: 'mod', result: '=', value: rv }], success: [{ op: 'delete', key }, ...released], failure: [{ op: 'range', key }] }, (r) => {
        if (isFailure(r)) return answer(500, etcdError(r));
        if (r.succeeded) {
          this.traceWrite(p, 'delete', current, r.revision, rv);
          return answer(200, info.resource === 'pods' ? m.convert(current, info, req.apiVersion) : success());
        }
        const range = r.responses[0];
        const kv = range && range.op === 'range' ? range.kvs[0] : undefined;
        withCurrent(kv ? decode(kv) : null);
      });
    };
    const cached = this.caches.get(info.resource)!.cache.objects.get(key)?.object;
    if (cached) withCurrent(cached);
    else this.readFresh(p, key, withCurrent);
  }

  /**
   * The address keys a Service write takes and gives back, in the same transaction as the Service:
   * new addresses must be free (created), dropped ones are deleted (released), `next` null when the
   * Service goes.
   */
  private claimChanges(info: ResourceInfo, current: KubeObject, next: KubeObject | null, name: string) {
    const none = { compare: [] as { key: string; target: 'create'; result: '='; value: number }[], ops: [] as ({ op: 'put'; key: string; value: string } | { op: 'delete'; key: string })[], claimed: [] as string[] };
    if (info.resource !== 'services') return none;
    const before = new Set(allocationKeys(current));
    const after = new Set(next ? allocationKeys(next) : []);
    const holder = encode({ service: `${current.metadata?.namespace ?? ''}/${name}` } as KubeObject);
    for (const k of after) {
      if (before.has(k)) continue;
      none.compare.push({ key: k, target: 'create', result: '=', value: 0 });
      none.ops.push({ op: 'put', key: k, value: holder });
      none.claimed.push(k);
    }
    for (const k of before) if (!after.has(k)) none.ops.push({ op: 'delete', key: k });
    return none;
  }

  /** Seconds of graceful deletion: only pods bound to a node wait for their kubelet. */
  private gracePeriodFor(info: ResourceInfo, current: KubeObject, requested: number | undefined): number {
    if (info.resource !== 'pods') return 0;
    const spec = (current.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    if (!spec.nodeName) return 0;
    const phase = (current.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    return Math.max(0, requested ?? spec.terminationGracePeriodSeconds ?? 30);
  }

  // -------------------------------------------------------------------------------------------

  onHealthz(): boolean {
    return this.ready;
  }
}

/** A quantity as an integer (milli-units for CPU); 0 when absent or malformed (the trace never throws). */
function quantityMilli(q: string | number | undefined): number {
  try {
    return q === undefined ? 0 : toMilli(q);
  } catch {
    return 0;
  }
}

function quantityUnits(q: string | number | undefined): number {
  try {
    return q === undefined ? 0 : toUnits(q);
  } catch {
    return 0;
  }
}

/** A Service create allocates again this often when another apiserver took its addresses first. */
const ALLOCATION_RETRIES_MAX = 5;

/** A graceful delete re-reads and retries this often when concurrent writers keep moving the object. */
const DELETE_CONFLICT_RETRIES_MAX = 10;

interface Pending {
  req: ApiRequest;
  info: ResourceInfo;
  namespace: string | undefined;
  user: UserInfo;
  /** A Service create's allocations lost to another apiserver so far. */
  allocationAttempts?: number;
}

function requestKey(req: ApiRequest): string {
  return `${req.from}#${req.reqId}`;
}

/** The one timer of the apiserver's request deadlines (its event: ApiServerRequestDeadline). */
const REQUEST_DEADLINE_TIMER_ID = 'apiserver-request-deadlines';

function isInFlight(inFlight: Map<string, ApiRequest>, key: string): boolean {
  return inFlight.has(key);
}

function decode(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  // The object is this call's own: its resourceVersion is set in place, not on a copy (withRv's
  // two spreads per decoded object). Same keys in the same order: stored objects have none.
  const meta = obj.metadata as unknown;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return withRv(obj, kv.modRevision);
  (meta as { resourceVersion?: string }).resourceVersion = String(kv.modRevision);
  return obj;
}

/** Objects are stored without their resourceVersion: it is the key's mod revision. */
function encode(obj: KubeObject): string {
  return JSON.stringify(stripRv(obj));
}

function stripRv(obj: KubeObject): KubeObject {
  if (!obj.metadata?.resourceVersion) return obj;
  const { resourceVersion: _drop, ...meta } = obj.metadata;
  void _drop;
  return { ...obj, metadata: meta };
}

function withRv(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: String(rv) } };
}

/** storage's `expired` text for a list (apiserver pkg/storage/etcd3/store.go interpretListError). */
export const LIST_EXPIRED_MESSAGE = 'The resourceVersion for the provided list is too old.';

/** A list's etcd failure: 410 Expired at a compacted revision, otherwise the raw error. */
function listFailure(f: EtcdFailure): [number, ApiStatus] {
  if (f.error === ERR_COMPACTED || f.compactRevision !== undefined) return [410, gone(LIST_EXPIRED_MESSAGE)];
  return [500, etcdError(f)];
}

/** An etcd error reaches the client as a raw error: 500, reason Unknown (""), etcd's text. */
function etcdError(f: EtcdFailure): ApiStatus {
  return unknownError(f.error);
}

function conflictStatus(message: string): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason: 'Conflict', code: 409 };
}

function notFoundResource(req: ApiRequest): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404, details: { kind: req.resource } };
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/**
 * The kind's DefaultGarbageCollectionPolicy: Orphan for ReplicationControllers and for the
 * workload kinds served from legacy group versions (extensions/v1beta1, apps/v1beta1,
 * apps/v1beta2); Background for everything else.
 */
export function defaultPropagationPolicy(info: { resource: string }, apiVersion: string): PropagationPolicy {
  if (info.resource === 'replicationcontrollers') return 'Orphan';
  if (['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'].includes(apiVersion) && ['deployments', 'replicasets', 'daemonsets', 'statefulsets'].includes(info.resource)) return 'Orphan';
  return 'Background';
}

/**
 * deletionFinalizersForGarbageCollection: an explicit policy sets `orphan` or `foregroundDeletion`
 * (and drops the other; Background drops both); without one, finalizers already there stay, and
 * the default policy adds `orphan` when it is Orphan.
 */
export function gcFinalizers(current: readonly string[], policy: PropagationPolicy, explicit: boolean): string[] {
  const hasGc = current.includes(FINALIZER_ORPHAN) || current.includes(FINALIZER_FOREGROUND);
  if (!explicit && hasGc) return [...current];
  const rest = current.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (policy === 'Orphan') return [...rest, FINALIZER_ORPHAN];
  if (policy === 'Foreground') return [...rest, FINALIZER_FOREGROUND];
  return rest;
}

function namespaceFinalizers(ns: KubeObject): string[] {
  const f = (ns.spec as { finalizers?: unknown } | undefined)?.finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An update that leaves an object being deleted without finalizers deletes it (store.Update's
 * ShouldDeleteDuringUpdate); pods also wait for a zero grace period (their kubelet's last delete).
 */
export function shouldDeleteDuringUpdate(info: ResourceInfo, obj: KubeObject): boolean {
  const meta = obj.metadata ?? {};
  if (!meta.deletionTimestamp) return false;
  if ((meta.finalizers?.length ?? 0) > 0) return false;
  if (info.resource === 'namespaces' && namespaceFinalizers(obj).length > 0) return false;
  if (info.resource === 'pods' && (meta.deletionGracePeriodSeconds ?? 0) !== 0) return false;
  return true;
}

function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes('status');
}
