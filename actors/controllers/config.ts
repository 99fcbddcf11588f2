import { DEFAULT_NODE_LIFECYCLE, type NodeLifecycleConfig } from './node-lifecycle/node-lifecycle.ts';

/**
 * kube-controller-manager's settings, one section per controller that has any, like upstream's
 * KubeControllerManagerConfiguration (`nodeLifecycle` ~ NodeLifecycleControllerConfiguration plus
 * the node monitor flags). A controller reads its section in `newState`.
 */
export interface ControllerManagerConfig {
  nodeLifecycle: NodeLifecycleConfig;
}

export const DEFAULT_CONTROLLER_MANAGER_CONFIG: ControllerManagerConfig = {
  nodeLifecycle: DEFAULT_NODE_LIFECYCLE,
};
