import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { controllerManagerCore } from '../controllers/controller-manager.ts';
import { newControllerManager } from '../controllers/controller-manager-core.ts';
import type { AnyController } from '../controllers/host/types.ts';
import { coreMachine, startCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { cloudServiceController } from './service-controller.ts';

/**
 * cloud-controller-manager: the same controller host as kube-controller-manager, with the cloud's
 * controllers and its own Lease (kube-system/cloud-controller-manager). Today: the service
 * controller over the simulated cloud's load balancers.
 */
export const CLOUD_CONTROLLERS: readonly AnyController[] = [cloudServiceController];
export const CLOUD_CONTROLLER_MANAGER = 'cloud-controller-manager';

/** The controller host's core under its own name (`--show components`). */
export const cloudControllerManagerMachine = coreMachine({ ...controllerManagerCore, id: CLOUD_CONTROLLER_MANAGER });

export function startCloudControllerManager(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>) {
  const s = newControllerManager(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }), { controllers: CLOUD_CONTROLLERS, component: CLOUD_CONTROLLER_MANAGER });
  return startCore(cloudControllerManagerMachine, env, s);
}
