/**
 * client-go's rate-limited work queue (util/workqueue: `Typed` queue + delaying queue +
 * rate-limiting queue with `DefaultControllerRateLimiter`), as a deterministic core on virtual
 * time. A controller adds keys; a worker takes one with `get`, syncs it, and calls `done`:
 *
 * - `add` deduplicates: a key waiting in the queue is there once. A key being processed and
 *   added again is not handed to a second worker: it goes back in the queue at `done`.
 * - `addAfter` holds a key until `nowMs + delayMs` (a key already waiting keeps the earlier time);
 *   `promote(nowMs)` moves due keys into the queue, and `nextWakeMs()` says when to call it.
 * - `addRateLimited` = `addAfter(key, when(key))`, with `when` the larger of the per-item
 *   exponential delay (5 ms · 2^failures, at most 1000 s) and the overall token bucket (10 qps,
 *   burst 100), both always consulted as `MaxOfRateLimiter` does; `forget` clears the failures.
 *
 * The token bucket is golang.org/x/time/rate's `Reserve().Delay()` in integer arithmetic: tokens
 * are kept in thousandths, so 10 qps refills 10 milli-tokens per ms and a token owed is 100 ms.
 * Bounded: more than `maxLength` queued (or waiting) keys throws, like the API client's bound.
 */

export interface WorkQueueConfig {
  /** Names the queue in errors. */
  name: string;
  /** Per-item exponential limiter: first delay, and cap. Defaults 5 ms and 1000 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Overall token bucket. Defaults 10 qps, burst 100. */
  qps?: number;
  burst?: number;
  /** Bound on queued keys, and separately on waiting (delayed) keys. Default 10 000. */
  maxLength?: number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1_000_000;
export const DEFAULT_QPS = 10;
export const DEFAULT_BURST = 100;
export const DEFAULT_MAX_LENGTH = 10_000;

interface Waiting {
  readyAtMs: number;
  seq: number;
}

export class WorkQueue {
  readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly maxLength: number;

  /** FIFO of keys ready to process; `head` is the next one (the array is compacted now and then). */
  private queue: string[] = [];
  private head = 0;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private waitSeq = 0;
  private readonly failures = new Map<string, number>();
  /** Token bucket, in thousandths of a token; null `lastMs`: never used (full). */
  private tokensMilli: number;
  private lastMs: number | null = null;

  constructor(config: WorkQueueConfig) {
    this.name = config.name;
    this.baseDelayMs = config.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = config.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.qps = config.qps ?? DEFAULT_QPS;
    this.burst = config.burst ?? DEFAULT_BURST;
    this.maxLength = config.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!Number.isInteger(this.qps) || this.qps <= 0) throw new Error(`workqueue ${this.name}: qps must be a positive integer, got ${this.qps}`);
    this.tokensMilli = this.burst * 1000;
  }

  /** Marks `key` as needing processing. Returns false when it was already queued (or will be). */
  add(key: string): boolean {
    if (this.dirty.has(key)) return false;
    const busy = this.processing.has(key);
    if (!busy && this.len() >= this.maxLength) throw new Error(`workqueue ${this.name}: more than ${this.maxLength} keys queued`);
    this.dirty.add(key);
    if (!busy) this.queue.push(key);
    return true;
  }

  /** The next key to process, now marked as processing; undefined when the queue is empty. */
  get(): string | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head]!;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  /** The worker finished `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) {
      if (this.len() >= this.maxLength) throw new Error(`workqueue ${this.name}: more than ${this.maxLength} keys queued`);
      this.queue.push(key);
    }
  }

  /** Keys ready to process (not the waiting ones, nor those being processed). */
  len(): number {
    return this.queue.length - this.head;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** How many keys are held for later. */
  waitingCount(): number {
    return this.waiting.size;
  }

  /** Adds `key` after `delayMs`; a key already waiting keeps the earlier of the two times. */
  addAfter(key: string, delayMs: number, nowMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAtMs = nowMs + delayMs;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAtMs <= readyAtMs) return;
    if (!existing && this.waiting.size >= this.maxLength) throw new Error(`workqueue ${this.name}: more than ${this.maxLength} keys waiting`);
    this.waiting.set(key, { readyAtMs, seq: ++this.waitSeq });
  }

  /** Moves every waiting key due at `nowMs` into the queue, earliest first. Returns how many. */
  promote(nowMs: number): number {
    if (this.waiting.size === 0) return 0;
    const due: [string, Waiting][] = [];
    for (const entry of this.waiting) if (entry[1].readyAtMs <= nowMs) due.push(entry);
    due.sort((a, b) => a[1].readyAtMs - b[1].readyAtMs || a[1].seq - b[1].seq);
    for (const [key] of due) {
      this.waiting.delete(key);
      this.add(key);
    }
    return due.length;
  }

  /** When the earliest waiting key is due; undefined when none waits. */
  nextWakeMs(): number | undefined {
    let next: number | undefined;
    for (const w of this.waiting.values()) if (next === undefined || w.readyAtMs < next) next = w.readyAtMs;
    return next;
  }

  /** Adds `key` when the rate limiters allow it. Returns the delay chosen. */
  addRateLimited(key: string, nowMs: number): number {
    const delayMs = this.when(key, nowMs);
    this.addAfter(key, delayMs, nowMs);
    return delayMs;
  }

  /** `MaxOfRateLimiter.When`: both limiters are charged, the longer delay wins. */
  when(key: string, nowMs: number): number {
    return Math.max(this.itemDelay(key), this.bucketDelay(nowMs));
  }

  /** Stops tracking `key`'s failures (its next rate-limited add starts at the base delay again). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Drops everything: queued, waiting and processing keys and failure counts (leadership lost). */
  clear(): void {
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    this.processing.clear();
    this.waiting.clear();
    this.failures.clear();
  }

  /** `ItemExponentialFailureRateLimiter.When`: base · 2^failures, capped; counts one more failure. */
  private itemDelay(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    const backoff = this.baseDelayMs * 2 ** exp;
    return backoff > this.maxDelayMs ? this.maxDelayMs : backoff;
  }

  /** `BucketRateLimiter.When`: reserve one token; the wait until it exists, in whole ms (rounded up). */
  private bucketDelay(nowMs: number): number {
    const capacity = this.burst * 1000;
    if (this.lastMs !== null && nowMs > this.lastMs) this.tokensMilli = Math.min(capacity, this.tokensMilli + (nowMs - this.lastMs) * this.qps);
    if (this.lastMs === null || nowMs > this.lastMs) this.lastMs = nowMs;
    this.tokensMilli -= 1000;
    return this.tokensMilli >= 0 ? 0 : Math.ceil(-this.tokensMilli / this.qps);
  }
}
