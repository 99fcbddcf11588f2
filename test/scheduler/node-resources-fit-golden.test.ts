/**
 * NodeResourcesFit scoring strategies against kube's arithmetic, worked out by hand:
 * MostAllocated `Σ w·(req·100/cap) / Σ w` (integer divisions) and RequestedToCapacityRatio
 * (utilization `req·100/cap`, the broken linear function through the shape scaled ×10 with Go's
 * truncating division, resources scoring 0 dropped, `round(Σ w·s / Σ w)`), configured the
 * KubeSchedulerConfiguration way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plugin } from '../../actors/scheduler/framework/interface.ts';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { newPodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot, type Snapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { brokenLinearFunction, newNodeResourcesFit, type NodeResourcesFitArgs } from '../../actors/scheduler/plugins/node-resources-fit.ts';
import { parseSchedulerConfiguration } from '../../actors/scheduler/plugins/scheduler-config.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

/**
 * n1: 4 cpu, 8Gi, holding 1 cpu / 2Gi.
 * n2: 8 cpu, 8Gi, empty.
 * n3: 4 cpu, 16Gi, holding 2 cpu / 0 memory (an explicit 0 is not defaulted to 200Mi).
 * The incoming pod requests 1 cpu / 2Gi. Requested after placement:
 *   n1 cpu 2000/4000, mem 4Gi/8Gi | n2 cpu 1000/8000, mem 2Gi/8Gi | n3 cpu 3000/4000, mem 2Gi/16Gi
 */
function cluster(): Snapshot {
  return buildSnapshot(
    [
      makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).obj(),
      makeNode('n2').capacity({ cpu: '8', memory: '8Gi' }).obj(),
      makeNode('n3').capacity({ cpu: '4', memory: '16Gi' }).obj(),
    ],
    [makePod('e1').req({ cpu: '1', memory: '2Gi' }).nodeName('n1').obj(), makePod('e3').req({ cpu: '2', memory: '0' }).nodeName('n3').obj()],
  );
}

const incoming = () => makePod('in').req({ cpu: '1', memory: '2Gi' }).obj();

function scoresOf(plugin: Plugin): Record<string, number> {
  const snap = cluster();
  const state = new CycleState();
  const pi = newPodInfo(incoming());
  plugin.preScore!(state, pi, snap.nodes, snap);
  return Object.fromEntries(snap.nodes.map((ni) => [ni.name, plugin.score!(state, pi, ni)]));
}

const withStrategy = (scoringStrategy: NodeResourcesFitArgs['scoringStrategy']) => scoresOf(newNodeResourcesFit({ scoringStrategy }));

describe('NodeResourcesFit MostAllocated (golden)', () => {
  it('cpu:1 memory:1', () => {
    // n1: cpu 2000·100/4000 = 50, mem 4·100/8 = 50 → 50
    // n2: cpu 1000·100/8000 = 12 (12.5), mem 2·100/8 = 25 → 37/2 = 18
    // n3: cpu 3000·100/4000 = 75, mem 2·100/16 = 12 (12.5) → 87/2 = 43
    assert.deepEqual(withStrategy({ type: 'MostAllocated' }), { n1: 50, n2: 18, n3: 43 });
  });

  it('cpu:3 memory:1', () => {
    // n1: (50·3 + 50)/4 = 50; n2: (12·3 + 25)/4 = 61/4 = 15; n3: (75·3 + 12)/4 = 237/4 = 59.
    assert.deepEqual(
      withStrategy({
        type: 'MostAllocated',
        resources: [
          { name: 'cpu', weight: 3 },
          { name: 'memory', weight: 1 },
        ],
      }),
      { n1: 50, n2: 15, n3: 59 },
    );
  });
});

