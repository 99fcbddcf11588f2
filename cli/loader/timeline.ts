/**
 * spec.timeline: steps `{at, <one verb>, as?}`. Each verb has an entry in VERBS (the same keys as
 * VERB_KEYS in schema.ts): how to read its value and how many names its `as` takes.
 */

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { TargetRef, TimelineAction, TimelineStep } from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { SHAPES, VERB_NAMES, type VerbName } from './schema.ts';
import { bindGroups, defineId, readClientRef, readTargets, type State, type TargetUse } from './targets.ts';
import { listItems, openMap, type Fields, readDuration, readEnum, readString, wrongType, type Ctx, type Val } from './tree.ts';

interface StepInfo {
  index: number;
  atMs: number | undefined;
}

interface Decoded {
  action: TimelineAction;
  /** What `as` binds: 'perGroup' (one name per partition group), 'one' (one name), or nothing. */
  binds: { kind: 'perGroup'; groups: number } | { kind: 'one' } | { kind: 'none'; why: string };
}

type VerbDecoder = (cx: Ctx, st: State, v: Val, step: StepInfo) => Decoded | undefined;

/** What a fault verb's single targets may be. */
const plain = (step: StepInfo): TargetUse => ({ rest: false, step });

const VERBS: Record<VerbName, VerbDecoder> = {
  partition(cx, st, v, step) {
    const items = listItems(cx, v, 'a list of at least 2 groups, each a target or a list of targets');
    if (!items) return undefined;
    if (items.length < 2) {
      return cx.report(v.node, `${v.path} has ${items.length} group${items.length === 1 ? '' : 's'}`, 'a partition splits the members into at least 2 groups', 'list the groups, like partition: [[leader, a follower], rest]');
    }
    const groups: TargetRef[][] = [];
    const seen = new Map<string, number>();
    let restNode: Node | undefined;
    let bad = false;
    items.forEach((item, g) => {
      const targets = readTargets(cx, st, item, { rest: g > 0, step });
      if (!targets) {
        bad = true;
        return;
      }
      const nodes = isSeq(item.node) ? (item.node.items as Node[]) : [item.node];
      targets.forEach((t, k) => {
        const at = nodes[k] ?? item.node;
        if (t === 'rest') {
          if (restNode) {
            cx.report(at, `"rest" appears twice in ${v.path}`, 'rest already takes every member not named before it', 'keep one');
            bad = true;
          }
          restNode = at;
        } else if (/^etcd-\d+$/.test(t)) {
          const other = seen.get(t);
          if (other !== undefined && other !== g) {
            cx.report(at, `member "${t}" is in two groups of ${v.path} (groups ${other} and ${g})`, 'each member is in one group', 'remove it from one of them');
            bad = true;
          }
          seen.set(t, g);
        }
      });
      groups.push(targets);
    });
    if (bad) return undefined;
    return { action: { verb: 'partition', groups }, binds: { kind: 'perGroup', groups: groups.length } };
  },

  cut(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.cut, 'a map {from: <targets>, to: <targets>}');
    if (!f) return undefined;
    const fromV = f.get('from');
    const toV = f.get('to');
    const from = fromV && readTargets(cx, st, fromV, plain(step));
    const to = toV && readTargets(cx, st, toV, { rest: true, step });
    if (!from || !to) return undefined;
    return { action: { verb: 'cut', from, to }, binds: { kind: 'one' } };
  },

  isolate(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'isolate', targets }, binds: { kind: 'one' } };
  },

  heal(cx, st, v, step) {
    if (isScalar(v.node) && v.node.value === 'all') {
      return { action: { verb: 'heal', targets: 'all' }, binds: { kind: 'one' } };
    }
    const targets = readTargets(cx, st, v, plain(step));
    if (!targets) return undefined;
    if (targets.includes('all')) {
      if (targets.length === 1) return { action: { verb: 'heal', targets: 'all' }, binds: { kind: 'one' } };
      return cx.report(v.node, `${v.path} lists "all" with other targets`, 'all already heals every fault', 'write heal: all');
    }
    return { action: { verb: 'heal', targets }, binds: { kind: 'one' } };
  },

  crash(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'crash', targets }, binds: { kind: 'one' } };
  },

  restart(cx, st, v, step) {
    const targets = readTargets(cx, st, v, plain(step));
    return targets && { action: { verb: 'restart', targets }, binds: { kind: 'one' } };
  },

  put(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.put, 'a map {client, key, value}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'put', step);
    const valueV = f.get('value');
    const value = valueV && readString(cx, valueV);
    if (!common || value === undefined) return undefined;
    return { action: { verb: 'put', client: common.client, key: common.key, value, ...common.extra }, binds: common.binds };
  },

  get(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.get, 'a map {client, key}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'get', step);
    const consistencyV = f.get('consistency');
    const consistency = consistencyV ? readEnum(cx, consistencyV, ['linearizable', 'serializable'] as const) : 'linearizable';
    if (!common || consistency === undefined) return undefined;
    return { action: { verb: 'get', client: common.client, key: common.key, consistency, ...common.extra }, binds: common.binds };
  },

  delete(cx, st, v, step) {
    const f = openMap(cx, v, SHAPES.delete, 'a map {client, key}');
    if (!f) return undefined;
    const common = clientOp(cx, st, f, 'delete', step);
    if (!common) return undefined;
    return { action: { verb: 'delete', client: common.client, key: common.key, ...common.extra }, binds: common.binds };
  },
};

