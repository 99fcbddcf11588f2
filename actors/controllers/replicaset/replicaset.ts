import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { Expectations } from '../host/expectations.ts';
import { controllerRefOf, newControllerRef, type OwnerReference } from '../host/owners.ts';
import { BY_CONTROLLER_UID, PODS } from '../host/resources.ts';
import type { Action, ControllerContext, InformerSpec, WriteAction } from '../host/types.ts';
import {
  creationMs,
  isPodActive,
  isPodAvailable,
  isPodReady,
  keysInNamespace,
  podNodeNameOf,
  podPhase,
  podReadySinceMs,
  podRestarts,
  selectorMatches,
  convertSelector,
  convertedSelectorMatches,
  type LabelSelectorJson,
  deletePodAction,
  errorMessage,
  ok,
} from '../host/workload.ts';
import { deletionCostOf, podsToDelete } from './deletion-ranking.ts';
import { BURST_REPLICAS, replicaDiff, slowStartBatches } from './slow-start.ts';

/**
 * The ReplicaSet controller's sync (pkg/controller/replicaset/replica_set.go `syncReplicaSet`):
 * claim the pods (adopt matching orphans, release owned pods that stopped matching), then, unless
 * creates or deletes are still awaited (expectations), create or delete the difference, then
 * write the status from the pods it counted.
 */

export { REPLICA_SETS as RS } from '../host/resources.ts';
import { REPLICA_SETS as RS, REPLICATION_CONTROLLERS } from '../host/resources.ts';
import { cloneJson } from '../../api/clone-json.ts';

/**
 * The kind a replica controller manages. kube's ReplicationController controller is the
 * ReplicaSet controller over ReplicationControllers converted to ReplicaSets
 * (pkg/controller/replication: its selector map becomes matchLabels); the same sync runs
 * here with the kind's informer, API path and names, and the object seen as a ReplicaSet.
 */
export interface ReplicaKind {
  informer: InformerSpec;
  apiVersion: string;
  kind: 'ReplicaSet' | 'ReplicationController';
  resource: string;
  /** The object as the sync reads it (a ReplicaSet's shape). */
  asReplicaSet(obj: KubeObject): ReplicaSetJson;
}

export const REPLICA_SET_KIND: ReplicaKind = { informer: RS, apiVersion: 'apps/v1', kind: 'ReplicaSet', resource: 'replicasets', asReplicaSet: (obj) => obj as ReplicaSetJson };

export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  informer: REPLICATION_CONTROLLERS,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  asReplicaSet: (obj) => {
    const spec = (obj.spec ?? {}) as { selector?: Record<string, string> | null } & Omit<NonNullable<ReplicaSetJson['spec']>, 'selector'>;
    // An absent selector was defaulted from the template's labels by the apiserver; null selects nothing.
    const selector = spec.selector ? { matchLabels: spec.selector } : undefined;
    return { ...obj, spec: { ...spec, selector } } as ReplicaSetJson;
  },
};

export interface ReplicaSetState {
  readonly expectations: Expectations;
}

export const newReplicaSetState = (): ReplicaSetState => ({ expectations: new Expectations() });

type Ctx = ControllerContext<ReplicaSetState>;
type Act = Action<ReplicaSetState>;

export interface ReplicaSetJson extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorJson;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: unknown };
  };
  status?: ReplicaSetStatus;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: unknown[];
}