describe('NodeResourcesFit RequestedToCapacityRatio (golden)', () => {
  const shape = (...pts: [number, number][]) => ({ type: 'RequestedToCapacityRatio' as const, requestedToCapacityRatio: { shape: pts.map(([utilization, score]) => ({ utilization, score })) } });

  it('bin packing {0→0, 100→10}: utilization itself, averaged with math.Round', () => {
    // Points scaled ×10: (0,0), (100,100) → f(u) = u.
    // n1: cpu u = 2000·100/4000 = 50, mem 50 → round(100/2) = 50
    // n2: cpu u = 1000·100/8000 = 12, mem u = 25 → round(37/2 = 18.5) = 19 (MostAllocated gave 18)
    // n3: cpu 75, mem 12 → round(87/2 = 43.5) = 44
    assert.deepEqual(withStrategy(shape([0, 0], [100, 10])), { n1: 50, n2: 19, n3: 44 });
  });

  it('spreading {0→10, 100→0}', () => {
    // f(u) = 100 + (0 − 100)·u/100 = 100 − u.
    // n1: 50, 50 → 50; n2: 88, 75 → round(81.5) = 82; n3: 25, 88 → round(56.5) = 57
    assert.deepEqual(withStrategy(shape([0, 10], [100, 0])), { n1: 50, n2: 82, n3: 57 });
  });

  it('three points: interpolation truncates toward zero, as Go int64 division', () => {
    // Points (0,100), (30,30), (100,0).
    //   u = 12: 100 + (30 − 100)·12/30 = 100 − 840/30 = 100 − 28 = 72
    //   u = 25: 100 + (−70·25)/30 = 100 + trunc(−58.33) = 42   (floor would give 41)
    //   u = 50: 30 + (0 − 30)·(50 − 30)/70 = 30 + trunc(−8.57) = 22   (floor: 21)
    //   u = 75: 30 + (−30·45)/70 = 30 + trunc(−19.29) = 11
    const f = brokenLinearFunction([
      { utilization: 0, score: 100 },
      { utilization: 30, score: 30 },
      { utilization: 100, score: 0 },
    ]);
    assert.deepEqual([f(12), f(25), f(50), f(75), f(0), f(100)], [72, 42, 22, 11, 100, 0]);
    // n1: 22, 22 → 22; n2: cpu 12 → 72, mem 25 → 42 → round(57) = 57; n3: cpu 75 → 11, mem 12 → 72 → round(41.5) = 42
    assert.deepEqual(withStrategy(shape([0, 10], [30, 3], [100, 0])), { n1: 22, n2: 57, n3: 42 });
  });

  it('resources that score 0 drop out of both sums', () => {
    // Points (0,0), (40,0), (100,100).
    //   n1: u = 50 → 0 + 100·(50 − 40)/60 = 16 for both → 16
    //   n2: u = 12 and 25 → 0 and 0 → weightSum 0 → 0
    //   n3: cpu u = 75 → 100·35/60 = 58; mem u = 12 → 0 (dropped) → round(58·1/1) = 58, not 29
    assert.deepEqual(withStrategy(shape([0, 0], [40, 0], [100, 10])), { n1: 16, n2: 0, n3: 58 });
  });

  it('configured through KubeSchedulerConfiguration: pluginConfig args and score weights', () => {
    const parsed = parseSchedulerConfiguration({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      profiles: [
        {
          schedulerName: 'bin-packer',
          plugins: {
            score: {
              disabled: [{ name: '*' }],
              enabled: [{ name: 'NodeResourcesFit', weight: 5 }],
            },
          },
          pluginConfig: [
            {
              name: 'NodeResourcesFit',
              args: {
                scoringStrategy: {
                  type: 'RequestedToCapacityRatio',
                  resources: [
                    { name: 'cpu', weight: 1 },
                    { name: 'memory', weight: 1 },
                  ],
                  requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
                },
              },
            },
          ],
        },
      ],
    });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const profile = parsed.config.profiles[0]!;
    assert.equal(profile.schedulerName, 'bin-packer');
    assert.deepEqual(profile.extensionPoints?.score, ['NodeResourcesFit']);
    const r = scheduleOne(profile, cluster(), incoming(), INITIAL_ROTATION, () => 0, { explain: true });
    // Only NodeResourcesFit scores, weight 5: n1 50·5 = 250, n2 19·5 = 95, n3 44·5 = 220 → n1.
    assert.deepEqual(Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.total])), { n1: 250, n2: 95, n3: 220 });
    assert.ok('node' in r && r.node === 'n1');
  });
});
