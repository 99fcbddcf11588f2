import type { KubeObject } from '../../api/protocol.ts';
import { parseTimestamp, timestamp, VIRTUAL_EPOCH_UNIX_MS } from '../../api/time.ts';
import type { ApiResult } from '../../client/api-client.ts';
import { newControllerRef } from '../host/owners.ts';
import { BY_CONTROLLER_UID, CRON_JOBS, JOBS } from '../host/resources.ts';
import type { Action, ControllerContext, WriteAction } from '../host/types.ts';
import { creationMs } from '../host/workload.ts';
import { finishedCondition, type JobJson } from '../job/job.ts';
import { parseSchedule, type CronSchedule } from './schedule.ts';
import { cloneJson } from '../../api/clone-json.ts';

/** Code-unit string order (never locale-dependent). */
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go `syncCronJob`, utils.go):
 * reconcile `status.active` with the jobs it owns (finished ones leave it, `SawCompletedJob`;
 * vanished ones too, `MissingJob`), then — unless suspended — find the most recent schedule
 * time not yet run (`mostRecentScheduleTime`: from lastScheduleTime, or the creation time,
 * bounded by startingDeadlineSeconds; more than 100 missed → `TooManyMissedTimes`), skip it if
 * too late (`MissSchedule`), honour concurrencyPolicy (Forbid: `JobAlreadyActive`; Replace:
 * delete the active jobs), create `<cronjob>-<scheduled Unix minutes>` from the job template,
 * and record it in status.active and lastScheduleTime. Finished jobs beyond the history limits
 * (3 successful, 1 failed) are deleted oldest first. The controller wakes at the next schedule
 * time (+100 ms, upstream's nextScheduleDelta) through the host's deadline timer.
 */

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
export const NEXT_SCHEDULE_DELTA_MS = 100;
export const TOO_MANY_MISSED = 100;

export interface CronJobState {
  /** CronJob key → virtual ms to sync it again (the next schedule time). */
  readonly wakeAt: Map<string, number>;
  /** Uids of active jobs the apiserver said (GET 404) are gone: dropped from status.active next sync. */
  readonly missing: Set<string>;
}

export const newCronJobState = (): CronJobState => ({ wakeAt: new Map(), missing: new Set() });

type Ctx = ControllerContext<CronJobState>;
type Act = Action<CronJobState>;

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface CronJobJson extends KubeObject {
  spec?: {
    schedule?: string;
    startingDeadlineSeconds?: number | null;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

const ok = (r: ApiResult): boolean => r.code === 200 || r.code === 201;

/** Upstream's job name: `<cronjob>-<scheduled time in minutes since the Unix epoch>`. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor((VIRTUAL_EPOCH_UNIX_MS + scheduledMs) / 60_000)}`;
}

/**
 * `mostRecentScheduleTime`: the earliest time considered (lastScheduleTime, or creation,
 * moved up to now − startingDeadlineSeconds), the latest schedule time ≤ now after it (if any),
 * and upstream's estimate of how many were missed.
 */
export function mostRecentScheduleTime(
  cj: CronJobJson,
  schedule: CronSchedule,
  nowMs: number,
  includeStartingDeadline: boolean,
): { earliestMs: number; mostRecentMs: number | undefined; missed: number } | string {
  const last = cj.status?.lastScheduleTime;
  let earliestMs = last ? parseTimestamp(last) : (creationMs(cj) ?? 0);
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && sds !== undefined && sds !== null) {
    const deadline = nowMs - sds * 1000;
    if (deadline > earliestMs) earliestMs = deadline;
  }
  const t1 = schedule.next(earliestMs);
  if (t1 === undefined || t1 > nowMs) return { earliestMs, mostRecentMs: undefined, missed: 0 };
  const t2 = schedule.next(t1);
  if (t2 === undefined || t2 > nowMs) return { earliestMs, mostRecentMs: t1, missed: 1 };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return 'time difference between two schedules is less than 1 second';
  const missed = Math.floor(Math.floor((nowMs - t1) / 1000) / between) + 1;
  let mostRecentMs: number | undefined;
  // As upstream: jump close to now by the first interval, then let the schedule walk.
  let from = t1 + (missed - 2) * between * 1000;
  if (from < earliestMs) from = earliestMs;
  for (let t = schedule.next(from); t !== undefined && t <= nowMs; t = schedule.next(t)) mostRecentMs = t;
  if (mostRecentMs === undefined) mostRecentMs = t1;
  return { earliestMs, mostRecentMs, missed };
}

/** When to look again: the next schedule time after the most recent one (or after the earliest), + 100 ms. */
export function nextWakeMs(cj: CronJobJson, schedule: CronSchedule, nowMs: number): number | undefined {
  const r = mostRecentScheduleTime(cj, schedule, nowMs, false);
  if (typeof r === 'string') return undefined;
  const next = schedule.next(r.mostRecentMs ?? r.earliestMs);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS;
}

/** `getJobFromTemplate2`: the Job for one scheduled time. */
export function jobFromTemplate(cj: CronJobJson, scheduledMs: number): KubeObject {
  const t = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata?.name ?? '', scheduledMs),
      namespace: cj.metadata?.namespace ?? 'default',
      ...(t.metadata?.labels ? { labels: { ...t.metadata.labels } } : {}),
      annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: timestamp(scheduledMs) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: cloneJson(t.spec ?? {}),
  } as KubeObject;
}

