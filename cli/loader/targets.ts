/**
 * Names in a scenario and what they refer to: members, groups bound with `as`, roles, clients and
 * operation ids. The loader checks statically what it can; roles stay symbolic (they resolve when
 * the step runs).
 */

import { isScalar, isSeq } from 'yaml';
import type { TargetRef } from '../../actors/scenario/spec.ts';
import { formatDuration } from './durations.ts';
import { closest, readList, wrongType, type Ctx, type Val } from './tree.ts';

export const ROLES = ['leader', 'a follower', 'followers', 'rest', 'all'] as const;
/** Words that mean something in a target position and so cannot name a group or a client. */
const RESERVED = [...ROLES, 'none', 'any'];
const MEMBER_NAME = /^etcd-\d+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface Binding {
  /** The step that binds the group, and its time (undefined if that was invalid). */
  stepIndex: number;
  atMs: number | undefined;
  line: number;
}

export interface OpInfo {
  verb: 'put' | 'get' | 'delete';
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
}

export interface TargetUse {
  /** `rest` = every member not named earlier in the same step: only where something was. */
  rest: boolean;
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
  const roles = ROLES.filter((r) => use.rest || r !== 'rest');
  const guess = closest(name, [...roles, ...groups, ...(st.members ?? [])]);
  const parts = [
    st.members ? `members are ${memberRange(st.members)}` : 'members are etcd-0, etcd-1, …',
    groups.length > 0 ? `groups${use.step ? ' bound so far' : ''}: ${groups.join(', ')}` : `no groups bound${use.step ? ' so far' : ''}`,
    `roles: ${roles.join(', ')}`,
  ];
  return cx.report(
    v.node,
    `unknown target "${name}" in ${v.path}: not a member, a group or a role`,
    parts.join('; '),
    guess ? `did you mean "${guess}"?` : 'use a member name, a role, or bind a group with "as" in an earlier step',
  );
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
    if (!(RESERVED as readonly string[]).includes(value) && !MEMBER_NAME.test(value)) {
      st.groups.set(value, { stepIndex, atMs, line: cx.position(v.node).line });
    }
    out.push(value);
  }
  return bad ? undefined : out;
}

/** Why `name` cannot name a group or a client, if it cannot. */
export function nameClash(st: State, name: string, what: 'group' | 'client'): { what: string; expected: string; fix: string } | undefined {
  const fix = `choose another name${what === 'group' ? ', like minority' : ', like app'}`;
  if ((RESERVED as readonly string[]).includes(name)) {
    return { what: `it is a reserved word`, expected: `reserved: ${RESERVED.join(', ')}`, fix };
  }
  if (MEMBER_NAME.test(name)) {
    return { what: 'it looks like a member name', expected: 'names of the form etcd-N are kept for members', fix };
  }
  if (!isDnsLabel(name)) {
    const better = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    return {
      what: 'it is not a DNS-1123 label',
      expected: 'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      fix: better && isDnsLabel(better) ? `write ${better}` : fix,
    };
  }
  if (what === 'group' && st.clients.has(name)) {
    return { what: `a client has that name (line ${st.clients.get(name)?.line ?? 0})`, expected: 'group and client names must differ', fix };
  }
  return undefined;
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
export function defineId(cx: Ctx, st: State, v: Val, verb: OpInfo['verb']): string | undefined {
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
