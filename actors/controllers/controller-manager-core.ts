import { timestamp } from '../api/time.ts';
import type { KubeObject } from '../api/protocol.ts';
import { request, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, stopInformer, type Delta } from '../client/informer.ts';
import { DEFAULT_LEADER_ELECTION, newLeaderElection, onLeaseResult, ownsTag as leaseOwnsTag, tryAcquireOrRenew, type LeaderElectionState } from '../client/leader-election.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import { WorkQueue } from '../client/workqueue.ts';
import { DEFAULT_CONTROLLER_MANAGER_CONFIG, type ControllerManagerConfig } from './config.ts';
import { informerId, SharedInformers, type SharedInformer } from './host/informers.ts';
import type { Action, AnyController, ControllerContext, EventAction, EventHandler, PeriodicSpec, QueueSpec, WriteAction } from './host/types.ts';
import { CONTROLLERS } from './registry.ts';

/**
 * kube-controller-manager: a host of controller modules (the registry in registry.ts, one folder
 * per controller; see README.md), like the real one:
 *
 * - **Leader election** on the kube-system/kube-controller-manager Lease: only the leader runs
 *   controllers; standbys keep trying. Losing the lease is a process exit, as upstream
 *   (OnStoppedLeading → klog.FlushAndExit in cmd/kube-controller-manager/app/controllermanager.go):
 *   the controllers' state is dropped and the informers are stopped with their caches. A watch
 *   the apiserver ended while its close message was lost (a partition) would otherwise stay
 *   silent for the client's idle timeout, and the next term would sync from a dead cache.
 * - **Shared informers**: one per resource, whichever controllers read it (host/informers.ts),
 *   with the indexers the controllers declared; started afresh (LIST, then WATCH) each time the
 *   instance acquires the lease, as upstream starts its informer factories in OnStartedLeading
 *   (started earlier, their first LISTs could meet an apiserver still bootstrapping RBAC, and
 *   back off for seconds).
 * - **Work queues** (actors/client/workqueue.ts): a controller's handlers add keys; the host hands
 *   each key to the queue's `sync` while a worker is free. The key stays in processing until every
 *   write the sync made is answered (the real worker blocks on its API calls); then it is
 *   forgotten, or re-added rate-limited when a write failed (client-go's processNextWorkItem).
 *   A sync that made no write frees its worker at once, so the next key runs in the same step.
 * - **Timers**: periodic passes and deadlines declared by the controllers; queue delays and
 *   deadlines share one wake-up timer.
 * - **Output**: writes go through the API client; their `k8s.controller` traces are recorded when
 *   they succeed; events are posted and traced as `k8s.event` with the controller's reporter name.
 */

export const COMPONENT = 'kube-controller-manager';
/** Bound on syncs in one step: a sync that re-adds its own key at once would otherwise never end. */
const MAX_SYNCS_PER_STEP = 100_000;

interface Queue {
  readonly controller: Controller;
  readonly spec: QueueSpec<unknown>;
  readonly name: string;
  readonly wq: WorkQueue;
  active: number;
}

interface Controller {
  readonly module: AnyController;
  state: unknown;
  readonly informers: readonly SharedInformer[];
  readonly informerIds: ReadonlySet<string>;
  readonly queues: readonly Queue[];
  readonly periodic: { spec: PeriodicSpec<unknown>; timerId: string | null }[];
}

interface Sync {
  readonly queue: Queue;
  readonly key: string;
  outstanding: number;
  failed: boolean;
}

interface PendingWrite {
  readonly controller: Controller;
  readonly action: WriteAction<unknown>;
  sync: Sync | null;
  /** The leadership term it was made in: its callback runs only in that term. */
  readonly term: number;
}

export interface ControllerManagerOptions {
  /** The controllers to host (default: the registry). */
  controllers?: readonly AnyController[];
  /** The component the host is: its Lease in kube-system and its traces (default kube-controller-manager). */
  component?: string;
  config?: Partial<ControllerManagerConfig>;
}

export interface ControllerManagerState {
  readonly component: string;
  readonly identity: string;
  readonly client: ApiClientState;
  readonly leader: LeaderElectionState;
  readonly config: ControllerManagerConfig;
  readonly informers: SharedInformers;
  readonly controllers: readonly Controller[];
  /** Every controller's queues, in registry order (the order they are drained in). */
  readonly queues: readonly Queue[];
  /** informer id → the handlers registered on it, in registry order. */
  readonly handlers: ReadonlyMap<string, readonly { controller: Controller; handler: EventHandler<unknown> }[]>;
  readonly syncs: Map<string, Sync>;
  readonly writes: Map<string, PendingWrite>;
  nextWrite: number;
  /** Leadership terms seen (acquired or lost). */
  term: number;
  informersStarted: boolean;
  wakeAtMs: number | null;
  wakeTimer: string | null;
  timerCounter: number;
  eventCounter: number;
}

