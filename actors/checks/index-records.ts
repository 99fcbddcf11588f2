/**
 * The one record per log index that all the checkers share, kept as columns (typed arrays in
 * chunks of CHUNK indexes) instead of objects per index per checker. An idle cluster's etcd
 * holds 5,000 to 15,000 entries between snapshots and the checkers keep a record for every index
 * some log still holds: as objects (an entry pair per log, a committed record, the apply event,
 * an id map) that was ~420 bytes an index; as columns it is a few tens of bytes.
 *
 * Per index, three facts, each written once (the first time it happens) and never changed:
 * - seen: the first entry any log held there ([term, id]), which member logged it, when, and the
 *   term before it in that log. Members' logs hold this entry unless they differ
 *   (`ClusterModel`'s per-member overlay); LogMatching checks every later entry of the same term
 *   against it.
 * - committed: who first committed the index, when, in which term, and what entry (nearly always
 *   the seen one).
 * - applied: who first applied it, when, the entry id and the revision it produced.
 *
 * What is nearly always implied is not stored: the prior term is the seen term of the index before,
 * the commit term is the entry's own term, the committed and applied ids are the seen id, and the
 * member numbers fit a byte; times are stored as Float32 differences from the seen time when that
 * is exact. Anything else (a conflict, a stale entry, a violation, a fractional or far time) goes
 * to one Map of exceptions per index, so every value a checker reads is the exact one it wrote.
 *
 * Forgetting: `dropUpTo(floor)` frees the chunks wholly below the floor and the exceptions at or
 * below it; reads of committed and applied records at or below the floor answer "none", as if
 * forgotten, except applies recorded after the floor passed them (a malformed trace), kept in a
 * Map until the floor moves again — exactly what the per-checker windows did before.
 */
import type { LogEntry } from './violation.ts';

/** Indexes per chunk: a chunk is freed whole once the floor passes it. */
const CHUNK = 1024;
/** A member number that did not fit the byte column: the name is in the exceptions. */
const WIDE_MEMBER = 255;

class Chunk {
  /** Seen term (NaN: nothing seen at this index). */
  readonly term = new Float64Array(CHUNK).fill(NaN);
  readonly id: (string | undefined)[] = new Array<string | undefined>(CHUNK).fill(undefined);
  /** Member numbers, 1-based (0: none). */
  readonly seenBy = new Uint8Array(CHUNK);
  readonly seenAt = new Float64Array(CHUNK);
  readonly committedBy = new Uint8Array(CHUNK);
  /** Commit time minus seen time (NaN: in the exceptions). */
  readonly committedAfter = new Float32Array(CHUNK);
  readonly appliedBy = new Uint8Array(CHUNK);
  readonly appliedAfter = new Float32Array(CHUNK);
  /** Index minus revision produced (NaN: in the exceptions). */
  readonly revisionBehind = new Float32Array(CHUNK);
}

/** What did not fit the columns at one index. */
interface Exceptions {
  seenBy?: string;
  prevTerm?: number;
  committedBy?: string;
  committedAt?: number;
  commitTerm?: number;
  committedEntry?: LogEntry;
  appliedBy?: string;
  appliedAt?: number;
  appliedId?: string;
  revision?: number;
}

/** The first apply at an index, as a checker reports it. */
export interface AppliedRecord {
  readonly index: number;
  readonly member: string;
  readonly id: string;
  readonly revision: number;
  readonly t: number;
}

export class IndexRecords {
  private readonly chunks = new Map<number, Chunk>();
  private lastKey = NaN;
  private lastChunk: Chunk | undefined = undefined;
  private readonly exceptions = new Map<number, Exceptions>();
  /** Applies recorded at or below the floor (a malformed trace): forgotten when the floor moves. */
  private readonly lowApplies = new Map<number, AppliedRecord>();
  private readonly memberNumbers = new Map<string, number>();
  private readonly memberNames: string[] = [''];
  /** Committed and applied records at or below this are forgotten. */
  private floor = 0;
  /** The highest index anything was recorded at. */
  maxIndex = 0;

