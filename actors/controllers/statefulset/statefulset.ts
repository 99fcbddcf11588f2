import type { KubeObject } from '../../api/protocol.ts';
import { podTemplateHash } from '../deployment/template-hash.ts';
import { newControllerRef } from '../host/owners.ts';
import { isPodAvailable, isPodReady, podPhase } from '../host/workload.ts';
import { cloneJson } from '../../api/clone-json.ts';

/**
 * The StatefulSet controller's decisions (pkg/controller/statefulset/stateful_set_control.go
 * `updateStatefulSet`, stateful_set_utils.go), pure over hand-built state:
 * - identities: pod `<set>-<ordinal>` with hostname = its name and subdomain = spec.serviceName,
 *   labels `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
 *   `controller-revision-hash`; one claim `<template>-<set>-<ordinal>` per volumeClaimTemplate,
 *   created before the pod, which mounts it in place of any same-named volume;
 * - scaling: OrderedReady creates ordinal i only when 0..i-1 are Running and Ready (available,
 *   with minReadySeconds), scales down from the highest ordinal one at a time and waits for each
 *   to terminate; Parallel creates and deletes every ordinal at once; a Failed or Succeeded pod is
 *   deleted and recreated under the same name;
 * - updates: ControllerRevisions `<set>-<hash>`; RollingUpdate deletes, from the highest ordinal
 *   down to the partition, the first pod not at the update revision (waiting for the ones above to
 *   be Running and Ready again), ordinals below the partition keep the current revision; OnDelete
 *   replaces only pods someone deleted; the current revision becomes the update revision once every
 *   replica is updated and ready.
 * PVC retention: Retain/Retain (the default) — claims are never deleted by the controller.
 */

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { volumes?: { name: string }[] };
}

export interface StatefulSetJson extends KubeObject {
  spec?: {
    replicas?: number;
    serviceName?: string;
    minReadySeconds?: number;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    revisionHistoryLimit?: number;
    selector?: { matchLabels?: Record<string, string> };
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
    template?: PodTemplate;
    volumeClaimTemplates?: ClaimTemplate[];
  };
  status?: StatefulSetStatus;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
}

/** `getParentNameAndOrdinal`: the ordinal of a pod named `<set>-<n>`, or -1. */
export function ordinalOf(setName: string, podName: string): number {
  const prefix = `${setName}-`;
  if (!podName.startsWith(prefix)) return -1;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export const podNameOf = (set: StatefulSetJson, ordinal: number): string => `${set.metadata?.name ?? ''}-${ordinal}`;

/** `getPersistentVolumeClaimName`. */
export const claimNameOf = (set: StatefulSetJson, template: ClaimTemplate, ordinal: number): string => `${template.metadata?.name ?? ''}-${podNameOf(set, ordinal)}`;

/** The revision name of a template: `<set>-<hash>` (ControllerRevision name and pod label value). */
export function revisionNameOf(set: StatefulSetJson, template: PodTemplate | undefined): string {
  return `${set.metadata?.name ?? ''}-${podTemplateHash(template ?? {})}`;
}

/** The ControllerRevision of `set`'s current template (`newRevision`: the patch is the template). */
export function newRevision(set: StatefulSetJson, revision: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionNameOf(set, set.spec?.template),
      namespace: set.metadata?.namespace ?? 'default',
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [REVISION_LABEL]: revisionNameOf(set, set.spec?.template) },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    data: { spec: { template: { ...cloneJson(set.spec?.template ?? {}), $patch: 'replace' } } },
    revision,
  } as KubeObject;
}

/** The pod template a ControllerRevision holds. */
export function templateOfRevision(rev: KubeObject): PodTemplate | undefined {
  const t = (rev as { data?: { spec?: { template?: PodTemplate & { $patch?: string } } } }).data?.spec?.template;
  if (!t) return undefined;
  const { $patch: _patch, ...template } = t;
  return template;
}

/** `getPersistentVolumeClaims`: the claims of one ordinal, labelled with the template's labels and the selector's. */
export function claimsFor(set: StatefulSetJson, ordinal: number): KubeObject[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimNameOf(set, t, ordinal),
      namespace: set.metadata?.namespace ?? 'default',
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: cloneJson(t.spec ?? {}),
  }));
}

/** `newVersionedStatefulSetPod`: the pod of `ordinal` from `template` at revision `revisionName`. */
export function newPod(set: StatefulSetJson, template: PodTemplate | undefined, revisionName: string, ordinal: number): KubeObject {
  const name = podNameOf(set, ordinal);
  const spec = cloneJson(template?.spec ?? {}) as Record<string, unknown> & { volumes?: Record<string, unknown>[] };
  const claims = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const claimVolumes = claims.map((t) => ({ name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: claimNameOf(set, t, ordinal) } }));
    const names = new Set(claimVolumes.map((v) => v.name));
    spec.volumes = [...claimVolumes, ...(spec.volumes ?? []).filter((v) => !names.has(String(v['name'])))];
  }
  spec['hostname'] = name;
  if (set.spec?.serviceName) spec['subdomain'] = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace ?? 'default',
      labels: { ...(template?.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revisionName },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec,
  } as KubeObject;
}

const isTerminating = (pod: KubeObject): boolean => !!pod.metadata?.deletionTimestamp;
const isFailedOrSucceeded = (pod: KubeObject): boolean => podPhase(pod) === 'Failed' || podPhase(pod) === 'Succeeded';
export const isRunningAndReady = (pod: KubeObject): boolean => podPhase(pod) === 'Running' && isPodReady(pod);
const isRunningAndAvailable = (pod: KubeObject, minReadySeconds: number, nowMs: number): boolean => podPhase(pod) === 'Running' && isPodAvailable(pod, minReadySeconds, nowMs);
const revisionOf = (pod: KubeObject): string => pod.metadata?.labels?.[REVISION_LABEL] ?? '';

