import type { ApiConnectionPing, ApiConnectionPong, ApiConnectionReset, ApiRequest, ApiResponse, ApiStatus, ApiWatchCancel, ApiWatchEvent, ApiWatchMessage, KubeObject } from '../api/protocol.ts';
import type { Output } from '../kernel/output.ts';
import {
  answerPing,
  checkConnection,
  closeConnection,
  findConnection,
  joinConnection,
  leaveConnection,
  newConnectionTable,
  noteRead,
  readOn,
  type ConnectionTable,
  type Http2Connection,
  type Http2Timing,
} from './http2-connections.ts';
import { addDeadline, newDeadlineQueue, nextDeadline, takeDue, type DeadlineQueue } from './deadline-queue.ts';

/**
 * A component's connection to kube-apiserver (client-go's REST client, reduced): requests go to
 * the server address (the VIP in an HA control plane), each with a timeout; watch streams are
 * numbered so a lost or duplicated message is noticed and the stream reported broken.
 * Results come back as data, tagged with what the caller said the request was for.
 *
 * Watches are health-checked per HTTP/2 connection, as client-go's transport does
 * (http2-connections.ts: ReadIdleTimeout 30 s, PingTimeout 15 s): a watch joins the connection
 * its first frame came on (an apiserver process), every frame read on that connection — any
 * watch's, a response's, a PING's answer — keeps it from being pinged, and a PING unanswered for
 * `pingTimeoutMs`, or a reset, ends every watch on it as broken; their owners re-watch. A
 * partition is thus noticed about 45 s after the connection's last frame; a shorter one only
 * delays the streams (the network holds them, as TCP does). Until its first frame a watch is a
 * request like any other, guarded by `requestTimeoutMs` (kubesim's requests can be lost; on a
 * live HTTP/2 connection they cannot).
 */

export interface ApiClientConfig {
  /** This component's host name (the sender). */
  name: string;
  token: string;
  /** Where requests go: the apiserver VIP or one apiserver. */
  server: string;
  /** A request with no answer by then fails with 504 (client-side timeout). */
  requestTimeoutMs: number;
  /**
   * A connection carrying watches that read no frame (event, bookmark, response, PING answer) for
   * this long is health-checked with a PING: HTTP/2 ReadIdleTimeout, 30 s in client-go
   * (DEFAULT_READ_IDLE_TIMEOUT_MS).
   */
  readIdleTimeoutMs: number;
  /** A PING unanswered this long means the connection is dead: HTTP/2 PingTimeout, 15 s in client-go. */
  pingTimeoutMs?: number;
}

/** client-go's HTTP/2 health check (HTTP2_READ_IDLE_TIMEOUT_SECONDS, HTTP2_PING_TIMEOUT_SECONDS). */
export const DEFAULT_READ_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_PING_TIMEOUT_MS = 15_000;

export type RequestSpec = Omit<ApiRequest, 'type' | 'from' | 'reqId' | 'token' | 'refusedReply'>;

interface Pending {
  tag: string;
  spec: RequestSpec;
}

interface WatchStream {
  tag: string;
  nextSeq: number;
  /** The connection its first frame came on; null before (its request timeout runs). */
  conn: Http2Connection | null;
}

export interface ApiResult {
  tag: string;
  reqId: number;
  code: number;
  body: KubeObject | ApiStatus;
}

export interface WatchDelivery {
  tag: string;
  reqId: number;
  events: ApiWatchEvent[];
  /** The stream ended: closed by the server, broken (gap, reset, lost PING, timeout), or refused. */
  ended: false | 'closed' | 'broken';
}

export interface ApiClientState {
  readonly config: ApiClientConfig;
  nextReqId: number;
  readonly pending: Map<number, Pending>;
  readonly watches: Map<number, WatchStream>;
  /** The HTTP/2 connections the watches are on. */
  readonly connections: ConnectionTable;
  /**
   * Every request's deadline (a watch's until its first frame), behind one timer
   * (REQUEST_DEADLINE_TIMER_ID): an answer leaves the queue alone, the entry is skipped later.
   */
  readonly deadlines: DeadlineQueue<number>;
}

export const MAX_PENDING_REQUESTS = 10_000;

