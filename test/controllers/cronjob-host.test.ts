/**
 * The CronJob controller on the real controller host against the in-memory apiserver: the
 * host's deadline timer wakes it at each schedule time on the virtual clock, Forbid holds the
 * next run while one is active, and the history limit deletes the oldest finished job.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import { cronJobController } from '../../actors/controllers/cronjob/controller.ts';
import { jobNameFor } from '../../actors/controllers/cronjob/cronjob.ts';
import { FakeCluster } from './fake-cluster.ts';

const MIN = 60_000;

function complete(cluster: FakeCluster, name: string): void {
  const j = cluster.get('jobs', 'default', name)!;
  const t = timestamp(cluster.now);
  cluster.put('jobs', { ...j, status: { startTime: t, completionTime: t, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t }] } } as KubeObject);
}

describe('cronjob controller on the host', () => {
  it('wakes at each schedule time; Forbid waits for the active job; history limit 1', { timeout: 20_000 }, () => {
    const cluster = new FakeCluster();
    cluster.put('cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: timestamp(0) },
      spec: { schedule: '* * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
    } as KubeObject);
    cluster.startControllerManager('kube-controller-manager-0', { controllers: [cronJobController] });
    cluster.advance(MIN - 1);
    assert.equal(cluster.get('jobs', 'default', jobNameFor('tick', MIN)), undefined, 'nothing before 00:01');
    cluster.advance(MIN + 1000);
    assert.ok(cluster.get('jobs', 'default', jobNameFor('tick', MIN)), 'the 00:01 job');
    assert.equal((cluster.get('cronjobs', 'default', 'tick')!.status as { lastScheduleTime?: string }).lastScheduleTime, timestamp(MIN));
    // Still running at 00:02: Forbid.
    cluster.advance(2 * MIN + 1000);
    assert.equal(cluster.get('jobs', 'default', jobNameFor('tick', 2 * MIN)), undefined, 'Forbid holds 00:02');
    complete(cluster, jobNameFor('tick', MIN));
    cluster.advance(3 * MIN + 1000);
    assert.ok(cluster.get('jobs', 'default', jobNameFor('tick', 3 * MIN)), 'the 00:03 job');
    complete(cluster, jobNameFor('tick', 3 * MIN));
    cluster.advance(3 * MIN + 2000);
    // Two finished, limit 1: the older one goes.
    assert.equal(cluster.get('jobs', 'default', jobNameFor('tick', MIN)), undefined, 'history limit');
    assert.ok(cluster.get('jobs', 'default', jobNameFor('tick', 3 * MIN)));
    const st = cluster.get('cronjobs', 'default', 'tick')!.status as { lastSuccessfulTime?: string; active?: unknown[] };
    assert.equal(st.active, undefined);
    assert.ok(st.lastSuccessfulTime);
  });
});
