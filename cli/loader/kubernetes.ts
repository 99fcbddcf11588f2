/**
 * The Kubernetes part of a scenario: spec.cluster.controlPlane, spec.cluster.nodes (and the
 * add-nodes verb, which takes the same entries), spec.users. The control plane is on when
 * controlPlane or nodes is given; then a built-in user `admin` (group system:masters) exists.
 *
 * Host names share one namespace: control-plane instances (kube-apiserver-0…), nodes, users and
 * etcd clients must all differ, and differ from etcd members, roles and groups (targets.ts).
 */

import { readKubeProxy } from './traffic.ts';
import { isMap, isScalar, type Node } from 'yaml';
import { parseSchedulerConfiguration } from '../../actors/scheduler/plugins/scheduler-config.ts';
import { scenarioPlace, toJson } from './manifests.ts';
import type { NodeSpec, UserSpec } from '../../actors/scenario/spec.ts';
import { labelKeyProblem, labelValueProblem } from './labels.ts';
import { QUANTITY_FORMS, parseQuantity } from './quantity.ts';
import { MAX_MILLI, MAX_QUANTITY_LENGTH } from '../../actors/api/quantity.ts';
import { SHAPES } from './schema.ts';
import { ADMIN, nameClash, type KubeInfo, type State } from './targets.ts';
import { describe, listItems, openMap, readEnum, readInt, readList, readString, wrongType, type Ctx, type Fields, type Val } from './tree.ts';

type R<T> = T | undefined;

export const K8S_DEFAULTS = {
  apiservers: 1,
  schedulers: 1,
  controllerManagers: 1,
  cpuMilli: 4000,
  memoryBytes: 8 * 2 ** 30,
  pods: 110,
  /** 50Mi per second. */
  imagePullBytesPerSecond: 50 * 2 ** 20,
} as const;

export const K8S_LIMITS = {
  apiservers: { min: 1, max: 5 },
  schedulers: { min: 0, max: 5 },
  controllerManagers: { min: 0, max: 5 },
  /** Nodes in one entry. */
  count: { min: 1, max: 1000 },
  pods: { min: 1, max: 10_000 },
} as const;

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/**
 * Reads controlPlane (from the spec.cluster map) and turns the control plane on when it or nodes
 * is given: records the control-plane hosts and the built-in admin.
 */
export function readControlPlane(
  cx: Ctx,
  st: State,
  cluster: Fields,
): R<{ apiservers: number; schedulers: number; controllerManagers: number; schedulerConfiguration?: Record<string, unknown> }> | null {
  const cpV = cluster.get('controlPlane');
  if (!cpV && !cluster.get('nodes')) return null;
  const f = cpV ? openMap(cx, cpV, SHAPES.controlPlane, 'a map {apiservers, schedulers, controllerManagers}') : undefined;
  const count = (key: 'apiservers' | 'schedulers' | 'controllerManagers'): number | undefined => {
    const v = f?.get(key);
    const limits = K8S_LIMITS[key];
    return v ? readInt(cx, v, limits.min, limits.max) : K8S_DEFAULTS[key];
  };
  const info: KubeInfo = { apiservers: count('apiservers'), schedulers: count('schedulers'), controllerManagers: count('controllerManagers') };
  st.kubernetes = info;
  const line = cpV ? cx.position(cpV.key ?? cpV.node).line : 0;
  const add = (prefix: 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager', n: number | undefined): void => {
    for (let i = 0; i < (n ?? 0); i++) st.hosts.set(`${prefix}-${i}`, { what: prefix, line });
  };
  add('kube-apiserver', info.apiservers);
  add('kube-scheduler', info.schedulers);
  add('kube-controller-manager', info.controllerManagers);
  st.hosts.set(ADMIN.name, { what: 'user', line: 0 });
  st.users.set(ADMIN.name, { line: 0 });
  if (cpV && !f) return undefined;
  const configV = f?.get('schedulerConfiguration');
  let schedulerConfiguration: Record<string, unknown> | undefined;
  if (configV) {
    const value = toJson(scenarioPlace(cx), configV.node as Node);
    const parsed = parseSchedulerConfiguration(value);
    if (!parsed.ok) {
      const first = parsed.errors[0]!;
      cx.report(
        configV.node,
        `${configV.path}${first.path ? `.${first.path}` : ''}: ${first.message}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : ''}`,
        'a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1): profiles, plugins, pluginConfig, percentageOfNodesToScore',
        'fix the field as the message says',
      );
      return undefined;
    }
    schedulerConfiguration = value as Record<string, unknown>;
  }
  if (info.apiservers === undefined || info.schedulers === undefined || info.controllerManagers === undefined) return undefined;
  return { apiservers: info.apiservers, schedulers: info.schedulers, controllerManagers: info.controllerManagers, ...(schedulerConfiguration ? { schedulerConfiguration } : {}) };
}

