/**
 * scheduler_perf-shaped workloads for the scheduler-throughput bench, generated from a seed.
 *
 * Each workload is kube's `test/integration/scheduler_perf` test case of the same name, built
 * from the same templates (`templates/node-default.yaml`: 4 CPU, 32Gi, 110 pods;
 * `templates/pod-default.yaml`: 100m / 500Mi, ...): nodes, then init pods (scheduled, not
 * measured), then measured pods. Where scheduler_perf draws at random (which nodes get which
 * label), the draw comes from the seed, so the same seed gives the same nodes and pods, byte for
 * byte. Deviations from upstream are listed in `WORKLOADS[name].notes` and in bench/README.md.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Rng } from '../../actors/kernel/rng.ts';

export const WORKLOAD_NAMES = [
  'SchedulingBasic',
  'SchedulingPodAntiAffinity',
  'SchedulingPodAffinity',
  'SchedulingNodeAffinity',
  'TopologySpreading',
  'PreemptionBasic',
  'SchedulingWithMixedChurn',
] as const;

export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** Upstream's pod templates put their pods in these namespaces (`createNamespaces prefix: sched`). */
export const INIT_NAMESPACE = 'sched-0';
export const MEASURED_NAMESPACE = 'sched-1';
/** Namespace of SchedulingWithMixedChurn's recreated high-priority pods. */
export const CHURN_NAMESPACE = 'churn';
/** PreemptionBasic / churn: `pod-high-priority*.yaml` carry `priority: 10`. */
export const HIGH_PRIORITY = 10;

/** scheduler_perf's published threshold for the workload (scheduler.md §5), with where it comes from. */
export interface Threshold {
  /** Minimum acceptable average pods/s in CI, or null when upstream publishes none for this test. */
  readonly podsPerSecond: number | null;
  /** Upstream size the threshold applies to. */
  readonly nodes: number;
  readonly initPods: number;
  readonly measuredPods: number;
  readonly source: string;
}

/** How a workload is shaped; `initPodsPerNode` scales the init pods with `--nodes`. */
export interface WorkloadInfo {
  readonly name: WorkloadName;
  readonly defaultNodes: number;
  readonly defaultMeasuredPods: number;
  /** Init pods = round(nodes × this), upstream's ratio at its performance size. */
  readonly initPodsPerNode: number;
  /** Plugins beyond the basic ones the workload needs to be scheduled faithfully. */
  readonly needs: readonly string[];
  readonly threshold: Threshold;
  readonly description: string;
  readonly notes: string;
}

