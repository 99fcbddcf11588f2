import { judgeTraceProperty, type TracePropertyName } from '../../actors/scenario/trace-properties.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { RunResult } from '../../actors/scenario/runner.ts';
import type { Expectation, ScenarioSpec } from '../../actors/scenario/spec.ts';
import { healAtMs, type FuzzCluster } from './cluster.ts';
import { GENERATED } from './schedule.ts';

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

const liveness: FuzzProperty = {
  name: 'liveness',
  description:
    "after the last fault heals, within the settle time, etcd has one leader (and, without Kubernetes, every log converges) and the Deployment reaches its desired ready count (TigerBeetle's two phases)",
  expectations: (c) => {
    const when = { mode: 'within' as const, afterMs: healAtMs(c), limitMs: c.settleMs };
    const out: Expectation[] = [
      { name: 'liveness: etcd elects a leader after the heal', when, etcd: { leader: { kind: 'any' }, ...(c.nodes.length === 0 && c.apiservers.length === 0 ? { logsIdentical: true } : {}) }, source: GENERATED },
    ];
    const d = c.deployment;
    if (d) {
      const object = { kind: 'deployment', name: d.name, namespace: d.namespace };
      // The final phase re-applies the manifest when a command touched the Deployment: its replicas are the target.
      out.push({ name: `liveness: deployment/${d.name} reaches ${d.replicas} ready`, when, workload: { object, counts: { ready: d.replicas } }, source: GENERATED });
    }
    return out;
  },
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
