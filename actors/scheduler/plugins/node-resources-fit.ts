/**
 * NodeResourcesFit (pkg/scheduler/framework/plugins/noderesources/fit.go).
 *
 * Filter (`fitsRequest`), every failure kept as a separate reason, all Unschedulable (preemption
 * may free room):
 *   `Too many pods`           pods on the node + 1 > allocatable pods
 *   `Insufficient cpu`        request > allocatable − requested   (only when requested > 0)
 *   `Insufficient memory`, `Insufficient ephemeral-storage`, `Insufficient <extended resource>`
 * A pod requesting nothing is checked for the pod count only. Requests are the pod's effective
 * requests: Σ containers, max with each init container (sidecars cumulative), pod-level
 * requests when set, plus `spec.overhead`.
 *
 * Score, by `scoringStrategy` (default LeastAllocated, cpu:1 memory:1), on non-zero requests:
 *   LeastAllocated  Σ w·((alloc − req)·100 / alloc) / Σ w     (0 when req > alloc)
 *   MostAllocated   Σ w·(min(req, alloc)·100 / alloc) / Σ w
 *   RequestedToCapacityRatio
 *                   per resource u = req·100 / alloc (100 when req > alloc), f(u) the broken
 *                   linear function through the shape points (scores 0..10 scaled ×10,
 *                   interpolation with Go's truncating integer division); resources with
 *                   f(u) = 0 drop out of both sums: round(Σ w·f(u) / Σ w) (float64 division)
 * the first two with integer divisions. Resources whose allocatable is 0 are left out.
 */
import { stateKey, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { isExtendedResourceName } from '../framework/resources.ts';
import type { FieldCause } from '../../api/errors.ts';
import { causeText, invalid, notSupported, required } from '../../api/labels.ts';
import { newStatus, type Status } from '../framework/status.ts';
import { DEFAULT_RESOURCES, podRequestFor, resourceAllocationScorer, type ResourceSpec } from './helper/resource-allocation.ts';

// Read once into a module-local constant: under tsx's module transform an import is an accessor.
const MAX_SCORE: number = MAX_NODE_SCORE;

export const Name = 'NodeResourcesFit';
export const ReasonTooManyPods = 'Too many pods';

const podRequestsKey = stateKey<readonly number[]>('PreScoreNodeResourcesFit');

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
export const SCORING_STRATEGY_TYPES: readonly ScoringStrategyType[] = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

/** `config.UtilizationShapePoint`: utilization 0..100, score 0..10 (MaxCustomPriorityScore). */
export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/** `config.ScoringStrategy`. */
export interface ScoringStrategy {
  readonly type?: ScoringStrategyType;
  readonly resources?: readonly ResourceSpec[];
  readonly requestedToCapacityRatio?: { readonly shape?: readonly UtilizationShapePoint[] };
}

export interface NodeResourcesFitArgs {
  /** Extended resources the filter ignores (`ignoredResources`). */
  readonly ignoredResources?: readonly string[];
  /** Extended resource groups (domain before "/") the filter ignores (`ignoredResourceGroups`). */
  readonly ignoredResourceGroups?: readonly string[];
  readonly scoringStrategy?: ScoringStrategy;
}

/** `config.MaxCustomPriorityScore`: shape scores are 0..10, scaled to 0..100. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_UTILIZATION = 100;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** `config.ResourceSpec` list checks (validation.validateResources): a name and a weight in 1..100, no duplicates. */
export function validateResourceSpecs(resources: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!Array.isArray(resources)) return [invalid(path, resources, 'must be a list of {name, weight}')];
  const seen = new Set<string>();
  resources.forEach((r: unknown, i) => {
    const p = `${path}[${i}]`;
    if (typeof r !== 'object' || r === null) {
      errs.push(invalid(p, r, 'must be an object {name, weight}'));
      return;
    }
    const { name, weight } = r as { name?: unknown; weight?: unknown };
    if (typeof name !== 'string' || name === '') errs.push(required(`${p}.name`, 'a resource name such as "cpu"'));
    else if (seen.has(name)) errs.push(invalid(`${p}.name`, name, 'duplicate resource name'));
    else seen.add(name);
    if (!isInt(weight) || weight < 1 || weight > 100) errs.push(invalid(`${p}.weight`, weight, 'resource weight must be an integer in [1, 100]'));
  });
  return errs;
}

/** `validateFunctionShape`. */
export function validateShape(shape: unknown, path: string): FieldCause[] {
  if (!Array.isArray(shape) || shape.length === 0) return [required(path, 'at least one point must be specified')];
  const errs: FieldCause[] = [];
  for (let i = 1; i < shape.length; i++) {
    const a = (shape[i - 1] as { utilization?: unknown } | null)?.utilization;
    const b = (shape[i] as { utilization?: unknown } | null)?.utilization;
    if (isInt(a) && isInt(b) && a >= b) {
      errs.push(invalid(`${path}[${i}].utilization`, b, 'utilization values must be sorted in increasing order'));
      break;
    }
  }
  shape.forEach((pt: unknown, i) => {
    const { utilization, score } = (pt ?? {}) as { utilization?: unknown; score?: unknown };
    if (!isInt(utilization) || utilization < 0 || utilization > MAX_UTILIZATION) errs.push(invalid(`${path}[${i}].utilization`, utilization, 'not in valid range [0, 100]'));
    if (!isInt(score) || score < 0 || score > MAX_CUSTOM_PRIORITY_SCORE) errs.push(invalid(`${path}[${i}].score`, score, 'not in valid range [0, 10]'));
  });
  return errs;
}

