/**
 * The fused scan (schedule-one.ts: FusionHint, NodeColumns) against the plain plugin path
 * (`plainPluginPath: true`), decision by decision, on random clusters (fast-check): two copies of
 * the same cluster each schedule the same sequence of pods, one per path, binding every chosen
 * pod, while pods are deleted and nodes are cordoned, added and removed between cycles (so the
 * snapshot's columns must follow every change). Every result must be identical: the node or the
 * unschedulable message, every node's reasons, preemption's nomination and victims, the rotation,
 * the evaluated and feasible counts and the tie-break draws. Clusters have 1–140 nodes (above 100
 * the adaptive percentageOfNodesToScore scans a part), tainted, cordoned and zero-capacity nodes,
 * host ports, images, extended resources and nominated pods; profiles include non-default
 * NodeResourcesFit strategies and weights, whose scores the fused scan must leave to the plugin.
 *
 * On failure the message gives fast-check's seed and path: replay with
 * FUSED_SEED=<seed> FUSED_PATH=<path> npx tsx --test test/scheduler/fused-path.test.ts
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { buildProfile, buildSnapshot, DEFAULT_PLUGINS, newPodInfo, podKey, scheduleOne, type PodInfo, type Profile, type Rotation, type Snapshot } from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONES = ['a', 'b', 'c'];
const IMAGES = ['img-a:1', 'img-b:1'];

interface NodeSpec {
  cpu: number;
  memGi: number;
  pods: number;
  zone: string;
  cordoned: boolean;
  taint: string | undefined;
  gpu: number;
  image: string | undefined;
}

const nodeSpecArb: fc.Arbitrary<NodeSpec> = fc.record({
  cpu: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16 })),
  memGi: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 32 })),
  pods: fc.integer({ min: 0, max: 6 }),
  zone: fc.constantFrom(...ZONES),
  cordoned: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  taint: fc.option(fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'), { nil: undefined, freq: 4 }),
  gpu: fc.integer({ min: 0, max: 2 }),
  image: fc.option(fc.constantFrom(...IMAGES), { nil: undefined }),
});

function nodeObj(name: string, n: NodeSpec): V1Node {
  const cap: Record<string, string> = { cpu: String(n.cpu), memory: `${n.memGi}Gi`, pods: String(n.pods) };
  if (n.gpu > 0) cap['example.com/gpu'] = String(n.gpu);
  let w = makeNode(name).capacity(cap).zone(n.zone).label('zone', n.zone);
  if (n.cordoned) w = w.unschedulable();
  if (n.taint) w = w.taint('dedicated', 'x', n.taint as 'NoSchedule');
  const o = w.obj();
  if (n.image) o.status!.images = [{ names: [n.image], sizeBytes: 300 * 1024 * 1024 }];
  return o;
}

interface PodSpec {
  cpuM: number;
  memMi: number;
  gpu: number;
  tolerate: boolean;
  tolerateCordon: boolean;
  zoneIn: string[] | undefined;
  prefer: boolean;
  port: number | undefined;
  prio: number;
  image: string | undefined;
  nominate: number | undefined;
  /** Label app=<app>; required pod affinity / anti-affinity to app=<target> on `topologyKey`. */
  app: string | undefined;
  podAffinity: { kind: 'affinity' | 'anti'; target: string; topologyKey: string } | undefined;
}

const podSpecArb: fc.Arbitrary<PodSpec> = fc.record({
  cpuM: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6000 })),
  memMi: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12000 })),
  gpu: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
  tolerate: fc.boolean(),
  tolerateCordon: fc.boolean(),
  zoneIn: fc.option(fc.subarray(ZONES, { minLength: 1 }), { nil: undefined, freq: 4 }),
  prefer: fc.boolean(),
  port: fc.option(fc.constantFrom(80, 443), { nil: undefined, freq: 3 }),
  prio: fc.integer({ min: 0, max: 3 }),
  image: fc.option(fc.constantFrom(...IMAGES), { nil: undefined }),
  nominate: fc.option(fc.nat(), { nil: undefined, freq: 6 }),
  app: fc.option(fc.constantFrom('x', 'y'), { nil: undefined, freq: 2 }),
  podAffinity: fc.option(
    fc.record({ kind: fc.constantFrom('affinity' as const, 'anti' as const), target: fc.constantFrom('x', 'y'), topologyKey: fc.constantFrom('zone', 'kubernetes.io/hostname') }),
    { nil: undefined, freq: 3 },
  ),
});

