import { checkKvLinearizability, checkWatch, historyFromTrace, watchStreamsFromTrace, writesFromTrace } from '../../actors/checks/history/index.ts';
import { kubernetesSafetyFindings } from '../../actors/checks/kubernetes/index.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { RunResult } from '../../actors/scenario/runner.ts';
import type { Expectation } from '../../actors/scenario/spec.ts';
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
  /** Every trace event, when a selected property needs them (`needsTrace`). */
  events: readonly TraceEvent[];
}

export interface FuzzProperty {
  name: string;
  /** One line: what it asserts, and where the assertion comes from. */
  description: string;
  needsTrace?: boolean;
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

/** The search budget of the linearizability checker per run (model steps); past it the verdict is unknown. */
export const LINEARIZABILITY_MAX_STEPS = 200_000;

const linearizability: FuzzProperty = {
  name: 'linearizability',
  description: "the etcd key-value history is linearizable (Wing & Gong / Lowe, per key as Porcupine; a timed-out write may or may not have taken effect)",
  needsTrace: true,
  judge: ({ events }) => {
    const { history, skipped } = historyFromTrace(events);
    const r = checkKvLinearizability(history, { maxSteps: LINEARIZABILITY_MAX_STEPS });
    const left = skipped.map((s) => `${s.count} ${s.reason}`).join(', ');
    const note = `${history.length} operations${left ? `; not checked: ${left}` : ''}`;
    if (r.verdict === 'violation') return { status: 'fail', detail: `${r.explanation ?? 'not linearizable'} (${note})` };
    if (r.verdict === 'unknown') return { status: 'unknown', detail: `search budget of ${LINEARIZABILITY_MAX_STEPS} steps ran out (${note})` };
    return { status: 'pass', detail: note };
  },
};

const watch: FuzzProperty = {
  name: 'watch',
  description: 'etcd watch guarantees per watcher, on the events and progress notifications the etcd client delivered (etcd.watch deliver): unique, ordered, atomic, reliable, resumable, no time travel (etcd API guarantees; etcd robustness tests)',
  needsTrace: true,
  judge: ({ events }) => {
    const streams = watchStreamsFromTrace(events);
    // A watch that never delivered anything (cancelled at once, or opened just before the end) says nothing.
    const delivered = streams.filter((w) => w.stream.some((i) => i.kind === 'events' || i.kind === 'progress'));
    if (delivered.length === 0) return { status: 'not-checkable', detail: `${streams.length} watch(es) traced, none delivered an event or a progress notification` };
    const writes = writesFromTrace(events);
    const bad: string[] = [];
    let deliveries = 0;
    let watched = 0;
    for (const w of delivered) {
      for (const i of w.stream) {
        if (i.kind === 'events') watched += i.events.length;
        if (i.kind === 'events' || i.kind === 'progress') deliveries++;
      }
      for (const v of checkWatch({ range: w.range, stream: w.stream, writes })) bad.push(`${w.client}/${w.watchId} ${v.guarantee}: ${v.detail}`);
    }
    const note = `${delivered.length} watch stream(s), ${deliveries} deliveries, ${watched} events, against ${writes.length} known writes`;
    return bad.length > 0 ? { status: 'fail', detail: `${bad.join('; ')} (${note})` } : { status: 'pass', detail: `${note} checked` };
  },
};

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

const kubernetesSafety: FuzzProperty = {
  name: 'kubernetes-safety',
  description:
    "on the apiservers' acknowledged writes (k8s.write) and what the nodes run (k8s.running): a pod is bound at most once and to a node that was created; no node runs more than its allocatable, nor does a scheduler bind past it next to pods it knows it placed there; an update wins only with the stored resourceVersion, and no acknowledged write is overwritten; a pod has at most one controller; a StatefulSet ordinal never runs twice unless a partition hid the old copy (kubelet admission, pods/binding, optimistic concurrency, ownerReferences validation, StatefulSet identity: actors/checks/kubernetes)",
  needsTrace: true,
  judge: ({ events }) => {
    if (!events.some((e) => e.kind === 'k8s.write')) return { status: 'not-checkable', detail: 'the trace has no acknowledged Kubernetes write (k8s.write): no Kubernetes in this cluster' };
    const { violations, notes } = kubernetesSafetyFindings(events);
    const noted = notes.length > 0 ? `; noted: ${notes.join('; ')}` : '';
    if (violations.length > 0) return { status: 'fail', detail: violations.map((v) => `${v.check} at ${v.t} ms: ${v.detail}`).join('; ') + noted };
    return { status: 'pass', detail: `${events.filter((e) => e.kind === 'k8s.write').length} acknowledged writes and ${events.filter((e) => e.kind === 'k8s.running').length} runtime changes checked${noted}` };
  },
};

export const PROPERTIES: readonly FuzzProperty[] = [raftSafety, linearizability, watch, liveness, kubernetesSafety];
export const PROPERTY_NAMES = PROPERTIES.map((p) => p.name);
