import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent } from '../client/api-events.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { newControllerManager, onApiResult, onApiWatch, onInformerRetry, onLeaderRetry, onNodeMonitor, onWake, start, type ControllerManagerState } from './controller-manager-core.ts';

/** kube-controller-manager's inputs: API answers and watch messages, and its own timers. */
export type ControllerManagerInput =
  | { type: 'ControllerManagerStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'LeaderElectionRetry' }
  | { type: 'NodeMonitor'; id: string }
  | { type: 'ControllerWake'; id: string };

/** kube-controller-manager as a component core: standby until it holds the Lease, then leading. */
export const controllerManagerCore: ComponentCore<ControllerManagerState, ControllerManagerInput, 'standby' | 'leading'> = {
  id: 'kube-controller-manager',
  phases: ['standby', 'leading'],
  boot: { event: { type: 'ControllerManagerStart' }, id: 'controller-manager-start' },
  phase: (s) => (s.leader.isLeader ? 'leading' : 'standby'),
  step(s, input, now) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(s.client, input, out, { onResult: (r) => onApiResult(s, r, now, out), onWatch: (d) => onApiWatch(s, d, now, out) });
      return out;
    }
    switch (input.type) {
      case 'ControllerManagerStart':
        start(s, now, out);
        break;
      case 'InformerRetry':
        onInformerRetry(s, input.informer, input.what, now, out);
        break;
      case 'LeaderElectionRetry':
        onLeaderRetry(s, now, out);
        break;
      case 'NodeMonitor':
        onNodeMonitor(s, input.id, now, out);
        break;
      case 'ControllerWake':
        onWake(s, input.id, now, out);
        break;
    }
    return out;
  },
};

export const controllerManagerMachine = coreMachine(controllerManagerCore);

export function startControllerManager(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>) {
  const s = newControllerManager(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }));
  return startCore(controllerManagerMachine, env, s);
}
