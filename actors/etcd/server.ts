import {
  applyCommand,
  createStore,
  ERR_COMPACTED,
  keyMatches,
  range,
  type MvccApplyResult,
  type MvccCommand,
  type MvccError,
  type MvccStore,
  type WatchEvent,
  firstEventAtOrAfter,
  cloneStore,
  storedKey,
} from './mvcc.ts';
import {
  ERR_LEADER_CHANGED,
  ERR_NO_LEADER,
  ERR_NOT_LEADER,
  ERR_TOO_MANY_REQUESTS,
  entryId,
  type ClientOp,
  type ClientRequest,
  type ClientResponse,
  type ConnectionRefused,
  type WatchCancel,
  type WatchCreate,
  type WatchResponse,
} from './protocol.ts';
import { newRaft, propose, readIndex, step, takeChanges, tick, type Raft } from './raft/raft.ts';
import { compact, createSnapshot, entryAt, termAt } from './raft/log.ts';
import type { RaftConfig, RaftMessage, RaftStorage, Snapshot } from './raft/types.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import { entryOf, packCommand, unpackCommand, type EntryPayload } from './entry-payload.ts';
import { rememberRecords, takeRecords } from './applied-records.ts';
import { AppliedIdWindow } from './applied-id-window.ts';
import { snapshotDataAt, type EtcdSnapshotData } from './snapshot-data.ts';

/**
 * An etcd member's server logic around its Raft core: answers clients, applies committed entries
 * to the MVCC store, serves reads and watch streams. Deterministic and I/O-free: every call returns
 * the messages to send and the trace lines to record; the member machine hands them to the kernel.
 */

/** What survives a crash: Raft's hard state and log, and the bbolt-like backend with its applied index. */
export interface EtcdDisk {
  raft: RaftStorage;
  store: MvccStore;
  applied: number;
  /**
   * Entry id → the log index it was applied at: a duplicated request must not write twice. Ids
   * applied more than `duplicateWindowEntries` entries ago are forgotten (see applyCommitted).
   */
  appliedIds: AppliedIdWindow;
}

export function newDisk(): EtcdDisk {
  return {
    raft: { term: 0, vote: null, commit: 0, compactedIndex: 0, compactedTerm: 0, entries: [], snapshot: null },
    store: createStore(),
    applied: 0,
    appliedIds: new AppliedIdWindow(),
  };
}

export type { EtcdSnapshotData } from './snapshot-data.ts';

/** Watch serving limits and periods (etcd's defaults where etcd has one). */
export interface ServerOptions {
  /**
   * A deliberately broken member (tests of the fuzzer only, test/fuzz/watch-variant.test.ts; never
   * from a scenario file): `ignoreStartRevision` starts every watch at the current revision, so a
   * client resuming its watch after a reconnect silently misses what was written meanwhile.
   */
  watchVariant?: { ignoreStartRevision?: boolean };
  /** Virtual ms a tick stands for when `onTick` is not told the time (etcd's heartbeat, 100 ms). */
  tickMs: number;
  /** An idle synced stream gets a progress message this often. */
  watchProgressIntervalMs: number;
  /** Watchers one member holds at most; a create beyond it is refused with `too many requests`. */
  watchersMax: number;
  /** Events in one watch message at most (a single revision's events are never split, so a bigger txn goes whole). */
  watchEventsPerResponseMax: number;
  /** Events one catching-up watcher is sent per tick (etcd's watchBatchMaxRevs spirit). */
  watchSyncEventsPerTickMax: number;
  /** History events a catching-up watcher scans per tick, matching or not. */
  watchSyncScanPerTickMax: number;
  /** Catching-up watchers served per tick (etcd's maxWatchersPerSync, 512). */
  watchSyncWatchersPerTickMax: number;
  /** Election timeouts without a leader after which require-leader watches are cancelled (etcd's maxNoLeaderCnt, 3). */
  noLeaderElectionsMax: number;
  /** Linearizable reads a member without a leader holds at most; beyond, it refuses them ("no leader"). */
  heldReadsMax: number;
  /** How long a member without a leader holds a read before dropping it unanswered (etcd's request timeout, 5 s + 2 elections). */
  heldReadMs: number;
  /**
   * Applied entries between raft snapshots (etcd's --snapshot-count). etcd 3.2-3.5 defaulted to
   * 100,000; 3.6 went back to 10,000 (etcd-io/etcd#15408, "we should consider checkpointing
   * more frequently"), which kubeadm has always set. 10,000 here too: at 100,000 an idle cluster
   * would keep about a day of log before its first snapshot.
   */
  snapshotCount: number;
  /**
   * Entries kept behind a snapshot when the log is compacted (etcd's SnapshotCatchUpEntries,
   * 5,000), so a follower a little behind still gets appends rather than a whole snapshot.
   */
  snapshotCatchUpEntries: number;
  /**
   * A duplicated request (same client and request id) applied within this many entries of the
   * first is skipped. etcd has no such check (a retried put writes twice); the simulator drops
   * duplicates that its network or client retries create. Bounded so memory is, and equal to
   * the catch-up window: a snapshot carries exactly the ids a restored member needs.
   */
  duplicateWindowEntries: number;
}

