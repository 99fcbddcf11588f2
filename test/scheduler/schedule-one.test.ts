/**
 * scheduleOne against hand-computed kube-scheduler arithmetic: raw, normalized and weighted
 * scores on a 3-node cluster, the chosen node, tie-breaking by the injected draw, the exact
 * `0/N nodes are available` messages (v1.30+ format), percentageOfNodesToScore and the
 * rotating start index, preemption's nomination.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import {
  buildProfile,
  buildSnapshot,
  DEFAULT_PLUGINS,
  defaultProfile,
  INITIAL_ROTATION,
  numFeasibleNodesToFind,
  scheduleOne,
  type Explanation,
  type ScheduleOneResult,
} from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const never = (): number => {
  throw new Error('randomInt must not be called');
};

/** plugin → node → [raw, normalized, weighted] from an explanation. */
function scoreTable(ex: Explanation): Record<string, Record<string, [number, number, number]>> {
  const out: Record<string, Record<string, [number, number, number]>> = {};
  for (const n of ex.nodes) {
    for (const s of n.scores ?? []) {
      (out[s.plugin] ??= {})[n.node] = [s.raw, s.normalized, s.weighted];
    }
  }
  return out;
}

function totals(ex: Explanation): Record<string, number> {
  return Object.fromEntries(ex.nodes.filter((n) => n.total !== undefined).map((n) => [n.node, n.total!]));
}

function nodeOf(r: ScheduleOneResult): string {
  assert.ok('node' in r, `expected a node, got ${JSON.stringify(r)}`);
  return r.node;
}

function messageOf(r: ScheduleOneResult): string {
  assert.ok('unschedulable' in r, `expected unschedulable, got ${JSON.stringify(r)}`);
  return r.unschedulable.message;
}

/**
 * n1: 4 cpu, 8Gi, rack=r1,               pod a (1 cpu, 2Gi)
 * n2: 4 cpu, 8Gi, rack=r1, disktype=ssd, pod b (3 cpu, 1Gi)
 * n3: 2 cpu, 4Gi, rack=r2, disktype=ssd, taint spot=true:PreferNoSchedule, no pods
 */
function goldenCluster() {
  const nodes: V1Node[] = [
    makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).label('rack', 'r1').obj(),
    makeNode('n2').capacity({ cpu: '4', memory: '8Gi' }).label('rack', 'r1').label('disktype', 'ssd').obj(),
    makeNode('n3').capacity({ cpu: '2', memory: '4Gi' }).label('rack', 'r2').label('disktype', 'ssd').taint('spot', 'true', 'PreferNoSchedule').obj(),
  ];
  const pods: V1Pod[] = [
    makePod('a').req({ cpu: '1', memory: '2Gi' }).nodeName('n1').obj(),
    makePod('b').req({ cpu: '3', memory: '1Gi' }).nodeName('n2').obj(),
  ];
  return buildSnapshot(nodes, pods);
}

/** Preferred: rack=r1 (weight 30), disktype=ssd (weight 20). */
function preferring(name: string) {
  return makePod(name)
    .preferredTerm(30, [{ key: 'rack', operator: 'In', values: ['r1'] }])
    .preferredTerm(20, [{ key: 'disktype', operator: 'In', values: ['ssd'] }]);
}

