/**
 * etcd's multi-version key-value store (server/storage/mvcc), as the pure state machine an etcd
 * member applies committed Raft entries to. No I/O, clock or randomness: the same commands in the
 * same order always give the same store and the same results, and a member keeps this object
 * across a simulated crash because in etcd it lives in the durable backend.
 *
 * Revisions follow etcd v3: an empty store is at revision 1, every transaction that writes at least
 * one key advances it by exactly one (all its writes share that revision, ordered by position the
 * way etcd's sub-revisions order them), and reads or deletes that match nothing leave it alone.
 *
 * Keys are compared as JavaScript strings, i.e. by UTF-16 code unit. That is etcd's byte order for
 * ASCII keys (all Kubernetes registry keys); it differs only between astral characters and
 * U+E000..U+FFFF. A prefix is a contiguous run in this order, so prefix reads binary-search.
 *
 * Expected failures (compacted or future revisions, duplicate keys in a txn) are returned as values
 * carrying etcd's error text, never thrown, because the apiserver turns them into API responses.
 */

export const ERR_COMPACTED = 'mvcc: required revision has been compacted';
export const ERR_FUTURE_REV = 'mvcc: required revision is a future revision';
/** etcd rejects this in its gRPC layer before proposing; checked here because every revision must hold at most one write per key. */
export const ERR_DUPLICATE_KEY = 'etcdserver: duplicate key given in txn request';

export type MvccError =
  | { readonly error: typeof ERR_COMPACTED; readonly compactRevision: number }
  | { readonly error: typeof ERR_FUTURE_REV }
  | { readonly error: typeof ERR_DUPLICATE_KEY };

/** A key as stored at one revision. A tombstone (the key deleted at `modRevision`) has version 0, value '' and createRevision 0, as in etcd. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  /** For a delete: the tombstone, whose modRevision is the delete's revision. */
  readonly kv: KeyValue;
  /** The key's live value just before this event; absent when the put created the key. */
  readonly prevKv?: KeyValue;
  readonly revision: number;
}

/** Every retained revision of one key, oldest first, each with a strictly larger modRevision. */
export interface KeyHistory {
  readonly key: string;
  revisions: KeyValue[];
}

export interface MvccStore {
  revision: number;
  /** 0 until the first compaction; reads and watches below it fail. */
  compactRevision: number;
  /**
   * Every key with a retained revision, sorted, cut into consecutive non-empty chunks of fewer than
   * CHUNK_SPLIT keys (a two-level B-tree): a new key moves at most a chunk's worth of entries,
   * where one flat sorted array would move half the key space.
   */
  keyChunks: KeyHistory[][];
  /**
   * The same histories by key, for the exact lookups of every compare and put: a binary search
   * over keys that share a long `/registry/...` prefix cost 1.6% of a 2000-node run.
   */
  byKey: Map<string, KeyHistory>;
  /** Every event at or after compactRevision, in revision order then position within a txn. */
  events: WatchEvent[];
}

export interface KeySelector {
  readonly key: string;
  /** When true, `key` is a prefix and every key starting with it is selected. */
  readonly prefix?: boolean;
}

export interface RangeOptions {
  readonly prefix?: boolean;
  /** Read the store as it was at this revision; 0 or absent means the current revision. */
  readonly revision?: number;
  /** At most this many kvs; 0 or absent means no limit. */
  readonly limit?: number;
  readonly countOnly?: boolean;
}

export interface RangeResponse {
  readonly kvs: KeyValue[];
  /** Number of matching keys, regardless of limit. */
  readonly count: number;
  /** The store's current revision, whatever revision was read. */
  readonly revision: number;
  /** True when limit cut off some matching keys. */
  readonly more: boolean;
}

export interface PutResponse {
  readonly revision: number;
  readonly prevKv?: KeyValue;
  /** The event this write produced, for the member to push to live watchers. */
  readonly events: WatchEvent[];
}

export interface DeleteResponse {
  /** Unchanged from before the call when nothing was deleted. */
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
  readonly events: WatchEvent[];
}

export type Compare =
  | {
      readonly key: string;
      readonly target: 'mod' | 'create' | 'version';
      readonly result: CompareResult;
      readonly value: number;
    }
  | { readonly key: string; readonly target: 'value'; readonly result: CompareResult; readonly value: string };

export type CompareResult = '=' | '!=' | '<' | '>';

