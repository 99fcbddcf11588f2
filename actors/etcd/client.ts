import { createActor, enqueueActions, setup } from 'xstate';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { invoke, newClient, onConnectionRefused, onResponse, onTimer, type ClientConfig, type ClientOutput, type ClientState, type ClientTimerEvent, type Invoke } from './client-core.ts';
import type { ClientResponse, ConnectionRefused } from './protocol.ts';

/**
 * The etcd client machine. Its delays (request deadline, retry backoff) are XState delayed events
 * with explicit ids, which the kernel's clock turns into virtual-time events.
 */

type ClientEvent = Invoke | ClientResponse | ConnectionRefused | ClientTimerEvent;

interface ClientContext {
  state: ClientState;
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
        case 'ClientResponse':
          out = onResponse(c, event);
          break;
        case 'ConnectionRefused':
          out = onConnectionRefused(c, event);
          break;
        default:
          out = onTimer(c, event);
      }
      for (const t of out.traces) enqueue.emit({ type: 'trace', kind: t.kind, fields: t.fields });
      for (const s of out.sends) enqueue.emit({ type: 'send', to: s.to, msg: s.msg });
      for (const id of out.cancels) enqueue.cancel(id);
      for (const t of out.timers) enqueue.raise(t.event, { delay: t.delayMs, id: t.id });
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
        ClientResponse: { actions: 'handle' },
        ConnectionRefused: { actions: 'handle' },
        Deadline: { actions: 'handle' },
        Retry: { actions: 'handle' },
        ReadAttemptTimeout: { actions: 'handle' },
      },
    },
  },
});

export function startEtcdClient(env: HostEnv<null>, config: ClientConfig) {
  return createActor(etcdClientMachine, { clock: env.clock, input: { state: newClient(config) } });
}
