/**
 * The ids of the entries an etcd member applied within the duplicate window, with the log index
 * each was applied at: a duplicated request must not write twice (server.ts, isDuplicate).
 *
 * Ids arrive in apply order and leave oldest first, so besides the map from id to index it keeps
 * the ids in a queue: forgetting the ids applied before an index pops the queue's front. (Walking
 * a Map from its front after thousands of deletions skips the deleted slots V8 keeps until the
 * next rehash; that walk, before every apply, cost 1.5% of a 1000-node run.) The queue is a ring
 * of a power-of-two capacity that doubles when full and is never cut: a window of 5,000 ids holds
 * 8,192 slots for good. (Two arrays pushed at the back and sliced once half was dead swung between
 * 5,000 and 11,000 slots each, ~0.4 MB over five members at etcd's 5,000-id window, out of phase
 * with everything else an hourly heap sample sees.)
 */
/** Slots of a new window's queue; a power of two (the ring indexes with a mask). */
const INITIAL_CAPACITY = 256;

export class AppliedIdWindow {
  private appliedAt = new Map<string, number>();
  private addsSinceCopy = 0;
  /** The queue: `queueIds[(head + i) & mask]` applied at `queueIndexes[...]`, for i < count; '' in free slots, so a forgotten id is not kept alive. */
  private queueIds: string[] = new Array<string>(INITIAL_CAPACITY).fill('');
  private queueIndexes = new Float64Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private count = 0;

  /** A window holding `ids[i]` applied at `indexes[i]`, oldest first (a snapshot's). */
  static of(ids: readonly string[], indexes: readonly number[]): AppliedIdWindow {
    const w = new AppliedIdWindow();
    for (let i = 0; i < ids.length; i++) w.add(ids[i]!, indexes[i]!);
    return w;
  }

  get size(): number {
    return this.appliedAt.size;
  }

  /** The index `id` was applied at, if it is still in the window. */
  get(id: string): number | undefined {
    return this.appliedAt.get(id);
  }

  /** Records `id` applied at `index`, the highest so far. */
  add(id: string, index: number): void {
    this.appliedAt.set(id, index);
    if (this.count > this.mask) this.grow();
    const slot = (this.head + this.count) & this.mask;
    this.queueIds[slot] = id;
    this.queueIndexes[slot] = index;
    this.count++;
    // A Map that forgets at its front and adds at its back keeps its deleted slots until it
    // rehashes, and rehashes into a table twice as large: the window's 5,000 ids came to hold about
    // 220 KB more per member than they need. A copy holds only the live ids, and one every quarter
    // of the window comes before the copy's free slots run out (a copy per whole window did not).
    if (++this.addsSinceCopy >= Math.max(256, this.appliedAt.size >> 2)) {
      this.appliedAt = new Map(this.appliedAt);
      this.addsSinceCopy = 0;
    }
  }

  /** Drops the ids applied before index `oldest`. */
  forgetBefore(oldest: number): void {
    const ids = this.queueIds;
    const indexes = this.queueIndexes;
    const mask = this.mask;
    let head = this.head;
    let count = this.count;
    while (count > 0 && indexes[head]! < oldest) {
      const id = ids[head]!;
      // An id added again (never, while it is in the window) leaves its older queue slot stale.
      if (this.appliedAt.get(id) === indexes[head]) this.appliedAt.delete(id);
      ids[head] = '';
      head = (head + 1) & mask;
      count--;
    }
    this.head = head;
    this.count = count;
  }

  /** True when the window holds exactly `ids[i]` applied at `indexes[i]`, oldest first (what `entries` would give). */
  holdsExactly(ids: readonly string[], indexes: readonly number[]): boolean {
    if (ids.length !== indexes.length || ids.length !== this.appliedAt.size) return false;
    return this.everyHeld((id, index, at) => id === ids[at] && index === indexes[at]) === ids.length;
  }

  /** The ids held and the index of each, oldest first (what a snapshot keeps). */
  entries(): { ids: string[]; indexes: number[] } {
    // Made at their size (a snapshot keeps them a whole cycle; pushed arrays kept a third more slots).
    const ids = new Array<string>(this.appliedAt.size);
    const indexes = new Array<number>(this.appliedAt.size);
    this.everyHeld((id, index, at) => {
      ids[at] = id;
      indexes[at] = index;
      return true;
    });
    return { ids, indexes };
  }

  /**
   * Visits the ids held, oldest first, with the index each was applied at and its rank `at`,
   * while `visit` returns true; a stale slot (an id added again) is skipped. Returns how many were
   * visited, or -1 when `visit` stopped it. Once per snapshot.
   */
  private everyHeld(visit: (id: string, index: number, at: number) => boolean): number {
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & this.mask;
      const id = this.queueIds[slot]!;
      const index = this.queueIndexes[slot]!;
      if (this.appliedAt.get(id) !== index) continue;
      if (!visit(id, index, at)) return -1;
      at++;
    }
    return at;
  }

  /** Twice the ring, the queue moved to its start in order. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const ids = new Array<string>(capacity).fill('');
    const indexes = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & this.mask;
      ids[i] = this.queueIds[slot]!;
      indexes[i] = this.queueIndexes[slot]!;
    }
    this.queueIds = ids;
    this.queueIndexes = indexes;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