export const defaultServerOptions: ServerOptions = {
  tickMs: 100,
  watchProgressIntervalMs: 1_000,
  watchersMax: 10_000,
  watchEventsPerResponseMax: 100,
  watchSyncEventsPerTickMax: 1_000,
  watchSyncScanPerTickMax: 10_000,
  watchSyncWatchersPerTickMax: 512,
  noLeaderElectionsMax: 3,
  heldReadsMax: 10_000,
  heldReadMs: 7_000,
  snapshotCount: 10_000,
  snapshotCatchUpEntries: 5_000,
  duplicateWindowEntries: 5_000,
};

interface Waiter {
  client: string;
  reqId: number;
}

interface PendingRead extends Waiter {
  op: Extract<ClientOp, { op: 'get' | 'range' }>;
  /** Set once the quorum confirmed the read index. */
  index: number | null;
}

/** One watch stream served by this member (volatile: lost with a crash, as its gRPC stream). */
export interface Watcher {
  readonly client: string;
  readonly watchId: string;
  readonly stream: string;
  readonly key: string;
  readonly prefix: boolean;
  readonly requireLeader: boolean;
  /** Every matching event below this revision has been sent (or precedes the start revision). */
  nextRevision: number;
  /** Last seq sent on the stream. */
  seq: number;
  /** Virtual time of the last message sent, for progress notifications. */
  lastSentMs: number;
}

export interface MemberState {
  readonly name: string;
  readonly raft: Raft;
  readonly disk: EtcdDisk;
  readonly options: ServerOptions;
  /** Entry id → who waits for its result (volatile: lost with a crash, as the client's connection). */
  readonly waiting: Map<string, Waiter>;
  readonly reads: Map<string, PendingRead>;
  /** The ReadIndex round in flight (its context) and the reads it confirms; null when none is. */
  readRound: { readonly context: string; readonly ids: readonly string[] } | null;
  /** Reads that arrived while a round was in flight: they wait for the next one (etcd's linearizableReadLoop). */
  readsNext: string[];
  /** Rounds started, for their contexts. */
  readRounds: number;
  /** Linearizable reads that came while this member knew no leader, by entry id, with when they are dropped. */
  readonly heldReads: Map<string, { readonly client: string; readonly reqId: number; readonly untilMs: number }>;
  /** Watch streams by `client, watchId, stream`; insertion-ordered, so iteration is deterministic. */
  readonly watchers: Map<string, Watcher>;
  /** Keys of watchers still behind the store (their history is sent in batches on ticks). */
  readonly unsynced: Set<string>;
  /** Virtual time as of the last tick. */
  nowMs: number;
  /** Consecutive ticks without a known leader. */
  noLeaderTicks: number;
  traced: { role: string; term: number };
}

