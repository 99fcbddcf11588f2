/**
 * spec.expect: named expectations `{name, at | within | always, that: {<one subject>}}`.
 * Subjects (`that.*`) are a table (SUBJECTS) keyed like SUBJECT_KEYS in schema.ts: etcd and op
 * about etcd; pods, node, object, request and event about Kubernetes.
 */

import { isMap, isScalar, isSeq } from 'yaml';
import { parseFieldPath } from '../../actors/api/fields.ts';
import type {
  EtcdCondition,
  EventCondition,
  Expectation,
  LeaderCondition,
  Match,
  NodeCondition,
  ObjectCondition,
  OpCondition,
  PodsCondition,
  RequestCondition,
  Role,
  Scalar,
  When,
} from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { selectorProblem } from './labels.ts';
import { SHAPES, SUBJECT_NAMES, type SubjectName } from './schema.ts';
import { readTrafficCondition } from './traffic.ts';
import { ETCD_ID_VERBS, kubernetesOff, readClientRef, readNodeRef, readTarget, readTargets, type State, type TargetUse } from './targets.ts';
import { WORKLOAD_FIELDS } from '../../actors/scenario/workload-conditions.ts';
import { TRACE_PROPERTY_NAMES } from '../../actors/scenario/trace-properties.ts';
import { WORKLOAD_COUNTS, type CountMatch, type WorkloadCondition } from '../../actors/scenario/spec.ts';
import { checkWithinRun, readNamespace, readObjectField, readObjectRef, readTime } from './timeline.ts';
import { closest, listItems, openMap, readBool, readDuration, readEnum, readInt, readList, readString, wrongType, type Ctx, type Fields, type Val } from './tree.ts';

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
  const use: TargetUse = { rest: false, expectFromMs: when ? startOf(when, st) : undefined };
  const thatV = f.get('that');
  const thatF = thatV && openMap(cx, thatV, SHAPES.that, `a map with one subject: ${SUBJECT_NAMES.map((k) => `{${k}: …}`).join(', ')}`);
  const subject = thatF && SUBJECT_NAMES.find((k) => thatF.has(k));
  const subjectV = subject && thatF?.get(subject);
  let condition = subject && subjectV ? SUBJECTS[subject](cx, st, subjectV, use) : undefined;
  if (condition?.property && when && (when.mode === 'within' || when.mode === 'always') && subjectV) {
    // A trace property is judged once over the trace so far, not after every event.
    condition = cx.report(
      subjectV.node,
      `${subjectV.path} is judged once, over the trace up to one moment, so its expectation cannot use ${when.mode}`,
      'at: end (the whole run) or at: <time> (the trace up to then)',
      `replace ${when.mode}: with at: end`,
    );
  }
  if (name === undefined || !when || !condition) return undefined;
  return { name, when, ...condition, source: cx.source(v.node) };
}

type Subject = Omit<Expectation, 'name' | 'when' | 'source'>;

/** Subjects about Kubernetes need the control plane. */
const k8s =
  (read: (cx: Ctx, st: State, v: Val) => Subject | undefined) =>
  (cx: Ctx, st: State, v: Val): Subject | undefined =>
    st.kubernetes ? read(cx, st, v) : kubernetesOff(cx, v);

