/**
 * kube-scheduler's scheduling queue (pkg/scheduler/backend/queue/scheduling_queue.go), pure and
 * bounded, with time passed in.
 *
 * - **activeQ**: pods ready to be tried, ordered by PrioritySort: higher `spec.priority` first,
 *   then earlier queue timestamp, then insertion order (a stable tie-break Go's heap lacks).
 * - **backoffQ**: pods waiting out their backoff, `initialBackoff · 2^(attempts−1)` capped at
 *   `maxBackoff` (1 s, 2 s, 4 s, 8 s, 10 s, 10 s, ...; 0 before the first attempt), counted from
 *   the time the pod last failed. A pod leaves it when `now ≥ timestamp + backoff` (kube moves
 *   completed pods once a second; here they are eligible at that exact millisecond, and
 *   `nextWakeMs` says when).
 * - **unschedulablePods**: pods a scheduling attempt rejected. A cluster event (node added or
 *   updated, pod deleted, ...) moves them to backoffQ if still backing off, else to activeQ. Pods
 *   that stay longer than 5 min are flushed by the leftover check, which runs every 30 s
 *   (ticks at `startMs + k·30 s`) and moves pods strictly older than 5 min.
 * - A pod rejected while a cluster event arrived during its attempt (kube's `moveRequestCycle`),
 *   or one that failed with an error (`requeueAfterError`), goes straight to backoffQ.
 *
 * Not modelled: QueueingHints per plugin (pass a filter to `onClusterEvent` instead), scheduling
 * gates, PreEnqueue. Nominated pods are kept beside the queue (`nominator.ts`).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { newPodInfo, podKey, type PodInfo } from './framework/pod-info.ts';

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** `DefaultPodMaxInUnschedulablePodsDuration`. */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS = 5 * 60_000;
/** How often kube runs `flushUnschedulablePodsLeftover`. */
export const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;
export const DEFAULT_QUEUE_CAPACITY = 100_000;

export interface QueueOptions {
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly maxInUnschedulablePodsMs?: number;
  readonly unschedulableFlushIntervalMs?: number;
  /** Most pods the queue tracks (active + backoff + unschedulable + in flight). */
  readonly capacity?: number;
  /** Virtual time the queue started: the leftover check's ticks are `startMs + k·interval`. */
  readonly startMs?: number;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

/** A pod in the queue (kube `QueuedPodInfo`). */
export interface QueuedPodInfo {
  readonly key: string;
  podInfo: PodInfo;
  /** When the pod was added, or last failed: activeQ order and backoff base. */
  timestampMs: number;
  /** Scheduling attempts so far (pop increments). */
  attempts: number;
  /** When it was first popped (kube `InitialAttemptTimestamp`). */
  initialAttemptMs: number | undefined;
  /** Plugins that rejected it in its last attempt. */
  unschedulablePlugins: readonly string[];
}

interface Entry extends QueuedPodInfo {
  where: QueueName;
  heapIndex: number;
  seq: number;
  /** The scheduling cycle of its current attempt (while in flight). */
  cycle: number;
  /** Updated while in flight: treat like a move request when it comes back. */
  updatedInFlight: boolean;
}

/** `calculateBackoffDuration`: 0 before the first attempt, then initial·2^(attempts−1), capped. */
export function backoffDurationMs(attempts: number, initialMs = DEFAULT_POD_INITIAL_BACKOFF_MS, maxMs = DEFAULT_POD_MAX_BACKOFF_MS): number {
  if (attempts <= 0) return 0;
  let d = initialMs;
  for (let i = 1; i < attempts; i++) {
    if (d > maxMs - d) return maxMs;
    d += d;
  }
  return d;
}

/** A binary heap whose entries know their index, so any entry can be removed or re-sifted in O(log n). */
class IndexedHeap {
  readonly items: Entry[] = [];
  constructor(private readonly less: (a: Entry, b: Entry) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(e: Entry): void {
    e.heapIndex = this.items.length;
    this.items.push(e);
    this.up(e.heapIndex);
  }

  pop(): Entry | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  remove(e: Entry): void {
    const i = e.heapIndex;
    const last = this.items.pop()!;
    if (last !== e) {
      this.items[i] = last;
      last.heapIndex = i;
      this.fix(i);
    }
    e.heapIndex = -1;
  }

  fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private up(i: number): boolean {
    const items = this.items;
    const e = items[i]!;
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!this.less(e, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
      moved = true;
    }
    items[i] = e;
    e.heapIndex = i;
    return moved;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const e = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r]!, items[l]!) ? r : l;
      const child = items[c]!;
      if (!this.less(child, e)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = e;
    e.heapIndex = i;
  }
}

/** True when an update may change the scheduling outcome (kube `isPodUpdated`: anything but status and bookkeeping). */
function isPodUpdated(oldPod: V1Pod, newPod: V1Pod): boolean {
  const strip = (p: V1Pod): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = p.metadata ?? {};
    return JSON.stringify([meta, p.spec]);
  };
  return strip(oldPod) !== strip(newPod);
}

