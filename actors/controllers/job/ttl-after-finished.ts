import { parseTimestamp } from '../../api/time.ts';
import { objectKey } from '../../client/informer.ts';
import { JOBS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { finishedCondition, type JobJson } from './job.ts';

/**
 * The TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished Job with
 * `ttlSecondsAfterFinished` is deleted that long after it finished (the `Complete`/`Failed`
 * condition's lastTransitionTime); until then its key is re-queued for the expiry. 5 workers
 * (--concurrent-ttl-after-finished-syncs). (Upstream deletes with Foreground propagation; the
 * pods go with the garbage collector.)
 */

type Ctx = ControllerContext<Record<string, never>>;

/** Virtual ms the job expires, or undefined (not finished, or no TTL). */
export function jobExpiryMs(job: JobJson): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  const c = finishedCondition(job);
  if (ttl === undefined || ttl === null || !c || job.metadata?.deletionTimestamp) return undefined;
  const finished = job.status?.completionTime ?? c.lastTransitionTime;
  const ms = finished ? parseTimestamp(finished) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms + ttl * 1000;
}

export function syncTtlAfterFinished(key: string, ctx: Ctx): Action<Record<string, never>>[] {
  const job = ctx.cache(JOBS).get(key) as JobJson | undefined;
  if (!job) return [];
  const expiry = jobExpiryMs(job);
  if (expiry === undefined) return [];
  if (expiry > ctx.nowMs) {
    ctx.enqueueAfter(key, expiry - ctx.nowMs);
    return [];
  }
  return [
    {
      kind: 'write',
      request: { verb: 'delete', apiVersion: 'batch/v1', resource: 'jobs', namespace: job.metadata?.namespace ?? 'default', name: job.metadata?.name ?? '' },
      tolerate: [404],
      traces: [{ action: 'job-expired', object: `job/${key}`, detail: `ttlSecondsAfterFinished ${job.spec?.ttlSecondsAfterFinished} elapsed` }],
    },
  ];
}

export const ttlAfterFinishedController = defineController<Record<string, never>>({
  name: 'ttl-after-finished',
  reporter: 'ttl-after-finished-controller',
  informers: [JOBS],
  handlers: [
    {
      informer: JOBS,
      onAdd: (job, ctx) => {
        if (jobExpiryMs(job as JobJson) !== undefined) ctx.enqueue(objectKey(job));
      },
      onUpdate: (_old, job, ctx) => {
        if (jobExpiryMs(job as JobJson) !== undefined) ctx.enqueue(objectKey(job));
      },
    },
  ],
  queues: [{ workers: 5, sync: syncTtlAfterFinished }],
  newState: () => ({}),
});
