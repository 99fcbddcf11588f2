/**
 * spec.expect: named expectations `{name, at | within | always, that: {etcd | op}}`.
 * Subjects (`that.*`) are a table keyed like SUBJECT_KEYS in schema.ts, so new ones (pods, nodes,
 * objects) are new entries.
 */

import { isScalar } from 'yaml';
import type { EtcdCondition, Expectation, LeaderCondition, OpCondition, Role, When } from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { SHAPES } from './schema.ts';
import { readClientRef, readTarget, readTargets, type State, type TargetUse } from './targets.ts';
import { checkWithinRun, readTime } from './timeline.ts';
import { closest, listItems, openMap, readBool, readDuration, readEnum, readInt, readString, type Ctx, type Fields, type Val } from './tree.ts';

const ROLE_VALUES: readonly Role[] = ['follower', 'pre-candidate', 'candidate', 'leader'];
const RESULTS = ['ok', 'fail', 'timeout', 'pending'] as const;
const MAX_TERM = 1_000_000_000;

export function readExpectations(cx: Ctx, st: State, v: Val): Expectation[] | undefined {
  const items = listItems(cx, v, 'a list of expectations, each a map {name, at | within | always, that}');
  if (!items) return undefined;
  const names = new Map<string, number>();
  const out: Expectation[] = [];
  let bad = false;
  for (const item of items) {
    const e = readExpectation(cx, st, item, names);
    if (e) out.push(e);
    else bad = true;
  }
  return bad ? undefined : out;
}

function readExpectation(cx: Ctx, st: State, v: Val, names: Map<string, number>): Expectation | undefined {
  const f = openMap(cx, v, SHAPES.expectation, 'a map {name, at | within | always, that}');
  if (!f) return undefined;
  const nameV = f.get('name');
  let name = nameV && readString(cx, nameV, { nonEmpty: true });
  if (nameV && name !== undefined) {
    const previous = names.get(name);
    if (previous !== undefined) {
      name = cx.report(nameV.node, `duplicate expectation name ${JSON.stringify(name)} in ${nameV.path}`, `already used at line ${previous}`, 'give each expectation its own name');
    } else {
      names.set(name, cx.position(nameV.node).line);
    }
  }
  const when = readWhen(cx, st, f);
  const use: TargetUse = { rest: false, expectFromMs: when ? startOf(when) : undefined };
  const thatV = f.get('that');
  const thatF = thatV && openMap(cx, thatV, SHAPES.that, 'a map with one subject: {etcd: …} or {op: …}');
  const etcdV = thatF?.get('etcd');
  const opV = thatF?.get('op');
  const etcd = etcdV && readEtcdCondition(cx, st, etcdV, use);
  const op = opV && readOpCondition(cx, st, opV);
  if (name === undefined || !when || !thatF || (etcdV && !etcd) || (opV && !op) || (!etcdV && !opV)) return undefined;
  const e: Expectation = { name, when, source: cx.source(v.node) };
  if (etcd) e.etcd = etcd;
  if (op) e.op = op;
  return e;
}

function startOf(when: When): number {
  return when.mode === 'at' ? when.atMs : when.mode === 'within' ? when.afterMs : when.fromMs;
}

function readWhen(cx: Ctx, st: State, f: Fields): When | undefined {
  const atV = f.get('at');
  if (atV) {
    const atMs = readTime(cx, st, atV);
    return atMs === undefined ? undefined : { mode: 'at', atMs };
  }
  const withinV = f.get('within');
  if (withinV) {
    const w = openMap(cx, withinV, SHAPES.within, 'a map {after: <time>, limit: <duration>}');
    if (!w) return undefined;
    const afterV = w.get('after');
    const limitV = w.get('limit');
    const afterMs = afterV && readTime(cx, st, afterV);
    let limitMs = limitV && readDuration(cx, limitV);
    if (limitV && limitMs === 0) {
      limitMs = cx.report(limitV.node, `${limitV.path} is 0`, 'a limit above 0: the condition must hold at some moment in [after, after + limit]', 'give a positive limit, or use at: for one moment');
    }
    if (afterMs === undefined || limitMs === undefined || !limitV) return undefined;
    const end = afterMs + limitMs;
    const ok = checkWithinRun(cx, st, limitV, limitMs, end, `${withinV.path} ends at ${formatDuration(end)} (after + limit), after the end of the scenario`);
    return ok === undefined ? undefined : { mode: 'within', afterMs, limitMs };
  }
  const alwaysV = f.get('always');
  if (alwaysV) {
    const a = openMap(cx, alwaysV, SHAPES.always, 'a map {from: <time>, to: <time>}');
    if (!a) return undefined;
    const fromV = a.get('from');
    const toV = a.get('to');
    const fromMs = fromV && readTime(cx, st, fromV);
    const toMs = toV && readTime(cx, st, toV);
    if (fromMs === undefined || toMs === undefined || !toV) return undefined;
    if (toMs < fromMs) {
      return cx.report(toV.node, `${toV.path} is ${formatDuration(toMs)}, before from (${formatDuration(fromMs)})`, 'from <= to', 'swap them');
    }
    return { mode: 'always', fromMs, toMs };
  }
  return undefined; // openMap reported the missing timing
}

