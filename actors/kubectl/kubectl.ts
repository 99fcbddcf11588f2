import type { ApiResponse } from '../api/protocol.ts';
import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { invoke, newKubectl, onApiRefused, onApiResponse, onApiDeadline, onDrainTimeout, onDrainTimer, onRetry, type KubectlConfig, type KubectlInvoke, type KubectlState } from './kubectl-core.ts';

/** A kubectl-like user's inputs: the scenario's commands, API answers, its own timers. */
export type KubectlInput =
  | KubectlInvoke
  | ApiResponse
  | { type: 'ApiConnectionRefused'; reqId: number }
  | { type: 'ApiRequestDeadline' }
  | { type: 'KubectlRetry'; id: string }
  | { type: 'KubectlDrain'; id: string; pod: number; action: 'evict' | 'poll' }
  | { type: 'KubectlDrainTimeout'; id: string };

/** A user has no lifecycle of its own: one phase. */
export const kubectlCore: ComponentCore<KubectlState, KubectlInput, 'ready'> = {
  id: 'kubectl',
  phases: ['ready'],
  phase: () => 'ready',
  step(k, input, nowMs) {
    const out = newOutput();
    switch (input.type) {
      case 'KubectlInvoke':
        invoke(k, input, out, nowMs);
        break;
      case 'ApiResponse':
        onApiResponse(k, input, out, nowMs);
        break;
      case 'ApiConnectionRefused':
        onApiRefused(k, input.reqId, out, nowMs);
        break;
      case 'ApiRequestDeadline':
        onApiDeadline(k, out, nowMs);
        break;
      case 'KubectlRetry':
        onRetry(k, input.id, out, nowMs);
        break;
      case 'KubectlDrain':
        onDrainTimer(k, input.id, input.pod, input.action, out, nowMs);
        break;
      case 'KubectlDrainTimeout':
        onDrainTimeout(k, input.id, out);
        break;
    }
    return out;
  },
};

export const kubectlMachine = coreMachine(kubectlCore);

export function startKubectl(env: HostEnv<null>, config: KubectlConfig, api: Omit<ApiClientConfig, 'name'>) {
  return startCore(kubectlMachine, env, newKubectl(config, newApiClient({ ...api, name: env.name })));
}
