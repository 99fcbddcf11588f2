import type { KubeObject } from '../../api/protocol.ts';
import type { ApiResult, RequestSpec } from '../../client/api-client.ts';
import type { ControllerManagerConfig } from '../config.ts';

/**
 * The interface between kube-controller-manager's host (controller-manager-core.ts) and its
 * controllers, shaped like kube-controller-manager's own: a controller declares the informers it
 * reads, the event handlers that turn informer changes into work-queue keys, its work queues with
 * a level-triggered `sync(key, ctx)`, and the timers it needs. The host owns everything else:
 * one shared informer per resource (with the indexers every controller asked for), leader
 * election (nothing runs unless this instance leads; a lost lease drops every controller's state),
 * the queues' workers, the API writes with their results, events, traces, and the timers.
 *
 * A controller never sends anything itself: its sync, timers and write callbacks return
 * `Action`s as data, which the host performs in order. See README.md beside this folder.
 */

/** Maps an object to the index values it is filed under (client-go `cache.IndexFunc`). */
export type IndexFunc = (obj: KubeObject) => readonly string[];

/**
 * An informer on one API resource (any the apiserver serves). Two controllers naming the same
 * (apiVersion, resource, namespace, selectors) share one informer; their indexers are merged.
 */
export interface InformerSpec {
  apiVersion: string;
  /** Plural resource, as in the URL: `pods`, `replicasets`, `leases`. */
  resource: string;
  /** Only this namespace (the default: all namespaces). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Names the informer in request tags and retry timers; default `resource[@namespace]`. */
  name?: string;
  /** Secondary indexes over the cache: name → index function. */
  indexers?: Readonly<Record<string, IndexFunc>>;
}

/** A read-only view of a shared informer's cache (client-go's lister + indexer). */
export interface CacheView {
  readonly synced: boolean;
  /** By key: `namespace/name`, or `name` for cluster-scoped objects. */
  get(key: string): KubeObject | undefined;
  has(key: string): boolean;
  /** Every key, sorted (one array until the keys change: read it, do not change it). */
  keys(): readonly string[];
  /** The keys filed under `value` in index `index` (declared in an InformerSpec), sorted (one array until they change). */
  byIndex(index: string, value: string): readonly string[];
}

/** What a controller sees while it runs: the caches, its own state, its queues. */
export interface ControllerContext<S> {
  /** The controller's own memory for this leadership term (fresh from `newState` each term). */
  readonly state: S;
  readonly nowMs: number;
  /** This kube-controller-manager instance (`<host>_<incarnation>`). */
  readonly identity: string;
  readonly config: ControllerManagerConfig;
  /** The cache of an informer this controller declared. */
  cache(spec: InformerSpec): CacheView;
  /** Adds a key to one of this controller's queues (the first one by default). */
  enqueue(key: string, queue?: string): void;
  /** Adds a key after `delayMs` (client-go `AddAfter`). */
  enqueueAfter(key: string, delayMs: number, queue?: string): void;
}

/** A `k8s.controller` trace line; the host adds `controller: <controller name>`. */
export interface ControllerTrace {
  action: string;
  object: string;
  detail: string;
}

/** An API write. Inside a sync it belongs to the key: the key stays busy until it is answered. */
export interface WriteAction<S> {
  kind: 'write';
  request: RequestSpec;
  /** Traced when the write succeeds (200 or 201). */
  traces?: readonly ControllerTrace[];
  /** Failure codes that do not fail the sync (say 409 AlreadyExists for a create). */
  tolerate?: readonly number[];
  /** Bookkeeping when the answer comes, in the same leadership term; may return more actions. */
  onResult?(result: ApiResult, ctx: ControllerContext<S>): readonly Action<S>[] | void;
}

/** An Event about `object`, reported as the controller's `reporter`. */
export interface EventAction {
  kind: 'event';
  object: KubeObject;
  /** involvedObject.kind; default `object.kind`. */
  objectKind?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type Action<S> =
  | WriteAction<S>
  | EventAction
  /** A `k8s.controller` trace at once (not waiting for a write). */
  | ({ kind: 'trace' } & ControllerTrace)
  /** The sync failed without a write failing: the key is re-queued rate-limited. */
  | { kind: 'fail' };

/** Informer change notifications (client-go `ResourceEventHandlerFuncs`): enqueue keys, update own state. */
export interface EventHandler<S> {
  informer: InformerSpec;
  onAdd?(obj: KubeObject, ctx: ControllerContext<S>): void;
  onUpdate?(old: KubeObject, obj: KubeObject, ctx: ControllerContext<S>): void;
  onDelete?(obj: KubeObject, ctx: ControllerContext<S>): void;
}

export interface RateLimiterSpec {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
}

/** A rate-limited work queue and its level-triggered sync. */
export interface QueueSpec<S> {
  /** Unique within the controller; default the controller's name. */
  name?: string;
  /** Keys synced at once (client-go's worker count: `--concurrent-*-syncs`). */
  workers: number;
  rateLimiter?: RateLimiterSpec;
  /**
   * Brings `key` to its desired state from the caches and the controller's state; returns the
   * writes, events and traces to do. A failed write (not tolerated) or a `fail` action re-queues
   * the key rate-limited; success forgets its failures.
   */
  sync(key: string, ctx: ControllerContext<S>): readonly Action<S>[];
}

/** A periodic pass (node-monitor-period): first `firstDelayMs` after becoming leader, then every `periodMs`. */
export interface PeriodicSpec<S> {
  /** Unique within the host; names the timer. */
  name: string;
  periodMs(state: S): number;
  firstDelayMs?: number;
  run(ctx: ControllerContext<S>): readonly Action<S>[];
}

/** Deadlines the controller keeps itself (eviction times): the host wakes it at the earliest one. */
export interface DeadlineSpec<S> {
  next(state: S): number | undefined;
  /** Called at (or after) a deadline; must drop or move the deadlines it handled. */
  run(ctx: ControllerContext<S>): readonly Action<S>[];
}

export interface ControllerModule<S> {
  /** `serviceaccount`, `node-lifecycle`: the `controller` field of its traces. */
  name: string;
  /** Events' `source.component` / `reportingComponent` (`node-controller`). */
  reporter: string;
  /** Every informer it reads; its queues and periodic passes wait until all have synced. */
  informers: readonly InformerSpec[];
  handlers?: readonly EventHandler<S>[];
  queues?: readonly QueueSpec<S>[];
  periodic?: readonly PeriodicSpec<S>[];
  deadlines?: DeadlineSpec<S>;
  newState(config: ControllerManagerConfig): S;
}

/** Any controller, for the registry (method parameters are bivariant, so every ControllerModule<S> fits). */
export type AnyController = ControllerModule<unknown>;

/** Declares a controller (only for type inference of its state). */
export function defineController<S>(module: ControllerModule<S>): ControllerModule<S> {
  return module;
}