const SUBJECTS: Record<SubjectName, (cx: Ctx, st: State, v: Val, use: TargetUse) => Subject | undefined> = {
  etcd: (cx, st, v, use) => {
    const etcd = readEtcdCondition(cx, st, v, use);
    return etcd && { etcd };
  },
  op: (cx, st, v) => {
    const op = readOpCondition(cx, st, v);
    return op && { op };
  },
  pods: k8s((cx, _st, v) => {
    const pods = readPodsCondition(cx, v);
    return pods && { pods };
  }),
  node: k8s((cx, st, v) => {
    const node = readNodeCondition(cx, st, v);
    return node && { node };
  }),
  object: k8s((cx, _st, v) => {
    const object = readObjectCondition(cx, v);
    return object && { object };
  }),
  request: k8s((cx, st, v) => {
    const request = readRequestCondition(cx, st, v);
    return request && { request };
  }),
  event: k8s((cx, _st, v) => {
    const event = readEventCondition(cx, v);
    return event && { event };
  }),
  workload: k8s((cx, _st, v) => {
    const workload = readWorkloadCondition(cx, v);
    return workload && { workload };
  }),
  rollout: k8s((cx, _st, v) => {
    const f = openMap(cx, v, SHAPES.rolloutCondition, 'a map like {object: deployment/web}');
    if (!f) return undefined;
    const object = readObjectField(cx, f, (info, objectV) =>
      info.kind === 'Deployment' ? true : cx.report(objectV.node, `${objectV.path} is a ${info.kind.toLowerCase()}`, 'rollout bounds are a Deployment\'s (maxSurge, maxUnavailable)', 'name a deployment/<name>'),
    );
    return object && { rollout: { object } };
  }),
  endpoints: k8s((cx, _st, v) => {
    const f = openMap(cx, v, SHAPES.endpointsCondition, 'a map like {service: web}');
    if (!f) return undefined;
    const serviceV = f.get('service');
    let service = serviceV && readString(cx, serviceV, { nonEmpty: true });
    if (serviceV && service !== undefined && !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(service)) {
      service = cx.report(serviceV.node, `${serviceV.path} is "${service}", not a Service name`, 'a DNS-1035 label: lower-case letters, digits and "-", starting with a letter, at most 63 characters', 'write the Service\'s metadata.name, like web');
    }
    const namespaceV = f.get('namespace');
    const namespace = namespaceV ? readNamespace(cx, namespaceV) : 'default';
    if (service === undefined || namespace === undefined) return undefined;
    return { endpoints: { service, ...(namespace !== 'default' ? { namespace } : {}) } };
  }),
  running: k8s((cx, _st, v) => {
    const f = openMap(cx, v, SHAPES.runningCondition, 'a map like {object: deployment/web, maxAtOnce: {atMost: 4}}');
    if (!f) return undefined;
    let kind: string | undefined;
    const object = readObjectField(cx, f, (info, objectV) => {
      kind = info.kind.toLowerCase();
      return RUNNING_KINDS.includes(kind)
        ? true
        : cx.report(objectV.node, `${objectV.path} is a ${kind}, which runs no pods of its own`, `that.running counts the pods of a ${RUNNING_KINDS.join(', ')}`, 'name a workload, like deployment/web');
    });
    const countV = f.get('count');
    const maxV = f.get('maxAtOnce');
    const count = countV && readCountMatch(cx, countV);
    const maxAtOnce = maxV && readCountMatch(cx, maxV);
    if (!object || !kind || (countV && count === undefined) || (maxV && maxAtOnce === undefined)) return undefined;
    return { running: { object: { ...object, kind }, ...(count !== undefined ? { count } : {}), ...(maxAtOnce !== undefined ? { maxAtOnce } : {}) } };
  }),
  env: k8s((cx, _st, v) => {
    const f = openMap(cx, v, SHAPES.envCondition, 'a map like {selector: app=client, has: [WEB_SERVICE_HOST]}');
    if (!f) return undefined;
    const namespaceV = f.get('namespace');
    const namespace = namespaceV ? readNamespace(cx, namespaceV) : 'default';
    const selectorV = f.get('selector');
    const selector = selectorV ? readSelector(cx, selectorV) : undefined;
    const names = (key: 'has' | 'lacks') => {
      const x = f.get(key);
      return x ? readList(cx, x, (item) => readString(cx, item, { nonEmpty: true }), 'a list of variable names') : [];
    };
    const has = names('has');
    const lacks = names('lacks');
    if (namespace === undefined || (selectorV && selector === undefined) || !has || !lacks) return undefined;
    return { env: { namespace, ...(selector !== undefined ? { selector } : {}), has, lacks } };
  }),
  dns: k8s((cx, st, v) => {
    const f = openMap(cx, v, SHAPES.dnsCondition, 'a map like {id: q1, rcode: NOERROR, answers: 1}');
    if (!f) return undefined;
    const idV = f.get('id');
    let id = idV && readString(cx, idV, { nonEmpty: true });
    if (idV && id !== undefined && st.ids.get(id)?.verb !== 'dig') {
      const digs = [...st.ids].filter(([, i]) => i.verb === 'dig').map(([k]) => k);
      id = cx.report(idV.node, `${idV.path}: "${id}" is not the id of a dig step`, digs.length ? `dig steps: ${digs.join(', ')}` : 'no dig step defines an id', 'add a dig step with this id');
    }
    const rcodeV = f.get('rcode');
    const rcode = rcodeV ? readEnum(cx, rcodeV, ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'timeout'] as const) : undefined;
    const answersV = f.get('answers');
    const answers = answersV ? readCountMatch(cx, answersV) : undefined;
    const typeV = f.get('type');
    const type = typeV ? readEnum(cx, typeV, ['A', 'AAAA', 'SRV', 'PTR', 'CNAME'] as const) : undefined;
    const containsV = f.get('contains');
    const contains = containsV ? readString(cx, containsV, { nonEmpty: true }) : undefined;
    if (id === undefined || (rcodeV && !rcode) || (answersV && answers === undefined) || (typeV && !type) || (containsV && contains === undefined)) return undefined;
    return { dns: { id, ...(rcode ? { rcode } : {}), ...(answers !== undefined ? { answers } : {}), ...(type ? { type } : {}), ...(contains ? { contains } : {}) } };
  }),
  traffic: k8s((cx, st, v) => {
    const traffic = readTrafficCondition(cx, st, v, st.trafficSources, readCountMatch);
    return traffic && { traffic };
  }),
  property: (cx, _st, v) => {
    const name = readEnum(cx, v, TRACE_PROPERTY_NAMES);
    return name && { property: { name } };
  },
};

