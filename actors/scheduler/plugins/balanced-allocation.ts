/**
 * NodeResourcesBalancedAllocation (pkg/scheduler/framework/plugins/noderesources/
 * balanced_allocation.go): favours nodes whose cpu and memory fractions stay close.
 *
 *   fraction_r = min(1, (requested_r + pod_r) / allocatable_r)   exact requests (useRequested)
 *   std        = |f_cpu − f_mem| / 2  for two resources; the population std for more
 *   score      = int64((1 − std) · 100)                          float64, truncated, as Go
 *
 * PreScore returns Skip for a pod that requests none of the resources (a "best-effort" pod),
 * so it adds nothing to the total (kubernetes#129138, in recent releases).
 */
import { stateKey, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import { skipStatus } from '../framework/status.ts';
import { DEFAULT_RESOURCES, podRequestFor, resourceAllocationScorer, type ResourceSpec } from './helper/resource-allocation.ts';

// Read once into a module-local constant: under tsx's module transform an import is an accessor.
const MAX_SCORE: number = MAX_NODE_SCORE;

export const Name = 'NodeResourcesBalancedAllocation';

export interface BalancedAllocationArgs {
  readonly resources?: readonly ResourceSpec[];
}

const podRequestsKey = stateKey<readonly number[]>('PreScoreNodeResourcesBalancedAllocation');

/** `balancedResourceScorer`. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  let count = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    let f = requested[i]! / allocatable[i]!;
    if (f > 1) f = 1;
    total += f;
    if (count === 0) f0 = f;
    else if (count === 1) f1 = f;
    count++;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (count > 2) {
    // The well-known formula: √(Σ(f − mean)² / n), summed in the same order as Go.
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      let f = requested[i]! / allocatable[i]!;
      if (f > 1) f = 1;
      sum = sum + (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_SCORE);
}

export function newBalancedAllocation(args: BalancedAllocationArgs = {}): Plugin {
  const resources = args.resources ?? DEFAULT_RESOURCES;
  const scoreNode = resourceAllocationScorer(resources, true, balancedResourceScore);
  const skip = skipStatus(Name);
  let lastState: CycleState | undefined;
  let lastRequests: readonly number[] = [];
  return {
    name: Name,
    fusion: { kind: 'BalancedAllocation', cpuMemory: resources.length === 2 && resources[0]!.name === 'cpu' && resources[1]!.name === 'memory' },
    preScore(state, pod) {
      const podRequests = resources.map((r) => podRequestFor(pod, r.name, true));
      if (podRequests.every((v) => v === 0)) return skip;
      state.write(podRequestsKey, podRequests);
      return null;
    },
    score(state, pod, node) {
      if (state !== lastState) {
        lastState = state;
        lastRequests = state.read(podRequestsKey) ?? resources.map((r) => podRequestFor(pod, r.name, true));
      }
      return scoreNode(lastRequests, node);
    },
  } satisfies Plugin;
}
