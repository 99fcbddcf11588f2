/**
 * The full default profile on a 3-node cluster where all seven score plugins contribute, every
 * raw, normalized and weighted score and the totals worked out by hand; and the adaptive
 * percentageOfNodesToScore with its rotating start index.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { INITIAL_ROTATION, numFeasibleNodesToFind, scheduleOne, type Explanation } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { defaultProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const MiB = 1024 * 1024;

function withImage(n: V1Node, name: string, mib: number): V1Node {
  n.status!.images = [{ names: [name], sizeBytes: mib * MiB }];
  return n;
}

/**
 * n1: zone a, 4 cpu / 8Gi, spot=true:PreferNoSchedule, image nginx:1.25 (500 MiB); e1 app=web 1 cpu / 2Gi
 * n2: zone a, 4 cpu / 8Gi, disktype=ssd;                                            e2 app=web 2 cpu / 1Gi
 * n3: zone b, 8 cpu / 16Gi, image nginx:1.25 (500 MiB);                            e3 app=db  1 cpu / 4Gi
 */
function cluster() {
  const nodes = [
    withImage(makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).zone('a').taint('spot', 'true', 'PreferNoSchedule').obj(), 'nginx:1.25', 500),
    makeNode('n2').capacity({ cpu: '4', memory: '8Gi' }).zone('a').label('disktype', 'ssd').obj(),
    withImage(makeNode('n3').capacity({ cpu: '8', memory: '16Gi' }).zone('b').obj(), 'nginx:1.25', 500),
  ];
  const pods = [
    makePod('e1').label('app', 'web').req({ cpu: '1', memory: '2Gi' }).nodeName('n1').obj(),
    makePod('e2').label('app', 'web').req({ cpu: '2', memory: '1Gi' }).nodeName('n2').obj(),
    makePod('e3').label('app', 'db').req({ cpu: '1', memory: '4Gi' }).nodeName('n3').obj(),
  ];
  return buildSnapshot(nodes, pods);
}

/**
 * app=web, 1 cpu / 2Gi, image nginx:1.25; prefers disktype=ssd (node affinity, weight 10); spreads
 * app=web over zones (ScheduleAnyway, maxSkew 1); prefers to avoid app=web on the same host
 * (pod anti-affinity, weight 10).
 */
function incoming(): V1Pod {
  const p = makePod('web-new')
    .label('app', 'web')
    .req({ cpu: '1', memory: '2Gi' })
    .preferredTerm(10, [{ key: 'disktype', operator: 'In', values: ['ssd'] }])
    .obj();
  p.spec!.containers[0]!.image = 'nginx:1.25';
  p.spec!.topologySpreadConstraints = [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }];
  p.spec!.affinity!.podAntiAffinity = {
    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }],
  };
  return p;
}

function table(ex: Explanation): Record<string, Record<string, [number, number, number]>> {
  const out: Record<string, Record<string, [number, number, number]>> = {};
  for (const n of ex.nodes) for (const s of n.scores ?? []) (out[s.plugin] ??= {})[n.node] = [s.raw, s.normalized, s.weighted];
  return out;
}

