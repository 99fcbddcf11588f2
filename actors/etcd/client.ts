import { createActor, enqueueActions, setup } from 'xstate';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
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

/**
 * The etcd client machine. Its delays (request deadline, retry backoff, watch checks) are XState
 * delayed events with explicit ids, which the kernel's clock turns into virtual-time events.
 */

/** The owner asks for a watch / ends one (an embedding component calls `watch`/`cancelWatch` directly). */
export type WatchCommand = ({ type: 'Watch' } & WatchSpec) | { type: 'CancelWatch'; watchId: string };

/** Every event the client core consumes from the network or its timers. */
export type ClientInbound = ClientResponse | ConnectionRefused | WatchResponse | ClientTimerEvent;

type ClientEvent = Invoke | WatchCommand | ClientInbound;

interface ClientContext {
  state: ClientState;
}

/** The XState `enqueue` surface `enqueueClientOutput` needs (method syntax: XState's generic signatures fit it). */
export interface ClientOutputSink {
  emit(event: KernelEmitted): void;
  cancel(id: string): void;
  raise(event: ClientTimerEvent, options: { delay: number; id: string }): void;
}

/**
 * Hands a core output to the kernel the way every embedding machine must: trace lines, then
 * messages, then timer cancellations before new timers (an id may be re-armed in the same output).
 * `completions` and `watchEvents` are the caller's to consume.
 */
export function enqueueClientOutput(enqueue: ClientOutputSink, out: ClientOutput): void {
  for (const t of out.traces) enqueue.emit({ type: 'trace', kind: t.kind, fields: t.fields });
  for (const s of out.sends) enqueue.emit({ type: 'send', to: s.to, msg: s.msg });
  for (const id of out.cancels) enqueue.cancel(id);
  for (const t of out.timers) enqueue.raise(t.event, { delay: t.delayMs, id: t.id });
}

/** Routes one inbound network or timer event to the core. */
export function handleClientInbound(c: ClientState, event: ClientInbound): ClientOutput {
  switch (event.type) {
    case 'ClientResponse':
      return onResponse(c, event);
    case 'ConnectionRefused':
      return onConnectionRefused(c, event);
    case 'WatchResponse':
      return onWatchResponse(c, event);
    default:
      return onTimer(c, event);
  }
}

export const etcdClientMachine = setup({
  types: {
    context: {} as ClientContext,
    events: {} as ClientEvent,
    input: {} as { state: ClientState },
    emitted: {} as KernelEmitted,
  },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => {
      const c = context.state;
      let out: ClientOutput;
      switch (event.type) {
        case 'Invoke':
          out = invoke(c, event);
          break;
        case 'Watch':
          out = watch(c, event);
          break;
        case 'CancelWatch':
          out = cancelWatch(c, event.watchId);
          break;
        default:
          out = handleClientInbound(c, event);
      }
      // The stand-alone client reports through its trace; completions and deliveries are not kept.
      enqueueClientOutput(enqueue, out);
    }),
  },
}).createMachine({
  id: 'etcd-client',
  context: ({ input }) => ({ state: input.state }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        Invoke: { actions: 'handle' },
        Watch: { actions: 'handle' },
        CancelWatch: { actions: 'handle' },
        ClientResponse: { actions: 'handle' },
        ConnectionRefused: { actions: 'handle' },
        WatchResponse: { actions: 'handle' },
        Deadline: { actions: 'handle' },
        Retry: { actions: 'handle' },
        ReadAttemptTimeout: { actions: 'handle' },
        WatchCheck: { actions: 'handle' },
        WatchRetry: { actions: 'handle' },
      },
    },
  },
});

export function startEtcdClient(env: HostEnv<null>, config: ClientConfig) {
  return createActor(etcdClientMachine, { clock: env.clock, input: { state: newClient({ incarnation: env.incarnation, ...config }) } });
}