export class SchedulingQueue {
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly flushIntervalMs: number;
  private readonly capacity: number;
  private readonly startMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly activeQ = new IndexedHeap((a, b) => {
    const pa = a.podInfo.priority;
    const pb = b.podInfo.priority;
    if (pa !== pb) return pa > pb;
    if (a.timestampMs !== b.timestampMs) return a.timestampMs < b.timestampMs;
    return a.seq < b.seq;
  });
  private readonly backoffQ = new IndexedHeap((a, b) => {
    const ea = this.backoffExpiry(a);
    const eb = this.backoffExpiry(b);
    if (ea !== eb) return ea < eb;
    if (a.podInfo.priority !== b.podInfo.priority) return a.podInfo.priority > b.podInfo.priority;
    return a.seq < b.seq;
  });
  private readonly unschedulable = new Map<string, Entry>();
  private nextSeq = 0;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;

  constructor(options: QueueOptions = {}) {
    this.initialBackoffMs = options.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = options.maxInUnschedulablePodsMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS;
    this.flushIntervalMs = options.unschedulableFlushIntervalMs ?? UNSCHEDULABLE_FLUSH_INTERVAL_MS;
    this.capacity = options.capacity ?? DEFAULT_QUEUE_CAPACITY;
    this.startMs = options.startMs ?? 0;
    if (this.flushIntervalMs <= 0) throw new Error('SchedulingQueue: unschedulableFlushIntervalMs must be > 0');
  }

  /** Pods tracked, by sub-queue. */
  get sizes(): { active: number; backoff: number; unschedulable: number; inFlight: number; total: number } {
    const total = this.entries.size;
    const active = this.activeQ.size;
    const backoff = this.backoffQ.size;
    const unschedulable = this.unschedulable.size;
    return { active, backoff, unschedulable, inFlight: total - active - backoff - unschedulable, total };
  }

  /** Where the pod with this key is, or undefined. */
  where(key: string): QueueName | undefined {
    return this.entries.get(key)?.where;
  }

  get(key: string): QueuedPodInfo | undefined {
    return this.entries.get(key);
  }

  backoffDurationMs(attempts: number): number {
    return backoffDurationMs(attempts, this.initialBackoffMs, this.maxBackoffMs);
  }

  /** When this pod's backoff ends (timestamp + backoff for its attempts so far). */
  backoffExpiry(info: QueuedPodInfo): number {
    return info.timestampMs + this.backoffDurationMs(info.attempts);
  }