function podObj(name: string, p: PodSpec, nodeNames: readonly string[]): V1Pod {
  let w = makePod(name).priority(p.prio);
  const req: Record<string, string> = {};
  if (p.cpuM > 0) req.cpu = `${p.cpuM}m`;
  if (p.memMi > 0) req.memory = `${p.memMi}Mi`;
  if (p.gpu > 0) req['example.com/gpu'] = String(p.gpu);
  if (Object.keys(req).length > 0) w = w.req(req);
  if (p.tolerate) w = w.toleration({ key: 'dedicated', operator: 'Exists' });
  if (p.tolerateCordon) w = w.toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
  if (p.zoneIn) w = w.requiredTerm([{ key: 'zone', operator: 'In', values: p.zoneIn }]);
  if (p.prefer) w = w.preferredTerm(10, [{ key: 'zone', operator: 'In', values: ['a'] }]);
  if (p.port) w = w.hostPort(p.port);
  if (p.nominate !== undefined && nodeNames.length > 0) w = w.nominatedNodeName(nodeNames[p.nominate % nodeNames.length]!);
  if (p.app) w = w.label('app', p.app);
  const o = w.obj();
  if (p.image) o.spec!.containers[0]!.image = p.image;
  if (p.podAffinity) {
    // InterPodAffinity's Filter: a verdict table per zone / hostname value on the fused path.
    const term = { labelSelector: { matchLabels: { app: p.podAffinity.target } }, topologyKey: p.podAffinity.topologyKey };
    o.spec!.affinity = {
      ...(o.spec!.affinity ?? {}),
      ...(p.podAffinity.kind === 'affinity' ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } : { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }),
    };
  }
  return o;
}

type Op =
  | { readonly op: 'schedule'; readonly pod: PodSpec }
  | { readonly op: 'deletePod'; readonly which: number }
  | { readonly op: 'cordon'; readonly which: number }
  | { readonly op: 'addNode'; readonly node: NodeSpec }
  | { readonly op: 'removeNode'; readonly which: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: podSpecArb.map((pod) => ({ op: 'schedule' as const, pod })) },
  { weight: 2, arbitrary: fc.nat().map((which) => ({ op: 'deletePod' as const, which })) },
  { weight: 1, arbitrary: fc.nat().map((which) => ({ op: 'cordon' as const, which })) },
  { weight: 1, arbitrary: nodeSpecArb.map((node) => ({ op: 'addNode' as const, node })) },
  { weight: 1, arbitrary: fc.nat().map((which) => ({ op: 'removeNode' as const, which })) },
);

const PROFILES: Record<string, Profile> = {
  default: buildProfile({ plugins: DEFAULT_PLUGINS }),
  all: buildProfile({ plugins: DEFAULT_PLUGINS, percentageOfNodesToScore: 100 }),
  weighted: buildProfile({
    plugins: DEFAULT_PLUGINS,
    pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } } },
  }),
  mostAllocated: buildProfile({ plugins: DEFAULT_PLUGINS, pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: 'MostAllocated' } } } }),
  gpuScored: buildProfile({
    plugins: DEFAULT_PLUGINS,
    pluginConfig: {
      NodeResourcesFit: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }, { name: 'example.com/gpu', weight: 2 }] } },
      NodeResourcesBalancedAllocation: { resources: [{ name: 'cpu', weight: 1 }, { name: 'example.com/gpu', weight: 1 }] },
    },
  }),
};

