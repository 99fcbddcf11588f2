import { cronJobController } from './cronjob/controller.ts';
import { daemonSetController } from './daemonset/controller.ts';
import { deploymentController } from './deployment/controller.ts';
import { endpointsController } from './endpoints/controller.ts';
import { endpointSliceController } from './endpointslice/controller.ts';
import { endpointSliceMirroringController } from './endpointslicemirroring/controller.ts';
import { disruptionController } from './disruption/controller.ts';
import { garbageCollectorController } from './garbagecollector/controller.ts';
import type { AnyController } from './host/types.ts';
import { namespaceController } from './namespace/controller.ts';
import { jobController } from './job/controller.ts';
import { ttlAfterFinishedController } from './job/ttl-after-finished.ts';
import { nodeLifecycleController } from './node-lifecycle/controller.ts';
import { podGcController } from './podgc/controller.ts';
import { persistentVolumeController } from './persistentvolume/controller.ts';
import { replicaSetController, replicationControllerController } from './replicaset/controller.ts';
import { resourceQuotaController } from './resourcequota/controller.ts';
import { serviceAccountController } from './serviceaccount/controller.ts';
import { tokensController } from './serviceaccount/tokens-controller.ts';
import { statefulSetController } from './statefulset/controller.ts';
import { taintEvictionController } from './taint-eviction/controller.ts';

/**
 * The controllers kube-controller-manager runs, in the order their informers are started and
 * their queues drained. Adding a controller: its folder, and one line here (README.md).
 */
export const CONTROLLERS: readonly AnyController[] = [
  serviceAccountController,
  tokensController,
  nodeLifecycleController,
  taintEvictionController,
  replicaSetController,
  replicationControllerController,
  deploymentController,
  garbageCollectorController,
  namespaceController,
  resourceQuotaController,
  daemonSetController,
  jobController,
  cronJobController,
  ttlAfterFinishedController,
  endpointsController,
  endpointSliceController,
  endpointSliceMirroringController,
  disruptionController,
  statefulSetController,
  persistentVolumeController,
  podGcController,
];