  /** A new pending pod enters activeQ. An already-queued pod is updated instead. False when full. */
  add(pod: V1Pod, now: number): boolean {
    const key = podKey(pod);
    if (this.entries.has(key)) {
      this.update(pod, now);
      return true;
    }
    if (this.entries.size >= this.capacity) return false;
    const e: Entry = {
      key,
      podInfo: newPodInfo(pod),
      timestampMs: now,
      attempts: 0,
      initialAttemptMs: undefined,
      unschedulablePlugins: [],
      where: 'active',
      heapIndex: -1,
      seq: this.nextSeq++,
      cycle: -1,
      updatedInFlight: false,
    };
    this.entries.set(key, e);
    this.activeQ.push(e);
    return true;
  }

  /** The pod object changed (informer update). Unknown pods are added. */
  update(pod: V1Pod, now: number): boolean {
    const key = podKey(pod);
    const e = this.entries.get(key);
    if (!e) return this.add(pod, now);
    const oldPod = e.podInfo.pod;
    const oldPriority = e.podInfo.priority;
    e.podInfo = newPodInfo(pod);
    switch (e.where) {
      case 'active':
        if (e.podInfo.priority !== oldPriority) this.activeQ.fix(e.heapIndex);
        break;
      case 'backoff':
        if (e.podInfo.priority !== oldPriority) this.backoffQ.fix(e.heapIndex);
        break;
      case 'unschedulable':
        // An update that may make the pod schedulable moves it, as a cluster event would.
        if (isPodUpdated(oldPod, pod)) {
          this.unschedulable.delete(key);
          this.moveToActiveOrBackoff(e, now);
        }
        break;
      case 'inFlight':
        e.updatedInFlight = true;
        break;
    }
    return true;
  }

  /** Forgets the pod wherever it is (deleted, or bound by someone else). */
  delete(podOrKey: V1Pod | string): boolean {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    const e = this.entries.get(key);
    if (!e) return false;
    this.detach(e);
    this.entries.delete(key);
    return true;
  }

  /**
   * The next pod to schedule (highest priority, then oldest), after moving every pod whose
   * backoff has ended and flushing unschedulable leftovers due by `now`. The pod is "in flight"
   * until `done`, `markUnschedulable`, `requeueAfterError` or `delete`.
   */
  pop(now: number): QueuedPodInfo | undefined {
    this.flush(now);
    const e = this.activeQ.pop();
    if (!e) return undefined;
    e.where = 'inFlight';
    e.attempts++;
    e.initialAttemptMs ??= now;
    e.cycle = ++this.schedulingCycle;
    e.updatedInFlight = false;
    return e;
  }

  /** The pod was scheduled (assumed): stop tracking it. */
  done(key: string): void {
    const e = this.entries.get(key);
    if (e && e.where === 'inFlight') this.entries.delete(key);
  }

  /**
   * kube `AddUnschedulableIfNotPresent`: the attempt found no node. To unschedulablePods, unless
   * a cluster event (or an update of this pod) arrived during the attempt — then to backoffQ,
   * since that event may have made it schedulable. `unschedulablePlugins` (from scheduleOne) is
   * kept for `onClusterEvent` filters.
   */
  markUnschedulable(info: QueuedPodInfo | string, now: number, unschedulablePlugins: readonly string[] = []): void {
    const e = this.entries.get(typeof info === 'string' ? info : info.key);
    if (!e || e.where !== 'inFlight') return; // deleted meanwhile, or not ours
    e.timestampMs = now;
    e.unschedulablePlugins = [...unschedulablePlugins];
    if (this.moveRequestCycle >= e.cycle || e.updatedInFlight) this.pushBackoff(e);
    else {
      e.where = 'unschedulable';
      this.unschedulable.set(e.key, e);
    }
  }

  /**
   * The attempt failed with an error, or binding failed: retry after backoff (kube sends a pod
   * rejected with no plugin to blame to backoffQ).
   */
  requeueAfterError(info: QueuedPodInfo | string, now: number): void {
    const e = this.entries.get(typeof info === 'string' ? info : info.key);
    if (!e || e.where !== 'inFlight') return;
    e.timestampMs = now;
    e.unschedulablePlugins = [];
    this.pushBackoff(e);
  }

