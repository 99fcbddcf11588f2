/**
 * The Kubernetes kinds a scenario may name in an object reference (`deployment/web`), and the
 * words kubectl accepts for each: the lower-case kind, the plural resource, short names, and any
 * of them qualified by the API group (`deployment.apps/web`). Matching is case-insensitive, as in
 * kubectl. The loader stores the canonical word: the lower-case singular kind (`deployment`).
 *
 * Manifests are not checked against this table: a manifest of an unknown kind is the apiserver's
 * to reject at run time, which is an outcome, not a load error.
 */

import { formatApiVersion, RESOURCES } from '../../actors/api/resources.ts';
import type { ObjectRef } from '../../actors/scenario/spec.ts';

export interface KindInfo {
  kind: string;
  /** API group, '' for the core group. */
  group: string;
  version: string;
  /** Plural lower-case resource, as in the REST path. */
  resource: string;
  shortNames: readonly string[];
  namespaced: boolean;
}

/**
 * The kinds the apiserver serves (actors/api/resources.ts, the one table), each in its own group's
 * first version; the aliases kept for old clients (Deployments in extensions/v1beta1, Events in
 * events.k8s.io) are left out, so `deployment` means apps/v1.
 */
export const KINDS: readonly KindInfo[] = RESOURCES.filter((r) => r.storageApiVersion === formatApiVersion(r.group, r.versions[0]!)).map((r) => ({
  kind: r.kind,
  group: r.group,
  version: r.versions[0]!,
  resource: r.resource,
  shortNames: r.shortNames,
  namespaced: r.namespaced,
}));

/** Every word kubectl accepts for a kind (lower case), → its entry. */
const WORDS = new Map<string, KindInfo>();
for (const info of KINDS) {
  for (const w of [info.kind.toLowerCase(), info.resource, ...info.shortNames]) WORDS.set(w, info);
}

/** The canonical word of a kind in an ObjectRef: the lower-case singular kind. */
export function canonicalKind(info: KindInfo): string {
  return info.kind.toLowerCase();
}

/** The table entry for a kind word (`pods`, `deploy`, `Deployment`, `deployment.apps`), if any. */
export function kindInfo(word: string): KindInfo | undefined {
  const lower = word.toLowerCase();
  const direct = WORDS.get(lower);
  if (direct) return direct;
  const dot = lower.indexOf('.');
  if (dot <= 0) return undefined;
  const info = WORDS.get(lower.slice(0, dot));
  const group = lower.slice(dot + 1);
  // `deployment.apps`, and `deployment.v1.apps` (kubectl's fully qualified form).
  if (info && (group === info.group || group === `${info.version}.${info.group}`) && info.group !== '') return info;
  return undefined;
}

/** All accepted kind words, for "did you mean". */
export function kindWords(): string[] {
  return [...WORDS.keys()];
}

/** The kinds, for messages: `pod (po, pods), deployment (deploy), …`. */
export function kindList(): string {
  return KINDS.map((i) => i.kind.toLowerCase())
    .sort()
    .join(', ');
}

export type RefParse =
  | { ok: true; kind: KindInfo; name: string }
  | { ok: false; reason: string; unknownKind?: string };

/** `kind/name` → its parts. Namespaces are given beside it (`namespace:`), not in the string. */
export function parseObjectRef(text: string): RefParse {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0) {
    return { ok: false, reason: 'it has no kind: write kind/name' };
  }
  const word = trimmed.slice(0, slash);
  const name = trimmed.slice(slash + 1);
  if (word === '') return { ok: false, reason: 'the kind before "/" is empty' };
  if (name === '') return { ok: false, reason: 'the name after "/" is empty' };
  if (name.includes('/')) return { ok: false, reason: 'it has more than one "/"' };
  if (/\s/.test(trimmed) || trimmed !== text) return { ok: false, reason: 'it contains spaces' };
  const info = kindInfo(word);
  if (!info) return { ok: false, reason: `"${word}" is not a kind kubesim knows`, unknownKind: word };
  const bad = objectNameProblem(name);
  if (bad) return { ok: false, reason: bad };
  return { ok: true, kind: info, name };
}

/** Why a string cannot be an object name, if it cannot (the apiserver checks the rest per kind). */
export function objectNameProblem(name: string): string | undefined {
  if (name.length > 253) return 'the name is longer than 253 characters';
  if (name === '.' || name === '..') return `the name may not be "${name}"`;
  if (/[\s/%]/.test(name)) return 'the name may not contain spaces, "/" or "%"';
  return undefined;
}

/** `deployment/web`, or `deployment/web` with its namespace when it is not `default`. */
export function formatObjectRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}`;
}
