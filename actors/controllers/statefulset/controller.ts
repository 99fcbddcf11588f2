import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { controllerRefOf } from '../host/owners.ts';
import { BY_CONTROLLER_UID, CONTROLLER_REVISIONS, PODS, PVCS, STATEFUL_SETS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { errorMessage, isPodReady, ok } from '../host/workload.ts';
import {
  claimsFor,
  newPod,
  newRevision,
  ordinalOf,
  planStatefulSet,
  revisionNameOf,
  revisionNumber,
  revisionsToDelete,
  statefulSetStatus,
  templateOfRevision,
  type StatefulSetJson,
  type StatefulSetStatus,
} from './statefulset.ts';

/**
 * The StatefulSet controller (pkg/controller/statefulset): its queue holds StatefulSet keys; pod
 * and claim events queue the owning set. Pods are created by name, so a create the cache has not
 * shown yet comes back 409 AlreadyExists and is tolerated: no expectations are needed (upstream
 * keeps none either). 5 workers (--concurrent-statefulset-syncs).
 */

type State = Record<string, never>;
type Ctx = ControllerContext<State>;
type Act = Action<State>;

function owningSet(obj: KubeObject, ctx: Ctx): string | undefined {
  const ref = controllerRefOf(obj);
  if (!ref || ref.kind !== 'StatefulSet') return undefined;
  const key = `${obj.metadata?.namespace ?? 'default'}/${ref.name}`;
  const set = ctx.cache(STATEFUL_SETS).get(key);
  return set && set.metadata?.uid === ref.uid ? key : undefined;
}

function podChanged(pod: KubeObject, ctx: Ctx): void {
  const key = owningSet(pod, ctx);
  if (key) ctx.enqueue(key);
}

/** A claim named `<template>-<set>-<ordinal>` queues the set of that name in its namespace. */
function claimChanged(pvc: KubeObject, ctx: Ctx): void {
  const ns = pvc.metadata?.namespace ?? 'default';
  const name = pvc.metadata?.name ?? '';
  for (const key of ctx.cache(STATEFUL_SETS).keys()) {
    if (!key.startsWith(`${ns}/`)) continue;
    const set = ctx.cache(STATEFUL_SETS).get(key) as StatefulSetJson;
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const prefix = `${t.metadata?.name ?? ''}-`;
      if (name.startsWith(prefix) && ordinalOf(set.metadata?.name ?? '', name.slice(prefix.length)) >= 0) ctx.enqueue(key);
    }
  }
}

const setEvent = (set: StatefulSetJson, type: 'Normal' | 'Warning', reason: string, message: string): Act => ({ kind: 'event', object: set, objectKind: 'StatefulSet', type, reason, message });

function createPodAction(set: StatefulSetJson, pod: KubeObject): Act {
  const podName = pod.metadata?.name ?? '';
  const setName = set.metadata?.name ?? '';
  return {
    kind: 'write',
    request: { verb: 'create', apiVersion: 'v1', resource: 'pods', namespace: set.metadata?.namespace ?? 'default', body: pod },
    tolerate: [409],
    onResult: (r) => {
      if (ok(r)) return [setEvent(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`)];
      if (r.code === 409) return [];
      return [setEvent(set, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(r)}`)];
    },
  };
}

/** The claims of `ordinal` that do not exist, then (once every claim write is answered) the pod. */
function createClaimsThen(set: StatefulSetJson, ordinal: number, missing: readonly KubeObject[], then: Act | undefined): Act[] {
  const setName = set.metadata?.name ?? '';
  const podName = `${setName}-${ordinal}`;
  if (missing.length === 0) return then ? [then] : [];
  const batch = { left: missing.length, failed: false };
  return missing.map((claim): Act => ({
    kind: 'write',
    request: { verb: 'create', apiVersion: 'v1', resource: 'persistentvolumeclaims', namespace: set.metadata?.namespace ?? 'default', body: claim },
    tolerate: [409],
    onResult: (r) => {
      const acts: Act[] = [];
      const claimName = claim.metadata?.name ?? '';
      if (ok(r)) acts.push(setEvent(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`));
      else if (r.code !== 409) {
        batch.failed = true;
        acts.push(setEvent(set, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(r)}`));
      }
      if (--batch.left > 0 || batch.failed || !then) return acts;
      return [...acts, then];
    },
  }));
}

function deletePod(set: StatefulSetJson, pod: KubeObject): Act {
  const name = pod.metadata?.name ?? '';
  const setName = set.metadata?.name ?? '';
  return {
    kind: 'write',
    request: { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: pod.metadata?.namespace ?? 'default', name },
    tolerate: [404],
    onResult: (r) => {
      if (ok(r)) return [setEvent(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${setName} successful`)];
      if (r.code === 404) return [];
      return [setEvent(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${setName} failed error: ${errorMessage(r)}`)];
    },
  };
}

