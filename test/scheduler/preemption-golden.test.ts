/**
 * DefaultPreemption against kube's `SelectVictimsOnNode` and `pickOneNodeForPreemption`, with the
 * priorities, start times and victims chosen by hand so that each criterion decides once:
 *   1. fewest PDB violations (PDBs are not modelled: always 0, never decides),
 *   2. lowest priority of the most important victim,
 *   3. smallest sum of (priority + 2^31) over the victims,
 *   4. fewest victims,
 *   5. latest start time among the most important victims ("not started" = now),
 *   6. first remaining (dry-run order, from the seeded offset).
 * Victims: remove every lower-priority pod, then reprieve as many as possible, most important first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { newPodInfo, type PodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne, type ScheduleOneResult } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { pickOneNodeForPreemption, type Candidate } from '../../actors/scheduler/plugins/default-preemption.ts';
import { defaultProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

function node(name: string, cpu: string): V1Node {
  return makeNode(name).capacity({ cpu, memory: '16Gi' }).obj();
}

function pod(name: string, on: string, priority: number, cpu: string, started?: string): V1Pod {
  let w = makePod(name).req({ cpu }).priority(priority).nodeName(on);
  if (started) w = w.startTime(started);
  return w.obj();
}

function preempt(r: ScheduleOneResult): { node: string | undefined; victims: string[] } {
  assert.ok('unschedulable' in r, JSON.stringify(r));
  return { node: r.unschedulable.nominatedNodeName, victims: (r.unschedulable.victims ?? []).map((v) => v.name) };
}

const high = (cpu: string) => makePod('high').req({ cpu }).priority(100).obj();

describe('DefaultPreemption: pickOneNodeForPreemption order (golden)', () => {
  it('2. the lowest top-victim priority wins over fewer victims', () => {
    // a: a1 (p50, 2 cpu) → victims [a1], top 50
    // b: b1 (p10, 1 cpu), b2 (p20, 1 cpu) → both must go, top 20
    // c: c1 (p30, 2 cpu) → [c1], top 30
    // Criterion 2 picks b (20), although it evicts two pods. Victims most important first: b2, b1.
    const snap = buildSnapshot([node('a', '2'), node('b', '2'), node('c', '2')], [pod('a1', 'a', 50, '2'), pod('b1', 'b', 10, '1'), pod('b2', 'b', 20, '1'), pod('c1', 'c', 30, '2')]);
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap, high('2'), INITIAL_ROTATION, () => 0)), { node: 'b', victims: ['b2', 'b1'] });
  });

  it('3. equal top priority: the smallest priority sum wins', () => {
    // a: a1 (p10, 1), a2 (p10, 1) → sum (10 + 2^31)·2; b: b1 (p10, 2) → sum 10 + 2^31 → b.
    const snap = buildSnapshot([node('a', '2'), node('b', '2')], [pod('a1', 'a', 10, '1'), pod('a2', 'a', 10, '1'), pod('b1', 'b', 10, '2')]);
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap, high('2'), INITIAL_ROTATION, () => 0)), { node: 'b', victims: ['b1'] });
  });

  it('5. equal priorities and counts: the latest start of the top victims wins; not started = now', () => {
    // a1 started 00:00, b1 started 01:00 → b (later start: evicting it loses less work).
    const snap = buildSnapshot([node('a', '2'), node('b', '2')], [pod('a1', 'a', 10, '2', '2026-01-01T00:00:00Z'), pod('b1', 'b', 10, '2', '2026-01-01T01:00:00Z')]);
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap, high('2'), INITIAL_ROTATION, () => 0)), { node: 'b', victims: ['b1'] });
    // a1 has not started (kube's GetPodStartTime returns now), b1 started at 01:00 → a.
    const snap2 = buildSnapshot([node('a', '2'), node('b', '2')], [pod('a1', 'a', 10, '2'), pod('b1', 'b', 10, '2', '2026-01-01T01:00:00Z')]);
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap2, high('2'), INITIAL_ROTATION, () => 0)), { node: 'a', victims: ['a1'] });
  });

  it('6. a full tie: the first candidate in dry-run order, which starts at the seeded offset', () => {
    const snap = () => buildSnapshot([node('a', '2'), node('b', '2')], [pod('a1', 'a', 10, '2'), pod('b1', 'b', 10, '2')]);
    assert.equal(preempt(scheduleOne(defaultProfile(), snap(), high('2'), INITIAL_ROTATION, () => 0)).node, 'a');
    assert.equal(preempt(scheduleOne(defaultProfile(), snap(), high('2'), INITIAL_ROTATION, (n) => n - 1)).node, 'b');
  });

  it('the criteria in isolation (pickOneNodeForPreemption)', () => {
    const v = (name: string, priority: number, started?: string): PodInfo => newPodInfo(pod(name, 'x', priority, '1', started));
    const cand = (node: string, victims: PodInfo[], numPDBViolations = 0): Candidate => ({ node, victims, numPDBViolations });
    // 1. PDB violations first (the field exists for when PDBs are modelled).
    assert.equal(pickOneNodeForPreemption([cand('a', [v('a', 1)], 1), cand('b', [v('b', 50)], 0)])!.node, 'b');
    // 4. equal top priority and equal sums need equal counts (every victim adds 2^31): counts
    //    decide only in theory; equal everything else falls through to start times.
    assert.equal(pickOneNodeForPreemption([cand('a', [v('a', 5, '2026-01-01T00:00:00Z')]), cand('b', [v('b', 5, '2026-01-01T00:00:01Z')])])!.node, 'b');
    // 5. only the most important victims' start times count: b's p9 started earliest overall,
    //    but a's top victim (p9, 00:10) started after b's top victim (p9, 00:05).
    assert.equal(
      pickOneNodeForPreemption([
        cand('a', [v('a9', 9, '2026-01-01T00:10:00Z'), v('a1', 1, '2026-01-01T00:00:00Z')]),
        cand('b', [v('b9', 9, '2026-01-01T00:05:00Z'), v('b1', 1, '2026-01-01T00:20:00Z')]),
      ])!.node,
      'a',
    );
  });
});

describe('DefaultPreemption: victim selection (golden)', () => {
  it('reprieves the most important pods first, even if that evicts two lesser ones', () => {
    // Node 4 cpu: h (p9, 2 cpu), l1 (p1, 1 cpu), l2 (p1, 1 cpu); the preemptor needs 2 cpu.
    // Remove all three → fits. Reprieve h: 2 cpu used, 2 free ≥ 2 → h stays. Reprieve l1: 3 used,
    // 1 free < 2 → victim. l2: victim. Victims [l1, l2] (two p1 pods rather than the p9 one).
    const snap = buildSnapshot([node('n', '4')], [pod('h', 'n', 9, '2'), pod('l1', 'n', 1, '1'), pod('l2', 'n', 1, '1')]);
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap, high('2'), INITIAL_ROTATION, () => 0)), { node: 'n', victims: ['l1', 'l2'] });
  });

  it("InterPodAffinity's RemovePod: evicting the pod whose anti-affinity blocks the preemptor", () => {
    // a (4 cpu): guard (p1, 1 cpu) with required anti-affinity to app=vip on hostname.
    // b (4 cpu): filler (p2, 4 cpu).
    // vip (p100, app=vip, 1 cpu): a fails "existing pods anti-affinity" (Unschedulable), b fails
    // "Insufficient cpu". Dry run on a: removing guard updates InterPodAffinity's counts
    // (RemovePod) → fits; re-adding it (AddPod) → fails again → victim guard. On b: victim filler.
    // Criterion 2: top victim priority 1 (a) < 2 (b) → a.
    const guard = makePod('guard').label('app', 'guard').req({ cpu: '1' }).priority(1).nodeName('a').obj();
    guard.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'vip' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const snap = buildSnapshot([node('a', '4'), node('b', '4')], [guard, pod('filler', 'b', 2, '4')]);
    const vip = makePod('vip').label('app', 'vip').req({ cpu: '1' }).priority(100).obj();
    const r = scheduleOne(defaultProfile(), snap, vip, INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in r);
    assert.equal(r.unschedulable.message, "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't satisfy existing pods anti-affinity rules.");
    assert.deepEqual(preempt(r), { node: 'a', victims: ['guard'] });
    // Once guard is gone and vip is nominated to a, the next cycle places it there.
    snap.removePod(newPodInfo(guard).key);
    const again = makePod('vip').label('app', 'vip').req({ cpu: '1' }).priority(100).nominatedNodeName('a').obj();
    const r2 = scheduleOne(defaultProfile(), snap, again, INITIAL_ROTATION, () => 0);
    assert.ok('node' in r2 && r2.node === 'a');
  });

  it("PodTopologySpread's RemovePod: evicting a lower-priority pod lowers the skew", () => {
    // Zones a (node a) and b (node b), 4 cpu each. app=foo: f1, f2 on a (p1); f3 on b (p50).
    // The preemptor (p100, app=foo) spreads on zone, maxSkew 1, DoNotSchedule: counts a 2, b 1.
    //   a: 2 + 1 − 1 = 2 > 1 ✗ ; b: 1 + 1 − 1 = 1 ✓ — but b is full (f3 takes 4 cpu).
    // Dry run a: remove f1, f2 (RemovePod: a → 0, min 0) → 0 + 1 − 0 ✓ (and cpu is free).
    //   Reprieve f1 (a → 1, min 1): 1 + 1 − 1 = 1 ✓ stays; reprieve f2 (a → 2): 2 ✗ → victim f2.
    // Dry run b: remove f3 (p50 < 100): b → 0 → 0 + 1 − 0 ✓; re-add → cpu ✗ → victim f3.
    // Criterion 2: top victim priority 1 (a: [f2]) < 50 (b: [f3]) → a, victims [f2].
    const zoned = (name: string, zone: string) => makeNode(name).capacity({ cpu: '4', memory: '16Gi' }).zone(zone).obj();
    const foo = (name: string, on: string, priority: number, cpu: string) => makePod(name).label('app', 'foo').req({ cpu }).priority(priority).nodeName(on).obj();
    const snap = buildSnapshot([zoned('a', 'a'), zoned('b', 'b')], [foo('f1', 'a', 1, '1'), foo('f2', 'a', 1, '1'), foo('f3', 'b', 50, '4')]);
    const p = makePod('spreader').label('app', 'foo').req({ cpu: '1' }).priority(100).obj();
    p.spec!.topologySpreadConstraints = [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'foo' } } }];
    assert.deepEqual(preempt(scheduleOne(defaultProfile(), snap, p, INITIAL_ROTATION, () => 0)), { node: 'a', victims: ['f2'] });
  });
});
