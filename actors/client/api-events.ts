import type { ApiResponse, ApiWatchMessage, ApiWatchPong } from '../api/protocol.ts';
import { onConnectionRefused, onRequestTimeout, onResponse, onWatchBroken, onWatchIdle, onWatchMessage, onWatchPong, type ApiClientState, type ApiResult, type WatchDelivery } from './api-client.ts';
import type { Output } from '../kernel/output.ts';

/**
 * The events an API client receives (answers, watch messages, resets, its own timeouts), shared
 * by every component that talks to the apiserver. `routeApiEvent` turns one into a result or a
 * watch delivery for the component's core; anything else is left to the component.
 */
export type ApiClientEvent =
  | ApiResponse
  | ApiWatchMessage
  | ApiWatchPong
  | { type: 'ApiConnectionRefused'; reqId: number }
  | { type: 'ApiRequestTimeout'; reqId: number }
  | { type: 'ApiWatchIdle'; reqId: number; seq: number }
  | { type: 'ApiWatchBroken'; reqId: number };

const API_EVENT_TYPES = new Set(['ApiResponse', 'ApiWatch', 'ApiConnectionRefused', 'ApiRequestTimeout', 'ApiWatchIdle', 'ApiWatchBroken', 'ApiWatchPong']);

export function isApiClientEvent(event: { type: string }): event is ApiClientEvent {
  return API_EVENT_TYPES.has(event.type);
}

export interface ApiEventHandlers {
  onResult(result: ApiResult): void;
  onWatch(delivery: WatchDelivery): void;
}

export function routeApiEvent(client: ApiClientState, event: ApiClientEvent, out: Output, handlers: ApiEventHandlers): void {
  switch (event.type) {
    case 'ApiResponse': {
      const r = onResponse(client, event, out);
      if (r) handlers.onResult(r);
      return;
    }
    case 'ApiWatch': {
      const d = onWatchMessage(client, event, out);
      if (d) handlers.onWatch(d);
      return;
    }
    case 'ApiConnectionRefused': {
      const r = onConnectionRefused(client, event.reqId, out);
      if (r && 'code' in r) handlers.onResult(r);
      else if (r) handlers.onWatch(r);
      return;
    }
    case 'ApiRequestTimeout': {
      const r = onRequestTimeout(client, event.reqId);
      if (r) handlers.onResult(r);
      return;
    }
    case 'ApiWatchBroken': {
      const d = onWatchBroken(client, event.reqId, out);
      if (d) handlers.onWatch(d);
      return;
    }
    case 'ApiWatchIdle': {
      const d = onWatchIdle(client, event.reqId, event.seq, out);
      if (d) handlers.onWatch(d);
      return;
    }
    case 'ApiWatchPong': {
      const d = onWatchPong(client, event, out);
      if (d) handlers.onWatch(d);
      return;
    }
  }
}