/** What one sync does: which ordinals to create (claims first), which pods to delete. */
export interface StatefulSetPlan {
  /** Ordinals to create, each with the revision its pod is created at. */
  create: { ordinal: number; revision: 'current' | 'update' }[];
  /** Pods to delete (failed ones, condemned ones, one being rolled). */
  delete: KubeObject[];
  /** Ordinals whose pod exists but whose claims are missing (created again, like upstream). */
  claimsFor: number[];
}

export interface PlanInput {
  set: StatefulSetJson;
  /** The set's pods (owned by it, with a parseable ordinal). */
  pods: readonly KubeObject[];
  currentRevision: string;
  updateRevision: string;
  /** Claim names that exist. */
  existingClaims: ReadonlySet<string>;
  nowMs: number;
}

/** The revision an ordinal is (re)created at (`newVersionedStatefulSetPod`'s choice). */
export function revisionForOrdinal(set: StatefulSetJson, ordinal: number, currentReplicas: number): 'current' | 'update' {
  const strategy = set.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 'update';
  if (strategy?.rollingUpdate?.partition !== undefined) return ordinal < strategy.rollingUpdate.partition ? 'current' : 'update';
  return ordinal < currentReplicas ? 'current' : 'update';
}

/** `updateStatefulSet`'s decisions for one sync. */
export function planStatefulSet(input: PlanInput): StatefulSetPlan {
  const { set, pods, currentRevision, updateRevision, existingClaims, nowMs } = input;
  const setName = set.metadata?.name ?? '';
  const replicaCount = set.spec?.replicas ?? 1;
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const minReady = set.spec?.minReadySeconds ?? 0;
  const plan: StatefulSetPlan = { create: [], delete: [], claimsFor: [] };
  const replicas: (KubeObject | undefined)[] = new Array(replicaCount).fill(undefined);
  const condemned: KubeObject[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(setName, pod.metadata?.name ?? '');
    if (ord < 0) continue;
    if (ord < replicaCount) replicas[ord] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(setName, b.metadata?.name ?? '') - ordinalOf(setName, a.metadata?.name ?? ''));
  const currentReplicas = pods.filter((p) => !isTerminating(p) && revisionOf(p) === currentRevision).length;
  const claimNames = (ord: number): string[] => claimsFor(set, ord).map((c) => c.metadata?.name ?? '');

  // The first unhealthy pod, in ordinal order (valid replicas first, then the condemned, lowest first).
  const unhealthy = [...replicas.filter((p): p is KubeObject => !!p), ...[...condemned].reverse()].find((p) => !isRunningAndReady(p) || isTerminating(p));

  for (let ord = 0; ord < replicaCount; ord++) {
    const pod = replicas[ord];
    if (pod && isFailedOrSucceeded(pod) && !isTerminating(pod)) {
      // Deleted now, recreated under the same name once it is gone.
      plan.delete.push(pod);
      if (monotonic) return plan;
      continue;
    }
    if (!pod) {
      plan.create.push({ ordinal: ord, revision: revisionForOrdinal(set, ord, currentReplicas) });
      if (monotonic) return plan;
      continue;
    }
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (claimNames(ord).some((n) => !existingClaims.has(n))) plan.claimsFor.push(ord);
    if (!isRunningAndAvailable(pod, minReady, nowMs) && monotonic) return plan;
  }

  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    // OrderedReady removes a condemned pod only when everything below it is healthy, or it is the first unhealthy one.
    if (monotonic && unhealthy && unhealthy !== pod) return plan;
    plan.delete.push(pod);
    if (monotonic) return plan;
  }

  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return plan;
  if (plan.create.length > 0 || plan.delete.length > 0) return plan;
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let ord = replicaCount - 1; ord >= partition; ord--) {
    const pod = replicas[ord];
    if (!pod) return plan;
    if (revisionOf(pod) !== updateRevision && !isTerminating(pod)) {
      plan.delete.push(pod);
      return plan;
    }
    if (!isRunningAndAvailable(pod, minReady, nowMs)) return plan;
  }
  return plan;
}

/** `computeReplicaStatus` + `completeRollingUpdate`. */
export function statefulSetStatus(set: StatefulSetJson, pods: readonly KubeObject[], currentRevision: string, updateRevision: string, nowMs: number): StatefulSetStatus {
  const minReady = set.spec?.minReadySeconds ?? 0;
  const s: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation ?? 0,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision,
    updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  for (const pod of pods) {
    s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas!++;
      if (isRunningAndAvailable(pod, minReady, nowMs)) s.availableReplicas++;
    }
    if (isTerminating(pod)) continue;
    if (revisionOf(pod) === currentRevision) s.currentReplicas!++;
    if (revisionOf(pod) === updateRevision) s.updatedReplicas!++;
  }
  const replicas = set.spec?.replicas ?? 1;
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === replicas && s.readyReplicas === replicas && s.replicas === replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = updateRevision;
  }
  return s;
}

/**
 * `truncateHistory`: revisions beyond revisionHistoryLimit, oldest first, never the current or
 * update revision nor one a live pod is labelled with.
 */
export function revisionsToDelete(revisions: readonly KubeObject[], pods: readonly KubeObject[], currentRevision: string, updateRevision: string, limit: number): KubeObject[] {
  const live = new Set([currentRevision, updateRevision, ...pods.map(revisionOf)]);
  const history = revisions
    .filter((r) => !live.has(r.metadata?.name ?? ''))
    .sort((a, b) => revisionNumber(a) - revisionNumber(b) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  return history.slice(0, Math.max(0, history.length - limit));
}

export const revisionNumber = (r: KubeObject): number => (r as { revision?: number }).revision ?? 0;
