import type { KubeObject } from '../../api/protocol.ts';
import { parseTimestamp, timestamp } from '../../api/time.ts';
import { objectKey } from '../../client/informer.ts';
import { Expectations } from '../host/expectations.ts';
import { controllerRefOf, newControllerRef } from '../host/owners.ts';
import { BY_CONTROLLER_UID, JOBS, PODS } from '../host/resources.ts';
import type { Action, ControllerContext } from '../host/types.ts';
import { creationMs, isPodActive, isPodReady, podNodeNameOf, podPhase, podRestarts, deletePodAction, errorMessage, ok } from '../host/workload.ts';
import { BURST_REPLICAS, slowStartBatches } from '../replicaset/slow-start.ts';
import { remainingBackoffMs, type FinishedPod } from './backoff.ts';
import { matchPodFailurePolicy, type PodFailurePolicy } from './pod-failure-policy.ts';
import { cloneJson } from '../../api/clone-json.ts';

/** Code-unit string order (never locale-dependent). */
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The Job controller's sync (pkg/controller/job/job_controller.go `syncJob` / `manageJob`):
 * count the job's pods (active, succeeded, failed), fail the job past its backoffLimit or its
 * activeDeadlineSeconds (deleting the active pods), complete it once enough pods succeeded, and
 * otherwise create or delete pods toward the wanted parallelism — new pods wait the pod-failure
 * backoff after a failure. Status: active/ready/succeeded/failed, startTime, completionTime,
 * conditions `Complete` / `Failed`, completedIndexes (Indexed mode).
 *
 * Simplifications (named): succeeded/failed are counted from the pods present (the pre-1.26
 * behaviour without the `batch.kubernetes.io/job-tracking` finalizer); podFailurePolicy's FailIndex
 * counts like Count (no backoffLimitPerIndex); no successPolicy or podReplacementPolicy; orphans are not adopted
 * (the apiserver-generated selector names the job's uid, so only its own pods match anyway);
 * the `Failed` condition is set directly (no `FailureTarget` step).
 */

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const DEFAULT_BACKOFF_LIMIT = 6;

export interface JobState {
  readonly expectations: Expectations;
}

export const newJobState = (): JobState => ({ expectations: new Expectations() });

type Ctx = ControllerContext<JobState>;
type Act = Action<JobState>;

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  conditions?: JobCondition[];
}

export interface JobJson extends KubeObject {
  spec?: {
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    completionMode?: 'NonIndexed' | 'Indexed';
    suspend?: boolean;
    podFailurePolicy?: PodFailurePolicy;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { restartPolicy?: string; containers?: ({ env?: unknown[] } & Record<string, unknown>)[]; initContainers?: ({ env?: unknown[] } & Record<string, unknown>)[] } & Record<string, unknown> };
  };
  status?: JobStatus;
}


/** The `Complete` or `Failed` condition with status True, if the job finished (`IsJobFinished`). */
export function finishedCondition(job: JobJson): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** API defaulting: parallelism 1; completions 1 when neither is set; backoffLimit 6. */
export function jobSpecDefaults(job: JobJson): { parallelism: number; completions: number | null; backoffLimit: number; indexed: boolean } {
  const s = job.spec ?? {};
  const parallelism = s.parallelism ?? 1;
  const completions = s.completions ?? (s.parallelism === undefined ? 1 : null);
  return { parallelism, completions, backoffLimit: s.backoffLimit ?? DEFAULT_BACKOFF_LIMIT, indexed: s.completionMode === 'Indexed' && completions !== null };
}

/** The pod the job creates (`GetPodFromTemplate` + the job labels; `addCompletionIndexEnvVariables`). */
export function podFromJobTemplate(job: JobJson, index?: number): KubeObject {
  const t = job.spec?.template ?? {};
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}), [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
  const annotations: Record<string, string> = { ...(t.metadata?.annotations ?? {}) };
  const spec = cloneJson(t.spec ?? {}) as NonNullable<NonNullable<JobJson['spec']>['template']>['spec'] & Record<string, unknown>;
  if (index !== undefined) {
    annotations[COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[COMPLETION_INDEX_ANNOTATION] = String(index);
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } }];
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index !== undefined ? `${name}-${index}-` : `${name}-`,
      namespace: job.metadata?.namespace ?? 'default',
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec,
  } as KubeObject;
}

/** The completion index of a job pod (annotation), or undefined. */
export function podCompletionIndex(pod: KubeObject, completions: number): number | undefined {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const i = Number(v);
  return i < completions ? i : undefined;
}

