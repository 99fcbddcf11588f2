import { EventQueue, type QueuedEvent } from './event-queue.ts';

/**
 * Virtual time, integer milliseconds, advanced only by popping the event queue.
 *
 * It implements XState's `Clock` hook (`setTimeout` / `clearTimeout`), so an actor created with
 * `createActor(machine, { clock })` turns every `after` delay into a kernel event.
 * Unlike XState's SimulatedClock it sets `now` to each timer's own due time before firing it, so
 * timers armed inside a callback start on time.
 */
export class VirtualClock {
  private nowMs = 0;
  readonly queue = new EventQueue();

  now(): number {
    return this.nowMs;
  }

  /**
   * Schedules `fire` `delayMs` from now (negative or fractional delays are clamped and rounded up),
   * to be called with `arg` (see QueuedEvent.arg).
   */
  after<Arg>(delayMs: number, fire: (arg: Arg) => void, arg?: Arg): QueuedEvent {
    const delay = delayMs > 0 ? Math.ceil(delayMs) : 0;
    return this.queue.push(this.nowMs + delay, fire, arg);
  }

  cancel(handle: QueuedEvent | undefined): void {
    if (handle) this.queue.cancel(handle);
  }

  /** XState's Clock hook: virtual timers under the names XState calls. */
  setTimeout = (fire: () => void, delayMs: number): QueuedEvent => this.after(delayMs, fire);
  clearTimeout = (handle: QueuedEvent | undefined): void => this.cancel(handle);

  /** Schedules `fire` at an absolute virtual time (never in the past). */
  at(atMs: number, fire: () => void): QueuedEvent {
    return this.queue.push(Math.max(atMs, this.nowMs), fire);
  }

  /**
   * Fires the next event if it is due at or before `limitMs`. Returns false when there is none.
   * The kernel's run loop is the only caller.
   */
  fireNext(limitMs: number): boolean {
    const atMs = this.queue.peekAtMs();
    if (atMs === undefined || atMs > limitMs) return false;
    const event = this.queue.pop()!;
    this.nowMs = event.atMs;
    event.fire(event.arg);
    return true;
  }

  /** Moves time forward to `atMs` when nothing is due before it (end of a bounded run). */
  advanceTo(atMs: number): void {
    const next = this.queue.peekAtMs();
    if (next !== undefined && next < atMs) throw new Error(`clock: cannot advance to ${atMs} ms past an event due at ${next} ms`);
    if (atMs > this.nowMs) this.nowMs = atMs;
  }
}

/**
 * A host-scoped view of the clock: every timer it arms is remembered so a crash can cancel them
 * all at once (XState's own `cancelAll` misses events sent *to* a stopped actor).
 */
export class HostClock {
  private readonly pending = new Set<QueuedEvent>();

  constructor(private readonly clock: VirtualClock) {}

  after(delayMs: number, fire: () => void): QueuedEvent {
    const pending = this.pending;
    const handle = this.clock.after(delayMs, () => {
      pending.delete(handle);
      fire();
    });
    pending.add(handle);
    return handle;
  }

  cancel(handle: QueuedEvent | undefined): void {
    if (!handle) return;
    this.pending.delete(handle);
    this.clock.cancel(handle);
  }

  cancelAll(): void {
    for (const handle of this.pending) this.clock.cancel(handle);
    this.pending.clear();
  }

  /**
   * A timer its caller keeps track of and cancels on a crash itself (an actor's own timers, see
   * core-actor.ts), so `cancelAll` does not need it: no closure, no entry in `pending`.
   */
  afterUntracked<Arg>(delayMs: number, fire: (arg: Arg) => void, arg: Arg): QueuedEvent {
    return this.clock.after(delayMs, fire, arg);
  }

  cancelUntracked(handle: QueuedEvent): void {
    this.clock.cancel(handle);
  }

  /** XState's Clock hook. */
  setTimeout = (fire: () => void, delayMs: number): QueuedEvent => this.after(delayMs, fire);
  clearTimeout = (handle: QueuedEvent | undefined): void => this.cancel(handle);
}
