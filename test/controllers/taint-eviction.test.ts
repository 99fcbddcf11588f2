/** The NoExecute taint manager's decision for one pod. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { TaintJson } from '../../actors/controllers/node-lifecycle/node-lifecycle.ts';
import { evictionPlan, matchingTolerations, minTolerationMs } from '../../actors/controllers/taint-eviction/taint-eviction.ts';

const UNREACHABLE_NE: TaintJson = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:01:12Z' };
const UNREACHABLE_NS: TaintJson = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
/** What DefaultTolerationSeconds gives every pod. */
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

const pod = (tolerations: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', ...extra },
  spec: { nodeName: 'worker-1', tolerations },
});

describe('taint eviction: processPodOnNode', () => {
  it('the default 300-s toleration: eviction 300 s after the manager saw the taint', () => {
    assert.deepEqual(evictionPlan(pod(DEFAULT_TOLERATIONS), [UNREACHABLE_NS, UNREACHABLE_NE], 72_000, undefined), { kind: 'schedule', createdAtMs: 72_000, fireAtMs: 372_000 });
  });

  it('keeps an eviction already scheduled (a later update does not push it back)', () => {
    assert.deepEqual(evictionPlan(pod(DEFAULT_TOLERATIONS), [UNREACHABLE_NE], 80_000, { createdAtMs: 72_000, fireAtMs: 372_000 }), { kind: 'keep' });
  });

  it('a NoExecute taint the pod does not tolerate: at once', () => {
    assert.deepEqual(evictionPlan(pod([]), [UNREACHABLE_NE], 72_000, undefined), { kind: 'schedule', createdAtMs: 72_000, fireAtMs: 72_000 });
    assert.deepEqual(evictionPlan(pod(DEFAULT_TOLERATIONS), [{ key: 'example.com/drain', effect: 'NoExecute' }], 72_000, undefined).kind, 'schedule');
  });

  it('tolerated forever, no NoExecute taint, or already deleting: cancel', () => {
    assert.deepEqual(evictionPlan(pod([{ operator: 'Exists' }]), [UNREACHABLE_NE], 72_000, undefined), { kind: 'cancel' });
    assert.deepEqual(evictionPlan(pod(DEFAULT_TOLERATIONS), [UNREACHABLE_NS], 72_000, { createdAtMs: 1, fireAtMs: 2 }), { kind: 'cancel' });
    assert.deepEqual(evictionPlan(pod(DEFAULT_TOLERATIONS, { deletionTimestamp: '2025-01-01T00:06:12Z' }), [UNREACHABLE_NE], 72_000, undefined), { kind: 'cancel' });
  });

  it('the smallest tolerationSeconds among the tolerations used, 0 or less meaning at once', () => {
    const used = matchingTolerations([UNREACHABLE_NE, { key: 'b', effect: 'NoExecute' }], [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      { key: 'b', operator: 'Exists', tolerationSeconds: 30 },
    ]);
    assert.equal(used.all, true);
    assert.equal(minTolerationMs(used.used), 30_000);
    assert.equal(minTolerationMs([{ tolerationSeconds: 0 }, { tolerationSeconds: 30 }]), 0);
    assert.equal(minTolerationMs([{ operator: 'Exists' }]), -1);
  });
});
