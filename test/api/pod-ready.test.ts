/**
 * Pod readiness as Kubernetes' podutil.IsPodReady reads it: the Ready condition, and only its
 * status True; a pod without conditions, or whose Ready condition is False or Unknown, is not ready.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPodReady } from '../../actors/api/pod-ready.ts';

const pod = (conditions?: { type: string; status: string }[]) => ({ metadata: { name: 'p' }, status: conditions ? { phase: 'Running', conditions } : undefined });

test('a pod is ready only when its Ready condition is True', () => {
  assert.equal(isPodReady(pod([{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }])), true);
  assert.equal(isPodReady(pod([{ type: 'Ready', status: 'False' }, { type: 'ContainersReady', status: 'True' }])), false);
  assert.equal(isPodReady(pod([{ type: 'Ready', status: 'Unknown' }])), false);
  assert.equal(isPodReady(pod([{ type: 'ContainersReady', status: 'True' }])), false, 'ContainersReady is not Ready');
  assert.equal(isPodReady(pod()), false, 'no status');
  assert.equal(isPodReady(pod([])), false, 'no conditions');
});