describe('scheduleOne: golden scores on a 3-node cluster', () => {
  it('pod requesting 500m / 1Gi: every plugin score, the totals and the chosen node', () => {
    const r = scheduleOne(defaultProfile(), goldenCluster(), preferring('p').req({ cpu: '500m', memory: '1Gi' }).obj(), INITIAL_ROTATION, never, { explain: true });
    const t = scoreTable(r.explanation!);
    // TaintToleration raw = untolerated PreferNoSchedule taints: n1 0, n2 0, n3 1.
    // Reverse normalize with max 1: 100 − 100·0/1 = 100, 100, 100 − 100·1/1 = 0; weight 3.
    assert.deepEqual(t.TaintToleration, { n1: [0, 100, 300], n2: [0, 100, 300], n3: [1, 0, 0] });
    // NodeAffinity raw = Σ matching preferred weights: n1 30, n2 30+20 = 50, n3 20.
    // Normalize by max 50: 30·100/50 = 60, 100, 20·100/50 = 40; weight 2.
    assert.deepEqual(t.NodeAffinity, { n1: [30, 60, 120], n2: [50, 100, 200], n3: [20, 40, 80] });
    // LeastAllocated, (cap − req)·100/cap per resource, then (cpu + mem)/2, integer division:
    //   n1 cpu (4000−1500)·100/4000 = 62, mem (8−3)Gi·100/8Gi = 62  → (62+62)/2 = 62
    //   n2 cpu (4000−3500)·100/4000 = 12, mem (8−2)Gi·100/8Gi = 75  → (12+75)/2 = 43
    //   n3 cpu (2000−500)·100/2000  = 75, mem (4−1)Gi·100/4Gi = 75  → 75
    assert.deepEqual(t.NodeResourcesFit, { n1: [62, 62, 62], n2: [43, 43, 43], n3: [75, 75, 75] });
    // BalancedAllocation, fractions of exact requests, (1 − |f_cpu − f_mem|/2)·100 truncated:
    //   n1 1500/4000 = 0.375, 3/8 = 0.375 → 100
    //   n2 3500/4000 = 0.875, 2/8 = 0.25  → (1 − 0.3125)·100 = 68.75 → 68
    //   n3 500/2000 = 0.25,   1/4 = 0.25  → 100
    assert.deepEqual(t.NodeResourcesBalancedAllocation, { n1: [100, 100, 100], n2: [68, 68, 68], n3: [100, 100, 100] });
    // Totals: n1 300+120+62+100 = 582, n2 300+200+43+68 = 611, n3 0+80+75+100 = 255.
    assert.deepEqual(totals(r.explanation!), { n1: 582, n2: 611, n3: 255 });
    assert.equal(nodeOf(r), 'n2');
    assert.equal(r.explanation!.selectedNode, 'n2');
    assert.equal(r.evaluatedNodes, 3);
    assert.equal(r.feasibleNodes, 3);
  });

  it('pod without requests: LeastAllocated counts 100m / 200Mi, BalancedAllocation is skipped', () => {
    const r = scheduleOne(defaultProfile(), goldenCluster(), preferring('q').obj(), INITIAL_ROTATION, never, { explain: true });
    const t = scoreTable(r.explanation!);
    // Non-zero requests: n1 cpu 1000+100 = 1100 of 4000 → 2900·100/4000 = 72;
    //   mem 2048Mi+200Mi = 2248Mi of 8192Mi → 5944·100/8192 = 72 → 72
    // n2 cpu 3100/4000 → 900·100/4000 = 22; mem 1224Mi/8192Mi → 6968·100/8192 = 85 → (22+85)/2 = 53
    // n3 cpu 100/2000 → 1900·100/2000 = 95; mem 200Mi/4096Mi → 3896·100/4096 = 95 → 95
    assert.deepEqual(t.NodeResourcesFit, { n1: [72, 72, 72], n2: [53, 53, 53], n3: [95, 95, 95] });
    // A best-effort pod: BalancedAllocation's PreScore returns Skip (kubernetes#129138).
    assert.equal(t.NodeResourcesBalancedAllocation, undefined);
    // PodTopologySpread (no constraints, no workload selector) and InterPodAffinity (no pod with
    // affinity) skip at PreScore too.
    assert.deepEqual(r.explanation!.skippedScorePlugins, ['PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation']);
    // Totals: n1 300+120+72 = 492, n2 300+200+53 = 553, n3 0+80+95 = 175.
    assert.deepEqual(totals(r.explanation!), { n1: 492, n2: 553, n3: 175 });
    assert.equal(nodeOf(r), 'n2');
  });

  it('explain lists every filter verdict per node', () => {
    const r = scheduleOne(defaultProfile(), goldenCluster(), makePod('big').req({ cpu: '3' }).obj(), INITIAL_ROTATION, never, { explain: true });
    const ex = r.explanation!;
    // NodeAffinity, NodePorts, PodTopologySpread and InterPodAffinity were skipped at PreFilter
    // (no selector, no host ports, no spread constraints, no pod affinity anywhere).
    assert.deepEqual(
      ex.preFilter.map((v) => [v.plugin, v.code]),
      [
        ['NodeAffinity', 'Skip'],
        ['NodePorts', 'Skip'],
        ['VolumeBinding', 'Skip'],
        ['PodTopologySpread', 'Skip'],
        ['InterPodAffinity', 'Skip'],
      ],
    );
    const n2 = ex.nodes.find((n) => n.node === 'n2')!;
    assert.deepEqual(n2.filters, [
      { plugin: 'NodeUnschedulable', code: 'Success', reasons: [] },
      { plugin: 'NodeName', code: 'Success', reasons: [] },
      { plugin: 'TaintToleration', code: 'Success', reasons: [] },
      { plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    ]);
    assert.equal(n2.feasible, false);
    // n1 (3 cpu free) and n3 (2 cpu free, too small): only n1 fits → chosen without scoring.
    assert.equal(nodeOf(r), 'n1');
    assert.equal(ex.scoring, 'one feasible node');
  });
});

describe('scheduleOne: tie-breaking', () => {
  const three = () => buildSnapshot(['n1', 'n2', 'n3'].map((n) => makeNode(n).capacity({ cpu: '4', memory: '8Gi' }).obj()));

  it('draws once among the tied nodes, in scan order', () => {
    const calls: number[] = [];
    const pick = (k: number) => (n: number) => {
      calls.push(n);
      return k;
    };
    const pod = makePod('p').req({ cpu: '1' }).obj();
    assert.equal(nodeOf(scheduleOne(defaultProfile(), three(), pod, INITIAL_ROTATION, pick(0))), 'n1');
    assert.equal(nodeOf(scheduleOne(defaultProfile(), three(), pod, INITIAL_ROTATION, pick(2))), 'n3');
    // Starting the scan at index 1 orders the tie n2, n3, n1.
    const r = scheduleOne(defaultProfile(), three(), pod, { nextStartNodeIndex: 1 }, pick(0), { explain: true });
    assert.equal(nodeOf(r), 'n2');
    assert.deepEqual(r.explanation!.tie, { nodes: ['n2', 'n3', 'n1'], draw: 0 });
    assert.deepEqual(calls, [3, 3, 3]);
  });

  it('does not draw when one node scores highest', () => {
    const snap = three();
    snap.addPod(makePod('x').req({ cpu: '2' }).nodeName('n1').obj());
    snap.addPod(makePod('y').req({ cpu: '2' }).nodeName('n2').obj());
    assert.equal(nodeOf(scheduleOne(defaultProfile(), snap, makePod('p').req({ cpu: '1' }).obj(), INITIAL_ROTATION, never)), 'n3');
  });

  it('rejects a draw outside [0, n)', () => {
    assert.throws(() => scheduleOne(defaultProfile(), three(), makePod('p').obj(), INITIAL_ROTATION, () => 3), /randomInt\(3\) returned 3/);
  });
});

describe('scheduleOne: the 0/N nodes are available message', () => {
  it('counts and sorts reasons across nodes, with the preemption suffix', () => {
    // The control-plane node is tainted; the two workers have 2 cpu, the pod wants 3.
    const snap = buildSnapshot([
      makeNode('cp').capacity({ cpu: '8', memory: '8Gi' }).taint('node-role.kubernetes.io/control-plane', undefined, 'NoSchedule').obj(),
      makeNode('w1').capacity({ cpu: '2', memory: '8Gi' }).obj(),
      makeNode('w2').capacity({ cpu: '2', memory: '8Gi' }).obj(),
    ]);
    const r = scheduleOne(defaultProfile(), snap, makePod('p').req({ cpu: '3' }).obj(), INITIAL_ROTATION, () => 0);
    // Preemption: the taint is unresolvable (not helpful); the workers are Unschedulable but hold
    // no lower-priority pods (no victims).
    assert.equal(
      messageOf(r),
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    assert.ok('unschedulable' in r);
    assert.deepEqual(r.unschedulable.reasonsByNode, {
      cp: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
      w1: ['Insufficient cpu'],
      w2: ['Insufficient cpu'],
    });
    assert.deepEqual(r.unschedulable.unschedulablePlugins, ['TaintToleration', 'NodeResourcesFit']);
    assert.equal(r.unschedulable.nominatedNodeName, '');
  });

  it('a mix of six reasons, in Go sort.Strings order', () => {
    const snap = buildSnapshot([
      makeNode('cp').capacity({ cpu: '8', memory: '8Gi' }).taint('node-role.kubernetes.io/control-plane', undefined, 'NoSchedule').obj(),
      makeNode('w1').capacity({ cpu: '2', memory: '8Gi' }).label('pool', 'worker').obj(),
      makeNode('w2').capacity({ cpu: '2', memory: '8Gi' }).label('pool', 'worker').obj(),
      makeNode('w3').capacity({ cpu: '8', memory: '8Gi' }).label('pool', 'worker').unschedulable().obj(),
      makeNode('w4').capacity({ cpu: '8', memory: '8Gi' }).obj(),
      makeNode('w5').capacity({ cpu: '8', memory: '512Mi', pods: '1' }).label('pool', 'worker').obj(),
    ]);
    snap.addPod(makePod('resident').nodeName('w5').obj());
    const pod = makePod('p').req({ cpu: '3', memory: '1Gi' }).nodeSelector({ pool: 'worker' }).obj();
    const r = scheduleOne(defaultProfile(), snap, pod, INITIAL_ROTATION, () => 0);
    // Byte order puts "1 I…" < "1 T…" < "1 n…" and every "1 …" before "2 …".
    assert.equal(
      messageOf(r),
      '0/6 nodes are available: 1 Insufficient memory, 1 Too many pods, ' +
        "1 node(s) didn't match Pod's node affinity/selector, " +
        '1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable, 2 Insufficient cpu. ' +
        'preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
    );
    assert.ok('unschedulable' in r);
    assert.deepEqual(r.unschedulable.reasonsByNode.w5, ['Too many pods', 'Insufficient memory']);
  });

  it('every node unresolvable: 3 Preemption is not helpful', () => {
    const snap = buildSnapshot([
      makeNode('a').capacity({ cpu: '1', memory: '1Gi' }).unschedulable().obj(),
      makeNode('b').capacity({ cpu: '1', memory: '1Gi' }).unschedulable().obj(),
      makeNode('c').capacity({ cpu: '1', memory: '1Gi' }).taint('gpu', 'true', 'NoSchedule').obj(),
    ]);
    const r = scheduleOne(defaultProfile(), snap, makePod('p').obj(), INITIAL_ROTATION, never);
    assert.equal(
      messageOf(r),
      '0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 2 node(s) were unschedulable. ' +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('preemptionPolicy Never, a profile without preemption, and the v1.35 taint wording', () => {
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '1', memory: '1Gi' }).taint('k', 'v', 'NoExecute').obj(), makeNode('b').capacity({ cpu: '1', memory: '1Gi' }).obj()]);
    const pod = makePod('p').req({ cpu: '2' }).preemptionPolicy('Never').obj();
    assert.equal(
      messageOf(scheduleOne(defaultProfile(), snap, pod, INITIAL_ROTATION, never)),
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}. preemption: not eligible due to preemptionPolicy=Never.',
    );
    const noPreemption = buildProfile({ plugins: DEFAULT_PLUGINS.filter((p) => p.name !== 'DefaultPreemption') });
    assert.equal(messageOf(scheduleOne(noPreemption, snap, pod, INITIAL_ROTATION, never)), '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}.');
    const hidden = buildProfile({ pluginConfig: { TaintToleration: { hideTaintValues: true } }, plugins: DEFAULT_PLUGINS.filter((p) => p.name !== 'DefaultPreemption') });
    assert.equal(messageOf(scheduleOne(hidden, snap, pod, INITIAL_ROTATION, never)), '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).');
  });

  it('no nodes at all', () => {
    assert.equal(messageOf(scheduleOne(defaultProfile(), buildSnapshot([]), makePod('p').obj(), INITIAL_ROTATION, never)), 'no nodes available to schedule pods');
  });

  it('a PreFilter rejection replaces the histogram', () => {
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '1', memory: '1Gi' }).obj(), makeNode('b').capacity({ cpu: '1', memory: '1Gi' }).obj()]);
    // One term pinning metadata.name to both a and b at once: no name satisfies it.
    const pod = makePod('p')
      .requiredTerm(
        [],
        [
          { key: 'metadata.name', operator: 'In', values: ['a'] },
          { key: 'metadata.name', operator: 'In', values: ['b'] },
        ],
      )
      .obj();
    assert.equal(
      messageOf(scheduleOne(defaultProfile(), snap, pod, INITIAL_ROTATION, never)),
      '0/2 nodes are available: pod affinity terms conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('nodes a PreFilter narrowed away count as not satisfying it', () => {
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '1', memory: '1Gi' }).obj(), makeNode('b').capacity({ cpu: '1', memory: '1Gi' }).obj()]);
    // Two required terms, each pinning metadata.name to a node that does not exist: no node left.
    const pod = makePod('p')
      .requiredTerm([], [{ key: 'metadata.name', operator: 'In', values: ['x'] }])
      .requiredTerm([], [{ key: 'metadata.name', operator: 'In', values: ['y'] }])
      .obj();
    const r = scheduleOne(defaultProfile(), snap, pod, INITIAL_ROTATION, never);
    // NodeAffinity narrows to {x, y}; neither exists, so every node counts as not satisfying it.
    assert.equal(messageOf(r), "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  });
});

