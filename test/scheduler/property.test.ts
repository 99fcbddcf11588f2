/**
 * Properties of scheduleOne over random clusters (fast-check), scoring every node:
 * - a chosen node passes every filter plugin, checked one plugin at a time with a fresh state;
 * - the pod is unschedulable only when every node fails some filter, and then every node's
 *   reasons are reported;
 * - the same inputs give the same answer and the same rotation, with or without `explain`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { buildProfile, buildSnapshot, CycleState, DEFAULT_PLUGINS, newPodInfo, scheduleOne, type NodeInfo, type PodInfo, type Profile } from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONES = ['a', 'b', 'c'];

const nodeArb = (i: number) =>
  fc
    .record({
      cpu: fc.integer({ min: 0, max: 8 }),
      memGi: fc.integer({ min: 0, max: 16 }),
      pods: fc.integer({ min: 0, max: 4 }),
      zone: fc.constantFrom(...ZONES),
      cordoned: fc.boolean(),
      taint: fc.option(fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'), { nil: undefined }),
      ssd: fc.boolean(),
    })
    .map((n): V1Node => {
      let w = makeNode(`n${i}`).capacity({ cpu: String(n.cpu), memory: `${n.memGi}Gi`, pods: String(n.pods) }).label('zone', n.zone);
      if (n.ssd) w = w.label('disk', 'ssd');
      if (n.cordoned) w = w.unschedulable();
      if (n.taint) w = w.taint('dedicated', 'x', n.taint as 'NoSchedule');
      return w.obj();
    });

const existingArb = (nodes: number) =>
  fc.array(
    fc.record({ node: fc.integer({ min: 0, max: nodes - 1 }), cpuM: fc.integer({ min: 0, max: 4000 }), port: fc.option(fc.constantFrom(80, 443), { nil: undefined }), prio: fc.integer({ min: 0, max: 3 }) }),
    { maxLength: 12 },
  );

const podArb = fc
  .record({
    cpuM: fc.integer({ min: 0, max: 5000 }),
    memMi: fc.integer({ min: 0, max: 8192 }),
    tolerate: fc.boolean(),
    tolerateCordon: fc.boolean(),
    zoneIn: fc.option(fc.subarray(ZONES, { minLength: 1 }), { nil: undefined }),
    prefer: fc.boolean(),
    port: fc.option(fc.constantFrom(80, 443), { nil: undefined }),
    pinned: fc.option(fc.integer({ min: 0, max: 11 }), { nil: undefined }),
    prio: fc.integer({ min: 0, max: 3 }),
  })
  .map((p): V1Pod => {
    let w = makePod('incoming').priority(p.prio);
    const req: Record<string, string> = {};
    if (p.cpuM > 0) req.cpu = `${p.cpuM}m`;
    if (p.memMi > 0) req.memory = `${p.memMi}Mi`;
    if (Object.keys(req).length > 0) w = w.req(req);
    if (p.tolerate) w = w.toleration({ key: 'dedicated', operator: 'Exists' });
    if (p.tolerateCordon) w = w.toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
    if (p.zoneIn) w = w.requiredTerm([{ key: 'zone', operator: 'In', values: p.zoneIn }]);
    if (p.prefer) w = w.preferredTerm(10, [{ key: 'disk', operator: 'In', values: ['ssd'] }]);
    if (p.port) w = w.hostPort(p.port);
    if (p.pinned !== undefined) w = w.requiredTerm([], [{ key: 'metadata.name', operator: 'In', values: [`n${p.pinned}`] }]);
    return w.obj();
  });

const scenarioArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(i))),
    existing: existingArb(n),
    pod: podArb,
    start: fc.nat({ max: 20 }),
    seed: fc.nat(),
  }),
);

/** Independent oracle: every filter plugin, one at a time, with a fresh CycleState. */
function passesAllFilters(profile: Profile, pod: PodInfo, node: NodeInfo): boolean {
  for (const p of profile.plugins) if (p.filter && p.filter(new CycleState(), pod, node) !== null) return false;
  return true;
}

function build(s: { nodes: V1Node[]; existing: { node: number; cpuM: number; port: number | undefined; prio: number }[] }) {
  const pods = s.existing.map((e, i) => {
    let w = makePod(`e${i}`).nodeName(`n${e.node}`).priority(e.prio);
    if (e.cpuM > 0) w = w.req({ cpu: `${e.cpuM}m` });
    if (e.port) w = w.hostPort(e.port);
    return w.obj();
  });
  return buildSnapshot(s.nodes, pods);
}

describe('scheduleOne properties (scoring all nodes)', () => {
  const profile = buildProfile({ plugins: DEFAULT_PLUGINS, percentageOfNodesToScore: 100 });

  it('never returns a node that fails a filter; unschedulable only when every node fails one', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const snap = build(s);
        const pod = newPodInfo(s.pod);
        let state = s.seed;
        const randomInt = (n: number) => {
          state = (state * 1103515245 + 12345) % 2147483648;
          return state % n;
        };
        const r = scheduleOne(profile, snap, s.pod, { nextStartNodeIndex: s.start }, randomInt);
        const feasible = snap.nodes.filter((ni) => passesAllFilters(profile, pod, ni)).map((ni) => ni.name);
        if ('node' in r) {
          assert.ok(feasible.includes(r.node), `chose ${r.node}, feasible ${feasible}`);
        } else {
          assert.ok('unschedulable' in r, JSON.stringify(r));
          assert.deepEqual(feasible, [], r.unschedulable.message);
          for (const ni of snap.nodes) assert.ok(r.unschedulable.reasonsByNode[ni.name]!.length > 0, `${ni.name} has no reason: ${r.unschedulable.message}`);
          assert.match(r.unschedulable.message, new RegExp(`^0/${snap.numNodes} nodes are available: `));
        }
        // Scoring all nodes, the scan finds exactly the oracle's feasible set.
        assert.equal(r.feasibleNodes, feasible.length);
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic: same inputs, same draw sequence, same answer', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const run = () => {
          let state = s.seed;
          const randomInt = (n: number) => {
            state = (state * 48271) % 2147483647;
            return state % n;
          };
          return scheduleOne(profile, build(s), s.pod, { nextStartNodeIndex: s.start }, randomInt, { explain: true });
        };
        const a = run();
        assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(run())));
        // Explaining does not change the decision, the rotation or the draws.
        let state = s.seed;
        const plain = scheduleOne(profile, build(s), s.pod, { nextStartNodeIndex: s.start }, (n) => {
          state = (state * 48271) % 2147483647;
          return state % n;
        });
        const { explanation: _e, ...withoutExplanation } = a;
        assert.deepEqual(JSON.parse(JSON.stringify(plain)), JSON.parse(JSON.stringify(withoutExplanation)));
      }),
      { numRuns: 150 },
    );
  });
});