// ---------------------------------------------------------------------------------------------
// nodes

/** spec.cluster.nodes: a list of node entries. */
export function readNodes(cx: Ctx, st: State, v: Val): R<NodeSpec[]> {
  const items = listItems(cx, v, 'a list of node entries, each a map {name, count, capacity, …}');
  if (!items) return undefined;
  const out: NodeSpec[] = [];
  let bad = false;
  for (const item of items) {
    const nodes = readNodeEntry(cx, st, item);
    if (nodes) out.push(...nodes);
    else bad = true;
  }
  return bad ? undefined : out;
}

export interface AddedBy {
  atMs: number | undefined;
  stepIndex: number;
  line: number;
}

/**
 * One node entry: `name` alone is one node of that name; with `count: n`, nodes name-0..name-(n-1).
 * From add-nodes (`added` given), a name that is a counted entry already continues its numbering,
 * and its nodes get the entry's settings unless the step gives others.
 */
export function readNodeEntry(cx: Ctx, st: State, v: Val, added?: AddedBy): R<NodeSpec[]> {
  const f = openMap(cx, v, SHAPES.node, 'a map {name, count, capacity, labels, taints, zone, imagePullBandwidth}');
  if (!f) return undefined;
  const nameV = f.get('name');
  const countV = f.get('count');
  const count = countV ? readInt(cx, countV, K8S_LIMITS.count.min, K8S_LIMITS.count.max) : undefined;
  let base = nameV && readString(cx, nameV, { nonEmpty: true });
  const group = base === undefined ? undefined : st.nodeGroups.get(base);

  // The template: a group's settings when add-nodes adds more of it, the defaults otherwise.
  let template: Omit<NodeSpec, 'name' | 'source'> | undefined;
  if (group && added) {
    template = group.template;
    if (!countV && nameV) {
      base = cx.report(
        nameV.node,
        `"${base ?? ''}" in ${nameV.path} names a group of nodes (line ${group.line}), not one node`,
        `more of the group get the next numbers: ${base ?? ''}-${group.next}, …`,
        'add count: to say how many to add, or choose another name for one node',
      );
    }
  } else if (group && nameV) {
    base = cx.report(nameV.node, `duplicate node entry "${base ?? ''}" in ${nameV.path}`, `already declared at line ${group.line}`, 'give each entry its own name, or raise its count');
  }
  const capacityV = f.get('capacity');
  const capacity = readCapacity(cx, capacityV, template?.capacity);
  const labelsV = f.get('labels');
  let labels = labelsV ? readLabels(cx, labelsV) : template ? { ...template.labels } : {};
  const zoneV = f.get('zone');
  const zone = zoneV && readLabelValueField(cx, zoneV, true);
  if (labels && zone !== undefined && zoneV) {
    const given = labelsV ? labels[ZONE_LABEL] : undefined;
    if (given !== undefined && given !== zone) {
      labels = cx.report(zoneV.node, `${zoneV.path} is "${zone}", but labels set ${ZONE_LABEL}: "${given}"`, `zone sets the label ${ZONE_LABEL}`, 'keep one of them');
    } else {
      labels = { ...labels, [ZONE_LABEL]: zone };
    }
  }
  const taintsV = f.get('taints');
  const taints = taintsV ? readTaints(cx, taintsV) : template ? template.taints.map((t) => ({ ...t })) : [];
  const bandwidthV = f.get('imagePullBandwidth');
  const bandwidth = bandwidthV ? readQuantityField(cx, bandwidthV, 'bytes') : (template?.imagePullBytesPerSecond ?? K8S_DEFAULTS.imagePullBytesPerSecond);
  const kubeProxyV = f.get('kubeProxy');
  const kubeProxy = kubeProxyV ? readKubeProxy(cx, kubeProxyV) : template?.kubeProxy;
  if (kubeProxyV && !kubeProxy) return undefined;
  if (zoneV && zone === undefined) labels = undefined;

  // Names: checked even when other fields are bad, so that references to them are not also reported.
  let names: string[] | undefined;
  if (base !== undefined && nameV && (countV === undefined || count !== undefined)) {
    names = nodeNames(cx, st, nameV, base, count, group && added ? group.next : 0, added);
    if (names && count !== undefined) {
      const spec = capacity && labels && taints && bandwidth !== undefined ? { capacity, labels, taints, imagePullBytesPerSecond: bandwidth, ...(kubeProxy ? { kubeProxy } : {}) } : undefined;
      if (group && added) {
        group.next += count;
      } else {
        st.nodeGroups.set(base, { next: count, template: spec, line: cx.position(nameV.node).line });
      }
    }
  }
  if (!names || !capacity || !labels || !taints || bandwidth === undefined) return undefined;
  const source = cx.source(v.node);
  return names.map((name) => ({
    name,
    capacity: { ...capacity },
    labels: { ...labels },
    taints: taints.map((t) => ({ ...t })),
    imagePullBytesPerSecond: bandwidth,
    ...(kubeProxy ? { kubeProxy: { ...kubeProxy } } : {}),
    source,
  }));
}

