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
 * all integer divisions.
 */
import { stateKey, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import { isExtendedResourceName } from '../framework/resources.ts';
import { newStatus, type Status } from '../framework/status.ts';
import { DEFAULT_RESOURCES, podRequestFor, resourceAllocationScorer, type ResourceSpec } from './helper/resource-allocation.ts';

// Read once into a module-local constant: under tsx's module transform an import is an accessor.
const MAX_SCORE: number = MAX_NODE_SCORE;

export const Name = 'NodeResourcesFit';
export const ReasonTooManyPods = 'Too many pods';

const podRequestsKey = stateKey<readonly number[]>('PreScoreNodeResourcesFit');

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface NodeResourcesFitArgs {
  /** Extended resources the filter ignores (`ignoredResources`). */
  readonly ignoredResources?: readonly string[];
  /** Extended resource groups (domain before "/") the filter ignores (`ignoredResourceGroups`). */
  readonly ignoredResourceGroups?: readonly string[];
  readonly scoringStrategy?: { readonly type?: ScoringStrategyType; readonly resources?: readonly ResourceSpec[] };
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
  const ignored = args.ignoredResources?.length ? new Set(args.ignoredResources) : undefined;
  const ignoredGroups = args.ignoredResourceGroups?.length ? new Set(args.ignoredResourceGroups) : undefined;
  const resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
  const perResource = (args.scoringStrategy?.type ?? 'LeastAllocated') === 'MostAllocated' ? mostRequestedScore : leastRequestedScore;
  const scoreNode = resourceAllocationScorer(resources, false, weightedScorer(resources, perResource));
  // One shared status per failure combination, so rejecting a thousand nodes allocates nothing.
  const byMask: (Status | undefined)[] = [];
  const byReasons = new Map<string, Status>();
  let lastState: CycleState | undefined;
  let lastRequests: readonly number[] = [];

  return {
    name: Name,
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
