/**
 * Label selectors compiled for the scheduler's hot loops (kube `labels.Selector` as the
 * InterPodAffinity and PodTopologySpread plugins use it).
 *
 * Parsing and validation are the apiserver's (`actors/api/labels.ts`
 * `selectorFromLabelSelector`, i.e. `metav1.LabelSelectorAsSelector`): a nil selector selects
 * nothing, `{}` selects everything, otherwise every requirement must hold. The result is compiled
 * once into a closure so matching a pod's labels costs a few property reads, no allocation.
 *
 * `empty` mirrors Go's `Selector.Empty()`: true only for the select-everything selector with no
 * requirements (the nothing-selector is not "empty"). PodTopologySpread counts no pods for an
 * empty selector; InterPodAffinity merges a namespaceSelector only when it is not empty.
 */
import { isSelectorError, selectorFromLabelSelector, type LabelSelector, type Requirement } from '../../api/labels.ts';

export type Labels = Readonly<Record<string, string>> | undefined;

export interface CompiledSelector {
  /** 'nothing' (nil selector), 'everything' (`{}`), or 'requirements'. */
  readonly kind: 'nothing' | 'everything' | 'requirements';
  /** Go `Selector.Empty()`: no requirements and not the nothing-selector. */
  readonly empty: boolean;
  readonly requirements: readonly Requirement[];
  /** True when every requirement holds; undefined labels are an empty set. */
  readonly matches: (labels: Labels) => boolean;
}

const NEVER = (): boolean => false;
const ALWAYS = (): boolean => true;

export const SELECT_NOTHING: CompiledSelector = Object.freeze({ kind: 'nothing', empty: false, requirements: Object.freeze([]) as readonly Requirement[], matches: NEVER });
export const SELECT_EVERYTHING: CompiledSelector = Object.freeze({ kind: 'everything', empty: true, requirements: Object.freeze([]) as readonly Requirement[], matches: ALWAYS });

/**
 * A label value as a string, or undefined when absent. Object.prototype has no string-valued
 * properties, so the typeof test alone keeps inherited members (`constructor`) out.
 */
function valueOf(labels: Labels, key: string): string | undefined {
  if (labels === undefined) return undefined;
  const v = labels[key];
  return typeof v === 'string' ? v : undefined;
}

const INT64 = /^[+-]?\d+$/;

function compileRequirement(r: Requirement): (labels: Labels) => boolean {
  const key = r.key;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in': {
      if (r.values.length === 1) {
        const want = r.values[0]!;
        return (labels) => valueOf(labels, key) === want;
      }
      const set = new Set(r.values);
      return (labels) => {
        const v = valueOf(labels, key);
        return v !== undefined && set.has(v);
      };
    }
    case '!=':
    case 'notin': {
      const set = new Set(r.values);
      return (labels) => {
        const v = valueOf(labels, key);
        return v === undefined || !set.has(v);
      };
    }
    case 'exists':
      return (labels) => valueOf(labels, key) !== undefined;
    case '!':
      return (labels) => valueOf(labels, key) === undefined;
    case 'gt':
    case 'lt': {
      const want = r.values.length === 1 && INT64.test(r.values[0]!) ? BigInt(r.values[0]!) : undefined;
      const gt = r.operator === 'gt';
      return (labels) => {
        const v = valueOf(labels, key);
        if (v === undefined || want === undefined || !INT64.test(v)) return false;
        const have = BigInt(v);
        return gt ? have > want : have < want;
      };
    }
  }
}

/** Compiles already-validated requirements (ANDed). */
export function compileRequirements(requirements: readonly Requirement[]): CompiledSelector {
  if (requirements.length === 0) return SELECT_EVERYTHING;
  const tests = requirements.map(compileRequirement);
  let matches: (labels: Labels) => boolean;
  if (tests.length === 1) matches = tests[0]!;
  else if (tests.length === 2) {
    const [a, b] = tests as [(l: Labels) => boolean, (l: Labels) => boolean];
    matches = (labels) => a(labels) && b(labels);
  } else {
    matches = (labels) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(labels)) return false;
      return true;
    };
  }
  return Object.freeze({ kind: 'requirements', empty: false, requirements: Object.freeze([...requirements]), matches });
}

/**
 * `metav1.LabelSelectorAsSelector` compiled: nil → nothing, `{}` → everything. Returns
 * `{ error }` with the apiserver's text for an invalid selector.
 */
export function compileLabelSelector(selector: LabelSelector | null | undefined): CompiledSelector | { readonly error: string } {
  const parsed = selectorFromLabelSelector(selector);
  if (isSelectorError(parsed)) return parsed;
  if (parsed.type === 'nothing') return SELECT_NOTHING;
  return compileRequirements(parsed.requirements);
}

/** `labels.SelectorFromSet`: every pair as `key=value`; an empty or absent set selects everything. */
export function selectorFromSet(set: Readonly<Record<string, string>> | undefined): CompiledSelector {
  const keys = Object.keys(set ?? {}).sort();
  return compileRequirements(keys.map((k) => ({ key: k, operator: '=' as const, values: [set![k]!] })));
}

/**
 * `Selector.Add(requirements...)`: the conjunction. Adding to the nothing-selector keeps nothing
 * (Go's `nothingSelector.Add` returns itself).
 */
export function addRequirements(base: CompiledSelector, extra: readonly Requirement[]): CompiledSelector {
  if (base.kind === 'nothing') return base;
  if (extra.length === 0) return base;
  return compileRequirements([...base.requirements, ...extra]);
}

/** Canonical text of a selector (requirements are kept sorted): equal selectors, equal keys. */
export function selectorKey(s: CompiledSelector): string {
  return s.kind === 'requirements' ? JSON.stringify(s.requirements) : s.kind;
}
