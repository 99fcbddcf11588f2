import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { newKubelet, onApiResult, onApiWatch, onInformerRetry, onLeaseTimer, onNodeStatusTimer, onPodStatusResync, onPodWake, onRegisterRetry, start, type KubeletState } from './kubelet-core.ts';
import type { KubeletConfig } from './pod-worker.ts';
import type { NodeParams } from './status.ts';
import { isTrafficRequest, type TrafficRequest } from '../traffic/protocol.ts';
import { onTrafficDone, onTrafficRequest, type KubeletTrafficInput } from './traffic.ts';

/** The kubelet's inputs: API answers and watch messages, and its own timers. */
export type KubeletInput =
  | { type: 'KubeletStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'KubeletLease' }
  | { type: 'KubeletNodeStatus' }
  | { type: 'KubeletRegister' }
  | { type: 'KubeletPodWake'; key: string }
  | { type: 'KubeletPodStatusResync'; key: string }
  | TrafficRequest
  | KubeletTrafficInput;

const API_HANDLERS: ApiEventHandlers<KubeletState> = { onResult: onApiResult, onWatch: onApiWatch };

/** The kubelet of one node as a component core: registering until its Node exists, then ready. */
export const kubeletCore: ComponentCore<KubeletState, KubeletInput, 'registering' | 'ready'> = {
  id: 'kubelet',
  phases: ['registering', 'ready'],
  boot: { event: { type: 'KubeletStart' }, id: 'kubelet-start' },
  phase: (k) => (k.registered ? 'ready' : 'registering'),
  step(k, input, now) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(k, k.client, input, now, out, API_HANDLERS);
      return out;
    }
    if (isTrafficRequest(input)) {
      onTrafficRequest(k, input, now, out);
      return out;
    }
    switch (input.type) {
      case 'KubeletStart':
        start(k, now, out);
        break;
      case 'InformerRetry':
        onInformerRetry(k, input.informer, input.what, out, now);
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
        onPodWake(k, input.key, now, out);
        break;
      case 'KubeletPodStatusResync':
        onPodStatusResync(k, input.key, out, now);
        break;
      case 'KubeletTrafficDone':
        onTrafficDone(k, input, out);
        break;
    }
    return out;
  },
};

export const kubeletMachine = coreMachine(kubeletCore);

export function startKubelet(env: HostEnv<null>, params: NodeParams, config: KubeletConfig, api: Omit<ApiClientConfig, 'name'>) {
  const rng = env.rng.fork(`kubelet#${env.incarnation}`);
  const k = newKubelet({ ...params, bootCount: env.incarnation }, newApiClient({ ...api, name: env.name }), config, (n) => rng.int(0, n));
  return startCore(kubeletMachine, env, k);
}