/** `ValidateNodeResourcesFitArgs` (the parts kubesim models); `path` is the args' field path. */
export function validateNodeResourcesFitArgs(args: unknown, path = 'args'): FieldCause[] {
  if (args === undefined || args === null) return [];
  if (typeof args !== 'object') return [invalid(path, args, 'must be an object')];
  const a = args as Record<string, unknown>;
  const errs: FieldCause[] = [];
  for (const key of ['ignoredResources', 'ignoredResourceGroups'] as const) {
    const v = a[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) errs.push(invalid(`${path}.${key}`, v, 'must be a list of resource names'));
  }
  const ss = a.scoringStrategy;
  if (ss === undefined || ss === null) return errs;
  if (typeof ss !== 'object') return [...errs, invalid(`${path}.scoringStrategy`, ss, 'must be an object {type, resources, requestedToCapacityRatio}')];
  const { type, resources, requestedToCapacityRatio } = ss as Record<string, unknown>;
  const t = type ?? 'LeastAllocated';
  if (!SCORING_STRATEGY_TYPES.includes(t as ScoringStrategyType)) errs.push(notSupported(`${path}.scoringStrategy.type`, t, SCORING_STRATEGY_TYPES));
  if (resources !== undefined) errs.push(...validateResourceSpecs(resources, `${path}.scoringStrategy.resources`));
  if (t === 'RequestedToCapacityRatio') {
    const shape = (requestedToCapacityRatio as { shape?: unknown } | undefined)?.shape;
    errs.push(...validateShape(shape, `${path}.scoringStrategy.requestedToCapacityRatio.shape`));
  }
  return errs;
}

/** Throws the first invalid field as `path: message` (for factories called without the config parser). */
export function throwIfInvalid(plugin: string, causes: readonly FieldCause[]): void {
  if (causes.length > 0) throw new Error(`${plugin}: ${causes.map(causeText).join('; ')}`);
}

/** One resource the pod lacks on a node (kube `InsufficientResource`). */
export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
}

/** `fitsRequest`: every resource the node lacks for the pod, in kube's order. */
export function fitsRequest(pod: PodInfo, node: NodeInfo, ignored?: ReadonlySet<string>, ignoredGroups?: ReadonlySet<string>): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = node.allocatable;
  if (node.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: ReasonTooManyPods, requested: 1, used: node.pods.length, capacity: alloc.allowedPodNumber });
  }
  const req = pod.resources.requests;
  if (req.milliCpu === 0 && req.memory === 0 && req.ephemeralStorage === 0 && (req.scalar === null || req.scalar.size === 0)) return out;
  const used = node.requested;
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCpu, used: used.milliCpu, capacity: alloc.milliCpu });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  if (req.scalar) {
    for (const [name, quantity] of req.scalar) {
      if (quantity === 0) continue;
      if (isExtendedResourceName(name) && (ignored?.has(name) || ignoredGroups?.has(name.split('/')[0]!))) continue;
      const capacity = alloc.scalar?.get(name) ?? 0;
      const inUse = used.scalar?.get(name) ?? 0;
      if (quantity > capacity - inUse) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: quantity, used: inUse, capacity });
    }
  }
  return out;
}

/** `leastRequestedScore`. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_SCORE) / capacity);
}

/** `mostRequestedScore`. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.floor((Math.min(requested, capacity) * MAX_SCORE) / capacity);
}

/** `scaledUtilization`: requested·max / capacity exactly, requested clamped to [0, capacity]. */
export function scaledUtilization(requested: number, capacity: number, max: number): number {
  if (capacity <= 0 || requested <= 0) return 0;
  if (requested >= capacity) return max;
  const product = requested * max;
  if (Number.isSafeInteger(product)) return Math.floor(product / capacity);
  return Number((BigInt(requested) * BigInt(max)) / BigInt(capacity));
}

/**
 * `helper.BuildBrokenLinearFunction`: shape[0].score up to its utilization, linear between points
 * (Go int64 arithmetic: the division truncates toward zero), the last score beyond the last point.
 */
export function brokenLinearFunction(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  const pts = shape.map((s) => ({ u: s.utilization, s: s.score }));
  return (p) => {
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i]!;
      if (p <= cur.u) {
        if (i === 0) return cur.s;
        const prev = pts[i - 1]!;
        return prev.s + Math.trunc(((cur.s - prev.s) * (p - prev.u)) / (cur.u - prev.u));
      }
    }
    return pts[pts.length - 1]!.s;
  };
}

