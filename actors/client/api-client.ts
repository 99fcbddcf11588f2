import type { ApiRequest, ApiResponse, ApiStatus, ApiWatchCancel, ApiWatchEvent, ApiWatchMessage, ApiWatchPing, ApiWatchPong, KubeObject } from '../api/protocol.ts';
import type { Output } from '../kernel/output.ts';

/**
 * A component's connection to kube-apiserver (client-go's REST client, reduced): requests go to
 * the server address (the VIP in an HA control plane), each with a timeout; watch streams are
 * numbered so a lost or duplicated message is noticed and the stream reported broken.
 * Results come back as data, tagged with what the caller said the request was for.
 *
 * A watch's connection is health-checked as client-go's HTTP/2 transport does
 * (k8s.io/apimachinery/pkg/util/net/http.go: ReadIdleTimeout 30 s, PingTimeout 15 s): after
 * `watchIdleTimeoutMs` without a message the client sends a PING; no answer within
 * `pingTimeoutMs` and the connection is dead, the watch ends as broken, and its owner re-watches.
 * A partition is thus noticed in about 45 s; a shorter one only delays the stream (the network
 * holds its messages, as TCP does). The check runs per watch rather than per connection: a
 * connection is silent only if its every stream is, so a dead one fails every watch's check.
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
   * A watch with no message (event, bookmark, PING answer) for this long is health-checked with a
   * PING: HTTP/2 ReadIdleTimeout, 30 s in client-go (DEFAULT_READ_IDLE_TIMEOUT_MS).
   */
  watchIdleTimeoutMs: number;
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
  /** A PING is out and unanswered: the stream's timer is the ping timeout. */
  pinging: boolean;
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
  /** The stream ended: closed by the server, broken (gap, reset, silence), or refused. */
  ended: false | 'closed' | 'broken';
}

export interface ApiClientState {
  readonly config: ApiClientConfig;
  nextReqId: number;
  readonly pending: Map<number, Pending>;
  readonly watches: Map<number, WatchStream>;
}

export const MAX_PENDING_REQUESTS = 10_000;

export function newApiClient(config: ApiClientConfig): ApiClientState {
  return { config, nextReqId: 1, pending: new Map(), watches: new Map() };
}

const requestTimerId = (reqId: number): string => `api-timeout-${reqId}`;
const watchTimerId = (reqId: number, seq: number): string => `api-watch-idle-${reqId}-${seq}`;

/** Sends a request; its result arrives later through `onResponse` (or a timeout) with `tag`. */
export function request(c: ApiClientState, spec: RequestSpec, tag: string, out: Output): number {
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
  if (spec.verb === 'watch') {
    c.watches.set(reqId, { tag, nextSeq: 0, pinging: false });
    out.timers.push({ id: watchTimerId(reqId, 0), delayMs: c.config.watchIdleTimeoutMs, event: { type: 'ApiWatchIdle', reqId, seq: 0 } });
  } else {
    c.pending.set(reqId, { tag, spec });
    out.timers.push({ id: requestTimerId(reqId), delayMs: c.config.requestTimeoutMs, event: { type: 'ApiRequestTimeout', reqId } });
  }
  return reqId;
}

export function onResponse(c: ApiClientState, res: ApiResponse, out: Output): ApiResult | null {
  const pending = c.pending.get(res.reqId);
  if (pending) {
    c.pending.delete(res.reqId);
    out.cancels.push(requestTimerId(res.reqId));
    return { tag: pending.tag, reqId: res.reqId, code: res.code, body: res.body };
  }
  // A watch refused at once (401, 403, 410...) answers with a plain response.
  const watch = c.watches.get(res.reqId);
  if (watch) {
    c.watches.delete(res.reqId);
    out.cancels.push(watchTimerId(res.reqId, watch.nextSeq));
    return { tag: watch.tag, reqId: res.reqId, code: res.code, body: res.body };
  }
  return null;
}

/** The apiserver's host was down: requests fail with 503, watches end as broken. */
export function onConnectionRefused(c: ApiClientState, reqId: number, out: Output): ApiResult | WatchDelivery | null {
  const pending = c.pending.get(reqId);
  if (pending) {
    c.pending.delete(reqId);
    out.cancels.push(requestTimerId(reqId));
    return { tag: pending.tag, reqId, code: 503, body: unavailable('connection refused') };
  }
  return endWatch(c, reqId, 'broken', out);
}

export function onRequestTimeout(c: ApiClientState, reqId: number): ApiResult | null {
  const pending = c.pending.get(reqId);
  if (!pending) return null;
  c.pending.delete(reqId);
  return { tag: pending.tag, reqId, code: 504, body: unavailable('the client timed out waiting for the server', 504, 'Timeout') };
}

