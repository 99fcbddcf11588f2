/**
 * The in-tree plugins one by one: reason strings, status codes, matcher semantics and score
 * arithmetic, each against values worked out by hand from the kube sources.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Toleration } from '@kubernetes/client-node';
import { buildProfile, CycleState, DEFAULT_PLUGINS, defaultNormalizeScore, defaultProfile, NodeInfo, newPodInfo, type Plugin, type Status } from '../../actors/scheduler/index.ts';
import { balancedResourceScore, newBalancedAllocation } from '../../actors/scheduler/plugins/balanced-allocation.ts';
import { compileNodeSelectorTerm, compileNodeSelectorTerms, parseInt64 } from '../../actors/scheduler/plugins/helper/node-selector.ts';
import { toleratesTaint } from '../../actors/api/taints.ts';
import { newNodeAffinity } from '../../actors/scheduler/plugins/node-affinity.ts';
import { newNodeName } from '../../actors/scheduler/plugins/node-name.ts';
import { newNodePorts } from '../../actors/scheduler/plugins/node-ports.ts';
import { fitsRequest, leastRequestedScore, mostRequestedScore, newNodeResourcesFit } from '../../actors/scheduler/plugins/node-resources-fit.ts';
import { newNodeUnschedulable } from '../../actors/scheduler/plugins/node-unschedulable.ts';
import { newTaintToleration } from '../../actors/scheduler/plugins/taint-toleration.ts';
import { makeNode, makePod, type NodeWrapper, type PodWrapper } from '../../actors/scheduler/testing/wrappers.ts';

/** Runs PreFilter (unless skipped) then Filter, as the framework would. */
function filter(plugin: Plugin, pod: PodWrapper, node: NodeWrapper | NodeInfo): Status | null | 'skipped' {
  const state = new CycleState();
  const pi = newPodInfo(pod.obj());
  const ni = node instanceof NodeInfo ? node : new NodeInfo(node.obj());
  const pre = plugin.preFilter?.(state, pi, undefined as never);
  if (pre && 'code' in pre && pre.code === 'Skip') return 'skipped';
  return plugin.filter!(state, pi, ni);
}

function reasons(s: Status | null | 'skipped'): string | null {
  if (s === 'skipped' || s === null) return s === null ? null : 'skipped';
  return `${s.code}: ${s.reasons.join(' | ')}`;
}

describe('defaultNormalizeScore', () => {
  it('scales by the maximum with integer division, optionally reversed', () => {
    const a = [30, 50, 20];
    defaultNormalizeScore(100, false, a);
    assert.deepEqual(a, [60, 100, 40]);
    const b = [1, 3];
    defaultNormalizeScore(100, false, b); // 100·1/3 = 33.3 → 33
    assert.deepEqual(b, [33, 100]);
    const c = [0, 2, 1];
    defaultNormalizeScore(100, true, c); // 100 − 0, 100 − 100, 100 − 50
    assert.deepEqual(c, [100, 0, 50]);
  });

  it('all zeros: reverse gives every node 100, forward leaves 0', () => {
    const r = [0, 0, 0];
    defaultNormalizeScore(100, true, r);
    assert.deepEqual(r, [100, 100, 100]);
    const f = [0, 0];
    defaultNormalizeScore(100, false, f);
    assert.deepEqual(f, [0, 0]);
  });
});