export type TxnOp =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string; readonly prefix?: boolean }
  | ({ readonly op: 'range'; readonly key: string } & RangeOptions);

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
}

/** One response per executed op; `revision` is the store's revision right after that op, as etcd reports it. */
export type TxnOpResponse =
  | { readonly op: 'put'; readonly revision: number; readonly prevKv?: KeyValue }
  | { readonly op: 'delete'; readonly revision: number; readonly deleted: number; readonly prevKvs: KeyValue[] }
  | ({ readonly op: 'range' } & RangeResponse);

export interface TxnResponse {
  readonly succeeded: boolean;
  readonly revision: number;
  readonly responses: TxnOpResponse[];
  readonly events: WatchEvent[];
}

export interface CompactResponse {
  readonly revision: number;
  readonly compactRevision: number;
}

export interface WatchRequest extends KeySelector {
  /** First revision to replay; 0 means no history, only what happens from now on. */
  readonly fromRevision: number;
}

export interface WatchResponse {
  readonly events: WatchEvent[];
  /** The store's current revision: events after it arrive through write results. */
  readonly revision: number;
}

export type MvccCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string; readonly prefix?: boolean }
  | ({ readonly op: 'txn' } & TxnRequest)
  | { readonly op: 'compact'; readonly revision: number };

export type MvccApplyResult =
  | { readonly op: 'put'; readonly result: PutResponse }
  | { readonly op: 'delete'; readonly result: DeleteResponse }
  | { readonly op: 'txn'; readonly result: TxnResponse | MvccError }
  | { readonly op: 'compact'; readonly result: CompactResponse | MvccError };

export function createStore(): MvccStore {
  return { revision: 1, compactRevision: 0, keyChunks: [], byKey: new Map(), events: [] };
}

/**
 * The single entry point through which a Raft member applies committed entries. `recordsOf` are
 * the events another member produced applying the same entry (server.ts): each write whose event
 * would equal, field by field, the one at its position there takes that event and its KeyValue
 * instead of making its own. They are frozen, so the store reads the same; five members' histories
 * then hold one copy of each record, not five. A member whose state differs makes its own.
 */
export function applyCommand(store: MvccStore, command: MvccCommand, recordsOf?: readonly WatchEvent[]): MvccApplyResult {
  switch (command.op) {
    case 'put':
      return { op: 'put', result: put(store, command.key, command.value, recordsOf) };
    case 'delete':
      return { op: 'delete', result: deleteRange(store, command.key, { prefix: command.prefix ?? false }, recordsOf) };
    case 'txn':
      return { op: 'txn', result: txn(store, command, recordsOf) };
    case 'compact':
      return { op: 'compact', result: compact(store, command.revision) };
  }
}

export function keyMatches(selector: KeySelector, key: string): boolean {
  return selector.prefix ? key.startsWith(selector.key) : key === selector.key;
}

export function range(store: MvccStore, key: string, options: RangeOptions = {}): RangeResponse | MvccError {
  const atRevision = revisionToRead(store, options.revision);
  return checkReadable(store, atRevision) ?? readRange(store, key, atRevision, options);
}

function readRange(store: MvccStore, key: string, atRevision: number, options: RangeOptions): RangeResponse {
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
  const kvs: KeyValue[] = [];
  let count = 0;
  forEachSelected(store, { key, prefix: options.prefix ?? false }, (history) => {
    const kv = liveAt(history, atRevision);
    if (!kv) return;
    count++;
    if (!options.countOnly && kvs.length < limit) kvs.push(kv);
  });
  return { kvs, count, revision: store.revision, more: !options.countOnly && count > kvs.length };
}

export function put(store: MvccStore, key: string, value: string, recordsOf?: readonly WatchEvent[]): PutResponse {
  const batch = beginWrite(store, recordsOf);
  const prevKv = writePut(store, batch, key, value);
  return { revision: store.revision, ...(prevKv && { prevKv }), events: batch.events };
}

export function deleteRange(store: MvccStore, key: string, options: { prefix?: boolean } = {}, recordsOf?: readonly WatchEvent[]): DeleteResponse {
  const batch = beginWrite(store, recordsOf);
  const prevKvs = writeDelete(store, batch, { key, prefix: options.prefix ?? false });
  return { revision: store.revision, deleted: prevKvs.length, prevKvs, events: batch.events };
}