function readEtcdCondition(cx: Ctx, st: State, v: Val, use: TargetUse): EtcdCondition | undefined {
  const f = openMap(cx, v, SHAPES.etcdCondition, 'a map of conditions, like {leader: any}');
  if (!f) return undefined;
  const c: EtcdCondition = {};
  let bad = false;
  const take = <T>(key: string, read: (v: Val) => T | undefined, set: (value: T) => void): void => {
    const fv = f.get(key);
    if (!fv) return;
    const value = read(fv);
    if (value === undefined) bad = true;
    else set(value);
  };
  take('group', (g) => readTargets(cx, st, g, use), (g) => (c.group = g));
  take('leader', (l) => readLeader(cx, st, l, use), (l) => (c.leader = l));
  take('role', (r) => readRole(cx, st, r, use), (r) => (c.role = r));
  take('term', (t) => readTerm(cx, st, t, use), (t) => (c.term = t));
  take('termAbove', (t) => readTime(cx, st, t), (t) => (c.termAboveAtMs = t));
  take('leaderUnchangedSince', (t) => readTime(cx, st, t), (t) => (c.leaderUnchangedSinceMs = t));
  take('leaderChangedSince', (t) => readTime(cx, st, t), (t) => (c.leaderChangedSinceMs = t));
  take('logsIdentical', (l) => readTrue(cx, l, 'every considered live member has the same log'), (l) => (c.logsIdentical = l));
  take('value', (x) => readValueCondition(cx, x), (x) => (c.value = x));
  return bad ? undefined : c;
}

function readLeader(cx: Ctx, st: State, v: Val, use: TargetUse): LeaderCondition | undefined {
  if (isScalar(v.node) && (v.node.value === 'none' || v.node.value === 'any')) return { kind: v.node.value };
  const targets = readTargets(cx, st, v, use);
  return targets && { kind: 'oneOf', targets };
}

function readRole(cx: Ctx, st: State, v: Val, use: TargetUse): EtcdCondition['role'] {
  const f = openMap(cx, v, SHAPES.role, 'a map {member: <target>, is: <role>}');
  if (!f) return undefined;
  const memberV = f.get('member');
  const isV = f.get('is');
  const member = memberV && readTarget(cx, st, memberV, use);
  const is = isV && readEnum(cx, isV, ROLE_VALUES);
  return member !== undefined && is !== undefined ? { member, is } : undefined;
}

function readTerm(cx: Ctx, st: State, v: Val, use: TargetUse): EtcdCondition['term'] {
  const f = openMap(cx, v, SHAPES.term, 'a map {member: <target>, equals: <n>} or {member, atLeast: <n>}');
  if (!f) return undefined;
  const memberV = f.get('member');
  const equalsV = f.get('equals');
  const atLeastV = f.get('atLeast');
  const member = memberV && readTarget(cx, st, memberV, use);
  const equals = equalsV && readInt(cx, equalsV, 0, MAX_TERM);
  const atLeast = atLeastV && readInt(cx, atLeastV, 0, MAX_TERM);
  if (member === undefined || (equalsV && equals === undefined) || (atLeastV && atLeast === undefined)) return undefined;
  if (equals === undefined && atLeast === undefined) return undefined; // openMap reported it
  const t: NonNullable<EtcdCondition['term']> = { member };
  if (equals !== undefined) t.equals = equals;
  if (atLeast !== undefined) t.atLeast = atLeast;
  return t;
}

function readValueCondition(cx: Ctx, v: Val): EtcdCondition['value'] {
  const f = openMap(cx, v, SHAPES.value, 'a map {key, equals: <value>} or {key, absent: true}');
  if (!f) return undefined;
  const keyV = f.get('key');
  const equalsV = f.get('equals');
  const absentV = f.get('absent');
  const key = keyV && readString(cx, keyV, { nonEmpty: true });
  const equals = equalsV && readString(cx, equalsV);
  const absent = absentV && readTrue(cx, absentV, 'the key has no value');
  if (key === undefined || (equalsV && equals === undefined) || (absentV && absent === undefined)) return undefined;
  if (equals === undefined && absent === undefined) return undefined; // openMap reported it
  const out: NonNullable<EtcdCondition['value']> = { key };
  if (equals !== undefined) out.equals = equals;
  if (absent !== undefined) out.absent = absent;
  return out;
}

