import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusNeedsReconcile } from '../../actors/kubelet/status-reconcile.ts';

const running = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }] };

test('a pod the node lifecycle controller marked NotReady while the kubelet could not report is re-posted', () => {
  // What MarkPodsNotReady leaves in the API: Ready False, the rest as the kubelet last posted.
  const markedNotReady = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }, { type: 'ContainersReady', status: 'True' }] };
  assert.equal(statusNeedsReconcile(markedNotReady, running), true);
});

test('the API agreeing with the kubelet (condition order and extra API conditions aside) needs nothing', () => {
  const sameReordered = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' }, { type: 'DisruptionTarget', status: 'True' }] };
  assert.equal(statusNeedsReconcile(sameReordered, running), false);
});

test('a different phase needs a re-post; a kubelet with no status of its own yet posts nothing', () => {
  assert.equal(statusNeedsReconcile({ phase: 'Pending', conditions: running.conditions }, running), true);
  assert.equal(statusNeedsReconcile(undefined, running), true);
  assert.equal(statusNeedsReconcile(running, undefined), false);
});
