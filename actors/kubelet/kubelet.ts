import { createActor, enqueueActions, setup } from 'xstate';
import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent } from '../client/api-events.ts';
import { newOutput, type Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { newKubelet, onApiResult, onApiWatch, onInformerRetry, onLeaseTimer, onNodeStatusTimer, onPodWake, onRegisterRetry, start, type KubeletState } from './kubelet-core.ts';
import type { KubeletConfig } from './pod-worker.ts';
import type { NodeParams } from './status.ts';

/** The kubelet of one node as an XState actor: a thin shell over kubelet-core. */

type KubeletEvent =
  | { type: 'KubeletStart' }
  | ApiClientEvent
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
  if (isApiClientEvent(event)) {
    routeApiEvent(k.client, event, out, { onResult: (r) => onApiResult(k, r, now, out), onWatch: (d) => onApiWatch(k, d, now, out) });
    return out;
  }
  switch (event.type) {
    case 'KubeletStart':
      start(k, now, out);
      break;
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