/** The fields put, get and delete share: client, key, via, id. */
function clientOp(
  cx: Ctx,
  st: State,
  f: Fields,
  verb: 'put' | 'get' | 'delete',
  step: StepInfo,
): { client: string; key: string; extra: { via?: TargetRef[]; id?: string }; binds: Decoded['binds'] } | undefined {
  const clientV = f.get('client');
  const keyV = f.get('key');
  const viaV = f.get('via');
  const idV = f.get('id');
  const client = clientV && readClientRef(cx, st, clientV, verb, 'etcd');
  const key = keyV && readString(cx, keyV, { nonEmpty: true });
  const via = viaV && readTargets(cx, st, viaV, plain(step));
  const id = idV && defineId(cx, st, idV, verb);
  if (client === undefined || key === undefined || (viaV && !via) || (idV && id === undefined)) return undefined;
  const extra: { via?: TargetRef[]; id?: string } = {};
  if (via) extra.via = via;
  if (id !== undefined) extra.id = id;
  return {
    client,
    key,
    extra,
    binds: via ? { kind: 'one' } : { kind: 'none', why: `this ${verb} has no targets to bind; "as" binds the members of "via"` },
  };
}

/** Pre-pass: every name bound by any step's `as`, so a use before the binding step is told apart from a typo. */
function collectBindings(cx: Ctx, st: State, items: readonly Val[]): void {
  items.forEach((item, index) => {
    if (!isMap(item.node)) return;
    const asPair = item.node.items.find((p) => isScalar(p.key) && p.key.value === 'as');
    const value = asPair?.value as Node | null | undefined;
    if (!value) return;
    const nodes = isSeq(value) ? (value.items as Node[]) : [value];
    for (const n of nodes) {
      if (isScalar(n) && typeof n.value === 'string' && !st.laterGroups.has(n.value)) {
        st.laterGroups.set(n.value, { stepIndex: index, line: cx.position(n).line });
      }
    }
  });
}

export function readTimeline(cx: Ctx, st: State, v: Val): TimelineStep[] | undefined {
  const items = listItems(cx, v, 'a list of steps, each a map {at: <time>, <verb>: …}');
  if (!items) return undefined;
  collectBindings(cx, st, items);
  const steps: TimelineStep[] = [];
  let bad = false;
  items.forEach((item, index) => {
    const step = readStep(cx, st, item, index);
    if (step) steps.push(step);
    else bad = true;
  });
  return bad ? undefined : steps;
}

function readStep(cx: Ctx, st: State, v: Val, index: number): TimelineStep | undefined {
  const f = openMap(cx, v, SHAPES.step, 'a map {at: <time>, <verb>: …}');
  if (!f) return undefined;
  const atV = f.get('at');
  const atMs = atV && readTime(cx, st, atV);
  const verb = VERB_NAMES.find((name) => f.has(name));
  const verbV = verb && f.get(verb);
  const decoded = verb && verbV ? VERBS[verb](cx, st, verbV, { index, atMs }) : undefined;
  const asV = f.get('as');
  const as = asV ? readAs(cx, st, asV, decoded, verb, index, atMs) : [];
  if (atMs === undefined || !decoded || !as) return undefined;
  return { atMs, action: decoded.action, as, source: cx.source(v.node) };
}

/** `as`: one name per group for a partition, a single name otherwise. */
function readAs(
  cx: Ctx,
  st: State,
  v: Val,
  decoded: Decoded | undefined,
  verb: VerbName | undefined,
  index: number,
  atMs: number | undefined,
): string[] | undefined {
  const names: Val[] = isSeq(v.node) ? (listItems(cx, v) ?? []) : [v];
  // Bind what we can even if the arity is wrong, so later uses are not reported as unknown.
  const bound = bindGroups(cx, st, names, index, atMs);
  if (!decoded || !verb) return bound;
  const binds = decoded.binds;
  if (binds.kind === 'none') {
    return cx.report(v.node, `${v.path} is given, but ${binds.why}`, undefined, 'add via, or remove as');
  }
  if (binds.kind === 'perGroup') {
    if (!isSeq(v.node)) {
      return wrongType(cx, v, `a list of ${binds.groups} names, one per partition group`, `write as: [${exampleNames(binds.groups)}]`);
    }
    if (names.length !== binds.groups) {
      return cx.report(
        v.node,
        `${v.path} has ${names.length} name${names.length === 1 ? '' : 's'}, but the partition has ${binds.groups} groups`,
        'one name per group, in the same order',
        `write as: [${exampleNames(binds.groups)}]`,
      );
    }
    return bound;
  }
  if (isSeq(v.node)) {
    return cx.report(
      v.node,
      `${v.path} is a list, but ${verb} binds all its targets to a single name`,
      'a list of names is only for partition, one name per group',
      'write as: <name>, like as: lonely',
    );
  }
  return bound;
}

function exampleNames(n: number): string {
  const names = ['minority', 'majority', 'third', 'fourth', 'fifth'];
  return Array.from({ length: n }, (_, i) => names[i] ?? `group-${i}`).join(', ');
}

/** A point in virtual time: a duration from the start, at most spec.duration. */
export function readTime(cx: Ctx, st: State, v: Val): number | undefined {
  const ms = readDuration(cx, v);
  if (ms === undefined) return undefined;
  return checkWithinRun(cx, st, v, ms, ms);
}

/** Reports a time (or a window ending at `endMs`) past the end of the run. */
export function checkWithinRun(cx: Ctx, st: State, v: Val, value: number, endMs: number, what?: string): number | undefined {
  const end = st.durationMs;
  if (end !== undefined && endMs > end) {
    return cx.report(
      v.node,
      what ?? `${v.path} is ${formatDuration(endMs)}, after the end of the scenario`,
      `spec.duration is ${formatDuration(end)}`,
      `use a time up to ${formatDuration(end)}, or make spec.duration longer`,
    );
  }
  return value;
}
