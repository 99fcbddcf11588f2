import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { controllerRefOf } from '../host/owners.ts';
import { PODS } from '../host/resources.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { isPodReady } from '../host/workload.ts';
import { controllingReplicaSet, matchingReplicaSets, newReplicaSetState, RS, syncReplicaSet, type ReplicaSetJson, type ReplicaSetState } from './replicaset.ts';

/**
 * The ReplicaSet controller (pkg/controller/replicaset): its queue holds ReplicaSet keys. Pod
 * events count off expectations (a pod with a deletionTimestamp counts as deleted) and queue the
 * owner; an orphan queues every ReplicaSet whose selector matches it. 5 workers (upstream's
 * --concurrent-replicaset-syncs default).
 */

type Ctx = ControllerContext<ReplicaSetState>;

function podDeleted(pod: KubeObject, ctx: Ctx): void {
  const rsKey = controllingReplicaSet(pod, ctx);
  if (!rsKey) return;
  ctx.state.expectations.deletionObserved(rsKey, objectKey(pod));
  ctx.enqueue(rsKey);
}

function podAdded(pod: KubeObject, ctx: Ctx): void {
  if (pod.metadata?.deletionTimestamp) return podDeleted(pod, ctx);
  if (controllerRefOf(pod)) {
    const rsKey = controllingReplicaSet(pod, ctx);
    if (!rsKey) return;
    ctx.state.expectations.creationObserved(rsKey);
    ctx.enqueue(rsKey);
    return;
  }
  for (const k of matchingReplicaSets(pod, ctx)) ctx.enqueue(k);
}

function podUpdated(old: KubeObject, pod: KubeObject, ctx: Ctx): void {
  if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
  if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) {
    podDeleted(pod, ctx);
    return;
  }
  const oldRef = controllerRefOf(old);
  const ref = controllerRefOf(pod);
  if (oldRef && oldRef.uid !== ref?.uid) {
    const oldKey = controllingReplicaSet(old, ctx);
    if (oldKey) ctx.enqueue(oldKey);
  }
  if (ref) {
    const rsKey = controllingReplicaSet(pod, ctx);
    if (!rsKey) return;
    ctx.enqueue(rsKey);
    // A pod turned ready: it becomes available minReadySeconds later.
    const minReady = (ctx.cache(RS).get(rsKey) as ReplicaSetJson | undefined)?.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) ctx.enqueueAfter(rsKey, minReady * 1000 + 1);
    return;
  }
  if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {}) || oldRef) {
    for (const k of matchingReplicaSets(pod, ctx)) ctx.enqueue(k);
  }
}

export const replicaSetController = defineController<ReplicaSetState>({
  name: 'replicaset',
  reporter: 'replicaset-controller',
  informers: [RS, PODS],
  handlers: [
    {
      informer: RS,
      onAdd: (rs, ctx) => ctx.enqueue(objectKey(rs)),
      onUpdate: (_old, rs, ctx) => ctx.enqueue(objectKey(rs)),
      onDelete: (rs, ctx) => {
        ctx.state.expectations.delete(objectKey(rs));
        ctx.enqueue(objectKey(rs));
      },
    },
    { informer: PODS, onAdd: podAdded, onUpdate: podUpdated, onDelete: podDeleted },
  ],
  queues: [{ workers: 5, sync: syncReplicaSet }],
  newState: newReplicaSetState,
});