/** The host names of one entry, checked and recorded. */
function nodeNames(cx: Ctx, st: State, nameV: Val, base: string, count: number | undefined, first: number, added: AddedBy | undefined): R<string[]> {
  const names = count === undefined ? [base] : Array.from({ length: count }, (_, i) => `${base}-${first + i}`);
  const clash = nameClash(st, base, 'node');
  if (clash) return cx.report(nameV.node, `"${base}" in ${nameV.path} cannot name a node: ${clash.what}`, clash.expected, clash.fix);
  const longest = names[names.length - 1] ?? base;
  if (longest.length > 63) {
    return cx.report(nameV.node, `node name "${longest}" from ${nameV.path} is longer than 63 characters`, 'node names are host names: DNS-1123 labels of at most 63 characters', 'choose a shorter name');
  }
  const line = cx.position(nameV.node).line;
  for (const n of names) {
    const other = nameClash(st, n, 'node');
    if (other) return cx.report(nameV.node, `node "${n}" from ${nameV.path} cannot be named so: ${other.what}`, other.expected, other.fix);
    const previous = st.hosts.get(n);
    if (previous) {
      const where = previous.added ? `added by spec.timeline[${previous.added.stepIndex}] (line ${previous.added.line})` : `declared at line ${previous.line}`;
      return cx.report(nameV.node, `duplicate node name "${n}" from ${nameV.path}`, `already ${where}`, 'give each node its own name');
    }
  }
  for (const n of names) st.hosts.set(n, { what: 'node', line, ...(added ? { added } : {}) });
  return names;
}

