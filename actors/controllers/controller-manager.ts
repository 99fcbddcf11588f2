import { createActor, enqueueActions, setup } from 'xstate';
import type { ApiResponse, ApiWatchMessage } from '../api/protocol.ts';
import { newApiClient, onConnectionRefused, onRequestTimeout, onResponse, onWatchBroken, onWatchIdle, onWatchMessage, type ApiClientConfig } from '../client/api-client.ts';
import { newOutput, type Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { newControllerManager, onApiResult, onApiWatch, onInformerRetry, onLeaderRetry, onNodeMonitor, onWake, start, type ControllerManagerState } from './controller-manager-core.ts';

/** kube-controller-manager as an XState actor: a thin shell over controller-manager-core. */

type ControllerManagerEvent =
  | { type: 'ControllerManagerStart' }
  | ApiResponse
  | ApiWatchMessage
  | { type: 'ApiConnectionRefused'; reqId: number }
  | { type: 'ApiRequestTimeout'; reqId: number }
  | { type: 'ApiWatchIdle'; reqId: number; seq: number }
  | { type: 'ApiWatchBroken'; reqId: number }
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
  switch (event.type) {
    case 'ControllerManagerStart':
      start(s, now, out);
      break;
    case 'ApiResponse': {
      const r = onResponse(s.client, event, out);
      if (r) onApiResult(s, r, now, out);
      break;
    }
    case 'ApiWatch': {
      const d = onWatchMessage(s.client, event, out);
      if (d) onApiWatch(s, d, now, out);
      break;
    }
    case 'ApiConnectionRefused': {
      const r = onConnectionRefused(s.client, event.reqId, out);
      if (r && 'code' in r) onApiResult(s, r, now, out);
      else if (r) onApiWatch(s, r, now, out);
      break;
    }
    case 'ApiRequestTimeout': {
      const r = onRequestTimeout(s.client, event.reqId);
      if (r) onApiResult(s, r, now, out);
      break;
    }
    case 'ApiWatchBroken': {
      const d = onWatchBroken(s.client, event.reqId, out);
      if (d) onApiWatch(s, d, now, out);
      break;
    }
    case 'ApiWatchIdle': {
      const d = onWatchIdle(s.client, event.reqId, event.seq, out);
      if (d) onApiWatch(s, d, now, out);
      break;
    }
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
