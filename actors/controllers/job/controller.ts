import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { JOBS, PODS } from '../host/resources.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { controllingJob, newJobState, syncJob, type JobState } from './job.ts';

/**
 * The Job controller (pkg/controller/job): its queue holds Job keys. Pod events count off
 * expectations (a pod with a deletionTimestamp counts as deleted) and queue the owning job.
 * 5 workers (--concurrent-job-syncs).
 */

type Ctx = ControllerContext<JobState>;

function podDeleted(pod: KubeObject, ctx: Ctx): void {
  const key = controllingJob(pod, ctx);
  if (!key) return;
  ctx.state.expectations.deletionObserved(key, objectKey(pod));
  ctx.enqueue(key);
}

function podAdded(pod: KubeObject, ctx: Ctx): void {
  if (pod.metadata?.deletionTimestamp) return podDeleted(pod, ctx);
  const key = controllingJob(pod, ctx);
  if (!key) return;
  ctx.state.expectations.creationObserved(key);
  ctx.enqueue(key);
}

function podUpdated(old: KubeObject, pod: KubeObject, ctx: Ctx): void {
  if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
  if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) return podDeleted(pod, ctx);
  const key = controllingJob(pod, ctx);
  if (key) ctx.enqueue(key);
}

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
    { informer: PODS, onAdd: podAdded, onUpdate: podUpdated, onDelete: podDeleted },
  ],
  queues: [{ workers: 5, sync: syncJob }],
  newState: newJobState,
});