export function newControllerManager(identity: string, client: ApiClientState, options: ControllerManagerOptions = {}): ControllerManagerState {
  const config = { ...DEFAULT_CONTROLLER_MANAGER_CONFIG, ...(options.config ?? {}) };
  const informers = new SharedInformers();
  const handlers = new Map<string, { controller: Controller; handler: EventHandler<unknown> }[]>();
  const controllers: Controller[] = [];
  const names = new Set<string>();
  for (const module of options.controllers ?? CONTROLLERS) {
    if (names.has(module.name)) throw new Error(`controller ${module.name} is registered twice`);
    names.add(module.name);
    const shared = module.informers.map((spec) => informers.add(spec));
    const queues: Queue[] = [];
    const controller: Controller = {
      module,
      state: module.newState(config),
      informers: shared,
      informerIds: new Set(shared.map((i) => i.id)),
      queues,
      periodic: (module.periodic ?? []).map((spec) => ({ spec, timerId: null })),
    };
    for (const spec of module.queues ?? []) {
      const name = spec.name ?? module.name;
      if (queues.some((q) => q.name === name)) throw new Error(`controller ${module.name}: two queues named ${name}`);
      queues.push({ controller, spec, name, wq: new WorkQueue({ name, ...(spec.rateLimiter ?? {}) }), active: 0 });
    }
    for (const handler of module.handlers ?? []) {
      const id = informerId(handler.informer);
      if (!controller.informerIds.has(id)) throw new Error(`controller ${module.name} handles ${handler.informer.resource} without declaring its informer`);
      let list = handlers.get(id);
      if (!list) handlers.set(id, (list = []));
      list.push({ controller, handler });
    }
    controllers.push(controller);
  }
  const component = options.component ?? COMPONENT;
  return {
    component,
    identity,
    client,
    leader: newLeaderElection({ identity, namespace: 'kube-system', leaseName: component, ...DEFAULT_LEADER_ELECTION }),
    config,
    informers,
    controllers,
    queues: controllers.flatMap((c) => c.queues),
    handlers,
    syncs: new Map(),
    writes: new Map(),
    nextWrite: 1,
    term: 0,
    informersStarted: false,
    wakeAtMs: null,
    wakeTimer: null,
    timerCounter: 0,
    eventCounter: 0,
  };
}

/** The state of a hosted controller (tests, observation). */
export function controllerState<S>(s: ControllerManagerState, name: string): S | undefined {
  return s.controllers.find((c) => c.module.name === name)?.state as S | undefined;
}

// ---------------------------------------------------------------------------------------------
// One entry point for an adapter: every event the component receives

