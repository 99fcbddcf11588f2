import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import {
  cancelWatch,
  invoke,
  newClient,
  onConnectionRefused,
  onResponse,
  onTimer,
  onWatchResponse,
  watch,
  type ClientConfig,
  type ClientOutput,
  type ClientState,
  type ClientTimerEvent,
  type Invoke,
  type WatchSpec,
} from './client-core.ts';
import type { ClientResponse, ConnectionRefused, WatchResponse } from './protocol.ts';

/** The owner asks for a watch / ends one (an embedding component calls `watch`/`cancelWatch` directly). */
export type WatchCommand = ({ type: 'Watch' } & WatchSpec) | { type: 'CancelWatch'; watchId: string };

/** Every event the client core consumes from the network or its timers. */
export type ClientInbound = ClientResponse | ConnectionRefused | WatchResponse | ClientTimerEvent;

export type EtcdClientInput = Invoke | WatchCommand | ClientInbound;

/** Routes one inbound network or timer event to the core. */
export function handleClientInbound(c: ClientState, event: ClientInbound, nowMs: number): ClientOutput {
  switch (event.type) {
    case 'ClientResponse':
      return onResponse(c, event, nowMs);
    case 'ConnectionRefused':
      return onConnectionRefused(c, event);
    case 'WatchResponse':
      return onWatchResponse(c, event);
    default:
      return onTimer(c, event, nowMs);
  }
}

/**
 * A stand-alone etcd client (a scenario's `etcd.op` client) as a component core. Its delays
 * (request deadline, retry backoff, watch checks) are timers with explicit ids. It reports through
 * its trace; completions and deliveries are not kept (the apiserver embeds the same core instead).
 */
export const etcdClientCore: ComponentCore<ClientState, EtcdClientInput, 'serving'> = {
  id: 'etcd-client',
  phases: ['serving'],
  phase: () => 'serving',
  step(c, input, nowMs) {
    switch (input.type) {
      case 'Invoke':
        return invoke(c, input, nowMs);
      case 'Watch':
        return watch(c, input);
      case 'CancelWatch':
        return cancelWatch(c, input.watchId);
      default:
        return handleClientInbound(c, input, nowMs);
    }
  },
};

export const etcdClientMachine = coreMachine(etcdClientCore);

export function startEtcdClient(env: HostEnv<null>, config: ClientConfig) {
  return startCore(etcdClientMachine, env, newClient({ incarnation: env.incarnation, ...config }));
}
