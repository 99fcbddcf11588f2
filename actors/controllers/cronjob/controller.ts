import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { resolveControllerRef } from '../host/owners.ts';
import { controllerRefOf } from '../host/owners.ts';
import { CRON_JOBS, JOBS } from '../host/resources.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { newCronJobState, nextCronWake, syncCronJob, wakeDue, type CronJobState } from './cronjob.ts';

/**
 * The CronJob controller (pkg/controller/cronjob, v2): its queue holds CronJob keys; a Job
 * change queues its controlling CronJob; the host's deadline timer wakes each CronJob at its
 * next schedule time. 5 workers (--concurrent-cron-job-syncs).
 */

type Ctx = ControllerContext<CronJobState>;

function jobChanged(job: KubeObject, ctx: Ctx): void {
  const owner = resolveControllerRef(job.metadata?.namespace ?? 'default', controllerRefOf(job), 'CronJob', ctx.cache(CRON_JOBS));
  if (owner) ctx.enqueue(objectKey(owner));
}

export const cronJobController = defineController<CronJobState>({
  name: 'cronjob',
  reporter: 'cronjob-controller',
  informers: [CRON_JOBS, JOBS],
  handlers: [
    {
      informer: CRON_JOBS,
      onAdd: (cj, ctx) => ctx.enqueue(objectKey(cj)),
      onUpdate: (_old, cj, ctx) => ctx.enqueue(objectKey(cj)),
      onDelete: (cj, ctx) => void ctx.state.wakeAt.delete(objectKey(cj)),
    },
    { informer: JOBS, onAdd: jobChanged, onUpdate: (_old, job, ctx) => jobChanged(job, ctx), onDelete: jobChanged },
  ],
  queues: [{ workers: 5, sync: syncCronJob }],
  deadlines: { next: nextCronWake, run: wakeDue },
  newState: newCronJobState,
});
