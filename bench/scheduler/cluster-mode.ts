/**
 * Mode `cluster`: the workload end to end through kubesim. A ScenarioSpec built in code (as
 * bench/cluster.bench.ts does): a 5-member etcd group, one apiserver, one scheduler actor, one
 * kubelet per node, and the `admin` kubectl-like user. At t=0 the admin creates the namespaces,
 * their default ServiceAccounts and (PreemptionBasic) the priority class; at `startAtMs` the user
 * creates the pods in `CREATE_STREAMS` parallel apply steps (scheduler_perf creates pods with 30
 * parallel workers): init pods first, then, at `measuredAtMs`, the measured pods. Each create is
 * stored through Raft, watched by the scheduler, bound through pods/binding (Raft again) and
 * started by its kubelet.
 *
 * Measurement reads the trace as it is recorded: the first measured `k8s.request` create (201)
 * opens the window, the scheduler's `Scheduled` event for the last measured pod (emitted when
 * the binding call returned 201, i.e. the binding is committed) closes it. The run cannot be
 * stopped from a trace listener, so `durationMs` is sized from the expected creation rate; the
 * wall clock is read at the last bind, and the idle tail after it is not counted.
 */
import { performance } from 'node:perf_hooks';
import type { V1Pod } from '@kubernetes/client-node';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ManifestDoc, NodeSpec, ScenarioSpec, TimelineStep } from '../../actors/scenario/spec.ts';
import { nodeAllocatable } from '../../actors/scheduler/index.ts';
import { HIGH_PRIORITY, HOSTNAME_LABEL, type Workload } from './workloads.ts';

/** Parallel create streams, as scheduler_perf's `createPods` (30 workers). */
export const CREATE_STREAMS = 30;
/** When the user starts creating pods: after the scheduler leads and the kubelets registered. */
export const START_AT_MS = 5_000;
/**
 * Virtual ms one sequential create takes, for sizing the run: measured 40–42 ms at 20 to 5000
 * nodes (virtual latency does not grow with load; there is no CPU model).
 */
const CREATE_MS_ESTIMATE = 45;
const PRIORITY_CLASS = 'bench-high';

export const COST_MODEL =
  'every message takes 1–5 ms (uniform, seeded) per network hop; disks are instantaneous, so an etcd write costs its Raft round trips (apiserver → leader → append to followers → quorum of acks → commit → reply); ' +
  'a create (kubectl apply: GET, then POST) is user → VIP → apiserver → etcd → back, twice; a bind is scheduler → VIP → apiserver → etcd → back; scheduling cycles take 0 virtual ms; pods are created by 30 parallel sequential streams';

export interface ClusterModeOptions {
  readonly createStreams?: number;
  /** Measured pods that can be bound (the window closes when this many are); default all. */
  readonly expectedBound?: number;
  readonly onProgress?: (bound: number, total: number) => void;
}

export interface ClusterRun {
  readonly bound: number;
  readonly measured: number;
  readonly expected: number;
  readonly createErrors: number;
  /** Wall ms from the first measured create to the last expected bind (null when fewer were bound). */
  readonly measuredWallMs: number | null;
  readonly firstCreateAtMs: number;
  readonly lastBoundAtMs: number;
  /** Wall ms of each window of `windowPods` bound pods. */
  readonly windowRates: number[];
  readonly events: number;
  readonly messages: { sent: number; delivered: number };
  readonly traceLines: number;
  readonly virtualMs: number;
  readonly runStatus: string;
  readonly stopReason: string | null;
  /** Pod key (namespace/name) → node, from the committed state at the end. */
  readonly boundNodes: Map<string, string>;
  readonly wallMsRun: number;
  readonly createStreams: number;
}

const source = { file: '<bench>', line: 0, column: 0 };

/** A workload pod as the user applies it: spec.priority becomes a priority class (Priority admission). */
function manifest(pod: V1Pod): Record<string, unknown> {
  const p = structuredClone(pod) as V1Pod;
  delete p.metadata!.uid;
  delete (p as { status?: unknown }).status;
  if (p.spec?.priority !== undefined) {
    delete p.spec.priority;
    p.spec.priorityClassName = PRIORITY_CLASS;
  }
  return p as unknown as Record<string, unknown>;
}

function doc(object: Record<string, unknown>): ManifestDoc {
  return { object, source };
}