const refOf = (job: KubeObject): ObjectReference => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: job.metadata?.name ?? '',
  namespace: job.metadata?.namespace ?? 'default',
  resourceVersion: job.metadata?.resourceVersion ?? '',
  uid: job.metadata?.uid ?? '',
});

const jobStartMs = (j: KubeObject): number | undefined => {
  const s = (j as JobJson).status?.startTime;
  return s ? parseTimestamp(s) : undefined;
};

/** `byJobStartTime`: oldest start first, jobs never started last, ties by name. */
export function byJobStartTime(a: KubeObject, b: KubeObject): number {
  const sa = jobStartMs(a);
  const sb = jobStartMs(b);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
  return cmpStr(a.metadata?.name ?? '', b.metadata?.name ?? '');
}

/** The finished jobs to delete beyond the history limits (oldest first). */
export function jobsBeyondHistory(cj: CronJobJson, jobs: readonly KubeObject[]): KubeObject[] {
  const successful: KubeObject[] = [];
  const failed: KubeObject[] = [];
  for (const j of jobs) {
    const c = finishedCondition(j as JobJson);
    if (!c || j.metadata?.deletionTimestamp) continue;
    (c.type === 'Complete' ? successful : failed).push(j);
  }
  const over = (list: KubeObject[], limit: number) => [...list].sort(byJobStartTime).slice(0, Math.max(0, list.length - limit));
  return [...over(successful, cj.spec?.successfulJobsHistoryLimit ?? 3), ...over(failed, cj.spec?.failedJobsHistoryLimit ?? 1)];
}

