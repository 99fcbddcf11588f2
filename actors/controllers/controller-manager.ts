import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { newControllerManager, step, type ControllerManagerEvent, type ControllerManagerState } from './controller-manager-core.ts';
import { endpointsController, endpointsControllerIgnoringPodDeletion } from './endpoints/controller.ts';
import { CONTROLLERS } from './registry.ts';

/**
 * Deliberately broken controllers the fuzzer's tests build (actors/scenario/variants.ts), never set
 * from a scenario file; absent, the registry runs as it is.
 */
export interface ControllerManagerVariant {
  /** The Endpoints controller ignores pod deletions (endpoints/controller.ts endpointsControllerIgnoringPodDeletion). */
  endpointsIgnorePodDeletion?: boolean;
}

/** kube-controller-manager as a component core: standby until it holds the Lease, then leading its controllers. */
export const controllerManagerCore: ComponentCore<ControllerManagerState, ControllerManagerEvent, 'standby' | 'leading'> = {
  id: 'kube-controller-manager',
  phases: ['standby', 'leading'],
  boot: { event: { type: 'ControllerManagerStart' }, id: 'controller-manager-start' },
  phase: (s) => (s.leader.isLeader ? 'leading' : 'standby'),
  step,
};

export const controllerManagerMachine = coreMachine(controllerManagerCore);

export function startControllerManager(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>, variant?: ControllerManagerVariant) {
  const controllers = variant?.endpointsIgnorePodDeletion ? CONTROLLERS.map((c) => (c === endpointsController ? endpointsControllerIgnoringPodDeletion : c)) : undefined;
  const s = newControllerManager(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }), controllers ? { controllers } : {});
  return startCore(controllerManagerMachine, env, s);
}
