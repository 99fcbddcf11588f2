/**
 * How a simulated container behaves, declared on the pod with annotations (see BEHAVIOR.md):
 *
 *   kubesim.io/behavior.web: "crash after 5s"
 *   kubesim.io/behavior.web: "exit 0 after 20s; fail readiness for 30s; ignore SIGTERM"
 *   kubesim.io/behavior:     "run forever"        (every container without its own key)
 *
 * One grammar, a `;`-separated list of clauses. Parsing never throws on user input: it returns a
 * `BehaviorError` whose `message` is ready to show as an event (`Failed`, `Error: …`).
 * Durations may be ranges (`5s..10s`); `planRun` draws them from the caller's seeded `randomInt`
 * each time the container starts, so a run is reproducible from the seed.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { NS_PER_MS, parseGoDuration } from '../api/duration.ts';

/** The pod-wide key (containers without their own key) and the per-container key prefix. */
export const BEHAVIOR_ANNOTATION = 'kubesim.io/behavior';
export const BEHAVIOR_ANNOTATION_PREFIX = 'kubesim.io/behavior.';

/** Bounds: everything a user can write is bounded, so parsing and planning are too. */
export const MAX_BEHAVIOR_TEXT = 4096;
export const MAX_CLAUSES = 32;
export const MAX_SEGMENTS = 32;
export const MAX_REPEAT = 1_000_000;
export const MAX_DURATION_MS = 365 * 24 * 3_600_000;

/** A duration, or a uniform range of whole milliseconds `[minMs, maxMs]` (equal for a fixed one). */
export interface DurationRange {
  minMs: number;
  maxMs: number;
}

export type LifecycleAction = { kind: 'forever' } | { kind: 'exit'; code: number; after: DurationRange };

/** One part of the lifecycle. `times` undefined: this part applies to every later run. */
export interface LifecycleSegment {
  action: LifecycleAction;
  times?: number;
}

