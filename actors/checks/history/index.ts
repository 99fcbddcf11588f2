/**
 * History checkers (issue 11): pure functions over whole histories, run after (or beside) a
 * simulation. Unlike the per-event invariants in actors/checks, these need the whole history.
 *
 * - Linearizability of the etcd key-value history (Wing & Gong / Lowe, per key as Porcupine).
 * - etcd watch guarantees for one watcher's stream.
 * - Adapters that build both inputs from kubesim trace events.
 */
import type { TraceEvent } from '../../kernel/trace.ts';
import { historyFromTrace, watchStreamsFromTrace, writesFromTrace } from './from-trace.ts';
import { kvModel, kvPartition, type KvOp, type KvState } from './kv-model.ts';
import { checkLinearizability, type CheckOptions, type HistoryOp, type LinearizabilityResult } from './linearizability.ts';
import { checkWatch, type WatchViolation } from './watch.ts';

export { historyFromTrace, watchStreamsFromTrace, writesFromTrace, type KvHistory, type TracedWatch } from './from-trace.ts';
export { kvModel, kvPartition, type KvOp, type KvState } from './kv-model.ts';
export {
  checkLinearizability,
  checkPartition,
  DEFAULT_MAX_STEPS,
  explainViolation,
  type CheckOptions,
  type HistoryOp,
  type LinearizabilityResult,
  type LinearizationStep,
  type Model,
  type PartitionResult,
  type Verdict,
} from './linearizability.ts';
export { checkWatch, type WatchCheckInput, type WatchedEvent, type WatchGuarantee, type WatchItem, type WatchRange, type WatchViolation, type WriteRecord } from './watch.ts';

/** Linearizability of an etcd key-value history, one register per key. */
export function checkKvLinearizability(history: readonly HistoryOp<KvOp>[], options: CheckOptions = {}): LinearizabilityResult<KvState, KvOp> {
  return checkLinearizability(kvModel, history, kvPartition, options);
}

export interface TraceHistoryReport {
  linearizability: LinearizabilityResult<KvState, KvOp>;
  /** What the history left out, by reason. */
  skipped: { reason: string; count: number }[];
  /** Violations per watch (client, watchId), only the watches that have some, in trace order. */
  watches: { client: string; watchId: string; violations: WatchViolation[] }[];
}

/** Runs both history checkers on a trace (events in trace order). */
export function checkTraceHistories(events: readonly TraceEvent[], options: CheckOptions = {}): TraceHistoryReport {
  const { history, skipped } = historyFromTrace(events);
  const writes = writesFromTrace(events);
  const watches: TraceHistoryReport['watches'] = [];
  for (const w of watchStreamsFromTrace(events)) {
    const violations = checkWatch({ range: w.range, stream: w.stream, writes });
    if (violations.length > 0) watches.push({ client: w.client, watchId: w.watchId, violations });
  }
  return { linearizability: checkKvLinearizability(history, options), skipped, watches };
}
