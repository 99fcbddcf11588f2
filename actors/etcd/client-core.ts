import type { WatchEvent } from './mvcc.ts';
import {
  ERR_COMPACTED,
  ERR_CONNECTION_REFUSED,
  ERR_TIMEOUT,
  entryId,
  isRead,
  isRetryableError,
  type ClientOp,
  type ClientRequest,
  type ClientResponse,
  type ConnectionRefused,
  type WatchCancel,
  type WatchCreate,
  type WatchResponse,
} from './protocol.ts';

import type { Output } from '../kernel/output.ts';
import { addDeadline, newDeadlineQueue, nextDeadline, takeDue, type DeadlineQueue } from '../client/deadline-queue.ts';
/**
 * An etcd client (clientv3 reduced): it sends each operation to one member, follows the leader
 * hint a member returns, fails over to the next endpoint on a refusal, and gives up after the
 * request timeout. It also keeps watch streams alive: it detects a lost, duplicated or silent
 * stream and resumes it on the next endpoint from the last delivered revision + 1.
 *
 * Deterministic and I/O-free. Every call returns a `ClientOutput`: messages to send, trace lines,
 * timers to arm and cancel (the embedding machine raises them as XState delayed events with the
 * given ids and feeds them back through `onTimer`), and the results as data: `completions` of
 * operations and `watchEvents` of watches. The stand-alone client machine (`client.ts`) and any
 * component that embeds the client (kube-apiserver, as the real one embeds clientv3) use it alike.
 *
 * Outcomes follow etcd's API guarantees: `ok`; `fail` when the operation certainly did not take
 * effect (every attempt was refused, it is a read, or the member executed and refused it with a
 * definite error such as `mvcc: required revision has been compacted`); `timeout` when a write may
 * have been proposed and its fate is unknown.
 */

export interface ClientConfig {
  name: string;
  endpoints: readonly string[];
  requestTimeoutMs: number;
  /** Pause before trying the next endpoint after a refusal (clientv3 backs off ~25–100 ms). */
  retryBackoffMs: number;
  /** A read unanswered this long is retried on another member: reads are safe to repeat. */
  readAttemptTimeoutMs: number;
  /** Prepended to every timer id, so an embedding machine's own delayed events cannot collide. Default ''. */
  timerPrefix?: string;
  /** The host's incarnation: names watch streams apart across a restart of the client. Default 1. */
  incarnation?: number;
  /** How often each watch checks that its stream is alive. Default 1000 ms. */
  watchCheckIntervalMs?: number;
  /** A stream silent this long (members send progress every second) is resumed elsewhere. Default 3000 ms. */
  watchSilenceTimeoutMs?: number;
  /** Longest pause between two failed attempts to open a watch stream. Default 1000 ms. */
  watchRetryBackoffMaxMs?: number;
  /** Consecutive failed attempts to open a stream before the watch is reported cancelled. Default 10. */
  watchRetriesMax?: number;
  /** Watches one client holds at most. Default 10,000. */
  watchesMax?: number;
}

export interface Invoke {
  type: 'Invoke';
  reqId: number;
  op: ClientOp;
  /** Restricts this operation to these members (a scenario's `via`). */
  via?: readonly string[];
}

/** What the owner asks to watch. */
export interface WatchSpec {
  /** The owner's name for the watch: every delivery carries it. Unique among the client's live watches. */
  watchId: string;
  key: string;
  /** When true, `key` is a prefix. */
  prefix?: boolean;
  /** First revision to deliver; 0 means from the serving member's current revision on. */
  startRevision: number;
  /** etcd's WithRequireLeader (kube-apiserver always sets it). Default true. */
  requireLeader?: boolean;
  /** Restricts the watch to these members. */
  via?: readonly string[];
}

export type ClientTimerEvent =
  /** The one timer of the operations' deadlines (DEADLINE_TIMER_ID). */
  | { type: 'Deadline' }
  | { type: 'Retry'; reqId: number }
  /** The one timer of the read attempts' timeouts (READ_ATTEMPT_TIMER_ID). */
  | { type: 'ReadAttemptTimeout' }
  | { type: 'WatchCheck'; watchId: string; gen: number }
  | { type: 'WatchRetry'; watchId: string; gen: number; stream: string };

