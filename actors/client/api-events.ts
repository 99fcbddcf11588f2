import type { ApiConnectionPong, ApiConnectionReset, ApiResponse, ApiWatchMessage } from '../api/protocol.ts';
import { onConnectionCheck, onConnectionPong, onConnectionRefused, onConnectionReset, onRequestTimeout, onResponse, onWatchBroken, onWatchMessage, type ApiClientState, type ApiResult, type WatchDelivery } from './api-client.ts';
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
  | { type: 'ApiRequestTimeout'; reqId: number }
  | { type: 'ApiConnectionCheck'; apiserver: string; incarnation: number }
  | { type: 'ApiWatchBroken'; reqId: number };

const API_EVENT_TYPES = new Set(['ApiResponse', 'ApiWatch', 'ApiConnectionRefused', 'ApiRequestTimeout', 'ApiConnectionCheck', 'ApiWatchBroken', 'ApiConnectionPong', 'ApiConnectionReset']);

export function isApiClientEvent(event: { type: string }): event is ApiClientEvent {
  return API_EVENT_TYPES.has(event.type);
}

export interface ApiEventHandlers {
  onResult(result: ApiResult): void;
  onWatch(delivery: WatchDelivery): void;
}

export function routeApiEvent(client: ApiClientState, event: ApiClientEvent, nowMs: number, out: Output, handlers: ApiEventHandlers): void {
  switch (event.type) {
    case 'ApiResponse': {
      const r = onResponse(client, event, out, nowMs);
      if (r) handlers.onResult(r);
      return;
    }
    case 'ApiWatch': {
      const d = onWatchMessage(client, event, out, nowMs);
      if (d) handlers.onWatch(d);
      return;
    }
    case 'ApiConnectionRefused':
      return deliver(onConnectionRefused(client, event.reqId, out), handlers);
    case 'ApiRequestTimeout':
      return deliver(onRequestTimeout(client, event.reqId, out), handlers);
    case 'ApiWatchBroken': {
      const d = onWatchBroken(client, event.reqId, out);
      if (d) handlers.onWatch(d);
      return;
    }
    case 'ApiConnectionCheck':
      for (const d of onConnectionCheck(client, event.apiserver, event.incarnation, nowMs, out)) handlers.onWatch(d);
      return;
    case 'ApiConnectionPong':
      for (const d of onConnectionPong(client, event, out, nowMs)) handlers.onWatch(d);
      return;
    case 'ApiConnectionReset':
      for (const d of onConnectionReset(client, event, out)) handlers.onWatch(d);
      return;
  }
}

function deliver(r: ApiResult | WatchDelivery | null, handlers: ApiEventHandlers): void {
  if (r && 'code' in r) handlers.onResult(r);
  else if (r) handlers.onWatch(r);
}