function sameStatus(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  if (!a) return false;
  const keys: (keyof StatefulSetStatus)[] = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'];
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/** `sync(key)`: revisions, then `updateStatefulSet`'s pods and claims, then status and history. */
export function syncStatefulSet(key: string, ctx: Ctx): Act[] {
  const set = ctx.cache(STATEFUL_SETS).get(key) as StatefulSetJson | undefined;
  if (!set || set.metadata?.deletionTimestamp) return [];
  const ns = set.metadata?.namespace ?? 'default';
  const setName = set.metadata?.name ?? '';
  const uid = set.metadata?.uid ?? '';
  const podCache = ctx.cache(PODS);
  const pods = podCache
    .byIndex(BY_CONTROLLER_UID, uid)
    .map((k) => podCache.get(k)!)
    .filter((p) => p.metadata?.namespace === ns && ordinalOf(setName, p.metadata?.name ?? '') >= 0);
  const revCache = ctx.cache(CONTROLLER_REVISIONS);
  const revisions = revCache
    .byIndex(BY_CONTROLLER_UID, uid)
    .map((k) => revCache.get(k)!)
    .filter((r) => r.metadata?.namespace === ns);
  const actions: Act[] = [];

  const updateRevision = revisionNameOf(set, set.spec?.template);
  if (!revisions.some((r) => r.metadata?.name === updateRevision)) {
    const next = Math.max(0, ...revisions.map(revisionNumber)) + 1;
    actions.push({ kind: 'write', request: { verb: 'create', apiVersion: 'apps/v1', resource: 'controllerrevisions', namespace: ns, body: newRevision(set, next) }, tolerate: [409] });
  }
  const statusCurrent = set.status?.currentRevision;
  const currentRevision = statusCurrent && revisions.some((r) => r.metadata?.name === statusCurrent) ? statusCurrent : updateRevision;
  const currentRevisionObject = revisions.find((r) => r.metadata?.name === currentRevision);
  const currentTemplate = (currentRevisionObject && templateOfRevision(currentRevisionObject)) ?? set.spec?.template;

  const pvcCache = ctx.cache(PVCS);
  const existingClaims = new Set(pvcCache.keys().filter((k) => k.startsWith(`${ns}/`)).map((k) => k.slice(ns.length + 1)));
  const plan = planStatefulSet({ set, pods, currentRevision, updateRevision, existingClaims, nowMs: ctx.nowMs });
  const missingClaims = (ord: number): KubeObject[] => claimsFor(set, ord).filter((c) => !existingClaims.has(c.metadata?.name ?? ''));
  for (const ord of plan.claimsFor) actions.push(...createClaimsThen(set, ord, missingClaims(ord), undefined));
  for (const c of plan.create) {
    const pod = c.revision === 'current' ? newPod(set, currentTemplate, currentRevision, c.ordinal) : newPod(set, set.spec?.template, updateRevision, c.ordinal);
    actions.push(...createClaimsThen(set, c.ordinal, missingClaims(c.ordinal), createPodAction(set, pod)));
  }
  for (const p of plan.delete) actions.push(deletePod(set, p));

  const status = statefulSetStatus(set, pods, currentRevision, updateRevision, ctx.nowMs);
  if (!sameStatus(set.status, status)) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'apps/v1', resource: 'statefulsets', subresource: 'status', namespace: ns, name: setName, body: { ...set, status } as KubeObject },
      tolerate: [404],
    });
  }
  for (const r of revisionsToDelete(revisions, pods, status.currentRevision ?? '', updateRevision, set.spec?.revisionHistoryLimit ?? 10)) {
    actions.push({ kind: 'write', request: { verb: 'delete', apiVersion: 'apps/v1', resource: 'controllerrevisions', namespace: ns, name: r.metadata?.name ?? '' }, tolerate: [404] });
  }
  const minReady = set.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && (status.readyReplicas ?? 0) > status.availableReplicas) ctx.enqueueAfter(key, minReady * 1000 + 1);
  return actions;
}

export const statefulSetController = defineController<State>({
  name: 'statefulset',
  reporter: 'statefulset-controller',
  informers: [STATEFUL_SETS, PODS, CONTROLLER_REVISIONS, PVCS],
  handlers: [
    {
      informer: STATEFUL_SETS,
      onAdd: (set, ctx) => ctx.enqueue(objectKey(set)),
      onUpdate: (_old, set, ctx) => ctx.enqueue(objectKey(set)),
      onDelete: (set, ctx) => ctx.enqueue(objectKey(set)),
    },
    {
      informer: PODS,
      onAdd: podChanged,
      onUpdate: (old, pod, ctx) => {
        if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        podChanged(pod, ctx);
        const key = owningSet(pod, ctx);
        const minReady = key ? ((ctx.cache(STATEFUL_SETS).get(key) as StatefulSetJson | undefined)?.spec?.minReadySeconds ?? 0) : 0;
        if (key && minReady > 0 && !isPodReady(old) && isPodReady(pod)) ctx.enqueueAfter(key, minReady * 1000 + 1);
      },
      onDelete: podChanged,
    },
    { informer: PVCS, onAdd: claimChanged, onDelete: claimChanged },
  ],
  queues: [{ workers: 5, sync: syncStatefulSet }],
  newState: () => ({}),
});
