/**
 * Names in a scenario and what they refer to: members, hosts (control-plane instances, nodes,
 * users, clients), groups bound with `as`, roles, and operation ids. The loader checks statically
 * what it can; roles stay symbolic (they resolve when the step runs).
 */

import { isScalar, isSeq } from 'yaml';
import type { NodeSpec, TargetRef } from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { closest, readList, wrongType, type Ctx, type Val } from './tree.ts';

export const ROLES = ['leader', 'a follower', 'followers', 'rest', 'all'] as const;
/** Roles of the Kubernetes control plane, resolved from their leader-election leases when the step runs. */
export const K8S_ROLES = ['scheduler-leader', 'controller-manager-leader'] as const;
/** Words that mean something in a target position and so cannot name a group, a client, a node or a user. */
const RESERVED = [...ROLES, ...K8S_ROLES, 'none', 'any'];
const MEMBER_NAME = /^etcd-\d+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Names kept for control-plane hosts, whatever their number: `kube-apiserver` (the VIP), `kube-scheduler-3`. */
const CONTROL_PLANE_NAME = /^kube-(apiserver|scheduler|controller-manager)(-\d+)?$/;

/** The built-in cluster admin: a user in group system:masters. */
export const ADMIN = { name: 'admin', token: 'admin-token', groups: ['system:masters'] } as const;

export type HostKind = 'node' | 'user' | 'client' | 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager';

export interface HostInfo {
  what: HostKind;
  /** Where it is declared (0 for built-in ones). */
  line: number;
  /** Nodes added by an add-nodes step: from when they exist, and which step adds them. */
  added?: { atMs: number | undefined; stepIndex: number; line: number };
}

/** The control plane's size; a count is undefined when it was invalid. */
export interface KubeInfo {
  apiservers: number | undefined;
  schedulers: number | undefined;
  controllerManagers: number | undefined;
}

export interface Binding {
  /** The step that binds the group, and its time (undefined if that was invalid). */
  stepIndex: number;
  atMs: number | undefined;
  line: number;
}

/** Verbs that define ids: etcd client ops (`that.op`) and kubectl-like steps (`that.request`). */
export type IdVerb = 'put' | 'get' | 'delete' | 'apply' | 'kubectl-delete' | 'patch' | 'scale' | 'cordon' | 'uncordon' | 'rollout' | 'set-image' | 'drain' | 'dig';
export const ETCD_ID_VERBS: readonly IdVerb[] = ['put', 'get', 'delete'];

export interface OpInfo {
  verb: IdVerb;
  path: string;
  line: number;
}

/** What the loader knows while it walks the file. */
export class State {
  durationMs: number | undefined;
  /** Undefined when spec.cluster.etcd.members is invalid: member names are then not range-checked. */
  members: string[] | undefined;
  /** Client name → kind (undefined when the kind was invalid). */
  readonly clients = new Map<string, { kind: string | undefined; line: number }>();
  /** Groups bound so far (in file order); after the timeline, all of them. */
  readonly groups = new Map<string, Binding>();
  /** Every name any step's `as` binds, from a first pass: tells "bound later" from "unknown". */
  readonly laterGroups = new Map<string, { stepIndex: number; line: number }>();
  readonly ids = new Map<string, OpInfo>();
  /** The Kubernetes control plane, when it is on (spec.cluster.controlPlane or spec.cluster.nodes). */
  kubernetes: KubeInfo | undefined;
  /** Every host except etcd members, by name: control-plane instances, nodes, users, clients. */
  readonly hosts = new Map<string, HostInfo>();
  /** Users (kubectl-like clients), the built-in admin included. */
  readonly users = new Map<string, { line: number }>();
  /** Node entries with `count`, by name: add-nodes of the same name continues their numbering. */
  readonly nodeGroups = new Map<string, NodeGroup>();
  /** spec.traffic's source names (read before the expectations). */
  readonly trafficSources = new Set<string>();
}

/** A counted node entry (`name: worker, count: 3` → worker-0..worker-2). */
export interface NodeGroup {
  /** The next index to give: worker-3. */
  next: number;
  /** What more nodes of the group get, unless the add-nodes step says otherwise. */
  template: Omit<NodeSpec, 'name' | 'source'> | undefined;
  line: number;
}

export interface TargetUse {
  /** `rest` = every member not named earlier in the same step: only where something was. */
  rest: boolean;
  /** Fault verbs may target any host (nodes, users, control-plane instances) and the control-plane roles. */
  hosts?: boolean;
  /** In the timeline: the step using the target (groups must be bound by an earlier step). */
  step?: { index: number; atMs: number | undefined };
  /** In an expectation: when checking starts (groups must be bound by then). */
  expectFromMs?: number | undefined;
}