  private pushBackoff(e: Entry): void {
    e.where = 'backoff';
    e.seq = this.nextSeq++;
    this.backoffQ.push(e);
  }

  /**
   * kube `MoveAllToActiveOrBackoffQueue` on a cluster event: unschedulable pods (those passing
   * `filter`, default all) go to backoffQ if still backing off, else activeQ. Pods in flight
   * will go to backoffQ when they come back unschedulable. Returns how many moved.
   */
  onClusterEvent(now: number, filter?: (info: QueuedPodInfo) => boolean): number {
    this.moveRequestCycle = this.schedulingCycle;
    let moved = 0;
    for (const e of [...this.unschedulable.values()]) {
      if (filter && !filter(e)) continue;
      this.unschedulable.delete(e.key);
      this.moveToActiveOrBackoff(e, now);
      moved++;
    }
    return moved;
  }

  /**
   * kube `Activate`: a pod waiting in unschedulablePods or backoffQ goes to activeQ at once (a
   * plugin knows it may schedule now, e.g. after a failed preemption). False if it was not
   * waiting there.
   */
  activate(key: string): boolean {
    const e = this.entries.get(key);
    if (!e || (e.where !== 'unschedulable' && e.where !== 'backoff')) return false;
    this.detach(e);
    e.where = 'active';
    e.seq = this.nextSeq++;
    this.activeQ.push(e);
    return true;
  }

  /**
   * Moves backoff-completed pods to activeQ, and unschedulable pods whose 5 minutes have passed
   * at the last leftover-check tick at or before `now`.
   */
  flush(now: number): void {
    for (let e = this.backoffQ.peek(); e && this.backoffExpiry(e) <= now; e = this.backoffQ.peek()) {
      this.backoffQ.pop();
      e.where = 'active';
      this.activeQ.push(e);
    }
    if (this.unschedulable.size === 0 || now < this.startMs) return;
    const lastTick = this.startMs + Math.floor((now - this.startMs) / this.flushIntervalMs) * this.flushIntervalMs;
    for (const e of [...this.unschedulable.values()]) {
      if (lastTick - e.timestampMs > this.maxInUnschedulableMs) {
        this.unschedulable.delete(e.key);
        this.moveToActiveOrBackoff(e, now);
      }
    }
  }

  /**
   * The earliest virtual time at which `flush` would move a pod: a backoff ending, or a leftover
   * check that will flush an unschedulable pod. Undefined when nothing is waiting on time.
   * (Pods already in activeQ are ready now: see `sizes.active`.)
   */
  nextWakeMs(): number | undefined {
    let next: number | undefined;
    const b = this.backoffQ.peek();
    if (b) next = this.backoffExpiry(b);
    let oldest = Infinity;
    for (const e of this.unschedulable.values()) if (e.timestampMs < oldest) oldest = e.timestampMs;
    if (oldest !== Infinity) {
      // First tick T = startMs + k·interval with T − oldest > maxInUnschedulable.
      const k = Math.floor((oldest + this.maxInUnschedulableMs - this.startMs) / this.flushIntervalMs) + 1;
      const tick = this.startMs + Math.max(0, k) * this.flushIntervalMs;
      next = next === undefined ? tick : Math.min(next, tick);
    }
    return next;
  }

  private moveToActiveOrBackoff(e: Entry, now: number): void {
    e.seq = this.nextSeq++;
    if (this.backoffExpiry(e) > now) {
      e.where = 'backoff';
      this.backoffQ.push(e);
    } else {
      e.where = 'active';
      this.activeQ.push(e);
    }
  }

  private detach(e: Entry): void {
    if (e.where === 'active') this.activeQ.remove(e);
    else if (e.where === 'backoff') this.backoffQ.remove(e);
    else if (e.where === 'unschedulable') this.unschedulable.delete(e.key);
  }
}