const scenarioArb = fc.record({
  profile: fc.constantFrom(...Object.keys(PROFILES)),
  nodes: fc.oneof(fc.array(nodeSpecArb, { minLength: 1, maxLength: 12 }), fc.array(nodeSpecArb, { minLength: 100, maxLength: 140 })),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
  start: fc.nat({ max: 200 }),
  seed: fc.nat(),
  withNominator: fc.boolean(),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Runs the scenario on its own cluster; returns one comparable record per scheduling cycle. */
function run(s: Scenario, plainPluginPath: boolean): unknown[] {
  const profile = PROFILES[s.profile]!;
  const nodes = s.nodes.map((n, i) => nodeObj(`n${i}`, n));
  const snap: Snapshot = buildSnapshot(nodes);
  let rng = s.seed;
  const draws: number[] = [];
  const randomInt = (n: number): number => {
    rng = (rng * 48271) % 2147483647;
    draws.push(n);
    return rng % n;
  };
  let rotation: Rotation = { nextStartNodeIndex: s.start };
  const bound: string[] = [];
  /** Pods the preemptor nominated: kept as nominated pods (the nominator) until scheduled. */
  const nominated = new Map<string, PodInfo[]>();
  const out: unknown[] = [];
  let added = 0;
  s.ops.forEach((op, step) => {
    const names = snap.nodes.map((ni) => ni.name);
    switch (op.op) {
      case 'deletePod':
        if (bound.length > 0) assert.ok(snap.removePod(bound.splice(op.which % bound.length, 1)[0]!), 'the deleted pod was in the snapshot');
        return;
      case 'cordon': {
        if (names.length === 0) return;
        const ni = snap.get(names[op.which % names.length]!)!;
        snap.updateNode({ ...ni.node, spec: { ...ni.node.spec, unschedulable: !ni.unschedulable } });
        return;
      }
      case 'addNode':
        snap.updateNode(nodeObj(`x${added++}`, op.node));
        return;
      case 'removeNode':
        if (names.length > 1) snap.removeNode(names[op.which % names.length]!);
        return;
      case 'schedule': {
        const pod = podObj(`p${step}`, op.pod, names);
        draws.length = 0;
        const r = scheduleOne(profile, snap, pod, rotation, randomInt, {
          plainPluginPath,
          ...(s.withNominator ? { nominatedPods: (node: string) => nominated.get(node) ?? [] } : {}),
        });
        rotation = r.rotation;
        if ('node' in r) {
          snap.addPod(pod, r.node);
          bound.push(podKey(pod));
          out.push({ step, node: r.node, rotation: r.rotation, evaluated: r.evaluatedNodes, feasible: r.feasibleNodes, draws: [...draws] });
        } else if ('unschedulable' in r) {
          const u = r.unschedulable;
          if (u.nominatedNodeName) {
            const list = nominated.get(u.nominatedNodeName) ?? [];
            list.push(newPodInfo(pod));
            nominated.set(u.nominatedNodeName, list);
          }
          out.push({
            step,
            message: u.message,
            reasonsByNode: u.reasonsByNode,
            plugins: [...u.unschedulablePlugins].sort(),
            nominated: u.nominatedNodeName,
            victims: u.victims?.map((v) => v.key),
            rotation: r.rotation,
            evaluated: r.evaluatedNodes,
            feasible: r.feasibleNodes,
            draws: [...draws],
          });
        } else {
          out.push({ step, error: r.error, rotation: r.rotation, evaluated: r.evaluatedNodes });
        }
      }
    }
  });
  return out;
}

describe('fused scan = plain plugin path', () => {
  it('gives the same decisions, statuses, rotations and draws on random clusters', () => {
    const seedEnv = process.env['FUSED_SEED'];
    const pathEnv = process.env['FUSED_PATH'];
    const params: fc.Parameters<[Scenario]> = seedEnv !== undefined ? { seed: Number(seedEnv), ...(pathEnv ? { path: pathEnv } : {}), numRuns: 300 } : { numRuns: 300 };
    const result = fc.check(
      fc.property(scenarioArb, (s) => {
        assert.deepEqual(run(s, false), run(s, true));
      }),
      params,
    );
    if (result.failed) {
      assert.fail(
        `fused scan ≠ plugin path; replay with FUSED_SEED=${result.seed} FUSED_PATH=${result.counterexamplePath ?? ''}\n${fc.defaultReportMessage(result) ?? ''}`,
      );
    }
  });

  it('the comparison is not vacuous: the scenarios bind, reject, tie and take both paths', () => {
    // A fixed cluster where the fused scan must reject nodes for several plugins and score.
    const s: Scenario = {
      profile: 'default',
      nodes: Array.from({ length: 120 }, (_, i) => ({
        cpu: 1 + (i % 4),
        memGi: 2 + (i % 3),
        pods: i % 7 === 0 ? 0 : 4,
        zone: ZONES[i % 3]!,
        cordoned: i % 11 === 0,
        taint: i % 13 === 0 ? 'NoSchedule' : i % 17 === 0 ? 'PreferNoSchedule' : undefined,
        gpu: 0,
        image: i % 5 === 0 ? IMAGES[0] : undefined,
      })),
      ops: Array.from({ length: 30 }, (_, i) => ({
        op: 'schedule' as const,
        pod: { cpuM: 500 + 100 * (i % 5), memMi: 512, gpu: 0, tolerate: i % 2 === 0, tolerateCordon: false, zoneIn: undefined, prefer: false, port: i % 3 === 0 ? 80 : undefined, prio: 0, image: IMAGES[0], nominate: undefined, app: undefined, podAffinity: undefined },
      })),
      start: 0,
      seed: 7,
      withNominator: false,
    };
    const fused = run(s, false) as { node?: string; draws?: number[] }[];
    assert.deepEqual(fused, run(s, true));
    assert.equal(fused.length, 30);
    assert.ok(fused.filter((r) => r.node !== undefined).length >= 25, 'most pods bind');
    assert.ok(new Set(fused.map((r) => r.node)).size > 10, 'pods spread over many nodes');
  });

  it('InterPodAffinity read from its verdict table rejects the same nodes (its statuses: the random scenarios)', () => {
    // As SchedulingPodAffinity: every pod app=x with required affinity to app=x on the zone, so
    // after the first pod two of three zones fail InterPodAffinity (the fused scan's table path);
    // some pods also carry anti-affinity to app=y on the hostname (a second key: no table).
    const s: Scenario = {
      profile: 'default',
      nodes: Array.from({ length: 150 }, (_, i) => ({ cpu: 4, memGi: 8, pods: 10, zone: ZONES[i % 3]!, cordoned: false, taint: undefined, gpu: 0, image: undefined })),
      ops: Array.from({ length: 40 }, (_, i) => ({
        op: 'schedule' as const,
        pod: {
          cpuM: 100,
          memMi: 256,
          gpu: 0,
          tolerate: false,
          tolerateCordon: false,
          zoneIn: undefined,
          prefer: false,
          port: undefined,
          prio: 0,
          image: undefined,
          nominate: undefined,
          app: i % 7 === 3 ? 'y' : 'x',
          podAffinity: i % 7 === 5 ? { kind: 'anti' as const, target: 'y', topologyKey: 'kubernetes.io/hostname' } : { kind: 'affinity' as const, target: 'x', topologyKey: 'zone' },
        },
      })),
      start: 0,
      seed: 11,
      withNominator: false,
    };
    const fused = run(s, false) as { node?: string; reasons?: unknown }[];
    assert.deepEqual(fused, run(s, true));
    assert.equal(fused.filter((r) => r.node !== undefined).length, 40, 'every pod binds');
    const zonesUsed = new Set(fused.map((r) => Number(r.node!.replace(/\D/g, '')) % 3));
    assert.equal(zonesUsed.size, 1, 'all pods in the first pod\'s zone');
  });
});