/** Every timer event type the core raises: an embedding machine routes these to `onTimer`. */
export const CLIENT_TIMER_EVENT_TYPES = ['Deadline', 'Retry', 'ReadAttemptTimeout', 'WatchCheck', 'WatchRetry'] as const;

/** The result of one operation, as data for the owner. */
export interface Completion {
  reqId: number;
  result: 'ok' | 'fail' | 'timeout';
  /** The member's answer, on `ok` and on a definite failure the member returned. */
  response?: ClientResponse;
  error?: string;
}

/**
 * What a watch delivers to its owner. Events come in revision order, each exactly once, with no
 * gap. `compacted` and `canceled` end the watch (no delivery follows); the owner re-lists and
 * watches again, as a Kubernetes reflector does.
 */
export interface WatchDelivery {
  watchId: string;
  events: WatchEvent[];
  /** A progress notification: every event up to this revision has been delivered. */
  progressRevision?: number;
  /** The start (or resume) revision was compacted: the store's compact revision. */
  compacted?: { compactRevision: number };
  /** Cancelled: `etcdserver: no leader` (the member lost its leader for 3 election timeouts), or why else. */
  canceled?: string;
}

interface OpState {
  reqId: number;
  op: ClientOp;
  endpoints: readonly string[];
  next: number;
  attempt: number;
  /** Attempts sent and not definitely refused: a write among them may have been proposed. */
  unanswered: number;
  /** A read's current attempt times out then (its entry in `readAttempts`); earlier attempts' entries are stale. */
  attemptDueMs: number;
}

interface WatchState {
  readonly watchId: string;
  /** Names this watch apart from an earlier one with the same id, for its timers. */
  readonly gen: number;
  readonly key: string;
  readonly prefix: boolean;
  readonly requireLeader: boolean;
  readonly endpoints: readonly string[];
  /** Index in `endpoints` of the current (or next) stream's member. */
  next: number;
  /** The current stream and its member. */
  stream: string;
  target: string;
  /** creating: WatchCreate sent, `created` not yet seen; open: streaming; backoff: waiting to reopen. */
  phase: 'creating' | 'open' | 'backoff';
  /** Every event below this revision was delivered; 0 while a from-now watch has no revision yet. */
  nextRevision: number;
  /** Last seq accepted on the current stream. */
  lastSeq: number;
  /**
   * Revision of the last progress notification traced on the current stream with no event since
   * (-1: none). A repeat of it is not traced: it tells a checker nothing new, and idle streams
   * repeat it every watchProgressIntervalMs. Trace only: nothing else reads it.
   */
  tracedProgress: number;
  /** A message arrived (or the stream was opened) since the last check. */
  heard: boolean;
  silentChecks: number;
  /** Streams that broke in a row without reaching `open`. */
  failures: number;
}

export interface ClientState {
  readonly config: ClientConfig;
  preferred: string | null;
  readonly ops: Map<number, OpState>;
  readonly watches: Map<string, WatchState>;
  /** Counters naming streams and watches (never reused within an incarnation). */
  streams: number;
  watchGens: number;
  /**
   * Operations' deadlines and reads' attempt timeouts (by reqId), each queue behind one timer:
   * a finished operation leaves them alone, its entries are skipped when they come up.
   */
  readonly deadlines: DeadlineQueue<number>;
  readonly readAttempts: DeadlineQueue<number>;
}

/** A step's output plus what an embedding component consumes itself: completions and watch deliveries. */
export interface ClientOutput extends Output {
  sends: { to: string; msg: ClientRequest | WatchCreate | WatchCancel }[];
  timers: { event: ClientTimerEvent; delayMs: number; id: string }[];
  completions: Completion[];
  watchEvents: WatchDelivery[];
}

const WATCH_DEFAULTS = {
  watchCheckIntervalMs: 1_000,
  watchSilenceTimeoutMs: 3_000,
  watchRetryBackoffMaxMs: 1_000,
  watchRetriesMax: 10,
  watchesMax: 10_000,
} as const;

export function newClient(config: ClientConfig): ClientState {
  if (config.endpoints.length === 0) throw new Error(`etcd client ${config.name} has no endpoints`);
  return { config, preferred: null, ops: new Map(), watches: new Map(), streams: 0, watchGens: 0, deadlines: newDeadlineQueue(), readAttempts: newDeadlineQueue() };
}