export function newMember(name: string, config: Omit<RaftConfig, 'id'>, disk: EtcdDisk, options: Partial<ServerOptions> = {}): MemberState {
  const raft = newRaft({ ...config, id: name, newEntry: entryOf }, disk.raft);
  return {
    name,
    raft,
    disk,
    options: { ...defaultServerOptions, ...options },
    waiting: new Map(),
    reads: new Map(),
    readRound: null,
    readsNext: [],
    readRounds: 0,
    heldReads: new Map(),
    watchers: new Map(),
    unsynced: new Set(),
    nowMs: 0,
    noLeaderTicks: 0,
    traced: { role: '', term: -1 },
  };
}

/** A tick of Raft's clock. `nowMs` is the kernel's virtual time; without it a tick counts `tickMs`. */
export function onTick(m: MemberState, nowMs?: number): Output {
  m.nowMs = nowMs ?? m.nowMs + m.options.tickMs;
  tick(m.raft);
  const out = flush(m);
  m.noLeaderTicks = m.raft.lead === null ? m.noLeaderTicks + 1 : 0;
  if (m.heldReads.size > 0) dropExpiredHeldReads(m);
  if (m.watchers.size > 0) tickWatchers(m, out);
  return out;
}

export function onRaftMessage(m: MemberState, msg: RaftMessage): Output {
  step(m.raft, msg);
  return flush(m);
}

export function onClientRequest(m: MemberState, req: ClientRequest): Output {
  const r = m.raft;
  const { request } = req;
  if ((request.op === 'get' || request.op === 'range') && request.consistency === 'serializable') {
    // Served from local state, possibly stale: no Raft round at all.
    const out = emptyOutput();
    respond(out, m, req, readLocal(m, request));
    return out;
  }
  if (r.role !== 'leader') {
    const out = emptyOutput();
    if (r.lead === null && (request.op === 'get' || request.op === 'range') && m.heldReads.size < m.options.heldReadsMax) {
      // etcd holds a linearizable read while no leader is known (its linearizableReadLoop re-sends
      // ReadIndex until the request timeout) and fails it with "leader changed" once one is.
      const id = entryId(req.from, req.reqId);
      if (!m.heldReads.has(id)) m.heldReads.set(id, { client: req.from, reqId: req.reqId, untilMs: m.nowMs + m.options.heldReadMs });
      return out;
    }
    respond(out, m, req, { ok: false, error: r.lead === null ? ERR_NO_LEADER : ERR_NOT_LEADER });
    return out;
  }
  const id = entryId(req.from, req.reqId);
  if (request.op === 'get' || request.op === 'range') {
    if (!m.reads.has(id)) {
      m.reads.set(id, { client: req.from, reqId: req.reqId, op: request, index: null });
      if (m.readRound === null) startReadRound(m, [id]);
      else m.readsNext.push(id);
    }
    return flush(m);
  }
  // A duplicate of a request already in flight or applied must not be proposed again.
  if (m.waiting.has(id) || isDuplicate(m, id, lastIndexOf(r.storage) + 1)) return flush(m);
  m.waiting.set(id, { client: req.from, reqId: req.reqId });
  propose(r, id, packCommand(commandOf(request), (key) => storedKey(m.disk.store, key)));
  return flush(m);
}

function commandOf(op: Exclude<ClientOp, { op: 'get' | 'range' }>): MvccCommand {
  switch (op.op) {
    case 'put':
      return { op: 'put', key: op.key, value: op.value };
    case 'delete':
      return { op: 'delete', key: op.key };
    case 'txn':
      return { op: 'txn', compare: op.compare, success: op.success, failure: op.failure };
    case 'compact':
      return { op: 'compact', revision: op.revision };
  }
}

const emptyOutput = newOutput;

