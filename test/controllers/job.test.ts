/** The Job controller's decisions and sync on hand-built caches (values worked by hand). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { podFailureBackoffMs, remainingBackoffMs } from '../../actors/controllers/job/backoff.ts';
import { countPods, formatIndexes, isComplete, newJobState, syncJob, wantActive, type JobJson, type JobState } from '../../actors/controllers/job/job.ts';
import { jobExpiryMs, syncTtlAfterFinished } from '../../actors/controllers/job/ttl-after-finished.ts';
import { JOBS, PODS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

function job(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): JobJson {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } }, ...spec },
    ...(status ? { status } : {}),
  } as unknown as JobJson;
}

const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, phase: string, finishedMs = 0, extra: { index?: number; restarts?: number } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: timestamp(0),
      ownerReferences: [owner],
      ...(extra.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(extra.index) } } : {}),
    },
    spec: { nodeName: 'n1' },
    status: {
      phase,
      containerStatuses: [
        phase === 'Succeeded' || phase === 'Failed'
          ? { name: 'pi', restartCount: 0, state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: timestamp(finishedMs) } } }
          : { name: 'pi', restartCount: extra.restarts ?? 0, state: { running: {} } },
      ],
    },
  } as KubeObject;
}

type A = Action<JobState>;
const writes = (a: readonly A[]) => a.filter((x): x is WriteAction<JobState> => x.kind === 'write');
const creates = (a: readonly A[]) => writes(a).filter((w) => w.request.verb === 'create');
const deletes = (a: readonly A[]) => writes(a).filter((w) => w.request.verb === 'delete');
const statusOf = (a: readonly A[]) => (writes(a).find((w) => w.request.subresource === 'status')?.request.body as JobJson | undefined)?.status;

describe('job pod-failure backoff', () => {
  it('doubles from 10 s and caps at 6 min', T, () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => podFailureBackoffMs(n) / 1000), [0, 10, 20, 40, 80, 160, 320, 360, 360]);
  });
  it('counts failures after the last success, from the last failure', T, () => {
    // Two failures (at 5 s and 30 s) after a success at 1 s: 20 s from 30 s → 15 s left at 35 s.
    assert.equal(remainingBackoffMs([{ finishedMs: 1000, succeeded: true }, { finishedMs: 5000, succeeded: false }, { finishedMs: 30_000, succeeded: false }], 35_000), 15_000);
    // A success after the failures resets it.
    assert.equal(remainingBackoffMs([{ finishedMs: 5000, succeeded: false }, { finishedMs: 6000, succeeded: true }], 6000), 0);
    assert.equal(remainingBackoffMs([{ finishedMs: 5000, succeeded: false }], 20_000), 0);
  });
});

describe('job counting', () => {
  it('completions 5 / parallelism 2: wants min(parallelism, completions − succeeded)', T, () => {
    const j = job({ completions: 5, parallelism: 2 });
    const c = countPods(j, [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Succeeded'), pod('d', 'Running'), pod('e', 'Failed')]);
    assert.equal(c.succeeded, 3);
    assert.equal(c.failed, 1);
    assert.equal(c.active.length, 1);
    assert.equal(wantActive(j, c), 2);
    assert.equal(isComplete(j, c), false);
    const c2 = countPods(j, [1, 2, 3, 4].map((i) => pod(`s${i}`, 'Succeeded')).concat([pod('r', 'Running')]));
    assert.equal(wantActive(j, c2), 1);
    const c3 = countPods(j, [1, 2, 3, 4, 5].map((i) => pod(`s${i}`, 'Succeeded')));
    assert.equal(isComplete(j, c3), true);
  });
  it('a work queue (parallelism, no completions) completes on the first success once nothing runs', T, () => {
    const j = job({ parallelism: 3 });
    assert.equal(wantActive(j, countPods(j, [])), 3);
    const c = countPods(j, [pod('a', 'Succeeded'), pod('b', 'Running')]);
    assert.equal(wantActive(j, c), 1);
    assert.equal(isComplete(j, c), false);
    assert.equal(isComplete(j, countPods(j, [pod('a', 'Succeeded')])), true);
  });
  it('formats completed indexes like upstream', T, () => {
    assert.equal(formatIndexes([5, 0, 1, 2, 7, 4]), '0-2,4-5,7');
    assert.equal(formatIndexes([]), '');
  });
});

describe('job sync', () => {
  it('creates pods from the template with the job labels and a controller reference', T, () => {
    const ctx = fakeContext(newJobState(), [[JOBS, [job({ completions: 3, parallelism: 2 })]], [PODS, []]], 1000);
    const acts = syncJob('default/pi', ctx);
    const c = creates(acts);
    assert.equal(c.length, 1); // slow start: 1, then 1
    const body = c[0]!.request.body!;
    assert.equal(body.metadata?.generateName, 'pi-');
    assert.deepEqual(body.metadata?.labels, { app: 'pi', 'batch.kubernetes.io/controller-uid': 'job-uid', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'job-uid', 'job-name': 'pi' });
    assert.deepEqual(body.metadata?.ownerReferences, [owner]);
    const more = c[0]!.onResult!({ tag: 't', reqId: 1, code: 201, body: { ...body, metadata: { ...body.metadata, name: 'pi-x' } } } as ApiResult, ctx) ?? [];
    assert.equal(creates(more).length, 1);
    const st = statusOf(acts)!;
    assert.equal(st.active, 2);
    assert.equal(st.startTime, timestamp(1000));
  });
  it('waits the backoff after a failure, then replaces the pod', T, () => {
    const j = job({}, { startTime: timestamp(0), active: 0, failed: 1, succeeded: 0, ready: 0 });
    const early = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Failed', 2000)]]], 5000);
    assert.equal(creates(syncJob('default/pi', early)).length, 0);
    assert.deepEqual(early.queued, ['default/pi after 7000']);
    const later = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Failed', 2000)]]], 12_000);
    assert.equal(creates(syncJob('default/pi', later)).length, 1);
  });
  it('fails with BackoffLimitExceeded once failures exceed backoffLimit', T, () => {
    const j = job({ backoffLimit: 2 }, { startTime: timestamp(0) });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Failed', 1), pod('b', 'Failed', 2), pod('c', 'Failed', 3)]]], 100_000);
    const acts = syncJob('default/pi', ctx);
    const st = statusOf(acts)!;
    assert.equal(st.failed, 3);
    assert.deepEqual(st.conditions!.map((c) => [c.type, c.status, c.reason]), [['Failed', 'True', 'BackoffLimitExceeded']]);
    assert.ok(acts.some((a) => a.kind === 'event' && a.reason === 'BackoffLimitExceeded'));
    assert.equal(creates(acts).length, 0);
  });
  it('past activeDeadlineSeconds: deletes the active pods and fails with DeadlineExceeded', T, () => {
    const j = job({ activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }, { startTime: timestamp(0), active: 2 });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Running'), pod('b', 'Running')]]], 30_000);
    const acts = syncJob('default/pi', ctx);
    assert.deepEqual(deletes(acts).map((d) => d.request.name), ['a', 'b']);
    const st = statusOf(acts)!;
    assert.equal(st.active, 0);
    assert.equal(st.failed, 2);
    assert.equal(st.conditions![0]!.reason, 'DeadlineExceeded');
    // Before the deadline it wakes at it.
    const early = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Running'), pod('b', 'Running')]]], 10_000);
    syncJob('default/pi', early);
    assert.deepEqual(early.queued, ['default/pi after 20000']);
  });
  it('completes: Complete condition, completionTime, no more pods', T, () => {
    const j = job({ completions: 2 }, { startTime: timestamp(0) });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Succeeded', 1000), pod('b', 'Succeeded', 2000)]]], 3000);
    const acts = syncJob('default/pi', ctx);
    const st = statusOf(acts)!;
    assert.equal(st.succeeded, 2);
    assert.equal(st.completionTime, timestamp(3000));
    assert.deepEqual(st.conditions!.map((c) => [c.type, c.status]), [['Complete', 'True']]);
    assert.equal(creates(acts).length, 0);
    // A finished job is left alone.
    const done = fakeContext(newJobState(), [[JOBS, [{ ...j, status: st }]], [PODS, []]], 4000);
    assert.deepEqual(syncJob('default/pi', done), []);
  });
  it('Indexed: one pod per missing index, with the index annotation and env', T, () => {
    const j = job({ completions: 4, parallelism: 4, completionMode: 'Indexed' }, { startTime: timestamp(0) });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('p0', 'Succeeded', 1, { index: 0 }), pod('p2', 'Running', 0, { index: 2 })]]], 5000);
    const acts = syncJob('default/pi', ctx);
    const c = creates(acts);
    const body = c[0]!.request.body! as KubeObject & { spec: { containers: { env: unknown[] }[] } };
    assert.equal(body.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '1');
    assert.equal(body.metadata?.generateName, 'pi-1-');
    assert.deepEqual(body.spec.containers[0]!.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    const next = creates(c[0]!.onResult!({ tag: 't', reqId: 1, code: 201, body: { ...body, metadata: { ...body.metadata, name: 'pi-1-x' } } } as ApiResult, ctx) ?? []);
    assert.deepEqual(next.map((w) => w.request.body!.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']), ['3']);
    assert.equal(statusOf(acts)!.completedIndexes, '0');
  });
});

describe('job suspend', () => {
  it('created suspended: no pods, no startTime, Suspended=True JobSuspended and a Suspended event', T, () => {
    const j = job({ suspend: true, activeDeadlineSeconds: 10 });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, []]], 50_000);
    const acts = syncJob('default/pi', ctx);
    assert.equal(creates(acts).length, 0);
    const st = statusOf(acts)!;
    assert.equal(st.startTime, undefined);
    assert.deepEqual(st.conditions!.map((c) => [c.type, c.status, c.reason, c.message]), [['Suspended', 'True', 'JobSuspended', 'Job suspended']]);
    assert.ok(acts.some((a) => a.kind === 'event' && a.reason === 'Suspended' && a.message === 'Job suspended'));
    assert.deepEqual(ctx.queued, [], 'no deadline runs while suspended');
  });
  it('suspending a running job deletes its active pods; they are not counted as failed', T, () => {
    const j = job({ suspend: true, parallelism: 2, completions: 4 }, { startTime: timestamp(0), active: 2 });
    const acts = syncJob('default/pi', fakeContext(newJobState(), [[JOBS, [j]], [PODS, [pod('a', 'Running'), pod('b', 'Running')]]], 5000));
    assert.deepEqual(deletes(acts).map((d) => d.request.name).sort(), ['a', 'b']);
    const st = statusOf(acts)!;
    assert.equal(st.active, 0);
    assert.equal(st.failed, 0);
  });
  it('resumed: Suspended=False JobResumed, startTime reset to now, pods created', T, () => {
    const t = timestamp(0);
    const j = job({ suspend: false, activeDeadlineSeconds: 30 }, { startTime: t, conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: t, lastTransitionTime: t }] });
    const ctx = fakeContext(newJobState(), [[JOBS, [j]], [PODS, []]], 100_000);
    const acts = syncJob('default/pi', ctx);
    const st = statusOf(acts)!;
    assert.equal(st.startTime, timestamp(100_000));
    assert.deepEqual(st.conditions!.map((c) => [c.type, c.status, c.reason]), [['Suspended', 'False', 'JobResumed']]);
    assert.ok(acts.some((a) => a.kind === 'event' && a.reason === 'Resumed'));
    assert.equal(creates(acts).length, 1, 'not failed by a deadline counted from the old startTime');
    assert.deepEqual(ctx.queued, ['default/pi after 30000']);
  });
});

describe('job podFailurePolicy', () => {
  const policy = {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [42] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
    ],
  };
  const failedWith = (name: string, exitCode: number, conditions: unknown[] = []): KubeObject => {
    const p = pod(name, 'Failed', 1000);
    (p.status as Record<string, unknown>).containerStatuses = [{ name: 'pi', restartCount: 0, state: { terminated: { exitCode, finishedAt: timestamp(1000) } } }];
    (p.status as Record<string, unknown>).conditions = conditions;
    return p;
  };
  it('exit code 42 matches the FailJob rule: the job fails at once with reason PodFailurePolicy and upstream\'s message', T, () => {
    const j = job({ podFailurePolicy: policy, backoffLimit: 6 }, { startTime: timestamp(0) });
    const acts = syncJob('default/pi', fakeContext(newJobState(), [[JOBS, [j]], [PODS, [failedWith('a', 42)]]], 5000));
    const failed = statusOf(acts)!.conditions!.find((c) => c.type === 'Failed')!;
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.equal(failed.message, 'Container pi for pod default/a failed with exit code 42 matching FailJob rule at index 0');
  });
  it('a pod failed by a disruption (DisruptionTarget) is ignored: not counted, replaced without backoff', T, () => {
    const j = job({ podFailurePolicy: policy, backoffLimit: 0 }, { startTime: timestamp(0) });
    const acts = syncJob('default/pi', fakeContext(newJobState(), [[JOBS, [j]], [PODS, [failedWith('a', 137, [{ type: 'DisruptionTarget', status: 'True' }])]]], 5000));
    const st = statusOf(acts)!;
    assert.equal(st.failed, 0);
    assert.equal((st.conditions ?? []).length, 0);
    assert.equal(creates(acts).length, 1);
  });
  it('an exit code no rule matches counts toward backoffLimit as usual', T, () => {
    const j = job({ podFailurePolicy: policy, backoffLimit: 0 }, { startTime: timestamp(0) });
    const acts = syncJob('default/pi', fakeContext(newJobState(), [[JOBS, [j]], [PODS, [failedWith('a', 1)]]], 5000));
    assert.equal(statusOf(acts)!.conditions![0]!.reason, 'BackoffLimitExceeded');
  });
});

describe('ttl-after-finished', () => {
  it('deletes a finished job ttlSecondsAfterFinished after it finished', T, () => {
    const t = timestamp(10_000);
    const j = job({ ttlSecondsAfterFinished: 60 }, { completionTime: t, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t }] });
    assert.equal(jobExpiryMs(j), 70_000);
    const early = fakeContext({}, [[JOBS, [j]]], 20_000);
    assert.deepEqual(syncTtlAfterFinished('default/pi', early), []);
    assert.deepEqual(early.queued, ['default/pi after 50000']);
    const due = fakeContext({}, [[JOBS, [j]]], 70_000);
    const acts = syncTtlAfterFinished('default/pi', due);
    assert.equal(acts.length, 1);
    assert.deepEqual((acts[0] as WriteAction<never>).request.verb, 'delete');
    assert.equal(jobExpiryMs(job({ ttlSecondsAfterFinished: 60 })), undefined);
  });
});