function emptyOutput(): ClientOutput {
  return { sends: [], traces: [], timers: [], cancels: [], completions: [], watchEvents: [] };
}

const timerId = (c: ClientState, id: string): string => `${c.config.timerPrefix ?? ''}${id}`;
/** The one timer of the operations' deadlines, and the one of the reads' attempt timeouts. */
export const DEADLINE_TIMER_ID = 'deadlines';
export const READ_ATTEMPT_TIMER_ID = 'read-attempts';

const DEADLINE_EVENT: ClientTimerEvent = { type: 'Deadline' };
const READ_ATTEMPT_EVENT: ClientTimerEvent = { type: 'ReadAttemptTimeout' };

/** Arms the operations' deadline timer to fire at `atMs`. */
function armDeadlines(c: ClientState, atMs: number, nowMs: number, out: ClientOutput): void {
  out.timers.push({ event: DEADLINE_EVENT, delayMs: atMs - nowMs, id: timerId(c, DEADLINE_TIMER_ID) });
}

/** Arms the reads' attempt-timeout timer to fire at `atMs`. */
function armReadAttempts(c: ClientState, atMs: number, nowMs: number, out: ClientOutput): void {
  out.timers.push({ event: READ_ATTEMPT_EVENT, delayMs: atMs - nowMs, id: timerId(c, READ_ATTEMPT_TIMER_ID) });
}

function setting<K extends keyof typeof WATCH_DEFAULTS>(c: ClientState, key: K): number {
  return c.config[key] ?? WATCH_DEFAULTS[key];
}

// ---------------------------------------------------------------------------------------------
// KV operations

export function invoke(c: ClientState, inv: Invoke, nowMs: number): ClientOutput {
  const out = emptyOutput();
  const { op } = inv;
  out.traces.push({ kind: 'etcd.op', fields: { client: c.config.name, id: inv.reqId, ...describeOp(op, 'invoke'), phase: 'invoke' } });
  const endpoints = inv.via && inv.via.length > 0 ? inv.via : c.config.endpoints;
  const preferredAt = c.preferred === null ? -1 : endpoints.indexOf(c.preferred);
  const state: OpState = { reqId: inv.reqId, op, endpoints, next: Math.max(0, preferredAt), attempt: 0, unanswered: 0, attemptDueMs: -1 };
  c.ops.set(inv.reqId, state);
  const dueMs = nowMs + c.config.requestTimeoutMs;
  if (addDeadline(c.deadlines, inv.reqId, dueMs)) armDeadlines(c, dueMs, nowMs, out);
  sendAttempt(c, state, out, nowMs);
  return out;
}

/**
 * The trace fields naming an operation. put/get/delete keep their original fields; a txn is named
 * by its first key, and its compares and branch ops are listed at invoke (values left out).
 */
function describeOp(op: ClientOp, phase: 'invoke' | 'complete'): Record<string, unknown> {
  switch (op.op) {
    case 'put':
      return { op: op.op, key: op.key, value: op.value };
    case 'get':
      return { op: op.op, key: op.key, consistency: op.consistency };
    case 'delete':
      return { op: op.op, key: op.key };
    case 'range':
      return { op: op.op, key: op.key, prefix: op.prefix || undefined, limit: op.limit || undefined, atRevision: op.revision || undefined, countOnly: op.countOnly || undefined, consistency: op.consistency };
    case 'txn': {
      const key = op.compare[0]?.key ?? op.success[0]?.key ?? op.failure[0]?.key;
      if (phase === 'complete') return { op: op.op, key };
      return {
        op: op.op,
        key,
        compare: op.compare.map((cmp) => [cmp.key, cmp.target, cmp.result, cmp.value]),
        success: op.success.map((o) => [o.op, o.key]),
        failure: op.failure.map((o) => [o.op, o.key]),
      };
    }
    case 'compact':
      return { op: op.op, compactRevision: op.revision };
  }
}

