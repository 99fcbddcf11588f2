import type { KubeObject } from '../../api/protocol.ts';
import { parseTimestamp, timestamp } from '../../api/time.ts';
import type { ApiResult } from '../../client/api-client.ts';
import { objectKey } from '../../client/informer.ts';
import { canonicalJson } from '../../kernel/canonical-json.ts';
import { controllerRefOf, newControllerRef } from '../host/owners.ts';
import { BY_CONTROLLER_UID, DEPLOYMENTS, PODS, REPLICA_SETS } from '../host/resources.ts';
import type { Action, ControllerContext } from '../host/types.ts';
import { creationMs, keysInNamespace, podPhase, selectorMatches, selectsEverything, type LabelSelectorJson } from '../host/workload.ts';
import { newReplicaSetReplicas, reconcileOldReplicaSets, resolveFenceposts, type IntOrPercent, type ReplicaSetCounts } from './rolling.ts';
import { proportionalScale, type ScalableReplicaSet } from './proportional.ts';
import { podTemplateHash } from './template-hash.ts';
import { cloneJson } from '../../api/clone-json.ts';

/**
 * The Deployment controller's sync (pkg/controller/deployment: deployment_controller.go
 * `syncDeployment`, rolling.go, recreate.go, sync.go, progress.go), one step per sync as
 * upstream: claim the ReplicaSets, find the new one (template equal but for pod-template-hash) or
 * create it, scale the new one up or the old ones down within maxSurge / maxUnavailable, clean up
 * old ReplicaSets beyond revisionHistoryLimit once complete, and write the status and the
 * Available / Progressing conditions. The host re-queues on a failed write (a 409 on a stale
 * ReplicaSet is retried from the fresher cache).
 */

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

export interface DeploymentState {
  /** Whether the last sync saw the deployment paused (DeploymentPaused / DeploymentResumed). */
  readonly paused: Set<string>;
}
export const newDeploymentState = (): DeploymentState => ({ paused: new Set() });

type Ctx = ControllerContext<DeploymentState>;
type Act = Action<DeploymentState>;

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

export interface DeploymentJson extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorJson;
    template?: Template;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
  };
  status?: DeploymentStatus;
}

export interface RsJson extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: LabelSelectorJson; template?: Template };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

const ok = (r: ApiResult): boolean => r.code === 200 || r.code === 201;
const replicasOf = (d: DeploymentJson): number => d.spec?.replicas ?? 1;
const rsReplicas = (rs: RsJson): number => rs.spec?.replicas ?? 0;
export const revisionOf = (rs: KubeObject): number => {
  const n = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isFinite(n) ? n : 0;
};

function isRolling(d: DeploymentJson): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** [maxSurge, maxUnavailable] resolved against spec.replicas (0, 0 for Recreate). */
export function fenceposts(d: DeploymentJson): [number, number] {
  if (!isRolling(d)) return [0, 0];
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', replicasOf(d));
}

/** The template without the pod-template-hash label, canonical (`EqualIgnoreHash`). */
function templateKey(t: Template | undefined): string {
  const copy = cloneJson(t ?? {}) as Template;
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return canonicalJson(copy);
}

/** Oldest first, ties by name (`ReplicaSetsByCreationTimestamp`). */
function byCreation(a: RsJson, b: RsJson): number {
  return (creationMs(a) ?? 0) - (creationMs(b) ?? 0) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1);
}

/**
 * A ReplicaSet's counts for the rolling arithmetic. Its availability is capped at its spec: the
 * ReplicaSet controller writes status from the pods it saw before its own deletions (as upstream's
 * calculateStatus does), so one just scaled down reports pods it is deleting as available for a
 * sync; counting them would let a rolling update scale the old ReplicaSets down twice for the same
 * pods and break available ≥ replicas − maxUnavailable (deployment-rolling-update.yaml seed 1).
 */
function counts(rs: RsJson): ReplicaSetCounts {
  return { name: rs.metadata?.name ?? '', replicas: rsReplicas(rs), available: Math.min(rs.status?.availableReplicas ?? 0, rsReplicas(rs)), creationMs: creationMs(rs) ?? 0 };
}

