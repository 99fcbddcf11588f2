/**
 * InterPodAffinity's counts kept across cycles (TopologyIndex refreshed from the snapshot's change
 * log) and Filter's per-topology-value verdict table (LabelColumn ids kept current by the
 * snapshot) against a fresh count: after every random change to one snapshot (pods with and
 * without (anti-)affinity terms added and removed, nodes added, removed and relabelled), for each
 * of several incoming pods, PreFilter's three count maps, PreScore's topology score, every node's
 * raw Score (through the per-value score table) and every node's Filter status on that snapshot
 * (same plugin instance, as the scheduler runs it) must equal those on a snapshot built afresh from the same nodes and pods (no history, so everything
 * is counted from every pod of every node), the fresh Filter statuses read straight from the
 * counts without the table. fast-check; on failure the message gives the seed and path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Affinity, V1Node, V1Pod } from '@kubernetes/client-node';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { buildSnapshot, type Snapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { newPodInfo, podKey, type PodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import type { Status } from '../../actors/scheduler/framework/status.ts';
import {
  computePreFilterState,
  computeTopologyScore,
  ErrReasonAffinityRulesNotMatch,
  ErrReasonAntiAffinityRulesNotMatch,
  ErrReasonExistingAntiAffinityRulesNotMatch,
  materializeTopologyScore,
  newInterPodAffinity,
} from '../../actors/scheduler/plugins/inter-pod-affinity.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const COLORS = ['blue', 'red', null] as const;

/** Terms an existing pod may carry: none, required anti-affinity (zone or host), required affinity, preferred terms. */
function affinityOf(kind: number): V1Affinity | undefined {
  const sel = (color: string) => ({ matchLabels: { color } });
  switch (kind) {
    case 1:
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: sel('blue'), topologyKey: ZONE }] } };
    case 2:
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: sel('red'), topologyKey: HOST }] } };
    case 3:
      return { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: sel('blue'), topologyKey: ZONE }] } };
    case 4:
      return {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { labelSelector: sel('red'), topologyKey: ZONE } }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: { labelSelector: sel('blue'), topologyKey: HOST } }] },
      };
    default:
      return undefined;
  }
}

function pod(name: string, ns: string, color: string | null, kind: number, nodeName?: string): V1Pod {
  let w = makePod(name, ns);
  if (color !== null) w = w.label('color', color);
  if (nodeName !== undefined) w = w.nodeName(nodeName);
  const p = w.obj();
  const a = affinityOf(kind);
  if (a) p.spec!.affinity = a;
  return p;
}

/** Required anti-affinity to red on the zone (namespaces ns0 and ns1). */
function antiRedOnZone(name: string): V1Pod {
  const p = pod(name, 'ns0', 'red', 0);
  p.spec!.affinity = {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'red' } }, topologyKey: ZONE, namespaces: ['ns0', 'ns1'] }] },
  };
  return p;
}

/** Affinity to blue on the zone and anti-affinity to red on the host: two keys, so no verdict table. */
function mixedKeys(name: string): V1Pod {
  const p = pod(name, 'ns0', 'blue', 3);
  p.spec!.affinity!.podAntiAffinity = affinityOf(2)!.podAntiAffinity;
  return p;
}

/**
 * Incoming pods: required affinity on the zone (one key: the verdict table applies), anti-affinity
 * on the zone, on the host, mixed keys, preferred terms, none (only existing pods' terms apply).
 */
const INCOMING: readonly PodInfo[] = [
  pod('in-aff', 'ns0', 'blue', 3),
  antiRedOnZone('in-anti-zone'),
  pod('in-anti-host', 'ns1', 'red', 2),
  mixedKeys('in-mixed'),
  pod('in-pref', 'ns0', 'blue', 4),
  pod('in-plain-blue', 'ns1', 'blue', 0),
  pod('in-plain-red', 'ns0', 'red', 0),
].map((p) => newPodInfo(p));

type Op =
  | { op: 'addPod'; node: number; color: number; kind: number; ns: number }
  | { op: 'removePod'; which: number }
  | { op: 'addNode'; zone: number | null }
  | { op: 'removeNode'; which: number }
  | { op: 'relabel'; which: number; zone: number | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('addPod' as const), node: fc.nat(), color: fc.integer({ min: 0, max: 2 }), kind: fc.integer({ min: 0, max: 4 }), ns: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('removePod' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('addNode' as const), zone: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeNode' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relabel' as const), which: fc.nat(), zone: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }) },
);

function node(name: string, zone: number | null): V1Node {
  const w = makeNode(name).capacity({ cpu: '8', memory: '16Gi' });
  return (zone === null ? w : w.zone(`z${zone}`)).obj();
}

const sorted = (m: Map<string, Map<string, number>>) => [...m].map(([k, v]) => [k, [...v].sort()] as const).sort();

/**
 * Everything InterPodAffinity decides for `incoming` on `snap`: PreFilter's counts, PreScore's
 * topology score and each node's Filter status, through `plugin` (verdict table included) or,
 * with `plugin` undefined, straight from the counts (the satisfies* checks, no table).
 */
