/** The CronJob controller: cron next-fire times on the virtual clock and the sync on hand-built caches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { jobNameFor, jobsBeyondHistory, mostRecentScheduleTime, newCronJobState, nextCronWake, syncCronJob, wakeDue, type CronJobJson, type CronJobState } from '../../actors/controllers/cronjob/cronjob.ts';
import { parseSchedule, type CronSchedule } from '../../actors/controllers/cronjob/schedule.ts';
import { CRON_JOBS, JOBS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const sched = (e: string): CronSchedule => {
  const s = parseSchedule(e);
  if (typeof s === 'string') throw new Error(s);
  return s;
};
const fires = (e: string, fromMs: number, n: number): string[] => {
  const s = sched(e);
  const out: string[] = [];
  for (let t = fromMs, i = 0; i < n; i++) {
    t = s.next(t)!;
    out.push(timestamp(t));
  }
  return out;
};

function cronJob(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): CronJobJson {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: timestamp(0), resourceVersion: '5' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
    ...(status ? { status } : {}),
  } as unknown as CronJobJson;
}

const cjOwner = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true };

function job(name: string, opts: { finished?: 'Complete' | 'Failed'; startMs?: number; doneMs?: number } = {}): KubeObject {
  const conds = opts.finished ? [{ type: opts.finished, status: 'True', lastTransitionTime: timestamp(opts.doneMs ?? 0) }] : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '9', ownerReferences: [cjOwner] },
    spec: {},
    status: { startTime: timestamp(opts.startMs ?? 0), ...(opts.finished === 'Complete' ? { completionTime: timestamp(opts.doneMs ?? 0) } : {}), conditions: conds },
  } as KubeObject;
}
const ref = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: 'default', resourceVersion: '9', uid: `uid-${name}` });

type A = Action<CronJobState>;
const writes = (a: readonly A[]) => a.filter((x): x is WriteAction<CronJobState> => x.kind === 'write');
const events = (a: readonly A[]) => a.flatMap((x) => (x.kind === 'event' ? [`${x.reason}: ${x.message}`] : []));
const created = (w: WriteAction<CronJobState>): ApiResult => ({ tag: 't', reqId: 1, code: 201, body: { ...w.request.body!, metadata: { ...w.request.body!.metadata, uid: 'new-uid', resourceVersion: '11' } } }) as ApiResult;

describe('cron schedules on the virtual clock (UTC, 2025-01-01 is a Wednesday)', () => {
  it('*/5 * * * *', T, () => {
    assert.deepEqual(fires('*/5 * * * *', 2 * MIN + 3000, 3), ['2025-01-01T00:05:00Z', '2025-01-01T00:10:00Z', '2025-01-01T00:15:00Z']);
    // Strictly after: at 00:05:00 the next is 00:10.
    assert.deepEqual(fires('*/5 * * * *', 5 * MIN, 1), ['2025-01-01T00:10:00Z']);
  });
  it('0 3 * * 1 (Mondays at 03:00)', T, () => {
    assert.deepEqual(fires('0 3 * * 1', 0, 2), ['2025-01-06T03:00:00Z', '2025-01-13T03:00:00Z']);
  });
  it('@hourly, @daily', T, () => {
    assert.deepEqual(fires('@hourly', 30 * MIN, 2), ['2025-01-01T01:00:00Z', '2025-01-01T02:00:00Z']);
    assert.deepEqual(fires('@daily', 1, 1), ['2025-01-02T00:00:00Z']);
  });
  it('refuses what robfig ParseStandard refuses', T, () => {
    for (const bad of ['* * * * * *', 'hello', '@every 5m', '61 * * * *', 'TZ=UTC * * * * *']) assert.equal(typeof parseSchedule(bad), 'string', bad);
  });
  it('names jobs by the scheduled Unix minute', T, () => {
    // 2025-01-01T00:05:00Z = 1735689900 s = 28928165 min.
    assert.equal(jobNameFor('hello', 5 * MIN), 'hello-28928165');
  });
});