function readCapacity(cx: Ctx, v: Val | undefined, template: NodeSpec['capacity'] | undefined): R<NodeSpec['capacity']> {
  const base = template ?? { cpuMilli: K8S_DEFAULTS.cpuMilli, memoryBytes: K8S_DEFAULTS.memoryBytes, pods: K8S_DEFAULTS.pods };
  if (!v) return { ...base };
  const f = openMap(cx, v, SHAPES.capacity, 'a map {cpu, memory, pods}');
  if (!f) return undefined;
  const cpuV = f.get('cpu');
  const memoryV = f.get('memory');
  const podsV = f.get('pods');
  const cpuMilli = cpuV ? readQuantityField(cx, cpuV, 'cpu') : base.cpuMilli;
  const memoryBytes = memoryV ? readQuantityField(cx, memoryV, 'bytes') : base.memoryBytes;
  const pods = podsV ? readQuantityField(cx, podsV, 'count') : base.pods;
  if (cpuMilli === undefined || memoryBytes === undefined || pods === undefined) return undefined;
  return { cpuMilli, memoryBytes, pods };
}

/**
 * A quantity: `cpu` → milli-CPU; `bytes` → whole bytes (rounded up, as Kubernetes does); `count` →
 * a whole number (pods). Must be above 0.
 */
export function readQuantityField(cx: Ctx, v: Val, unit: 'cpu' | 'bytes' | 'count'): R<number> {
  const value = isScalar(v.node) ? v.node.value : undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') text = cx.sourceText(v.node) || String(value);
  else return wrongType(cx, v, QUANTITY_FORMS, `write it like ${v.name}: ${v.example ?? '"4"'}`);
  const r = parseQuantity(text);
  if (!r.ok) {
    return cx.report(
      v.node,
      `invalid quantity ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} in ${v.path}${text.length > MAX_QUANTITY_LENGTH ? `: ${r.reason}` : ''}`,
      QUANTITY_FORMS,
      r.suggestion !== undefined ? `write ${v.name}: ${r.suggestion}${binaryAlternative(text, r.suggestion)}` : `write it like ${v.name}: ${v.example ?? '"4"'}`,
    );
  }
  if (r.milli <= 0n) {
    return cx.report(v.node, `${v.path} is ${text}`, 'a quantity above 0', `write it like ${v.name}: ${v.example ?? '"4"'}`);
  }
  const tooLarge = quantityTooLarge(r.milli, unit);
  if (tooLarge) return cx.report(v.node, `${v.path} is ${text}, too large`, tooLarge, `write it like ${v.name}: ${v.example ?? '"4"'}`);
  if (unit === 'cpu') return Number(r.milli);
  const whole = (r.milli + 999n) / 1000n;
  if (unit === 'count') {
    if (r.milli % 1000n !== 0n) {
      return cx.report(v.node, `${v.path} is ${text}, not a whole number`, 'a number of pods', `write ${v.name}: ${whole}`);
    }
    if (whole > BigInt(K8S_LIMITS.pods.max)) {
      return cx.report(v.node, `${v.path} is ${text}, out of range`, `allowed: ${K8S_LIMITS.pods.min} to ${K8S_LIMITS.pods.max}`, `write it like ${v.name}: 110`);
    }
  }
  return Number(whole);
}

/** Whole bytes kubesim keeps exactly (as a double): 2^53 = 8Pi. */
const MAX_BYTES = 2n ** 53n;

/**
 * Why a quantity is too large for a node, or undefined. Kubernetes keeps a quantity's
 * milli-value in an int64 (MAX_MILLI, actors/api/quantity.ts); kubesim keeps bytes as exact
 * numbers, up to 8Pi.
 */
export function quantityTooLarge(milli: bigint, unit: 'cpu' | 'bytes' | 'count'): string | undefined {
  const int64 = 'Kubernetes keeps a quantity as an int64 count of milli-units';
  if (unit === 'bytes' && (milli + 999n) / 1000n > MAX_BYTES) return `at most 8Pi: ${int64}, and kubesim keeps bytes exactly up to 8Pi`;
  if (milli > MAX_MILLI) return `at most ${MAX_MILLI}m, about 9.2 × 10^15: ${int64}`;
  return undefined;
}

