/**
 * Field selectors (apimachinery pkg/fields/selector.go): comma-joined `field=value`,
 * `field==value` and `field!=value` terms, matched against the fields each registry exposes
 * (the `ToSelectableFields` / `GetAttrs` of pkg/registry/<group>/<kind>/strategy.go), and the
 * per-kind list of field labels the apiserver accepts (pkg/apis/core/v1/conversion.go).
 *
 * A missing field reads as "", so `spec.nodeName=` selects unbound pods. `exactNodeName` tells
 * the apiserver when a selector is exactly `spec.nodeName=<n>`, which it can answer from a
 * per-node index instead of filtering every pod (the kubelet's watch).
 *
 * Pure: errors are returned as `{ error }` with the apiserver's text (a 400 BadRequest).
 */

import type { KubeObject } from './protocol.ts';
import { goQuote } from './labels.ts';
import { RESOURCES } from './resources.ts';

export interface FieldTerm {
  readonly field: string;
  /** `==` parses to `=`, as in Go (both are a hasTerm). */
  readonly op: '=' | '!=';
  readonly value: string;
}

/** Terms are ANDed; an empty list selects everything. Terms keep Go's order (raw terms sorted). */
export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
}

export interface FieldSelectorError {
  readonly error: string;
}

export function isFieldSelectorError(value: FieldSelector | FieldSelectorError): value is FieldSelectorError {
  return 'error' in value;
}

/** Splits on commas not escaped with a backslash; escapes stay in the terms. */
function splitTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The first position where `!=`, `==` or `=` starts (checked in that order at each position). */
function splitTerm(term: string): { lhs: string; op: '!=' | '==' | '='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are escapes; a bare `,` or `=` is an error. */
function unescapeValue(text: string): string | FieldSelectorError {
  if (!/[\\,=]/.test(text)) return text;
  let out = '';
  let inSlash = false;
  for (const c of text) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else return { error: `invalid field selector: invalid escape sequence: \\${c}` };
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v, i.e. as its number.
    else if (c === ',' || c === '=') return { error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` };
    else out += c;
  }
  if (inSlash) return { error: 'invalid field selector: invalid escape sequence: \\' };
  return out;
}

/** fields.EscapeValue: the inverse of unescapeValue. */
export function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

/** fields.ParseSelector. */
export function parseFieldSelector(text: string): FieldSelector | FieldSelectorError {
  const parts = splitTerms(text).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) return { error: `invalid selector: '${text}'; can't understand '${part}'` };
    const value = unescapeValue(split.rhs);
    if (typeof value !== 'string') return value;
    terms.push({ field: split.lhs, op: split.op === '!=' ? '!=' : '=', value });
  }
  return { terms };
}

export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.terms.map((t) => `${t.field}${t.op}${escapeValue(t.value)}`).join(',');
}

/** True when every term holds; a field missing from `fields` reads as "". */
export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return selector.terms.every((t) => {
    const have = fields[t.field] ?? '';
    return t.op === '=' ? have === t.value : have !== t.value;
  });
}

/** Selector.RequiresExactMatch: the value of the first `=` term on `field`, if any (other terms may remain). */
export function requiresExactMatch(selector: FieldSelector, field: string): string | undefined {
  return selector.terms.find((t) => t.field === field && t.op === '=')?.value;
}

/**
 * The node name when the selector is exactly one term `spec.nodeName=<n>` (or `==`), so the
 * whole answer is the per-node index entry. `spec.nodeName=` gives "" (the unbound pods).
 * Undefined for anything else, including extra terms, which would still need filtering.
 */
export function exactNodeName(selector: FieldSelector): string | undefined {
  return exactSingleTerm(selector, 'spec.nodeName');
}

/**
 * The name when the selector is exactly one term `metadata.name=<n>` (a kubelet watching its own
 * Node), so a watch index keyed by name finds every watcher an object can match. Undefined for
 * anything else.
 */
export function exactObjectName(selector: FieldSelector): string | undefined {
  return exactSingleTerm(selector, 'metadata.name');
}

function exactSingleTerm(selector: FieldSelector, field: string): string | undefined {
  if (selector.terms.length !== 1) return undefined;
  const only = selector.terms[0]!;
  return only.field === field && only.op === '=' ? only.value : undefined;
}

// --- per-kind field labels -------------------------------------------------------------------

const POD_LABELS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.podIPs',
  'status.nominatedNodeName',
] as const;

const EVENT_LABELS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name',
] as const;

/** Kinds with their own AddFieldLabelConversionFunc; every other kind accepts metadata.name and metadata.namespace. */
const SUPPORTED_LABELS: Readonly<Record<string, readonly string[]>> = {
  Pod: POD_LABELS,
  Node: ['metadata.name', 'spec.unschedulable'],
  Namespace: ['status.phase', 'metadata.name'],
  Service: ['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'],
  Event: EVENT_LABELS,
  // text unverified: from extensions/v1beta1's ReplicaSet conversion; apps/v1 may only register the default.
  ReplicaSet: ['metadata.name', 'metadata.namespace', 'status.replicas'],
};

/** The field labels a list or watch of `kind` may select on. */
export function supportedFieldLabels(kind: string): readonly string[] {
  return SUPPORTED_LABELS[kind] ?? ['metadata.name', 'metadata.namespace'];
}