export function newApiClient(config: ApiClientConfig): ApiClientState {
  return { config, nextReqId: 1, pending: new Map(), watches: new Map(), connections: newConnectionTable(), deadlines: newDeadlineQueue() };
}

/** The one timer of a client's request deadlines (its event: ApiRequestDeadline). */
export const REQUEST_DEADLINE_TIMER_ID = 'api-deadlines';

function armDeadlineTimer(atMs: number, nowMs: number, out: Output): void {
  out.timers.push({ id: REQUEST_DEADLINE_TIMER_ID, delayMs: atMs - nowMs, event: { type: 'ApiRequestDeadline' } });
}

/** A request still waits for its answer; a watch for its first frame (then its connection's check guards it). */
function isWaiting(c: ApiClientState, reqId: number): boolean {
  return c.pending.has(reqId) || c.watches.get(reqId)?.conn === null;
}

function timing(c: ApiClientState): Http2Timing {
  return { readIdleTimeoutMs: c.config.readIdleTimeoutMs, pingTimeoutMs: c.config.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS };
}

/**
 * Cancels a timer, or drops it from this step's output if the step armed it: the adapter runs a
 * step's cancels before its timers, so a cancel after an arm in one step would not hold.
 */
function cancelTimer(out: Output, id: string): void {
  const armed = out.timers.findIndex((t) => t.id === id);
  if (armed >= 0) out.timers.splice(armed, 1);
  else out.cancels.push(id);
}

/** A frame was read on the connection: its check restarts, ReadIdleTimeout from now (Go's timer Reset). */
function restartCheck(conn: Http2Connection | undefined, c: ApiClientState, out: Output): void {
  if (!conn) return;
  cancelTimer(out, conn.timerId);
  armCheck(conn, c.config.readIdleTimeoutMs, out);
}

function armCheck(conn: Http2Connection, delayMs: number, out: Output): void {
  out.timers.push({ id: conn.timerId, delayMs, event: { type: 'ApiConnectionCheck', apiserver: conn.apiserver, incarnation: conn.incarnation } });
}

/** Sends a request at `nowMs`; its result arrives later through `onResponse` (or a timeout) with `tag`. */
export function request(c: ApiClientState, spec: RequestSpec, tag: string, out: Output, nowMs: number): number {
  const reqId = c.nextReqId++;
  if (c.pending.size >= MAX_PENDING_REQUESTS) throw new Error(`${c.config.name}: more than ${MAX_PENDING_REQUESTS} API requests in flight`);
  const msg: ApiRequest = {
    type: 'ApiRequest',
    from: c.config.name,
    reqId,
    token: c.config.token,
    ...spec,
    refusedReply: { type: 'ApiConnectionRefused', from: c.config.server, reqId },
  };
  out.sends.push({ to: c.config.server, msg });
  if (spec.verb === 'watch') c.watches.set(reqId, { tag, nextSeq: 0, conn: null });
  else c.pending.set(reqId, { tag, spec });
  const dueMs = nowMs + c.config.requestTimeoutMs;
  if (addDeadline(c.deadlines, reqId, dueMs)) armDeadlineTimer(dueMs, nowMs, out);
  return reqId;
}

/** A response is a frame read on its apiserver's connection. */
export function onResponse(c: ApiClientState, res: ApiResponse, out: Output, nowMs?: number): ApiResult | null {
  if (nowMs !== undefined) restartCheck(noteRead(c.connections, res.from, res.incarnation ?? 0, nowMs), c, out);
  const pending = c.pending.get(res.reqId);
  if (pending) {
    c.pending.delete(res.reqId);
    return { tag: pending.tag, reqId: res.reqId, code: res.code, body: res.body };
  }
  // A watch refused at once (401, 403, 410...) answers with a plain response.
  const watch = c.watches.get(res.reqId);
  if (watch) {
    c.watches.delete(res.reqId);
    leave(c, res.reqId, watch, out);
    return { tag: watch.tag, reqId: res.reqId, code: res.code, body: res.body };
  }
  return null;
}