describe('mostRecentScheduleTime', () => {
  it('nothing due, one due, several missed', T, () => {
    const s = sched('*/5 * * * *');
    assert.deepEqual(mostRecentScheduleTime(cronJob(), s, 4 * MIN, true), { earliestMs: 0, mostRecentMs: undefined, missed: 0 });
    assert.deepEqual(mostRecentScheduleTime(cronJob(), s, 6 * MIN, true), { earliestMs: 0, mostRecentMs: 5 * MIN, missed: 1 });
    // From creation at 0 to 00:23: 05, 10, 15, 20 missed; the most recent is 00:20.
    assert.deepEqual(mostRecentScheduleTime(cronJob(), s, 23 * MIN, true), { earliestMs: 0, mostRecentMs: 20 * MIN, missed: 4 });
    // startingDeadlineSeconds 300 moves the earliest to now − 5 min.
    const r = mostRecentScheduleTime(cronJob({ startingDeadlineSeconds: 300 }), s, 23 * MIN, true);
    assert.deepEqual(r, { earliestMs: 18 * MIN, mostRecentMs: 20 * MIN, missed: 1 });
  });
  it('more than 100 missed: TooManyMissedTimes, and it still runs the most recent', T, () => {
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cronJob({ schedule: '* * * * *' })]], [JOBS, []]], 2 * HOUR + 30_000);
    const acts = syncCronJob('default/hello', ctx);
    assert.ok(events(acts).includes('TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
    assert.equal(writes(acts).find((w) => w.request.verb === 'create')!.request.body!.metadata?.name, jobNameFor('hello', 2 * HOUR));
  });
});

