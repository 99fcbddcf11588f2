/**
 * KubeSchedulerConfiguration → profiles: kube's merge of a profile's plugins over the defaults
 * (`mergePlugins` + MultiPoint expansion), score weights, plugin args, percentageOfNodesToScore,
 * and the errors (field path + what was expected) for configurations kube would refuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { buildProfile, configErrorText, DEFAULT_PLUGINS } from '../../actors/scheduler/plugins/registry.ts';
import { parseSchedulerConfiguration, type SchedulerConfiguration } from '../../actors/scheduler/plugins/scheduler-config.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

function ok(obj: unknown): SchedulerConfiguration {
  const r = parseSchedulerConfiguration(obj);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(configErrorText).join('\n'));
  return r.config;
}

function errors(obj: unknown): string[] {
  const r = parseSchedulerConfiguration(obj);
  assert.ok(!r.ok, 'expected errors');
  return r.errors.map(configErrorText);
}

const V1 = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration' };

describe('parseSchedulerConfiguration (golden)', () => {
  it('an empty configuration is the default profile', () => {
    const c = ok({});
    assert.equal(c.profiles.length, 1);
    const p = c.profiles[0]!;
    assert.equal(p.schedulerName, 'default-scheduler');
    assert.deepEqual(
      p.plugins.map((x) => x.name),
      DEFAULT_PLUGINS.map((x) => x.name),
    );
    assert.deepEqual(p.weights, { TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1 });
    assert.deepEqual(p.extensionPoints?.postFilter, ['DefaultPreemption']);
    assert.equal(p.percentageOfNodesToScore, undefined);
  });

  it('score.enabled re-weights a default in place of its MultiPoint entry; score.disabled drops one', () => {
    const c = ok({
      ...V1,
      profiles: [{ plugins: { score: { enabled: [{ name: 'NodeResourcesFit', weight: 5 }], disabled: [{ name: 'ImageLocality' }] } } }],
    });
    const p = c.profiles[0]!;
    assert.equal(p.weights.NodeResourcesFit, 5);
    assert.equal(p.weights.ImageLocality, undefined);
    // kube puts a re-configured plugin first at that point (expandMultiPointPlugins "part 1").
    assert.deepEqual(p.extensionPoints?.score, ['NodeResourcesFit', 'TaintToleration', 'NodeAffinity', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation']);
    // ImageLocality implements only Score, so it is gone from the profile altogether.
    assert.ok(!p.plugins.some((x) => x.name === 'ImageLocality'));
  });

  it('multiPoint disabled "*" keeps only what the profile enables; unmodelled plugins warn', () => {
    const c = ok({
      profiles: [
        {
          schedulerName: 'minimal',
          plugins: {
            multiPoint: { enabled: [{ name: 'PrioritySort' }, { name: 'NodeResourcesFit', weight: 2 }], disabled: [{ name: '*' }] },
            filter: { disabled: [{ name: 'NodeResourcesFit' }] },
          },
        },
      ],
    });
    const p = c.profiles[0]!;
    assert.deepEqual(p.extensionPoints, { preFilter: ['NodeResourcesFit'], filter: [], postFilter: [], preScore: ['NodeResourcesFit'], score: ['NodeResourcesFit'] });
    assert.deepEqual(p.weights, { NodeResourcesFit: 2 });
    assert.deepEqual(c.warnings, ['profiles[0].plugins.multiPoint.enabled[0].name: plugin "PrioritySort" is not modelled by kubesim; ignored']);
    // No filter runs: a pod too big for every node still gets one (LeastAllocated scores a request
    // above capacity 0 on both nodes → a tie, broken by the draw: index 1 = b).
    const snap = buildSnapshot([makeNode('a').capacity({ cpu: '1', memory: '1Gi' }).obj(), makeNode('b').capacity({ cpu: '1', memory: '1Gi' }).obj()]);
    const r = scheduleOne(p, snap, makePod('huge').req({ cpu: '4' }).obj(), INITIAL_ROTATION, () => 1);
    assert.ok('node' in r && r.node === 'b');
  });

  it('percentageOfNodesToScore: global, a profile override, 0 = adaptive', () => {
    const c = ok({ ...V1, percentageOfNodesToScore: 30, profiles: [{ schedulerName: 'a' }, { schedulerName: 'b', percentageOfNodesToScore: 0 }] });
    assert.equal(c.percentageOfNodesToScore, 30);
    assert.deepEqual(
      c.profiles.map((p) => [p.schedulerName, p.percentageOfNodesToScore]),
      [
        ['a', 30],
        ['b', 0],
      ],
    );
    // 30% of 1000 nodes = 300 evaluated; adaptive = 420.
    const snap = buildSnapshot(Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`).capacity({ cpu: '4', memory: '4Gi' }).obj()));
    assert.equal(scheduleOne(c.profiles[0]!, snap, makePod('p').obj(), INITIAL_ROTATION, () => 0).evaluatedNodes, 300);
    assert.equal(scheduleOne(c.profiles[1]!, snap, makePod('p').obj(), INITIAL_ROTATION, () => 0).evaluatedNodes, 420);
  });

  it('plugin args: MostAllocated changes the choice', () => {
    // a: 4 cpu holding 2; b: 4 cpu empty. A 1-cpu pod: LeastAllocated prefers b, MostAllocated a.
    const snap = () =>
      buildSnapshot(
        [makeNode('a').capacity({ cpu: '4', memory: '4Gi' }).obj(), makeNode('b').capacity({ cpu: '4', memory: '4Gi' }).obj()],
        [makePod('x').req({ cpu: '2', memory: '1Gi' }).nodeName('a').obj()],
      );
    const pod = makePod('p').req({ cpu: '1', memory: '1Gi' }).obj();
    const most = ok({ profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] }] }).profiles[0]!;
    const r = scheduleOne(most, snap(), pod, INITIAL_ROTATION, () => 0);
    assert.ok('node' in r && r.node === 'a');
    const least = ok({}).profiles[0]!;
    const r2 = scheduleOne(least, snap(), pod, INITIAL_ROTATION, () => 0);
    assert.ok('node' in r2 && r2.node === 'b');
  });

  it('errors carry the field path and what was expected', () => {
    assert.deepEqual(
      errors({
        apiVersion: 'kubescheduler.config.k8s.io/v1beta1',
        percentageOfNodesToScore: 101,
        leaderElection: {},
        bogus: true,
        profiles: [
          {
            schedulerName: 'a',
            plugins: {
              score: { enabled: [{ name: 'Nope' }, { name: 'NodeResourcesFit', weight: 101 }] },
              filter: { enabled: [{ name: 'ImageLocality' }] },
              permits: {},
            },
            pluginConfig: [
              { name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Most', resources: [{ name: 'cpu', weight: 0 }] } } },
              { name: 'InterPodAffinity', args: { hardPodAffinityWeight: 200, typo: 1 } },
              { name: 'PodTopologySpread', args: { defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' }] } },
            ],
          },
          { schedulerName: 'a' },
        ],
      }),
      [
        'bogus: unknown field "bogus"',
        'apiVersion: Unsupported value: "kubescheduler.config.k8s.io/v1beta1": supported values: "kubescheduler.config.k8s.io/v1"',
        'percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]',
        'profiles[0].plugins.permits: unknown field "permits": expected one of multiPoint, preEnqueue, queueSort, preFilter, filter, postFilter, preScore, score, reserve, permit, preBind, bind, postBind',
        'profiles[0].plugins.score.enabled[1].weight: Invalid value: 101: weight must be an integer in 0..100 (0 means 1)',
        'profiles[0].plugins.filter.enabled[0].name: plugin "ImageLocality" does not extend filter plugin',
        'profiles[0].plugins.score.enabled[0].name: plugin "Nope" does not exist',
        'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "Most": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
        'profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 0: resource weight must be an integer in [1, 100]',
        'profiles[0].pluginConfig[2].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty',
        'profiles[0].pluginConfig[1].args.typo: unknown field "typo"',
        'profiles[0].pluginConfig[1].args.hardPodAffinityWeight: Invalid value: 200: not in valid range [0, 100]',
        'profiles[1].schedulerName: Duplicate value: "a"',
      ],
    );
  });

  it('RequestedToCapacityRatio needs a sorted shape within range; repeated pluginConfig; nameless profiles', () => {
    assert.deepEqual(
      errors({
        profiles: [
          {
            pluginConfig: [
              {
                name: 'NodeResourcesFit',
                args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 50, score: 1 }, { utilization: 10, score: 11 }] } } },
              },
              { name: 'NodeResourcesFit' },
            ],
          },
          {},
        ],
      }),
      [
        'profiles[0].schedulerName: Required value: every profile needs a schedulerName when there are several',
        'profiles[0].pluginConfig[1].name: Duplicate value: "NodeResourcesFit": repeated config for plugin NodeResourcesFit',
        'profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order',
        'profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 11: not in valid range [0, 10]',
        'profiles[1].schedulerName: Required value: every profile needs a schedulerName when there are several',
      ],
    );
    assert.deepEqual(errors({ profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'RequestedToCapacityRatio' } } }] }] }), [
      'profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified',
    ]);
    assert.deepEqual(errors('not an object'), [': Invalid value: "not an object": expected a KubeSchedulerConfiguration object']);
  });

  it('buildProfile takes the same plugins object and throws every error at once', () => {
    const p = buildProfile({ plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'ImageLocality', weight: 3 }] } }, pluginConfig: [{ name: 'InterPodAffinity', args: { hardPodAffinityWeight: 4 } }] });
    assert.deepEqual(p.extensionPoints?.score, ['ImageLocality']);
    assert.deepEqual(p.weights, { ImageLocality: 3 });
    assert.throws(
      () => buildProfile({ plugins: { filter: { enabled: [{ name: 'Nope' }] } }, pluginConfig: { InterPodAffinity: { hardPodAffinityWeight: -1 } } }),
      /plugin "Nope" does not exist\nprofile\.pluginConfig\.InterPodAffinity\.hardPodAffinityWeight: Invalid value: -1: not in valid range \[0, 100\]/,
    );
  });
});