function sendAttempt(c: ClientState, state: OpState, out: ClientOutput, nowMs: number, to?: string): void {
  const target = to ?? state.endpoints[state.next % state.endpoints.length]!;
  state.attempt++;
  state.unanswered++;
  out.sends.push({
    to: target,
    msg: {
      type: 'ClientRequest',
      from: c.config.name,
      reqId: state.reqId,
      request: state.op,
      refusedReply: { type: 'ConnectionRefused', from: target, reqId: state.reqId },
    },
  });
  if (isRead(state.op)) {
    const dueMs = nowMs + c.config.readAttemptTimeoutMs;
    state.attemptDueMs = dueMs;
    if (addDeadline(c.readAttempts, state.reqId, dueMs)) armReadAttempts(c, dueMs, nowMs, out);
  }
}

export function onResponse(c: ClientState, res: ClientResponse, nowMs: number): ClientOutput {
  const out = emptyOutput();
  const state = c.ops.get(res.reqId);
  if (!state) return out; // a late or duplicated answer to a finished operation
  if (res.ok) {
    c.preferred = res.from;
    complete(c, state, out, 'ok', { response: res });
    return out;
  }
  if (!isRetryableError(res.error)) {
    // The member executed the request and refused it (an MVCC error): nothing was applied, and
    // asking another member would give the same answer.
    c.preferred = res.from;
    complete(c, state, out, 'fail', { response: res, error: res.error ?? 'etcdserver: unknown error' });
    return out;
  }
  state.unanswered = Math.max(0, state.unanswered - 1);
  const hint = res.leaderHint;
  if (hint !== null && hint !== res.from && state.endpoints.includes(hint)) {
    c.preferred = hint;
    state.next = state.endpoints.indexOf(hint);
    sendAttempt(c, state, out, nowMs, hint);
  } else {
    rotate(c, state, out);
  }
  return out;
}

export function onConnectionRefused(c: ClientState, refused: ConnectionRefused): ClientOutput {
  const out = emptyOutput();
  if (refused.watchId !== undefined) {
    const ws = c.watches.get(refused.watchId);
    if (ws && ws.stream === refused.stream && ws.phase !== 'backoff') breakStream(c, ws, out, ERR_CONNECTION_REFUSED, false);
    return out;
  }
  const state = c.ops.get(refused.reqId);
  if (!state) return out;
  state.unanswered = Math.max(0, state.unanswered - 1);
  rotate(c, state, out);
  return out;
}

function rotate(c: ClientState, state: OpState, out: ClientOutput): void {
  state.next = (state.next + 1) % state.endpoints.length;
  c.preferred = state.endpoints[state.next]!;
  out.timers.push({ event: { type: 'Retry', reqId: state.reqId }, delayMs: c.config.retryBackoffMs, id: timerId(c, `retry-${state.reqId}-${state.attempt}`) });
}

export function onTimer(c: ClientState, event: ClientTimerEvent, nowMs: number): ClientOutput {
  if (event.type === 'WatchCheck' || event.type === 'WatchRetry') return onWatchTimer(c, event);
  const out = emptyOutput();
  switch (event.type) {
    case 'Retry': {
      const state = c.ops.get(event.reqId);
      if (state) sendAttempt(c, state, out, nowMs);
      break;
    }
    case 'ReadAttemptTimeout': {
      // Every read whose current attempt is due moves on to the next member, in the order the attempts were sent.
      const q = c.readAttempts;
      for (let reqId = takeDue(q, nowMs); reqId !== undefined; reqId = takeDue(q, nowMs)) {
        const state = c.ops.get(reqId);
        if (!state || state.attemptDueMs !== nowMs) continue;
        state.next = (state.next + 1) % state.endpoints.length;
        sendAttempt(c, state, out, nowMs);
      }
      const atMs = nextDeadline(q, c, isAttemptWaiting);
      if (atMs !== null) armReadAttempts(c, atMs, nowMs, out);
      break;
    }
    case 'Deadline': {
      const q = c.deadlines;
      for (let reqId = takeDue(q, nowMs); reqId !== undefined; reqId = takeDue(q, nowMs)) {
        const state = c.ops.get(reqId);
        if (!state) continue;
        const mayHaveTakenEffect = !isRead(state.op) && state.unanswered > 0;
        // A request still unserved at the deadline fails as etcd's own does when no leader can
        // serve it: "request timed out". (`fail` vs `timeout` still says whether it may have applied.)
        complete(c, state, out, mayHaveTakenEffect ? 'timeout' : 'fail', { error: ERR_TIMEOUT });
      }
      const atMs = nextDeadline(q, c, isOpWaiting);
      if (atMs !== null) armDeadlines(c, atMs, nowMs, out);
      break;
    }
  }
  return out;
}