/**
 * Compares are all evaluated against the store before the txn, then one branch runs op by op; a
 * range in the branch sees the branch's earlier writes, as in etcd through v3.6, whose writes
 * update the in-memory index immediately. Nothing is written when the request is rejected.
 */
export function txn(store: MvccStore, request: TxnRequest, recordsOf?: readonly WatchEvent[]): TxnResponse | MvccError {
  if (hasDuplicateKeys(request.success) || hasDuplicateKeys(request.failure)) return { error: ERR_DUPLICATE_KEY };

  const succeeded = request.compare.every((compare) => compareHolds(store, compare));
  const ops = succeeded ? request.success : request.failure;
  // etcd validates the chosen branch's read revisions against the pre-txn store, before any write.
  for (const op of ops) {
    if (op.op !== 'range') continue;
    const unreadable = checkReadable(store, revisionToRead(store, op.revision));
    if (unreadable) return unreadable;
  }

  const batch = beginWrite(store, recordsOf);
  const responses: TxnOpResponse[] = [];
  for (const op of ops) {
    switch (op.op) {
      case 'put': {
        const prevKv = writePut(store, batch, op.key, op.value);
        responses.push({ op: 'put', revision: store.revision, ...(prevKv && { prevKv }) });
        break;
      }
      case 'delete': {
        const prevKvs = writeDelete(store, batch, { key: op.key, prefix: op.prefix ?? false });
        responses.push({ op: 'delete', revision: store.revision, deleted: prevKvs.length, prevKvs });
        break;
      }
      case 'range': {
        responses.push({ op: 'range', ...readRange(store, op.key, revisionToRead(store, op.revision), op) });
        break;
      }
    }
  }
  return { succeeded, revision: store.revision, responses, events: batch.events };
}

/**
 * Drops history that no read at or after `revision` needs: for each key, only its newest revision
 * at or before `revision` survives, and not even that when it is a tombstone. Events before
 * `revision` are dropped; events at `revision` are kept, so a watch may start at the compact
 * revision itself (etcd's rule: only startRevision < compactRevision is refused) and, unlike etcd,
 * still sees deletes made at that revision.
 *
 * Cost is proportional to the events being dropped: only keys written since the previous
 * compaction can have revisions to drop.
 */
export function compact(store: MvccStore, revision: number): CompactResponse | MvccError {
  if (revision <= store.compactRevision) return { error: ERR_COMPACTED, compactRevision: store.compactRevision };
  if (revision > store.revision) return { error: ERR_FUTURE_REV };

  const firstKept = firstEventAtOrAfter(store.events, revision);
  const touched = new Set<string>();
  for (const event of store.events) {
    if (event.revision > revision) break;
    touched.add(event.kv.key);
  }
  for (const key of touched) {
    const history = findHistory(store, key);
    if (!history) continue;
    const newest = lastAtOrBefore(history.revisions, revision);
    if (newest < 0) continue;
    const dropCount = isTombstone(history.revisions[newest]!) ? newest + 1 : newest;
    if (dropCount === 0) continue;
    history.revisions = history.revisions.slice(dropCount);
    if (history.revisions.length === 0) removeHistory(store, key);
  }
  store.events = store.events.slice(firstKept);
  store.compactRevision = revision;
  return { revision: store.revision, compactRevision: revision };
}

/**
 * Replays history for a new watcher. A start revision above the current one yields no events yet:
 * the watcher waits for them, as in etcd.
 */
export function watchEvents(store: MvccStore, request: WatchRequest): WatchResponse | MvccError {
  if (request.fromRevision <= 0) return { events: [], revision: store.revision };
  if (request.fromRevision < store.compactRevision) {
    return { error: ERR_COMPACTED, compactRevision: store.compactRevision };
  }
  const events: WatchEvent[] = [];
  for (let i = firstEventAtOrAfter(store.events, request.fromRevision); i < store.events.length; i++) {
    const event = store.events[i]!;
    if (keyMatches(request, event.kv.key)) events.push(event);
  }
  return { events, revision: store.revision };
}

/**
 * A copy that shares nothing mutable with `store` (its KeyValues and events are frozen, so they
 * are shared): a raft snapshot of the backend, or a member's backend restored from one. With
 * `recordsOf`, a store that may hold equal records (another member's snapshot a few entries
 * away), each KeyValue and event equal field by field to one of `recordsOf` is taken from it: the
 * copy reads the same, and records that only snapshots still hold after the next MVCC compaction
 * are held once, not once per member.
 */
