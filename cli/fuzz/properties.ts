import { judgeTraceProperty, type TracePropertyName } from '../../actors/scenario/trace-properties.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { RunResult } from '../../actors/scenario/runner.ts';
import type { Expectation, ScenarioSpec } from '../../actors/scenario/spec.ts';
import { healAtMs, settledAtMs, type FuzzCluster, type FuzzWorkload } from './cluster.ts';
import { GENERATED, workloadRef } from './schedule.ts';

/**
 * The properties `kubesim fuzz` checks on every run, each selectable by name. A property may add
 * expectations to the generated scenario (so `kubesim run` on a counterexample checks it again)
 * and judges the finished run.
 *
 * Verdicts: `pass`; `fail` (a counterexample); `unknown` (the checker gave up within its budget:
 * not proven, reported, not a failure); `not-checkable` (the trace lacks what the checker needs).
 */

export type VerdictStatus = 'pass' | 'fail' | 'unknown' | 'not-checkable';

export interface Verdict {
  status: VerdictStatus;
  detail: string;
}

export interface FinishedRun {
  result: RunResult;
  /** Every trace event, when a judged property needs them (`needsTrace` without its expectation in the scenario); else empty. */
  events: readonly TraceEvent[];
}

export interface FuzzProperty {
  name: string;
  /** One line: what it asserts, and where the assertion comes from. */
  description: string;
  /** Judges from the trace events alone (`judgeTrace`): `kubesim check --property` can run it on a saved trace. */
  needsTrace?: boolean;
  judgeTrace?: (events: readonly TraceEvent[]) => Verdict;
  /** Expectations this property adds to every generated scenario (named `<property>: …`). */
  expectations?: (cluster: FuzzCluster) => Expectation[];
  judge: (run: FinishedRun) => Verdict;
}

/** Expectation results of the property's own expectations, by name prefix. */
export function judgeExpectations(property: string, run: FinishedRun): Verdict {
  const own = run.result.expectations.filter((x) => x.name.startsWith(`${property}: `));
  const failed = own.filter((x) => !x.ok);
  if (failed.length > 0) return { status: 'fail', detail: failed.map((x) => `${x.name}: ${x.detail}`).join('; ') };
  return { status: 'pass', detail: `${own.length} expectation(s) held` };
}

const raftSafety: FuzzProperty = {
  name: 'raft-safety',
  description:
    'the per-step invariants of actors/checks (election safety, log matching, leader completeness, state machine safety, leader append-only, commit index and revision monotonic, acknowledged writes durable, one vote per term kept across restarts, a leader commits only entries of its own term: Raft paper Figures 2, 3 and 8, etcd API guarantees)',
  judge: ({ result }) =>
    result.violations.length > 0
      ? { status: 'fail', detail: result.violations.map((v) => `${v.invariant} at ${v.t} ms: ${v.detail}`).join('; ') }
      : { status: 'pass', detail: 'every invariant held on every step' },
};

export { LINEARIZABILITY_MAX_STEPS } from '../../actors/scenario/trace-properties.ts';

/**
 * A property judged over the whole trace by a pure checker (actors/scenario/trace-properties.ts).
 * It adds a `that: {property: NAME}` expectation at the end of the generated scenario, so `kubesim
 * run` on a counterexample judges it again; the fuzzer reads that expectation's verdict instead of
 * running the checker a second time. Without the expectation (a scenario replayed as written, a
 * saved trace) it runs the checker on the events.
 */
function traceProperty(name: TracePropertyName, description: string, expectationName: string): FuzzProperty {
  return {
    name,
    description,
    needsTrace: true,
    expectations: () => [{ name: `${name}: ${expectationName}`, when: { mode: 'end' }, property: { name }, source: GENERATED }],
    judgeTrace: (events) => judgeTraceProperty(name, events),
    judge: ({ result, events }) => {
      const own = result.expectations.find((x) => x.property?.name === name && x.property.atEnd && x.name.startsWith(`${name}: `));
      return own?.property ? { status: own.property.status, detail: stripStatus(own.detail, own.property.status) } : judgeTraceProperty(name, events);
    },
  };
}

/** Whether the scenario's own expectation judges the property over the whole run (so the fuzzer need not collect the trace). */
export function judgedByExpectation(spec: ScenarioSpec, property: FuzzProperty): boolean {
  return spec.expectations.some((e) => e.property?.name === property.name && e.when.mode === 'end' && e.name.startsWith(`${property.name}: `));
}

/** The expectation's detail without the `unknown: ` / `not-checkable: ` prefix it adds. */
function stripStatus(detail: string, status: VerdictStatus): string {
  const prefix = `${status}: `;
  return (status === 'unknown' || status === 'not-checkable') && detail.startsWith(prefix) ? detail.slice(prefix.length) : detail;
}

const linearizability = traceProperty(
  'linearizability',
  "the etcd key-value history is linearizable (Wing & Gong / Lowe, per key as Porcupine; a timed-out write may or may not have taken effect)",
  'the etcd key-value history is linearizable',
);

const watch = traceProperty(
  'watch',
  'etcd watch guarantees per watcher, on the events and progress notifications the etcd client delivered (etcd.watch deliver): unique, ordered, atomic, reliable, resumable, no time travel (etcd API guarantees; etcd robustness tests)',
  'every watch keeps the etcd watch guarantees',
);