/** The apiserver's host was down: requests fail with 503, watches end as broken. */
export function onConnectionRefused(c: ApiClientState, reqId: number, out: Output): ApiResult | WatchDelivery | null {
  const pending = c.pending.get(reqId);
  if (pending) {
    c.pending.delete(reqId);
    return { tag: pending.tag, reqId, code: 503, body: unavailable('connection refused') };
  }
  return endWatch(c, reqId, 'broken', out);
}

/**
 * The deadline timer fired at `nowMs`: every request due by then times out, in the order they were
 * sent (`onTimeout` is called with each result), and the timer is re-armed for the next one.
 */
export function onRequestDeadline<S>(c: ApiClientState, nowMs: number, out: Output, state: S, onTimeout: (state: S, result: ApiResult | WatchDelivery, nowMs: number, out: Output) => void): void {
  const q = c.deadlines;
  for (let reqId = takeDue(q, nowMs); reqId !== undefined; reqId = takeDue(q, nowMs)) {
    const r = onRequestTimeout(c, reqId, out);
    if (r) onTimeout(state, r, nowMs, out);
  }
  const atMs = nextDeadline(q, c, isWaiting);
  if (atMs !== null) armDeadlineTimer(atMs, nowMs, out);
}

/** A request unanswered in time fails with 504; a watch still without its first frame ends as broken. */
function onRequestTimeout(c: ApiClientState, reqId: number, out: Output): ApiResult | WatchDelivery | null {
  const pending = c.pending.get(reqId);
  if (!pending) {
    const watch = c.watches.get(reqId);
    return watch && watch.conn === null ? endWatch(c, reqId, 'broken', out) : null;
  }
  c.pending.delete(reqId);
  return { tag: pending.tag, reqId, code: 504, body: unavailable('the client timed out waiting for the server', 504, 'Timeout') };
}

export function onWatchMessage(c: ApiClientState, msg: ApiWatchMessage, out: Output, nowMs: number): WatchDelivery | null {
  const watch = c.watches.get(msg.reqId);
  if (!watch) return null;
  if (msg.seq < watch.nextSeq) return null; // a duplicate
  if (msg.seq > watch.nextSeq) return endWatch(c, msg.reqId, 'broken', out); // a gap: events were lost
  watch.nextSeq++;
  if (msg.closed) {
    c.watches.delete(msg.reqId);
    leave(c, msg.reqId, watch, out);
    return { tag: watch.tag, reqId: msg.reqId, events: msg.events, ended: 'closed' };
  }
  if (watch.conn) {
    restartCheck(readOn(watch.conn, nowMs), c, out);
  } else {
    // The first frame (the response's headers): the watch is on this apiserver process's connection
    // (its deadline's entry is skipped when it comes up).
    const { conn, opened } = joinConnection(c.connections, msg.from, msg.incarnation ?? 0, msg.reqId, nowMs);
    watch.conn = conn;
    if (opened) armCheck(conn, c.config.readIdleTimeoutMs, out);
    else restartCheck(conn.pingSentAtMs === null ? conn : undefined, c, out);
  }
  return { tag: watch.tag, reqId: msg.reqId, events: msg.events, ended: false };
}

/** The load balancer reset the watch's connection (its apiserver was taken out). */
export function onWatchBroken(c: ApiClientState, reqId: number, out: Output): WatchDelivery | null {
  return endWatch(c, reqId, 'broken', out);
}

/**
 * A connection's check timer fired: not idle yet (re-arm), idle (PING it), or its PING went
 * unanswered (it is closed: every watch on it is broken).
 */
export function onConnectionCheck(c: ApiClientState, apiserver: string, incarnation: number, nowMs: number, out: Output): WatchDelivery[] {
  const conn = findConnection(c.connections, apiserver, incarnation);
  if (!conn) return [];
  const verdict = checkConnection(conn, nowMs, timing(c));
  if (verdict.kind === 'lost') return failConnection(c, conn, out);
  if (verdict.kind === 'ping') {
    // To the address requests go to: the VIP forwards it to the connection's apiserver.
    const ping: ApiConnectionPing = {
      type: 'ApiConnectionPing',
      ordered: true,
      from: c.config.name,
      apiserver,
      incarnation,
      streams: [...conn.streams],
      refusedReply: { type: 'ApiConnectionReset', from: c.config.server, apiserver, incarnation },
    };
    out.sends.push({ to: c.config.server, msg: ping });
  }
  armCheck(conn, verdict.nextCheckAtMs - nowMs, out);
  return [];
}

