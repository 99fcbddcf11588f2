import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET } from './endpointslicemirroring/reconcile.ts';
import { DEFAULT_NODE_LIFECYCLE, type NodeLifecycleConfig } from './node-lifecycle/node-lifecycle.ts';

/**
 * kube-controller-manager's settings, one section per controller that has any, like upstream's
 * KubeControllerManagerConfiguration (`nodeLifecycle` ~ NodeLifecycleControllerConfiguration plus
 * the node monitor flags). A controller reads its section in `newState`.
 */
export interface ControllerManagerConfig {
  nodeLifecycle: NodeLifecycleConfig;
  /** EndpointSliceMirroringControllerConfiguration. */
  endpointSliceMirroring: EndpointSliceMirroringConfig;
}

export interface EndpointSliceMirroringConfig {
  /** --mirroring-max-endpoints-per-subset: addresses mirrored per Endpoints subset (1000). */
  maxEndpointsPerSubset: number;
}

export const DEFAULT_CONTROLLER_MANAGER_CONFIG: ControllerManagerConfig = {
  nodeLifecycle: DEFAULT_NODE_LIFECYCLE,
  endpointSliceMirroring: { maxEndpointsPerSubset: DEFAULT_MAX_ENDPOINTS_PER_SUBSET },
};