describe('scheduleOne: preemption', () => {
  it('nominates the node whose eviction set is cheapest and returns the victims', () => {
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '2', memory: '4Gi' }).obj(), makeNode('b').capacity({ cpu: '2', memory: '4Gi' }).obj()]);
    snap.addPod(makePod('low-a').req({ cpu: '2' }).priority(10).nodeName('a').obj());
    snap.addPod(makePod('low-b1').req({ cpu: '1' }).priority(1).nodeName('b').obj());
    snap.addPod(makePod('low-b2').req({ cpu: '1' }).priority(1).nodeName('b').obj());
    const r = scheduleOne(defaultProfile(), snap, makePod('high').req({ cpu: '2' }).priority(100).obj(), INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in r);
    // Lowest top victim priority wins: b (1) over a (10), though b needs two victims.
    assert.equal(r.unschedulable.nominatedNodeName, 'b');
    assert.deepEqual(r.unschedulable.victims!.map((v) => v.name).sort(), ['low-b1', 'low-b2']);
    // PostFilter succeeded, so no preemption suffix.
    assert.equal(r.unschedulable.message, '0/2 nodes are available: 2 Insufficient cpu.');
  });

  it('keeps the victims it can reprieve', () => {
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '4', memory: '4Gi' }).obj()]);
    snap.addPod(makePod('v1').req({ cpu: '1' }).priority(5).startTime('2025-01-01T00:00:10Z').nodeName('a').obj());
    snap.addPod(makePod('v2').req({ cpu: '1' }).priority(5).startTime('2025-01-01T00:00:20Z').nodeName('a').obj());
    snap.addPod(makePod('v3').req({ cpu: '2' }).priority(1).nodeName('a').obj());
    // Needs 3 cpu: evicting v3 (2 cpu) plus one of v1/v2. v1 started first, so it is more
    // important and is re-added first; then v2 no longer fits.
    const r = scheduleOne(defaultProfile(), snap, makePod('high').req({ cpu: '3' }).priority(100).obj(), INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in r);
    assert.deepEqual(
      r.unschedulable.victims!.map((v) => v.name),
      ['v2', 'v3'],
    );
  });

  it('the nominated node is tried first', () => {
    const snap = buildSnapshot(['a', 'b', 'c'].map((n) => makeNode(n).capacity({ cpu: '2', memory: '4Gi' }).obj()));
    const r = scheduleOne(defaultProfile(), snap, makePod('p').nominatedNodeName('c').obj(), { nextStartNodeIndex: 1 }, never, { explain: true });
    assert.equal(nodeOf(r), 'c');
    assert.equal(r.explanation!.scoring, 'nominated node fits');
    assert.deepEqual(r.rotation, { nextStartNodeIndex: 1 });
  });
});