/** "1,3-5,7": the sorted indexes as upstream's completedIndexes. */
export function formatIndexes(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

interface PodLike {
  status?: { containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[]; conditions?: { type: string; lastTransitionTime?: string }[] };
}

/** When a terminal pod finished (`getFinishedTime`): its last container's finishedAt, else Ready's transition, else its creation. */
export function podFinishedMs(pod: KubeObject): number {
  let best = Number.NaN;
  for (const c of (pod as PodLike).status?.containerStatuses ?? []) {
    const f = c.state?.terminated?.finishedAt;
    const ms = f ? parseTimestamp(f) : Number.NaN;
    if (!Number.isNaN(ms) && (Number.isNaN(best) || ms > best)) best = ms;
  }
  if (!Number.isNaN(best)) return best;
  const ready = (pod as PodLike).status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  const r = ready ? parseTimestamp(ready) : Number.NaN;
  if (!Number.isNaN(r)) return r;
  return creationMs(pod) ?? 0;
}

/** The order active pods are deleted in (controller.ActivePods): unassigned, pending, not ready, then newer first. */
export function rankActiveForDeletion(pods: readonly KubeObject[]): KubeObject[] {
  const rank = (p: KubeObject): number[] => [podNodeNameOf(p) ? 1 : 0, podPhase(p) === 'Pending' ? 0 : 1, isPodReady(p) ? 1 : 0, -(creationMs(p) ?? 0)];
  return [...pods].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return cmpStr(a.metadata?.name ?? '', b.metadata?.name ?? '');
  });
}

/** What the job's pods say (pure): counts and, for Indexed jobs, the succeeded and active indexes. */
export interface PodCounts {
  active: KubeObject[];
  ready: number;
  succeeded: number;
  failed: number;
  /** Sum of restarts of active pods (restartPolicy OnFailure counts them toward backoffLimit). */
  activeRestarts: number;
  finished: FinishedPod[];
  /** The first failed pod a FailJob rule of the podFailurePolicy matched: the Failed condition's message. */
  failJobMessage?: string;
  succeededIndexes: number[];
  activeIndexes: number[];
}

export function countPods(job: JobJson, pods: readonly KubeObject[]): PodCounts {
  const { completions, indexed } = jobSpecDefaults(job);
  const out: PodCounts = { active: [], ready: 0, succeeded: 0, failed: 0, activeRestarts: 0, finished: [], succeededIndexes: [], activeIndexes: [] };
  const succeededIdx = new Set<number>();
  for (const p of pods) {
    const phase = podPhase(p);
    const idx = indexed ? podCompletionIndex(p, completions ?? 0) : undefined;
    if (phase === 'Succeeded') {
      out.succeeded++;
      out.finished.push({ finishedMs: podFinishedMs(p), succeeded: true });
      if (idx !== undefined) succeededIdx.add(idx);
    } else if (phase === 'Failed') {
      const match = matchPodFailurePolicy(job.spec?.podFailurePolicy, p);
      if (match?.action === 'Ignore') continue;
      if (match?.action === 'FailJob' && out.failJobMessage === undefined) out.failJobMessage = match.message;
      out.failed++;
      out.finished.push({ finishedMs: podFinishedMs(p), succeeded: false });
    } else if (isPodActive(p)) {
      out.active.push(p);
      if (isPodReady(p)) out.ready++;
      out.activeRestarts += podRestarts(p);
      if (idx !== undefined) out.activeIndexes.push(idx);
    }
  }
  out.succeededIndexes = [...succeededIdx].sort((a, b) => a - b);
  if (indexed) out.succeeded = out.succeededIndexes.length;
  return out;
}

/** How many pods should run now (`manageJob`'s wantActive). */
export function wantActive(job: JobJson, counts: Pick<PodCounts, 'active' | 'succeeded'>): number {
  const { parallelism, completions } = jobSpecDefaults(job);
  if (completions === null) return counts.succeeded > 0 ? counts.active.length : parallelism;
  return Math.max(0, Math.min(parallelism, completions - counts.succeeded));
}

/** Whether the job is done (`succeeded ≥ completions`, or any success once nothing runs for a work queue). */
export function isComplete(job: JobJson, counts: Pick<PodCounts, 'active' | 'succeeded'>): boolean {
  const { completions } = jobSpecDefaults(job);
  if (completions === null) return counts.succeeded > 0 && counts.active.length === 0;
  return counts.succeeded >= completions;
}