/** Kinds whose pods `that.running` counts (a pod counts for its controller; a ReplicaSet's for its Deployment). */
const RUNNING_KINDS = ['deployment', 'replicaset', 'statefulset', 'daemonset', 'replicationcontroller', 'job'];

const MAX_WORKLOAD_COUNT = 1_000_000;

function readWorkloadCondition(cx: Ctx, v: Val): WorkloadCondition | undefined {
  const f = openMap(cx, v, SHAPES.workloadCondition, 'a map like {object: deployment/web, available: 3}');
  if (!f) return undefined;
  let kind: string | undefined;
  const object = readObjectField(cx, f, (info, objectV) => {
    kind = info.kind.toLowerCase();
    return WORKLOAD_FIELDS[kind]
      ? true
      : cx.report(objectV.node, `${objectV.path} is a ${kind}, not a workload`, `that.workload reads the status of a ${Object.keys(WORKLOAD_FIELDS).join(', ')}`, 'name a workload, like deployment/web, or use that.object for a field');
  });
  const counts: WorkloadCondition['counts'] = {};
  let bad = !object;
  for (const count of WORKLOAD_COUNTS) {
    const cv = f.get(count);
    if (!cv) continue;
    if (kind && WORKLOAD_FIELDS[kind] && !WORKLOAD_FIELDS[kind]![count]) {
      const has = Object.keys(WORKLOAD_FIELDS[kind]!);
      cx.report(cv.key ?? cv.node, `${cv.path} is given, but a ${kind} has no ${count} count`, `a ${kind}'s counts: ${has.join(', ')}`, `use one of ${has.join(', ')}`);
      bad = true;
      continue;
    }
    const m = readCountMatch(cx, cv);
    if (m === undefined) bad = true;
    else counts[count] = m;
  }
  const condV = f.get('condition');
  let condition: WorkloadCondition['condition'];
  if (condV) {
    const cf = openMap(cx, condV, SHAPES.workloadConditionStatus, 'a map {type: Available, status: "True"}');
    const typeV = cf?.get('type');
    const statusV = cf?.get('status');
    const reasonV = cf?.get('reason');
    const type = typeV && readString(cx, typeV, { nonEmpty: true });
    const status = statusV && readMatch(cx, statusV, (x) => readEnum(cx, x, CONDITION_STATUSES));
    const reason = reasonV && readMatch(cx, reasonV, (x) => readString(cx, x, { nonEmpty: true }));
    if (type === undefined || status === undefined || (reasonV && reason === undefined)) bad = true;
    else condition = { type, status, ...(reason !== undefined ? { reason } : {}) };
  }
  if (bad || !object) return undefined;
  return { object, counts, ...(condition ? { condition } : {}) };
}

/** A count: a number, {not: …}, {in: […]}, or {atLeast: n, atMost: m} (either or both). */
export function readCountMatch(cx: Ctx, v: Val): CountMatch | undefined {
  const one = (x: Val): number | undefined => readInt(cx, x, 0, MAX_WORKLOAD_COUNT);
  if (isMap(v.node) && v.node.items.some((p) => isScalar(p.key) && (p.key.value === 'atLeast' || p.key.value === 'atMost'))) {
    const f = openMap(cx, v, SHAPES.countBound, 'a number, {not: n}, {in: [a, b]}, or {atLeast: n, atMost: m}');
    if (!f) return undefined;
    if (f.has('not') || f.has('in')) {
      return cx.report(v.node, `${v.path} mixes bounds with not/in`, 'bounds ({atLeast, atMost}) or one comparison ({not} or {in})', 'keep atLeast/atMost, or write {not: …} alone');
    }
    const lo = f.get('atLeast');
    const hi = f.get('atMost');
    const atLeast = lo && one(lo);
    const atMost = hi && one(hi);
    if ((lo && atLeast === undefined) || (hi && atMost === undefined)) return undefined;
    if (atLeast !== undefined && atMost !== undefined && atLeast > atMost) {
      return cx.report(v.node, `${v.path} has atLeast ${atLeast} above atMost ${atMost}`, 'no count can satisfy both', 'swap them');
    }
    return { ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) };
  }
  return readMatch(cx, v, one);
}

