/**
 * The bench's workload generators: deterministic (same seed → the same nodes and pods, a
 * different seed → a different draw where upstream draws), shaped like scheduler_perf's
 * templates, sized from the options.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateWorkload, WORKLOAD_NAMES, WORKLOADS, ZONE_LABEL } from '../../bench/scheduler/workloads.ts';
import { computePodResources, nodeAllocatable, podKey } from '../../actors/scheduler/index.ts';

describe('bench workload generators', () => {
  for (const name of WORKLOAD_NAMES) {
    it(`${name}: the same seed gives the same nodes and pods`, () => {
      const a = generateWorkload(name, { nodes: 40, measuredPods: 30, seed: 'seven' });
      const b = generateWorkload(name, { nodes: 40, measuredPods: 30, seed: 'seven' });
      assert.deepEqual(a.nodes, b.nodes);
      assert.deepEqual(a.initPods, b.initPods);
      assert.deepEqual(a.measuredPods, b.measuredPods);
      if (a.churn && b.churn) for (const k of [0, 1, 5]) assert.deepEqual(a.churn.step(k), b.churn.step(k));
    });

    it(`${name}: sizes, unique pod keys, node-default capacity`, () => {
      const w = generateWorkload(name, { nodes: 40, measuredPods: 30 });
      assert.equal(w.nodes.length, 40);
      assert.equal(w.measuredPods.length, 30);
      assert.equal(w.initPods.length, Math.round(40 * WORKLOADS[name].initPodsPerNode));
      const keys = new Set([...w.initPods, ...w.measuredPods].map(podKey));
      assert.equal(keys.size, w.initPods.length + w.measuredPods.length);
      const a = nodeAllocatable(w.nodes[0]!);
      assert.deepEqual([a.milliCpu, a.memory, a.allowedPodNumber], [4000, 32 * 1024 ** 3, 110]);
    });
  }

  it('zone labels are drawn from the seed (a different seed, a different draw)', () => {
    const zones = (seed: string) => generateWorkload('TopologySpreading', { nodes: 60, measuredPods: 1, seed }).nodes.map((n) => n.metadata!.labels![ZONE_LABEL]);
    assert.deepEqual(zones('1'), zones('1'));
    assert.notDeepEqual(zones('1'), zones('2'));
    assert.deepEqual(new Set(zones('1')), new Set(['moon-1', 'moon-2', 'moon-3']));
  });

  it('SchedulingNodeAffinity: exactly half the nodes (rounded up) carry zone1', () => {
    for (const nodes of [10, 11, 200]) {
      const w = generateWorkload('SchedulingNodeAffinity', { nodes, measuredPods: 1 });
      assert.equal(w.nodes.filter((n) => n.metadata!.labels![ZONE_LABEL] === 'zone1').length, Math.ceil(nodes / 2));
    }
  });

  it('pod templates match scheduler_perf: requests, priorities, affinity terms', () => {
    const req = (p: Parameters<typeof computePodResources>[0]) => computePodResources(p).requests;
    assert.deepEqual([req(generateWorkload('SchedulingBasic', { nodes: 1, measuredPods: 1 }).measuredPods[0]!).milliCpu, req(generateWorkload('SchedulingBasic', { nodes: 1, measuredPods: 1 }).measuredPods[0]!).memory], [100, 500 * 1024 ** 2]);
    const pre = generateWorkload('PreemptionBasic', { nodes: 2, measuredPods: 1 });
    assert.equal(pre.initPods.length, 8);
    assert.equal(req(pre.initPods[0]!).milliCpu, 900);
    assert.equal(pre.initPods[0]!.spec!.priority, undefined);
    assert.equal(req(pre.measuredPods[0]!).milliCpu, 3000);
    assert.equal(pre.measuredPods[0]!.spec!.priority, 10);
    const anti = generateWorkload('SchedulingPodAntiAffinity', { nodes: 5, measuredPods: 1 }).measuredPods[0]!;
    assert.equal(anti.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!.topologyKey, 'kubernetes.io/hostname');
    const spread = generateWorkload('TopologySpreading', { nodes: 5, measuredPods: 1 }).measuredPods[0]!;
    assert.deepEqual(spread.spec!.topologySpreadConstraints![0]!.maxSkew, 1);
    const churn = generateWorkload('SchedulingWithMixedChurn', { nodes: 5, measuredPods: 1 }).churn!;
    assert.equal(churn.everyMs, 1000);
    assert.equal(nodeAllocatable(churn.step(0).node).allowedPodNumber, 0);
    assert.equal(req(churn.step(0).pod).milliCpu, 9000);
  });

  it('rejects sizes that are not whole numbers', () => {
    assert.throws(() => generateWorkload('SchedulingBasic', { nodes: 1.5 }), /nodes must be an integer/);
    assert.throws(() => generateWorkload('SchedulingBasic', { nodes: 0 }), /nodes must be an integer/);
    assert.throws(() => generateWorkload('SchedulingBasic', { measuredPods: -1 }), /measured pods/);
  });
});