/** `requestedToCapacityRatioScorer` + `buildRequestedToCapacityRatioScorerFunction`. */
export function requestedToCapacityRatioScorer(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]) {
  const scale = MAX_SCORE / MAX_CUSTOM_PRIORITY_SCORE;
  const raw = brokenLinearFunction(shape.map((p) => ({ utilization: p.utilization, score: p.score * scale })));
  const weights = resources.map((r) => r.weight);
  const resourceScore = (requested: number, capacity: number): number =>
    capacity === 0 || requested > capacity ? raw(MAX_UTILIZATION) : raw(scaledUtilization(requested, capacity, MAX_UTILIZATION));
  return (requested: readonly number[], allocatable: readonly number[]): number => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = weights[i]!;
      const rs = resourceScore(requested[i]!, allocatable[i]!);
      if (rs > 0) {
        nodeScore += rs * w;
        weightSum += w;
      }
    }
    // Go: int64(math.Round(float64(nodeScore) / float64(weightSum))); never negative here.
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/** The weighted mean of per-resource scores over the resources that were not left out (integer division). */
function weightedScorer(resources: readonly ResourceSpec[], perResource: (requested: number, capacity: number) => number) {
  const weights = resources.map((r) => r.weight);
  return (requested: readonly number[], allocatable: readonly number[]): number => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) {
      if (allocatable[i] === 0) continue;
      const w = weights[i]!;
      nodeScore += perResource(requested[i]!, allocatable[i]!) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
  };
}

/** Bits of the common filter failures, for the allocation-free fast path. */
const TOO_MANY_PODS = 1;
const CPU = 2;
const MEMORY = 4;
const EPHEMERAL = 8;
const MASK_REASONS: readonly [number, string][] = [
  [TOO_MANY_PODS, ReasonTooManyPods],
  [CPU, 'Insufficient cpu'],
  [MEMORY, 'Insufficient memory'],
  [EPHEMERAL, 'Insufficient ephemeral-storage'],
];

export function newNodeResourcesFit(args: NodeResourcesFitArgs = {}): Plugin {
  throwIfInvalid(Name, validateNodeResourcesFitArgs(args));
  const ignored = args.ignoredResources?.length ? new Set(args.ignoredResources) : undefined;
  const ignoredGroups = args.ignoredResourceGroups?.length ? new Set(args.ignoredResourceGroups) : undefined;
  const resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
  const type = args.scoringStrategy?.type ?? 'LeastAllocated';
  const vectorScorer =
    type === 'RequestedToCapacityRatio'
      ? requestedToCapacityRatioScorer(resources, args.scoringStrategy?.requestedToCapacityRatio?.shape ?? [])
      : weightedScorer(resources, type === 'MostAllocated' ? mostRequestedScore : leastRequestedScore);
  const scoreNode = resourceAllocationScorer(resources, false, vectorScorer);
  // One shared status per failure combination, so rejecting a thousand nodes allocates nothing.
  const byMask: (Status | undefined)[] = [];
  const byReasons = new Map<string, Status>();
  let lastState: CycleState | undefined;
  let lastRequests: readonly number[] = [];

  return {
    name: Name,
    fusion: {
      kind: 'NodeResourcesFit',
      leastAllocated:
        type === 'LeastAllocated' && resources.length === 2 && resources[0]!.name === 'cpu' && resources[1]!.name === 'memory'
          ? { cpuWeight: resources[0]!.weight, memoryWeight: resources[1]!.weight }
          : null,
    },
    filter(_state, pod, node) {
      const req = pod.resources.requests;
      if (req.scalar !== null && req.scalar.size > 0) {
        // Extended resources: the general (allocating) path.
        const insufficient = fitsRequest(pod, node, ignored, ignoredGroups);
        if (insufficient.length === 0) return null;
        const reasons = insufficient.map((r) => r.reason);
        const key = reasons.join('\n');
        let s = byReasons.get(key);
        if (!s) byReasons.set(key, (s = newStatus('Unschedulable', reasons, Name)));
        return s;
      }
      const alloc = node.allocatable;
      const used = node.requested;
      let mask = 0;
      if (node.pods.length + 1 > alloc.allowedPodNumber) mask |= TOO_MANY_PODS;
      if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) mask |= CPU;
      if (req.memory > 0 && req.memory > alloc.memory - used.memory) mask |= MEMORY;
      if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) mask |= EPHEMERAL;
      if (mask === 0) return null;
      let s = byMask[mask];
      if (!s) {
        const reasons = MASK_REASONS.filter(([bit]) => (mask & bit) !== 0).map(([, reason]) => reason);
        byMask[mask] = s = newStatus('Unschedulable', reasons, Name);
      }
      return s;
    },
    preScore(state, pod) {
      state.write(podRequestsKey, resources.map((r) => podRequestFor(pod, r.name, false)));
      return null;
    },
    score(state, pod, node) {
      if (state !== lastState) {
        lastState = state;
        lastRequests = state.read(podRequestsKey) ?? resources.map((r) => podRequestFor(pod, r.name, false));
      }
      return scoreNode(lastRequests, node);
    },
  } satisfies Plugin;
}
