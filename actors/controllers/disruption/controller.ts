import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { controllerRefOf, resolveControllerRef, type OwnerReference } from '../host/owners.ts';
import { DEPLOYMENTS, PODS, POD_DISRUPTION_BUDGETS, REPLICA_SETS, REPLICATION_CONTROLLERS, STATEFUL_SETS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { keysInNamespace, selectorMatches } from '../host/workload.ts';
import { buildDisruptedPodMap, countHealthyPods, expectedPodCount, failSafeStatus, pdbStatus, type PdbJson, type PdbStatus } from './disruption.ts';

/**
 * The disruption controller (pkg/controller/disruption): its queue holds PodDisruptionBudget
 * keys. A budget is synced when it changes and when a pod it selects is added, changes or goes
 * (old and new labels both count); the sync counts the selected pods against the budget and
 * writes `status` (see disruption.ts). The pods' controllers are read from their listers only,
 * as upstream: a change of scale reaches the budget with the pods it creates or deletes.
 */

type Ctx = ControllerContext<null>;
type Act = Action<null>;

const PDBS = POD_DISRUPTION_BUDGETS;

function replicasOf(obj: KubeObject): number {
  return (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1;
}

/**
 * The finders (getPodReplicationController, getPodDeployment, getPodReplicaSet,
 * getPodStatefulSet): a pod's controller and the scale it asks for. A ReplicaSet owned by a
 * Deployment counts as that Deployment.
 */
function controllerScale(ctx: Ctx): (ref: OwnerReference, namespace: string) => { uid: string; scale: number } | null {
  return (ref, namespace) => {
    const found = (owner: KubeObject | undefined) => (owner ? { uid: owner.metadata?.uid ?? '', scale: replicasOf(owner) } : null);
    switch (ref.kind) {
      case 'ReplicationController':
        return found(resolveControllerRef(namespace, ref, 'ReplicationController', ctx.cache(REPLICATION_CONTROLLERS)));
      case 'StatefulSet':
        return found(resolveControllerRef(namespace, ref, 'StatefulSet', ctx.cache(STATEFUL_SETS)));
      case 'ReplicaSet': {
        const rs = resolveControllerRef(namespace, ref, 'ReplicaSet', ctx.cache(REPLICA_SETS));
        if (!rs) return null;
        const owner = controllerRefOf(rs);
        if (owner?.kind === 'Deployment') return found(resolveControllerRef(namespace, owner, 'Deployment', ctx.cache(DEPLOYMENTS)));
        return found(rs);
      }
      default:
        return null;
    }
  };
}

function statusWrite(pdb: PdbJson, status: PdbStatus): Act {
  return {
    kind: 'write',
    request: { verb: 'update', apiVersion: 'policy/v1', resource: 'poddisruptionbudgets', subresource: 'status', namespace: pdb.metadata?.namespace ?? 'default', name: pdb.metadata?.name ?? '', body: { ...pdb, status } as KubeObject },
    tolerate: [404],
    traces: [{ action: 'status', object: `poddisruptionbudget/${objectKey(pdb)}`, detail: `disruptionsAllowed ${status.disruptionsAllowed} (healthy ${status.currentHealthy}, desired ${status.desiredHealthy}, expected ${status.expectedPods})` }],
  };
}

/** `sync` / `trySync`. */
export function syncPdb(key: string, ctx: Ctx): Act[] {
  const pdb = ctx.cache(PDBS).get(key) as PdbJson | undefined;
  if (!pdb) return [];
  const ns = pdb.metadata?.namespace ?? 'default';
  const podCache = ctx.cache(PODS);
  const pods = keysInNamespace(podCache.keys(), ns)
    .map((k) => podCache.get(k)!)
    .filter((p) => selectorMatches(pdb.spec?.selector, p.metadata?.labels));
  const actions: Act[] = [];
  const event = (type: 'Normal' | 'Warning', reason: string, message: string, object: KubeObject = pdb, objectKind = 'PodDisruptionBudget'): Act => ({ kind: 'event', object, objectKind, type, reason, message });
  if (pods.length === 0) actions.push(event('Normal', 'NoPods', 'No matching pods found'));
  const expected = expectedPodCount(pdb, pods, controllerScale(ctx));
  if ('error' in expected) {
    actions.push(event('Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${expected.error}`));
    actions.push(statusWrite(pdb, failSafeStatus(pdb, expected.error, ctx.nowMs)));
    return actions;
  }
  if (expected.unmanagedPods.length > 0) {
    actions.push(
      event(
        'Warning',
        'UnmanagedPods',
        'Pods selected by this PodDisruptionBudget were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
      ),
    );
  }
  const disrupted = buildDisruptedPodMap(pods, pdb.status?.disruptedPods, ctx.nowMs);
  for (const name of disrupted.notDeleted) {
    const pod = pods.find((p) => p.metadata?.name === name)!;
    actions.push(event('Warning', 'NotDeleted', `Pod was expected by PDB ${ns}/${pdb.metadata?.name ?? ''} to be deleted but it wasn't`, pod, 'Pod'));
  }
  const currentHealthy = countHealthyPods(pods, disrupted.disruptedPods, ctx.nowMs);
  const status = pdbStatus(pdb, { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedCount: expected.expectedCount, disruptedPods: disrupted.disruptedPods }, ctx.nowMs);
  if (status) actions.push(statusWrite(pdb, status));
  // An evicted pod not deleted in time stops counting as disrupted: look again then.
  if (disrupted.recheckAtMs !== null) ctx.enqueueAfter(key, Math.max(0, disrupted.recheckAtMs - ctx.nowMs) + 1);
  return actions;
}

/** `getPdbForPod`: every budget of the pod's namespace whose selector matches its labels. */
function enqueueBudgetsOf(pod: KubeObject, ctx: Ctx): void {
  const cache = ctx.cache(PDBS);
  for (const k of keysInNamespace(cache.keys(), pod.metadata?.namespace ?? 'default')) {
    if (selectorMatches((cache.get(k) as PdbJson).spec?.selector, pod.metadata?.labels)) ctx.enqueue(k);
  }
}

export const disruptionController = defineController<null>({
  name: 'disruption',
  reporter: 'controllermanager',
  informers: [PDBS, PODS, REPLICA_SETS, DEPLOYMENTS, REPLICATION_CONTROLLERS, STATEFUL_SETS],
  handlers: [
    {
      informer: PDBS,
      onAdd: (pdb, ctx) => ctx.enqueue(objectKey(pdb)),
      onUpdate: (_old, pdb, ctx) => ctx.enqueue(objectKey(pdb)),
    },
    {
      informer: PODS,
      onAdd: enqueueBudgetsOf,
      onUpdate: (old, pod, ctx) => {
        if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        enqueueBudgetsOf(pod, ctx);
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {})) enqueueBudgetsOf(old, ctx);
      },
      onDelete: enqueueBudgetsOf,
    },
  ],
  queues: [{ workers: 1, sync: syncPdb }],
  newState: () => null,
});
