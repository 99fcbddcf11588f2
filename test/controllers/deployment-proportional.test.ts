/** Proportional scaling of a Deployment's ReplicaSets, values worked by hand from sync.go `scale`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proportionalScale, type ScalableReplicaSet } from '../../actors/controllers/deployment/proportional.ts';

const T = { timeout: 10_000 };
const rs = (name: string, replicas: number, creationMs: number, maxReplicasAnnotation?: number): ScalableReplicaSet => ({ name, replicas, creationMs, ...(maxReplicasAnnotation !== undefined ? { maxReplicasAnnotation } : {}) });
const target = (replicas: number, maxSurge: number, statusReplicas = 0, rolling = true) => ({ replicas, maxSurge, statusReplicas, rolling });
const asObject = (m: Map<string, number>) => Object.fromEntries(m);

describe('proportional scaling', () => {
  it('scale up mid-rollout: old 8 + new 5 sized for 13, now 20 + 5 surge: 12 more, old +7 (round(8·25/13)=15), new +5', T, () => {
    assert.deepEqual(asObject(proportionalScale(target(20, 5), rs('new', 5, 2, 13), [rs('old', 8, 1, 13)], false)), { old: 15, new: 10 });
  });

  it('scale down mid-rollout: to 5 + 2 surge: 6 fewer, old −4 (round(8·7/13)=4), new −2 (round(5·7/13)=3)', T, () => {
    assert.deepEqual(asObject(proportionalScale(target(5, 2), rs('new', 5, 2, 13), [rs('old', 8, 1, 13)], false)), { old: 4, new: 3 });
  });

  it('equal sizes: growing favours the newer ReplicaSet; what is left once the budget is spent gets nothing', T, () => {
    // 3 × 1 sized for 3 → 4 + 1 surge: 2 more; each would get round(5/3) − 1 = 1; c and b (newest first) take them.
    assert.deepEqual(asObject(proportionalScale(target(4, 1), rs('c', 1, 3, 3), [rs('a', 1, 1, 3), rs('b', 1, 2, 3)], false)), { c: 2, b: 2, a: 1 });
  });

  it('equal sizes: shrinking takes from the older ReplicaSet first', T, () => {
    // 2 + 2 sized for 4 → 1 + 0 surge: 3 fewer; old: round(2·1/4)=1 → −1 … rounding leaves a leftover for the first.
    const out = asObject(proportionalScale(target(1, 0), rs('new', 2, 2, 4), [rs('old', 2, 1, 4)], false));
    assert.equal(out.old! + out.new!, 1);
    assert.deepEqual(out, { old: 0, new: 1 });
  });

  it('no max-replicas annotation: status.replicas is the size it was scaled from', T, () => {
    // 6 + 4 with status.replicas 10 → 20 + 0 surge: 10 more: old round(6·20/10)−6 = 6, new min(round(4·2)−4, 4) = 4.
    assert.deepEqual(asObject(proportionalScale(target(20, 0, 10), rs('new', 4, 2), [rs('old', 6, 1)], false)), { old: 12, new: 8 });
  });

  it('scaled to zero: every active ReplicaSet goes to 0', T, () => {
    assert.deepEqual(asObject(proportionalScale(target(0, 0), rs('new', 3, 2, 5), [rs('old', 2, 1, 5)], false)), { old: 0, new: 0 });
  });

  it('one active ReplicaSet takes the whole count; with none active, the new one does', T, () => {
    assert.deepEqual(asObject(proportionalScale(target(7, 2), rs('new', 0, 2), [rs('old', 3, 1, 4)], false)), { old: 7 });
    assert.deepEqual(asObject(proportionalScale(target(7, 2), rs('new', 0, 2), [rs('old', 0, 1)], false)), { new: 7 });
    assert.deepEqual(asObject(proportionalScale(target(7, 2), undefined, [rs('older', 0, 1), rs('newer', 0, 5)], false)), { newer: 7 });
    assert.deepEqual(asObject(proportionalScale(target(3, 1), rs('new', 3, 2, 4), [], false)), {});
  });

  it('a saturated new ReplicaSet sends the old ones to 0; Recreate shares nothing', T, () => {
    assert.deepEqual(asObject(proportionalScale(target(3, 1), rs('new', 3, 2, 4), [rs('old', 1, 1, 4)], true)), { old: 0 });
    assert.deepEqual(asObject(proportionalScale(target(6, 0, 4, false), rs('new', 2, 2), [rs('old', 2, 1)], false)), {});
  });

  it('lands exactly on replicas + maxSurge for every consistent state (annotation ≥ the pods it was written for)', T, () => {
    for (let a = 1; a <= 6; a++)
      for (let b = 1; b <= 6; b++)
        for (let want = 0; want <= 9; want++)
          for (let ann = a + b; ann <= 14; ann++) {
            const out = proportionalScale(target(want, 1), rs('new', b, 2, ann), [rs('old', a, 1, ann)], false);
            const total = (out.get('old') ?? a) + (out.get('new') ?? b);
            assert.equal(total, want === 0 ? 0 : want + 1, `a=${a} b=${b} want=${want} ann=${ann}`);
            for (const v of out.values()) assert.ok(v >= 0);
          }
  });
});