/** A window, measured from each container start, in which a probe fails: `[after, after + for)`. */
export interface ProbeFault {
  after: DurationRange;
  /** Undefined: the probe fails from `after` on, for the rest of the run. */
  for?: DurationRange;
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export type SigtermBehavior = { kind: 'exit'; code: number; after: DurationRange } | { kind: 'ignore' };

export interface ContainerBehavior {
  /** The runs in order; after the last counted segment the container runs forever. */
  lifecycle: LifecycleSegment[];
  probeFaults: Record<ProbeKind, ProbeFault[]>;
  /** Runtime time from "Created" to "Started" (the process starting). */
  startTakes: DurationRange;
  /** What the process does on SIGTERM. Default: exits at once with 143 (128 + SIGTERM). */
  onSigterm: SigtermBehavior;
  /** How long a preStop hook runs, when the container declares one. */
  preStopTakes?: DurationRange;
}

export interface BehaviorError {
  /** The annotation key the text came from. */
  annotation: string;
  /** The container it applies to (absent for the pod-wide key). */
  container?: string;
  /** 1-based index of the failing clause. */
  clause?: number;
  /** The whole human-readable message, e.g. for an event. */
  message: string;
}

export type BehaviorResult = { ok: true; behavior: ContainerBehavior } | { ok: false; error: BehaviorError };

const fixed = (ms: number): DurationRange => ({ minMs: ms, maxMs: ms });

/** `run forever`, exits at once with 143 on SIGTERM, starts in 0 ms. */
export function defaultBehavior(): ContainerBehavior {
  return {
    lifecycle: [{ action: { kind: 'forever' } }],
    probeFaults: { startup: [], liveness: [], readiness: [] },
    startTakes: fixed(0),
    onSigterm: { kind: 'exit', code: 143, after: fixed(0) },
  };
}

/** Init containers that say nothing complete quickly: `exit 0 after 1s`. */
export function defaultInitBehavior(): ContainerBehavior {
  return { ...defaultBehavior(), lifecycle: [{ action: { kind: 'exit', code: 0, after: fixed(1000) } }] };
}

/**
 * Regular containers of a pod that is not restarted (restartPolicy Never or OnFailure: a Job's
 * pod, a one-off task) that say nothing run to completion: `exit 0 after 5s`. `run forever` would
 * leave the Kubernetes documentation's Job `pi` running for ever.
 */
export const TASK_DURATION_MS = 5000;
export function defaultTaskBehavior(): ContainerBehavior {
  return { ...defaultBehavior(), lifecycle: [{ action: { kind: 'exit', code: 0, after: fixed(TASK_DURATION_MS) } }] };
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/** A Go duration (`500ms`, `20s`, `1m30s`, `1.5s`, `2h`; actors/api/duration.ts) in whole ms, or a reason. */
export function parseDurationMs(text: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const parsed = text.startsWith('-') ? undefined : parseGoDuration(text);
  if (!parsed || !parsed.ok) {
    if (/^\d+(\.\d+)?$/.test(text)) return { ok: false, reason: `"${text}" needs a unit: ${text}s, ${text}ms, ${text}m or ${text}h` };
    return { ok: false, reason: `"${text}" is not a duration like 500ms, 20s, 1m30s or 2h` };
  }
  if (!parsed.exact || parsed.ns % NS_PER_MS !== 0n) return { ok: false, reason: `"${text}" is not a whole number of milliseconds` };
  const ms = parsed.ns / NS_PER_MS;
  if (ms > BigInt(MAX_DURATION_MS)) return { ok: false, reason: `"${text}" is longer than a year` };
  return { ok: true, ms: Number(ms) };
}

function parseDurationRange(text: string): { ok: true; range: DurationRange } | { ok: false; reason: string } {
  const dots = text.indexOf('..');
  if (dots < 0) {
    const d = parseDurationMs(text);
    return d.ok ? { ok: true, range: fixed(d.ms) } : d;
  }
  const lo = parseDurationMs(text.slice(0, dots));
  if (!lo.ok) return lo;
  const hi = parseDurationMs(text.slice(dots + 2));
  if (!hi.ok) return hi;
  if (hi.ms < lo.ms) return { ok: false, reason: `the range "${text}" ends before it starts` };
  return { ok: true, range: { minMs: lo.ms, maxMs: hi.ms } };
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

class ClauseError extends Error {}

/** A cursor over one clause's words. Keywords compare case-insensitively. */
class Words {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  peek(): string | undefined {
    return this.words[this.i]?.toLowerCase();
  }
  next(): string | undefined {
    const w = this.words[this.i];
    if (w !== undefined) this.i++;
    return w;
  }
  done(): boolean {
    return this.i >= this.words.length;
  }
  expect(keyword: string, context: string): void {
    const w = this.next();
    if (w === undefined) throw new ClauseError(`expected "${keyword}" after ${context}, but the clause ends`);
    if (w.toLowerCase() !== keyword) throw new ClauseError(`expected "${keyword}" after ${context}, found "${w}"${suggest(w, [keyword])}`);
  }
  duration(context: string): DurationRange {
    const w = this.next();
    if (w === undefined) throw new ClauseError(`expected a duration after ${context}, but the clause ends`);
    const d = parseDurationRange(w);
    if (!d.ok) throw new ClauseError(`${d.reason} (after ${context})`);
    return d.range;
  }
  exitCode(context: string): number {
    const w = this.next();
    if (w === undefined) throw new ClauseError(`expected an exit code after ${context}, but the clause ends`);
    if (!/^\d{1,3}$/.test(w) || Number(w) > 255) throw new ClauseError(`"${w}" is not an exit code (a whole number from 0 to 255)`);
    return Number(w);
  }
}

const CLAUSE_FORMS = [
  'run forever',
  'exit <code> after <duration>',
  'crash after <duration>',
  'complete after <duration>',
  'fail readiness|liveness|startup [after <duration>] [for <duration>]',
  'start takes <duration>',
  'preStop takes <duration>',
  'ignore SIGTERM',
  'on SIGTERM exit <code> [after <duration>]',
];
const FIRST_WORDS = ['run', 'exit', 'crash', 'complete', 'fail', 'start', 'prestop', 'ignore', 'on'];
const PROBES: ProbeKind[] = ['readiness', 'liveness', 'startup'];

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function suggest(word: string, options: readonly string[]): string {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const o of options) {
    const d = editDistance(w, o);
    if (d < bestDistance) {
      best = o;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function parseAction(words: Words): LifecycleAction {
  const first = words.next()!.toLowerCase();
  switch (first) {
    case 'run':
      words.expect('forever', '"run"');
      return { kind: 'forever' };
    case 'exit': {
      const code = words.exitCode('"exit"');
      words.expect('after', `"exit ${code}"`);
      return { kind: 'exit', code, after: words.duration(`"exit ${code} after"`) };
    }
    case 'crash':
      words.expect('after', '"crash"');
      return { kind: 'exit', code: 1, after: words.duration('"crash after"') };
    case 'complete':
      words.expect('after', '"complete"');
      return { kind: 'exit', code: 0, after: words.duration('"complete after"') };
    default:
      throw new ClauseError(`"${first}" cannot start a lifecycle part; use run forever, exit <code> after <duration>, crash after <duration> or complete after <duration>`);
  }
}

function parseRepeat(words: Words): number | undefined {
  const w = words.peek();
  if (w === 'once') {
    words.next();
    return 1;
  }
  if (w === 'twice') {
    words.next();
    return 2;
  }
  if (w !== undefined && /^\d+$/.test(w)) {
    words.next();
    const unit = words.next();
    if (unit === undefined || !['times', 'time'].includes(unit.toLowerCase())) {
      throw new ClauseError(`expected "times" after "${w}"${unit === undefined ? '' : `, found "${unit}"`}`);
    }
    const n = Number(w);
    if (n < 1 || n > MAX_REPEAT) throw new ClauseError(`a repeat count must be between 1 and ${MAX_REPEAT}, not ${w}`);
    return n;
  }
  return undefined;
}

function parseLifecycle(words: Words): LifecycleSegment[] {
  const segments: LifecycleSegment[] = [];
  for (;;) {
    const action = parseAction(words);
    const times = parseRepeat(words);
    if (action.kind === 'forever' && times !== undefined) throw new ClauseError('"run forever" cannot be repeated a number of times');
    segments.push(times === undefined ? { action } : { action, times });
    if (segments.length > MAX_SEGMENTS) throw new ClauseError(`at most ${MAX_SEGMENTS} "then" parts are allowed`);
    if (words.done()) break;
    const w = words.next()!;
    if (w.toLowerCase() !== 'then') throw new ClauseError(`expected "then" or the end of the clause, found "${w}"${suggest(w, ['then', 'times', 'once'])}`);
    if (times === undefined) {
      throw new ClauseError(`"${describeAction(action)}" applies to every later run, so nothing can follow it; add a count ("3 times", "once") before "then"`);
    }
    if (words.done()) throw new ClauseError('expected a lifecycle part after "then"');
  }
  return segments;
}

function describeAction(a: LifecycleAction): string {
  return a.kind === 'forever' ? 'run forever' : `exit ${a.code} after …`;
}

function parseProbeFault(words: Words): { kind: ProbeKind; fault: ProbeFault } {
  const w = words.next();
  if (w === undefined) throw new ClauseError('expected readiness, liveness or startup after "fail"');
  const kind = w.toLowerCase() as ProbeKind;
  if (!PROBES.includes(kind)) throw new ClauseError(`unknown probe "${w}"; expected readiness, liveness or startup${suggest(w, PROBES)}`);
  let after: DurationRange | undefined;
  let forRange: DurationRange | undefined;
  while (!words.done()) {
    const k = words.next()!;
    const kl = k.toLowerCase();
    if (kl === 'after' && after === undefined) after = words.duration(`"fail ${kind} after"`);
    else if (kl === 'for' && forRange === undefined) forRange = words.duration(`"fail ${kind} for"`);
    else throw new ClauseError(`expected "after <duration>" or "for <duration>", found "${k}"${suggest(k, ['after', 'for'])}`);
  }
  const fault: ProbeFault = { after: after ?? fixed(0) };
  if (forRange !== undefined) fault.for = forRange;
  return { kind, fault };
}

function parseClause(words: Words, b: ContainerBehavior, seen: Set<string>): void {
  const first = words.peek()!;
  const once = (what: string): void => {
    if (seen.has(what)) throw new ClauseError(`only one ${what} clause is allowed`);
    seen.add(what);
  };
  switch (first) {
    case 'run':
    case 'exit':
    case 'crash':
    case 'complete':
      once('lifecycle (run/exit/crash/complete)');
      b.lifecycle = parseLifecycle(words);
      return;
    case 'fail': {
      words.next();
      const { kind, fault } = parseProbeFault(words);
      b.probeFaults[kind].push(fault);
      return;
    }
    case 'start':
      words.next();
      once('"start takes"');
      words.expect('takes', '"start"');
      b.startTakes = words.duration('"start takes"');
      break;
    case 'prestop':
      words.next();
      once('"preStop takes"');
      words.expect('takes', '"preStop"');
      b.preStopTakes = words.duration('"preStop takes"');
      break;
    case 'ignore':
      words.next();
      once('SIGTERM');
      words.expect('sigterm', '"ignore"');
      b.onSigterm = { kind: 'ignore' };
      break;
    case 'on': {
      words.next();
      once('SIGTERM');
      words.expect('sigterm', '"on"');
      words.expect('exit', '"on SIGTERM"');
      const code = words.exitCode('"on SIGTERM exit"');
      let after = fixed(0);
      if (!words.done()) {
        words.expect('after', `"on SIGTERM exit ${code}"`);
        after = words.duration(`"on SIGTERM exit ${code} after"`);
      }
      b.onSigterm = { kind: 'exit', code, after };
      break;
    }
    default:
      throw new ClauseError(`unknown clause${suggest(first, FIRST_WORDS)}; expected one of: ${CLAUSE_FORMS.join('; ')}`);
  }
  if (!words.done()) throw new ClauseError(`unexpected "${words.next()}" at the end of the clause`);
}

/**
 * Parses one behavior text. `base` is the starting point (the default for the container kind);
 * clauses override it. `annotation`/`container` only label errors.
 */
export function parseBehavior(
  text: string,
  options: { annotation?: string; container?: string; base?: ContainerBehavior } = {},
): BehaviorResult {
  const annotation = options.annotation ?? BEHAVIOR_ANNOTATION;
  const fail = (message: string, clause?: number): BehaviorResult => {
    const error: BehaviorError = { annotation, message: `${annotation}: ${message}` };
    if (options.container !== undefined) error.container = options.container;
    if (clause !== undefined) error.clause = clause;
    return { ok: false, error };
  };
  if (typeof text !== 'string') return fail('the value must be a string');
  if (text.length > MAX_BEHAVIOR_TEXT) return fail(`the value is longer than ${MAX_BEHAVIOR_TEXT} characters`);
  const base = options.base ?? defaultBehavior();
  const b: ContainerBehavior = {
    ...base,
    lifecycle: base.lifecycle.slice(),
    probeFaults: { startup: [], liveness: [], readiness: [] },
  };
  const clauses = text.split(';').map((c) => c.trim());
  while (clauses.length > 0 && clauses[clauses.length - 1] === '') clauses.pop();
  if (clauses.length === 0) return fail('the value is empty; write e.g. "run forever" or "crash after 5s"');
  if (clauses.length > MAX_CLAUSES) return fail(`at most ${MAX_CLAUSES} clauses are allowed`);
  const seen = new Set<string>();
  for (let i = 0; i < clauses.length; i++) {
    const clause = clauses[i]!;
    if (clause === '') return fail(`clause ${i + 1} is empty (two ";" in a row)`, i + 1);
    try {
      if (clause.includes(',')) throw new ClauseError('separate clauses with ";", not ","');
      parseClause(new Words(clause.split(/\s+/)), b, seen);
    } catch (e) {
      if (e instanceof ClauseError) return fail(`"${clause}": ${e.message}`, i + 1);
      throw e;
    }
  }
  return { ok: true, behavior: b };
}

export interface PodBehaviors {
  /** One entry per container (init and regular) of the pod, by name. */
  byContainer: Map<string, BehaviorResult>;
  /** Errors not tied to one container (an annotation naming no container of the pod). */
  podErrors: BehaviorError[];
  /** Clauses that cannot take effect, e.g. `fail liveness` on a container without a livenessProbe. */
  warnings: string[];
}

/**
 * Reads every behavior annotation of a pod. A container uses `kubesim.io/behavior.<name>`, else
 * the pod-wide `kubesim.io/behavior`, else the default (`run forever`, or `exit 0 after 5s` in a pod
 * whose restartPolicy is Never or OnFailure; init containers `exit 0 after 1s`). The pod-wide key
 * applies to regular containers only.
 */
export function parsePodBehaviors(pod: V1Pod): PodBehaviors {
  const annotations = pod.metadata?.annotations ?? {};
  const init = pod.spec?.initContainers ?? [];
  const regular = pod.spec?.containers ?? [];
  const names = new Set([...init, ...regular].map((c) => c.name));
  const byContainer = new Map<string, BehaviorResult>();
  const podErrors: BehaviorError[] = [];
  const warnings: string[] = [];
  const podWide = annotations[BEHAVIOR_ANNOTATION];
  for (const key of Object.keys(annotations).sort()) {
    if (!key.startsWith(BEHAVIOR_ANNOTATION_PREFIX)) continue;
    const name = key.slice(BEHAVIOR_ANNOTATION_PREFIX.length);
    if (!names.has(name)) {
      const known = [...names].sort();
      podErrors.push({
        annotation: key,
        container: name,
        message: `${key}: the pod has no container named "${name}" (containers: ${known.join(', ')})${suggest(name, known)}`,
      });
    }
  }
  const consider = (c: { name: string; readinessProbe?: unknown; livenessProbe?: unknown; startupProbe?: unknown }, isInit: boolean): void => {
    const own = annotations[BEHAVIOR_ANNOTATION_PREFIX + c.name];
    const base = isInit ? defaultInitBehavior() : defaultBehavior();
    // Only a container that says nothing at all is taken for a task; a clause like `fail liveness` keeps `run forever`.
    const task = !isInit && (pod.spec?.restartPolicy ?? 'Always') !== 'Always';
    let result: BehaviorResult;
    if (own !== undefined) result = parseBehavior(own, { annotation: BEHAVIOR_ANNOTATION_PREFIX + c.name, container: c.name, base });
    else if (podWide !== undefined && !isInit) result = parseBehavior(podWide, { annotation: BEHAVIOR_ANNOTATION, container: c.name, base });
    else result = { ok: true, behavior: task ? defaultTaskBehavior() : base };
    byContainer.set(c.name, result);
    if (result.ok) {
      const probeOf: Record<ProbeKind, unknown> = { readiness: c.readinessProbe, liveness: c.livenessProbe, startup: c.startupProbe };
      for (const kind of PROBES) {
        if (result.behavior.probeFaults[kind].length > 0 && probeOf[kind] === undefined) {
          warnings.push(`container "${c.name}" has no ${kind}Probe, so "fail ${kind}" has no effect`);
        }
      }
    }
  };
  for (const c of init) consider(c, true);
  for (const c of regular) consider(c, false);
  return { byContainer, podErrors, warnings };
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

/** A behavior resolved for one container run: every range drawn, every window absolute in ms. */
export interface RunPlan {
  /** Natural exit `afterMs` after start, or undefined to run until stopped. */
  exit?: { afterMs: number; code: number };
  startTakesMs: number;
  /** Failing windows per probe, `[fromMs, toMs)` since start (toMs may be Infinity). */
  faults: Record<ProbeKind, [number, number][]>;
  sigterm: { kind: 'exit'; code: number; afterMs: number } | { kind: 'ignore' };
  preStopMs?: number;
}

/** `randomInt(n)` returns an integer in [0, n); only called for ranges. */
export type RandomInt = (n: number) => number;

function draw(range: DurationRange, randomInt: RandomInt | undefined): number {
  if (range.maxMs === range.minMs) return range.minMs;
  if (randomInt === undefined) return range.minMs;
  const span = range.maxMs - range.minMs + 1;
  const r = Math.floor(randomInt(span));
  return range.minMs + Math.min(Math.max(r, 0), span - 1);
}

/** The lifecycle action for the run with 0-based index `runIndex` (0 = the first start). */
export function lifecycleActionFor(behavior: ContainerBehavior, runIndex: number): LifecycleAction {
  let remaining = runIndex;
  for (const seg of behavior.lifecycle) {
    if (seg.times === undefined) return seg.action;
    if (remaining < seg.times) return seg.action;
    remaining -= seg.times;
  }
  return { kind: 'forever' };
}

/** Resolves the behavior for one run, drawing ranges in a fixed order. */
export function planRun(behavior: ContainerBehavior, runIndex: number, randomInt?: RandomInt): RunPlan {
  const action = lifecycleActionFor(behavior, runIndex);
  const plan: RunPlan = {
    startTakesMs: draw(behavior.startTakes, randomInt),
    faults: { startup: [], liveness: [], readiness: [] },
    sigterm: behavior.onSigterm.kind === 'ignore' ? { kind: 'ignore' } : { kind: 'exit', code: behavior.onSigterm.code, afterMs: draw(behavior.onSigterm.after, randomInt) },
  };
  if (action.kind === 'exit') plan.exit = { afterMs: draw(action.after, randomInt), code: action.code };
  for (const kind of PROBES) {
    for (const f of behavior.probeFaults[kind]) {
      const from = draw(f.after, randomInt);
      const to = f.for === undefined ? Infinity : from + draw(f.for, randomInt);
      plan.faults[kind].push([from, to]);
    }
  }
  if (behavior.preStopTakes !== undefined) plan.preStopMs = draw(behavior.preStopTakes, randomInt);
  return plan;
}

/** Whether the probe fails `elapsedMs` after the run started. */
export function probeFails(plan: RunPlan, kind: ProbeKind, elapsedMs: number): boolean {
  for (const [from, to] of plan.faults[kind]) if (elapsedMs >= from && elapsedMs < to) return true;
  return false;
}
