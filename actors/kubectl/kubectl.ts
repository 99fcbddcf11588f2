import { createActor, enqueueActions, setup } from 'xstate';
import type { ApiResponse } from '../api/protocol.ts';
import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { newOutput } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { invoke, newKubectl, onApiRefused, onApiResponse, onApiTimeout, onRetry, type KubectlConfig, type KubectlInvoke, type KubectlState } from './kubectl-core.ts';

type KubectlEvent =
  | KubectlInvoke
  | ApiResponse
  | { type: 'ApiConnectionRefused'; reqId: number }
  | { type: 'ApiRequestTimeout'; reqId: number }
  | { type: 'KubectlRetry'; id: string };

export const kubectlMachine = setup({
  types: { context: {} as { k: KubectlState }, events: {} as KubectlEvent, input: {} as { k: KubectlState }, emitted: {} as KernelEmitted },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => {
      const k = context.k;
      const out = newOutput();
      switch (event.type) {
        case 'KubectlInvoke':
          invoke(k, event, out);
          break;
        case 'ApiResponse':
          onApiResponse(k, event, out);
          break;
        case 'ApiConnectionRefused':
          onApiRefused(k, event.reqId, out);
          break;
        case 'ApiRequestTimeout':
          onApiTimeout(k, event.reqId, out);
          break;
        case 'KubectlRetry':
          onRetry(k, event.id, out);
          break;
      }
      performOutput(enqueue as unknown as Enqueue, out);
    }),
  },
}).createMachine({
  id: 'kubectl',
  context: ({ input }) => ({ k: input.k }),
  on: {
    KubectlInvoke: { actions: 'handle' },
    ApiResponse: { actions: 'handle' },
    ApiConnectionRefused: { actions: 'handle' },
    ApiRequestTimeout: { actions: 'handle' },
    KubectlRetry: { actions: 'handle' },
  },
});

export function startKubectl(env: HostEnv<null>, config: KubectlConfig, api: Omit<ApiClientConfig, 'name'>) {
  const k = newKubectl(config, newApiClient({ ...api, name: env.name }));
  return createActor(kubectlMachine, { clock: env.clock, input: { k } });
}