describe('percentageOfNodesToScore and the start index', () => {
  it('numFeasibleNodesToFind: 50 → 50, 100 → 100, 1000 → 420, 5000 → 500', () => {
    // n < 100: all. Else max(5, 50 − n/125)% but at least 100:
    //   100: 50% → 50 → 100;  1000: 50 − 8 = 42% → 420;  5000: 50 − 40 = 10% → 500;
    //   10000: 50 − 80 < 5 → 5% → 500.
    assert.deepEqual(
      [50, 100, 1000, 5000, 10000].map((n) => numFeasibleNodesToFind(undefined, n)),
      [50, 100, 420, 500, 500],
    );
    assert.equal(numFeasibleNodesToFind(0, 1000), 420);
    assert.equal(numFeasibleNodesToFind(100, 1000), 1000);
    assert.equal(numFeasibleNodesToFind(30, 1000), 300);
    assert.equal(numFeasibleNodesToFind(5, 1000), 100); // 50 → raised to the minimum of 100
  });

  const cluster = (n: number) => buildSnapshot(Array.from({ length: n }, (_, i) => makeNode(`node-${String(i).padStart(4, '0')}`).capacity({ cpu: '4', memory: '8Gi' }).obj()));

  it('evaluates 420 of 1000 nodes and rotates the start index by the nodes processed', () => {
    const snap = cluster(1000);
    const pod = makePod('p').req({ cpu: '100m' }).obj();
    const first = scheduleOne(defaultProfile(), snap, pod, INITIAL_ROTATION, () => 0);
    assert.equal(first.evaluatedNodes, 420);
    assert.deepEqual(first.rotation, { nextStartNodeIndex: 420 });
    const second = scheduleOne(defaultProfile(), snap, pod, first.rotation, () => 0);
    assert.deepEqual(second.rotation, { nextStartNodeIndex: 840 });
    // 840..999 then 0..259: (840 + 420) mod 1000 = 260.
    const third = scheduleOne(defaultProfile(), snap, pod, second.rotation, () => 0, { explain: true });
    assert.deepEqual(third.rotation, { nextStartNodeIndex: 260 });
    assert.equal(third.explanation!.nodes[0]!.node, 'node-0840');
    assert.equal(third.explanation!.nodes.at(-1)!.node, 'node-0259');
  });

  it('counts rejected nodes as processed too', () => {
    const snap = cluster(200);
    // Cordon nodes 0..9: the scan needs 100 feasible nodes (50% of 200) and passes 10 rejections.
    for (let i = 0; i < 10; i++) snap.updateNode(makeNode(`node-${String(i).padStart(4, '0')}`).capacity({ cpu: '4', memory: '8Gi' }).unschedulable().obj());
    const r = scheduleOne(defaultProfile(), snap, makePod('p').obj(), INITIAL_ROTATION, () => 0);
    assert.equal(r.feasibleNodes, 100);
    assert.equal(r.evaluatedNodes, 110);
    assert.deepEqual(r.rotation, { nextStartNodeIndex: 110 });
  });

  it('visits 500 of 5000 nodes and all 50 of 50', () => {
    assert.equal(scheduleOne(defaultProfile(), cluster(5000), makePod('p').obj(), INITIAL_ROTATION, () => 0).evaluatedNodes, 500);
    assert.equal(scheduleOne(defaultProfile(), cluster(50), makePod('p').obj(), INITIAL_ROTATION, () => 0).evaluatedNodes, 50);
    assert.equal(scheduleOne(defaultProfile({ percentageOfNodesToScore: 100 }), cluster(1000), makePod('p').obj(), INITIAL_ROTATION, () => 0).evaluatedNodes, 1000);
  });
});