function isOpWaiting(c: ClientState, reqId: number): boolean {
  return c.ops.has(reqId);
}

/** The entry of a read's current attempt (an earlier attempt's entry is due earlier). */
function isAttemptWaiting(c: ClientState, reqId: number, dueMs: number): boolean {
  return c.ops.get(reqId)?.attemptDueMs === dueMs;
}

function complete(c: ClientState, state: OpState, out: ClientOutput, result: 'ok' | 'fail' | 'timeout', extra: { response?: ClientResponse; error?: string }): void {
  // Its deadline's and attempts' entries are skipped when they come up.
  c.ops.delete(state.reqId);
  const { op } = state;
  const res = extra.response;
  const fields: Record<string, unknown> = {
    client: c.config.name,
    id: state.reqId,
    entry: isRead(op) ? undefined : entryId(c.config.name, state.reqId),
    ...describeOp(op, 'complete'),
    phase: 'complete',
    result,
    revision: res?.revision,
    error: extra.error,
    attempts: state.attempt,
  };
  switch (op.op) {
    case 'get':
      fields.readValue = result === 'ok' ? res?.value : undefined;
      break;
    case 'range':
      fields.count = res?.count;
      fields.more = res?.more;
      fields.compactRevision = res?.compactRevision;
      break;
    case 'txn':
      fields.succeeded = res?.succeeded;
      fields.compactRevision = res?.compactRevision;
      break;
    case 'compact':
      fields.compactRevision = res?.compactRevision ?? op.revision;
      break;
    default:
      break;
  }
  out.traces.push({ kind: 'etcd.op', fields });
  out.completions.push({ reqId: state.reqId, result, ...(res && { response: res }), ...(extra.error !== undefined && { error: extra.error }) });
}

// ---------------------------------------------------------------------------------------------
// Watches (clientv3's watchGrpcStream, one stream per watch)

const checkTimerId = (c: ClientState, ws: WatchState): string => timerId(c, `watch-check-${ws.watchId}#${ws.gen}`);
const retryTimerId = (c: ClientState, ws: WatchState): string => timerId(c, `watch-retry-${ws.watchId}#${ws.gen}-${ws.stream}`);

/** Starts a watch; a live watch with the same id is replaced. */
export function watch(c: ClientState, spec: WatchSpec): ClientOutput {
  const out = emptyOutput();
  const existing = c.watches.get(spec.watchId);
  if (existing) endWatch(c, existing, out, 'replaced', null);
  if (c.watches.size >= setting(c, 'watchesMax')) {
    out.watchEvents.push({ watchId: spec.watchId, events: [], canceled: `etcdclient: more than ${setting(c, 'watchesMax')} watches` });
    return out;
  }
  const endpoints = spec.via && spec.via.length > 0 ? spec.via : c.config.endpoints;
  const preferredAt = c.preferred === null ? -1 : endpoints.indexOf(c.preferred);
  const ws: WatchState = {
    watchId: spec.watchId,
    gen: ++c.watchGens,
    key: spec.key,
    prefix: spec.prefix ?? false,
    requireLeader: spec.requireLeader ?? true,
    endpoints,
    next: Math.max(0, preferredAt),
    stream: '',
    target: '',
    phase: 'creating',
    nextRevision: Math.max(0, spec.startRevision),
    lastSeq: 0,
    tracedProgress: -1,
    heard: true,
    silentChecks: 0,
    failures: 0,
  };
  c.watches.set(ws.watchId, ws);
  openStream(c, ws, out);
  out.traces.push({
    kind: 'etcd.watch',
    fields: { client: c.config.name, watchId: ws.watchId, phase: 'create', key: ws.key, prefix: ws.prefix || undefined, startRevision: ws.nextRevision, requireLeader: ws.requireLeader, to: ws.target },
  });
  armCheck(c, ws, out);
  return out;
}