export function onWatchMessage(c: ApiClientState, msg: ApiWatchMessage, out: Output): WatchDelivery | null {
  const watch = c.watches.get(msg.reqId);
  if (!watch) return null;
  if (msg.seq < watch.nextSeq) return null; // a duplicate
  if (msg.seq > watch.nextSeq) return endWatch(c, msg.reqId, 'broken', out); // a gap: events were lost
  out.cancels.push(watchTimerId(msg.reqId, watch.nextSeq));
  watch.nextSeq++;
  watch.pinging = false;
  if (msg.closed) {
    c.watches.delete(msg.reqId);
    return { tag: watch.tag, reqId: msg.reqId, events: msg.events, ended: 'closed' };
  }
  out.timers.push({ id: watchTimerId(msg.reqId, watch.nextSeq), delayMs: c.config.watchIdleTimeoutMs, event: { type: 'ApiWatchIdle', reqId: msg.reqId, seq: watch.nextSeq } });
  return { tag: watch.tag, reqId: msg.reqId, events: msg.events, ended: false };
}

/** The load balancer reset the watch's connection (its apiserver was taken out). */
export function onWatchBroken(c: ApiClientState, reqId: number, out: Output): WatchDelivery | null {
  return endWatch(c, reqId, 'broken', out);
}

/**
 * The watch's timer fired: after a silence, PING the connection; after an unanswered PING, the
 * connection is dead and the watch broken.
 */
export function onWatchIdle(c: ApiClientState, reqId: number, seq: number, out: Output): WatchDelivery | null {
  const watch = c.watches.get(reqId);
  if (!watch || watch.nextSeq !== seq) return null;
  if (watch.pinging) return endWatch(c, reqId, 'broken', out);
  watch.pinging = true;
  // To the address the watch was sent to: the VIP forwards it on the watch's route.
  const ping: ApiWatchPing = { type: 'ApiWatchPing', ordered: true, from: c.config.name, reqId, refusedReply: { type: 'ApiConnectionRefused', from: c.config.server, reqId } };
  out.sends.push({ to: c.config.server, msg: ping });
  out.timers.push({ id: watchTimerId(reqId, seq), delayMs: c.config.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS, event: { type: 'ApiWatchIdle', reqId, seq } });
  return null;
}

/**
 * The PING was answered: the connection is alive. It came behind every message the server sent
 * before it, so a server further along the stream than this client means messages were lost.
 */
export function onWatchPong(c: ApiClientState, pong: ApiWatchPong, out: Output): WatchDelivery | null {
  const watch = c.watches.get(pong.reqId);
  if (!watch || !watch.pinging) return null;
  if (pong.nextSeq !== watch.nextSeq) return endWatch(c, pong.reqId, 'broken', out);
  watch.pinging = false;
  out.cancels.push(watchTimerId(pong.reqId, watch.nextSeq));
  out.timers.push({ id: watchTimerId(pong.reqId, watch.nextSeq), delayMs: c.config.watchIdleTimeoutMs, event: { type: 'ApiWatchIdle', reqId: pong.reqId, seq: watch.nextSeq } });
  return null;
}

/** Forgets a request whose answer is no longer wanted (its owner stopped): a late answer is ignored. */
export function abandonRequest(c: ApiClientState, reqId: number, out: Output): void {
  if (!c.pending.delete(reqId)) return;
  out.cancels.push(requestTimerId(reqId));
}

/** Stops a watch this client no longer wants, and tells the server. */
export function cancelWatch(c: ApiClientState, reqId: number, out: Output): void {
  const watch = c.watches.get(reqId);
  if (!watch) return;
  c.watches.delete(reqId);
  out.cancels.push(watchTimerId(reqId, watch.nextSeq));
  const msg: ApiWatchCancel = { type: 'ApiWatchCancel', ordered: true, from: c.config.name, reqId };
  out.sends.push({ to: c.config.server, msg });
}

function endWatch(c: ApiClientState, reqId: number, ended: 'broken' | 'closed', out: Output): WatchDelivery | null {
  const watch = c.watches.get(reqId);
  if (!watch) return null;
  c.watches.delete(reqId);
  out.cancels.push(watchTimerId(reqId, watch.nextSeq));
  if (ended === 'broken') {
    const cancel: ApiWatchCancel = { type: 'ApiWatchCancel', ordered: true, from: c.config.name, reqId };
    out.sends.push({ to: c.config.server, msg: cancel });
  }
  return { tag: watch.tag, reqId, events: [], ended };
}

function unavailable(message: string, code = 503, reason = 'ServiceUnavailable'): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code };
}