  private chunkOf(index: number, create: boolean): Chunk | undefined {
    if (create && index > this.maxIndex) this.maxIndex = index;
    const key = Math.floor(index / CHUNK);
    if (key === this.lastKey) return this.lastChunk;
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      if (!create) return undefined;
      chunk = new Chunk();
      this.chunks.set(key, chunk);
    }
    this.lastKey = key;
    this.lastChunk = chunk;
    return chunk;
  }

  private slot(index: number): number {
    return index - Math.floor(index / CHUNK) * CHUNK;
  }

  private except(index: number): Exceptions {
    let x = this.exceptions.get(index);
    if (x === undefined) {
      x = {};
      this.exceptions.set(index, x);
    }
    return x;
  }

  private exceptionsAt(index: number): Exceptions | undefined {
    return this.exceptions.size === 0 ? undefined : this.exceptions.get(index);
  }

  private memberNumber(name: string): number {
    let n = this.memberNumbers.get(name);
    if (n === undefined) {
      n = this.memberNames.length < WIDE_MEMBER ? this.memberNames.length : WIDE_MEMBER;
      if (n < WIDE_MEMBER) this.memberNames.push(name);
      this.memberNumbers.set(name, n);
    }
    return n;
  }

  private memberName(n: number, wide: string | undefined): string {
    return n === WIDE_MEMBER ? wide! : this.memberNames[n]!;
  }

  /** Stores `t` as a Float32 difference from `base` when that is exact; false if it does not fit. */
  private static after(column: Float32Array, slot: number, t: number, base: number): boolean {
    const d = Math.fround(t - base);
    if (base + d === t && Number.isFinite(d)) {
      column[slot] = d;
      return true;
    }
    column[slot] = NaN;
    return false;
  }

  // --- seen ---------------------------------------------------------------------------------

  /** The seen term at `index` (NaN: none). Kept at the floor itself too, as the term before floor+1. */
  seenTerm(index: number): number {
    const chunk = this.chunkOf(index, false);
    return chunk === undefined ? NaN : chunk.term[this.slot(index)]!;
  }

  /** The seen id at `index` (meaningful where seenTerm is a number). */
  seenId(index: number): string {
    return this.chunkOf(index, false)!.id[this.slot(index)]!;
  }

  /** The term before the seen entry in the log that first held it (meaningful where seenTerm is a number). */
  seenPrevTerm(index: number): number {
    const x = this.exceptionsAt(index);
    return x?.prevTerm ?? (index === 1 ? 0 : this.seenTerm(index - 1));
  }

  /** The seen entry's record for LogMatching, or undefined when nothing was seen there. */
  seen(index: number): { term: number; id: string; prevTerm: number; member: string; t: number } | undefined {
    const chunk = this.chunkOf(index, false);
    if (chunk === undefined) return undefined;
    const s = this.slot(index);
    const term = chunk.term[s]!;
    if (Number.isNaN(term)) return undefined;
    const x = this.exceptionsAt(index);
    return { term, id: chunk.id[s]!, prevTerm: this.seenPrevTerm(index), member: this.memberName(chunk.seenBy[s]!, x?.seenBy), t: chunk.seenAt[s]! };
  }

  /** Records the first entry seen at `index`; does nothing if one was. */
  see(index: number, entry: LogEntry, prevTerm: number, member: string, t: number): void {
    const chunk = this.chunkOf(index, true)!;
    const s = this.slot(index);
    if (!Number.isNaN(chunk.term[s]!)) return;
    // An apply or commit recorded before anything was seen here (a malformed trace) was timed
    // from 0 and keeps its id apart: fix its time before the seen time moves.
    if (chunk.appliedBy[s] !== 0 && !Number.isNaN(chunk.appliedAfter[s]!)) {
      this.except(index).appliedAt = chunk.seenAt[s]! + chunk.appliedAfter[s]!;
      chunk.appliedAfter[s] = NaN;
    }
    if (chunk.committedBy[s] !== 0 && !Number.isNaN(chunk.committedAfter[s]!)) {
      this.except(index).committedAt = chunk.seenAt[s]! + chunk.committedAfter[s]!;
      chunk.committedAfter[s] = NaN;
    }
    chunk.term[s] = entry[0];
    chunk.id[s] = entry[1];
    chunk.seenAt[s] = t;
    const n = this.memberNumber(member);
    chunk.seenBy[s] = n;
    if (n === WIDE_MEMBER) this.except(index).seenBy = member;
    const before = index === 1 ? 0 : this.seenTerm(index - 1);
    if (before !== prevTerm) this.except(index).prevTerm = prevTerm;
  }

  // --- committed ----------------------------------------------------------------------------

  isCommitted(index: number): boolean {
    if (index <= this.floor) return false;
    const chunk = this.chunkOf(index, false);
    return chunk !== undefined && chunk.committedBy[this.slot(index)] !== 0;
  }

  /** The committed entry's term and id (undefined: not committed, or forgotten). */
  committedEntry(index: number): LogEntry | undefined {
    if (!this.isCommitted(index)) return undefined;
    const x = this.exceptionsAt(index);
    if (x?.committedEntry !== undefined) return x.committedEntry;
    const chunk = this.chunkOf(index, false)!;
    const s = this.slot(index);
    return [chunk.term[s]!, chunk.id[s]!];
  }

  /** The committed entry's term (NaN: not committed, or forgotten). */
  committedTerm(index: number): number {
    if (!this.isCommitted(index)) return NaN;
    const x = this.exceptionsAt(index);
    return x?.committedEntry !== undefined ? x.committedEntry[0] : this.seenTerm(index);
  }

  committedId(index: number): string | undefined {
    if (!this.isCommitted(index)) return undefined;
    const x = this.exceptionsAt(index);
    return x?.committedEntry !== undefined ? x.committedEntry[1] : this.seenId(index);
  }

  committed(index: number): { entry: LogEntry; commitTerm: number; member: string; t: number } | undefined {
    const entry = this.committedEntry(index);
    if (entry === undefined) return undefined;
    const chunk = this.chunkOf(index, false)!;
    const s = this.slot(index);
    const x = this.exceptionsAt(index);
    const after = chunk.committedAfter[s]!;
    return {
      entry,
      commitTerm: x?.commitTerm ?? entry[0],
      member: this.memberName(chunk.committedBy[s]!, x?.committedBy),
      t: Number.isNaN(after) ? x!.committedAt! : chunk.seenAt[s]! + after,
    };
  }

  /**
   * Records the first commit at `index` (the caller checks there is none). The entry must have
   * been seen there: a member commits only what its log holds.
   */
  commit(index: number, entry: LogEntry, commitTerm: number, member: string, t: number): void {
    const chunk = this.chunkOf(index, true)!;
    const s = this.slot(index);
    const n = this.memberNumber(member);
    chunk.committedBy[s] = n;
    if (n === WIDE_MEMBER) this.except(index).committedBy = member;
    if (!IndexRecords.after(chunk.committedAfter, s, t, chunk.seenAt[s]!)) this.except(index).committedAt = t;
    if (chunk.term[s] !== entry[0] || chunk.id[s] !== entry[1]) this.except(index).committedEntry = entry;
    if (commitTerm !== entry[0]) this.except(index).commitTerm = commitTerm;
  }

  /** Committed indexes above the floor (tests: memory stays bounded). */
  committedCount(): number {
    let n = 0;
    for (const [key, chunk] of this.chunks) {
      for (let s = 0; s < CHUNK; s++) if (chunk.committedBy[s] !== 0 && key * CHUNK + s > this.floor) n++;
    }
    return n;
  }

  // --- applied ------------------------------------------------------------------------------

  /** The revision the first apply at `index` produced (NaN: none, or forgotten). */
  appliedRevision(index: number): number {
    if (index <= this.floor) return this.lowApplies.get(index)?.revision ?? NaN;
    const chunk = this.chunkOf(index, false);
    if (chunk === undefined) return NaN;
    const s = this.slot(index);
    if (chunk.appliedBy[s] === 0) return NaN;
    const behind = chunk.revisionBehind[s]!;
    return Number.isNaN(behind) ? this.exceptionsAt(index)!.revision! : index - behind;
  }

  /** The id of the first apply at `index` (undefined: none, or forgotten). */
  appliedId(index: number): string | undefined {
    if (index <= this.floor) return this.lowApplies.get(index)?.id;
    const chunk = this.chunkOf(index, false);
    if (chunk === undefined) return undefined;
    const s = this.slot(index);
    if (chunk.appliedBy[s] === 0) return undefined;
    return this.exceptionsAt(index)?.appliedId ?? chunk.id[s]!;
  }

  applied(index: number): AppliedRecord | undefined {
    if (index <= this.floor) return this.lowApplies.get(index);
    const chunk = this.chunkOf(index, false);
    if (chunk === undefined) return undefined;
    const s = this.slot(index);
    if (chunk.appliedBy[s] === 0) return undefined;
    const x = this.exceptionsAt(index);
    const after = chunk.appliedAfter[s]!;
    return {
      index,
      member: this.memberName(chunk.appliedBy[s]!, x?.appliedBy),
      id: x?.appliedId ?? chunk.id[s]!,
      revision: this.appliedRevision(index),
      t: Number.isNaN(after) ? x!.appliedAt! : chunk.seenAt[s]! + after,
    };
  }

  /** Records the first apply at `index`; does nothing if one was. */
  apply(a: AppliedRecord): void {
    const index = a.index;
    if (index <= this.floor) {
      if (index > this.maxIndex) this.maxIndex = index;
      if (!this.lowApplies.has(index)) this.lowApplies.set(index, { index, member: a.member, id: a.id, revision: a.revision, t: a.t });
      return;
    }
    const chunk = this.chunkOf(index, true)!;
    const s = this.slot(index);
    if (chunk.appliedBy[s] !== 0) return;
    const n = this.memberNumber(a.member);
    chunk.appliedBy[s] = n;
    if (n === WIDE_MEMBER) this.except(index).appliedBy = a.member;
    // With nothing seen at the index (an apply of an entry no log held: a violation), the seen
    // time is 0 and the id an exception.
    if (!IndexRecords.after(chunk.appliedAfter, s, a.t, chunk.seenAt[s]!)) this.except(index).appliedAt = a.t;
    if (chunk.id[s] !== a.id) this.except(index).appliedId = a.id;
    const behind = Math.fround(index - a.revision);
    if (index - behind === a.revision && Number.isFinite(behind)) chunk.revisionBehind[s] = behind;
    else {
      chunk.revisionBehind[s] = NaN;
      this.except(index).revision = a.revision;
    }
  }

  // --- forgetting ---------------------------------------------------------------------------

  /** Forgets the committed and applied records at or below `floor`, and frees what no read needs. */
  dropUpTo(floor: number): void {
    if (floor <= this.floor) return;
    this.floor = floor;
    // The chunk holding the floor stays: its seen term is the term before floor + 1.
    for (const key of this.chunks.keys()) if ((key + 1) * CHUNK - 1 < floor) this.chunks.delete(key);
    this.lastKey = NaN;
    this.lastChunk = undefined;
    for (const index of this.exceptions.keys()) if (index <= floor) this.exceptions.delete(index);
    this.lowApplies.clear();
  }
}