/** Ends a watch at the owner's request (nothing more is delivered for it). */
export function cancelWatch(c: ClientState, watchId: string): ClientOutput {
  const out = emptyOutput();
  const ws = c.watches.get(watchId);
  if (ws) endWatch(c, ws, out, 'closed', null);
  return out;
}

export function onWatchResponse(c: ClientState, msg: WatchResponse): ClientOutput {
  const out = emptyOutput();
  const ws = c.watches.get(msg.watchId);
  if (!ws || ws.stream !== msg.stream) {
    // A stream this client abandoned (or never knew, before a restart): tell the member to stop it.
    if (!msg.canceled) out.sends.push({ to: msg.from, msg: { type: 'WatchCancel', from: c.config.name, watchId: msg.watchId, stream: msg.stream } });
    return out;
  }
  if (ws.phase === 'backoff' || msg.seq <= ws.lastSeq) return out; // a duplicate
  if (msg.seq !== ws.lastSeq + 1) {
    breakStream(c, ws, out, `watch stream gap: seq ${ws.lastSeq + 1} lost`, true);
    return out;
  }
  ws.lastSeq = msg.seq;
  ws.heard = true;
  if (msg.canceled) {
    if (msg.cancelReason === ERR_COMPACTED && msg.compactRevision !== undefined) {
      endWatch(c, ws, out, 'compacted', { compacted: { compactRevision: msg.compactRevision } });
    } else {
      endWatch(c, ws, out, 'canceled', { canceled: msg.cancelReason ?? 'etcdserver: watch canceled' });
    }
    return out;
  }
  if (msg.created) {
    ws.phase = 'open';
    ws.failures = 0;
    if (ws.nextRevision === 0) ws.nextRevision = msg.revision + 1;
  }
  // One trace line per response that reaches the watcher (events first, then progress, as the
  // owner gets them), so the watch checker sees the stream the owner saw; a progress notification
  // repeating the last traced one, with no event between, is left out (see tracedProgress).
  let delivered: (readonly [number, 'put' | 'delete', string])[] | undefined;
  let progressRevision: number | undefined;
  if (msg.events.length > 0) {
    // The member never repeats an event on a stream; this only guards the resume boundary.
    const fresh = msg.events[0]!.revision >= ws.nextRevision ? msg.events : msg.events.filter((e) => e.revision >= ws.nextRevision);
    if (fresh.length > 0) {
      ws.nextRevision = fresh[fresh.length - 1]!.revision + 1;
      out.watchEvents.push({ watchId: ws.watchId, events: fresh });
      delivered = fresh.map((e) => [e.revision, e.type, e.kv.key] as const);
    }
  }
  if (msg.progress && msg.revision + 1 >= ws.nextRevision && ws.nextRevision > 0) {
    ws.nextRevision = msg.revision + 1;
    out.watchEvents.push({ watchId: ws.watchId, events: [], progressRevision: msg.revision });
    progressRevision = msg.revision;
  }
  if (delivered !== undefined) ws.tracedProgress = -1;
  if (progressRevision !== undefined) {
    if (delivered === undefined && progressRevision === ws.tracedProgress) progressRevision = undefined;
    else ws.tracedProgress = progressRevision;
  }
  if (delivered !== undefined || progressRevision !== undefined) {
    out.traces.push({ kind: 'etcd.watch', fields: { client: c.config.name, watchId: ws.watchId, phase: 'deliver', events: delivered, progressRevision } });
  }
  return out;
}

function openStream(c: ClientState, ws: WatchState, out: ClientOutput): void {
  ws.stream = `${c.config.incarnation ?? 1}.${++c.streams}`;
  ws.target = ws.endpoints[ws.next % ws.endpoints.length]!;
  ws.phase = 'creating';
  ws.lastSeq = 0;
  ws.tracedProgress = -1;
  ws.heard = true;
  ws.silentChecks = 0;
  out.sends.push({
    to: ws.target,
    msg: {
      type: 'WatchCreate',
      from: c.config.name,
      watchId: ws.watchId,
      stream: ws.stream,
      key: ws.key,
      prefix: ws.prefix,
      startRevision: ws.nextRevision,
      requireLeader: ws.requireLeader,
      refusedReply: { type: 'ConnectionRefused', from: ws.target, reqId: 0, watchId: ws.watchId, stream: ws.stream },
    },
  });
}