export function clusterSpec(w: Workload, createStreams: number): { spec: ScenarioSpec; measuredAtMs: number } {
  const nodes: NodeSpec[] = w.nodes.map((n) => {
    const a = nodeAllocatable(n);
    const { [HOSTNAME_LABEL]: _hostname, ...labels } = n.metadata?.labels ?? {};
    void _hostname;
    return { name: n.metadata!.name!, capacity: { cpuMilli: a.milliCpu, memoryBytes: a.memory, pods: a.allowedPodNumber }, labels, taints: [], imagePullBytesPerSecond: 50 * 1024 ** 2, source };
  });
  const setup: ManifestDoc[] = [];
  for (const ns of w.namespaces) {
    setup.push(doc({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    setup.push(doc({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }));
  }
  if ([...w.initPods, ...w.measuredPods].some((p) => p.spec?.priority !== undefined) || w.churn) {
    setup.push(doc({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: PRIORITY_CLASS }, value: HIGH_PRIORITY, description: 'scheduler_perf high priority' }));
  }
  const streams = (pods: readonly V1Pod[], atMs: number): TimelineStep[] => {
    const steps: TimelineStep[] = [];
    for (let s = 0; s < createStreams; s++) {
      const manifests = pods.filter((_, i) => i % createStreams === s).map((p) => doc(manifest(p)));
      if (manifests.length > 0) steps.push({ atMs, action: { verb: 'apply', user: 'admin', manifests }, as: [], source });
    }
    return steps;
  };
  const perStream = (count: number): number => Math.ceil(count / createStreams);
  const measuredAtMs = w.initPods.length === 0 ? START_AT_MS : START_AT_MS + perStream(w.initPods.length) * CREATE_MS_ESTIMATE + 500;
  const timeline: TimelineStep[] = [...streams(w.initPods, START_AT_MS), ...streams(w.measuredPods, measuredAtMs)];
  // Sized so the last bind falls inside the run with some margin: the idle tail after it is
  // not measured but costs wall time (5000 kubelets keep renewing leases and posting status).
  const durationMs = measuredAtMs + Math.ceil(perStream(w.measuredPods.length) * CREATE_MS_ESTIMATE * 1.2) + 2000;
  if (w.churn) {
    for (let k = 0, at = measuredAtMs; at < durationMs; k++, at += w.churn.everyMs) {
      const step = w.churn.step(k);
      const node = structuredClone(step.node) as unknown as Record<string, unknown>;
      timeline.push({ atMs: at, action: { verb: 'apply', user: 'admin', manifests: [doc(node), doc(manifest(step.pod))] }, as: [], source });
      if (k > 0) {
        const prev = w.churn.step(k - 1);
        timeline.push({ atMs: at, action: { verb: 'kubectl-delete', user: 'admin', object: { kind: 'node', name: prev.node.metadata!.name! } }, as: [], source });
        timeline.push({ atMs: at, action: { verb: 'kubectl-delete', user: 'admin', object: { kind: 'pod', name: prev.pod.metadata!.name!, namespace: prev.pod.metadata!.namespace! }, gracePeriodSeconds: 0 }, as: [], source });
      }
    }
  }
  timeline.sort((a, b) => a.atMs - b.atMs);
  const spec: ScenarioSpec = {
    apiVersion: 'kubesim.io/v1alpha1',
    name: `bench-scheduler-${w.info.name}`,
    description: `scheduler throughput, ${w.info.name}`,
    file: '<bench>',
    seed: w.seed,
    durationMs,
    maxEvents: 2_000_000_000,
    cluster: {
      etcd: { members: 5, preVote: true, checkQuorum: true, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, requestTimeoutMs: 7000 },
      network: { latencyMsMin: 1, latencyMsMax: 5, lossProbability: 0, duplicateProbability: 0, reorderProbability: 0 },
      kubernetes: {
        apiservers: 1,
        schedulers: 1,
        controllerManagers: 0,
        nodes,
        users: [{ name: 'admin', token: 'admin-token', groups: ['system:masters'], source }],
        workload: setup,
      },
    },
    clients: [],
    timeline,
    expectations: [],
  };
  return { spec, measuredAtMs };
}

export function runClusterMode(w: Workload, windowPods: number, options: ClusterModeOptions = {}): ClusterRun {
  const createStreams = options.createStreams ?? CREATE_STREAMS;
  const { spec } = clusterSpec(w, createStreams);
  const measured = new Set(w.measuredPods.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`));
  const total = Math.min(measured.size, options.expectedBound ?? measured.size);
  let bound = 0;
  let createErrors = 0;
  let firstCreateAtMs = -1;
  let firstCreateWall = 0;
  let lastBoundAtMs = -1;
  let lastBoundWall = 0;
  const windowRates: number[] = [];
  let windowStart = 0;
  const seen = new Set<string>();
  const t0 = performance.now();
  const { result, state } = runScenario(spec, {
    onTrace: (e) => {
      if (e.kind === 'k8s.request') {
        if (e.resource !== 'pods' || e.verb !== 'create') return;
        const key = `${e.namespace as string}/${e.name as string}`;
        if (!measured.has(key)) return;
        if (e.code !== 201) {
          createErrors++;
          return;
        }
        if (firstCreateAtMs < 0) {
          firstCreateAtMs = e.t;
          firstCreateWall = performance.now();
          windowStart = firstCreateWall;
        }
        return;
      }
      if (e.kind !== 'k8s.event' || e.reason !== 'Scheduled') return;
      const key = `${e.namespace as string}/${String(e.object).replace(/^pod\//, '')}`;
      if (!measured.has(key) || seen.has(key) || bound >= total) return;
      seen.add(key);
      bound++;
      const now = performance.now();
      if (bound % windowPods === 0) {
        windowRates.push((windowPods * 1000) / Math.max(now - windowStart, 1e-6));
        windowStart = now;
      }
      if (bound === total) {
        lastBoundAtMs = e.t;
        lastBoundWall = now;
      }
      options.onProgress?.(bound, total);
    },
  });
  const wallMsRun = performance.now() - t0;
  // One list per namespace: ClusterState.get walks the whole prefix on every call.
  const boundNodes = new Map<string, string>();
  for (const ns of new Set(w.measuredPods.map((p) => p.metadata!.namespace!))) {
    for (const obj of state.list('pods', ns)) {
      const key = `${ns}/${obj.metadata?.name ?? ''}`;
      const node = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
      if (node && measured.has(key)) boundNodes.set(key, node);
    }
  }
  return {
    bound,
    measured: measured.size,
    expected: total,
    createErrors,
    measuredWallMs: bound === total && total > 0 && firstCreateAtMs >= 0 ? lastBoundWall - firstCreateWall : null,
    firstCreateAtMs,
    lastBoundAtMs,
    windowRates,
    events: result.events,
    messages: result.messages,
    traceLines: result.traceLines,
    virtualMs: result.virtualMs,
    runStatus: result.status,
    stopReason: result.stopReason,
    boundNodes,
    wallMsRun,
    createStreams,
  };
}