/** A flag that only makes sense as `true` (false is reserved; leave the field out instead). */
function readTrue(cx: Ctx, v: Val, meaning: string): true | undefined {
  const b = readBool(cx, v);
  if (b === false) {
    return cx.report(v.node, `${v.path} is false`, `only true is supported: it asserts that ${meaning}`, `remove the line to not check it`);
  }
  return b;
}

function readOpCondition(cx: Ctx, st: State, v: Val): OpCondition | undefined {
  const f = openMap(cx, v, SHAPES.opCondition, 'a map like {id: w1, result: ok} or {client: app, key: /k, acknowledged: false}');
  if (!f) return undefined;
  const idV = f.get('id');
  const clientV = f.get('client');
  const keyV = f.get('key');
  const c: OpCondition = {};
  let bad = false;

  // Which operations: one by id, or every write of a client to a key.
  let opVerb: 'put' | 'get' | 'delete' | 'writes' | undefined;
  let opWhat = '';
  if (idV) {
    const id = readString(cx, idV, { nonEmpty: true });
    const info = id === undefined ? undefined : st.ids.get(id);
    if (id !== undefined && !info) {
      const ids = [...st.ids.keys()];
      const guess = closest(id, ids);
      cx.report(
        idV.node,
        `unknown op id "${id}" in ${idV.path}`,
        ids.length > 0 ? `ids defined in the timeline: ${ids.join(', ')}` : 'no timeline step defines an id',
        guess ? `did you mean "${guess}"?` : 'add id: to the put, get or delete you mean',
      );
    }
    if (id === undefined || !info) bad = true;
    else {
      c.id = id;
      opVerb = info.verb;
      opWhat = `"${id}" is a ${info.verb} (${info.path}, line ${info.line})`;
    }
    const extra = clientV ?? keyV;
    if (extra) {
      cx.report(extra.key ?? extra.node, `${v.path} gives both id and ${extra.name}`, 'either id (one operation), or client and key (every write of a client to a key)', `remove ${extra.name}`);
      bad = true;
    }
  } else {
    const client = clientV && readClientRef(cx, st, clientV, 'an op condition', 'etcd');
    const key = keyV && readString(cx, keyV, { nonEmpty: true });
    if (!clientV || !keyV) {
      const missing = !clientV ? 'client' : 'key';
      cx.report(v.key ?? v.node, `${v.path} has no ${missing}`, 'either id (one operation), or client and key (every write of a client to a key)', `add ${missing}: ${SHAPES.opCondition.keys[missing].example}`);
      bad = true;
    }
    if (client === undefined || key === undefined) bad = true;
    else {
      c.client = client;
      c.key = key;
      opVerb = 'writes';
      opWhat = `client and key select writes (puts and deletes)`;
    }
  }

  const isRead = opVerb === 'get';
  const onlyFor = (fv: Val, kind: 'writes' | 'reads'): boolean => {
    if (opVerb === undefined) return true; // already reported
    if ((kind === 'reads') === isRead) return true;
    cx.report(fv.node, `${fv.path} is about ${kind}, but ${opWhat}`, undefined, kind === 'reads' ? 'use id: of a get' : 'use result: for a get');
    return false;
  };
  const ackV = f.get('acknowledged');
  if (ackV) {
    const ack = readBool(cx, ackV);
    if (ack === undefined || !onlyFor(ackV, 'writes')) bad = true;
    else c.acknowledged = ack;
  }
  const resultV = f.get('result');
  if (resultV) {
    const result = readEnum(cx, resultV, RESULTS);
    if (result === undefined) bad = true;
    else c.result = result;
  }
  const readValueV = f.get('readValue');
  if (readValueV) {
    const rv = readString(cx, readValueV);
    if (rv === undefined || !onlyFor(readValueV, 'reads')) bad = true;
    else c.readValue = rv;
  }
  const readAbsentV = f.get('readAbsent');
  if (readAbsentV) {
    const ra = readTrue(cx, readAbsentV, 'the read found no value');
    if (ra === undefined || !onlyFor(readAbsentV, 'reads')) bad = true;
    else c.readAbsent = ra;
  }
  return bad ? undefined : c;
}
