/**
 * What a checker keeps per log index (or per revision): a map from integer keys, stored as a dense
 * array from the lowest key kept. The checkers keep one record per index that some log still
 * holds — 5,000 to 15,000 between etcd's snapshots — and forget them below the floor
 * (`deleteUpTo`). A Map costs about 30–60 bytes a key for its hash table; a slot of an array
 * costs 8. Keys the dense run cannot take (below its start, or more than MAX_GAP past its end, as
 * a malformed trace may give) go to a Map beside it, so any key works.
 */

/** Slots a set may skip past the end: V8 keeps an array this sparse in fast (dense) mode. */
const MAX_GAP = 1024;

export class IndexWindow<T> {
  /** Key of dense[0] (meaningless while dense is empty). */
  private start = 0;
  private dense: (T | undefined)[] = [];
  private readonly other = new Map<number, T>();
  private denseCount = 0;

  get size(): number {
    return this.denseCount + this.other.size;
  }

  get(key: number): T | undefined {
    const at = key - this.start;
    if (at >= 0 && at < this.dense.length) {
      const value = this.dense[at];
      if (value !== undefined) return value;
    }
    return this.other.size === 0 ? undefined : this.other.get(key);
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: T): void {
    // A key once in `other` stays there, so no key is in both.
    if (Number.isInteger(key) && (this.other.size === 0 || !this.other.has(key))) {
      if (this.dense.length === 0) this.start = key;
      const at = key - this.start;
      if (at >= 0 && at <= this.dense.length + MAX_GAP) {
        while (this.dense.length < at) this.dense.push(undefined);
        if (this.dense[at] === undefined) this.denseCount++;
        this.dense[at] = value;
        return;
      }
    }
    this.other.set(key, value);
  }

  /** Forgets every key at or below `floor`. */
  deleteUpTo(floor: number): void {
    const drop = Math.min(Math.floor(floor) - this.start + 1, this.dense.length);
    if (drop > 0) {
      for (let i = 0; i < drop; i++) if (this.dense[i] !== undefined) this.denseCount--;
      this.dense = this.dense.slice(drop);
      this.start += drop;
    }
    for (const key of this.other.keys()) if (key <= floor) this.other.delete(key);
    this.trim();
  }

  /** Forgets every record `forget` says so of. */
  deleteIf(forget: (value: T, key: number) => boolean): void {
    for (let i = 0; i < this.dense.length; i++) {
      const value = this.dense[i];
      if (value !== undefined && forget(value, this.start + i)) {
        this.dense[i] = undefined;
        this.denseCount--;
      }
    }
    for (const [key, value] of this.other) if (forget(value, key)) this.other.delete(key);
    this.trim();
  }

  /** Moves the start past empty leading slots, so forgotten records cost nothing. */
  private trim(): void {
    let i = 0;
    while (i < this.dense.length && this.dense[i] === undefined) i++;
    if (i === 0) return;
    this.dense = i === this.dense.length ? [] : this.dense.slice(i);
    this.start += i;
  }
}