export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/** `etcd-0..etcd-4` */
export function memberRange(members: readonly string[]): string {
  return members.length === 0 ? 'none' : `${members[0]}..${members[members.length - 1]}`;
}

function rolesText(use: TargetUse): string {
  return ROLES.filter((r) => use.rest || r !== 'rest').join(', ');
}

/** Checks one target string; returns it unchanged (targets stay symbolic). */
export function readTarget(cx: Ctx, st: State, v: Val, use: TargetUse): TargetRef | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') {
    return wrongType(cx, v, 'a target: a member name, a group bound with "as", or a role', 'write a member like etcd-0, a group name, or a role: ' + rolesText(use));
  }
  const name = value;
  if ((ROLES as readonly string[]).includes(name)) {
    if (name === 'rest' && !use.rest) {
      return cx.report(
        v.node,
        `"rest" cannot be used in ${v.path}`,
        'rest means every member not named earlier in the same step, so it only works in a partition group after the first, or in cut.to',
        'name the members, a group, or use all',
      );
    }
    return name;
  }
  if ((K8S_ROLES as readonly string[]).includes(name)) {
    if (!use.hosts) {
      return cx.report(
        v.node,
        `"${name}" cannot be used in ${v.path}`,
        'scheduler-leader and controller-manager-leader are targets of fault verbs; here only etcd members, groups of them and etcd roles are allowed',
        'use an etcd member, a group or an etcd role',
      );
    }
    if (!st.kubernetes) return kubernetesOff(cx, v, `"${name}"`);
    return name;
  }
  if (MEMBER_NAME.test(name)) {
    if (st.members && !st.members.includes(name)) {
      return cx.report(
        v.node,
        `unknown member "${name}" in ${v.path}`,
        `members are ${memberRange(st.members)}`,
        `use one of those names, a group bound with "as", or a role: ${rolesText(use)}`,
      );
    }
    return name;
  }
  const host = st.hosts.get(name);
  if (host) return readHostTarget(cx, v, name, host, use);
  const cp = CONTROL_PLANE_NAME.exec(name);
  if (cp) return unknownControlPlaneHost(cx, st, v, name, cp[1] ?? '');
  const bound = st.groups.get(name);
  if (use.step) {
    if (bound) {
      const here = use.step.atMs;
      if (bound.atMs !== undefined && here !== undefined && bound.atMs > here) {
        return cx.report(
          v.node,
          `group "${name}" in ${v.path} is bound at ${formatDuration(bound.atMs)} by spec.timeline[${bound.stepIndex}] (line ${bound.line}), after this step at ${formatDuration(here)}`,
          'a group exists from the step that binds it on',
          'use the group only in steps at or after that time',
        );
      }
      return name;
    }
    const later = st.laterGroups.get(name);
    if (later) {
      return cx.report(
        v.node,
        `group "${name}" in ${v.path} is used before the step that binds it, spec.timeline[${later.stepIndex}] (line ${later.line})`,
        'a group can be used by steps after the one that binds it with "as"',
        'move this step after that one, or bind the group in an earlier step',
      );
    }
  } else if (bound) {
    const from = use.expectFromMs;
    if (bound.atMs !== undefined && from !== undefined && bound.atMs > from) {
      return cx.report(
        v.node,
        `group "${name}" in ${v.path} is bound at ${formatDuration(bound.atMs)} by spec.timeline[${bound.stepIndex}] (line ${bound.line}), but this expectation starts at ${formatDuration(from)}`,
        'a group exists from the step that binds it on',
        `start the expectation at ${formatDuration(bound.atMs)} or later`,
      );
    }
    return name;
  }
  return unknownTarget(cx, st, v, name, use);
}

function unknownTarget(cx: Ctx, st: State, v: Val, name: string, use: TargetUse): undefined {
  const groups = [...st.groups.keys()];
  const withHosts = use.hosts === true && st.hosts.size > 0;
  const roles: string[] = ROLES.filter((r) => use.rest || r !== 'rest');
  if (use.hosts && st.kubernetes) roles.push(...K8S_ROLES);
  const hosts = withHosts ? [...st.hosts.keys()] : [];
  const guess = closest(name, [...roles, ...groups, ...(st.members ?? []), ...hosts]);
  const parts = [
    st.members ? `members are ${memberRange(st.members)}` : 'members are etcd-0, etcd-1, …',
    ...(withHosts ? [`hosts: ${hostsText(st)}`] : []),
    groups.length > 0 ? `groups${use.step ? ' bound so far' : ''}: ${groups.join(', ')}` : `no groups bound${use.step ? ' so far' : ''}`,
    `roles: ${roles.join(', ')}`,
  ];
  return cx.report(
    v.node,
    `unknown target "${name}" in ${v.path}: not a member, ${withHosts ? 'a host, ' : ''}a group or a role`,
    parts.join('; '),
    guess ? `did you mean "${guess}"?` : `use a member name${withHosts ? ', a host name' : ''}, a role, or bind a group with "as" in an earlier step`,
  );
}