/** `8GB` was corrected to `8G` (10^9); say that `8Gi` (2^30) exists too, since that is often what is meant. */
function binaryAlternative(text: string, suggestion: string): string {
  const m = /^(.*\d)([kMGTPE])$/.exec(suggestion);
  if (!m || !/[bB]\s*$/.test(text)) return '';
  const unit = m[2] === 'k' ? 'K' : (m[2] ?? '');
  return `, or ${m[1] ?? ''}${unit}i for powers of 1024`;
}

/** A map of Kubernetes labels. */
export function readLabels(cx: Ctx, v: Val): R<Record<string, string>> {
  if (!isMap(v.node)) return wrongType(cx, v, 'a map of labels, like {disktype: ssd}');
  const out: Record<string, string> = {};
  let bad = false;
  for (const pair of v.node.items) {
    const keyNode = pair.key as Val['node'] | null;
    const key = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string') {
      cx.report(keyNode ?? v.node, `a label key in ${v.path} is ${keyNode ? describe(cx, keyNode) : 'empty'}`, 'label keys are strings', 'quote it');
      bad = true;
      continue;
    }
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) {
      cx.report(keyNode ?? v.node, `invalid label key "${key}" in ${v.path}: ${keyProblem}`, 'a label key is [prefix/]name, like disktype or example.com/tier');
      bad = true;
    }
    const valueNode = pair.value as Val['node'] | null;
    if (valueNode === null) {
      cx.report(keyNode ?? v.node, `label "${key}" in ${v.path} has no value`, undefined, `give it a value, like ${key}: "x", or "" for an empty one`);
      bad = true;
      continue;
    }
    const value = readLabelValueField(cx, { node: valueNode, path: `${v.path}.${key}`, name: key }, false);
    if (value === undefined || keyProblem) bad = true;
    else out[key] = value;
  }
  return bad ? undefined : out;
}

/** A label value (a string; numbers and booleans must be quoted, as in a manifest). */
function readLabelValueField(cx: Ctx, v: Val, nonEmpty: boolean): R<string> {
  const value = readString(cx, v, { nonEmpty });
  if (value === undefined) return undefined;
  const problem = labelValueProblem(value);
  if (problem) return cx.report(v.node, `invalid label value ${JSON.stringify(value)} in ${v.path}: ${problem}`, 'at most 63 characters');
  return value;
}

function readTaints(cx: Ctx, v: Val): R<NodeSpec['taints']> {
  const seen = new Map<string, number>();
  return readList(
    cx,
    v,
    (item) => {
      const f = openMap(cx, item, SHAPES.taint, 'a map {key, value, effect}');
      if (!f) return undefined;
      const keyV = f.get('key');
      const valueV = f.get('value');
      const effectV = f.get('effect');
      let key = keyV && readString(cx, keyV, { nonEmpty: true });
      if (key !== undefined && keyV) {
        const problem = labelKeyProblem(key);
        if (problem) key = cx.report(keyV.node, `invalid taint key "${key}" in ${keyV.path}: ${problem}`, 'a taint key is [prefix/]name, like dedicated or example.com/gpu');
      }
      const value = valueV && readLabelValueField(cx, valueV, false);
      const effect = effectV && readEnum(cx, effectV, TAINT_EFFECTS);
      if (key === undefined || effect === undefined || (valueV && value === undefined)) return undefined;
      const id = `${key}:${effect}`;
      const previous = seen.get(id);
      if (previous !== undefined) {
        return cx.report(item.node, `${item.path} repeats the taint ${key} with effect ${effect} (line ${previous})`, 'a node has at most one taint per key and effect', 'remove one of them');
      }
      seen.set(id, cx.position(item.node).line);
      return value === undefined ? { key, effect } : { key, value, effect };
    },
    'a list of taints, like [{key: dedicated, value: gpu, effect: NoSchedule}]',
  );
}

