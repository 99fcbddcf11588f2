/**
 * Mode `scheduler`, the bare baseline: the same filter and score as the default profile, written
 * inline for the shapes the bench's workloads use, over typed arrays, with no framework, no
 * statuses, no CycleState, no queue objects and no messages (performance.md §5's "obj/soa adaptive"
 * loop, extended to the workloads' plugins). It makes the same decisions as the framework where
 * the arithmetic is the same (same node order, same adaptive percentageOfNodesToScore and
 * rotating start index, same integer scores, same seeded tie-break draws), so the report can say
 * how many placements agree.
 *
 * Filter, per node, in the profile's order:
 *   NodeUnschedulable / TaintToleration   a per-node flag (no workload taints or cordons a node)
 *   NodeAffinity                          zone id ∈ the pod's allowed zones
 *   NodeResourcesFit                      pods + 1 ≤ allowed; cpu, memory ≤ allocatable − requested
 *   PodTopologySpread (DoNotSchedule)     zoneCount + selfMatch − minZoneCount ≤ maxSkew
 *   InterPodAffinity                      per-node counts of anti-affinity holders and group members;
 *                                         per-zone counts of affinity-group members
 * Score: LeastAllocated (non-zero requests) + BalancedAllocation (exact requests), integer
 * arithmetic as kube. TaintToleration (every node 0 → 100·3), NodeAffinity (no preferred terms →
 * skipped) and InterPodAffinity (the same for every feasible node in these workloads) add the same
 * amount to every node, so they are left out: the argmax and the ties are the same.
 *
 * Counters are kept incrementally (kube and the framework recount pods per cycle in PreFilter).
 * Preemption (PreemptionBasic, churn pods): kube's dry run over nodes that failed with
 * Unschedulable, resources only; the preemptor is then placed on the chosen node at once (the
 * framework requeues it and retries after its backoff).
 */
import { performance } from 'node:perf_hooks';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Rng } from '../../actors/kernel/rng.ts';
import { computePodResources, nodeAllocatable, podKey } from '../../actors/scheduler/index.ts';
import { CYCLE_VIRTUAL_MS, STUCK_AFTER_VIRTUAL_MS, type Eviction, type LoopMeasurement, type LoopOptions, type Placement } from './framework-loop.ts';
import { HOSTNAME_LABEL, ZONE_LABEL, type Workload } from './workloads.ts';

export interface BaselineRun {
  readonly measurement: LoopMeasurement;
  readonly placement: Placement;
  readonly decisions: Map<string, string>;
}

const MAX_SCORE = 100;
const ZONE_KEY_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const REGION_KEY_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

/** What the baseline knows about a pod: numbers and small ids, computed from the V1Pod once. */
interface BPod {
  readonly key: string;
  readonly namespace: string;
  readonly cpu: number;
  readonly mem: number;
  readonly nzCpu: number;
  readonly nzMem: number;
  readonly priority: number;
  /** Labelled color=green / carries required anti-affinity to color=green on the hostname. */
  readonly green: boolean;
  readonly antiGreen: boolean;
  /** Labelled color=blue / carries required affinity to color=blue on the zone. */
  readonly blue: boolean;
  readonly affinityBlue: boolean;
  /** DoNotSchedule spread over zones of color=blue pods in its namespace (maxSkew), or 0. */
  readonly spreadMaxSkew: number;
  /** Zones the pod's required node affinity admits, or null for any. */
  readonly allowedZones: ReadonlySet<string> | null;
  node: number;
}

function toBPod(pod: V1Pod): BPod {
  const r = computePodResources(pod);
  const labels = pod.metadata?.labels ?? {};
  const a = pod.spec?.affinity;
  const anti = a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const aff = a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const spread = (pod.spec?.topologySpreadConstraints ?? []).find((c) => c.whenUnsatisfiable === 'DoNotSchedule' && c.topologyKey === ZONE_LABEL);
  const terms = a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  let allowedZones: Set<string> | null = null;
  for (const t of terms) for (const e of t.matchExpressions ?? []) if (e.key === ZONE_LABEL && e.operator === 'In') allowedZones = new Set([...(allowedZones ?? []), ...(e.values ?? [])]);
  return {
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? 'default',
    cpu: r.requests.milliCpu,
    mem: r.requests.memory,
    nzCpu: r.nonZeroMilliCpu,
    nzMem: r.nonZeroMemory,
    priority: pod.spec?.priority ?? 0,
    green: labels['color'] === 'green',
    antiGreen: anti.some((t) => t.topologyKey === HOSTNAME_LABEL && t.labelSelector?.matchLabels?.['color'] === 'green'),
    blue: labels['color'] === 'blue',
    affinityBlue: aff.some((t) => t.topologyKey === ZONE_LABEL && t.labelSelector?.matchLabels?.['color'] === 'blue'),
    spreadMaxSkew: spread && spread.labelSelector?.matchLabels?.['color'] === 'blue' ? spread.maxSkew : 0,
    allowedZones,
    node: -1,
  };
}

