/**
 * A linearizability checker for concurrent histories: Wing & Gong's search with Lowe's
 * improvements, partitioned per key as Porcupine does.
 *
 * - Wing & Gong (1993), "Testing and verifying concurrent objects": try every operation that can
 *   come next (one whose call precedes every pending return), apply it to a sequential model, and
 *   backtrack when an operation's return is reached before it was linearized.
 * - Lowe (2017), "Testing for linearizability": keep the history as a doubly linked list of call
 *   and return entries, "lift" an operation out when it is linearized and put it back on undo (an
 *   undo stack instead of copying), and memoize every (set of linearized operations, model state)
 *   already explored, so an equivalent configuration is never searched twice.
 * - Horn & Kroening (2015), "Faster linearizability checking via P-compositionality": a history of
 *   independent objects (etcd keys) is linearizable iff each object's sub-history is, so each key
 *   is searched alone (exponentially smaller search spaces).
 *
 * An operation without a response (timed out) may have taken effect at any point after its call,
 * or never: as in Porcupine its return is at +infinity, and the search succeeds as soon as every
 * operation that did return is linearized (the rest may then all come last, or never).
 *
 * Pure and deterministic: the same history and model give the same verdict and witness. The search
 * is bounded by `maxSteps` (model steps tried, over all partitions): past it the verdict is
 * `unknown`, never a hang.
 */

/**
 * A sequential specification. `step` returns every state the operation may lead to from `state`
 * (several when the operation's effect is not fully known, none when the operation cannot have
 * returned what it returned in that state).
 */
export interface Model<S, O> {
  readonly init: S;
  step(state: S, op: O): readonly S[];
  /** Equal keys for equal states: the memo table compares states by this key. */
  stateKey(state: S): string;
  describeOp(op: O): string;
  describeState(state: S): string;
}

/** One operation of a history. Times are positions on one clock: only their order matters. */
export interface HistoryOp<O> {
  client: string;
  op: O;
  call: number;
  /** null: no response (timed out, or the run ended first): it may have taken effect, or not. */
  ret: number | null;
  /** Virtual times for the witness text, when `call`/`ret` are positions rather than times (trace seqs). */
  callMs?: number;
  retMs?: number;
}

export type Verdict = 'linearizable' | 'violation' | 'unknown';

export interface LinearizationStep<S, O> {
  op: HistoryOp<O>;
  /** The model's state right after this operation. */
  after: S;
}

export interface PartitionResult<S, O> {
  partition: string;
  verdict: Verdict;
  /** Model steps this partition used. */
  steps: number;
  /**
   * On `linearizable`: a linearization (timed-out operations that need not have happened are left
   * out). On `violation`: the longest linearizable prefix found (Porcupine's partial
   * linearization). On `unknown`: the longest prefix found before the budget ran out.
   */
  linearization: LinearizationStep<S, O>[];
  /** On `violation`: the operation that could not be placed after that prefix, and why, in words. */
  stuck?: { op: HistoryOp<O>; why: string };
}

export interface LinearizabilityResult<S, O> {
  verdict: Verdict;
  /** Model steps used in all. */
  steps: number;
  /** Every partition, in partition-name order (those never searched because the budget ran out are `unknown` with 0 steps). */
  partitions: PartitionResult<S, O>[];
  /** The first violating partition, in words a user can read; null unless `violation`. */
  explanation: string | null;
}

export interface CheckOptions {
  /** Model steps tried, over all partitions, before the verdict becomes `unknown`. Default 1,000,000. */
  maxSteps?: number;
}

export const DEFAULT_MAX_STEPS = 1_000_000;

interface Entry {
  readonly isCall: boolean;
  /** Index of the operation in the partition's list. */
  readonly op: number;
  readonly time: number;
  prev: Entry | null;
  next: Entry | null;
  /** A call's return entry. */
  match: Entry | null;
}

interface Frame<S> {
  entry: Entry;
  before: S;
  alternatives: readonly S[];
  chosen: number;
}

/**
 * Builds the sorted entry list behind a sentinel head. At equal times calls come before returns, so
 * operations that touch at one instant count as concurrent (the lenient reading, as Porcupine's).
 */