export function cloneStore(store: MvccStore, recordsOf?: MvccStore): MvccStore {
  const byKey = new Map<string, KeyHistory>();
  const keyChunks = store.keyChunks.map((chunk) =>
    chunk.map((history) => {
      const other = recordsOf?.byKey.get(history.key);
      const revisions = other === undefined ? history.revisions.slice() : history.revisions.map((kv) => equalRevisionIn(other.revisions, kv));
      const copy = { key: history.key, revisions };
      byKey.set(copy.key, copy);
      return copy;
    }),
  );
  const events = recordsOf === undefined ? store.events.slice() : store.events.map((event) => equalEventIn(recordsOf.events, event));
  return { revision: store.revision, compactRevision: store.compactRevision, keyChunks, byKey, events };
}

/** The revision of `revisions` equal to `kv`, else `kv`. */
function equalRevisionIn(revisions: readonly KeyValue[], kv: KeyValue): KeyValue {
  const other = revisions[lastAtOrBefore(revisions, kv.modRevision)];
  return other !== undefined && sameKeyValue(other, kv) ? other : kv;
}

/** The event of `events` (revision-ordered) equal to `event`, else `event`. */
function equalEventIn(events: readonly WatchEvent[], event: WatchEvent): WatchEvent {
  for (let i = firstEventAtOrAfter(events, event.revision); i < events.length && events[i]!.revision === event.revision; i++) {
    if (sameEvent(events[i]!, event)) return events[i]!;
  }
  return event;
}

/**
 * True when `a` and `b` hold the same state: the same revisions, the same key histories (in the
 * same chunks) and the same events, compared field by field, not by identity. Members that
 * applied the same entries hold equal stores made of their own objects; a raft snapshot made by
 * one of them can then stand for every one (server.ts, snapshotDataAt).
 */
export function sameStore(a: MvccStore, b: MvccStore): boolean {
  if (a.revision !== b.revision || a.compactRevision !== b.compactRevision) return false;
  if (a.keyChunks.length !== b.keyChunks.length || a.events.length !== b.events.length) return false;
  for (let c = 0; c < a.keyChunks.length; c++) {
    const chunkA = a.keyChunks[c]!;
    const chunkB = b.keyChunks[c]!;
    if (chunkA.length !== chunkB.length) return false;
    for (let h = 0; h < chunkA.length; h++) {
      const revisionsA = chunkA[h]!.revisions;
      const revisionsB = chunkB[h]!.revisions;
      if (chunkA[h]!.key !== chunkB[h]!.key || revisionsA.length !== revisionsB.length) return false;
      for (let r = 0; r < revisionsA.length; r++) if (!sameKeyValue(revisionsA[r]!, revisionsB[r]!)) return false;
    }
  }
  for (let e = 0; e < a.events.length; e++) {
    if (!sameEvent(a.events[e]!, b.events[e]!)) return false;
  }
  return true;
}

function sameEvent(a: WatchEvent, b: WatchEvent): boolean {
  if (a === b) return true;
  if (a.type !== b.type || a.revision !== b.revision || !sameKeyValue(a.kv, b.kv)) return false;
  return a.prevKv === undefined ? b.prevKv === undefined : b.prevKv !== undefined && sameKeyValue(a.prevKv, b.prevKv);
}

function sameKeyValue(a: KeyValue, b: KeyValue): boolean {
  return a === b || (a.key === b.key && a.value === b.value && a.createRevision === b.createRevision && a.modRevision === b.modRevision && a.version === b.version);
}

/** How much history the store retains, so tests and metrics can see compaction free memory. */
export function historySize(store: MvccStore): { keys: number; keyRevisions: number; events: number } {
  let keys = 0;
  let keyRevisions = 0;
  for (const chunk of store.keyChunks) {
    keys += chunk.length;
    for (const history of chunk) keyRevisions += history.revisions.length;
  }
  return { keys, keyRevisions, events: store.events.length };
}

/** The writes of one transaction; the store's revision advances on the first of them only. */
interface WriteBatch {
  readonly revision: number;
  readonly events: WatchEvent[];
  /** Another member's events for the same entry, to take equal records from (applyCommand). */
  readonly recordsOf: readonly WatchEvent[] | undefined;
}