/**
 * The failure, if any, in upstream's order: a FailJob rule of the podFailurePolicy, then
 * BackoffLimitExceeded, then DeadlineExceeded (`pastBackoffLimit`, `pastActiveDeadline`; the
 * deadline does not run while the job is suspended or before it first started: `startMs` undefined).
 */
export function jobFailure(job: JobJson, counts: PodCounts, startMs: number | undefined, nowMs: number): { reason: string; message: string } | undefined {
  if (counts.failJobMessage !== undefined) return { reason: 'PodFailurePolicy', message: counts.failJobMessage };
  const { backoffLimit } = jobSpecDefaults(job);
  const onFailure = job.spec?.template?.spec?.restartPolicy === 'OnFailure';
  const pastOnFailure = onFailure && (backoffLimit === 0 ? counts.activeRestarts > 0 : counts.activeRestarts >= backoffLimit);
  if (counts.failed > backoffLimit || pastOnFailure) {
    return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  }
  const ads = job.spec?.activeDeadlineSeconds;
  if (ads !== undefined && startMs !== undefined && job.spec?.suspend !== true && nowMs - startMs >= ads * 1000) return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
  return undefined;
}

function condition(type: string, reason: string, message: string, nowMs: number): JobCondition {
  const t = timestamp(nowMs);
  return { type, status: 'True', reason, message, lastProbeTime: t, lastTransitionTime: t };
}

function deletePod(job: JobJson, jobKey: string, pod: KubeObject): Act {
  return deletePodAction(job, 'Job', jobKey, pod);
}

/** Creates in slow-start batches (each batch after the previous fully succeeded). */
function createBatches(job: JobJson, jobKey: string, indexes: readonly (number | undefined)[], batches: readonly number[], at: number, sent: number): Act[] {
  if (at >= batches.length) return [];
  const size = batches[at]!;
  const batch = { left: size, failed: false };
  const out: Act[] = [];
  for (let i = 0; i < size; i++) {
    const index = indexes[sent + i];
    out.push({
      kind: 'write',
      request: { verb: 'create', apiVersion: 'v1', resource: 'pods', namespace: job.metadata?.namespace ?? 'default', body: podFromJobTemplate(job, index) },
      onResult: (r, c) => {
        const acts: Act[] = [];
        if (ok(r)) acts.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${(r.body as KubeObject).metadata?.name ?? ''}` });
        else {
          batch.failed = true;
          c.state.expectations.creationObserved(jobKey);
          acts.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${errorMessage(r)}` });
        }
        if (--batch.left > 0) return acts;
        if (batch.failed) {
          for (let k = sent + size; k < indexes.length; k++) c.state.expectations.creationObserved(jobKey);
          return acts;
        }
        return [...acts, ...createBatches(job, jobKey, indexes, batches, at + 1, sent + size)];
      },
    });
  }
  return out;
}

/** The pods this job controls (by controller uid). */
export function jobPods(job: JobJson, ctx: Ctx): KubeObject[] {
  const pods = ctx.cache(PODS);
  return pods.byIndex(BY_CONTROLLER_UID, job.metadata?.uid ?? '').map((k) => pods.get(k)!).filter((p) => p.metadata?.namespace === job.metadata?.namespace);
}

function statusEqual(a: JobStatus | undefined, b: JobStatus): boolean {
  if (!a) return false;
  const conds = (s: JobStatus) => JSON.stringify((s.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '']));
  return (
    (a.active ?? 0) === (b.active ?? 0) &&
    (a.ready ?? 0) === (b.ready ?? 0) &&
    (a.succeeded ?? 0) === (b.succeeded ?? 0) &&
    (a.failed ?? 0) === (b.failed ?? 0) &&
    a.startTime === b.startTime &&
    a.completionTime === b.completionTime &&
    a.completedIndexes === b.completedIndexes &&
    conds(a) === conds(b)
  );
}