// ---------------------------------------------------------------------------------------------
// users

/** spec.users → every user, the built-in admin first. */
export function readUsers(cx: Ctx, st: State, v: Val | undefined): R<UserSpec[]> {
  const admin: UserSpec = { name: ADMIN.name, token: ADMIN.token, groups: [...ADMIN.groups], source: { file: cx.file, line: 0, column: 0 } };
  if (!v) return [admin];
  const items = listItems(cx, v, 'a list of users, each a map {name, groups, token}');
  if (!items) return undefined;
  const tokens = new Map<string, { user: string; line: number }>([[ADMIN.token, { user: ADMIN.name, line: 0 }]]);
  const out: UserSpec[] = [admin];
  let bad = false;
  for (const item of items) {
    const u = readUser(cx, st, item, tokens);
    if (u) out.push(u);
    else bad = true;
  }
  return bad ? undefined : out;
}

function readUser(cx: Ctx, st: State, v: Val, tokens: Map<string, { user: string; line: number }>): R<UserSpec> {
  const f = openMap(cx, v, SHAPES.user, 'a map {name, groups, token}');
  if (!f) return undefined;
  const nameV = f.get('name');
  let name = nameV && readString(cx, nameV, { nonEmpty: true });
  if (nameV && name !== undefined) {
    const clash = nameClash(st, name, 'user');
    const previous = st.users.get(name);
    if (clash) {
      name = cx.report(nameV.node, `"${name}" in ${nameV.path} cannot name a user: ${clash.what}`, clash.expected, clash.fix);
    } else if (name === ADMIN.name) {
      name = cx.report(nameV.node, `"admin" in ${nameV.path} is the built-in user`, `admin always exists, in group ${ADMIN.groups[0]}, with token ${ADMIN.token}`, 'use user: admin in steps without declaring it, or choose another name');
    } else if (previous) {
      name = cx.report(nameV.node, `duplicate user name "${name}" in ${nameV.path}`, `already declared at line ${previous.line}`, 'give each user its own name');
    } else {
      const line = cx.position(nameV.node).line;
      st.users.set(name, { line });
      st.hosts.set(name, { what: 'user', line });
    }
  }
  const groupsV = f.get('groups');
  const groups = groupsV ? readGroups(cx, groupsV) : [];
  const tokenV = f.get('token');
  let token = tokenV ? readString(cx, tokenV, { nonEmpty: true }) : name === undefined ? undefined : `${name}-token`;
  if (token !== undefined && name !== undefined) {
    const previous = tokens.get(token);
    if (previous) {
      token = cx.report(
        (tokenV ?? nameV)?.node,
        `user "${name}" would have the token "${token}" of user "${previous.user}"${previous.line > 0 ? ` (line ${previous.line})` : ''}`,
        'a token identifies one user',
        tokenV ? 'give each user its own token' : 'give this user a token: of its own',
      );
    } else {
      tokens.set(token, { user: name, line: cx.position(v.node).line });
    }
  }
  const identityV = f.get('identity');
  const identity = identityV ? readString(cx, identityV, { nonEmpty: true }) : undefined;
  if (identityV && identity === undefined) return undefined;
  if (name === undefined || groups === undefined || token === undefined) return undefined;
  return { name, token, groups, ...(identity !== undefined ? { identity } : {}), source: cx.source(v.node) };
}

function readGroups(cx: Ctx, v: Val): R<string[]> {
  const seen = new Set<string>();
  return readList(
    cx,
    v,
    (item) => {
      const g = readString(cx, item, { nonEmpty: true });
      if (g === undefined) return undefined;
      if (seen.has(g)) return cx.report(item.node, `group "${g}" is listed twice in ${v.path}`, undefined, 'list it once');
      seen.add(g);
      return g;
    },
    'a list of group names, like [developers]',
  );
}