/**
 * The current stream is lost (gap, reset, silence): resume on the next endpoint from the last
 * delivered revision + 1 — at once when the stream had been working, else after a backoff that
 * doubles up to watchRetryBackoffMaxMs. After watchRetriesMax attempts in a row that never opened,
 * the watch is reported cancelled with the last error.
 */
function breakStream(c: ClientState, ws: WatchState, out: ClientOutput, reason: string, cancelOld: boolean): void {
  if (cancelOld) out.sends.push({ to: ws.target, msg: { type: 'WatchCancel', from: c.config.name, watchId: ws.watchId, stream: ws.stream } });
  const wasOpen = ws.phase === 'open';
  ws.failures = wasOpen ? 1 : ws.failures + 1;
  if (ws.failures > setting(c, 'watchRetriesMax')) {
    endWatch(c, ws, out, 'canceled', { canceled: reason });
    return;
  }
  ws.next = (ws.next + 1) % ws.endpoints.length;
  const delayMs = wasOpen ? 0 : Math.min(c.config.retryBackoffMs * 2 ** (ws.failures - 1), setting(c, 'watchRetryBackoffMaxMs'));
  out.traces.push({
    kind: 'etcd.watch',
    fields: { client: c.config.name, watchId: ws.watchId, phase: 'resume', reason, from: ws.target, to: ws.endpoints[ws.next]!, fromRevision: ws.nextRevision, attempt: ws.failures, delayMs },
  });
  if (delayMs === 0) {
    openStream(c, ws, out);
    return;
  }
  ws.phase = 'backoff';
  out.timers.push({ event: { type: 'WatchRetry', watchId: ws.watchId, gen: ws.gen, stream: ws.stream }, delayMs, id: retryTimerId(c, ws) });
}

/** Removes a watch; `delivery` (compacted or canceled) is what the owner is told, if anything. */
function endWatch(c: ClientState, ws: WatchState, out: ClientOutput, result: 'closed' | 'replaced' | 'canceled' | 'compacted', delivery: Omit<WatchDelivery, 'watchId' | 'events'> | null): void {
  c.watches.delete(ws.watchId);
  out.cancels.push(checkTimerId(c, ws));
  if (ws.phase === 'backoff') out.cancels.push(retryTimerId(c, ws));
  else if (result === 'closed' || result === 'replaced') {
    out.sends.push({ to: ws.target, msg: { type: 'WatchCancel', from: c.config.name, watchId: ws.watchId, stream: ws.stream } });
  }
  if (delivery) out.watchEvents.push({ watchId: ws.watchId, events: [], ...delivery });
  out.traces.push({
    kind: 'etcd.watch',
    fields: {
      client: c.config.name,
      watchId: ws.watchId,
      phase: 'end',
      result,
      error: delivery?.canceled,
      compactRevision: delivery?.compacted?.compactRevision,
      nextRevision: ws.nextRevision,
    },
  });
}

function armCheck(c: ClientState, ws: WatchState, out: ClientOutput): void {
  out.timers.push({ event: { type: 'WatchCheck', watchId: ws.watchId, gen: ws.gen }, delayMs: setting(c, 'watchCheckIntervalMs'), id: checkTimerId(c, ws) });
}

function onWatchTimer(c: ClientState, event: Extract<ClientTimerEvent, { type: 'WatchCheck' | 'WatchRetry' }>): ClientOutput {
  const out = emptyOutput();
  const ws = c.watches.get(event.watchId);
  if (!ws || ws.gen !== event.gen) return out;
  if (event.type === 'WatchRetry') {
    if (ws.phase === 'backoff' && ws.stream === event.stream) openStream(c, ws, out);
    return out;
  }
  if (ws.phase !== 'backoff') {
    ws.silentChecks = ws.heard ? 0 : ws.silentChecks + 1;
    ws.heard = false;
    if (ws.silentChecks * setting(c, 'watchCheckIntervalMs') >= setting(c, 'watchSilenceTimeoutMs')) {
      breakStream(c, ws, out, 'watch stream silent', true);
    }
  }
  if (c.watches.get(ws.watchId) === ws) armCheck(c, ws, out);
  return out;
}