function startOf(when: When, st: State): number {
  if (when.mode === 'end') return st.durationMs ?? Number.MAX_SAFE_INTEGER;
  return when.mode === 'at' ? when.atMs : when.mode === 'within' ? when.afterMs : when.fromMs;
}

function readWhen(cx: Ctx, st: State, f: Fields): When | undefined {
  const atV = f.get('at');
  if (atV) {
    // `at: end`: once the run is over, after its last event.
    if (isScalar(atV.node) && atV.node.value === 'end') return { mode: 'end' };
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
  const equals = equalsV && readMatch(cx, equalsV, (x) => readString(cx, x));
  const absent = absentV && readTrue(cx, absentV, 'the key has no value');
  if (key === undefined || (equalsV && equals === undefined) || (absentV && absent === undefined)) return undefined;
  if (equals === undefined && absent === undefined) return undefined; // openMap reported it
  const out: NonNullable<EtcdCondition['value']> = { key };
  if (equals !== undefined) out.equals = equals;
  if (absent !== undefined) out.absent = absent;
  return out;
}

/**
 * A compared value: `v` (equal to it), `{not: v}` or `{not: [a, b]}` (set, and none of them), or
 * `{in: [a, b]}` (one of them). Each value is read with `one`, so its type is checked as for a
 * plain value. Lists in the result are never empty.
 */
export function readMatch<T extends Scalar>(cx: Ctx, v: Val, one: (v: Val) => T | undefined): Match<T> | undefined {
  if (isSeq(v.node)) {
    return cx.report(v.node, `${v.path} is a list`, 'one value, {not: <value>} or {in: [<value>, …]}', `to allow any of these values, write ${v.name}: {in: ${cx.sourceText(v.node)}}`);
  }
  if (!isMap(v.node)) return one(v);
  const f = openMap(cx, v, SHAPES.match, 'a value, {not: <value>} or {in: [<value>, …]}');
  if (!f) return undefined;
  const notV = f.get('not');
  const inV = f.get('in');
  const list = (lv: Val, form: string): T[] | undefined => {
    if (isSeq(lv.node) && lv.node.items.length === 0) {
      return cx.report(lv.node, `${lv.path} is an empty list`, `${form} takes at least one value`, `give the values, like ${form}: [a, b]`);
    }
    return readList(cx, lv, one, 'a list of values, like [a, b]');
  };
  if (notV) {
    const not = isSeq(notV.node) ? list(notV, 'not') : one(notV);
    return not === undefined ? undefined : { not: Array.isArray(not) ? not : [not] };
  }
  if (inV) {
    if (!isSeq(inV.node)) {
      return cx.report(inV.node, `${inV.path} is not a list`, 'in takes a list of the values allowed', `write in: [${cx.sourceText(inV.node)}], or compare with the value itself`);
    }
    const values = list(inV, 'in');
    return values === undefined ? undefined : { in: values };
  }
  return undefined; // openMap reported the missing comparison
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
    if (id !== undefined && info && !ETCD_ID_VERBS.includes(info.verb)) {
      cx.report(idV.node, `id "${id}" in ${idV.path} is a kubectl-like step (${info.verb}, ${info.path}, line ${info.line}), not an etcd operation`, 'that.op is about put, get and delete of etcd clients', `use that: {request: {id: ${id}, …}}`);
      bad = true;
    } else if (id === undefined || !info) bad = true;
    else {
      c.id = id;
      opVerb = info.verb as 'put' | 'get' | 'delete';
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
    const rv = readMatch(cx, readValueV, (x) => readString(cx, x));
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

// ---------------------------------------------------------------------------------------------
// Kubernetes subjects

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
const NODE_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
const MAX_COUNT = 1_000_000;

function readPodsCondition(cx: Ctx, v: Val): PodsCondition | undefined {
  const f = openMap(cx, v, SHAPES.podsCondition, 'a map like {selector: app=web, phase: Running, count: 3}');
  if (!f) return undefined;
  let bad = false;
  const namespaceV = f.get('namespace');
  const namespace = namespaceV ? readNamespace(cx, namespaceV) : 'default';
  if (namespace === undefined) bad = true;
  const c: PodsCondition = { namespace: namespace ?? 'default' };
  const selectorV = f.get('selector');
  if (selectorV) {
    const selector = readSelector(cx, selectorV);
    if (selector === undefined) bad = true;
    else c.selector = selector;
  }
  const phaseV = f.get('phase');
  if (phaseV) {
    const phase = readEnum(cx, phaseV, PHASES);
    if (phase === undefined) bad = true;
    else c.phase = phase;
  }
  const readyV = f.get('ready');
  if (readyV) {
    const ready = readBool(cx, readyV);
    if (ready === undefined) bad = true;
    else c.ready = ready;
  }
  const scheduledV = f.get('scheduled');
  if (scheduledV) {
    const scheduled = readBool(cx, scheduledV);
    if (scheduled === undefined) bad = true;
    else c.scheduled = scheduled;
  }
  const nodeNameV = f.get('nodeName');
  if (nodeNameV) {
    const nodeName = readMatch(cx, nodeNameV, (x) => readString(cx, x, { nonEmpty: true }));
    if (nodeName === undefined) bad = true;
    else c.nodeName = nodeName;
  }
  const countV = f.get('count');
  if (countV) {
    const count = readInt(cx, countV, 0, MAX_COUNT);
    if (count === undefined) bad = true;
    else c.count = count;
  }
  return bad ? undefined : c;
}

/** A label selector in Kubernetes syntax, checked (labels.ts). */
function readSelector(cx: Ctx, v: Val): string | undefined {
  const selector = readString(cx, v);
  if (selector === undefined) return undefined;
  const problem = selectorProblem(selector);
  if (problem) {
    return cx.report(
      v.node,
      `invalid label selector ${JSON.stringify(selector)} in ${v.path}: ${problem}`,
      'a label selector as kubectl -l takes it: app=web,tier!=cache, env in (a, b), !canary',
      'write it like selector: app=web',
    );
  }
  return selector;
}

function readNodeCondition(cx: Ctx, st: State, v: Val): NodeCondition | undefined {
  const f = openMap(cx, v, SHAPES.nodeCondition, 'a map like {name: worker-0, condition: {type: Ready, status: "True"}}');
  if (!f) return undefined;
  const nameV = f.get('name');
  const name = nameV && readNodeRef(cx, st, nameV);
  const conditionV = f.get('condition');
  let condition: NodeCondition['condition'];
  let bad = false;
  if (conditionV) {
    const cf = openMap(cx, conditionV, SHAPES.nodeConditionStatus, 'a map {type: Ready, status: "True"}');
    const typeV = cf?.get('type');
    const statusV = cf?.get('status');
    const type = typeV && readEnum(cx, typeV, NODE_CONDITION_TYPES);
    const status = statusV && readMatch(cx, statusV, (x) => readConditionStatus(cx, x));
    if (type === undefined || status === undefined) bad = true;
    else condition = { type, status };
  }
  const registeredV = f.get('registered');
  const registered = registeredV && readBool(cx, registeredV);
  if (name === undefined || bad || (registeredV && registered === undefined)) return undefined;
  const c: NodeCondition = { name };
  if (condition) c.condition = condition;
  if (registered !== undefined) c.registered = registered;
  return c;
}

/** "True", "False" or "Unknown": strings, as in the API (YAML reads a bare True as a boolean). */
function readConditionStatus(cx: Ctx, v: Val): 'True' | 'False' | 'Unknown' | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value === 'boolean') {
    const word = value ? 'True' : 'False';
    return wrongType(cx, v, 'the string "True", "False" or "Unknown"', `quote it: status: "${word}"`);
  }
  return readEnum(cx, v, CONDITION_STATUSES);
}

function readObjectCondition(cx: Ctx, v: Val): ObjectCondition | undefined {
  const f = openMap(cx, v, SHAPES.objectCondition, 'a map like {object: deployment/web, field: status.readyReplicas, equals: 3}');
  if (!f) return undefined;
  const object = readObjectField(cx, f);
  const fieldV = f.get('field');
  let field = fieldV && readString(cx, fieldV, { nonEmpty: true });
  if (field !== undefined && fieldV && parseFieldPath(field) === undefined) {
    field = cx.report(
      fieldV.node,
      `${fieldV.path} "${field}" is not a field path`,
      'field names separated by ".", each maybe followed by list indexes: status.readyReplicas, spec.containers[0].image',
      'write it like field: status.phase',
    );
  }
  const equalsV = f.get('equals');
  let equals: ObjectCondition['equals'];
  if (equalsV) {
    equals = readMatch(cx, equalsV, (x) => {
      const value = isScalar(x.node) ? x.node.value : undefined;
      if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
      return wrongType(cx, x, 'a string, a number or a boolean', 'compare one field at a time, like equals: 3');
    });
    if (!fieldV) cx.report(equalsV.key ?? equalsV.node, `${equalsV.path} needs field`, 'equals compares one field of the object', 'add field:, like field: status.phase');
  }
  const existsV = f.get('exists');
  const exists = existsV && readBool(cx, existsV);
  if (!object || (fieldV && field === undefined) || (equalsV && (equals === undefined || !fieldV)) || (existsV && exists === undefined)) return undefined;
  if (equals === undefined && exists === undefined) return undefined; // openMap reported it
  const c: ObjectCondition = { object };
  if (field !== undefined) c.field = field;
  if (equals !== undefined) c.equals = equals;
  if (exists !== undefined) c.exists = exists;
  return c;
}

function readRequestCondition(cx: Ctx, st: State, v: Val): RequestCondition | undefined {
  const f = openMap(cx, v, SHAPES.requestCondition, 'a map like {id: d1, code: 403, messageContains: forbidden}');
  if (!f) return undefined;
  const idV = f.get('id');
  let id = idV && readString(cx, idV, { nonEmpty: true });
  if (id !== undefined && idV) {
    const info = st.ids.get(id);
    if (!info) {
      const kubectlIds = [...st.ids].filter(([, i]) => !ETCD_ID_VERBS.includes(i.verb)).map(([k]) => k);
      const guess = closest(id, kubectlIds);
      id = cx.report(
        idV.node,
        `unknown request id "${id}" in ${idV.path}`,
        kubectlIds.length > 0 ? `ids of kubectl-like steps: ${kubectlIds.join(', ')}` : 'no kubectl-like step (apply, delete, scale, patch, cordon, uncordon) defines an id',
        guess ? `did you mean "${guess}"?` : 'add id: to the step you mean',
      );
    } else if (ETCD_ID_VERBS.includes(info.verb)) {
      id = cx.report(idV.node, `id "${id}" in ${idV.path} is an etcd ${info.verb} (${info.path}, line ${info.line}), not a kubectl-like step`, 'that.request is about apply, delete, scale, patch, cordon and uncordon', `use that: {op: {id: ${id}, …}}`);
    }
  }
  const codeV = f.get('code');
  const code = codeV && readMatch(cx, codeV, (x) => readInt(cx, x, 100, 599));
  const messageV = f.get('messageContains');
  const message = messageV && readString(cx, messageV, { nonEmpty: true });
  if (id === undefined || (codeV && code === undefined) || (messageV && message === undefined)) return undefined;
  const c: RequestCondition = { id };
  if (code !== undefined) c.code = code;
  if (message !== undefined) c.messageContains = message;
  return c;
}

function readEventCondition(cx: Ctx, v: Val): EventCondition | undefined {
  const f = openMap(cx, v, SHAPES.eventCondition, 'a map like {reason: FailedScheduling, object: pod/web}');
  if (!f) return undefined;
  const reasonV = f.get('reason');
  const reason = reasonV && readString(cx, reasonV, { nonEmpty: true });
  const messageV = f.get('messageContains');
  const message = messageV && readString(cx, messageV, { nonEmpty: true });
  const namespaceV = f.get('namespace');
  const namespace = namespaceV && readNamespace(cx, namespaceV);
  const objectV = f.get('object');
  // The event's namespace is also its object's (for namespaced kinds); events about nodes live in "default".
  const object = objectV && readObjectRef(cx, objectV, undefined);
  if (reason === undefined || (messageV && message === undefined) || (namespaceV && namespace === undefined) || (objectV && !object)) return undefined;
  const c: EventCondition = { reason };
  if (message !== undefined) c.messageContains = message;
  if (object) c.object = object.namespace !== undefined && namespace !== undefined ? { ...object, namespace } : object;
  if (namespace !== undefined) c.namespace = namespace;
  return c;
}
