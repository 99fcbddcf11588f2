/**
 * Node affinity matching (k8s.io/component-helpers `scheduling/corev1/nodeaffinity`), compiled
 * once per pod into closures so the per-node check is a few map lookups.
 *
 * - A NodeSelector's terms are ORed; a term's matchExpressions (on labels) and matchFields
 *   (only `metadata.name`) are ANDed. A term with neither matches nothing.
 * - In: the label exists and its value is listed. NotIn: the label is absent or its value is
 *   not listed. Exists / DoesNotExist: presence. Gt / Lt: the label exists and, parsed as an
 *   int64, is greater / less than the single value.
 * - An invalid requirement (In/NotIn without values, Exists with values, Gt/Lt without exactly
 *   one integer, an unknown operator or field) makes its term match nothing, as kube's lazy-error
 *   selector does.
 *
 * This is node affinity's own matcher: label selectors for pods live in `actors/api/labels.ts`.
 */
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm } from '@kubernetes/client-node';

export type NodeMatcher = (labels: Readonly<Record<string, string>>, nodeName: string) => boolean;

const NEVER: NodeMatcher = () => false;
const INT64 = /^[+-]?\d+$/;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** `strconv.ParseInt(s, 10, 64)`, or undefined when it would fail. */
export function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

type ValueTest = (value: string | undefined) => boolean;

/** One requirement as a test on the (possibly absent) value; undefined when invalid. */
function compileRequirement(op: string, values: readonly string[]): ValueTest | undefined {
  switch (op) {
    case 'In': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (v) => v !== undefined && set.has(v);
    }
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (v) => v === undefined || !set.has(v);
    }
    case 'Exists':
      return values.length === 0 ? (v) => v !== undefined : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? (v) => v === undefined : undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1) return undefined;
      const bound = parseInt64(values[0]!);
      if (bound === undefined) return undefined;
      return op === 'Gt'
        ? (v) => {
            const n = v === undefined ? undefined : parseInt64(v);
            return n !== undefined && n > bound;
          }
        : (v) => {
            const n = v === undefined ? undefined : parseInt64(v);
            return n !== undefined && n < bound;
          };
    }
    default:
      return undefined;
  }
}

/** One NodeSelectorTerm as a matcher (ANDed requirements). */
export function compileNodeSelectorTerm(term: V1NodeSelectorTerm): NodeMatcher {
  const exprs: V1NodeSelectorRequirement[] = term.matchExpressions ?? [];
  const fields: V1NodeSelectorRequirement[] = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return NEVER;
  const labelTests: { key: string; test: ValueTest }[] = [];
  for (const r of exprs) {
    const test = compileRequirement(r.operator, r.values ?? []);
    if (!test) return NEVER;
    labelTests.push({ key: r.key, test });
  }
  const nameTests: ValueTest[] = [];
  for (const r of fields) {
    if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return NEVER;
    const test = compileRequirement(r.operator, r.values ?? []);
    if (!test) return NEVER;
    nameTests.push(test);
  }
  return (labels, nodeName) => {
    for (const t of labelTests) if (!t.test(Object.prototype.hasOwnProperty.call(labels, t.key) ? labels[t.key] : undefined)) return false;
    for (const t of nameTests) if (!t(nodeName)) return false;
    return true;
  };
}

/** A NodeSelector (ORed terms). No terms → matches nothing. */
export function compileNodeSelectorTerms(terms: readonly V1NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileNodeSelectorTerm).filter((m) => m !== NEVER);
  if (compiled.length === 0) return NEVER;
  if (compiled.length === 1) return compiled[0]!;
  return (labels, name) => {
    for (const m of compiled) if (m(labels, name)) return true;
    return false;
  };
}

/** `spec.nodeSelector`: every key present with exactly this value. */
export function compileNodeSelectorMap(selector: Readonly<Record<string, string>>): NodeMatcher {
  const entries = Object.entries(selector);
  if (entries.length === 0) return () => true;
  return (labels) => {
    for (const [k, v] of entries) if (!Object.prototype.hasOwnProperty.call(labels, k) || labels[k] !== v) return false;
    return true;
  };
}

/** True for a term with no expressions and no fields (kube skips such preferred terms). */
export function isEmptyNodeSelectorTerm(term: V1NodeSelectorTerm | undefined): boolean {
  return !term || ((term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0);
}