function buildEntries<O>(ops: readonly HistoryOp<O>[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((o, i) => {
    if (!Number.isFinite(o.call)) throw new Error(`linearizability: operation ${i} has no finite call time`);
    if (o.ret !== null && !(o.ret >= o.call)) throw new Error(`linearizability: operation ${i} returns (${o.ret}) before its call (${o.call})`);
    const call: Entry = { isCall: true, op: i, time: o.call, prev: null, next: null, match: null };
    const ret: Entry = { isCall: false, op: i, time: o.ret ?? Infinity, prev: null, next: null, match: null };
    call.match = ret;
    entries.push(call, ret);
  });
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Entry = { isCall: false, op: -1, time: -Infinity, prev: null, next: null, match: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Removes a call and its return from the list; their own links are kept for `unlift`. */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev; // a call is always followed by at least its return
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undoes `lift` (only ever in the reverse order of lifting, which the undo stack guarantees). */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

/**
 * Searches one partition. `budget` is the number of model steps it may try; returns its result and
 * the steps used.
 */
export function checkPartition<S, O>(model: Model<S, O>, ops: readonly HistoryOp<O>[], budget: number, partition = ''): PartitionResult<S, O> {
  const head = buildEntries(ops);
  const words = new Uint32Array(Math.ceil(ops.length / 32) || 1);
  const seen = new Set<string>();
  const stack: Frame<S>[] = [];
  let best: LinearizationStep<S, O>[] = [];
  let state = model.init;
  let steps = 0;
  let entry: Entry | null = head.next;

  const bitsKey = (): string => Array.prototype.join.call(words, ',') as string;
  const setBit = (i: number, on: boolean): void => {
    if (on) words[i >>> 5]! |= 1 << (i & 31);
    else words[i >>> 5]! &= ~(1 << (i & 31));
  };
  const snapshot = (): LinearizationStep<S, O>[] => stack.map((f) => ({ op: ops[f.entry.op]!, after: f.alternatives[f.chosen]! }));

  /** Linearizes `call` into the first alternative from `from` on not explored yet; false if none. */
  const tryAlternatives = (call: Entry, before: S, alternatives: readonly S[], from: number): boolean => {
    setBit(call.op, true);
    const bits = bitsKey();
    for (let i = from; i < alternatives.length; i++) {
      const next = alternatives[i]!;
      const key = `${bits}|${model.stateKey(next)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push({ entry: call, before, alternatives, chosen: i });
      state = next;
      lift(call);
      if (stack.length > best.length) best = snapshot();
      return true;
    }
    setBit(call.op, false);
    return false;
  };

  for (;;) {
    if (entry === null || (!entry.isCall && entry.time === Infinity)) {
      // Every operation that returned is linearized; the timed-out rest may come last, or never.
      return { partition, verdict: 'linearizable', steps, linearization: snapshot() };
    }
    if (entry.isCall) {
      if (steps >= budget) return { partition, verdict: 'unknown', steps, linearization: best };
      steps++;
      const alternatives = model.step(state, ops[entry.op]!.op);
      if (tryAlternatives(entry, state, alternatives, 0)) entry = head.next;
      else entry = entry.next;
      continue;
    }
    // A return reached while its operation is still pending: undo the last choice.
    const frame = stack.pop();
    if (frame === undefined) return violation(model, ops, partition, steps, best);
    unlift(frame.entry);
    setBit(frame.entry.op, false);
    state = frame.before;
    if (tryAlternatives(frame.entry, frame.before, frame.alternatives, frame.chosen + 1)) entry = head.next;
    else entry = frame.entry.next;
  }
}

/** Names the operation that cannot follow the longest prefix: the first to return among the rest. */
function violation<S, O>(model: Model<S, O>, ops: readonly HistoryOp<O>[], partition: string, steps: number, best: LinearizationStep<S, O>[]): PartitionResult<S, O> {
  const placed = new Set(best.map((s) => s.op));
  const state = best.length > 0 ? best[best.length - 1]!.after : model.init;
  let stuck: HistoryOp<O> | null = null;
  for (const o of ops) {
    if (placed.has(o) || o.ret === null) continue;
    if (stuck === null || o.ret < stuck.ret!) stuck = o;
  }
  const result: PartitionResult<S, O> = { partition, verdict: 'violation', steps, linearization: best };
  if (stuck !== null) {
    const legal = model.step(state, stuck.op).length > 0;
    const why = legal
      ? `it could take effect in state ${model.describeState(state)}, but then the operations that returned around it cannot all be placed`
      : `it cannot have returned that in state ${model.describeState(state)}, and no other order of the operations before its return works`;
    result.stuck = { op: stuck, why };
  }
  return result;
}

/**
 * Checks a history partitioned by `partitionOf` (P-compositionality: each partition must be a
 * history of an independent object, e.g. one etcd key). Partitions are searched in name order
 * with one shared step budget.
 */
export function checkLinearizability<S, O>(
  model: Model<S, O>,
  history: readonly HistoryOp<O>[],
  partitionOf: (op: O) => string,
  options: CheckOptions = {},
): LinearizabilityResult<S, O> {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const groups = new Map<string, HistoryOp<O>[]>();
  for (const o of history) {
    const p = partitionOf(o.op);
    const list = groups.get(p);
    if (list) list.push(o);
    else groups.set(p, [o]);
  }
  const names = [...groups.keys()].sort();
  const partitions: PartitionResult<S, O>[] = [];
  let steps = 0;
  for (const name of names) {
    const r = checkPartition(model, groups.get(name)!, Math.max(0, maxSteps - steps), name);
    steps += r.steps;
    partitions.push(r);
  }
  const bad = partitions.find((p) => p.verdict === 'violation');
  const verdict: Verdict = bad ? 'violation' : partitions.some((p) => p.verdict === 'unknown') ? 'unknown' : 'linearizable';
  return { verdict, steps, partitions, explanation: bad ? explainViolation(model, bad) : null };
}

function describeHistoryOp<O>(model: Model<unknown, O>, o: HistoryOp<O>): string {
  const when = (pos: number, ms: number | undefined): string => (ms === undefined ? `${pos}` : `${ms} ms (seq ${pos})`);
  const ret = o.ret === null ? 'no response: may or may not have taken effect' : `returned ${when(o.ret, o.retMs)}`;
  return `${o.client}: ${model.describeOp(o.op)} [called ${when(o.call, o.callMs)}, ${ret}]`;
}

/** The witness of a violating partition as text: the longest linearizable prefix and what cannot follow it. */
export function explainViolation<S, O>(model: Model<S, O>, p: PartitionResult<S, O>): string {
  const lines = [`${p.partition === '' ? 'The history' : `Key ${p.partition}`} is not linearizable.`];
  if (p.linearization.length === 0) lines.push('No operation can come first.');
  else {
    lines.push(`The longest linearizable prefix found (${p.linearization.length} operation${p.linearization.length === 1 ? '' : 's'}):`);
    p.linearization.forEach((s, i) => lines.push(`  ${i + 1}. ${describeHistoryOp(model as Model<unknown, O>, s.op)} -> ${model.describeState(s.after)}`));
  }
  if (p.stuck) lines.push(`Nothing can follow it: ${describeHistoryOp(model as Model<unknown, O>, p.stuck.op)}: ${p.stuck.why}.`);
  return lines.join('\n');
}
