/**
 * The ids of the entries an etcd member applied within the duplicate window, with the log index
 * each was applied at: a duplicated request must not write twice (server.ts, isDuplicate).
 *
 * Ids arrive in apply order and leave oldest first, so besides the map from id to index it keeps
 * the ids in a queue: forgetting the ids applied before an index pops the queue's front. (Walking
 * a Map from its front after thousands of deletions skips the deleted slots V8 keeps until the
 * next rehash; that walk, before every apply, cost 1.5% of a 1000-node run.)
 */
export class AppliedIdWindow {
  private appliedAt = new Map<string, number>();
  private addsSinceCopy = 0;
  private ids: string[] = [];
  private indexes: number[] = [];
  private head = 0;

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
    this.ids.push(id);
    this.indexes.push(index);
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
    const ids = this.ids;
    const indexes = this.indexes;
    let head = this.head;
    while (head < ids.length && indexes[head]! < oldest) {
      const id = ids[head]!;
      // An id added again (never, while it is in the window) leaves its older queue slot stale.
      if (this.appliedAt.get(id) === indexes[head]) this.appliedAt.delete(id);
      head++;
    }
    this.head = head;
    if (head > 1024 && head * 2 > ids.length) {
      this.ids = ids.slice(head);
      this.indexes = indexes.slice(head);
      this.head = 0;
    }
  }

  /** True when the window holds exactly `ids[i]` applied at `indexes[i]`, oldest first (what `entries` would give). */
  holdsExactly(ids: readonly string[], indexes: readonly number[]): boolean {
    if (ids.length !== indexes.length || ids.length !== this.appliedAt.size) return false;
    let at = 0;
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (this.appliedAt.get(id) !== this.indexes[i]) continue;
      if (id !== ids[at] || this.indexes[i] !== indexes[at]) return false;
      at++;
    }
    return at === ids.length;
  }

  /** The ids held and the index of each, oldest first (what a snapshot keeps). */
  entries(): { ids: string[]; indexes: number[] } {
    const out = { ids: [] as string[], indexes: [] as number[] };
    for (let i = this.head; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      if (this.appliedAt.get(id) !== this.indexes[i]) continue;
      out.ids.push(id);
      out.indexes.push(this.indexes[i]!);
    }
    return out;
  }
}
