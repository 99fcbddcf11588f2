import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { controllerRefOf } from '../host/owners.ts';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../host/resources.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { keysInNamespace, selectorMatches } from '../host/workload.ts';
import { newDeploymentState, syncDeployment, type DeploymentJson, type DeploymentState } from './deployment.ts';

/**
 * The Deployment controller (pkg/controller/deployment): its queue holds Deployment keys. A
 * ReplicaSet change queues its controlling Deployment (an orphan: every Deployment whose selector
 * matches it); a deleted pod queues the Deployment of its ReplicaSet (Recreate waits for the old
 * pods to go). 5 workers (--concurrent-deployment-syncs).
 */

type Ctx = ControllerContext<DeploymentState>;

function ownerDeployment(rs: KubeObject, ctx: Ctx): string | undefined {
  const ref = controllerRefOf(rs);
  if (!ref || ref.kind !== 'Deployment') return undefined;
  const key = `${rs.metadata?.namespace ?? 'default'}/${ref.name}`;
  const d = ctx.cache(DEPLOYMENTS).get(key);
  return d && d.metadata?.uid === ref.uid ? key : undefined;
}

function replicaSetChanged(rs: KubeObject, ctx: Ctx): void {
  if (controllerRefOf(rs)) {
    const key = ownerDeployment(rs, ctx);
    if (key) ctx.enqueue(key);
    return;
  }
  const cache = ctx.cache(DEPLOYMENTS);
  for (const k of keysInNamespace(cache.keys(), rs.metadata?.namespace ?? 'default')) {
    if (selectorMatches((cache.get(k) as DeploymentJson).spec?.selector, rs.metadata?.labels)) ctx.enqueue(k);
  }
}

export const deploymentController = defineController<DeploymentState>({
  name: 'deployment',
  reporter: 'deployment-controller',
  informers: [DEPLOYMENTS, REPLICA_SETS, PODS],
  handlers: [
    {
      informer: DEPLOYMENTS,
      onAdd: (d, ctx) => ctx.enqueue(objectKey(d)),
      onUpdate: (_old, d, ctx) => ctx.enqueue(objectKey(d)),
      onDelete: (d, ctx) => ctx.enqueue(objectKey(d)),
    },
    {
      informer: REPLICA_SETS,
      onAdd: replicaSetChanged,
      onUpdate: (old, rs, ctx) => {
        const oldKey = ownerDeployment(old, ctx);
        const key = ownerDeployment(rs, ctx);
        if (oldKey && oldKey !== key) ctx.enqueue(oldKey);
        replicaSetChanged(rs, ctx);
      },
      onDelete: (rs, ctx) => {
        const key = ownerDeployment(rs, ctx);
        if (key) ctx.enqueue(key);
      },
    },
    {
      informer: PODS,
      onDelete: (pod, ctx) => {
        const ref = controllerRefOf(pod);
        if (!ref || ref.kind !== 'ReplicaSet') return;
        const rs = ctx.cache(REPLICA_SETS).get(`${pod.metadata?.namespace ?? 'default'}/${ref.name}`);
        if (!rs || rs.metadata?.uid !== ref.uid) return;
        const key = ownerDeployment(rs, ctx);
        if (!key) return;
        const d = ctx.cache(DEPLOYMENTS).get(key) as DeploymentJson | undefined;
        if (d?.spec?.strategy?.type === 'Recreate') ctx.enqueue(key);
      },
    },
  ],
  queues: [{ workers: 5, sync: syncDeployment }],
  newState: newDeploymentState,
});