/** `GetPodFromTemplate`: the pod a ReplicaSet creates. */
export function podFromTemplate(rs: ReplicaSetJson, kind: ReplicaKind = REPLICA_SET_KIND): KubeObject {
  const t = rs.spec?.template ?? {};
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? ''}-`,
      namespace: rs.metadata?.namespace ?? 'default',
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(rs, kind.apiVersion, kind.kind)],
    },
    spec: cloneJson(t.spec ?? {}),
  } as KubeObject;
}

/** The pods of ReplicaSets with the same controller owner as `rs` (`getIndirectlyRelatedPods`). */
function relatedPods(rs: KubeObject, kind: ReplicaKind, ctx: Ctx): KubeObject[] {
  const pods = ctx.cache(PODS);
  const owner = controllerRefOf(rs);
  const owners = ctx.cache(kind.informer);
  const rsUids = owner
    ? owners.byIndex(BY_CONTROLLER_UID, owner.uid).map((k) => owners.get(k)?.metadata?.uid).filter((u): u is string => !!u)
    : [rs.metadata?.uid ?? ''];
  const out: KubeObject[] = [];
  for (const uid of rsUids) for (const k of pods.byIndex(BY_CONTROLLER_UID, uid)) out.push(pods.get(k)!);
  return out;
}

/** The merge patch that sets a pod's owner references (adoption / release). */
function ownerPatch(pod: KubeObject, refs: readonly OwnerReference[]): WriteAction<ReplicaSetState> {
  const meta = pod.metadata ?? {};
  return {
    kind: 'write',
    request: {
      verb: 'patch',
      apiVersion: 'v1',
      resource: 'pods',
      namespace: meta.namespace ?? 'default',
      name: meta.name ?? '',
      patchType: 'merge',
      body: { metadata: { ownerReferences: refs.length > 0 ? refs : null } } as unknown as KubeObject,
    },
    tolerate: [404, 409, 422],
  };
}

/** `claimPods` over the active pods of the namespace: the pods this ReplicaSet counts. */
function claimPods(rs: ReplicaSetJson, kind: ReplicaKind, ctx: Ctx, actions: Act[]): KubeObject[] {
  const pods = ctx.cache(PODS);
  const ns = rs.metadata?.namespace ?? 'default';
  const deleting = !!rs.metadata?.deletionTimestamp;
  const claimed: KubeObject[] = [];
  const selector = convertSelector(rs.spec?.selector);
  for (const key of keysInNamespace(pods.keys(), ns)) {
    const pod = pods.get(key)!;
    if (!isPodActive(pod)) continue;
    const matches = convertedSelectorMatches(selector, pod.metadata?.labels);
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.uid !== rs.metadata?.uid) continue;
      if (matches || deleting) claimed.push(pod);
      else actions.push(ownerPatch(pod, (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid)));
      continue;
    }
    if (!matches || deleting) continue;
    actions.push(ownerPatch(pod, [...(pod.metadata?.ownerReferences ?? []), newControllerRef(rs, kind.apiVersion, kind.kind)]));
    actions.push({ kind: 'trace', action: 'pod-adopted', object: `pod/${key}`, detail: `matches the selector of ${kind.kind.toLowerCase()} ${objectKey(rs)}` });
    claimed.push(pod);
  }
  return claimed;
}

/** The create requests of one slow-start batch and the ones after it, chained through onResult. */
function createBatches(rs: ReplicaSetJson, kind: ReplicaKind, rsKey: string, batches: readonly number[], index: number, total: number, sent: number): Act[] {
  if (index >= batches.length) return [];
  const size = batches[index]!;
  const batch = { left: size, failed: false };
  const ns = rs.metadata?.namespace ?? 'default';
  const actions: Act[] = [];
  for (let i = 0; i < size; i++) {
    actions.push({
      kind: 'write',
      request: { verb: 'create', apiVersion: 'v1', resource: 'pods', namespace: ns, body: podFromTemplate(rs, kind) },
      onResult: (r, c) => {
        const out: Act[] = [];
        if (ok(r)) {
          const name = (r.body as KubeObject).metadata?.name ?? '';
          out.push({ kind: 'event', object: rs, objectKind: kind.kind, type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${name}` });
        } else {
          batch.failed = true;
          c.state.expectations.creationObserved(rsKey);
          out.push({ kind: 'event', object: rs, objectKind: kind.kind, type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${errorMessage(r)}` });
        }
        if (--batch.left > 0) return out;
        if (batch.failed) {
          // The pods of the batches never sent will not arrive either.
          for (let k = sent + size; k < total; k++) c.state.expectations.creationObserved(rsKey);
          return out;
        }
        return [...out, ...createBatches(rs, kind, rsKey, batches, index + 1, total, sent + size)];
      },
    });
  }
  return actions;
}

/** `manageReplicas`: creates (slow start) or deletes (ranked) toward spec.replicas. */
function manageReplicas(rs: ReplicaSetJson, kind: ReplicaKind, rsKey: string, active: readonly KubeObject[], ctx: Ctx): Act[] {
  const desired = rs.spec?.replicas ?? 1;
  const diff = replicaDiff(active.length, desired, BURST_REPLICAS);
  if (diff > 0) {
    ctx.state.expectations.expectCreations(rsKey, diff, ctx.nowMs);
    return createBatches(rs, kind, rsKey, slowStartBatches(diff), 0, diff, 0);
  }
  if (diff < 0) {
    const byUid = new Map(active.map((p) => [p.metadata?.uid ?? '', p]));
    const related = relatedPods(rs, kind, ctx).filter(isPodActive).map(podNodeNameOf);
    const ranked = podsToDelete(
      active.map((p) => ({
        uid: p.metadata?.uid ?? '',
        nodeName: podNodeNameOf(p),
        phase: podPhase(p),
        ready: isPodReady(p),
        readySinceMs: podReadySinceMs(p),
        creationMs: creationMs(p),
        restarts: podRestarts(p),
        deletionCost: deletionCostOf(p.metadata?.annotations),
      })),
      related,
      -diff,
      ctx.nowMs,
    );
    const victims = ranked.map((r) => byUid.get(r.uid)!);
    ctx.state.expectations.expectDeletions(rsKey, victims.map(objectKey), ctx.nowMs);
    return victims.map((pod): Act => deletePodAction(rs, kind.kind, rsKey, pod));
  }
  return [];
}

/** `calculateStatus` from the claimed active pods. */
export function replicaSetStatus(rs: ReplicaSetJson, pods: readonly KubeObject[], nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const fully = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length;
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, nowMs)).length,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
  if (rs.status?.conditions) status.conditions = rs.status.conditions;
  return status;
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  if (!a) return false;
  return (
    (a.replicas ?? 0) === b.replicas &&
    (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0)
  );
}

/** `syncReplicaSet(key)` for the kind's objects. */
export function syncReplicas(kind: ReplicaKind): (key: string, ctx: Ctx) => Act[] {
  return (key, ctx) => syncOne(kind, key, ctx);
}

export const syncReplicaSet = syncReplicas(REPLICA_SET_KIND);

function syncOne(kind: ReplicaKind, key: string, ctx: Ctx): Act[] {
  const stored = ctx.cache(kind.informer).get(key);
  if (!stored) {
    ctx.state.expectations.delete(key);
    return [];
  }
  const rs = kind.asReplicaSet(stored);
  const actions: Act[] = [];
  const needsSync = ctx.state.expectations.satisfied(key, ctx.nowMs) && !rs.metadata?.deletionTimestamp;
  const claimed = claimPods(rs, kind, ctx, actions);
  if (needsSync) actions.push(...manageReplicas(rs, kind, key, claimed, ctx));
  const status = replicaSetStatus(rs, claimed, ctx.nowMs);
  if (!sameStatus(rs.status, status)) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: kind.apiVersion, resource: kind.resource, subresource: 'status', namespace: rs.metadata?.namespace ?? 'default', name: rs.metadata?.name ?? '', body: { ...stored, status } as KubeObject },
      tolerate: [404],
    });
  }
  // Pods ready but not yet available: look again when they will be.
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && (status.readyReplicas ?? 0) === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
    ctx.enqueueAfter(key, minReady * 1000);
  }
  return actions;
}

/** The object of the kind that controls `pod`, by its controller reference. */
export function controllingOwner(kind: ReplicaKind, pod: KubeObject, ctx: Ctx): string | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== kind.kind) return undefined;
  const key = `${pod.metadata?.namespace ?? 'default'}/${ref.name}`;
  const rs = ctx.cache(kind.informer).get(key);
  return rs && rs.metadata?.uid === ref.uid ? key : undefined;
}

/** The objects of the kind whose selector matches an orphan pod (`getPodReplicaSets`). */
export function matchingOwners(kind: ReplicaKind, pod: KubeObject, ctx: Ctx): string[] {
  const cache = ctx.cache(kind.informer);
  return keysInNamespace(cache.keys(), pod.metadata?.namespace ?? 'default').filter((k) => selectorMatches(kind.asReplicaSet(cache.get(k)!).spec?.selector, pod.metadata?.labels));
}