describe('cronjob sync', () => {
  it('creates the job of the most recent schedule time; the answer writes active and lastScheduleTime; wakes at the next', T, () => {
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cronJob()]], [JOBS, []]], 5 * MIN + 100);
    const acts = syncCronJob('default/hello', ctx);
    const create = writes(acts).find((w) => w.request.verb === 'create')!;
    const body = create.request.body!;
    assert.equal(body.metadata?.name, 'hello-28928165');
    assert.deepEqual(body.metadata?.labels, { app: 'hello' });
    assert.equal(body.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2025-01-01T00:05:00Z');
    assert.deepEqual(body.metadata?.ownerReferences, [cjOwner]);
    const after = create.onResult!(created(create), ctx) ?? [];
    assert.deepEqual(events(after), ['SuccessfulCreate: Created job hello-28928165']);
    const st = (writes(after)[0]!.request.body as CronJobJson).status!;
    assert.equal(st.lastScheduleTime, '2025-01-01T00:05:00Z');
    assert.deepEqual(st.active!.map((r) => r.name), ['hello-28928165']);
    assert.equal(nextCronWake(ctx.state), 10 * MIN + 100);
    // The deadline run queues it when due.
    const later = { ...ctx, nowMs: 10 * MIN + 100 };
    wakeDue(later);
    assert.deepEqual(ctx.queued, ['default/hello']);
  });
  it('before the first schedule time: nothing, wake at it', T, () => {
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cronJob()]], [JOBS, []]], 2 * MIN);
    assert.deepEqual(writes(syncCronJob('default/hello', ctx)), []);
    assert.equal(nextCronWake(ctx.state), 5 * MIN + 100);
  });
  it('Forbid: a running job blocks the next', T, () => {
    const name = jobNameFor('hello', 5 * MIN);
    const cj = cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref(name)], lastScheduleTime: timestamp(5 * MIN) });
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, [job(name)]]], 10 * MIN + 100);
    const acts = syncCronJob('default/hello', ctx);
    assert.deepEqual(events(acts), ['JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid']);
    assert.equal(writes(acts).length, 0);
    assert.equal(nextCronWake(ctx.state), 15 * MIN + 100);
  });
  it('Allow: the next starts beside the running one', T, () => {
    const name = jobNameFor('hello', 5 * MIN);
    const cj = cronJob({}, { active: [ref(name)], lastScheduleTime: timestamp(5 * MIN) });
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, [job(name)]]], 10 * MIN + 100);
    const create = writes(syncCronJob('default/hello', ctx)).find((w) => w.request.verb === 'create')!;
    const st = (writes(create.onResult!(created(create), ctx) ?? [])[0]!.request.body as CronJobJson).status!;
    assert.deepEqual(st.active!.map((r) => r.name), [name, jobNameFor('hello', 10 * MIN)]);
  });
  it('Replace: deletes the running job, then creates the new one', T, () => {
    const name = jobNameFor('hello', 5 * MIN);
    const cj = cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref(name)], lastScheduleTime: timestamp(5 * MIN) });
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, [job(name)]]], 10 * MIN + 100);
    const acts = syncCronJob('default/hello', ctx);
    assert.deepEqual(writes(acts).map((w) => `${w.request.verb} ${w.request.name ?? w.request.body?.metadata?.name}`), [`delete ${name}`, `create ${jobNameFor('hello', 10 * MIN)}`]);
    const create = writes(acts)[1]!;
    const st = (writes(create.onResult!(created(create), ctx) ?? [])[0]!.request.body as CronJobJson).status!;
    assert.deepEqual(st.active!.map((r) => r.name), [jobNameFor('hello', 10 * MIN)]);
  });
  it('startingDeadlineSeconds: a time missed by more is skipped, not started late', T, () => {
    const cj = cronJob({ startingDeadlineSeconds: 10, schedule: '0 * * * *' }, { lastScheduleTime: timestamp(0) });
    // 01:00 was due; at 01:00:30 it is 20 s past its deadline: the window (00:59:50 earliest → 01:00:20) holds none.
    const late = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, []]], HOUR + 30_000);
    assert.deepEqual(writes(syncCronJob('default/hello', late)), []);
    assert.equal(nextCronWake(late.state), 2 * HOUR + 100);
    // Within the deadline it starts.
    const inTime = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, []]], HOUR + 5_000);
    assert.equal(writes(syncCronJob('default/hello', inTime)).find((w) => w.request.verb === 'create')!.request.body!.metadata?.name, jobNameFor('hello', HOUR));
  });
  it('suspend: nothing starts', T, () => {
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cronJob({ suspend: true })]], [JOBS, []]], DAY);
    assert.deepEqual(syncCronJob('default/hello', ctx), []);
    assert.equal(nextCronWake(ctx.state), undefined);
  });
  it('a finished job leaves active; lastSuccessfulTime; history beyond the limits is deleted oldest first', T, () => {
    const names = [5, 10, 15, 20, 25].map((m) => jobNameFor('hello', m * MIN));
    const jobs = [
      job(names[0]!, { finished: 'Complete', startMs: 5 * MIN, doneMs: 6 * MIN }),
      job(names[1]!, { finished: 'Failed', startMs: 10 * MIN, doneMs: 11 * MIN }),
      job(names[2]!, { finished: 'Complete', startMs: 15 * MIN, doneMs: 16 * MIN }),
      job(names[3]!, { finished: 'Failed', startMs: 20 * MIN, doneMs: 21 * MIN }),
      job(names[4]!, { finished: 'Complete', startMs: 25 * MIN, doneMs: 26 * MIN }),
    ];
    const cj = cronJob({ successfulJobsHistoryLimit: 2 }, { active: [ref(names[4]!)], lastScheduleTime: timestamp(25 * MIN) });
    assert.deepEqual(jobsBeyondHistory(cj, jobs).map((j) => j.metadata?.name), [names[0], names[1]]);
    const ctx = fakeContext(newCronJobState(), [[CRON_JOBS, [cj]], [JOBS, jobs]], 27 * MIN);
    const acts = syncCronJob('default/hello', ctx);
    assert.deepEqual(events(acts), [`SawCompletedJob: Saw completed job: ${names[4]}, condition: Complete`]);
    const w = writes(acts);
    assert.deepEqual(w.filter((x) => x.request.verb === 'delete').map((x) => x.request.name), [names[0], names[1]]);
    const st = (w.find((x) => x.request.subresource === 'status')!.request.body as CronJobJson).status!;
    assert.equal(st.active, undefined);
    assert.equal(st.lastSuccessfulTime, timestamp(26 * MIN));
  });
});
