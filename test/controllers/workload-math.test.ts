/**
 * The replica controllers' and the Deployment controller's arithmetic, with values worked by hand
 * from kube-controller-manager's rules (k8s-semantics.md §4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newReplicaSetReplicas, reconcileOldReplicaSets, resolveFenceposts, scaledValue } from '../../actors/controllers/deployment/rolling.ts';
import { fnv32a, podTemplateHash, safeEncodeString } from '../../actors/controllers/deployment/template-hash.ts';
import { compareForDeletion, deletionCostOf, podsToDelete, type RankedPod } from '../../actors/controllers/replicaset/deletion-ranking.ts';
import { replicaDiff, slowStartBatches } from '../../actors/controllers/replicaset/slow-start.ts';

const NOW = 1_000_000;

function pod(over: Partial<RankedPod> & { uid: string }): RankedPod {
  return { nodeName: 'n1', phase: 'Running', ready: true, readySinceMs: 0, creationMs: 0, restarts: 0, deletionCost: 0, rank: 0, ...over };
}

describe('surge and unavailable rounding', { timeout: 10_000 }, () => {
  it('rounds surge up and unavailable down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 1), [1, 0]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), [1, 1]);
    assert.deepEqual(resolveFenceposts('30%', '30%', 5), [2, 1]);
    assert.deepEqual(resolveFenceposts(2, 0, 10), [2, 0]);
  });
  it('both zero makes one pod unavailable', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 5), [0, 1]);
    assert.deepEqual(resolveFenceposts('0%', '0%', 4), [0, 1]);
    assert.deepEqual(resolveFenceposts('10%', '10%', 3), [1, 0]);
  });
  it('refuses a malformed percentage', () => {
    assert.throws(() => scaledValue('25 %', 10, true), /must be an integer or percentage/);
    assert.equal(scaledValue('7', 10, true), 7);
  });
});

describe('rolling update steps', { timeout: 10_000 }, () => {
  it('grows the new ReplicaSet up to replicas + surge', () => {
    const old = { name: 'web-a', replicas: 10, available: 10, creationMs: 0 };
    const fresh = { name: 'web-b', replicas: 0, available: 0, creationMs: 5 };
    assert.equal(newReplicaSetReplicas(10, 3, fresh, [old, fresh]), 3);
    assert.equal(newReplicaSetReplicas(10, 3, { ...fresh, replicas: 3 }, [old, { ...fresh, replicas: 3 }]), 3);
    assert.equal(newReplicaSetReplicas(10, 3, { ...fresh, replicas: 3 }, [{ ...old, replicas: 8 }, { ...fresh, replicas: 3 }]), 5);
    // Never past the desired count.
    assert.equal(newReplicaSetReplicas(2, 5, fresh, [fresh]), 2);
  });
  it('shrinks old ReplicaSets while replicas - unavailable stay available', () => {
    const old = { name: 'web-a', replicas: 10, available: 10, creationMs: 0 };
    const fresh = { name: 'web-b', replicas: 3, available: 0, creationMs: 5 };
    // 13 pods, 8 must stay available, 3 new ones not yet available: 2 old ones may go.
    assert.deepEqual([...reconcileOldReplicaSets(10, 2, fresh, [old])], [['web-a', 8]]);
    // Nothing may go while the budget is spent.
    assert.deepEqual([...reconcileOldReplicaSets(10, 2, fresh, [{ ...old, replicas: 8, available: 8 }])], []);
  });
  it('cleans up unhealthy old replicas first, then scales down available ones', () => {
    const old = { name: 'web-a', replicas: 10, available: 7, creationMs: 0 };
    const fresh = { name: 'web-b', replicas: 3, available: 3, creationMs: 5 };
    // maxScaledDown = 13 - 8 - 0 = 5: 3 unhealthy go, then available 10 - 8 = 2 more.
    assert.deepEqual([...reconcileOldReplicaSets(10, 2, fresh, [old])], [['web-a', 5]]);
  });
  it('scales the oldest ReplicaSet down first', () => {
    const a = { name: 'web-a', replicas: 2, available: 2, creationMs: 0 };
    const b = { name: 'web-b', replicas: 2, available: 2, creationMs: 10 };
    const c = { name: 'web-c', replicas: 2, available: 2, creationMs: 20 };
    assert.deepEqual([...reconcileOldReplicaSets(4, 1, c, [b, a])], [['web-a', 0], ['web-b', 1]]);
  });
});

describe('scale-down ranking', { timeout: 10_000 }, () => {
  it('orders by assignment, phase, readiness, cost, rank, ready age, restarts, creation age', () => {
    const base = pod({ uid: 'z' });
    const cases: [Partial<RankedPod>, Partial<RankedPod>][] = [
      [{ nodeName: '' }, {}],
      [{ phase: 'Pending' }, { phase: 'Running' }],
      [{ phase: 'Unknown' }, { phase: 'Running' }],
      [{ ready: false }, {}],
      [{ deletionCost: -5 }, { deletionCost: 0 }],
      [{ rank: 3 }, { rank: 1 }],
      // Ready 1 s ago vs ready 500 s ago: different log2 buckets, the recent one goes first.
      [{ readySinceMs: NOW - 1_000 }, { readySinceMs: NOW - 500_000 }],
      [{ restarts: 4 }, { restarts: 1 }],
      [{ creationMs: NOW - 1_000, readySinceMs: 0 }, { creationMs: NOW - 500_000, readySinceMs: 0 }],
    ];
    for (const [first, second] of cases) {
      const a = { ...base, ...first, uid: 'b' };
      const b = { ...base, ...second, uid: 'a' };
      assert.ok(compareForDeletion(a, b, NOW) < 0, JSON.stringify(first));
      assert.ok(compareForDeletion(b, a, NOW) > 0, JSON.stringify(second));
    }
  });
  it('ages in one log2 bucket tie, broken by UID', () => {
    // 1000 s and 1001 s in ns both have floor(log2) = 39.
    const a = pod({ uid: 'b', readySinceMs: NOW - 1_000_000 + 1, creationMs: 0 });
    const b = pod({ uid: 'a', readySinceMs: NOW - 1_000_000, creationMs: 0 });
    assert.ok(compareForDeletion(a, b, NOW) > 0);
    assert.ok(compareForDeletion(b, a, NOW) < 0);
  });
  it('picks the pods on crowded nodes and counts the rank from related pods', () => {
    const pods = [pod({ uid: 'p1', nodeName: 'n1' }), pod({ uid: 'p2', nodeName: 'n2' }), pod({ uid: 'p3', nodeName: 'n2' })];
    const chosen = podsToDelete(pods, ['n1', 'n2', 'n2', 'n2'], 1, NOW);
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0]!.nodeName, 'n2');
  });
  it('reads pod-deletion-cost as an int32', () => {
    assert.equal(deletionCostOf({ 'controller.kubernetes.io/pod-deletion-cost': '-100' }), -100);
    assert.equal(deletionCostOf({ 'controller.kubernetes.io/pod-deletion-cost': 'cheap' }), 0);
    assert.equal(deletionCostOf({ 'controller.kubernetes.io/pod-deletion-cost': '9999999999' }), 0);
    assert.equal(deletionCostOf(undefined), 0);
  });
});

describe('slow start', { timeout: 10_000 }, () => {
  it('creates in batches of 1, 2, 4, ...', () => {
    assert.deepEqual(slowStartBatches(10), [1, 2, 4, 3]);
    assert.deepEqual(slowStartBatches(7), [1, 2, 4]);
    assert.deepEqual(slowStartBatches(1), [1]);
    assert.deepEqual(slowStartBatches(0), []);
    assert.equal(slowStartBatches(500).length, 9);
  });
  it('caps a sync at 500 creates or deletes', () => {
    assert.equal(replicaDiff(0, 3000), 500);
    assert.equal(replicaDiff(3000, 0), -500);
    assert.equal(replicaDiff(2, 5), 3);
  });
});

describe('pod-template-hash', { timeout: 10_000 }, () => {
  it('is FNV-32a written in the safe alphabet', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(safeEncodeString('2166136261'), '65bb57b6b5');
  });
  it('depends on the template, not on key order, and on the collision count', () => {
    const t1 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } };
    const t2 = { spec: { containers: [{ image: 'nginx:1.25', name: 'web' }] }, metadata: { labels: { app: 'web' } } };
    assert.equal(podTemplateHash(t1), podTemplateHash(t2));
    assert.notEqual(podTemplateHash(t1), podTemplateHash({ ...t1, spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } }));
    assert.notEqual(podTemplateHash(t1), podTemplateHash(t1, 1));
    assert.match(podTemplateHash(t1), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});