/**
 * Liveness (TigerBeetle's two phases): faults, then a heal and a settle time, after which the
 * cluster must have converged. etcd elects a leader within the settle time; the Kubernetes state
 * is judged at its end (`settledAtMs`), not at the first moment it holds — the final phase
 * re-applies touched manifests 5 s after the heal, so a workload may look settled before its
 * target is written back. Then:
 * - every Deployment and StatefulSet has spec.replicas pods, all ready and all of the manifest's
 *   template (status replicas, readyReplicas, updatedReplicas); every DaemonSet runs one updated,
 *   ready pod on each node that should run it (desiredNumberScheduled, numberReady,
 *   updatedNumberScheduled);
 * - every pod of the workloads' namespaces is bound to a node: the default cluster has room for
 *   every pod, so a pod still unbound is one the scheduler failed to place (a `--cluster` whose
 *   pods cannot all fit fails this, as its workloads' ready counts would);
 * - every Service with a selector routes to exactly its ready pods (`that.endpoints`: its
 *   EndpointSlices and Endpoints);
 * - and, as a user sees it, every request of every traffic source started in the window after the
 *   settle time succeeds (DNS, the node's kube-proxy, a ready backend).
 */
function livenessExpectations(c: FuzzCluster): Expectation[] {
  const within = { mode: 'within' as const, afterMs: healAtMs(c), limitMs: c.settleMs };
  const settled = { mode: 'at' as const, atMs: settledAtMs(c) };
  const out: Expectation[] = [
    { name: 'liveness: etcd elects a leader after the heal', when: within, etcd: { leader: { kind: 'any' }, ...(c.nodes.length === 0 && c.apiservers.length === 0 ? { logsIdentical: true } : {}) }, source: GENERATED },
  ];
  for (const w of c.workloads) {
    const object = workloadRef(w);
    if (w.kind === 'service') {
      if (serviceSelects(w)) out.push({ name: `liveness: service/${w.name} routes to its ready pods`, when: settled, endpoints: { service: w.name, ...(w.namespace !== 'default' ? { namespace: w.namespace } : {}) }, source: GENERATED });
      continue;
    }
    const n = w.desired ?? 0;
    out.push({ name: `liveness: ${w.kind}/${w.name} has ${n} updated pods, all ready`, when: settled, workload: { object, counts: { replicas: n, ready: n, updated: n } }, source: GENERATED });
  }
  for (const namespace of [...new Set(c.workloads.filter((w) => w.kind !== 'service').map((w) => w.namespace))].sort()) {
    out.push({ name: `liveness: every pod in ${namespace} is bound to a node`, when: settled, pods: { namespace, scheduled: true }, source: GENERATED });
  }
  const fromMs = settledAtMs(c);
  for (const t of c.base.traffic ?? []) {
    out.push({
      name: `liveness: every request of ${t.name} succeeds after the settle time`,
      when: { mode: 'at', atMs: fromMs + c.trafficCheckMs + t.timeoutMs },
      traffic: { source: t.name, window: { fromMs, toMs: fromMs + c.trafficCheckMs }, requests: { atLeast: 1 }, failed: 0 },
      source: GENERATED,
    });
  }
  return out;
}

/** A Service whose endpoints the controllers derive from its pods (not ExternalName, not selector-less). */
function serviceSelects(w: FuzzWorkload): boolean {
  const spec = (w.manifest.object.spec ?? {}) as { type?: string; selector?: Record<string, string> };
  return spec.type !== 'ExternalName' && spec.selector !== undefined && Object.keys(spec.selector).length > 0;
}

const liveness: FuzzProperty = {
  name: 'liveness',
  description:
    "after the last fault heals, within the settle time etcd has one leader (and, without Kubernetes, every log converges); at its end every Deployment, StatefulSet and DaemonSet has its desired pods updated and ready, every pod is bound, every Service's EndpointSlices and Endpoints list exactly its ready pods, and then every traffic request succeeds (TigerBeetle's two phases)",
  expectations: livenessExpectations,
  judge: (run) => {
    if (run.result.status !== 'done' && run.result.violations.length === 0) return { status: 'fail', detail: `the run did not finish: ${run.result.stopReason}` };
    // A run stopped by an invariant violation never reaches the settle time: raft-safety reports it.
    if (run.result.violations.length > 0) return { status: 'not-checkable', detail: 'the run stopped at an invariant violation' };
    return judgeExpectations('liveness', run);
  },
};

const kubernetesSafety = traceProperty(
  'kubernetes-safety',
  "on the apiservers' acknowledged writes (k8s.write), what the nodes run (k8s.running) and the informers' relists (k8s.relist): a pod is bound at most once and to a node that was created; no node runs more than its allocatable, nor does a scheduler bind past it next to pods it knows it placed there; an update wins only with the stored resourceVersion, and no acknowledged write is overwritten; a pod has at most one controller; a StatefulSet ordinal never runs twice unless a partition hid the old copy; a reader's relist (k8s.relist) is never older than what it held (a list at resourceVersion \"0\" promises no freshness: noted, not failed); Endpoints and EndpointSlices drop a pod as ready within 5 s of its deletion or unreadiness, the clock running only while the control plane is whole, from 30 s after it became so (kubelet admission, pods/binding, optimistic concurrency, ownerReferences validation, StatefulSet identity, NotOlderThan and consistent lists, the endpoints controllers: actors/checks/kubernetes)",
  'the Kubernetes safety checks hold',
);

export const PROPERTIES: readonly FuzzProperty[] = [raftSafety, linearizability, watch, liveness, kubernetesSafety];
export const PROPERTY_NAMES = PROPERTIES.map((p) => p.name);