const HOST_WORDS: Record<HostKind, string> = {
  node: 'a node',
  user: 'a user',
  client: 'a client',
  'kube-apiserver': 'an apiserver',
  'kube-scheduler': 'a scheduler',
  'kube-controller-manager': 'a controller-manager',
};

function readHostTarget(cx: Ctx, v: Val, name: string, host: HostInfo, use: TargetUse): TargetRef | undefined {
  if (!use.hosts) {
    return cx.report(
      v.node,
      `"${name}" in ${v.path} is ${HOST_WORDS[host.what]}, not an etcd member`,
      'here only etcd members, groups of them and etcd roles are allowed',
      'use an etcd member, a group or an etcd role',
    );
  }
  const added = host.added;
  const here = use.step?.atMs;
  if (added && added.atMs !== undefined && here !== undefined && added.atMs > here) {
    return cx.report(
      v.node,
      `node "${name}" in ${v.path} is added at ${formatDuration(added.atMs)} by spec.timeline[${added.stepIndex}] (line ${added.line}), after this step at ${formatDuration(here)}`,
      'a node exists from the step that adds it on',
      'use it only in steps at or after that time',
    );
  }
  return name;
}

function unknownControlPlaneHost(cx: Ctx, st: State, v: Val, name: string, component: string): undefined {
  if (!st.kubernetes) return kubernetesOff(cx, v, `"${name}"`);
  const count =
    component === 'apiserver' ? st.kubernetes.apiservers : component === 'scheduler' ? st.kubernetes.schedulers : st.kubernetes.controllerManagers;
  const prefix = `kube-${component}`;
  const field = component === 'apiserver' ? 'apiservers' : component === 'scheduler' ? 'schedulers' : 'controllerManagers';
  const instances = count === undefined ? `${prefix}-0, ${prefix}-1, …` : count === 0 ? 'none' : count === 1 ? `${prefix}-0` : `${prefix}-0..${prefix}-${count - 1}`;
  if (name === prefix) {
    return cx.report(
      v.node,
      `"${name}" in ${v.path} is the ${component}s' shared name, not one host`,
      `the instances are ${instances}`,
      count === 0 ? `set spec.cluster.controlPlane.${field} above 0` : `target an instance, like ${prefix}-0`,
    );
  }
  return cx.report(
    v.node,
    `unknown host "${name}" in ${v.path}`,
    `spec.cluster.controlPlane.${field} is ${count ?? '?'}: the instances are ${instances}`,
    count === 0 ? `set spec.cluster.controlPlane.${field} above 0` : `use one of those, or raise spec.cluster.controlPlane.${field}`,
  );
}

/** The Kubernetes control plane is off, but `v` (or `what` in it) needs it. */
export function kubernetesOff(cx: Ctx, v: Val, what?: string): undefined {
  return cx.report(
    what === undefined ? (v.key ?? v.node) : v.node,
    `${what === undefined ? v.path : `${what} in ${v.path}`} needs the Kubernetes control plane, which is off in this scenario`,
    'the control plane runs when spec.cluster.controlPlane or spec.cluster.nodes is given',
    'add spec.cluster.nodes (like nodes: [{name: worker, count: 3}]) or spec.cluster.controlPlane: {}',
  );
}

/** `worker-0..worker-2, big-0; users: admin, alice; …`: every host but etcd members, compactly. */
export function hostsText(st: State): string {
  const byKind = new Map<HostKind, string[]>();
  for (const [name, info] of st.hosts) {
    const list = byKind.get(info.what) ?? [];
    list.push(name);
    byKind.set(info.what, list);
  }
  const order: [HostKind, string][] = [
    ['kube-apiserver', 'apiservers'],
    ['kube-scheduler', 'schedulers'],
    ['kube-controller-manager', 'controller-managers'],
    ['node', 'nodes'],
    ['user', 'users'],
    ['client', 'clients'],
  ];
  return order
    .filter(([kind]) => byKind.has(kind))
    .map(([kind, word]) => `${word} ${compactNames(byKind.get(kind) ?? [])}`)
    .join(', ');
}

