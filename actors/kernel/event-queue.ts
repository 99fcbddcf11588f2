/**
 * The kernel's one event queue: a binary min-heap ordered by (atMs, seq).
 *
 * `seq` is a global insertion counter, so events due at the same virtual millisecond fire in the
 * order they were scheduled — the tie-break never depends on the JS engine's sort.
 * Cancellation is lazy (a flag), which keeps `cancel` O(1); cancelled events are skipped on pop.
 */
export interface QueuedEvent {
  readonly atMs: number;
  readonly seq: number;
  /** Called with `arg` when the event fires. */
  fire: (arg: any) => void;
  /**
   * What `fire` is called with: a caller that schedules many events of one kind (the network's
   * deliveries) passes one shared `fire` and the event's data here, instead of a new closure and
   * its context per event. Undefined for a plain closure.
   */
  arg: unknown;
  /** True once the event was cancelled or popped: it will not fire (again). */
  cancelled: boolean;
}

export class EventQueue {
  private heap: QueuedEvent[] = [];
  private nextSeq = 0;
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  push<Arg>(atMs: number, fire: (arg: Arg) => void, arg?: Arg): QueuedEvent {
    const event: QueuedEvent = { atMs, seq: this.nextSeq++, fire, arg, cancelled: false };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.atMs < atMs || (p.atMs === atMs && p.seq < event.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    this.liveCount++;
    return event;
  }

  cancel(event: QueuedEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    this.liveCount--;
  }

  /** Due time of the next live event, or undefined when the queue is empty. */
  peekAtMs(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.atMs;
  }

  /** Removes and returns the next live event; it counts as settled, so a late cancel is a no-op. */
  pop(): QueuedEvent | undefined {
    this.dropCancelledTop();
    const top = this.popRaw();
    if (top) {
      top.cancelled = true;
      this.liveCount--;
    }
    return top;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.popRaw();
  }

  private popRaw(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = left;
        let c = heap[left]!;
        if (right < n) {
          const r = heap[right]!;
          if (r.atMs < c.atMs || (r.atMs === c.atMs && r.seq < c.seq)) {
            child = right;
            c = r;
          }
        }
        if (last.atMs < c.atMs || (last.atMs === c.atMs && last.seq < c.seq)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