function beginWrite(store: MvccStore, recordsOf: readonly WatchEvent[] | undefined): WriteBatch {
  return { revision: store.revision + 1, events: [], recordsOf };
}

function recordEvent(store: MvccStore, batch: WriteBatch, event: WatchEvent): void {
  if (batch.events.length === 0) store.revision = batch.revision;
  const frozen = Object.freeze(event);
  batch.events.push(frozen);
  store.events.push(frozen);
}

/** The event at this write's position in the other member's batch, when it is the one this write would make. */
function equalRecord(batch: WriteBatch, type: WatchEvent['type'], key: string, value: string, createRevision: number, version: number, prevKv: KeyValue | undefined): WatchEvent | undefined {
  const other = batch.recordsOf?.[batch.events.length];
  if (other === undefined || other.type !== type || other.revision !== batch.revision) return undefined;
  const kv = other.kv;
  if (kv.key !== key || kv.value !== value || kv.createRevision !== createRevision || kv.modRevision !== batch.revision || kv.version !== version) return undefined;
  const samePrev = other.prevKv === undefined ? prevKv === undefined : prevKv !== undefined && sameKeyValue(other.prevKv, prevKv);
  return samePrev ? other : undefined;
}

function writePut(store: MvccStore, batch: WriteBatch, key: string, value: string): KeyValue | undefined {
  const history = findOrAddHistory(store, key);
  const prevKv = newestLive(history);
  const createRevision = prevKv ? prevKv.createRevision : batch.revision;
  const version = prevKv ? prevKv.version + 1 : 1;
  const other = equalRecord(batch, 'put', key, value, createRevision, version, prevKv);
  if (other !== undefined) {
    history.revisions.push(other.kv);
    recordEvent(store, batch, other);
    return prevKv;
  }
  const kv: KeyValue = Object.freeze({ key, value, createRevision, modRevision: batch.revision, version });
  history.revisions.push(kv);
  recordEvent(store, batch, { type: 'put', kv, ...(prevKv && { prevKv }), revision: batch.revision });
  return prevKv;
}

function writeDelete(store: MvccStore, batch: WriteBatch, selector: KeySelector): KeyValue[] {
  const prevKvs: KeyValue[] = [];
  forEachSelected(store, selector, (history) => {
    const prevKv = newestLive(history);
    if (!prevKv) return;
    prevKvs.push(prevKv);
    const other = equalRecord(batch, 'delete', history.key, '', 0, 0, prevKv);
    if (other !== undefined) {
      history.revisions.push(other.kv);
      recordEvent(store, batch, other);
      return;
    }
    const tombstone: KeyValue = Object.freeze({
      key: history.key,
      value: '',
      createRevision: 0,
      modRevision: batch.revision,
      version: 0,
    });
    history.revisions.push(tombstone);
    recordEvent(store, batch, { type: 'delete', kv: tombstone, prevKv, revision: batch.revision });
  });
  return prevKvs;
}

/** etcd's applyCompare: a missing key has create/mod/version 0, and any value compare on it fails. */
function compareHolds(store: MvccStore, compare: Compare): boolean {
  const history = findHistory(store, compare.key);
  const kv = history && newestLive(history);
  if (compare.target === 'value') return kv !== undefined && holds(kv.value, compare.result, compare.value);
  const actual = !kv ? 0 : compare.target === 'mod' ? kv.modRevision : compare.target === 'create' ? kv.createRevision : kv.version;
  return holds(actual, compare.result, compare.value);
}

function holds<T extends number | string>(actual: T, result: CompareResult, expected: T): boolean {
  switch (result) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
  }
}

/** etcd's checkIntervals: a branch may not put one key twice, nor put a key it also deletes. */
function hasDuplicateKeys(ops: readonly TxnOp[]): boolean {
  // Most txns write one key or none: nothing to compare, no Set (applied on every member).
  if (ops.length < 2) return false;
  const putKeys = new Set<string>();
  const deletes: KeySelector[] = [];
  for (const op of ops) {
    if (op.op === 'put') {
      if (putKeys.has(op.key)) return true;
      putKeys.add(op.key);
    } else if (op.op === 'delete') {
      deletes.push({ key: op.key, prefix: op.prefix ?? false });
    }
  }
  for (const key of putKeys) {
    if (deletes.some((selector) => keyMatches(selector, key))) return true;
  }
  return false;
}

