/**
 * The scoring core shared by NodeResourcesFit's strategies and BalancedAllocation (kube
 * `noderesources/resource_allocation.go`): for each configured resource, the node's allocatable
 * and its requested amount including the incoming pod, then a scorer over those vectors.
 *
 * - LeastAllocated / MostAllocated read `NonZeroRequested` (a pod without requests counts as
 *   100m / 200 MiB) for cpu and memory; BalancedAllocation reads the exact `Requested`
 *   (`useRequested`).
 * - A resource whose allocatable is 0 is left out (both vector entries 0); an extended resource
 *   the pod does not request is left out.
 *
 * Score runs for hundreds of nodes per pod, so the per-node function is a closure built once per
 * plugin that fills preallocated vectors: no allocation, no cross-module calls per node.
 */
import type { NodeInfo } from '../../framework/node-info.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { isScalarResourceName } from '../../framework/resources.ts';

/** `config.ResourceSpec`. */
export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
]);

/** `calculatePodResourceRequest` for one resource: non-zero cpu/memory unless `useRequested`. */
export function podRequestFor(pod: PodInfo, resource: string, useRequested: boolean): number {
  const r = pod.resources;
  switch (resource) {
    case 'cpu':
      return useRequested ? r.requests.milliCpu : r.nonZeroMilliCpu;
    case 'memory':
      return useRequested ? r.requests.memory : r.nonZeroMemory;
    case 'ephemeral-storage':
      return r.requests.ephemeralStorage;
    default:
      return r.requests.scalar?.get(resource) ?? 0;
  }
}

/** Scores one node from its (requested, allocatable) vectors; left-out resources have allocatable 0. */
export type VectorScorer = (requested: readonly number[], allocatable: readonly number[]) => number;

const CPU = 0;
const MEMORY = 1;
const EPHEMERAL = 2;
const SCALAR = 3;

/**
 * Builds the per-node scoring function: `(podRequests, node) → score`, where `podRequests[i]`
 * is the pod's request for `resources[i]` (see `podRequestFor`).
 */
export function resourceAllocationScorer(resources: readonly ResourceSpec[], useRequested: boolean, scorer: VectorScorer): (podRequests: readonly number[], node: NodeInfo) => number {
  const n = resources.length;
  const kinds = resources.map((r) => (r.name === 'cpu' ? CPU : r.name === 'memory' ? MEMORY : r.name === 'ephemeral-storage' ? EPHEMERAL : SCALAR));
  const names = resources.map((r) => r.name);
  const scalarName = names.map((name) => isScalarResourceName(name));
  const requested = new Array<number>(n).fill(0);
  const allocatable = new Array<number>(n).fill(0);
  return (podRequests, node) => {
    const alloc = node.allocatable;
    for (let i = 0; i < n; i++) {
      const podRequest = podRequests[i]!;
      let a = 0;
      let r = 0;
      switch (kinds[i]) {
        case CPU:
          a = alloc.milliCpu;
          r = (useRequested ? node.requested.milliCpu : node.nonZeroRequested.milliCpu) + podRequest;
          break;
        case MEMORY:
          a = alloc.memory;
          r = (useRequested ? node.requested.memory : node.nonZeroRequested.memory) + podRequest;
          break;
        case EPHEMERAL:
          a = alloc.ephemeralStorage;
          r = node.requested.ephemeralStorage + podRequest;
          break;
        default:
          // An extended resource the pod does not request is left out.
          if (!(podRequest === 0 && scalarName[i])) {
            a = alloc.scalar?.get(names[i]!) ?? 0;
            r = (node.requested.scalar?.get(names[i]!) ?? 0) + podRequest;
          }
      }
      if (a === 0) {
        requested[i] = 0;
        allocatable[i] = 0;
      } else {
        requested[i] = r;
        allocatable[i] = a;
      }
    }
    return scorer(requested, allocatable);
  };
}