/** `claimReplicaSets`: owned ReplicaSets, plus matching orphans (adopted with a patch). */
function claimReplicaSets(d: DeploymentJson, ctx: Ctx, actions: Act[]): RsJson[] {
  const cache = ctx.cache(REPLICA_SETS);
  const out: RsJson[] = [];
  for (const key of keysInNamespace(cache.keys(), d.metadata?.namespace ?? 'default')) {
    const rs = cache.get(key) as RsJson;
    const ref = controllerRefOf(rs);
    if (ref) {
      if (ref.uid === d.metadata?.uid) out.push(rs);
      continue;
    }
    if (d.metadata?.deletionTimestamp || !selectorMatches(d.spec?.selector, rs.metadata?.labels)) continue;
    actions.push({
      kind: 'write',
      request: {
        verb: 'patch', apiVersion: 'apps/v1', resource: 'replicasets', namespace: rs.metadata?.namespace ?? 'default', name: rs.metadata?.name ?? '', patchType: 'merge',
        body: { metadata: { ownerReferences: [...(rs.metadata?.ownerReferences ?? []), newControllerRef(d, 'apps/v1', 'Deployment')] } } as unknown as KubeObject,
      },
      tolerate: [404, 409, 422],
    });
    out.push(rs);
  }
  return out.sort(byCreation);
}