type ResponseBody = Omit<ClientResponse, 'type' | 'from' | 'reqId' | 'leaderHint'>;

function mvccFailure(e: MvccError): ResponseBody {
  return 'compactRevision' in e ? { ok: false, error: e.error, compactRevision: e.compactRevision } : { ok: false, error: e.error };
}

/** Answers a read from this member's store as it is now. */
function readLocal(m: MemberState, op: Extract<ClientOp, { op: 'get' | 'range' }>): ResponseBody {
  if (op.op === 'get') {
    const result = range(m.disk.store, op.key);
    if ('error' in result) throw new Error(`etcd: local read failed: ${result.error}`);
    return { ok: true, value: result.kvs[0]?.value ?? null, revision: result.revision };
  }
  const result = range(m.disk.store, op.key, { prefix: op.prefix ?? false, revision: op.revision ?? 0, limit: op.limit ?? 0, countOnly: op.countOnly ?? false });
  if ('error' in result) return mvccFailure(result);
  return { ok: true, revision: result.revision, kvs: result.kvs, count: result.count, more: result.more };
}

function respond(out: Output, m: MemberState, to: { from?: string; client?: string; reqId: number }, body: ResponseBody): void {
  const client = to.client ?? to.from!;
  const msg: ClientResponse = { type: 'ClientResponse', from: m.name, reqId: to.reqId, leaderHint: m.raft.lead, ...body };
  out.sends.push({ to: client, msg });
}

/** Drains what Raft produced: messages, trace lines, committed entries to apply, confirmed reads. */
function flush(m: MemberState): Output {
  const r = m.raft;
  const out = emptyOutput();
  const appliedBefore = m.disk.applied;
  const changes = takeChanges(r);
  const s = r.storage;
  if (changes.role && (m.traced.role !== r.role || m.traced.term !== s.term)) {
    m.traced = { role: r.role, term: s.term };
    out.traces.push({ kind: 'raft.role', fields: { member: m.name, role: r.role, term: s.term } });
    if (r.role !== 'leader') failPendingOnStepDown(m);
  }
  if (m.heldReads.size > 0 && r.lead !== null) releaseHeldReads(m, out);
  // After the role line: a vote request of a higher term first moves the voter to that term.
  for (const v of changes.votes) {
    out.traces.push({ kind: 'raft.vote', fields: { voter: m.name, candidate: v.candidate, term: v.term, ...(v.preVote && { preVote: true }) } });
  }
  if (changes.snapshot !== null) restoreSnapshot(m, out, changes.snapshot);
  if (changes.logFrom !== null) {
    const entries = s.entries.slice(changes.logFrom - s.compactedIndex - 1).map((e) => [e.term, e.id]);
    out.traces.push({ kind: 'raft.log', fields: { member: m.name, from: changes.logFrom, entries } });
  }
  if (changes.commit && changes.snapshot === null) {
    out.traces.push({ kind: 'raft.commit', fields: { member: m.name, index: s.commit, term: termAt(s, s.commit) } });
  }
  sendRaftMessages(r, out);
  applyCommitted(m, out);
  let confirmed = false;
  while (r.readStates.length > 0) {
    const states = r.readStates;
    r.readStates = [];
    for (const rs of states) {
      const round = m.readRound;
      if (round === null || rs.context !== round.context) continue;
      for (const id of round.ids) {
        const read = m.reads.get(id);
        if (read) read.index = rs.index;
      }
      confirmed = true;
      m.readRound = null;
      // The reads that waited for this round start the next one (a single voter confirms it at once: hence the loop).
      if (m.readsNext.length > 0) startReadRound(m, m.readsNext.splice(0));
    }
  }
  // The next round's heartbeats.
  if (r.msgs.length > 0) sendRaftMessages(r, out);
  // A pending read becomes answerable only when its index is confirmed or the applied index moves:
  // otherwise none is (each answerReads leaves only reads unconfirmed or ahead of applied), and
  // walking every pending read on every Raft message cost a scan per message.
  if (confirmed || m.disk.applied !== appliedBefore) answerReads(m, out);
  return out;
}