export type ControllerManagerEvent =
  | { type: 'ControllerManagerStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'LeaderElectionRetry' }
  /** Every host timer (periodic passes, the wake-up) is raised as ControllerWake; NodeMonitor is its old name. */
  | { type: 'ControllerWake'; id: string }
  | { type: 'NodeMonitor'; id: string };

export function step(s: ControllerManagerState, event: ControllerManagerEvent, nowMs: number): Output {
  const out = newOutput();
  if (isApiClientEvent(event)) {
    routeApiEvent(s, s.client, event, nowMs, out, API_HANDLERS);
    return out;
  }
  switch (event.type) {
    case 'ControllerManagerStart':
      start(s, nowMs, out);
      break;
    case 'InformerRetry':
      onInformerRetry(s, event.informer, event.what, nowMs, out);
      break;
    case 'LeaderElectionRetry':
      onLeaderRetry(s, nowMs, out);
      break;
    case 'ControllerWake':
    case 'NodeMonitor':
      onTimer(s, event.id, nowMs, out);
      break;
  }
  return out;
}

/** The process starts: it campaigns for the lease; informers start once it leads. */
export function start(s: ControllerManagerState, nowMs: number, out: Output): void {
  tryAcquireOrRenew(s.leader, nowMs, s.client, out);
}

// ---------------------------------------------------------------------------------------------
// Leadership

export function onLeaderRetry(s: ControllerManagerState, nowMs: number, out: Output): void {
  if (tryAcquireOrRenew(s.leader, nowMs, s.client, out) === 'lost') onLost(s, out);
}

function onAcquired(s: ControllerManagerState, nowMs: number, out: Output): void {
  s.term++;
  out.traces.push({ kind: 'k8s.leader', fields: { component: s.component, identity: s.identity, leader: true } });
  // As upstream's OnStartedLeading: the shared informers start with the term (the lease write
  // just succeeded, so the apiserver serves us); a lost lease stopped the previous term's.
  if (!s.informersStarted) {
    s.informersStarted = true;
    for (const inf of s.informers.all) startInformer(inf.state, s.client, out, nowMs);
  }
  // Every controller starts from the informers' caches: each cached object is an add (the caches
  // are empty after a lost lease; the fresh LISTs then hand their objects over as adds).
  for (const c of s.controllers) {
    const ctx = contextOf(s, c, nowMs);
    for (const h of c.module.handlers ?? []) {
      if (!h.onAdd) continue;
      const view = ctx.cache(h.informer);
      for (const key of view.keys()) h.onAdd(view.get(key)!, ctx);
    }
  }
  for (const c of s.controllers) for (const p of c.periodic) armPeriodic(s, p, p.spec.firstDelayMs ?? 0, out);
  afterEvent(s, nowMs, out);
}

function onLost(s: ControllerManagerState, out: Output): void {
  s.term++;
  out.traces.push({ kind: 'k8s.leader', fields: { component: s.component, identity: s.identity, leader: false } });
  // Upstream the process exits here; its informers die with it and the next leader term starts
  // new ones. Stopping them also ends watches that may be dead without our knowing.
  if (s.informersStarted) {
    s.informersStarted = false;
    for (const inf of s.informers.all) s.informers.index(inf, stopInformer(inf.state, s.client, out));
  }
  for (const q of s.queues) {
    q.wq.clear();
    q.active = 0;
  }
  s.syncs.clear();
  for (const w of s.writes.values()) w.sync = null;
  for (const c of s.controllers) {
    c.state = c.module.newState(s.config);
    for (const p of c.periodic) {
      if (p.timerId !== null) out.cancels.push(p.timerId);
      p.timerId = null;
    }
  }
  if (s.wakeTimer !== null) out.cancels.push(s.wakeTimer);
  s.wakeTimer = null;
  s.wakeAtMs = null;
}

// ---------------------------------------------------------------------------------------------
// API results and watches

export function onApiResult(s: ControllerManagerState, result: ApiResult, nowMs: number, out: Output): void {
  for (const inf of s.informers.all) {
    if (ownsTag(inf.state, result.tag)) {
      onDeltas(s, inf, informerResult(inf.state, result, s.client, out, nowMs), nowMs);
      afterEvent(s, nowMs, out);
      return;
    }
  }
  if (leaseOwnsTag(result.tag)) {
    const change = onLeaseResult(s.leader, result, nowMs, s.client, out);
    if (change === 'acquired') onAcquired(s, nowMs, out);
    else if (change === 'lost') onLost(s, out);
    return;
  }
  const write = s.writes.get(result.tag);
  if (!write) return;
  s.writes.delete(result.tag);
  onWriteResult(s, write, result, nowMs, out);
  afterEvent(s, nowMs, out);
}

export function onApiWatch(s: ControllerManagerState, delivery: WatchDelivery, nowMs: number, out: Output): void {
  for (const inf of s.informers.all) {
    if (ownsTag(inf.state, delivery.tag)) {
      onDeltas(s, inf, informerWatch(inf.state, delivery, s.client, out, nowMs), nowMs);
      afterEvent(s, nowMs, out);
      return;
    }
  }
}

export function onInformerRetry(s: ControllerManagerState, informer: string, what: 'list' | 'watch', nowMs: number, out: Output): void {
  const inf = s.informers.all.find((i) => i.state.config.name === informer);
  if (inf) informerRetry(inf.state, what, s.client, out, nowMs);
  afterEvent(s, nowMs, out);
}

function onDeltas(s: ControllerManagerState, inf: SharedInformer, deltas: Delta[], nowMs: number): void {
  s.informers.index(inf, deltas);
  if (deltas.length === 0 || !s.leader.isLeader) return;
  const handlers = s.handlers.get(inf.id);
  if (!handlers) return;
  const contexts = new Map<Controller, ControllerContext<unknown>>();
  for (const d of deltas) {
    for (const { controller, handler } of handlers) {
      let ctx = contexts.get(controller);
      if (!ctx) contexts.set(controller, (ctx = contextOf(s, controller, nowMs)));
      if (d.type === 'added') handler.onAdd?.(d.object, ctx);
      else if (d.type === 'updated') handler.onUpdate?.(d.old, d.object, ctx);
      else handler.onDelete?.(d.object, ctx);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Work queues: take keys while workers are free, sync, track the sync's writes

function synced(c: Controller): boolean {
  return c.informers.every((i) => i.state.synced);
}

/** After every event: run the queues, then arm the wake-up for delayed keys and deadlines. */
function afterEvent(s: ControllerManagerState, nowMs: number, out: Output): void {
  if (!s.leader.isLeader) return;
  drain(s, nowMs, out);
  armWake(s, nowMs, out);
}

function drain(s: ControllerManagerState, nowMs: number, out: Output): void {
  let syncs = 0;
  for (const q of s.queues) {
    if (!synced(q.controller)) continue;
    // A worker whose sync made no write is free again at once: keep taking keys while one is
    // free (counting the free workers once, before the loop, left keys waiting for another event).
    while (q.active < q.spec.workers) {
      const key = q.wq.get();
      if (key === undefined) break;
      if (++syncs > MAX_SYNCS_PER_STEP) throw new Error(`${s.component}: more than ${MAX_SYNCS_PER_STEP} syncs in one step (queue ${q.name} re-adds its keys at once?)`);
      runSync(s, q, key, nowMs, out);
    }
  }
}

function runSync(s: ControllerManagerState, queue: Queue, key: string, nowMs: number, out: Output): void {
  const sync: Sync = { queue, key, outstanding: 0, failed: false };
  s.syncs.set(`${queue.controller.module.name}|${queue.name}|${key}`, sync);
  queue.active++;
  const actions = queue.spec.sync(key, contextOf(s, queue.controller, nowMs));
  perform(s, queue.controller, actions, sync, nowMs, out);
  if (sync.outstanding === 0) finishSync(s, sync, nowMs);
}

function finishSync(s: ControllerManagerState, sync: Sync, nowMs: number): void {
  const q = sync.queue;
  s.syncs.delete(`${q.controller.module.name}|${q.name}|${sync.key}`);
  q.active--;
  if (sync.failed) q.wq.addRateLimited(sync.key, nowMs);
  else q.wq.forget(sync.key);
  q.wq.done(sync.key);
}

/** Performs a controller's actions in order; writes made inside a sync count against its key. */
function perform(s: ControllerManagerState, c: Controller, actions: readonly Action<unknown>[] | void, sync: Sync | null, nowMs: number, out: Output): void {
  for (const a of actions ?? []) {
    switch (a.kind) {
      case 'write': {
        const tag = `kcm-write|${s.nextWrite++}`;
        if (sync) sync.outstanding++;
        s.writes.set(tag, { controller: c, action: a, sync, term: s.term });
        request(s.client, a.request, tag, out, nowMs);
        break;
      }
      case 'event':
        postEvent(s, c, a, nowMs, out);
        break;
      case 'trace':
        out.traces.push({ kind: 'k8s.controller', fields: { controller: c.module.name, action: a.action, object: a.object, detail: a.detail } });
        break;
      case 'fail':
        if (sync) sync.failed = true;
        break;
    }
  }
}

function onWriteResult(s: ControllerManagerState, w: PendingWrite, result: ApiResult, nowMs: number, out: Output): void {
  const ok = result.code === 200 || result.code === 201;
  const c = w.controller;
  if (ok) for (const t of w.action.traces ?? []) out.traces.push({ kind: 'k8s.controller', fields: { controller: c.module.name, action: t.action, object: t.object, detail: t.detail } });
  const failed = !ok && !(w.action.tolerate ?? []).includes(result.code);
  const sync = w.sync;
  const current = sync !== null && s.syncs.get(`${c.module.name}|${sync.queue.name}|${sync.key}`) === sync;
  // Writes made by a sync's callback belong to the same sync (slow-start batches keep the key busy).
  if (w.term === s.term && w.action.onResult) perform(s, c, w.action.onResult(result, contextOf(s, c, nowMs)), current ? sync : null, nowMs, out);
  if (sync && current) {
    if (failed) sync.failed = true;
    if (--sync.outstanding === 0) finishSync(s, sync, nowMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Timers: periodic passes, and one wake-up for delayed keys and deadlines

function armPeriodic(s: ControllerManagerState, p: Controller['periodic'][number], delayMs: number, out: Output): void {
  if (p.timerId !== null) out.cancels.push(p.timerId);
  p.timerId = `kcm-${p.spec.name}-${++s.timerCounter}`;
  out.timers.push({ id: p.timerId, delayMs, event: { type: 'ControllerWake', id: p.timerId } });
}

function armWake(s: ControllerManagerState, nowMs: number, out: Output): void {
  let next: number | undefined;
  for (const q of s.queues) {
    const w = q.wq.nextWakeMs();
    if (w !== undefined && (next === undefined || w < next)) next = w;
  }
  for (const c of s.controllers) {
    const d = c.module.deadlines?.next(c.state);
    if (d !== undefined && (next === undefined || d < next)) next = d;
  }
  if (next === undefined) return;
  if (s.wakeAtMs !== null && s.wakeAtMs <= next) return;
  if (s.wakeTimer !== null) out.cancels.push(s.wakeTimer);
  s.wakeTimer = `kcm-wake-${++s.timerCounter}`;
  s.wakeAtMs = next;
  out.timers.push({ id: s.wakeTimer, delayMs: Math.max(0, next - nowMs), event: { type: 'ControllerWake', id: s.wakeTimer } });
}

/** A host timer fired: the wake-up (delayed keys, deadlines) or a controller's periodic pass. */
export function onTimer(s: ControllerManagerState, id: string, nowMs: number, out: Output): void {
  if (id === s.wakeTimer) {
    s.wakeTimer = null;
    s.wakeAtMs = null;
    if (!s.leader.isLeader) return;
    for (const q of s.queues) q.wq.promote(nowMs);
    for (const c of s.controllers) if (c.module.deadlines) perform(s, c, c.module.deadlines.run(contextOf(s, c, nowMs)), null, nowMs, out);
    afterEvent(s, nowMs, out);
    return;
  }
  for (const c of s.controllers) {
    for (const p of c.periodic) {
      if (p.timerId !== id) continue;
      if (!s.leader.isLeader) return;
      armPeriodic(s, p, p.spec.periodMs(c.state), out);
      if (synced(c)) perform(s, c, p.spec.run(contextOf(s, c, nowMs)), null, nowMs, out);
      afterEvent(s, nowMs, out);
      return;
    }
  }
}

/** The wake-up timer fired (old name of onTimer; every host timer goes through it). */
export const onWake = onTimer;
/** The node monitor's timer fired (old name of onTimer). */
export const onNodeMonitor = onTimer;

// ---------------------------------------------------------------------------------------------
// What a controller sees

function contextOf(s: ControllerManagerState, c: Controller, nowMs: number): ControllerContext<unknown> {
  const queue = (name: string | undefined): Queue => {
    const q = name === undefined ? c.queues[0] : c.queues.find((x) => x.name === name);
    if (!q) throw new Error(`controller ${c.module.name} has no queue ${name ?? ''}`);
    return q;
  };
  return {
    state: c.state,
    nowMs,
    identity: s.identity,
    config: s.config,
    cache: (spec) => {
      const id = informerId(spec);
      if (!c.informerIds.has(id)) throw new Error(`controller ${c.module.name} reads ${spec.resource} without declaring its informer`);
      return s.informers.of(spec)!.view;
    },
    enqueue: (key, name) => void queue(name).wq.add(key),
    enqueueAfter: (key, delayMs, name) => queue(name).wq.addAfter(key, delayMs, nowMs),
  };
}

// ---------------------------------------------------------------------------------------------
// Events

function postEvent(s: ControllerManagerState, c: Controller, e: EventAction, nowMs: number, out: Output): void {
  const obj = e.object;
  const meta = obj.metadata ?? {};
  const kind = e.objectKind ?? obj.kind ?? '';
  // Events about cluster-scoped objects go to the default namespace.
  const namespace = meta.namespace ?? 'default';
  out.traces.push({ kind: 'k8s.event', fields: { reporter: s.client.config.name, namespace, object: `${kind.toLowerCase()}/${meta.name ?? ''}`, type: e.type, reason: e.reason, message: e.message } });
  const when = timestamp(nowMs);
  const source = c.module.reporter;
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${meta.name ?? 'object'}.${s.identity.replace(/[^a-z0-9]/g, '')}${(++s.eventCounter).toString(16).padStart(8, '0')}`, namespace },
    involvedObject: { kind, name: meta.name, uid: meta.uid, apiVersion: obj.apiVersion ?? 'v1', ...(meta.namespace ? { namespace: meta.namespace } : {}) },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: source },
    reportingComponent: source,
    reportingInstance: s.identity,
    firstTimestamp: when,
    lastTimestamp: when,
    count: 1,
  };
  request(s.client, { verb: 'create', apiVersion: 'v1', resource: 'events', namespace, body }, 'kcm-event', out, nowMs);
}

const API_HANDLERS: ApiEventHandlers<ControllerManagerState> = { onResult: onApiResult, onWatch: onApiWatch };