/**
 * The apiserver's ConvertFieldLabel pass over a list/watch selector: renames the legacy Pod
 * label `spec.host` to `spec.nodeName` and rejects labels the kind does not support, with the
 * message the apiserver sends in its 400.
 */
export function convertFieldSelector(kind: string, selector: FieldSelector): FieldSelector | FieldSelectorError {
  const terms: FieldTerm[] = [];
  for (const term of selector.terms) {
    if (kind === 'Pod' && term.field === 'spec.host') {
      terms.push({ ...term, field: 'spec.nodeName' });
      continue;
    }
    if (!supportedFieldLabels(kind).includes(term.field)) {
      if (SUPPORTED_LABELS[kind]) return { error: `field label not supported: ${term.field}` };
      return { error: `${goQuote(term.field)} is not a known field selector: only "metadata.name", "metadata.namespace"` };
    }
    terms.push(term);
  }
  return { terms };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function rec(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const CLUSTER_SCOPED = new Set(RESOURCES.filter((r) => !r.namespaced).map((r) => r.kind));

/**
 * The fields an object exposes to field selectors, keyed by field label, for `kind` (default
 * `obj.kind`). Cluster-scoped kinds expose no metadata.namespace.
 */
export function selectableFields(obj: KubeObject, kind = obj.kind ?? ''): Record<string, string> {
  const meta = obj.metadata ?? {};
  const spec = rec(obj['spec']);
  const status = rec(obj['status']);
  const fields: Record<string, string> = { 'metadata.name': str(meta.name) };
  if (!CLUSTER_SCOPED.has(kind)) fields['metadata.namespace'] = str(meta.namespace);
  switch (kind) {
    case 'Pod': {
      const podIPs = Array.isArray(status['podIPs']) ? (status['podIPs'] as unknown[]) : [];
      fields['spec.nodeName'] = str(spec['nodeName']);
      fields['spec.restartPolicy'] = str(spec['restartPolicy']);
      fields['spec.schedulerName'] = str(spec['schedulerName']);
      fields['spec.serviceAccountName'] = str(spec['serviceAccountName']);
      fields['spec.hostNetwork'] = spec['hostNetwork'] === true ? 'true' : 'false';
      fields['status.phase'] = str(status['phase']);
      fields['status.podIP'] = podIPs.length > 0 ? str(rec(podIPs[0])['ip']) : str(status['podIP']);
      fields['status.nominatedNodeName'] = str(status['nominatedNodeName']);
      break;
    }
    case 'Node':
      fields['spec.unschedulable'] = spec['unschedulable'] === true ? 'true' : 'false';
      break;
    case 'Namespace':
      fields['status.phase'] = str(status['phase']);
      break;
    case 'Service':
      fields['spec.clusterIP'] = str(spec['clusterIP']);
      fields['spec.type'] = str(spec['type']);
      break;
    case 'ReplicaSet':
      fields['status.replicas'] = String(typeof status['replicas'] === 'number' ? status['replicas'] : 0);
      break;
    case 'Event': {
      const involved = rec(obj['involvedObject']);
      for (const key of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        fields[`involvedObject.${key}`] = str(involved[key]);
      }
      fields['reason'] = str(obj['reason']);
      fields['reportingComponent'] = str(obj['reportingComponent']);
      fields['source'] = str(rec(obj['source'])['component']);
      fields['type'] = str(obj['type']);
      break;
    }
  }
  return fields;
}

/** True when `obj` passes the selector. */
export function matchesObject(selector: FieldSelector, obj: KubeObject, kind = obj.kind ?? ''): boolean {
  return matchesFields(selector, selectableFields(obj, kind));
}

// --- field paths into an object --------------------------------------------------------------

/**
 * A path into an object as scenario files write it: field names separated by `.`, each maybe
 * followed by list indexes — `status.readyReplicas`, `spec.containers[0].image`,
 * `metadata.labels.app`. A list may also be indexed by a dotted number (`spec.containers.0.image`).
 */
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/;

/** One step of a field path: a field name, or a list index written in brackets. */
export type FieldPathSegment = string | number;

/** The steps of a field path (`spec.containers[0].image` → spec, containers, 0, image), or undefined when it is not one. */
export function parseFieldPath(path: string): FieldPathSegment[] | undefined {
  if (!FIELD_PATH.test(path)) return undefined;
  const segments: FieldPathSegment[] = [];
  for (const part of path.split('.')) {
    const bracket = part.indexOf('[');
    segments.push(bracket < 0 ? part : part.slice(0, bracket));
    if (bracket < 0) continue;
    for (const m of part.slice(bracket).matchAll(/\[(\d+)\]/g)) segments.push(Number(m[1]));
  }
  return segments;
}

/**
 * The value at a field path, or undefined when a step is missing (or the path is not one). Only
 * an object's own fields are read; a list is indexed by a bracketed or a dotted whole number.
 */
export function valueAtFieldPath(obj: unknown, path: string | readonly FieldPathSegment[]): unknown {
  const segments = typeof path === 'string' ? parseFieldPath(path) : path;
  if (!segments) return undefined;
  let cur: unknown = obj;
  for (const segment of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : -1;
      if (index < 0 || index >= cur.length) return undefined;
      cur = cur[index];
    } else {
      if (typeof segment === 'number' || !Object.hasOwn(cur, segment)) return undefined;
      cur = (cur as Record<string, unknown>)[segment];
    }
  }
  return cur;
}