/** Raft peer messages ride a lossy path, as in etcd-io/raft's own network model: Raft tolerates loss. */
function sendRaftMessages(r: Raft, out: Output): void {
  for (const msg of r.msgs) out.sends.push({ to: msg.to, msg, datagram: true });
  r.msgs = [];
}

function lastIndexOf(s: RaftStorage): number {
  return s.compactedIndex + s.entries.length;
}

/** True when `id` was applied within the duplicate window before `index`. */
function isDuplicate(m: MemberState, id: string, index: number): boolean {
  const at = m.disk.appliedIds.get(id);
  return at !== undefined && index - at <= m.options.duplicateWindowEntries;
}

function applyCommitted(m: MemberState, out: Output): void {
  const disk = m.disk;
  const revisionBefore = disk.store.revision;
  let events: WatchEvent[] | null = null;
  while (disk.applied < disk.raft.commit) {
    const entry = entryAt(disk.raft, disk.applied + 1)!;
    disk.applied = entry.index;
    // No later entry can be the duplicate of an id applied before the window (see isDuplicate):
    // forgotten before every apply, the window holds `duplicateWindowEntries` ids at most,
    // whatever the Raft log holds between snapshots. An id still held is within the window, so
    // its entry is skipped as a duplicate: ids are added in apply order, each once.
    disk.appliedIds.forgetBefore(entry.index - m.options.duplicateWindowEntries);
    if (entry.data === null || isDuplicate(m, entry.id, entry.index)) continue;
    disk.appliedIds.add(entry.id, entry.index);
    const before = disk.store.revision;
    const recordsOf = takeRecords(entry, m.raft.config.voters.length);
    const result = applyCommand(disk.store, unpackCommand(entry.data as EntryPayload), recordsOf);
    const revision = disk.store.revision;
    if (revision !== before) {
      out.traces.push({ kind: 'etcd.apply', fields: { member: m.name, index: entry.index, revision, id: entry.id } });
      const produced = eventsOf(result);
      if (recordsOf === undefined) rememberRecords(entry, produced, m.raft.config.voters.length);
      if (produced.length > 0) events = events === null ? [...produced] : events.concat(produced);
    }
    const waiter = m.waiting.get(entry.id);
    if (waiter) {
      m.waiting.delete(entry.id);
      respond(out, m, waiter, resultBody(result, revision));
    }
  }
  if (events !== null && m.watchers.size > 0) notifySynced(m, out, revisionBefore, events);
  maybeSnapshot(m, out);
}

/**
 * etcd's triggerSnapshot (server/etcdserver/server.go): once more than snapshotCount entries
 * were applied since the last snapshot, snapshot the backend at the applied index and compact
 * the raft log to snapshotCatchUpEntries behind it. Every member does this on its own, at the
 * end of an apply batch, so within a few entries of the others unless it restored a snapshot;
 * members at the same entry share one snapshot data object (snapshot-data.ts).
 */
function maybeSnapshot(m: MemberState, out: Output): void {
  const disk = m.disk;
  const s = disk.raft;
  const snapshotIndex = s.snapshot?.index ?? 0;
  if (disk.applied - snapshotIndex <= m.options.snapshotCount) return;
  // appliedIds holds the duplicate window only (forgotten before every apply).
  createSnapshot(s, disk.applied, snapshotDataAt(s, disk.applied, disk.store, disk.appliedIds));
  const compactTo = disk.applied - m.options.snapshotCatchUpEntries;
  if (compactTo > 0 && compact(s, compactTo)) {
    out.traces.push({ kind: 'raft.compact', fields: { member: m.name, index: compactTo, term: s.compactedTerm } });
  }
}

