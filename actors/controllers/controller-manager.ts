import { createActor, enqueueActions, setup } from 'xstate';
import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent } from '../client/api-events.ts';
import { newOutput, type Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { newControllerManager, onApiResult, onApiWatch, onInformerRetry, onLeaderRetry, onNodeMonitor, onWake, start, type ControllerManagerState } from './controller-manager-core.ts';

/** kube-controller-manager as an XState actor: a thin shell over controller-manager-core. */

type ControllerManagerEvent =
  | { type: 'ControllerManagerStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'LeaderElectionRetry' }
  | { type: 'NodeMonitor'; id: string }
  | { type: 'ControllerWake'; id: string };

interface Context {
  s: ControllerManagerState;
  now: () => number;
}

function handle(ctx: Context, event: ControllerManagerEvent): Output {
  const { s } = ctx;
  const now = ctx.now();
  const out = newOutput();
  if (isApiClientEvent(event)) {
    routeApiEvent(s.client, event, out, { onResult: (r) => onApiResult(s, r, now, out), onWatch: (d) => onApiWatch(s, d, now, out) });
    return out;
  }
  switch (event.type) {
    case 'ControllerManagerStart':
      start(s, now, out);
      break;
    case 'InformerRetry':
      onInformerRetry(s, event.informer, event.what, now, out);
      break;
    case 'LeaderElectionRetry':
      onLeaderRetry(s, now, out);
      break;
    case 'NodeMonitor':
      onNodeMonitor(s, event.id, now, out);
      break;
    case 'ControllerWake':
      onWake(s, event.id, now, out);
      break;
  }
  return out;
}

export const controllerManagerMachine = setup({
  types: { context: {} as Context, events: {} as ControllerManagerEvent, input: {} as Context, emitted: {} as KernelEmitted },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => performOutput(enqueue as unknown as Enqueue, handle(context, event))),
  },
}).createMachine({
  id: 'kube-controller-manager',
  context: ({ input }) => input,
  entry: enqueueActions(({ enqueue }) => enqueue.raise({ type: 'ControllerManagerStart' }, { delay: 0, id: 'controller-manager-start' })),
  on: { '*': { actions: 'handle' } },
});

export function startControllerManager(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>) {
  const s = newControllerManager(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }));
  return createActor(controllerManagerMachine, { clock: env.clock, input: { s, now: env.now } });
}