export const WORKLOADS: Readonly<Record<WorkloadName, WorkloadInfo>> = Object.freeze({
  SchedulingBasic: {
    name: 'SchedulingBasic',
    defaultNodes: 5000,
    defaultMeasuredPods: 10_000,
    initPodsPerNode: 0.2,
    needs: [],
    threshold: { podsPerSecond: 680, nodes: 5000, initPods: 1000, measuredPods: 10_000, source: 'misc/performance-config.yaml@008b365 (5000Nodes_10000Pods)' },
    description: 'pod-default pods (100m CPU, 500Mi) on node-default nodes',
    notes: 'as upstream',
  },
  SchedulingPodAntiAffinity: {
    name: 'SchedulingPodAntiAffinity',
    defaultNodes: 5000,
    defaultMeasuredPods: 2000,
    initPodsPerNode: 0.2,
    needs: ['InterPodAffinity'],
    threshold: { podsPerSecond: 60, nodes: 5000, initPods: 1000, measuredPods: 2000, source: 'affinity/performance-config.yaml@1bd6a8f (5000Nodes_2000Pods)' },
    description: 'pods labelled color=green with required anti-affinity to color=green on kubernetes.io/hostname (namespaces sched-0, sched-1): at most one per node',
    notes: 'as upstream',
  },
  SchedulingPodAffinity: {
    name: 'SchedulingPodAffinity',
    defaultNodes: 5000,
    defaultMeasuredPods: 5000,
    initPodsPerNode: 1,
    needs: ['InterPodAffinity'],
    threshold: { podsPerSecond: 35, nodes: 5000, initPods: 5000, measuredPods: 5000, source: 'affinity/performance-config.yaml@1bd6a8f (5000Nodes_5000Pods)' },
    description: 'pods labelled color=blue with required affinity to color=blue on topology.kubernetes.io/zone: all land in the first pod\'s zone',
    notes: 'nodes spread over 3 zones (upstream labels every node zone1, so the affinity never narrows the choice)',
  },
  SchedulingNodeAffinity: {
    name: 'SchedulingNodeAffinity',
    defaultNodes: 5000,
    defaultMeasuredPods: 10_000,
    initPodsPerNode: 1,
    needs: [],
    threshold: { podsPerSecond: 220, nodes: 5000, initPods: 5000, measuredPods: 10_000, source: 'affinity/performance-config.yaml@1bd6a8f (5000Nodes_10000Pods)' },
    description: 'pods with required node affinity zone In [zone1, zone2]; half the nodes (seeded choice) are in zone1, the rest in zone3',
    notes: 'half the nodes match (upstream labels every node zone1, so every node matches)',
  },
  TopologySpreading: {
    name: 'TopologySpreading',
    defaultNodes: 5000,
    defaultMeasuredPods: 5000,
    initPodsPerNode: 1,
    needs: ['PodTopologySpread'],
    threshold: { podsPerSecond: 460, nodes: 5000, initPods: 5000, measuredPods: 5000, source: 'topology_spreading/performance-config.yaml@0537710 (5000Nodes_5000Pods)' },
    description: 'init pod-default pods, then color=blue pods spread over 3 zones (moon-1..3, seeded per node), DoNotSchedule, maxSkew 1',
    notes: 'maxSkew 1 (upstream pod-with-topology-spreading.yaml uses maxSkew 5)',
  },
  PreemptionBasic: {
    name: 'PreemptionBasic',
    defaultNodes: 1000,
    defaultMeasuredPods: 1000,
    initPodsPerNode: 4,
    needs: [],
    threshold: {
      podsPerSecond: null,
      nodes: 1000,
      initPods: 4000,
      measuredPods: 1000,
      source: 'misc/performance-config.yaml@008b365 (1000Nodes, no threshold; the 5000-node case is disabled upstream, kubernetes#108308)',
    },
    description: 'low-priority 900m pods fill every node (4 each), then priority-10 3000m pods each preempt 3 of them',
    notes: 'as upstream at its largest enabled size (1000 nodes)',
  },
  SchedulingWithMixedChurn: {
    name: 'SchedulingWithMixedChurn',
    defaultNodes: 5000,
    defaultMeasuredPods: 10_000,
    initPodsPerNode: 0,
    needs: [],
    threshold: { podsPerSecond: 710, nodes: 5000, initPods: 0, measuredPods: 10_000, source: 'misc/performance-config.yaml@008b365 (5000Nodes_10000Pods)' },
    description: 'pod-default pods while, every virtual second, a node (pods: 0) and a priority-10 9-CPU pod that fits nowhere are deleted and recreated',
    notes: "no Service churn (kubesim's scheduler does not read Services)",
  },
});

/** One recreate step of SchedulingWithMixedChurn: these objects replace the previous step's. */
export interface ChurnStep {
  readonly node: V1Node;
  readonly pod: V1Pod;
}

export interface Workload {
  readonly info: WorkloadInfo;
  readonly seed: string;
  readonly nodes: readonly V1Node[];
  readonly initPods: readonly V1Pod[];
  readonly measuredPods: readonly V1Pod[];
  /** Namespaces the pods live in (cluster mode creates them). */
  readonly namespaces: readonly string[];
  /** SchedulingWithMixedChurn: the k-th recreate step (k ≥ 0), every `everyMs` virtual ms. */
  readonly churn: { readonly everyMs: number; step(k: number): ChurnStep } | null;
}

export interface WorkloadOptions {
  readonly nodes?: number;
  readonly measuredPods?: number;
  /** Overrides `round(nodes × initPodsPerNode)`. */
  readonly initPods?: number;
  readonly seed?: string;
}

export const DEFAULT_SEED = '1';

