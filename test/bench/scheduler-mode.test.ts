/**
 * Tiny runs of every workload in mode `scheduler`: the framework loop and the bare baseline each
 * bind every pod they should and none they should not (capacity, anti-affinity, affinity, node
 * affinity, spread, preemption victims), and do so deterministically. No timing assertions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podKey } from '../../actors/scheduler/index.ts';
import { runBaseline } from '../../bench/scheduler/baseline.ts';
import { checkPlacement, expectedBound } from '../../bench/scheduler/checks.ts';
import { runFrameworkLoop, type Placement } from '../../bench/scheduler/framework-loop.ts';
import { runSchedulerBench } from '../../bench/scheduler/run.ts';
import { generateWorkload, HIGH_PRIORITY, WORKLOAD_NAMES, ZONE_LABEL, type Workload, type WorkloadName } from '../../bench/scheduler/workloads.ts';

const SIZES: Record<WorkloadName, { nodes: number; measuredPods: number }> = {
  SchedulingBasic: { nodes: 30, measuredPods: 60 },
  SchedulingPodAntiAffinity: { nodes: 30, measuredPods: 20 },
  SchedulingPodAffinity: { nodes: 30, measuredPods: 40 },
  SchedulingNodeAffinity: { nodes: 30, measuredPods: 60 },
  TopologySpreading: { nodes: 30, measuredPods: 45 },
  PreemptionBasic: { nodes: 12, measuredPods: 12 },
  SchedulingWithMixedChurn: { nodes: 30, measuredPods: 60 },
};

const window = { windowPods: 10 };
const measuredBound = (w: Workload, p: Placement): number => w.measuredPods.filter((pod) => p.bound.has(podKey(pod))).length;

describe('bench mode scheduler: tiny runs', () => {
  for (const name of WORKLOAD_NAMES) {
    it(`${name}: framework and baseline bind what they should, and nothing else`, () => {
      const w = generateWorkload(name, SIZES[name]);
      const fw = runFrameworkLoop(w, window);
      const bl = runBaseline(w, window);
      assert.deepEqual(checkPlacement(w, fw.placement), []);
      assert.deepEqual(checkPlacement(w, bl.placement), []);
      assert.equal(measuredBound(w, fw.placement), expectedBound(w));
      assert.equal(fw.measurement.bound, expectedBound(w));
      assert.equal(bl.measurement.bound, expectedBound(w));
    });
  }

  it('the framework loop is deterministic: the same seed, the same placements', () => {
    for (const name of ['SchedulingBasic', 'PreemptionBasic', 'SchedulingWithMixedChurn'] as const) {
      const a = runFrameworkLoop(generateWorkload(name, SIZES[name]), window);
      const b = runFrameworkLoop(generateWorkload(name, SIZES[name]), window);
      assert.deepEqual([...a.placement.bound], [...b.placement.bound]);
      assert.deepEqual(a.placement.evictions, b.placement.evictions);
    }
  });

  it('anti-affinity: more group pods than nodes → one per node, the rest stay pending', () => {
    const w = generateWorkload('SchedulingPodAntiAffinity', { nodes: 8, measuredPods: 12 });
    for (const p of [runFrameworkLoop(w, window).placement, runBaseline(w, window).placement]) {
      assert.equal(p.bound.size, 8);
      assert.equal(new Set(p.bound.values()).size, 8);
      assert.equal(measuredBound(w, p), 8 - w.initPods.length);
    }
  });

  it('affinity: every color=blue pod lands in one zone', () => {
    const w = generateWorkload('SchedulingPodAffinity', SIZES.SchedulingPodAffinity);
    const zoneOf = new Map(w.nodes.map((n) => [n.metadata!.name!, n.metadata!.labels![ZONE_LABEL]]));
    const zones = new Set([...runFrameworkLoop(w, window).placement.bound.values()].map((n) => zoneOf.get(n)));
    assert.equal(zones.size, 1);
  });

  it('preemption evicts only lower-priority pods, and every high-priority pod ends bound', () => {
    const w = generateWorkload('PreemptionBasic', SIZES.PreemptionBasic);
    const fw = runFrameworkLoop(w, window);
    assert.ok(fw.placement.evictions.length >= 3 * w.measuredPods.length);
    for (const e of fw.placement.evictions) {
      assert.ok(e.victimPriority < e.preemptorPriority);
      assert.equal(e.preemptorPriority, HIGH_PRIORITY);
      assert.ok(!fw.placement.bound.has(e.victim), `${e.victim} was evicted but is bound`);
    }
    for (const p of w.measuredPods) assert.ok(fw.placement.bound.has(podKey(p)));
    // Each node ends with one high-priority pod and one of its four low-priority pods.
    const perNode = new Map<string, number>();
    for (const node of fw.placement.bound.values()) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    assert.deepEqual(new Set(perNode.values()), new Set([2]));
  });

  it('churn: recreate steps run, and the 9-CPU churn pods never bind', () => {
    const w = generateWorkload('SchedulingWithMixedChurn', SIZES.SchedulingWithMixedChurn);
    const fw = runFrameworkLoop(w, window);
    assert.ok(fw.measurement.churnSteps >= 1);
    for (const key of fw.placement.bound.keys()) assert.ok(!key.includes('pod-h-'), `churn pod ${key} bound`);
  });

  it('runSchedulerBench reports the contract fields, with the baseline from the same run', () => {
    const r = runSchedulerBench({ workload: 'SchedulingBasic', mode: 'scheduler', nodes: 20, pods: 40 });
    assert.equal(r.mode, 'scheduler');
    assert.equal(r.bound, 40);
    assert.ok(r.podsPerSecond.average > 0 && r.podsPerSecond.p95 > 0);
    assert.ok(r.baseline && r.baseline.podsPerSecond.average > 0);
    assert.ok(r.ratioToBaseline !== null && r.ratioToBaseline > 0);
    assert.equal(r.schedulerPerfThreshold.podsPerSecond, 680);
    assert.deepEqual(r.violations, []);
    assert.equal(r.podsPerVirtualSecond, null);
  });
});

describe('bench mode cluster: a tiny run end to end', () => {
  it('binds every measured pod through apiserver, Raft and the scheduler actor', () => {
    const r = runSchedulerBench({ workload: 'SchedulingBasic', mode: 'cluster', nodes: 3, pods: 12, initPods: 2 });
    assert.equal(r.mode, 'cluster');
    assert.equal(r.bound, 12);
    assert.deepEqual(r.violations, []);
    assert.ok(r.podsPerVirtualSecond !== null && r.podsPerVirtualSecond > 0);
    assert.ok(r.events > 0);
    assert.ok(r.cluster && r.cluster.lastBoundAtVirtualMs > r.cluster.firstCreateAtVirtualMs);
  });
});
