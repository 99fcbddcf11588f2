/**
 * PodTopologySpread against numbers worked out by hand from kube's filtering.go / scoring.go:
 * DoNotSchedule skew with minDomains, node inclusion policies and matchLabelKeys; ScheduleAnyway
 * raw scores (Σ cnt·ln(#domains + 2) + maxSkew − 1, rounded) and `100·(max + min − s)/max`; the
 * system default constraints for a pod a Service selects; then a randomized cross-check of the
 * incremental per-node counts against kube's loops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Node, V1Pod, V1TopologySpreadConstraint } from '@kubernetes/client-node';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { compileLabelSelector } from '../../actors/scheduler/framework/label-selector.ts';
import { newPodInfo, type PodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot, type Snapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { requiredNodeAffinityMatcher } from '../../actors/scheduler/plugins/node-affinity.ts';
import { ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch, newPodTopologySpread } from '../../actors/scheduler/plugins/pod-topology-spread.ts';
import { defaultProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const SKEW = `Unschedulable: ${ErrReasonConstraintsNotMatch}`;
const MISSING = `UnschedulableAndUnresolvable: ${ErrReasonNodeLabelNotMatch}`;

function node(name: string, zone?: string, taint?: string): V1Node {
  let w = makeNode(name).capacity({ cpu: '8', memory: '16Gi' });
  if (zone !== undefined) w = w.zone(zone);
  if (taint !== undefined) w = w.taint(taint, 'true', 'NoSchedule');
  return w.obj();
}

function pod(name: string, labels: Record<string, string>, on?: string, ns = 'default'): V1Pod {
  let w = makePod(name, ns);
  for (const [k, v] of Object.entries(labels)) w = w.label(k, v);
  if (on) w = w.nodeName(on);
  return w.obj();
}

function spread(p: V1Pod, ...constraints: V1TopologySpreadConstraint[]): V1Pod {
  p.spec!.topologySpreadConstraints = constraints;
  return p;
}

function c(topologyKey: string, maxSkew: number, when: 'DoNotSchedule' | 'ScheduleAnyway', extra: Partial<V1TopologySpreadConstraint> = {}): V1TopologySpreadConstraint {
  return { topologyKey, maxSkew, whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'foo' } }, ...extra };
}

function filterAll(snap: Snapshot, p: V1Pod): Record<string, string> {
  const plugin = newPodTopologySpread();
  const state = new CycleState();
  const pi = newPodInfo(p);
  const pre = plugin.preFilter!(state, pi, snap);
  const out: Record<string, string> = {};
  for (const ni of snap.nodes) {
    if (pre !== null && 'code' in pre) {
      out[ni.name] = pre.code === 'Skip' ? 'skip' : `prefilter ${pre.code}`;
      continue;
    }
    const s = plugin.filter!(state, pi, ni);
    out[ni.name] = s === null ? 'pass' : `${s.code}: ${s.reasons.join(' | ')}`;
  }
  return out;
}

/** PreScore, Score, NormalizeScore over `nodes` (all feasible): node → [raw, normalized]. */
function scoreAll(snap: Snapshot, p: V1Pod, args = {}): Record<string, [number, number]> | 'skip' {
  const plugin = newPodTopologySpread(args);
  const state = new CycleState();
  const pi = newPodInfo(p);
  const nodes = snap.nodes;
  const pre = plugin.preScore!(state, pi, nodes, snap);
  if (pre !== null) return pre.code === 'Skip' ? 'skip' : (assert.fail(JSON.stringify(pre)) as never);
  const raw = nodes.map((ni) => plugin.score!(state, pi, ni));
  const norm = [...raw];
  plugin.normalizeScore!(state, pi, norm, nodes);
  return Object.fromEntries(nodes.map((ni, i) => [ni.name, [raw[i]!, norm[i]!]]));
}

