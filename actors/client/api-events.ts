import type { ApiConnectionPong, ApiConnectionReset, ApiResponse, ApiWatchMessage } from '../api/protocol.ts';
import { onConnectionCheck, onConnectionPong, onConnectionRefused, onConnectionReset, onRequestDeadline, onResponse, onWatchBroken, onWatchMessage, type ApiClientState, type ApiResult, type WatchDelivery } from './api-client.ts';
import type { Output } from '../kernel/output.ts';

/**
 * The events an API client receives (answers, watch messages, resets, its own timeouts), shared
 * by every component that talks to the apiserver. `routeApiEvent` turns one into a result or a
 * watch delivery for the component's core; anything else is left to the component.
 */
export type ApiClientEvent =
  | ApiResponse
  | ApiWatchMessage
  | ApiConnectionPong
  | ApiConnectionReset
  | { type: 'ApiConnectionRefused'; reqId: number }
  /** The client's one request-deadline timer (REQUEST_DEADLINE_TIMER_ID). */
  | { type: 'ApiRequestDeadline' }
  | { type: 'ApiConnectionCheck'; apiserver: string; incarnation: number }
  | { type: 'ApiWatchBroken'; reqId: number };

const API_EVENT_TYPES = new Set(['ApiResponse', 'ApiWatch', 'ApiConnectionRefused', 'ApiRequestDeadline', 'ApiConnectionCheck', 'ApiWatchBroken', 'ApiConnectionPong', 'ApiConnectionReset']);

export function isApiClientEvent(event: { type: string }): event is ApiClientEvent {
  return API_EVENT_TYPES.has(event.type);
}

/**
 * Where a component's API results and watch deliveries go. The handlers take the component's
 * state, the time and the step's output as arguments, so a component keeps one handler object at
 * module level: no closure per message (each costs an allocation, and under tsx a defineProperty
 * naming it; the kubelets alone receive most of a cluster's API messages).
 */
export interface ApiEventHandlers<S> {
  onResult(state: S, result: ApiResult, nowMs: number, out: Output): void;
  onWatch(state: S, delivery: WatchDelivery, nowMs: number, out: Output): void;
}

export function routeApiEvent<S>(state: S, client: ApiClientState, event: ApiClientEvent, nowMs: number, out: Output, handlers: ApiEventHandlers<S>): void {
  switch (event.type) {
    case 'ApiResponse': {
      const r = onResponse(client, event, out, nowMs);
      if (r) handlers.onResult(state, r, nowMs, out);
      return;
    }
    case 'ApiWatch': {
      const d = onWatchMessage(client, event, out, nowMs);
      if (d) handlers.onWatch(state, d, nowMs, out);
      return;
    }
    case 'ApiConnectionRefused':
      return deliver(state, onConnectionRefused(client, event.reqId, out), nowMs, out, handlers);
    case 'ApiRequestDeadline':
      return onRequestDeadline(client, nowMs, out, { state, handlers }, deliverTimeout);
    case 'ApiWatchBroken': {
      const d = onWatchBroken(client, event.reqId, out);
      if (d) handlers.onWatch(state, d, nowMs, out);
      return;
    }
    case 'ApiConnectionCheck':
      for (const d of onConnectionCheck(client, event.apiserver, event.incarnation, nowMs, out)) handlers.onWatch(state, d, nowMs, out);
      return;
    case 'ApiConnectionPong':
      for (const d of onConnectionPong(client, event, out, nowMs)) handlers.onWatch(state, d, nowMs, out);
      return;
    case 'ApiConnectionReset':
      for (const d of onConnectionReset(client, event, out)) handlers.onWatch(state, d, nowMs, out);
      return;
  }
}

function deliverTimeout<S>(to: { state: S; handlers: ApiEventHandlers<S> }, r: ApiResult | WatchDelivery, nowMs: number, out: Output): void {
  deliver(to.state, r, nowMs, out, to.handlers);
}

function deliver<S>(state: S, r: ApiResult | WatchDelivery | null, nowMs: number, out: Output, handlers: ApiEventHandlers<S>): void {
  if (r && 'code' in r) handlers.onResult(state, r, nowMs, out);
  else if (r) handlers.onWatch(state, r, nowMs, out);
}