/**
 * The PING was answered: the connection is alive. The answer came behind every frame the server
 * sent before it, so a stream the server is further along than this client lost messages, and
 * one the server does not have is gone: those watches are broken.
 */
export function onConnectionPong(c: ApiClientState, pong: ApiConnectionPong, out: Output, nowMs: number): WatchDelivery[] {
  const conn = findConnection(c.connections, pong.from, pong.incarnation);
  if (!conn) return [];
  if (!answerPing(conn, nowMs)) {
    conn.lastReadMs = nowMs;
    return [];
  }
  cancelTimer(out, conn.timerId);
  armCheck(conn, c.config.readIdleTimeoutMs, out);
  const broken: WatchDelivery[] = [];
  for (const [reqId, nextSeq] of pong.streams) {
    const watch = c.watches.get(reqId);
    if (!watch || watch.conn !== conn || watch.nextSeq === nextSeq) continue;
    const d = endWatch(c, reqId, 'broken', out);
    if (d) broken.push(d);
  }
  return broken;
}

/** The connection was reset (its apiserver restarted, or its host is down): every watch on it is broken. */
export function onConnectionReset(c: ApiClientState, reset: ApiConnectionReset, out: Output): WatchDelivery[] {
  const conn = findConnection(c.connections, reset.apiserver, reset.incarnation);
  return conn ? failConnection(c, conn, out) : [];
}

/** Forgets a request whose answer is no longer wanted (its owner stopped): a late answer is ignored. */
export function abandonRequest(c: ApiClientState, reqId: number): void {
  c.pending.delete(reqId);
}

/** Stops a watch this client no longer wants, and tells the server. */
export function cancelWatch(c: ApiClientState, reqId: number, out: Output): void {
  const watch = c.watches.get(reqId);
  if (!watch) return;
  c.watches.delete(reqId);
  leave(c, reqId, watch, out);
  const msg: ApiWatchCancel = { type: 'ApiWatchCancel', ordered: true, from: c.config.name, reqId };
  out.sends.push({ to: c.config.server, msg });
}

function endWatch(c: ApiClientState, reqId: number, ended: 'broken' | 'closed', out: Output): WatchDelivery | null {
  const watch = c.watches.get(reqId);
  if (!watch) return null;
  c.watches.delete(reqId);
  leave(c, reqId, watch, out);
  if (ended === 'broken') {
    const cancel: ApiWatchCancel = { type: 'ApiWatchCancel', ordered: true, from: c.config.name, reqId };
    out.sends.push({ to: c.config.server, msg: cancel });
  }
  return { tag: watch.tag, reqId, events: [], ended };
}

/** A watch that ended leaves its connection (the last one closes it); before its first frame, nothing to do (its deadline is skipped). */
function leave(c: ApiClientState, reqId: number, watch: WatchStream, out: Output): void {
  const conn = watch.conn;
  if (!conn) return;
  watch.conn = null;
  if (leaveConnection(c.connections, conn, reqId).closed) cancelTimer(out, conn.timerId);
}

/** Closes a connection: every watch on it ends as broken and is cancelled at the server. */
function failConnection(c: ApiClientState, conn: Http2Connection, out: Output): WatchDelivery[] {
  cancelTimer(out, conn.timerId);
  const broken: WatchDelivery[] = [];
  for (const reqId of closeConnection(c.connections, conn)) {
    const watch = c.watches.get(reqId);
    if (!watch || watch.conn !== conn) continue;
    watch.conn = null;
    c.watches.delete(reqId);
    const cancel: ApiWatchCancel = { type: 'ApiWatchCancel', ordered: true, from: c.config.name, reqId };
    out.sends.push({ to: c.config.server, msg: cancel });
    broken.push({ tag: watch.tag, reqId, events: [], ended: 'broken' });
  }
  return broken;
}

function unavailable(message: string, code = 503, reason = 'ServiceUnavailable'): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code };
}