/** A scale of one ReplicaSet (`scaleReplicaSetAndRecordEvent`), with the replicas annotations. */
function scaleReplicaSet(rs: RsJson, newScale: number, d: DeploymentJson, extraAnnotations: Record<string, string> = {}): Act[] {
  const [surge] = fenceposts(d);
  const annotations = { ...(rs.metadata?.annotations ?? {}), [DESIRED_REPLICAS_ANNOTATION]: String(replicasOf(d)), [MAX_REPLICAS_ANNOTATION]: String(replicasOf(d) + surge), ...extraAnnotations };
  const sizeChanges = rsReplicas(rs) !== newScale;
  if (!sizeChanges && canonicalJson(annotations) === canonicalJson(rs.metadata?.annotations ?? {})) return [];
  const old = rsReplicas(rs);
  const name = rs.metadata?.name ?? '';
  return [
    {
      kind: 'write',
      request: {
        verb: 'update', apiVersion: 'apps/v1', resource: 'replicasets', namespace: rs.metadata?.namespace ?? 'default', name,
        body: { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas: newScale } } as KubeObject,
      },
      traces: sizeChanges ? [{ action: 'replicaset-scaled', object: `replicaset/${objectKey(rs)}`, detail: `${old} → ${newScale} for deployment ${d.metadata?.name ?? ''}` }] : [],
      onResult: (r) =>
        ok(r) && sizeChanges
          ? [{ kind: 'event', object: d, objectKind: 'Deployment', type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${newScale > old ? 'up' : 'down'} replica set ${name} from ${old} to ${newScale}` }]
          : [],
    },
  ];
}

/**
 * Annotations of a Deployment its ReplicaSets do not inherit (`skipCopyAnnotation`); the rest
 * (`kubernetes.io/change-cause`, what `kubectl rollout history` prints) is copied on creation.
 */
const ANNOTATIONS_NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, 'deployment.kubernetes.io/revision-history', DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to']);

function copiedAnnotations(d: DeploymentJson): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata?.annotations ?? {}).filter(([k]) => !ANNOTATIONS_NOT_COPIED.has(k)));
}

/** The new ReplicaSet kube would create for `d` with `replicas` (`getNewReplicaSet`). */
export function newReplicaSetFor(d: DeploymentJson, replicas: number, revision: number): RsJson {
  const hash = podTemplateHash(d.spec?.template ?? {}, d.status?.collisionCount ?? 0);
  const template = cloneJson(d.spec?.template ?? {}) as Template;
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
  const selector = cloneJson(d.spec?.selector ?? {}) as LabelSelectorJson;
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const [surge] = fenceposts(d);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name ?? ''}-${hash}`,
      namespace: d.metadata?.namespace ?? 'default',
      labels: { ...template.metadata.labels },
      annotations: { ...copiedAnnotations(d), [REVISION_ANNOTATION]: String(revision), [DESIRED_REPLICAS_ANNOTATION]: String(replicasOf(d)), [MAX_REPLICAS_ANNOTATION]: String(replicasOf(d) + surge) },
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  } as RsJson;
}

function setCondition(status: DeploymentStatus, c: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>, nowMs: number, refreshUpdate = false): void {
  const conditions = status.conditions ?? [];
  const i = conditions.findIndex((x) => x.type === c.type);
  const current = i >= 0 ? conditions[i] : undefined;
  if (current && current.status === c.status && current.reason === c.reason && !refreshUpdate) return;
  const now = timestamp(nowMs);
  const next: Condition = { ...c, lastUpdateTime: now, lastTransitionTime: current && current.status === c.status ? current.lastTransitionTime : now } as Condition;
  if (i >= 0) conditions.splice(i, 1);
  conditions.push(next);
  status.conditions = conditions;
}

const condition = (s: DeploymentStatus | undefined, type: string): Condition | undefined => s?.conditions?.find((c) => c.type === type);

/** `calculateStatus` (with the Available condition). */
function calculateStatus(d: DeploymentJson, all: readonly RsJson[], newRs: RsJson | undefined, conditions: Condition[], nowMs: number): DeploymentStatus {
  const sum = (f: (rs: RsJson) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const available = sum((rs) => rs.status?.availableReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicasOf(d) - available),
    conditions,
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const [, maxUnavailable] = fenceposts(d);
  if (available >= replicasOf(d) - maxUnavailable) setCondition(status, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, nowMs);
  else setCondition(status, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, nowMs);
  return status;
}

/** `DeploymentComplete`. */
export function deploymentComplete(d: DeploymentJson, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** `syncRolloutStatus`: the Progressing condition; re-queues for the progress deadline. */
function rolloutStatus(d: DeploymentJson, status: DeploymentStatus, newRs: RsJson | undefined, key: string, ctx: Ctx): void {
  if (d.spec?.paused) return;
  const deadlineS = d.spec?.progressDeadlineSeconds ?? 600;
  const current = condition(status, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (alreadyComplete) return;
  const rsName = newRs?.metadata?.name ?? '';
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  const progressing =
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
  if (deploymentComplete(d, status)) {
    setCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, ctx.nowMs);
    return;
  }
  if (progressing) {
    const message = newRs ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name ?? ''}" is progressing.`;
    setCondition(status, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message }, ctx.nowMs, true);
  } else if (current && current.reason !== 'NewReplicaSetAvailable') {
    const since = parseTimestamp(current.lastUpdateTime);
    if (current.reason === 'ProgressDeadlineExceeded' || since + deadlineS * 1000 < ctx.nowMs) {
      setCondition(status, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, ctx.nowMs);
    }
  }
  // requeueStuckDeployment: look again when the deadline passes.
  const cond = condition(status, 'Progressing');
  if (cond && cond.reason !== 'ProgressDeadlineExceeded' && cond.reason !== 'NewReplicaSetAvailable') {
    const after = parseTimestamp(cond.lastUpdateTime) + deadlineS * 1000 - ctx.nowMs;
    ctx.enqueueAfter(key, Math.max(0, after) + 1000);
  }
}

function oldPodsRunning(old: readonly RsJson[], ctx: Ctx): boolean {
  const pods = ctx.cache(PODS);
  for (const rs of old) {
    if ((rs.status?.replicas ?? 0) > 0) return true;
    for (const k of pods.byIndex(BY_CONTROLLER_UID, rs.metadata?.uid ?? '')) {
      const phase = podPhase(pods.get(k)!);
      if (phase !== 'Succeeded' && phase !== 'Failed') return true;
    }
  }
  return false;
}

/** `cleanupDeployment`: deletes the oldest zero-replica ReplicaSets beyond revisionHistoryLimit. */
function cleanup(d: DeploymentJson, old: readonly RsJson[]): Act[] {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const alive = old.filter((rs) => !rs.metadata?.deletionTimestamp);
  let diff = alive.length - limit;
  if (diff <= 0) return [];
  const byRevision = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  const actions: Act[] = [];
  for (const rs of byRevision) {
    if (diff <= 0) break;
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    diff--;
    actions.push({
      kind: 'write',
      request: { verb: 'delete', apiVersion: 'apps/v1', resource: 'replicasets', namespace: rs.metadata?.namespace ?? 'default', name: rs.metadata?.name ?? '' },
      tolerate: [404],
      traces: [{ action: 'replicaset-deleted', object: `replicaset/${objectKey(rs)}`, detail: `beyond revisionHistoryLimit ${limit} of deployment ${d.metadata?.name ?? ''}` }],
    });
  }
  return actions;
}

/**
 * `isScalingEvent`: an active ReplicaSet was last sized for another spec.replicas (its
 * desired-replicas annotation), so the Deployment was scaled, not (only) edited.
 */
function isScalingEvent(d: DeploymentJson, rsList: readonly RsJson[]): boolean {
  return rsList.some((rs) => {
    if (rsReplicas(rs) === 0) return false;
    const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return desired !== undefined && Number(desired) !== replicasOf(d);
  });
}

/** `IsSaturated`: the new ReplicaSet has all the replicas, sized for this spec, all available. */
function isSaturated(d: DeploymentJson, rs: RsJson | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  return rsReplicas(rs) === replicasOf(d) && desired !== undefined && Number(desired) === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

function scalable(rs: RsJson): ScalableReplicaSet {
  const max = Number(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION]);
  return { name: rs.metadata?.name ?? '', replicas: rsReplicas(rs), creationMs: creationMs(rs) ?? 0, ...(Number.isInteger(max) ? { maxReplicasAnnotation: max } : {}) };
}

/** `sync`: a paused Deployment or a scaling event only resizes, proportionally. Returns whether a size changed. */
function scaleProportionally(d: DeploymentJson, newRs: RsJson | undefined, old: readonly RsJson[], newRsAnnotations: Record<string, string>, actions: Act[]): boolean {
  const [maxSurge] = fenceposts(d);
  const target = { replicas: replicasOf(d), maxSurge, statusReplicas: d.status?.replicas ?? 0, rolling: isRolling(d) };
  const sizes = proportionalScale(target, newRs && scalable(newRs), old.map(scalable), isSaturated(d, newRs));
  let scaled = false;
  for (const rs of [...(newRs ? [newRs] : []), ...old]) {
    const size = sizes.get(rs.metadata?.name ?? '');
    if (size === undefined) continue;
    actions.push(...scaleReplicaSet(rs, size, d, rs === newRs ? newRsAnnotations : {}));
    if (size !== rsReplicas(rs)) scaled = true;
  }
  return scaled;
}

/**
 * `getNewReplicaSet` on AlreadyExists: the name `<deployment>-<hash>` is taken. If the cache shows
 * a ReplicaSet of that name that is not this Deployment's template (a hash collision, or a
 * user's ReplicaSet), status.collisionCount grows so the next hash differs. A name not yet in the
 * cache is most likely this Deployment's own creation seen late: the next sync decides.
 */
function collisionActions(d: DeploymentJson, wanted: RsJson, ctx: Ctx): Act[] {
  const existing = ctx.cache(REPLICA_SETS).get(objectKey(wanted)) as RsJson | undefined;
  if (!existing) return [];
  const ours = controllerRefOf(existing)?.uid === d.metadata?.uid && templateKey(existing.spec?.template) === templateKey(d.spec?.template);
  if (ours) return [];
  const collisionCount = (d.status?.collisionCount ?? 0) + 1;
  return [
    {
      kind: 'write',
      request: {
        verb: 'patch', apiVersion: 'apps/v1', resource: 'deployments', subresource: 'status', namespace: d.metadata?.namespace ?? 'default', name: d.metadata?.name ?? '', patchType: 'merge',
        body: { status: { collisionCount } } as unknown as KubeObject,
      },
      tolerate: [404],
      traces: [{ action: 'hash-collision', object: `deployment/${objectKey(d)}`, detail: `replicaset ${wanted.metadata?.name ?? ''} exists with another template; collisionCount ${collisionCount}` }],
    },
  ];
}

/** `syncDeployment(key)`. */
export function syncDeployment(key: string, ctx: Ctx): Act[] {
  const d = ctx.cache(DEPLOYMENTS).get(key) as DeploymentJson | undefined;
  if (!d) {
    ctx.state.paused.delete(key);
    return [];
  }
  const actions: Act[] = [];
  if (selectsEverything(d.spec?.selector)) {
    actions.push({ kind: 'event', object: d, objectKind: 'Deployment', type: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' });
    return actions;
  }
  const rsList = claimReplicaSets(d, ctx, actions);
  const wantKey = templateKey(d.spec?.template);
  const newRs = rsList.find((rs) => templateKey(rs.spec?.template) === wantKey);
  const old = rsList.filter((rs) => rs !== newRs);
  const conditions = cloneJson(d.status?.conditions ?? []);
  const pre: DeploymentStatus = { conditions };

  // checkPausedConditions
  const paused = !!d.spec?.paused;
  const cond = condition(pre, 'Progressing');
  if (paused && cond?.reason !== 'DeploymentPaused') setCondition(pre, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, ctx.nowMs);
  else if (!paused && cond?.reason === 'DeploymentPaused') setCondition(pre, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' }, ctx.nowMs);

  const desired = replicasOf(d);
  let scaled = false;
  let created: RsJson | undefined;
  const deleting = !!d.metadata?.deletionTimestamp;
  const maxOld = Math.max(0, ...old.map(revisionOf));
  const revision = maxOld + 1;
  const revisionAnnotation: Record<string, string> = newRs && revisionOf(newRs) < revision ? { [REVISION_ANNOTATION]: String(revision) } : {};
  if (!deleting && (paused || isScalingEvent(d, rsList))) {
    scaled = scaleProportionally(d, newRs, old, revisionAnnotation, actions);
  } else if (!deleting) {
    if (isRolling(d)) {
      const [surge] = fenceposts(d);
      if (!newRs) {
        const n = newReplicaSetReplicas(desired, surge, { name: '', replicas: 0, available: 0, creationMs: ctx.nowMs }, old.map(counts));
        created = newReplicaSetFor(d, n, revision);
      } else {
        const cur = rsReplicas(newRs);
        const target = cur > desired ? desired : cur < desired ? newReplicaSetReplicas(desired, surge, counts(newRs), rsList.map(counts)) : cur;
        const scale = scaleReplicaSet(newRs, target, d, revisionAnnotation);
        scaled = target !== cur;
        actions.push(...scale);
        if (!scaled) {
          const [, maxUnavailable] = fenceposts(d);
          const sizes = reconcileOldReplicaSets(desired, maxUnavailable, counts(newRs), old.map(counts));
          for (const rs of old) {
            const size = sizes.get(rs.metadata?.name ?? '');
            if (size !== undefined && size !== rsReplicas(rs)) {
              actions.push(...scaleReplicaSet(rs, size, d));
              scaled = true;
            }
          }
        }
      }
    } else {
      // Recreate: old ReplicaSets to 0, wait for their pods to go, then the new one.
      const active = old.filter((rs) => rsReplicas(rs) > 0);
      if (active.length > 0) {
        for (const rs of active) actions.push(...scaleReplicaSet(rs, 0, d));
        scaled = true;
      } else if (!oldPodsRunning(old, ctx)) {
        if (!newRs) created = newReplicaSetFor(d, desired, revision);
        else actions.push(...scaleReplicaSet(newRs, desired, d, revisionAnnotation));
      }
    }
    if (created) {
      const name = created.metadata?.name ?? '';
      const n = created.spec?.replicas ?? 0;
      setCondition(pre, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${name}"` }, ctx.nowMs);
      actions.push({
        kind: 'write',
        request: { verb: 'create', apiVersion: 'apps/v1', resource: 'replicasets', namespace: d.metadata?.namespace ?? 'default', body: created },
        tolerate: [409],
        traces: [{ action: 'replicaset-created', object: `replicaset/${d.metadata?.namespace ?? 'default'}/${name}`, detail: `revision ${revision} of deployment ${d.metadata?.name ?? ''}` }],
        onResult: (r, c) => {
          if (r.code === 409) return collisionActions(d, created!, c);
          return ok(r) && n > 0 ? [{ kind: 'event', object: d, objectKind: 'Deployment', type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${name} from 0 to ${n}` }] : [];
        },
      });
    } else if (newRs && !condition(pre, 'Progressing')) {
      setCondition(pre, { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${newRs.metadata?.name ?? ''}"` }, ctx.nowMs);
    }
  }

  const status = calculateStatus(d, rsList, newRs, pre.conditions ?? [], ctx.nowMs);
  if (!deleting) {
    // Upstream returns right after a scale (syncRolloutStatus only); cleanup waits for a quiet, complete sync.
    if (!scaled && !created && deploymentComplete(d, status)) actions.push(...cleanup(d, old));
    rolloutStatus(d, status, newRs, key, ctx);
  }
  // SetDeploymentRevision: the Deployment carries its new ReplicaSet's revision (written through /status, as upstream).
  const newRevision = created ? revision : newRs ? Math.max(revisionOf(newRs), Number(revisionAnnotation[REVISION_ANNOTATION] ?? 0)) : undefined;
  const annotations = { ...(d.metadata?.annotations ?? {}) };
  const revisionChanged = !deleting && newRevision !== undefined && annotations[REVISION_ANNOTATION] !== String(newRevision);
  if (revisionChanged) annotations[REVISION_ANNOTATION] = String(newRevision);
  if (revisionChanged || canonicalJson(status) !== canonicalJson(d.status ?? {})) {
    const metadata = revisionChanged ? { ...d.metadata, annotations } : d.metadata;
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'apps/v1', resource: 'deployments', subresource: 'status', namespace: d.metadata?.namespace ?? 'default', name: d.metadata?.name ?? '', body: { ...d, metadata, status } as KubeObject },
      tolerate: [404],
    });
  }
  ctx.state.paused[paused ? 'add' : 'delete'](key);
  return actions;
}
