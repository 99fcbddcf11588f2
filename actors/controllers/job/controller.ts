import { objectKey } from '../../client/informer.ts';
import { JOBS, PODS } from '../host/resources.ts';
import { ownedPodHandlers } from '../host/owned-pods.ts';
import { defineController } from '../host/types.ts';
import { controllingJob, newJobState, syncJob, type JobState } from './job.ts';

/**
 * The Job controller (pkg/controller/job): its queue holds Job keys. Pod events count off
 * expectations (a pod with a deletionTimestamp counts as deleted) and queue the owning job.
 * 5 workers (--concurrent-job-syncs).
 */
export const jobController = defineController<JobState>({
  name: 'job',
  reporter: 'job-controller',
  informers: [JOBS, PODS],
  handlers: [
    {
      informer: JOBS,
      onAdd: (job, ctx) => ctx.enqueue(objectKey(job)),
      onUpdate: (_old, job, ctx) => ctx.enqueue(objectKey(job)),
      onDelete: (job, ctx) => {
        ctx.state.expectations.delete(objectKey(job));
        ctx.enqueue(objectKey(job));
      },
    },
    ownedPodHandlers(controllingJob),
  ],
  queues: [{ workers: 5, sync: syncJob }],
  newState: newJobState,
});