function deleteJob(cj: CronJobJson, job: { name: string; namespace: string }): Act {
  return {
    kind: 'write',
    request: { verb: 'delete', apiVersion: 'batch/v1', resource: 'jobs', namespace: job.namespace, name: job.name },
    tolerate: [404],
    onResult: (r) => (ok(r) ? [{ kind: 'event', object: cj, objectKind: 'CronJob', type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${job.name}` }] : []),
  };
}

function statusWrite(cj: CronJobJson, status: NonNullable<CronJobJson['status']>): WriteAction<CronJobState> {
  return {
    kind: 'write',
    request: { verb: 'update', apiVersion: 'batch/v1', resource: 'cronjobs', subresource: 'status', namespace: cj.metadata?.namespace ?? 'default', name: cj.metadata?.name ?? '', body: { ...cj, status } as KubeObject },
    tolerate: [404],
  };
}

function cleanStatus(s: NonNullable<CronJobJson['status']>): NonNullable<CronJobJson['status']> {
  return {
    ...(s.active && s.active.length > 0 ? { active: s.active } : {}),
    ...(s.lastScheduleTime ? { lastScheduleTime: s.lastScheduleTime } : {}),
    ...(s.lastSuccessfulTime ? { lastSuccessfulTime: s.lastSuccessfulTime } : {}),
  };
}

/** `sync(key)`: reconcile, maybe start one job, clean up history, schedule the wake-up. */
export function syncCronJob(key: string, ctx: Ctx): Act[] {
  const cj = ctx.cache(CRON_JOBS).get(key) as CronJobJson | undefined;
  ctx.state.wakeAt.delete(key);
  if (!cj) return [];
  const ns = cj.metadata?.namespace ?? 'default';
  const jobsCache = ctx.cache(JOBS);
  const owned = jobsCache.byIndex(BY_CONTROLLER_UID, cj.metadata?.uid ?? '').map((k) => jobsCache.get(k)!).filter((j) => j.metadata?.namespace === ns);
  const actions: Act[] = [];
  const event = (type: 'Normal' | 'Warning', reason: string, message: string): Act => ({ kind: 'event', object: cj, objectKind: 'CronJob', type, reason, message });

  // 1. Reconcile status.active with the owned jobs.
  const before = cleanStatus(cj.status ?? {});
  let active = [...(cj.status?.active ?? [])];
  let lastSuccessfulTime = cj.status?.lastSuccessfulTime;
  const lastScheduleMs = cj.status?.lastScheduleTime ? parseTimestamp(cj.status.lastScheduleTime) : undefined;
  for (const j of [...owned].sort((a, b) => cmpStr(a.metadata?.name ?? '', b.metadata?.name ?? ''))) {
    const inList = active.some((r) => (r.uid ?? '') === (j.metadata?.uid ?? ''));
    const finished = finishedCondition(j as JobJson);
    if (!inList && !finished) {
      // A job of ours not in the list (its status write was lost): take it back if it is newer.
      const sched = j.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION];
      const schedMs = sched ? parseTimestamp(sched) : Number.NaN;
      if (lastScheduleMs === undefined || (!Number.isNaN(schedMs) && schedMs > lastScheduleMs)) active.push(refOf(j));
    } else if (inList && finished) {
      active = active.filter((r) => (r.uid ?? '') !== (j.metadata?.uid ?? ''));
      actions.push(event('Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${finished.type}`));
      if (finished.type === 'Complete') {
        const done = (j as JobJson).status?.completionTime;
        if (done && (!lastSuccessfulTime || parseTimestamp(done) > parseTimestamp(lastSuccessfulTime))) lastSuccessfulTime = done;
      }
    }
  }
  for (const r of [...active]) {
    const j = jobsCache.get(`${ns}/${r.name}`);
    if (j && (j.metadata?.uid ?? '') === (r.uid ?? '')) continue;
    if (ctx.state.missing.delete(r.uid ?? '')) {
      active = active.filter((x) => x.uid !== r.uid);
      actions.push(event('Normal', 'MissingJob', `Active job went missing: ${r.name}`));
      continue;
    }
    // Not in the cache: ask the apiserver (a slow watch must not make a job look missing).
    actions.push({
      kind: 'write',
      request: { verb: 'get', apiVersion: 'batch/v1', resource: 'jobs', namespace: ns, name: r.name ?? '' },
      tolerate: [404],
      onResult: (res, c) => {
        if (res.code === 404) {
          c.state.missing.add(r.uid ?? '');
          c.enqueue(key);
        }
      },
    });
  }
  const status = (): NonNullable<CronJobJson['status']> => cleanStatus({ active, lastScheduleTime: cj.status?.lastScheduleTime, lastSuccessfulTime });

  // 2. History limits.
  const cleanup = jobsBeyondHistory(cj, owned).map((j) => deleteJob(cj, { name: j.metadata?.name ?? '', namespace: ns }));

  const finish = (): Act[] => [...actions, ...cleanup, ...(JSON.stringify(status()) !== JSON.stringify(before) ? [statusWrite(cj, status())] : [])];

  if (cj.metadata?.deletionTimestamp) return finish();

  // 3. The schedule.
  const schedule = parseSchedule(cj.spec?.schedule ?? '');
  if (typeof schedule === 'string') {
    actions.push(event('Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule ?? '')} : ${schedule}`));
    return finish();
  }
  if (cj.spec?.suspend) return finish();
  const wake = () => {
    const at = nextWakeMs(cj, schedule, ctx.nowMs);
    if (at !== undefined) ctx.state.wakeAt.set(key, at);
  };
  const recent = mostRecentScheduleTime(cj, schedule, ctx.nowMs, true);
  if (typeof recent === 'string') {
    actions.push(event('Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${recent}`));
    return finish();
  }
  if (recent.missed > TOO_MANY_MISSED) {
    actions.push(event('Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
  }
  const scheduledMs = recent.mostRecentMs;
  if (scheduledMs === undefined) {
    wake();
    return finish();
  }
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null && scheduledMs + sds * 1000 < ctx.nowMs) {
    actions.push(event('Warning', 'MissSchedule', `Missed scheduled time to start a job: ${timestamp(scheduledMs)}`));
    wake();
    return finish();
  }
  const name = jobNameFor(cj.metadata?.name ?? '', scheduledMs);
  if (active.some((r) => r.name === name) || lastScheduleMs === scheduledMs) {
    wake();
    return finish();
  }
  const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    actions.push(event('Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid'));
    wake();
    return finish();
  }
  if (policy === 'Replace') {
    for (const r of [...active].sort((a, b) => cmpStr(a.name ?? '', b.name ?? ''))) {
      const j = jobsCache.get(`${ns}/${r.name}`);
      if (j && finishedCondition(j as JobJson)) continue;
      actions.push(deleteJob(cj, { name: r.name ?? '', namespace: ns }));
      active = active.filter((x) => x.uid !== r.uid);
    }
  }
  // 4. Create the job; its answer writes the status.
  const scheduledStamp = timestamp(scheduledMs);
  actions.push({
    kind: 'write',
    request: { verb: 'create', apiVersion: 'batch/v1', resource: 'jobs', namespace: ns, body: jobFromTemplate(cj, scheduledMs) },
    tolerate: [409],
    traces: [{ action: 'job-created', object: `cronjob/${key}`, detail: `${name} for ${scheduledStamp}` }],
    onResult: (r): Act[] => {
      if (!ok(r)) {
        if (r.code === 409) return [];
        return [event('Warning', 'FailedCreate', `Error creating job: ${(r.body as { message?: string }).message ?? `code ${r.code}`}`)];
      }
      const created = r.body as KubeObject;
      active = [...active, refOf(created)];
      return [event('Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? name}`), statusWrite(cj, cleanStatus({ active, lastScheduleTime: scheduledStamp, lastSuccessfulTime }))];
    },
  });
  const next = schedule.next(scheduledMs);
  if (next !== undefined) ctx.state.wakeAt.set(key, Math.max(next, ctx.nowMs) + NEXT_SCHEDULE_DELTA_MS);
  return [...actions, ...cleanup];
}

/** The earliest wake-up, for the host's deadline timer. */
export function nextCronWake(state: CronJobState): number | undefined {
  let min: number | undefined;
  for (const v of state.wakeAt.values()) if (min === undefined || v < min) min = v;
  return min;
}

/** Queues every CronJob whose wake-up is due, in key order. */
export function wakeDue(ctx: Ctx): Act[] {
  const due = [...ctx.state.wakeAt].filter(([, at]) => at <= ctx.nowMs).map(([k]) => k).sort();
  for (const k of due) {
    ctx.state.wakeAt.delete(k);
    ctx.enqueue(k);
  }
  return [];
}
