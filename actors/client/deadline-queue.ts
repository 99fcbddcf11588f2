/**
 * A client's request deadlines behind ONE timer, instead of a timer armed per request and
 * cancelled on its answer (at 1000 nodes, ~300k arms over 5 minutes, nearly all cancelled:
 * XState's schedule and cancel, the kernel heap's push and lazy pop, and their garbage cost ~10% of
 * the CPU).
 *
 * Deadlines sit in due order, earliest first; the owner arms its one timer at the earliest
 * deadline (`addDeadline` says when). An answered request is not removed: its entry is skipped
 * when it reaches the head (the owner's `isLive` says which requests still wait), so an answer
 * costs nothing here. When the timer fires, the owner takes every entry due (`takeDue`), times out
 * the live ones in order, and re-arms at the next live deadline (`nextDeadline`).
 *
 * A request times out exactly at its deadline, as its own timer would have fired it: deadlines
 * are absolute virtual times, and entries due at the same millisecond come out in the order they
 * were added. With one constant timeout deadlines arrive in order and an add is an append; an
 * earlier one (a shorter timeout) is inserted after every entry due no later, so order holds too.
 *
 * Pure bookkeeping: the owner keeps the timer (one id) and knows which requests are live.
 */
export interface DeadlineQueue<Key> {
  /** Entries from `head` on, in due order: keys[i] is due at dueMs[i]. */
  readonly keys: Key[];
  readonly dueMs: number[];
  head: number;
  /** When the owner's timer is armed to fire, or null when it is not armed. */
  armedAtMs: number | null;
}

export function newDeadlineQueue<Key>(): DeadlineQueue<Key> {
  return { keys: [], dueMs: [], head: 0, armedAtMs: null };
}

/** Entries not yet taken (live or not). */
export function queuedDeadlines(q: DeadlineQueue<unknown>): number {
  return q.keys.length - q.head;
}

/**
 * Queues `key` due at `dueMs`. Returns true when the owner must arm its timer at `dueMs` (it was
 * not armed, or armed later: then the owner cancels it first); the queue notes it armed.
 */
export function addDeadline<Key>(q: DeadlineQueue<Key>, key: Key, dueMs: number): boolean {
  const keys = q.keys;
  const due = q.dueMs;
  const n = keys.length;
  if (n === q.head || due[n - 1]! <= dueMs) {
    keys.push(key);
    due.push(dueMs);
  } else {
    // Earlier than the last entry (a shorter timeout): after every entry due no later than it.
    let lo = q.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (due[mid]! <= dueMs) lo = mid + 1;
      else hi = mid;
    }
    keys.splice(lo, 0, key);
    due.splice(lo, 0, dueMs);
  }
  if (q.armedAtMs !== null && q.armedAtMs <= dueMs) return false;
  q.armedAtMs = dueMs;
  return true;
}

/**
 * The timer fired at `nowMs`: the next entry due by then, or undefined when none is. The owner
 * checks each key is still live before timing it out, and calls this until undefined, so a
 * timeout that ends another request (or adds one) is seen by the next call; then `nextDeadline`.
 * Until then the queue counts the timer as armed at `nowMs`, so a request added by a timeout
 * does not arm a second one.
 */
export function takeDue<Key>(q: DeadlineQueue<Key>, nowMs: number): Key | undefined {
  q.armedAtMs = nowMs;
  const head = q.head;
  if (head === q.keys.length || q.dueMs[head]! > nowMs) return undefined;
  const key = q.keys[head]!;
  q.head = head + 1;
  compact(q);
  return key;
}

/**
 * After the timer fired: drops entries no longer live from the head and returns the next live
 * deadline — the owner arms its timer there (the queue notes it armed) — or null when none waits.
 * `isLive(owner, key, dueMs)` says whether the request behind an entry still waits for it.
 */
export function nextDeadline<Key, Owner>(q: DeadlineQueue<Key>, owner: Owner, isLive: (owner: Owner, key: Key, dueMs: number) => boolean): number | null {
  const keys = q.keys;
  const due = q.dueMs;
  let head = q.head;
  while (head < keys.length && !isLive(owner, keys[head]!, due[head]!)) head++;
  q.head = head;
  compact(q);
  if (q.head === q.keys.length) {
    q.armedAtMs = null;
    return null;
  }
  q.armedAtMs = q.dueMs[q.head]!;
  return q.armedAtMs;
}

/** Taken entries are dropped in one move once they are half the arrays (amortised O(1)). */
function compact(q: DeadlineQueue<unknown>): void {
  const head = q.head;
  if (head === q.keys.length) {
    q.keys.length = 0;
    q.dueMs.length = 0;
    q.head = 0;
  } else if (head > 1024 && head * 2 > q.keys.length) {
    q.keys.splice(0, head);
    q.dueMs.splice(0, head);
    q.head = 0;
  }
}
