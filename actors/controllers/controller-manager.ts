import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { newControllerManager, step, type ControllerManagerEvent, type ControllerManagerState } from './controller-manager-core.ts';

/** kube-controller-manager as a component core: standby until it holds the Lease, then leading its controllers. */
export const controllerManagerCore: ComponentCore<ControllerManagerState, ControllerManagerEvent, 'standby' | 'leading'> = {
  id: 'kube-controller-manager',
  phases: ['standby', 'leading'],
  boot: { event: { type: 'ControllerManagerStart' }, id: 'controller-manager-start' },
  phase: (s) => (s.leader.isLeader ? 'leading' : 'standby'),
  step,
};

export const controllerManagerMachine = coreMachine(controllerManagerCore);

export function startControllerManager(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>) {
  const s = newControllerManager(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }));
  return startCore(controllerManagerMachine, env, s);
}