/**
 * Loads a snapshot raft restored (etcd's applySnapshot): the backend is replaced by the
 * snapshot's, and every watcher goes back to catching up from history (watchableStore.Restore),
 * since the events between the old and new revision were never applied here. Requests waiting
 * for entries the snapshot covers get no answer; their clients time out, as in etcd.
 */
function restoreSnapshot(m: MemberState, out: Output, snapshot: Snapshot): void {
  const disk = m.disk;
  const data = snapshot.data as EtcdSnapshotData;
  disk.store = cloneStore(data.store);
  disk.appliedIds = AppliedIdWindow.of(data.appliedIds, data.appliedAt);
  disk.applied = snapshot.index;
  for (const key of m.watchers.keys()) m.unsynced.add(key);
  out.traces.push({ kind: 'raft.snapshot', fields: { member: m.name, index: snapshot.index, term: snapshot.term, revision: disk.store.revision } });
}

function eventsOf(result: MvccApplyResult): readonly WatchEvent[] {
  const r = result.result;
  return 'events' in r ? r.events : [];
}

function resultBody(result: MvccApplyResult, revision: number): ResponseBody {
  switch (result.op) {
    case 'put':
    case 'delete':
      return { ok: true, revision };
    case 'txn': {
      const r = result.result;
      if ('error' in r) return mvccFailure(r);
      return { ok: true, revision: r.revision, succeeded: r.succeeded, responses: r.responses };
    }
    case 'compact': {
      const r = result.result;
      if ('error' in r) return mvccFailure(r);
      return { ok: true, revision: r.revision, compactRevision: r.compactRevision };
    }
  }
}

function answerReads(m: MemberState, out: Output): void {
  if (m.reads.size === 0) return;
  const applied = m.disk.applied;
  // forEach, not for-of over entries: no [id, read] pair per pending read. Deleting the entry
  // being visited is allowed, and insertion order keeps the answers in request order.
  m.reads.forEach((read, id) => {
    if (read.index === null || read.index > applied) return;
    m.reads.delete(id);
    respond(out, m, read, readLocal(m, read.op));
  });
}

/**
 * A deposed leader's pending reads are dropped: a quorum can no longer confirm them, and serving
 * them would risk a stale read. Clients time out. Proposals stay waiting: a new leader may still
 * commit them, and this member will answer when it applies them.
 */
function failPendingOnStepDown(m: MemberState): void {
  m.reads.clear();
  m.readRound = null;
  m.readsNext = [];
}

/** A leader is known again: every held read fails with "leader changed" and the leader's name, and its client asks there. */
function releaseHeldReads(m: MemberState, out: Output): void {
  m.heldReads.forEach((held) => respond(out, m, held, { ok: false, error: ERR_LEADER_CHANGED }));
  m.heldReads.clear();
}

/**
 * Held reads past the request timeout are dropped without an answer: the client's own per-attempt
 * timeout (2 s) has moved it to another member long before (etcd answers "request timed out").
 * They are held in arrival order, so in expiry order: the walk stops at the first still held.
 */
function dropExpiredHeldReads(m: MemberState): void {
  for (const [id, held] of m.heldReads) {
    if (held.untilMs > m.nowMs) return;
    m.heldReads.delete(id);
  }
}

/**
 * etcd's linearizableReadLoop (server/etcdserver/v3_server.go): one ReadIndex round at a time
 * confirms every read that arrived before it started; reads arriving meanwhile wait for the next
 * round, whose index is taken after they arrived. One heartbeat round for a burst of reads, where
 * a round per read cost a heartbeat to every follower and its answer for each.
 */
function startReadRound(m: MemberState, ids: readonly string[]): void {
  const context = `${m.name}/reads#${++m.readRounds}`;
  m.readRound = { context, ids };
  readIndex(m.raft, context);
}

// ---------------------------------------------------------------------------------------------
// Watch streams (etcd's watchableStore: synced watchers get new events as they are applied,
// unsynced ones catch up from history in bounded batches; server/storage/mvcc/watchable_store.go)