/** `worker-0, worker-1, worker-2, big` → `worker-0..worker-2, big`. */
export function compactNames(names: readonly string[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < names.length) {
    const first = names[i] ?? '';
    const m = /^(.*-)(\d+)$/.exec(first);
    let j = i + 1;
    if (m) {
      const prefix = m[1] ?? '';
      let n = Number(m[2]);
      while (j < names.length && names[j] === `${prefix}${n + 1}`) {
        n++;
        j++;
      }
    }
    out.push(j - i > 2 ? `${first}..${names[j - 1] ?? ''}` : names.slice(i, j).join(', '));
    i = j;
  }
  return out.join(', ');
}

/** A target or a list of targets, as string[]. An empty list is an error. */
export function readTargets(cx: Ctx, st: State, v: Val, use: TargetUse): TargetRef[] | undefined {
  if (!isSeq(v.node)) {
    const one = readTarget(cx, st, v, use);
    return one === undefined ? undefined : [one];
  }
  if (v.node.items.length === 0) {
    return cx.report(v.node, `${v.path} is an empty list`, 'at least one target', `name a target, like ${v.name}: ${v.example ?? 'leader'}`);
  }
  return readList(cx, v, (item) => readTarget(cx, st, item, use));
}

/** Checks the names an `as` binds and records them; `atMs` is the binding step's time. */
export function bindGroups(cx: Ctx, st: State, names: Val[], stepIndex: number, atMs: number | undefined): string[] | undefined {
  const out: string[] = [];
  let bad = false;
  for (const v of names) {
    const value = isScalar(v.node) ? v.node.value : undefined;
    if (typeof value !== 'string') {
      wrongType(cx, v, 'a group name', 'write a lowercase name, like minority');
      bad = true;
      continue;
    }
    const problem = nameClash(st, value, 'group');
    if (problem) {
      cx.report(v.node, `"${value}" in ${v.path} cannot name a group: ${problem.what}`, problem.expected, problem.fix);
      bad = true;
    }
    const previous = st.groups.get(value);
    if (previous) {
      cx.report(
        v.node,
        `group "${value}" in ${v.path} is already bound by spec.timeline[${previous.stepIndex}] (line ${previous.line})`,
        'each group name is bound once, so that every use means the same members',
        'choose another name',
      );
      bad = true;
      continue;
    }
    // Bound even when the name is bad, so that its uses do not also report "unknown group".
    if (!(RESERVED as readonly string[]).includes(value) && !MEMBER_NAME.test(value) && !CONTROL_PLANE_NAME.test(value) && !st.hosts.has(value)) {
      st.groups.set(value, { stepIndex, atMs, line: cx.position(v.node).line });
    }
    out.push(value);
  }
  return bad ? undefined : out;
}

export type NameUse = 'group' | 'client' | 'node' | 'user';

const NAME_EXAMPLE: Record<NameUse, string> = { group: 'minority', client: 'app', node: 'worker', user: 'alice' };

/**
 * Why `name` cannot name a group, a client, a node or a user, if it cannot. Hosts share one
 * namespace (a fault names them), and groups are targets too, so none of them may collide; a name
 * used twice for the same kind is the caller's to report ("duplicate client name").
 */
export function nameClash(st: State, name: string, what: NameUse): { what: string; expected: string; fix: string } | undefined {
  const fix = `choose another name, like ${NAME_EXAMPLE[what]}`;
  if ((RESERVED as readonly string[]).includes(name)) {
    return { what: `it is a reserved word`, expected: `reserved: ${RESERVED.join(', ')}`, fix };
  }
  if (MEMBER_NAME.test(name)) {
    return { what: 'it looks like a member name', expected: 'names of the form etcd-N are kept for members', fix };
  }
  if (CONTROL_PLANE_NAME.test(name)) {
    return {
      what: 'it looks like a control-plane host name',
      expected: 'kube-apiserver, kube-scheduler and kube-controller-manager, with or without -N, are kept for the control plane',
      fix,
    };
  }
  if (!isDnsLabel(name)) {
    const better = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    return {
      what: 'it is not a DNS-1123 label',
      expected: 'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      fix: better && isDnsLabel(better) ? `write ${better}` : fix,
    };
  }
  const host = st.hosts.get(name);
  if (host && host.what !== what) {
    if (name === ADMIN.name && host.what === 'user') {
      return { what: 'it is the built-in user admin', expected: 'host names (nodes, users, clients) must differ', fix };
    }
    const where = host.added ? `added by spec.timeline[${host.added.stepIndex}] (line ${host.added.line})` : `line ${host.line}`;
    return { what: `${HOST_WORDS[host.what]} has that name (${where})`, expected: what === 'group' ? 'group names and host names must differ' : 'host names (nodes, users, clients) must differ', fix };
  }
  return undefined;
}

