import { checkKvLinearizability, checkWatch, historyFromTrace, watchStreamsFromTrace, writesFromTrace } from '../checks/history/index.ts';
import { kubernetesSafetyFindings } from '../checks/kubernetes/index.ts';
import type { TraceEvent } from '../kernel/trace.ts';

/**
 * The properties judged over a whole trace rather than after each event: the etcd key-value
 * history is linearizable, the etcd watch guarantees, and the Kubernetes safety checks. Pure
 * functions of the trace events; `kubesim fuzz` judges them on every run, `kubesim check
 * --property` on a saved trace, and a scenario's `that: {property: NAME}` expectation on its own
 * run — one verdict function for the three, so they cannot disagree.
 *
 * Verdicts: `pass`; `fail`; `unknown` (the checker gave up within its budget: not proven, not a
 * failure); `not-checkable` (the trace lacks what the checker needs).
 */

export const TRACE_PROPERTY_NAMES = ['linearizability', 'watch', 'kubernetes-safety'] as const;
export type TracePropertyName = (typeof TRACE_PROPERTY_NAMES)[number];

export type TraceVerdictStatus = 'pass' | 'fail' | 'unknown' | 'not-checkable';

export interface TraceVerdict {
  status: TraceVerdictStatus;
  detail: string;
}

/** The search budget of the linearizability checker per run (model steps); past it the verdict is unknown. */
export const LINEARIZABILITY_MAX_STEPS = 200_000;

function linearizability(events: readonly TraceEvent[]): TraceVerdict {
  const { history, skipped } = historyFromTrace(events);
  const r = checkKvLinearizability(history, { maxSteps: LINEARIZABILITY_MAX_STEPS });
  const left = skipped.map((s) => `${s.count} ${s.reason}`).join(', ');
  const note = `${history.length} operations${left ? `; not checked: ${left}` : ''}`;
  if (r.verdict === 'violation') return { status: 'fail', detail: `${r.explanation ?? 'not linearizable'} (${note})` };
  if (r.verdict === 'unknown') return { status: 'unknown', detail: `search budget of ${LINEARIZABILITY_MAX_STEPS} steps ran out (${note})` };
  return { status: 'pass', detail: note };
}

function watch(events: readonly TraceEvent[]): TraceVerdict {
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
}

function kubernetesSafety(events: readonly TraceEvent[]): TraceVerdict {
  if (!events.some((e) => e.kind === 'k8s.write')) return { status: 'not-checkable', detail: 'the trace has no acknowledged Kubernetes write (k8s.write): no Kubernetes in this cluster' };
  const { violations, notes } = kubernetesSafetyFindings(events);
  const noted = notes.length > 0 ? `; noted: ${notes.join('; ')}` : '';
  if (violations.length > 0) return { status: 'fail', detail: violations.map((v) => `${v.check} at ${v.t} ms: ${v.detail}`).join('; ') + noted };
  return { status: 'pass', detail: `${events.filter((e) => e.kind === 'k8s.write').length} acknowledged writes, ${events.filter((e) => e.kind === 'k8s.running').length} runtime changes and ${events.filter((e) => e.kind === 'k8s.relist').length} relists checked${noted}` };
}

const JUDGES: Record<TracePropertyName, (events: readonly TraceEvent[]) => TraceVerdict> = {
  linearizability,
  watch,
  'kubernetes-safety': kubernetesSafety,
};

export function judgeTraceProperty(name: TracePropertyName, events: readonly TraceEvent[]): TraceVerdict {
  return JUDGES[name](events);
}

export function isTracePropertyName(name: string): name is TracePropertyName {
  return (TRACE_PROPERTY_NAMES as readonly string[]).includes(name);
}
