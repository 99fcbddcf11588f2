import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET } from './endpointslicemirroring/reconcile.ts';
import { DEFAULT_NODE_LIFECYCLE, type NodeLifecycleConfig } from './node-lifecycle/node-lifecycle.ts';
import { DEFAULT_TERMINATED_POD_THRESHOLD } from './podgc/podgc.ts';

/**
 * kube-controller-manager's settings, one section per controller that has any, like upstream's
 * KubeControllerManagerConfiguration (`nodeLifecycle` ~ NodeLifecycleControllerConfiguration plus
 * the node monitor flags). A controller reads its section in `newState`.
 */
export interface ControllerManagerConfig {
  nodeLifecycle: NodeLifecycleConfig;
  /** EndpointSliceMirroringControllerConfiguration. */
  endpointSliceMirroring: EndpointSliceMirroringConfig;
  /** PodGCControllerConfiguration. */
  podGc: PodGcConfig;
}

export interface PodGcConfig {
  /** --terminated-pod-gc-threshold: terminated pods kept before the oldest are deleted (12,500; ≤ 0 turns that part off). */
  terminatedPodThreshold: number;
}

export interface EndpointSliceMirroringConfig {
  /** --mirroring-max-endpoints-per-subset: addresses mirrored per Endpoints subset (1000). */
  maxEndpointsPerSubset: number;
}

export const DEFAULT_CONTROLLER_MANAGER_CONFIG: ControllerManagerConfig = {
  nodeLifecycle: DEFAULT_NODE_LIFECYCLE,
  endpointSliceMirroring: { maxEndpointsPerSubset: DEFAULT_MAX_ENDPOINTS_PER_SUBSET },
  podGc: { terminatedPodThreshold: DEFAULT_TERMINATED_POD_THRESHOLD },
};
