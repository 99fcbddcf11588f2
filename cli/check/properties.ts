/**
 * `kubesim check TRACE --property NAME...`: the fuzz properties (cli/fuzz/properties.ts) judged
 * on a saved trace, as `kubesim fuzz` judges them on a run. The checkers are pure functions over
 * the trace's events; only the properties that judge from the trace alone (`needsTrace`) can run
 * here — the others read the run's result (its invariant violations and expectation outcomes),
 * which a trace file does not carry, and are refused with what to run instead.
 *
 * Which lines a trace keeps: `kubesim run --trace-level normal` (the default) and `debug` keep
 * every line; `summary` keeps only fault, raft.role, k8s.leader, expect and invariant lines. The
 * property checkers read etcd.op, etcd.apply and etcd.watch lines, so a summary trace cannot be
 * checked; its numbering has gaps (seq counts every line), which the trace reader reports, and
 * this command (and plain `kubesim check`, which reads raft and etcd lines) says why.
 */
import { readTraceFile, TraceFileError } from '../../actors/checks/index.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { EXIT_FAILED, HeapWatch, InputError } from '../guard.ts';
import { PROPERTIES, type FuzzProperty, type VerdictStatus } from '../fuzz/properties.ts';

export interface TraceVerdict {
  property: string;
  status: VerdictStatus;
  detail: string;
}

export interface TraceCheck {
  file: string;
  traceLines: number;
  verdicts: TraceVerdict[];
  ok: boolean;
}

/** What to run instead, for a property that judges the run result. */
function needsRunResult(p: FuzzProperty): string {
  const instead =
    p.name === 'raft-safety'
      ? 'its invariants are what `kubesim check TRACE` checks without --property'
      : 'judge it on the scenario instead: npx kubesim fuzz --replay SCENARIO.yaml --property ' + p.name;
  return `property ${p.name} judges the run's result (its invariant violations and expectations), which a trace does not carry: ${instead}`;
}

/** The properties by name, in the registry's order; an InputError for a name that cannot judge a trace. */
export function traceProperties(names: readonly string[]): FuzzProperty[] {
  const selected = PROPERTIES.filter((p) => names.includes(p.name));
  for (const n of names) if (!selected.some((p) => p.name === n)) throw new InputError(`no property "${n}"; choose from ${PROPERTIES.filter((p) => p.needsTrace).map((p) => p.name).join(', ')}`);
  const refused = selected.filter((p) => !p.needsTrace);
  if (refused.length > 0) throw new InputError(`${refused.map(needsRunResult).join('; ')}. Properties that judge a trace: ${PROPERTIES.filter((p) => p.needsTrace).map((p) => p.name).join(', ')}`);
  return selected;
}

const SUMMARY_HINT =
  'The trace was probably written at a level that drops lines the checkers need: --trace-level summary keeps only fault, raft.role, k8s.leader, expect and invariant lines, while the invariants read raft and etcd lines and the properties etcd.op, etcd.apply, etcd.watch, k8s.write and k8s.running lines. Fix: write the trace again with kubesim run SCENARIO --trace FILE --trace-level normal (the default)';

/**
 * The events of a trace file, streamed (`kubesim check` reads the invariants' events one at a
 * time): a gap in seq — what a summary-level trace looks like — becomes an InputError saying so
 * and what to run instead. No checker accepts a gap: each reads kinds the summary level drops.
 */
export function* traceFileEvents(file: string): Generator<TraceEvent> {
  try {
    yield* readTraceFile(file);
  } catch (err) {
    if (err instanceof TraceFileError && /lines are missing|beginning is missing/.test(err.message)) {
      // The reader's own fix (check the whole trace) is replaced by the likelier one.
      throw new InputError(`${err.message.replace(/ Fix: .*$/s, '')} ${SUMMARY_HINT}.`);
    }
    throw err;
  }
}

/** Reads the whole trace (the checkers need every event at once); an InputError or TraceFileError says what is wrong. */
export function readEvents(file: string): TraceEvent[] {
  const heap = new HeapWatch('check a smaller trace');
  const events: TraceEvent[] = [];
  for (const e of traceFileEvents(file)) {
    const full = heap.tick();
    if (full !== undefined) throw new InputError(`${file}: the check stopped at trace line ${events.length + 1}: ${full}.`);
    events.push(e);
  }
  return events;
}

export function checkTraceProperties(file: string, properties: readonly FuzzProperty[]): TraceCheck {
  const events = readEvents(file);
  const verdicts = properties.map((p) => {
    if (!p.judgeTrace) throw new Error(`property ${p.name} is marked needsTrace but has no judgeTrace`);
    return { property: p.name, ...p.judgeTrace(events) };
  });
  return { file, traceLines: events.length, verdicts, ok: !verdicts.some((v) => v.status === 'fail') };
}

/** The command: exit 1 when a property fails, 0 otherwise (unknown and not-checkable are reported, not failures). */
export function checkPropertiesCommand(file: string, names: readonly string[], json: boolean): number {
  const r = checkTraceProperties(file, traceProperties(names));
  if (json) console.log(JSON.stringify(r));
  else {
    for (const v of r.verdicts) console.log(`${v.status.padEnd(13)} ${v.property}: ${v.detail}`);
    console.log(`${file}: ${r.traceLines} trace lines, ${r.ok ? 'no property failed' : `failed: ${r.verdicts.filter((v) => v.status === 'fail').map((v) => v.property).join(', ')}`}`);
  }
  return r.ok ? 0 : EXIT_FAILED;
}
