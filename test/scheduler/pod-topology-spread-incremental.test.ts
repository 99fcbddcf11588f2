/**
 * PodTopologySpread's PreFilter sums kept across cycles (DomainCountIndex) against a full recount:
 * after every random change to one snapshot (pods added and removed, nodes added, removed and
 * moved to another zone), PreFilter on that snapshot (its index refreshed from the change log)
 * must give the same per-zone counts and minimum as PreFilter on a snapshot built afresh from the
 * same nodes and pods (no history, so it counts every node). fast-check; on failure the message
 * gives the seed and path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { buildSnapshot, CycleState, inTreeRegistry, newPodInfo, podKey, stateKey, type Snapshot } from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONE = 'topology.kubernetes.io/zone';
const preFilterKey = stateKey<{ tpValueToMatchNum: Map<string, number>[]; minMatchNum: number[] }>('PreFilterPodTopologySpread');

type Op =
  | { op: 'addPod'; node: number; blue: boolean; ns: number }
  | { op: 'removePod'; which: number }
  | { op: 'addNode'; zone: number | null }
  | { op: 'removeNode'; which: number }
  | { op: 'rezone'; which: number; zone: number | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('addPod' as const), node: fc.nat(), blue: fc.boolean(), ns: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('removePod' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('addNode' as const), zone: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeNode' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rezone' as const), which: fc.nat(), zone: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }) }) },
);

function node(name: string, zone: number | null): V1Node {
  const w = makeNode(name).capacity({ cpu: '8', memory: '16Gi' });
  return (zone === null ? w : w.zone(`z${zone}`)).obj();
}

/** The incoming pod: blue, spread over zones, DoNotSchedule. */
const incoming = (() => {
  const p = makePod('incoming', 'ns0').label('color', 'blue').obj();
  p.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }];
  return newPodInfo(p);
})();

function preFilterCounts(snap: Snapshot): unknown {
  const plugin = inTreeRegistry['PodTopologySpread']!({});
  const state = new CycleState();
  const out = plugin.preFilter!(state, incoming, snap);
  assert.equal(out, null);
  const s = state.read(preFilterKey)!;
  return { counts: s.tpValueToMatchNum.map((m) => [...m].sort()), min: s.minMatchNum };
}

describe('PodTopologySpread PreFilter sums kept across cycles', () => {
  it('equal a full recount after any sequence of changes', () => {
    const plugin = inTreeRegistry['PodTopologySpread']!({});
    const result = fc.check(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), { minLength: 1, maxLength: 8 }), fc.array(opArb, { maxLength: 40 }), (zones, ops) => {
        const nodes = new Map<string, V1Node>(zones.map((z, i) => [`n${i}`, node(`n${i}`, z)]));
        const pods = new Map<string, V1Pod>();
        const snap = buildSnapshot([...nodes.values()]);
        let added = 0;
        ops.forEach((op, step) => {
          const names = [...nodes.keys()];
          if (op.op === 'addPod' && names.length > 0) {
            let w = makePod(`p${step}`, `ns${op.ns}`).nodeName(names[op.node % names.length]!);
            if (op.blue) w = w.label('color', 'blue');
            const p = w.obj();
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
          } else if (op.op === 'rezone' && names.length > 0) {
            const name = names[op.which % names.length]!;
            const n = node(name, op.zone);
            nodes.set(name, n);
            snap.updateNode(n);
          }
          // The same plugin instance and snapshot each cycle, as the scheduler runs it.
          const state = new CycleState();
          assert.equal(plugin.preFilter!(state, incoming, snap), null);
          const s = state.read(preFilterKey)!;
          const incremental = { counts: s.tpValueToMatchNum.map((m) => [...m].sort()), min: s.minMatchNum };
          assert.deepEqual(incremental, preFilterCounts(buildSnapshot([...nodes.values()], [...pods.values()])), `after step ${step} (${op.op})`);
        });
      }),
      { numRuns: 200 },
    );
    if (result.failed) assert.fail(`incremental ≠ recount; replay with { seed: ${result.seed}, path: "${result.counterexamplePath ?? ''}" }\n${fc.defaultReportMessage(result) ?? ''}`);
  });
});