/** A reference to a user: the built-in admin or one of spec.users. */
export function readUserRef(cx: Ctx, st: State, v: Val): string | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') return wrongType(cx, v, 'a user name', 'write it like user: alice');
  if (st.users.has(value)) return value;
  const names = [...st.users.keys()];
  const guess = closest(value, names);
  return cx.report(
    v.node,
    `unknown user "${value}" in ${v.path}`,
    `users are ${names.map((n) => (n === ADMIN.name ? `${n} (built in)` : n)).join(', ')}`,
    guess ? `did you mean "${guess}"?` : `declare it under spec.users, like - {name: ${value}}`,
  );
}

/** A reference to a node run by kubesim (a kubelet): declared in spec.cluster.nodes or added by add-nodes. */
export function readNodeRef(cx: Ctx, st: State, v: Val, step?: { index: number; atMs: number | undefined }): string | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') return wrongType(cx, v, 'a node name', 'write it like worker-0');
  const host = st.hosts.get(value);
  if (host?.what === 'node') {
    const added = host.added;
    const here = step?.atMs;
    if (step && added && added.atMs !== undefined && here !== undefined && added.atMs > here) {
      return cx.report(
        v.node,
        `node "${value}" in ${v.path} is added at ${formatDuration(added.atMs)} by spec.timeline[${added.stepIndex}] (line ${added.line}), after this step at ${formatDuration(here)}`,
        'a node exists from the step that adds it on',
        'use it only in steps at or after that time',
      );
    }
    return value;
  }
  const nodes = [...st.hosts].filter(([, h]) => h.what === 'node').map(([n]) => n);
  if (host) {
    return cx.report(v.node, `"${value}" in ${v.path} is ${HOST_WORDS[host.what]}, not a node`, nodes.length > 0 ? `nodes are ${compactNames(nodes)}` : 'the scenario has no nodes', 'name a node');
  }
  const guess = closest(value, nodes);
  return cx.report(
    v.node,
    `unknown node "${value}" in ${v.path}`,
    nodes.length > 0 ? `nodes are ${compactNames(nodes)}` : 'the scenario has no nodes: spec.cluster.nodes is empty',
    guess ? `did you mean "${guess}"?` : 'declare it under spec.cluster.nodes, or add it with add-nodes before this step',
  );
}

/** A reference to a declared client of the kind a verb needs. */
export function readClientRef(cx: Ctx, st: State, v: Val, verb: string, kind: string): string | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') return wrongType(cx, v, 'a client name');
  const client = st.clients.get(value);
  if (!client) {
    const names = [...st.clients.keys()];
    const guess = closest(value, names);
    return cx.report(
      v.node,
      `unknown client "${value}" in ${v.path}`,
      names.length > 0 ? `clients are ${names.join(', ')}` : 'spec.clients declares no clients',
      guess ? `did you mean "${guess}"?` : `declare it under spec.clients, like - {name: ${value}, kind: ${kind}}`,
    );
  }
  if (client.kind !== undefined && client.kind !== kind) {
    return cx.report(
      v.node,
      `client "${value}" in ${v.path} is a ${client.kind} client (line ${client.line}), but ${verb} needs a ${kind} client`,
      undefined,
      `use a client with kind: ${kind}`,
    );
  }
  return value;
}

const ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/** Defines an operation id; ids are unique across the file. */
export function defineId(cx: Ctx, st: State, v: Val, verb: IdVerb): string | undefined {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') {
    const text = cx.sourceText(v.node);
    return wrongType(cx, v, 'an id (a string)', /^\w+$/.test(text) ? `quote it: id: "${text}"` : 'write it like id: w1');
  }
  if (!ID.test(value)) {
    return cx.report(v.node, `id "${value}" in ${v.path} is not a valid id`, 'letters, digits, ".", "_" and "-", at most 63, starting and ending with a letter or digit', 'write it like id: w1');
  }
  const previous = st.ids.get(value);
  if (previous) {
    return cx.report(
      v.node,
      `duplicate id "${value}" in ${v.path}`,
      `already used by ${previous.path} at line ${previous.line}`,
      'give each operation its own id',
    );
  }
  st.ids.set(value, { verb, path: v.path.replace(/\.id$/, ''), line: cx.position(v.node).line });
  return value;
}