describe('TaintToleration', () => {
  const tt = newTaintToleration();
  it('matches tolerations as core/v1 ToleratesTaint', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    const cases: [V1Toleration, boolean][] = [
      [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
      [{ key: 'k', value: 'v' }, true], // empty operator = Equal, empty effect = all effects
      [{ key: 'k', operator: 'Equal', value: 'w' }, false],
      [{ key: 'k', operator: 'Exists' }, true],
      [{ operator: 'Exists' }, true], // empty key + Exists tolerates everything
      [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
      [{ key: 'other', operator: 'Exists' }, false],
      [{ key: 'k', operator: 'Bogus' }, false],
    ];
    for (const [t, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
  });

  it('rejects on the first untolerated NoSchedule/NoExecute taint, unresolvable', () => {
    const node = makeNode('n').taint('a', 'x', 'PreferNoSchedule').taint('b', undefined, 'NoExecute').taint('c', 'y', 'NoSchedule');
    assert.equal(reasons(filter(tt, makePod('p'), node)), 'UnschedulableAndUnresolvable: node(s) had untolerated taint {b: }');
    assert.equal(reasons(filter(tt, makePod('p').toleration({ key: 'b', operator: 'Exists' }), node)), 'UnschedulableAndUnresolvable: node(s) had untolerated taint {c: y}');
    assert.equal(filter(tt, makePod('p').toleration({ operator: 'Exists' }), node), null);
    assert.equal(reasons(filter(newTaintToleration({ hideTaintValues: true }), makePod('p'), node)), 'UnschedulableAndUnresolvable: node(s) had untolerated taint(s)');
  });

  it('scores untolerated PreferNoSchedule taints, counting only PreferNoSchedule or effect-less tolerations', () => {
    const state = new CycleState();
    const pod = newPodInfo(makePod('p').toleration({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }).toleration({ key: 'b', operator: 'Exists' }).obj());
    const node = new NodeInfo(makeNode('n').taint('a', '1', 'PreferNoSchedule').taint('b', '1', 'PreferNoSchedule').taint('c', '1', 'PreferNoSchedule').taint('d', '1', 'NoSchedule').obj());
    assert.equal(tt.preScore!(state, pod, [node]), null);
    // a: tolerated only for NoSchedule → counts; b: tolerated (empty effect); c: counts; d: not PreferNoSchedule.
    assert.equal(tt.score!(state, pod, node), 2);
  });
});

describe('node affinity matcher', () => {
  const labels = { zone: 'a', cores: '16', ssd: '' };
  const term = (op: string, values?: string[], key = 'zone') => compileNodeSelectorTerm({ matchExpressions: [{ key, operator: op, ...(values ? { values } : {}) }] });
  it('In, NotIn, Exists, DoesNotExist', () => {
    assert.equal(term('In', ['a', 'b'])(labels, 'n'), true);
    assert.equal(term('In', ['b'])(labels, 'n'), false);
    assert.equal(term('In', ['a'], 'missing')(labels, 'n'), false);
    assert.equal(term('NotIn', ['b'])(labels, 'n'), true);
    assert.equal(term('NotIn', ['a'])(labels, 'n'), false);
    assert.equal(term('NotIn', ['a'], 'missing')(labels, 'n'), true); // absent label satisfies NotIn
    assert.equal(term('Exists', undefined, 'ssd')(labels, 'n'), true); // empty value still exists
    assert.equal(term('DoesNotExist', undefined, 'gpu')(labels, 'n'), true);
    assert.equal(term('DoesNotExist', undefined, 'zone')(labels, 'n'), false);
  });

  it('Gt and Lt parse int64 on both sides', () => {
    assert.equal(term('Gt', ['8'], 'cores')(labels, 'n'), true);
    assert.equal(term('Gt', ['16'], 'cores')(labels, 'n'), false);
    assert.equal(term('Lt', ['17'], 'cores')(labels, 'n'), true);
    assert.equal(term('Gt', ['1'], 'zone')(labels, 'n'), false); // "a" is not an integer
    assert.equal(term('Gt', ['1'], 'missing')(labels, 'n'), false);
    assert.equal(parseInt64('9223372036854775807'), 9223372036854775807n);
    assert.equal(parseInt64('9223372036854775808'), undefined);
  });

  it('invalid requirements and empty terms match nothing; terms are ORed', () => {
    assert.equal(term('In', [])(labels, 'n'), false);
    assert.equal(term('Exists', ['x'])(labels, 'n'), false);
    assert.equal(term('Gt', ['1', '2'], 'cores')(labels, 'n'), false);
    assert.equal(compileNodeSelectorTerm({})(labels, 'n'), false);
    const or = compileNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }]);
    assert.equal(or(labels, 'n'), true);
    assert.equal(or(labels, 'm'), false);
  });
});

