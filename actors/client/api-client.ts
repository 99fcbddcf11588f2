import type { ApiRequest, ApiResponse, ApiStatus, ApiWatchCancel, ApiWatchEvent, ApiWatchMessage, KubeObject } from '../api/protocol.ts';
import type { Output } from '../kernel/output.ts';

/**
 * A component's connection to kube-apiserver (client-go's REST client, reduced): requests go to
 * the server address (the VIP in an HA control plane), each with a timeout; watch streams are
 * numbered so a lost or duplicated message is noticed and the stream reported broken.
 * Results come back as data, tagged with what the caller said the request was for.
 */

export interface ApiClientConfig {
  /** This component's host name (the sender). */
  name: string;
  token: string;
  /** Where requests go: the apiserver VIP or one apiserver. */
  server: string;
  /** A request with no answer by then fails with 504 (client-side timeout). */
  requestTimeoutMs: number;
  /** A watch with no message (event or bookmark) for this long is treated as broken. */
  watchIdleTimeoutMs: number;
}

export type RequestSpec = Omit<ApiRequest, 'type' | 'from' | 'reqId' | 'token' | 'refusedReply'>;

interface Pending {
  tag: string;
  spec: RequestSpec;
}

interface WatchStream {
  tag: string;
  nextSeq: number;
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
    c.watches.set(reqId, { tag, nextSeq: 0 });
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

export function onWatchIdle(c: ApiClientState, reqId: number, seq: number, out: Output): WatchDelivery | null {
  const watch = c.watches.get(reqId);
  if (!watch || watch.nextSeq !== seq) return null;
  return endWatch(c, reqId, 'broken', out);
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
  const msg: ApiWatchCancel = { type: 'ApiWatchCancel', from: c.config.name, reqId };
  out.sends.push({ to: c.config.server, msg });
}

function endWatch(c: ApiClientState, reqId: number, ended: 'broken' | 'closed', out: Output): WatchDelivery | null {
  const watch = c.watches.get(reqId);
  if (!watch) return null;
  c.watches.delete(reqId);
  out.cancels.push(watchTimerId(reqId, watch.nextSeq));
  if (ended === 'broken') {
    const cancel: ApiWatchCancel = { type: 'ApiWatchCancel', from: c.config.name, reqId };
    out.sends.push({ to: c.config.server, msg: cancel });
  }
  return { tag: watch.tag, reqId, events: [], ended };
}

function unavailable(message: string, code = 503, reason = 'ServiceUnavailable'): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code };
}