/** `syncJob(key)`. */
export function syncJob(key: string, ctx: Ctx): Act[] {
  const job = ctx.cache(JOBS).get(key) as JobJson | undefined;
  if (!job) {
    ctx.state.expectations.delete(key);
    return [];
  }
  if (finishedCondition(job) || job.metadata?.deletionTimestamp) return [];
  const { completions, indexed } = jobSpecDefaults(job);
  const counts = countPods(job, jobPods(job, ctx));
  const actions: Act[] = [];
  const suspended = job.spec?.suspend === true;
  const conditions = [...(job.status?.conditions ?? [])];
  // A job created suspended has no startTime until it is resumed; resuming resets it, so
  // activeDeadlineSeconds counts only the time the job was allowed to run.
  let startTime = job.status?.startTime ?? (suspended ? undefined : timestamp(ctx.nowMs));
  const suspendedCondition = conditions.findIndex((c) => c.type === 'Suspended');
  if (suspended && conditions[suspendedCondition]?.status !== 'True') {
    const c = condition('Suspended', 'JobSuspended', 'Job suspended', ctx.nowMs);
    if (suspendedCondition >= 0) conditions[suspendedCondition] = c;
    else conditions.push(c);
    actions.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
  } else if (!suspended && conditions[suspendedCondition]?.status === 'True') {
    conditions[suspendedCondition] = { ...condition('Suspended', 'JobResumed', 'Job resumed', ctx.nowMs), status: 'False' };
    actions.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    startTime = timestamp(ctx.nowMs);
  }
  const startMs = startTime === undefined ? undefined : parseTimestamp(startTime);
  let completionTime: string | undefined;
  let active = counts.active.length;

  const failure = jobFailure(job, counts, startMs, ctx.nowMs);
  if (failure) {
    // Delete every active pod; they count as failed (`deleteActivePods`).
    ctx.state.expectations.expectDeletions(key, counts.active.map(objectKey), ctx.nowMs);
    for (const p of counts.active) actions.push(deletePod(job, key, p));
    conditions.push(condition('Failed', failure.reason, failure.message, ctx.nowMs));
    actions.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Warning', reason: failure.reason, message: failure.message });
    counts.failed += active;
    active = 0;
  } else if (isComplete(job, counts)) {
    ctx.state.expectations.expectDeletions(key, counts.active.map(objectKey), ctx.nowMs);
    for (const p of counts.active) actions.push(deletePod(job, key, p));
    active = 0;
    completionTime = timestamp(ctx.nowMs);
    const t = timestamp(ctx.nowMs);
    conditions.push({ type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t });
    actions.push({ kind: 'event', object: job, objectKind: 'Job', type: 'Normal', reason: 'Completed', message: 'Job completed' });
  } else if (ctx.state.expectations.satisfied(key, ctx.nowMs)) {
    const want = suspended ? 0 : wantActive(job, counts);
    const diff = active - want;
    if (diff > 0) {
      const victims = rankActiveForDeletion(counts.active).slice(0, Math.min(diff, BURST_REPLICAS));
      ctx.state.expectations.expectDeletions(key, victims.map(objectKey), ctx.nowMs);
      for (const p of victims) actions.push(deletePod(job, key, p));
      active -= victims.length;
    } else if (diff < 0) {
      const remaining = remainingBackoffMs(counts.finished, ctx.nowMs);
      if (remaining > 0) ctx.enqueueAfter(key, remaining);
      else {
        let indexes: (number | undefined)[];
        if (indexed) {
          const taken = new Set([...counts.succeededIndexes, ...counts.activeIndexes]);
          indexes = [];
          for (let i = 0; i < (completions ?? 0) && indexes.length < -diff; i++) if (!taken.has(i)) indexes.push(i);
        } else indexes = Array.from({ length: -diff }, () => undefined);
        indexes = indexes.slice(0, BURST_REPLICAS);
        if (indexes.length > 0) {
          ctx.state.expectations.expectCreations(key, indexes.length, ctx.nowMs);
          actions.push(...createBatches(job, key, indexes, slowStartBatches(indexes.length), 0, 0));
          active += indexes.length;
        }
      }
    }
    // Wake at the deadline.
    const ads = job.spec?.activeDeadlineSeconds;
    if (ads !== undefined && startMs !== undefined && !suspended) ctx.enqueueAfter(key, Math.max(0, startMs + ads * 1000 - ctx.nowMs));
  }

  const status: JobStatus = {
    ...(conditions.length > 0 ? { conditions } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
    active,
    ready: counts.ready,
    succeeded: counts.succeeded,
    failed: counts.failed,
    ...(indexed ? { completedIndexes: formatIndexes(counts.succeededIndexes) } : {}),
  };
  if (!statusEqual(job.status, status)) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'batch/v1', resource: 'jobs', subresource: 'status', namespace: job.metadata?.namespace ?? 'default', name: job.metadata?.name ?? '', body: { ...job, status } as KubeObject },
      tolerate: [404, 409],
    });
  }
  return actions;
}

/** The job controlling `pod` (by controller reference and uid). */
export function controllingJob(pod: KubeObject, ctx: Ctx): string | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'Job') return undefined;
  const key = `${pod.metadata?.namespace ?? 'default'}/${ref.name}`;
  const job = ctx.cache(JOBS).get(key);
  return job && job.metadata?.uid === ref.uid ? key : undefined;
}