describe('NodeAffinity', () => {
  const na = newNodeAffinity();
  const node = makeNode('n1').label('zone', 'a');
  it('skips pods without selector or required affinity', () => {
    assert.equal(filter(na, makePod('p'), node), 'skipped');
  });
  it("nodeSelector AND required terms, reason node(s) didn't match Pod's node affinity/selector", () => {
    assert.equal(filter(na, makePod('p').nodeSelector({ zone: 'a' }), node), null);
    assert.equal(reasons(filter(na, makePod('p').nodeSelector({ zone: 'b' }), node)), "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector");
    const both = makePod('p').nodeSelector({ zone: 'a' }).requiredTerm([{ key: 'zone', operator: 'NotIn', values: ['a'] }]);
    assert.equal(reasons(filter(na, both, node)), "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector");
  });
  it('scheduler-enforced addedAffinity is checked first', () => {
    const enforced = newNodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } });
    assert.equal(reasons(filter(enforced, makePod('p'), node)), "UnschedulableAndUnresolvable: node(s) didn't match scheduler-enforced node affinity");
  });
  it('scores the sum of matching preferred weights', () => {
    const state = new CycleState();
    const pod = newPodInfo(
      makePod('p')
        .preferredTerm(30, [{ key: 'zone', operator: 'In', values: ['a'] }])
        .preferredTerm(20, [{ key: 'disk', operator: 'Exists' }])
        .preferredTerm(0, [{ key: 'zone', operator: 'Exists' }]) // weight 0: dropped
        .obj(),
    );
    const n1 = new NodeInfo(makeNode('n1').label('zone', 'a').label('disk', 'ssd').obj());
    const n2 = new NodeInfo(makeNode('n2').label('zone', 'b').obj());
    assert.equal(na.preScore!(state, pod, [n1, n2]), null);
    assert.deepEqual([na.score!(state, pod, n1), na.score!(state, pod, n2)], [50, 0]);
    assert.equal(na.preScore!(new CycleState(), newPodInfo(makePod('q').obj()), [n1])?.code, 'Skip');
  });
});

describe('NodeUnschedulable, NodeName, NodePorts', () => {
  it('a cordoned node rejects pods that do not tolerate node.kubernetes.io/unschedulable', () => {
    const nu = newNodeUnschedulable();
    const cordoned = makeNode('n').unschedulable();
    assert.equal(reasons(filter(nu, makePod('p'), cordoned)), 'UnschedulableAndUnresolvable: node(s) were unschedulable');
    assert.equal(filter(nu, makePod('ds').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }), cordoned), null);
    assert.equal(filter(nu, makePod('p'), makeNode('m')), null);
  });

  it('NodeName', () => {
    const nn = newNodeName();
    assert.equal(filter(nn, makePod('p'), makeNode('a')), null);
    assert.equal(filter(nn, makePod('p').nodeName('a'), makeNode('a')), null);
    assert.equal(reasons(filter(nn, makePod('p').nodeName('b'), makeNode('a'))), "UnschedulableAndUnresolvable: node(s) didn't match the requested node name");
  });

  it('NodePorts checks (hostIP, protocol, hostPort); 0.0.0.0 collides with every IP', () => {
    const np = newNodePorts();
    const ni = new NodeInfo(makeNode('n').capacity({ cpu: '4', memory: '4Gi' }).obj());
    ni.addPod(newPodInfo(makePod('web').hostPort(80, 'TCP', '10.0.0.1').nodeName('n').obj()));
    const busy = "Unschedulable: node(s) didn't have free ports for the requested pod ports";
    assert.equal(filter(np, makePod('p'), ni), 'skipped');
    assert.equal(reasons(filter(np, makePod('p').hostPort(80), ni)), busy); // 0.0.0.0:80 vs 10.0.0.1:80
    assert.equal(reasons(filter(np, makePod('p').hostPort(80, 'TCP', '10.0.0.1'), ni)), busy);
    assert.equal(filter(np, makePod('p').hostPort(80, 'TCP', '10.0.0.2'), ni), null);
    assert.equal(filter(np, makePod('p').hostPort(80, 'UDP'), ni), null);
    ni.addPod(newPodInfo(makePod('dns').hostPort(53, 'UDP').nodeName('n').obj()));
    assert.equal(reasons(filter(np, makePod('p').hostPort(53, 'UDP', '10.0.0.9'), ni)), busy); // specific IP vs 0.0.0.0
  });
});

