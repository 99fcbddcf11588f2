import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { controllerRefOf } from '../host/owners.ts';
import { PODS } from '../host/resources.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { isPodReady } from '../host/workload.ts';
import { controllingOwner, matchingOwners, newReplicaSetState, REPLICA_SET_KIND, REPLICATION_CONTROLLER_KIND, syncReplicas, type ReplicaKind, type ReplicaSetState } from './replicaset.ts';

/**
 * The ReplicaSet controller (pkg/controller/replicaset): its queue holds ReplicaSet keys. Pod
 * events count off expectations (a pod with a deletionTimestamp counts as deleted) and queue the
 * owner; an orphan queues every ReplicaSet whose selector matches it. 5 workers (upstream's
 * --concurrent-replicaset-syncs default). The ReplicationController controller is the same
 * module over ReplicationControllers (pkg/controller/replication wraps the ReplicaSet
 * controller the same way), 5 workers (--concurrent-rc-syncs).
 */

type Ctx = ControllerContext<ReplicaSetState>;

function podDeleted(kind: ReplicaKind, pod: KubeObject, ctx: Ctx): void {
  const rsKey = controllingOwner(kind, pod, ctx);
  if (!rsKey) return;
  ctx.state.expectations.deletionObserved(rsKey, objectKey(pod));
  ctx.enqueue(rsKey);
}

function podAdded(kind: ReplicaKind, pod: KubeObject, ctx: Ctx): void {
  if (pod.metadata?.deletionTimestamp) return podDeleted(kind, pod, ctx);
  if (controllerRefOf(pod)) {
    const rsKey = controllingOwner(kind, pod, ctx);
    if (!rsKey) return;
    ctx.state.expectations.creationObserved(rsKey);
    ctx.enqueue(rsKey);
    return;
  }
  for (const k of matchingOwners(kind, pod, ctx)) ctx.enqueue(k);
}

function podUpdated(kind: ReplicaKind, old: KubeObject, pod: KubeObject, ctx: Ctx): void {
  if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
  if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
    podDeleted(kind, pod, ctx);
    return;
  }
  const oldRef = controllerRefOf(old);
  const ref = controllerRefOf(pod);
  if (oldRef && oldRef.uid !== ref?.uid) {
    const oldKey = controllingOwner(kind, old, ctx);
    if (oldKey) ctx.enqueue(oldKey);
  }
  if (ref) {
    const rsKey = controllingOwner(kind, pod, ctx);
    if (!rsKey) return;
    ctx.enqueue(rsKey);
    // A pod turned ready: it becomes available minReadySeconds later.
    const owner = ctx.cache(kind.informer).get(rsKey);
    const minReady = owner ? (kind.asReplicaSet(owner).spec?.minReadySeconds ?? 0) : 0;
    if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) ctx.enqueueAfter(rsKey, minReady * 1000 + 1);
    return;
  }
  if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {}) || oldRef) {
    for (const k of matchingOwners(kind, pod, ctx)) ctx.enqueue(k);
  }
}

function replicaController(kind: ReplicaKind, name: string, reporter: string) {
  return defineController<ReplicaSetState>({
    name,
    reporter,
    informers: [kind.informer, PODS],
    handlers: [
      {
        informer: kind.informer,
        onAdd: (rs, ctx) => ctx.enqueue(objectKey(rs)),
        onUpdate: (_old, rs, ctx) => ctx.enqueue(objectKey(rs)),
        onDelete: (rs, ctx) => {
          ctx.state.expectations.delete(objectKey(rs));
          ctx.enqueue(objectKey(rs));
        },
      },
      {
        informer: PODS,
        onAdd: (pod, ctx) => podAdded(kind, pod, ctx),
        onUpdate: (old, pod, ctx) => podUpdated(kind, old, pod, ctx),
        onDelete: (pod, ctx) => podDeleted(kind, pod, ctx),
      },
    ],
    queues: [{ workers: 5, sync: syncReplicas(kind) }],
    newState: newReplicaSetState,
  });
}

export const replicaSetController = replicaController(REPLICA_SET_KIND, 'replicaset', 'replicaset-controller');
export const replicationControllerController = replicaController(REPLICATION_CONTROLLER_KIND, 'replicationcontroller', 'replication-controller');