interface PodTemplate {
  readonly cpu: string;
  readonly memory: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly priority?: number;
  readonly affinity?: NonNullable<V1Pod['spec']>['affinity'];
  readonly topologySpreadConstraints?: NonNullable<V1Pod['spec']>['topologySpreadConstraints'];
  /** `limits` equal to requests (every upstream template but pod-high-priority-large-cpu). */
  readonly limits?: boolean;
  readonly terminationGracePeriodSeconds?: number;
}

const DEFAULT_POD: PodTemplate = { cpu: '100m', memory: '500Mi', limits: true };
const ANTI_AFFINITY_POD: PodTemplate = {
  ...DEFAULT_POD,
  labels: { color: 'green' },
  affinity: {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { color: 'green' } }, topologyKey: HOSTNAME_LABEL, namespaces: [MEASURED_NAMESPACE, INIT_NAMESPACE] },
      ],
    },
  },
};
const AFFINITY_POD: PodTemplate = {
  ...DEFAULT_POD,
  labels: { color: 'blue' },
  affinity: {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { color: 'blue' } }, topologyKey: ZONE_LABEL, namespaces: [MEASURED_NAMESPACE, INIT_NAMESPACE] },
      ],
    },
  },
};
const NODE_AFFINITY_POD: PodTemplate = {
  ...DEFAULT_POD,
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: ['zone1', 'zone2'] }] }] },
    },
  },
};
const SPREADING_POD: PodTemplate = {
  ...DEFAULT_POD,
  labels: { color: 'blue' },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }],
};
const LOW_PRIORITY_POD: PodTemplate = { cpu: '900m', memory: '500Mi', limits: true, terminationGracePeriodSeconds: 0 };
const HIGH_PRIORITY_POD: PodTemplate = { cpu: '3000m', memory: '500Mi', limits: true, priority: HIGH_PRIORITY };
const HIGH_PRIORITY_LARGE_CPU_POD: PodTemplate = { cpu: '9', memory: '500Mi', priority: HIGH_PRIORITY };

/** `templates/node-default.yaml` (allocatable = capacity, as kubemark-style nodes report). */
export function makeBenchNode(name: string, labels: Record<string, string>, capacity = { cpu: '4', memory: '32Gi', pods: '110' }): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [HOSTNAME_LABEL]: name, ...labels } },
    spec: {},
    status: { capacity: { ...capacity }, allocatable: { ...capacity }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function makeBenchPod(name: string, namespace: string, t: PodTemplate): V1Pod {
  const requests = { cpu: t.cpu, memory: t.memory };
  const spec: NonNullable<V1Pod['spec']> = {
    containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources: t.limits ? { requests, limits: { ...requests } } : { requests } }],
  };
  if (t.priority !== undefined) spec.priority = t.priority;
  if (t.affinity) spec.affinity = structuredClone(t.affinity);
  if (t.topologySpreadConstraints) spec.topologySpreadConstraints = structuredClone(t.topologySpreadConstraints);
  if (t.terminationGracePeriodSeconds !== undefined) spec.terminationGracePeriodSeconds = t.terminationGracePeriodSeconds;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `bench-${namespace}-${name}`, ...(t.labels ? { labels: { ...t.labels } } : {}) },
    spec,
    status: { phase: 'Pending' },
  };
}