/** kube's nodeTree order: zones in order of first appearance, round-robin, nodes in order of addition. */
function nodeTreeOrder(nodes: readonly V1Node[]): number[] {
  const byZone = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    const l = n.metadata?.labels ?? {};
    const zone = l[ZONE_KEY_LABELS[0]!] ?? l[ZONE_KEY_LABELS[1]!] ?? '';
    const region = l[REGION_KEY_LABELS[0]!] ?? l[REGION_KEY_LABELS[1]!] ?? '';
    const key = zone === '' && region === '' ? '' : `${region}:\u0000:${zone}`;
    let list = byZone.get(key);
    if (!list) byZone.set(key, (list = []));
    list.push(i);
  });
  const out: number[] = [];
  let longest = 0;
  for (const l of byZone.values()) longest = Math.max(longest, l.length);
  for (let k = 0; k < longest; k++) for (const l of byZone.values()) if (k < l.length) out.push(l[k]!);
  return out;
}

function numFeasibleNodesToFind(n: number): number {
  if (n < 100) return n;
  let p = 50 - Math.trunc(n / 125);
  if (p < 5) p = 5;
  const k = Math.trunc((n * p) / 100);
  return k < 100 ? 100 : k;
}

export function runBaseline(w: Workload, options: LoopOptions): BaselineRun {
  // --- Nodes: parallel typed arrays in node-tree order, rebuilt when churn adds or removes one.
  let nodeObjs: V1Node[] = [...w.nodes];
  let n = 0;
  let names: string[] = [];
  let allocCpu = new Float64Array(0);
  let allocMem = new Float64Array(0);
  let allocPods = new Int32Array(0);
  let usedCpu = new Float64Array(0);
  let usedMem = new Float64Array(0);
  let nzCpu = new Float64Array(0);
  let nzMem = new Float64Array(0);
  let podCount = new Int32Array(0);
  let blocked = new Uint8Array(0);
  let zone = new Int32Array(0);
  let hostGreen = new Int32Array(0);
  let hostAnti = new Int32Array(0);
  let nodePods: BPod[][] = [];
  const zoneIds = new Map<string, number>();
  const zoneNames: string[] = [];
  const zoneId = (z: string | undefined): number => {
    if (z === undefined) return -1;
    let id = zoneIds.get(z);
    if (id === undefined) {
      id = zoneNames.length;
      zoneIds.set(z, id);
      zoneNames.push(z);
    }
    return id;
  };
  for (const node of nodeObjs) zoneId(node.metadata?.labels?.[ZONE_LABEL]);
  const MAX_ZONES = 64;
  const zoneBlue = new Int32Array(MAX_ZONES);
  let totalBlue = 0;
  const zoneSpread = new Map<string, Int32Array>(); // namespace → blue pods per zone
  let zonePresent = new Uint8Array(MAX_ZONES);
  const allPods = new Map<string, BPod>();

  const rebuild = (): void => {
    const order = nodeTreeOrder(nodeObjs);
    const old = new Map<string, BPod[]>();
    for (let i = 0; i < n; i++) old.set(names[i]!, nodePods[i]!);
    n = order.length;
    names = order.map((i) => nodeObjs[i]!.metadata!.name!);
    allocCpu = new Float64Array(n);
    allocMem = new Float64Array(n);
    allocPods = new Int32Array(n);
    usedCpu = new Float64Array(n);
    usedMem = new Float64Array(n);
    nzCpu = new Float64Array(n);
    nzMem = new Float64Array(n);
    podCount = new Int32Array(n);
    blocked = new Uint8Array(n);
    zone = new Int32Array(n);
    hostGreen = new Int32Array(n);
    hostAnti = new Int32Array(n);
    nodePods = [];
    zonePresent = new Uint8Array(MAX_ZONES);
    order.forEach((src, i) => {
      const node = nodeObjs[src]!;
      const a = nodeAllocatable(node);
      allocCpu[i] = a.milliCpu;
      allocMem[i] = a.memory;
      allocPods[i] = a.allowedPodNumber;
      blocked[i] = node.spec?.unschedulable === true || (node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute') ? 1 : 0;
      const z = zoneId(node.metadata?.labels?.[ZONE_LABEL]);
      if (z >= MAX_ZONES) throw new Error('baseline: too many zones');
      zone[i] = z;
      if (z >= 0) zonePresent[z] = 1;
      const pods = old.get(names[i]!) ?? [];
      nodePods.push(pods);
      for (const p of pods) {
        p.node = i;
        addToNode(p, i, 1);
      }
    });
  };

  /** Node sums only (zone counters are per pod and survive a rebuild). */
  const addToNode = (p: BPod, i: number, sign: 1 | -1): void => {
    usedCpu[i]! += sign * p.cpu;
    usedMem[i]! += sign * p.mem;
    nzCpu[i]! += sign * p.nzCpu;
    nzMem[i]! += sign * p.nzMem;
    podCount[i]! += sign;
    if (p.green) hostGreen[i]! += sign;
    if (p.antiGreen) hostAnti[i]! += sign;
  };
  const addToZone = (p: BPod, i: number, sign: 1 | -1): void => {
    const z = zone[i]!;
    if (z < 0 || !p.blue) return;
    zoneBlue[z]! += sign;
    totalBlue += sign;
    let s = zoneSpread.get(p.namespace);
    if (!s) zoneSpread.set(p.namespace, (s = new Int32Array(MAX_ZONES)));
    s[z]! += sign;
  };
  const place = (p: BPod, i: number): void => {
    p.node = i;
    nodePods[i]!.push(p);
    addToNode(p, i, 1);
    addToZone(p, i, 1);
  };
  const evict = (p: BPod): void => {
    const i = p.node;
    const list = nodePods[i]!;
    list.splice(list.indexOf(p), 1);
    addToNode(p, i, -1);
    addToZone(p, i, -1);
    p.node = -1;
    allPods.delete(p.key);
  };
  rebuild();

  const rng = new Rng(w.seed, 'bench/scheduler');
  let nextStart = 0;
  let now = 0;
  let cycles = 0;
  let evaluated = 0;
  let preemptions = 0;
  const evictions: Eviction[] = [];
  const decisions = new Map<string, string>();
  let tied = new Int32Array(1024);
  let failKind = new Uint8Array(0); // 1 = Unschedulable, 2 = UnschedulableAndUnresolvable

  /** One cycle for `p`: the node index, or −1 (after trying preemption). */
  const scheduleOne = (p: BPod): number => {
    cycles++;
    now += CYCLE_VIRTUAL_MS;
    if (failKind.length < n) failKind = new Uint8Array(n);
    const numToFind = numFeasibleNodesToFind(n);
    const start = nextStart % n;
    const cpu = p.cpu;
    const mem = p.mem;
    const pnzCpu = p.nzCpu;
    const pnzMem = p.nzMem;
    const allowed = p.allowedZones;
    let allowedMask: Uint8Array | null = null;
    if (allowed) {
      allowedMask = new Uint8Array(MAX_ZONES);
      for (const z of allowed) {
        const id = zoneIds.get(z);
        if (id !== undefined) allowedMask[id] = 1;
      }
    }
    const checkAnti = p.antiGreen;
    const checkExistingAnti = p.green;
    const checkAffinity = p.affinityBlue;
    const affinityAnywhere = checkAffinity && totalBlue === 0 && p.blue;
    const maxSkew = p.spreadMaxSkew;
    let spread: Int32Array | undefined;
    let minSpread = 0;
    let selfMatch = 0;
    if (maxSkew > 0) {
      spread = zoneSpread.get(p.namespace) ?? new Int32Array(MAX_ZONES);
      minSpread = Infinity;
      for (let z = 0; z < zoneNames.length; z++) if (zonePresent[z] && spread[z]! < minSpread) minSpread = spread[z]!;
      if (minSpread === Infinity) minSpread = 0;
      selfMatch = p.blue ? 1 : 0;
    }
    let found = 0;
    let processed = 0;
    let best = -1;
    let tiedLen = 0;
    for (let k = 0; k < n && found < numToFind; k++) {
      let i = start + k;
      if (i >= n) i -= n;
      processed++;
      if (blocked[i]) {
        failKind[i] = 2;
        continue;
      }
      const z = zone[i]!;
      if (allowedMask !== null && (z < 0 || allowedMask[z] === 0)) {
        failKind[i] = 2;
        continue;
      }
      const freeCpu = allocCpu[i]! - usedCpu[i]!;
      const freeMem = allocMem[i]! - usedMem[i]!;
      if (podCount[i]! + 1 > allocPods[i]! || (cpu > 0 && cpu > freeCpu) || (mem > 0 && mem > freeMem)) {
        failKind[i] = 1;
        continue;
      }
      if (spread !== undefined) {
        if (z < 0) {
          failKind[i] = 2;
          continue;
        }
        if (spread[z]! + selfMatch - minSpread > maxSkew) {
          failKind[i] = 1;
          continue;
        }
      }
      if ((checkExistingAnti && hostAnti[i]! > 0) || (checkAnti && hostGreen[i]! > 0)) {
        failKind[i] = 1;
        continue;
      }
      if (checkAffinity && !affinityAnywhere && (z < 0 || zoneBlue[z]! <= 0)) {
        failKind[i] = 2;
        continue;
      }
      failKind[i] = 0;
      found++;
      // LeastAllocated on non-zero requests, cpu and memory weight 1.
      const ac = allocCpu[i]!;
      const am = allocMem[i]!;
      let fitSum = 0;
      let fitW = 0;
      if (ac !== 0) {
        const r = nzCpu[i]! + pnzCpu;
        fitSum += r > ac ? 0 : Math.floor(((ac - r) * MAX_SCORE) / ac);
        fitW++;
      }
      if (am !== 0) {
        const r = nzMem[i]! + pnzMem;
        fitSum += r > am ? 0 : Math.floor(((am - r) * MAX_SCORE) / am);
        fitW++;
      }
      const fit = fitW === 0 ? 0 : Math.floor(fitSum / fitW);
      // BalancedAllocation on exact requests.
      let balanced = MAX_SCORE;
      if (ac !== 0 && am !== 0) {
        let f0 = (usedCpu[i]! + cpu) / ac;
        if (f0 > 1) f0 = 1;
        let f1 = (usedMem[i]! + mem) / am;
        if (f1 > 1) f1 = 1;
        const std = Math.abs((f0 - f1) / 2);
        balanced = Math.trunc((1 - std) * MAX_SCORE);
      }
      const score = fit + balanced;
      if (score > best) {
        best = score;
        tiedLen = 0;
        tied[tiedLen++] = i;
      } else if (score === best) {
        if (tiedLen === tied.length) {
          const grown = new Int32Array(tied.length * 2);
          grown.set(tied);
          tied = grown;
        }
        tied[tiedLen++] = i;
      }
    }
    nextStart = (nextStart + processed) % n;
    evaluated += processed;
    if (found > 0) {
      const chosen = tiedLen > 1 ? tied[rng.int(0, tiedLen)]! : tied[0]!;
      place(p, chosen);
      return chosen;
    }
    return preempt(p);
  };

  /** kube's DefaultPreemption dry run, resources only; places the preemptor on the chosen node. */
  const preempt = (p: BPod): number => {
    if (n === 0) return -1;
    const potential: number[] = [];
    for (let i = 0; i < n; i++) if (failKind[i] === 1) potential.push(i);
    if (potential.length === 0) return -1;
    const offset = rng.int(0, potential.length);
    let wanted = Math.trunc((potential.length * 10) / 100);
    if (wanted < 100) wanted = 100;
    if (wanted > potential.length) wanted = potential.length;
    let best: { node: number; victims: BPod[] } | null = null;
    let bestKey: number[] = [];
    let candidates = 0;
    for (let k = 0; k < potential.length && candidates < wanted; k++) {
      const i = potential[(offset + k) % potential.length]!;
      const lower = nodePods[i]!.filter((q) => q.priority < p.priority);
      if (lower.length === 0) continue;
      let freeCpu = allocCpu[i]! - usedCpu[i]!;
      let freeMem = allocMem[i]! - usedMem[i]!;
      let count = podCount[i]!;
      for (const q of lower) {
        freeCpu += q.cpu;
        freeMem += q.mem;
        count--;
      }
      const fits = (): boolean => count + 1 <= allocPods[i]! && !(p.cpu > 0 && p.cpu > freeCpu) && !(p.mem > 0 && p.mem > freeMem);
      if (!fits()) continue;
      // Reprieve the most important first (higher priority; creation order breaks ties, stably).
      const sorted = [...lower].sort((a, b) => b.priority - a.priority);
      const victims: BPod[] = [];
      for (const q of sorted) {
        freeCpu -= q.cpu;
        freeMem -= q.mem;
        count++;
        if (!fits()) {
          freeCpu += q.cpu;
          freeMem += q.mem;
          count--;
          victims.push(q);
        }
      }
      if (victims.length === 0) continue;
      candidates++;
      // pickOneNodeForPreemption: lowest top victim priority, smallest priority sum, fewest victims.
      const key = [-victims[0]!.priority, -victims.reduce((s, v) => s + v.priority + 2 ** 31, 0), -victims.length];
      if (best === null || key[0]! > bestKey[0]! || (key[0] === bestKey[0] && (key[1]! > bestKey[1]! || (key[1] === bestKey[1] && key[2]! > bestKey[2]!)))) {
        best = { node: i, victims };
        bestKey = key;
      }
    }
    if (!best) return -1;
    preemptions++;
    for (const v of best.victims) {
      evictions.push({ victim: v.key, victimPriority: v.priority, preemptor: p.key, preemptorPriority: p.priority, node: names[best.node]! });
      evict(v);
    }
    place(p, best.node);
    return best.node;
  };

  // --- Churn (SchedulingWithMixedChurn), at the framework's virtual times.
  const churn = w.churn;
  let churnStep = 0;
  let nextChurnAt = churn ? 0 : Infinity;
  let churnSteps = 0;
  let previousChurn: { node: string; pod: BPod } | null = null;
  const doChurn = (): void => {
    if (!churn) return;
    if (previousChurn) {
      const prev = previousChurn;
      if (prev.pod.node >= 0) evict(prev.pod);
      nodeObjs = nodeObjs.filter((o) => o.metadata?.name !== prev.node);
    }
    const step = churn.step(churnStep++);
    nodeObjs.push(step.node);
    rebuild();
    const pod = toBPod(step.pod);
    previousChurn = { node: step.node.metadata!.name!, pod };
    churnSteps++;
    nextChurnAt = churnStep * churn.everyMs;
    // The new pod has priority 10: the queue hands it out before the pending pods.
    if (scheduleOne(pod) >= 0) allPods.set(pod.key, pod);
  };

  /** Schedules `pods` in order (the queue's order for pods of one priority). */
  const drain = (pods: BPod[], onBound: (bound: number) => void): number => {
    let bound = 0;
    let lastProgress = now;
    for (const p of pods) {
      while (now >= nextChurnAt) doChurn();
      allPods.set(p.key, p);
      const node = scheduleOne(p);
      if (node >= 0) {
        decisions.set(p.key, names[node]!);
        bound++;
        lastProgress = now;
        onBound(bound);
      } else allPods.delete(p.key);
      if (now - lastProgress > STUCK_AFTER_VIRTUAL_MS) break;
    }
    return bound;
  };

  drain(w.initPods.map(toBPod), () => {});
  decisions.clear();
  const windowPods = options.windowPods;
  const windowRates: number[] = [];
  const cycles0 = cycles;
  const evaluated0 = evaluated;
  const preemptions0 = preemptions;
  const churn0 = churnSteps;
  const virtual0 = now;
  const t0 = performance.now();
  let windowStart = t0;
  const measured = w.measuredPods.map(toBPod);
  const bound = drain(measured, (k) => {
    if (k % windowPods === 0) {
      const t = performance.now();
      windowRates.push((windowPods * 1000) / Math.max(t - windowStart, 1e-6));
      windowStart = t;
    }
    options.onProgress?.(k, measured.length);
  });
  const wallMs = performance.now() - t0;

  const boundMap = new Map<string, string>();
  for (let i = 0; i < n; i++) for (const p of nodePods[i]!) boundMap.set(p.key, names[i]!);
  const measuredCycles = cycles - cycles0;
  return {
    measurement: {
      bound,
      measured: measured.length,
      wallMs,
      windowRates,
      windowPods,
      cycles: measuredCycles,
      virtualMs: now - virtual0,
      preemptions: preemptions - preemptions0,
      churnSteps: churnSteps - churn0,
      meanEvaluatedNodes: measuredCycles > 0 ? (evaluated - evaluated0) / measuredCycles : 0,
    },
    placement: { bound: boundMap, evictions, unscheduled: measured.filter((p) => p.node < 0).map((p) => p.key) },
    decisions,
  };
}