/**
 * n1 zone a | n2 zone a | n3 zone b | n4 (no zone label).
 * app=foo: f1 (version v1), f2 (v2) on n1; f3 (v1) on n2; f4 (v2) on n3.
 * Not counted: foo in namespace team-a on n3, app=bar on n3, a terminating foo on n3.
 */
function filterCluster(taintN3 = false): Snapshot {
  const terminating = pod('gone', { app: 'foo' }, 'n3');
  terminating.metadata!.deletionTimestamp = '2026-01-01T00:00:00Z' as unknown as Date;
  return buildSnapshot(
    [node('n1', 'a'), node('n2', 'a'), node('n3', 'b', taintN3 ? 'dedicated' : undefined), node('n4')],
    [
      pod('f1', { app: 'foo', version: 'v1' }, 'n1'),
      pod('f2', { app: 'foo', version: 'v2' }, 'n1'),
      pod('f3', { app: 'foo', version: 'v1' }, 'n2'),
      pod('f4', { app: 'foo', version: 'v2' }, 'n3'),
      pod('other-ns', { app: 'foo' }, 'n3', 'team-a'),
      pod('bar', { app: 'bar' }, 'n3'),
      terminating,
    ],
  );
}

describe('PodTopologySpread Filter (golden)', () => {
  it('skew = count + self − global minimum; a node without the key is unresolvable', () => {
    // Counts per zone: a = 3 (f1, f2, f3), b = 1 (f4); n4 has no zone and does not count.
    // Global minimum 1. n1/n2: 3 + 1 − 1 = 3 > 1 ✗; n3: 1 + 1 − 1 = 1 ≤ 1 ✓; n4: missing label.
    const p = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule'));
    assert.deepEqual(filterAll(filterCluster(), p), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
    // A pod its selector does not match adds no "self": n1: 3 + 0 − 1 = 2 > 1 ✗; n3: 0 ✓.
    const q = spread(pod('in', { app: 'baz' }), c(ZONE, 1, 'DoNotSchedule'));
    assert.deepEqual(filterAll(filterCluster(), q), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
  });

  it('minDomains: fewer eligible domains than minDomains makes the global minimum 0', () => {
    // 2 domains < minDomains 3 → min 0. maxSkew 1: n3: 1 + 1 − 0 = 2 > 1 ✗ → nothing fits.
    const p = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule', { minDomains: 3 }));
    assert.deepEqual(filterAll(filterCluster(), p), { n1: SKEW, n2: SKEW, n3: SKEW, n4: MISSING });
    const r = scheduleOne(defaultProfile(), filterCluster(), p, INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in r);
    assert.equal(
      r.unschedulable.message,
      "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 3 node(s) didn't match pod topology spread constraints. " +
        'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );
    // maxSkew 2: n3: 2 ≤ 2 ✓, n1: 3 + 1 − 0 = 4 > 2 ✗. minDomains 2 (= #domains): min is 1 again.
    assert.deepEqual(filterAll(filterCluster(), spread(pod('in', { app: 'foo' }), c(ZONE, 2, 'DoNotSchedule', { minDomains: 3 }))), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
    assert.deepEqual(filterAll(filterCluster(), spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule', { minDomains: 2 }))), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
  });

  it('nodeAffinityPolicy Honor (default) counts only nodes the pod may land on; Ignore counts all', () => {
    // nodeSelector zone=a: only n1, n2 count → a = 3, a single domain, min 3.
    // n1: 3 + 1 − 3 = 1 ✓; n2 ✓; n3 (zone b, not counted): 0 + 1 − 3 ✓ (NodeAffinity rejects it).
    const honor = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule'));
    honor.spec!.nodeSelector = { [ZONE]: 'a' };
    assert.deepEqual(filterAll(filterCluster(), honor), { n1: 'pass', n2: 'pass', n3: 'pass', n4: MISSING });
    const ignore = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule', { nodeAffinityPolicy: 'Ignore' }));
    ignore.spec!.nodeSelector = { [ZONE]: 'a' };
    assert.deepEqual(filterAll(filterCluster(), ignore), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
  });

  it('nodeTaintsPolicy Honor leaves out nodes with untolerated taints; Ignore (default) counts them', () => {
    // n3 tainted dedicated=true:NoSchedule. Ignore: as before. Honor: zone b not counted → min 3.
    const ignore = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule'));
    assert.deepEqual(filterAll(filterCluster(true), ignore), { n1: SKEW, n2: SKEW, n3: 'pass', n4: MISSING });
    const honor = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'DoNotSchedule', { nodeTaintsPolicy: 'Honor' }));
    assert.deepEqual(filterAll(filterCluster(true), honor), { n1: 'pass', n2: 'pass', n3: 'pass', n4: MISSING });
  });

  it("matchLabelKeys narrows the selector to pods with the incoming pod's values", () => {
    // version=v2: a = 1 (f2), b = 1 (f4), min 1 → n1: 1 + 1 − 1 = 1 ✓, n3 ✓.
    const p = spread(pod('in', { app: 'foo', version: 'v2' }), c(ZONE, 1, 'DoNotSchedule', { matchLabelKeys: ['version'] } as Partial<V1TopologySpreadConstraint>));
    assert.deepEqual(filterAll(filterCluster(), p), { n1: 'pass', n2: 'pass', n3: 'pass', n4: MISSING });
  });

  it('no DoNotSchedule constraint: PreFilter Skip', () => {
    assert.deepEqual(filterAll(filterCluster(), spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'ScheduleAnyway'))), { n1: 'skip', n2: 'skip', n3: 'skip', n4: 'skip' });
    assert.deepEqual(filterAll(filterCluster(), pod('in', { app: 'foo' })), { n1: 'skip', n2: 'skip', n3: 'skip', n4: 'skip' });
  });
});

describe('PodTopologySpread Score (golden)', () => {
  /** n1 zone a (2 foo) | n2 zone a (0) | n3 zone b (1 foo) | n4 no zone (0). */
  function scoreCluster(): Snapshot {
    return buildSnapshot([node('n1', 'a'), node('n2', 'a'), node('n3', 'b'), node('n4')], [pod('f1', { app: 'foo' }, 'n1'), pod('f2', { app: 'foo' }, 'n1'), pod('f3', { app: 'foo' }, 'n3')]);
  }

  it("the pod's own ScheduleAnyway constraints: ln-weighted counts, nodes without a key score 0", () => {
    // Constraints: zone maxSkew 1, hostname maxSkew 2. n4 lacks zone → ignored (score 0).
    // Zone domains among the other feasible nodes: {a, b} → weight ln(2 + 2) = ln 4 = 1.3862943611
    // Hostname: 4 feasible − 1 ignored = 3 → ln(3 + 2) = ln 5 = 1.6094379124
    // Zone counts: a = 2, b = 1.
    //   n1: 2·ln4 + (1−1) + 2·ln5 + (2−1) = 2.7725887 + 4.2188758 = 6.9914645 → 7
    //   n2: 2·ln4 + 0     + 0·ln5 + 1     = 2.7725887 + 1         = 3.7725887 → 4
    //   n3: 1·ln4 + 0     + 1·ln5 + 1     = 1.3862944 + 2.6094379 = 3.9957323 → 4
    // Normalize: max 7, min 4 → 100·(7 + 4 − s)/7: n1 400/7 = 57, n2 700/7 = 100, n3 100; n4 0.
    const p = spread(pod('in', { app: 'foo' }), c(ZONE, 1, 'ScheduleAnyway'), c(HOST, 2, 'ScheduleAnyway'));
    assert.deepEqual(scoreAll(scoreCluster(), p), { n1: [7, 57], n2: [4, 100], n3: [4, 100], n4: [0, 0] });
  });

  it('system default constraints apply to a pod a Service selects (hostname 3, zone 5)', () => {
    // No Service: no workload selector → no default constraints → Skip.
    assert.equal(scoreAll(scoreCluster(), pod('in', { app: 'foo' })), 'skip');
    const snap = scoreCluster();
    snap.setService('default', 'foo', { app: 'foo' });
    // Selector app=foo. System defaults do not require every key: n4 is scored, and its missing
    // zone is the domain "" (as Go reads a missing label).
    // Zone domains {a, b, ""} → ln(3 + 2) = ln 5 = 1.6094379; hostname 4 nodes → ln 6 = 1.7917595.
    // Zone counts: a = 2, b = 1, "" = 0.
    //   n1: 2·ln5 + (5−1) + 2·ln6 + (3−1) = 7.2188758 + 5.5835189 = 12.8023948 → 13
    //   n2: 2·ln5 + 4     + 0     + 2     = 7.2188758 + 2         =  9.2188758 →  9
    //   n3: 1·ln5 + 4     + 1·ln6 + 2     = 5.6094379 + 3.7917595 =  9.4011974 →  9
    //   n4: (no zone label: no zone term)   0·ln6 + 2               =  2         →  2
    // Normalize: max 13, min 2 → 100·(15 − s)/13: n1 200/13 = 15, n2 600/13 = 46, n3 46, n4 100.
    assert.deepEqual(scoreAll(snap, pod('in', { app: 'foo' })), { n1: [13, 15], n2: [9, 46], n3: [9, 46], n4: [2, 100] });
    // Through the default profile (weight 2).
    const r = scheduleOne(defaultProfile(), snap, pod('in', { app: 'foo' }), INITIAL_ROTATION, () => 0, { explain: true });
    const pts = Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.scores!.find((s) => s.plugin === 'PodTopologySpread')!.weighted]));
    assert.deepEqual(pts, { n1: 30, n2: 92, n3: 92, n4: 200 });
    // A ReplicaSet owner works the same way; a bare pod in the namespace without labels gets none.
    const rsSnap = scoreCluster();
    rsSnap.setController('ReplicaSet', 'default', 'foo-rs', { matchLabels: { app: 'foo' } });
    const owned = pod('in', { app: 'foo' });
    owned.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'foo-rs', uid: 'u1', controller: true }];
    assert.deepEqual(scoreAll(rsSnap, owned), { n1: [13, 15], n2: [9, 46], n3: [9, 46], n4: [2, 100] });
    // defaultingType List with no constraints: nothing applies.
    assert.equal(scoreAll(snap, pod('in', { app: 'foo' }), { defaultingType: 'List' }), 'skip');
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check against kube's loops, transcribed directly.
// ---------------------------------------------------------------------------------------------

interface Con {
  key: string;
  maxSkew: number;
  when: 'DoNotSchedule' | 'ScheduleAnyway';
  minDomains: number;
  affinityPolicy: 'Honor' | 'Ignore';
  taintsPolicy: 'Honor' | 'Ignore';
  app: string;
}

function referenceFilter(snap: Snapshot, pi: PodInfo, cons: Con[]): Record<string, string> {
  const hard = cons.filter((x) => x.when === 'DoNotSchedule');
  const out: Record<string, string> = {};
  if (hard.length === 0) {
    for (const ni of snap.nodes) out[ni.name] = 'skip';
    return out;
  }
  const aff = requiredNodeAffinityMatcher(pi);
  const tolerated = (ni: (typeof snap.nodes)[number]) => ni.taints.every((t) => t.effect !== 'NoSchedule' || (pi.pod.spec?.tolerations ?? []).some((tol) => tol.key === t.key));
  const counts = hard.map(() => new Map<string, number>());
  for (const ni of snap.nodes) {
    if (!hard.every((x) => ni.labels[x.key] !== undefined)) continue;
    hard.forEach((x, i) => {
      if (x.affinityPolicy === 'Honor' && !aff(ni.labels, ni.name)) return;
      if (x.taintsPolicy === 'Honor' && !tolerated(ni)) return;
      const v = ni.labels[x.key]!;
      const n = ni.pods.filter((p) => p.namespace === pi.namespace && p.pod.metadata?.labels?.app === x.app).length;
      counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + n);
    });
  }
  for (const ni of snap.nodes) {
    let verdict = 'pass';
    for (let i = 0; i < hard.length; i++) {
      const x = hard[i]!;
      const v = ni.labels[x.key];
      if (v === undefined) {
        verdict = MISSING;
        break;
      }
      const m = counts[i]!;
      const min = m.size < x.minDomains ? 0 : m.size === 0 ? 2 ** 31 - 1 : Math.min(...m.values());
      const self = pi.pod.metadata?.labels?.app === x.app ? 1 : 0;
      if ((m.get(v) ?? 0) + self - min > x.maxSkew) {
        verdict = SKEW;
        break;
      }
    }
    out[ni.name] = verdict;
  }
  return out;
}

function referenceScores(snap: Snapshot, pi: PodInfo, cons: Con[]): Record<string, [number, number]> | 'skip' {
  const soft = cons.filter((x) => x.when === 'ScheduleAnyway');
  if (soft.length === 0) return 'skip';
  const nodes = snap.nodes;
  const aff = requiredNodeAffinityMatcher(pi);
  const tolerated = (ni: (typeof nodes)[number]) => ni.taints.every((t) => t.effect !== 'NoSchedule' || (pi.pod.spec?.tolerations ?? []).some((tol) => tol.key === t.key));
  const hasAll = (ni: (typeof nodes)[number]) => soft.every((x) => ni.labels[x.key] !== undefined);
  const ignored = new Set(nodes.filter((ni) => !hasAll(ni)).map((ni) => ni.name));
  const count = (ni: (typeof nodes)[number], x: Con) => ni.pods.filter((p) => p.namespace === pi.namespace && p.pod.metadata?.labels?.app === x.app).length;
  const domainCounts = soft.map((x) => {
    const m = new Map<string, number>();
    if (x.key === HOST) return m;
    for (const ni of nodes) if (!ignored.has(ni.name)) m.set(ni.labels[x.key]!, 0);
    for (const ni of nodes) {
      if (!hasAll(ni)) continue;
      if (x.affinityPolicy === 'Honor' && !aff(ni.labels, ni.name)) continue;
      if (x.taintsPolicy === 'Honor' && !tolerated(ni)) continue;
      const v = ni.labels[x.key]!;
      if (m.has(v)) m.set(v, m.get(v)! + count(ni, x));
    }
    return m;
  });
  const weights = soft.map((x, i) => Math.log((x.key === HOST ? nodes.length - ignored.size : domainCounts[i]!.size) + 2));
  const raw = nodes.map((ni) => {
    if (ignored.has(ni.name)) return 0;
    let s = 0;
    soft.forEach((x, i) => {
      const v = ni.labels[x.key];
      if (v === undefined) return;
      const cnt = x.key === HOST ? count(ni, x) : domainCounts[i]!.get(v)!;
      s += cnt * weights[i]! + (x.maxSkew - 1);
    });
    return Math.round(s);
  });
  const live = raw.filter((_, i) => !ignored.has(nodes[i]!.name));
  const max = Math.max(0, ...live);
  const min = Math.min(...live);
  return Object.fromEntries(
    nodes.map((ni, i) => [ni.name, [raw[i]!, ignored.has(ni.name) ? 0 : max === 0 ? 100 : Math.floor((100 * (max + min - raw[i]!)) / max)]]),
  );
}

describe('PodTopologySpread: incremental counts agree with kube per-cycle loops', () => {
  it('filter verdicts and scores while pods come and go', () => {
    const conArb = fc.record({
      key: fc.constantFrom(ZONE, HOST, 'rack'),
      maxSkew: fc.integer({ min: 1, max: 3 }),
      when: fc.constantFrom<'DoNotSchedule' | 'ScheduleAnyway'>('DoNotSchedule', 'ScheduleAnyway'),
      minDomains: fc.integer({ min: 1, max: 4 }),
      affinityPolicy: fc.constantFrom<'Honor' | 'Ignore'>('Honor', 'Ignore'),
      taintsPolicy: fc.constantFrom<'Honor' | 'Ignore'>('Honor', 'Ignore'),
      app: fc.constantFrom('x', 'y'),
    });
    const nodeArb = fc.record({ zone: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), rack: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }), tainted: fc.boolean() });
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), app: fc.constantFrom('x', 'y'), ns: fc.constantFrom('default', 'other'), node: fc.nat(4) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(20) }),
      fc.record({
        kind: fc.constant('check' as const),
        app: fc.constantFrom('x', 'y'),
        cons: fc.uniqueArray(conArb, { minLength: 1, maxLength: 2, selector: (x) => `${x.key}|${x.when}` }),
        zoneSelector: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 5, maxLength: 5 }), fc.array(stepArb, { minLength: 3, maxLength: 30 }), (nodes, steps) => {
        const snap = buildSnapshot(
          nodes.map((n, i) => {
            let w = makeNode(`n${i}`).capacity({ cpu: '64', memory: '64Gi', pods: '100' });
            if (n.zone) w = w.zone(n.zone);
            if (n.rack) w = w.label('rack', n.rack);
            if (n.tainted) w = w.taint('t', 'v', 'NoSchedule');
            return w.obj();
          }),
        );
        const plugin = newPodTopologySpread();
        const live: string[] = [];
        let serial = 0;
        for (const step of steps) {
          if (step.kind === 'add') {
            const p = pod(`p${serial++}`, { app: step.app }, `n${step.node}`, step.ns);
            snap.addPod(p);
            live.push(newPodInfo(p).key);
          } else if (step.kind === 'remove') {
            if (live.length > 0) snap.removePod(live.splice(step.index % live.length, 1)[0]!);
          } else {
            const p = spread(
              pod(`in${serial++}`, { app: step.app }),
              ...step.cons.map((x) => ({
                topologyKey: x.key,
                maxSkew: x.maxSkew,
                whenUnsatisfiable: x.when,
                labelSelector: { matchLabels: { app: x.app } },
                minDomains: x.minDomains,
                nodeAffinityPolicy: x.affinityPolicy,
                nodeTaintsPolicy: x.taintsPolicy,
              })),
            );
            if (step.zoneSelector) p.spec!.nodeSelector = { [ZONE]: step.zoneSelector };
            const pi = newPodInfo(p);
            const state = new CycleState();
            const pre = plugin.preFilter!(state, pi, snap);
            const got: Record<string, string> = {};
            for (const ni of snap.nodes) {
              if (pre !== null && 'code' in pre) got[ni.name] = 'skip';
              else {
                const s = plugin.filter!(state, pi, ni);
                got[ni.name] = s === null ? 'pass' : `${s.code}: ${s.reasons.join(' | ')}`;
              }
            }
            assert.deepEqual(got, referenceFilter(snap, pi, step.cons));
            assert.deepEqual(scoreAll(snap, p), referenceScores(snap, pi, step.cons));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

// compileLabelSelector is exercised through the plugins; keep one direct check of `{}` vs nil.
describe('label selectors as the scheduler compiles them', () => {
  it('nil selects nothing, {} selects everything but is "empty" (counts no pods in spreading)', () => {
    const nil = compileLabelSelector(undefined);
    const all = compileLabelSelector({});
    assert.ok(!('error' in nil) && !('error' in all));
    assert.equal(nil.matches({ a: 'b' }), false);
    assert.equal(all.matches({ a: 'b' }), true);
    assert.deepEqual([nil.empty, all.empty], [false, true]);
  });
});