function pods(count: number, prefix: string, namespace: string, t: PodTemplate): V1Pod[] {
  return Array.from({ length: count }, (_, i) => makeBenchPod(`${prefix}-${i}`, namespace, t));
}

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${what} must be an integer ≥ ${min}, got ${n}`);
}

/** Generates a workload. Deterministic: the same name, sizes and seed give equal objects. */
export function generateWorkload(name: WorkloadName, options: WorkloadOptions = {}): Workload {
  const info = WORKLOADS[name];
  const numNodes = options.nodes ?? info.defaultNodes;
  const numMeasured = options.measuredPods ?? info.defaultMeasuredPods;
  const numInit = options.initPods ?? Math.round(numNodes * info.initPodsPerNode);
  checkCount('nodes', numNodes, 1);
  checkCount('measured pods', numMeasured, 1);
  checkCount('init pods', numInit, 0);
  const seed = options.seed ?? DEFAULT_SEED;
  const rng = new Rng(seed, `bench/${name}`);
  const nodeName = (i: number): string => `scheduler-perf-${i}`;
  let nodes: V1Node[];
  switch (name) {
    case 'SchedulingPodAffinity':
    case 'TopologySpreading': {
      // labelNodePrepareStrategy: each node gets one of the values, drawn at random.
      const zones = name === 'TopologySpreading' ? ['moon-1', 'moon-2', 'moon-3'] : ['zone1', 'zone2', 'zone3'];
      nodes = Array.from({ length: numNodes }, (_, i) => makeBenchNode(nodeName(i), { [ZONE_LABEL]: rng.pick(zones) }));
      break;
    }
    case 'SchedulingNodeAffinity': {
      // Exactly half (rounded up) in zone1, chosen by a seeded shuffle; the rest in zone3.
      const order = Array.from({ length: numNodes }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const inZone1 = new Set(order.slice(0, Math.ceil(numNodes / 2)));
      nodes = Array.from({ length: numNodes }, (_, i) => makeBenchNode(nodeName(i), { [ZONE_LABEL]: inZone1.has(i) ? 'zone1' : 'zone3' }));
      break;
    }
    default:
      nodes = Array.from({ length: numNodes }, (_, i) => makeBenchNode(nodeName(i), {}));
  }

  let initPods: V1Pod[];
  let measuredPods: V1Pod[];
  let namespaces = [INIT_NAMESPACE, MEASURED_NAMESPACE];
  let churn: Workload['churn'] = null;
  switch (name) {
    case 'SchedulingBasic':
      initPods = pods(numInit, 'init', INIT_NAMESPACE, DEFAULT_POD);
      measuredPods = pods(numMeasured, 'pod', MEASURED_NAMESPACE, DEFAULT_POD);
      break;
    case 'SchedulingPodAntiAffinity':
      initPods = pods(numInit, 'anti-affinity-init', INIT_NAMESPACE, ANTI_AFFINITY_POD);
      measuredPods = pods(numMeasured, 'anti-affinity-pod', MEASURED_NAMESPACE, ANTI_AFFINITY_POD);
      break;
    case 'SchedulingPodAffinity':
      initPods = pods(numInit, 'affinity-init', INIT_NAMESPACE, AFFINITY_POD);
      measuredPods = pods(numMeasured, 'affinity-pod', MEASURED_NAMESPACE, AFFINITY_POD);
      break;
    case 'SchedulingNodeAffinity':
      initPods = pods(numInit, 'node-affinity-init', INIT_NAMESPACE, NODE_AFFINITY_POD);
      measuredPods = pods(numMeasured, 'node-affinity-pod', MEASURED_NAMESPACE, NODE_AFFINITY_POD);
      break;
    case 'TopologySpreading':
      initPods = pods(numInit, 'init', INIT_NAMESPACE, DEFAULT_POD);
      measuredPods = pods(numMeasured, 'spreading-pod', MEASURED_NAMESPACE, SPREADING_POD);
      break;
    case 'PreemptionBasic':
      initPods = pods(numInit, 'low', INIT_NAMESPACE, LOW_PRIORITY_POD);
      measuredPods = pods(numMeasured, 'high', MEASURED_NAMESPACE, HIGH_PRIORITY_POD);
      break;
    case 'SchedulingWithMixedChurn':
      initPods = pods(numInit, 'init', INIT_NAMESPACE, DEFAULT_POD);
      measuredPods = pods(numMeasured, 'pod', MEASURED_NAMESPACE, DEFAULT_POD);
      namespaces = [...namespaces, CHURN_NAMESPACE];
      churn = {
        everyMs: 1000,
        step: (k) => ({
          node: makeBenchNode(`node-churn-${k}`, {}, { cpu: '0', memory: '0', pods: '0' }),
          pod: makeBenchPod(`pod-h-${k}`, CHURN_NAMESPACE, HIGH_PRIORITY_LARGE_CPU_POD),
        }),
      };
      break;
  }
  return { info, seed, nodes, initPods, measuredPods, namespaces, churn };
}
