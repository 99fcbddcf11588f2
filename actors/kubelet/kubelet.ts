import { createActor, enqueueActions, setup } from 'xstate';
import type { ApiResponse, ApiWatchMessage } from '../api/protocol.ts';
import { newApiClient, onConnectionRefused, onRequestTimeout, onResponse, onWatchBroken, onWatchIdle, onWatchMessage, type ApiClientConfig } from '../client/api-client.ts';
import { newOutput, type Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { newKubelet, onApiResult, onApiWatch, onInformerRetry, onLeaseTimer, onNodeStatusTimer, onPodWake, onRegisterRetry, start, type KubeletState } from './kubelet-core.ts';
import type { KubeletConfig } from './pod-worker.ts';
import type { NodeParams } from './status.ts';

/** The kubelet of one node as an XState actor: a thin shell over kubelet-core. */

type KubeletEvent =
  | { type: 'KubeletStart' }
  | ApiResponse
  | ApiWatchMessage
  | { type: 'ApiConnectionRefused'; reqId: number }
  | { type: 'ApiRequestTimeout'; reqId: number }
  | { type: 'ApiWatchIdle'; reqId: number; seq: number }
  | { type: 'ApiWatchBroken'; reqId: number }
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'KubeletLease' }
  | { type: 'KubeletNodeStatus' }
  | { type: 'KubeletRegister' }
  | { type: 'KubeletPodWake'; key: string };

interface Context {
  k: KubeletState;
  now: () => number;
}

function handle(ctx: Context, event: KubeletEvent): Output {
  const { k } = ctx;
  const now = ctx.now();
  const out = newOutput();
  switch (event.type) {
    case 'KubeletStart':
      start(k, now, out);
      break;
    case 'ApiResponse': {
      const r = onResponse(k.client, event, out);
      if (r) onApiResult(k, r, now, out);
      break;
    }
    case 'ApiWatch': {
      const d = onWatchMessage(k.client, event, out);
      if (d) onApiWatch(k, d, now, out);
      break;
    }
    case 'ApiConnectionRefused': {
      const r = onConnectionRefused(k.client, event.reqId, out);
      if (r && 'code' in r) onApiResult(k, r, now, out);
      else if (r) onApiWatch(k, r, now, out);
      break;
    }
    case 'ApiRequestTimeout': {
      const r = onRequestTimeout(k.client, event.reqId);
      if (r) onApiResult(k, r, now, out);
      break;
    }
    case 'ApiWatchBroken': {
      const d = onWatchBroken(k.client, event.reqId, out);
      if (d) onApiWatch(k, d, now, out);
      break;
    }
    case 'ApiWatchIdle': {
      const d = onWatchIdle(k.client, event.reqId, event.seq, out);
      if (d) onApiWatch(k, d, now, out);
      break;
    }
    case 'InformerRetry':
      onInformerRetry(k, event.what, out);
      break;
    case 'KubeletLease':
      onLeaseTimer(k, now, out);
      break;
    case 'KubeletNodeStatus':
      onNodeStatusTimer(k, now, out);
      break;
    case 'KubeletRegister':
      onRegisterRetry(k, now, out);
      break;
    case 'KubeletPodWake':
      onPodWake(k, event.key, now, out);
      break;
  }
  return out;
}

export const kubeletMachine = setup({
  types: { context: {} as Context, events: {} as KubeletEvent, input: {} as Context, emitted: {} as KernelEmitted },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => performOutput(enqueue as unknown as Enqueue, handle(context, event))),
  },
}).createMachine({
  id: 'kubelet',
  context: ({ input }) => input,
  entry: enqueueActions(({ enqueue }) => enqueue.raise({ type: 'KubeletStart' }, { delay: 0, id: 'kubelet-start' })),
  on: { '*': { actions: 'handle' } },
});

export function startKubelet(env: HostEnv<null>, params: NodeParams, config: KubeletConfig, api: Omit<ApiClientConfig, 'name'>) {
  const rng = env.rng.fork(`kubelet#${env.incarnation}`);
  const k = newKubelet({ ...params, bootCount: env.incarnation }, newApiClient({ ...api, name: env.name }), config, (n) => rng.int(0, n));
  return createActor(kubeletMachine, { clock: env.clock, input: { k, now: env.now } });
}