describe('the default profile: weighted total and chosen node (golden)', () => {
  it('all seven score plugins, by hand', () => {
    const r = scheduleOne(defaultProfile(), cluster(), incoming(), INITIAL_ROTATION, () => {
      throw new Error('no tie expected');
    }, { explain: true });
    const t = table(r.explanation!);
    // TaintToleration (×3): untolerated PreferNoSchedule taints n1 1, n2 0, n3 0; reverse-normalized
    // by max 1: 100 − 100 = 0, 100, 100.
    assert.deepEqual(t.TaintToleration, { n1: [1, 0, 0], n2: [0, 100, 300], n3: [0, 100, 300] });
    // NodeAffinity (×2): preferred disktype=ssd weight 10 → 0, 10, 0; by max 10 → 0, 100, 0.
    assert.deepEqual(t.NodeAffinity, { n1: [0, 0, 0], n2: [10, 100, 200], n3: [0, 0, 0] });
    // NodeResourcesFit LeastAllocated (×1), requested after placement:
    //   n1 cpu (4000 − 2000)·100/4000 = 50, mem (8 − 4)Gi·100/8Gi = 50 → 50
    //   n2 cpu (4000 − 3000)·100/4000 = 25, mem (8 − 3)·100/8 = 62 → 87/2 = 43
    //   n3 cpu (8000 − 2000)·100/8000 = 75, mem (16 − 6)·100/16 = 62 → 137/2 = 68
    assert.deepEqual(t.NodeResourcesFit, { n1: [50, 50, 50], n2: [43, 43, 43], n3: [68, 68, 68] });
    // PodTopologySpread (×2): app=web per zone a = 2 (e1, e2), b = 0; 2 domains → ln 4.
    //   raw n1 = n2 = round(2·ln4 + 0) = round(2.77) = 3, n3 = 0.
    //   100·(max 3 + min 0 − s)/3 → 0, 0, 100.
    assert.deepEqual(t.PodTopologySpread, { n1: [3, 0, 0], n2: [3, 0, 0], n3: [0, 100, 200] });
    // InterPodAffinity (×2): preferred anti app=web on hostname ×10: e1 → (n1) −10, e2 → (n2) −10.
    //   raw −10, −10, 0; min −10, max 0 → 0, 0, 100.
    assert.deepEqual(t.InterPodAffinity, { n1: [-10, 0, 0], n2: [-10, 0, 0], n3: [0, 100, 200] });
    // BalancedAllocation (×1), fractions of exact requests:
    //   n1 0.5 / 0.5 → 100; n2 0.75 / 0.375 → (1 − 0.1875)·100 = 81; n3 0.25 / 0.375 → 93.75 → 93
    assert.deepEqual(t.NodeResourcesBalancedAllocation, { n1: [100, 100, 100], n2: [81, 81, 81], n3: [93, 93, 93] });
    // ImageLocality (×1): nginx:1.25 on 2 of 3 nodes → int64(500 MiB · 2/3) = 349525333 B;
    //   100·(349525333 − 23 MiB)/(977 MiB) = 31.76 → 31 on n1 and n3, 0 on n2.
    assert.deepEqual(t.ImageLocality, { n1: [31, 31, 31], n2: [0, 0, 0], n3: [31, 31, 31] });
    // Totals: n1 0 + 0 + 50 + 0 + 0 + 100 + 31 = 181
    //         n2 300 + 200 + 43 + 0 + 0 + 81 + 0 = 624
    //         n3 300 + 0 + 68 + 200 + 200 + 93 + 31 = 892  → n3
    assert.deepEqual(Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.total])), { n1: 181, n2: 624, n3: 892 });
    assert.ok('node' in r && r.node === 'n3');
    // The filters that ran, in the profile's order, all passing. NodeAffinity (preferred terms
    // only), NodePorts (no host ports), PodTopologySpread (no DoNotSchedule constraint) and
    // InterPodAffinity (no required terms, no existing required anti-affinity) skipped at PreFilter.
    assert.deepEqual(
      r.explanation!.nodes[0]!.filters.map((f) => `${f.plugin}:${f.code}`),
      ['NodeUnschedulable:Success', 'NodeName:Success', 'TaintToleration:Success', 'NodeResourcesFit:Success'],
    );
    assert.deepEqual(
      r.explanation!.preFilter.map((v) => `${v.plugin}:${v.code}`),
      ['NodeAffinity:Skip', 'NodePorts:Skip', 'VolumeBinding:Skip', 'PodTopologySpread:Skip', 'InterPodAffinity:Skip'],
    );
  });
});

describe('percentageOfNodesToScore (adaptive, at least 100 nodes, rotating start)', () => {
  it('max(5, 50 − n/125) percent of n, at least 100; all nodes below 100', () => {
    // n < 100: all. 100: 50 − 0 = 50% → 50 → floor 100. 1000: 50 − 8 = 42% → 420.
    // 5000: 50 − 40 = 10% → 500. 6000: 50 − 48 = 2% → 5% → 300. 20000: 5% → 1000.
    assert.deepEqual(
      [99, 100, 1000, 5000, 6000, 20000].map((n) => numFeasibleNodesToFind(undefined, n)),
      [99, 100, 420, 500, 300, 1000],
    );
    // A fixed percentage: 30% of 1000 = 300; 1% of 5000 = 50 → floor 100; 0 = adaptive.
    assert.deepEqual([numFeasibleNodesToFind(30, 1000), numFeasibleNodesToFind(1, 5000), numFeasibleNodesToFind(0, 1000)], [300, 100, 420]);
  });

  it('the scan starts where the previous cycle stopped', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${String(i).padStart(4, '0')}`).capacity({ cpu: '4', memory: '8Gi' }).obj());
    const snap = buildSnapshot(nodes);
    const p = makePod('p').req({ cpu: '100m' }).obj();
    const first = scheduleOne(defaultProfile(), snap, p, INITIAL_ROTATION, () => 0);
    // 420 feasible found among nodes 0..419 → next start 420.
    assert.equal(first.evaluatedNodes, 420);
    assert.equal(first.rotation.nextStartNodeIndex, 420);
    const second = scheduleOne(defaultProfile(), snap, p, first.rotation, () => 0);
    assert.equal(second.rotation.nextStartNodeIndex, 840);
    const third = scheduleOne(defaultProfile(), snap, p, second.rotation, () => 0);
    // 840 + 420 = 1260 → wraps to 260.
    assert.equal(third.rotation.nextStartNodeIndex, 260);
  });

  it('a PreFilter-narrowed scan still advances the unreduced index over all nodes', () => {
    // 3 nodes; the pod pins metadata.name In [n2, n3] → 2 nodes scanned from index 2 % 2 = 0.
    // kube: next = (nextStartNodeIndex 2 + processed 2) % len(allNodes) 3 = 1.
    const snap = buildSnapshot(['n1', 'n2', 'n3'].map((n) => makeNode(n).capacity({ cpu: '4', memory: '8Gi' }).obj()));
    const p = makePod('p').requiredTerm([], [{ key: 'metadata.name', operator: 'In', values: ['n2', 'n3'] }]).obj();
    const r = scheduleOne(defaultProfile(), snap, p, { nextStartNodeIndex: 2 }, () => 0);
    assert.equal(r.evaluatedNodes, 2);
    assert.equal(r.rotation.nextStartNodeIndex, 1);
  });
});