function watcherKey(client: string, watchId: string, stream: string): string {
  return `${client}\u0000${watchId}\u0000${stream}`;
}

export function onWatchCreate(m: MemberState, req: WatchCreate): Output {
  const out = emptyOutput();
  const key = watcherKey(req.from, req.watchId, req.stream);
  // A duplicated create must not restart the stream (its seq and position).
  if (m.watchers.has(key)) return out;
  const store = m.disk.store;
  const refuse = (fields: Partial<WatchResponse>): void => {
    const msg: WatchResponse = {
      type: 'WatchResponse',
      ordered: true,
      from: m.name,
      watchId: req.watchId,
      stream: req.stream,
      seq: 1,
      revision: store.revision,
      events: [],
      canceled: true,
      ...fields,
      refusedReply: { type: 'ConnectionRefused', from: req.from, reqId: 0, watchId: req.watchId, stream: req.stream },
    };
    out.sends.push({ to: req.from, msg });
  };
  // etcd's stream interceptor refuses a require-leader stream at once on a member with no leader.
  if (req.requireLeader && m.raft.lead === null) {
    refuse({ cancelReason: ERR_NO_LEADER });
    return out;
  }
  if (m.watchers.size >= m.options.watchersMax) {
    refuse({ cancelReason: ERR_TOO_MANY_REQUESTS });
    return out;
  }
  // etcd creates the watch, then cancels it with the compact revision (only start < compact is refused).
  if (req.startRevision > 0 && req.startRevision < store.compactRevision) {
    refuse({ created: true, cancelReason: ERR_COMPACTED, compactRevision: store.compactRevision });
    return out;
  }
  const w: Watcher = {
    client: req.from,
    watchId: req.watchId,
    stream: req.stream,
    key: req.key,
    prefix: req.prefix,
    requireLeader: req.requireLeader,
    nextRevision: req.startRevision > 0 && m.options.watchVariant?.ignoreStartRevision !== true ? req.startRevision : store.revision + 1,
    seq: 0,
    lastSentMs: m.nowMs,
  };
  m.watchers.set(key, w);
  sendWatch(m, out, w, { created: true, events: [] });
  if (w.nextRevision <= store.revision) {
    m.unsynced.add(key);
    syncWatcher(m, out, key, w);
  }
  return out;
}

export function onWatchCancel(m: MemberState, req: WatchCancel): Output {
  removeWatcher(m, watcherKey(req.from, req.watchId, req.stream));
  return emptyOutput();
}

/** The kernel's reset for a watch message whose client is down: its stream is gone. */
export function onConnectionRefused(m: MemberState, refused: ConnectionRefused): Output {
  if (refused.watchId !== undefined && refused.stream !== undefined) removeWatcher(m, watcherKey(refused.from, refused.watchId, refused.stream));
  return emptyOutput();
}

function removeWatcher(m: MemberState, key: string): void {
  m.watchers.delete(key);
  m.unsynced.delete(key);
}

function sendWatch(m: MemberState, out: Output, w: Watcher, fields: Partial<WatchResponse> & { events: WatchEvent[] }): void {
  w.seq++;
  w.lastSentMs = m.nowMs;
  const msg: WatchResponse = {
    type: 'WatchResponse',
    ordered: true,
    from: m.name,
    watchId: w.watchId,
    stream: w.stream,
    seq: w.seq,
    revision: m.disk.store.revision,
    ...fields,
    refusedReply: { type: 'ConnectionRefused', from: w.client, reqId: 0, watchId: w.watchId, stream: w.stream },
  };
  out.sends.push({ to: w.client, msg });
}

/**
 * Sends `events` (in revision order, already filtered) in messages of at most
 * watchEventsPerResponseMax events, never splitting one revision's events.
 */