function decisions(incoming: PodInfo, snap: Snapshot, plugin?: ReturnType<typeof newInterPodAffinity>): unknown {
  const s = computePreFilterState(incoming, snap);
  const filter: Record<string, string | null> = {};
  let preFilter: string;
  if (plugin !== undefined) {
    const state = new CycleState();
    const pre = plugin.preFilter!(state, incoming, snap);
    preFilter = pre === null ? 'run' : 'code' in pre ? pre.code : 'narrowed';
    for (const ni of snap.nodes) {
      const st: Status | null = pre === null ? plugin.filter!(state, incoming, ni) : null;
      filter[ni.name] = st === null ? null : st.reasons.join(',');
    }
  } else {
    const skipped =
      s.requiredAffinityTerms.length === 0 && s.requiredAntiAffinityTerms.length === 0 && s.existingAntiAffinityCounts.isEmpty();
    preFilter = skipped ? 'Skip' : 'run';
    for (const ni of snap.nodes) {
      const l = ni.labels;
      filter[ni.name] = skipped
        ? null
        : !s.satisfiesPodAffinity(l)
          ? ErrReasonAffinityRulesNotMatch
          : !s.satisfiesPodAntiAffinity(l)
            ? ErrReasonAntiAffinityRulesNotMatch
            : !s.satisfiesExistingPodsAntiAffinity(l)
              ? ErrReasonExistingAntiAffinityRulesNotMatch
              : null;
    }
  }
  const score = computeTopologyScore(incoming, snap);
  // Raw Score per node: through the plugin (PreScore, then its per-value table) or from the sums.
  const nodeScores: Record<string, number> = {};
  if (plugin !== undefined) {
    const state = new CycleState();
    const pre = plugin.preScore!(state, incoming, snap.nodes, snap);
    for (const ni of snap.nodes) nodeScores[ni.name] = pre === null ? plugin.score!(state, incoming, ni) : 0;
  } else {
    const sums = score === null ? new Map<string, Map<string, number>>() : materializeTopologyScore(score);
    for (const ni of snap.nodes) {
      let total = 0;
      for (const [key, values] of sums) {
        const v = ni.labels[key];
        if (typeof v === 'string') total += values.get(v) ?? 0;
      }
      nodeScores[ni.name] = total;
    }
  }
  return {
    nodeScores,
    preFilter,
    existing: sorted(s.existingAntiAffinityCounts.materialize()),
    affinity: sorted(s.affinityCounts.materialize()),
    anti: sorted(s.antiAffinityCounts.materialize()),
    score: score === null ? null : sorted(materializeTopologyScore(score)),
    filter,
  };
}

describe('InterPodAffinity counts kept across cycles', () => {
  it('equal a fresh count, and Filter gives the same statuses, after any sequence of changes', () => {
    const result = fc.check(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), { minLength: 1, maxLength: 8 }), fc.array(opArb, { maxLength: 30 }), (zones, ops) => {
        const nodes = new Map<string, V1Node>(zones.map((z, i) => [`n${i}`, node(`n${i}`, z)]));
        const pods = new Map<string, V1Pod>();
        const snap = buildSnapshot([...nodes.values()]);
        // One plugin instance per snapshot, kept across steps as the scheduler keeps it.
        const plugin = newInterPodAffinity();
        let added = 0;
        ops.forEach((op, step) => {
          const names = [...nodes.keys()];
          if (op.op === 'addPod' && names.length > 0) {
            const p = pod(`p${step}`, `ns${op.ns}`, COLORS[op.color]!, op.kind, names[op.node % names.length]!);
            pods.set(podKey(p), p);
            snap.addPod(p);
          } else if (op.op === 'removePod' && pods.size > 0) {
            const key = [...pods.keys()][op.which % pods.size]!;
            pods.delete(key);
            assert.ok(snap.removePod(key), `pod ${key} was in the snapshot`);
          } else if (op.op === 'addNode') {
            const n = node(`x${added++}`, op.zone);
            nodes.set(n.metadata!.name!, n);
            snap.updateNode(n);
          } else if (op.op === 'removeNode' && names.length > 1) {
            const name = names[op.which % names.length]!;
            nodes.delete(name);
            snap.removeNode(name);
            for (const [k, p] of pods) if (p.spec!.nodeName === name) pods.delete(k) && snap.removePod(k);
          } else if (op.op === 'relabel' && names.length > 0) {
            const name = names[op.which % names.length]!;
            const n = node(name, op.zone);
            nodes.set(name, n);
            snap.updateNode(n);
          }
          const fresh = buildSnapshot([...nodes.values()], [...pods.values()]);
          for (const incoming of INCOMING) {
            assert.deepEqual(decisions(incoming, snap, plugin), decisions(incoming, fresh), `after step ${step} (${op.op}), incoming ${incoming.key}`);
          }
        });
      }),
      { numRuns: 150 },
    );
    if (result.failed) assert.fail(`incremental ≠ fresh count; replay with { seed: ${result.seed}, path: "${result.counterexamplePath ?? ''}" }\n${fc.defaultReportMessage(result) ?? ''}`);
  });
});