describe('NodeResourcesFit', () => {
  const fit = newNodeResourcesFit();
  const node = () => new NodeInfo(makeNode('n').capacity({ cpu: '2', memory: '2Gi', pods: '2', 'example.com/gpu': '1' }).obj());
  it('keeps every failure reason, in kube order', () => {
    const ni = node();
    ni.addPod(newPodInfo(makePod('a').req({ cpu: '1500m' }).nodeName('n').obj()));
    ni.addPod(newPodInfo(makePod('b').nodeName('n').obj()));
    const pod = makePod('p').req({ cpu: '1', memory: '3Gi', 'example.com/gpu': '2' });
    assert.equal(reasons(filter(fit, pod, ni)), 'Unschedulable: Too many pods | Insufficient cpu | Insufficient memory | Insufficient example.com/gpu');
  });
  it('a pod requesting nothing is checked only against the pod count', () => {
    const ni = node();
    assert.equal(filter(fit, makePod('p'), ni), null);
    ni.addPod(newPodInfo(makePod('a').nodeName('n').obj()));
    ni.addPod(newPodInfo(makePod('b').nodeName('n').obj()));
    assert.equal(reasons(filter(fit, makePod('p'), ni)), 'Unschedulable: Too many pods');
  });
  it('fits exactly at the boundary, and honours ignoredResources', () => {
    assert.equal(fitsRequest(newPodInfo(makePod('p').req({ cpu: '2', memory: '2Gi' }).obj()), node()).length, 0);
    const ignoring = newNodeResourcesFit({ ignoredResources: ['example.com/gpu'] });
    assert.equal(filter(ignoring, makePod('p').req({ 'example.com/gpu': '5' }), node()), null);
  });
  it('least and most requested per-resource scores', () => {
    assert.equal(leastRequestedScore(1500, 4000), 62); // 2500·100/4000 = 62.5
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(0, 0), 0);
    assert.equal(mostRequestedScore(1500, 4000), 37); // 150000/4000 = 37.5
    assert.equal(mostRequestedScore(5000, 4000), 100);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it('uses |f1 − f2| / 2 for two resources and the population std for three', () => {
    assert.equal(balancedResourceScore([3500, 2], [4000, 8]), 68); // (1 − |0.875 − 0.25|/2)·100 = 68.75
    assert.equal(balancedResourceScore([5000, 0], [4000, 8]), 50); // fraction capped at 1: (1 − 0.5)·100
    // Fractions 0.5, 0.25, 0: mean 0.25, variance (0.0625 + 0 + 0.0625)/3, std 0.2041 → 79.58 → 79.
    assert.equal(balancedResourceScore([2, 1, 0], [4, 4, 4]), 79);
    assert.equal(balancedResourceScore([1, 1], [0, 4]), 100); // a resource with no allocatable is left out
  });
  it('skips best-effort pods', () => {
    const ba = newBalancedAllocation();
    const ni = new NodeInfo(makeNode('n').capacity({ cpu: '1', memory: '1Gi' }).obj());
    assert.equal(ba.preScore!(new CycleState(), newPodInfo(makePod('p').obj()), [ni])?.code, 'Skip');
    assert.equal(ba.preScore!(new CycleState(), newPodInfo(makePod('p').req({ cpu: '1m' }).obj()), [ni]), null);
  });
});

describe('profiles', () => {
  it('the default profile: MultiPoint order and weights as data', () => {
    const p = defaultProfile();
    assert.equal(p.schedulerName, 'default-scheduler');
    assert.deepEqual(
      p.plugins.map((x) => x.name),
      [
        'NodeUnschedulable',
        'NodeName',
        'TaintToleration',
        'NodeAffinity',
        'NodePorts',
        'NodeResourcesFit',
        'VolumeBinding',
        'PodTopologySpread',
        'InterPodAffinity',
        'DefaultPreemption',
        'NodeResourcesBalancedAllocation',
        'ImageLocality',
      ],
    );
    assert.deepEqual(p.weights, { TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1 });
  });

  it('rejects unknown and duplicate plugins, and bad weights', () => {
    assert.throws(() => buildProfile({ plugins: [{ name: 'VolumeZone' }] }), /plugin "VolumeZone" does not exist/);
    assert.throws(() => buildProfile({ plugins: [{ name: 'NodeName' }, { name: 'NodeName' }] }), /enabled twice/);
    assert.throws(() => buildProfile({ plugins: [{ name: 'TaintToleration', weight: 101 }] }), /weight 101/);
  });

  it('takes plugin args from pluginConfig (MostAllocated)', () => {
    const p = buildProfile({ plugins: DEFAULT_PLUGINS, pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: 'MostAllocated' } } } });
    const fit = p.plugins.find((x) => x.name === 'NodeResourcesFit')!;
    const state = new CycleState();
    const pod = newPodInfo(makePod('p').req({ cpu: '1', memory: '1Gi' }).obj());
    const ni = new NodeInfo(makeNode('n').capacity({ cpu: '4', memory: '4Gi' }).obj());
    fit.preScore!(state, pod, [ni]);
    assert.equal(fit.score!(state, pod, ni), 25); // (1000·100/4000 + 1Gi·100/4Gi) / 2 = 25
  });
});