function revisionToRead(store: MvccStore, requested: number | undefined): number {
  return requested !== undefined && requested > 0 ? requested : store.revision;
}

/** etcd's rule (kvstore_txn.go rangeKeys): a read above the current revision or below the compact revision fails; at the compact revision it succeeds. */
function checkReadable(store: MvccStore, revision: number): MvccError | undefined {
  if (revision > store.revision) return { error: ERR_FUTURE_REV };
  if (revision < store.compactRevision) return { error: ERR_COMPACTED, compactRevision: store.compactRevision };
  return undefined;
}

function isTombstone(kv: KeyValue): boolean {
  return kv.version === 0;
}

function newestLive(history: KeyHistory): KeyValue | undefined {
  const newest = history.revisions[history.revisions.length - 1];
  return newest && !isTombstone(newest) ? newest : undefined;
}

function liveAt(history: KeyHistory, revision: number): KeyValue | undefined {
  const kv = history.revisions[lastAtOrBefore(history.revisions, revision)];
  return kv && !isTombstone(kv) ? kv : undefined;
}

/** Index of the newest revision at or before `revision`, or -1. */
function lastAtOrBefore(revisions: readonly KeyValue[], revision: number): number {
  let low = 0;
  let high = revisions.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (revisions[mid]!.modRevision <= revision) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** First index in `events` (revision-ordered) with revision >= `revision`. */
export function firstEventAtOrAfter(events: readonly WatchEvent[], revision: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.revision < revision) low = mid + 1;
    else high = mid;
  }
  return low;
}

const CHUNK_SPLIT = 512;

function lowerBound(chunk: readonly KeyHistory[], key: string): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (chunk[mid]!.key < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The chunk where `key` is or would be inserted: the last one starting at or before it, else the first. */
function chunkIndexFor(chunks: readonly KeyHistory[][], key: string): number {
  let low = 0;
  let high = chunks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (chunks[mid]![0]!.key <= key) low = mid + 1;
    else high = mid;
  }
  return Math.max(low - 1, 0);
}

/** Visits the selected keys in key order; keys under a prefix are contiguous, so the walk stops at the first key outside it. */
function forEachSelected(store: MvccStore, selector: KeySelector, visit: (history: KeyHistory) => void): void {
  if (!selector.prefix) {
    const history = findHistory(store, selector.key);
    if (history) visit(history);
    return;
  }
  const chunks = store.keyChunks;
  const firstChunk = chunkIndexFor(chunks, selector.key);
  let offset = lowerBound(chunks[firstChunk] ?? [], selector.key);
  for (let chunkIndex = firstChunk; chunkIndex < chunks.length; chunkIndex++, offset = 0) {
    const chunk = chunks[chunkIndex]!;
    for (; offset < chunk.length; offset++) {
      const history = chunk[offset]!;
      if (!history.key.startsWith(selector.key)) return;
      visit(history);
    }
  }
}

/**
 * The store's own copy of `key` when it holds the key, else `key`: a writer that uses it keeps one
 * string per key, not one per write (every request brings its own copy).
 */
export function storedKey(store: MvccStore, key: string): string {
  return findHistory(store, key)?.key ?? key;
}

function findHistory(store: MvccStore, key: string): KeyHistory | undefined {
  return store.byKey.get(key);
}

function findOrAddHistory(store: MvccStore, key: string): KeyHistory {
  const existing = store.byKey.get(key);
  if (existing) return existing;
  const chunks = store.keyChunks;
  const chunkIndex = chunkIndexFor(chunks, key);
  const chunk = chunks[chunkIndex];
  const history: KeyHistory = { key, revisions: [] };
  store.byKey.set(key, history);
  if (!chunk) {
    chunks.push([history]);
    return history;
  }
  const offset = lowerBound(chunk, key);
  chunk.splice(offset, 0, history);
  if (chunk.length >= CHUNK_SPLIT) chunks.splice(chunkIndex + 1, 0, chunk.splice(chunk.length >>> 1));
  return history;
}

function removeHistory(store: MvccStore, key: string): void {
  store.byKey.delete(key);
  const chunks = store.keyChunks;
  const chunkIndex = chunkIndexFor(chunks, key);
  const chunk = chunks[chunkIndex]!;
  chunk.splice(lowerBound(chunk, key), 1);
  if (chunk.length === 0) chunks.splice(chunkIndex, 1);
}