function sendEvents(m: MemberState, out: Output, w: Watcher, events: readonly WatchEvent[]): void {
  const max = m.options.watchEventsPerResponseMax;
  let start = 0;
  while (start < events.length) {
    let end = Math.min(start + max, events.length);
    // Extend to the end of the revision the cut falls in, or back to its start when that leaves something.
    const cutRevision = events[end - 1]!.revision;
    if (end < events.length && events[end]!.revision === cutRevision) {
      let back = end;
      while (back > start && events[back - 1]!.revision === cutRevision) back--;
      if (back > start) end = back;
      else while (end < events.length && events[end]!.revision === cutRevision) end++;
    }
    sendWatch(m, out, w, { events: events.slice(start, end) });
    start = end;
  }
}

/** Pushes freshly applied events to every watcher that had already seen everything before them. */
function notifySynced(m: MemberState, out: Output, revisionBefore: number, events: readonly WatchEvent[]): void {
  const revision = m.disk.store.revision;
  for (const [key, w] of m.watchers) {
    if (m.unsynced.has(key)) continue;
    if (w.nextRevision <= revisionBefore) throw new Error(`etcd: synced watcher ${key} is behind revision ${revisionBefore}`);
    const matching: WatchEvent[] = [];
    for (const e of events) if (e.revision >= w.nextRevision && keyMatches(w, e.kv.key)) matching.push(e);
    if (matching.length > 0) sendEvents(m, out, w, matching);
    if (w.nextRevision <= revision) w.nextRevision = revision + 1;
  }
}

/**
 * Sends a catching-up watcher the next batch of its history, whole revisions only, bounded by
 * watchSyncEventsPerTickMax sent and watchSyncScanPerTickMax scanned. A watcher whose next revision
 * was compacted away is cancelled with the compact revision, as etcd does.
 */
function syncWatcher(m: MemberState, out: Output, key: string, w: Watcher): void {
  const store = m.disk.store;
  if (w.nextRevision < store.compactRevision) {
    sendWatch(m, out, w, { events: [], canceled: true, cancelReason: ERR_COMPACTED, compactRevision: store.compactRevision });
    removeWatcher(m, key);
    return;
  }
  const history = store.events;
  const { watchSyncEventsPerTickMax: sendMax, watchSyncScanPerTickMax: scanMax } = m.options;
  const matching: WatchEvent[] = [];
  let i = firstEventAtOrAfter(history, w.nextRevision);
  let scanned = 0;
  while (i < history.length && scanned < scanMax && matching.length < sendMax) {
    const revision = history[i]!.revision;
    for (; i < history.length && history[i]!.revision === revision; i++, scanned++) {
      const e = history[i]!;
      if (keyMatches(w, e.kv.key)) matching.push(e);
    }
    w.nextRevision = revision + 1;
  }
  if (i >= history.length && w.nextRevision <= store.revision) w.nextRevision = store.revision + 1;
  if (matching.length > 0) sendEvents(m, out, w, matching);
  if (w.nextRevision > store.revision) m.unsynced.delete(key);
}

/** Per tick: catch-up batches, no-leader cancellation, progress notifications. */
function tickWatchers(m: MemberState, out: Output): void {
  const o = m.options;
  if (m.noLeaderTicks >= o.noLeaderElectionsMax * m.raft.config.electionTick) {
    for (const [key, w] of m.watchers) {
      if (!w.requireLeader) continue;
      sendWatch(m, out, w, { events: [], canceled: true, cancelReason: ERR_NO_LEADER });
      removeWatcher(m, key);
    }
  }
  let synced = 0;
  for (const key of m.unsynced) {
    if (synced++ >= o.watchSyncWatchersPerTickMax) break;
    syncWatcher(m, out, key, m.watchers.get(key)!);
  }
  for (const [key, w] of m.watchers) {
    if (m.nowMs - w.lastSentMs < o.watchProgressIntervalMs || m.unsynced.has(key)) continue;
    sendWatch(m, out, w, { events: [], progress: true });
  }
}
