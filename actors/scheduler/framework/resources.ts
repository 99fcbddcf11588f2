/**
 * Resource arithmetic as kube-scheduler does it: exact integers (CPU in milli-cores, everything
 * else in whole units, rounded up like `Quantity.Value()`), a pod's effective requests
 * (`resourcehelper.PodRequests`: containers summed, init containers as a maximum, sidecars
 * cumulative, pod-level requests overriding, overhead added) and the "non-zero" requests used
 * for scoring, where a container that requests nothing counts as 100m CPU and 200 MiB.
 */
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { toMilli, toUnits } from '../../api/quantity.ts';

/** `schedutil.DefaultMilliCPURequest`: 0.1 core. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** `schedutil.DefaultMemoryRequest`: 200 MiB (the Go comment says "200 MB"; the value is 200·2^20). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A resource list in scheduler units: `cpu` in milli-cores, every other resource in whole units. */
export type ResourceList = Map<string, number>;

/** The resources the scheduler tracks per node (kube `framework.Resource`). */
export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources, hugepages-*, attachable-volumes-*; null until one is seen. */
  scalar: Map<string, number> | null;
}

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: null };
}

export function cloneResources(r: Resources): Resources {
  return { milliCpu: r.milliCpu, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar ? new Map(r.scalar) : null };
}

/** `v1helper.IsPrefixedNativeResource` / `IsNativeResource`. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** `v1helper.IsExtendedResourceName`: domain-prefixed, not native, not a quota `requests.` name. */
export function isExtendedResourceName(name: string): boolean {
  return !isNativeResource(name) && !name.startsWith('requests.');
}

/** `schedutil.IsScalarResourceName`: extended, hugepages-*, or attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  return isExtendedResourceName(name) || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

/** One quantity in scheduler units: `MilliValue()` for cpu, `Value()` (rounded up) otherwise. */
export function quantityValue(resource: string, quantity: string | number): number {
  return resource === 'cpu' ? toMilli(quantity) : toUnits(quantity);
}

function toResourceList(list: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = new Map();
  if (!list) return out;
  for (const name of Object.keys(list)) {
    const q = list[name];
    if (q === undefined) continue;
    out.set(name, quantityValue(name, q));
  }
  return out;
}

function addInto(target: ResourceList, add: ResourceList): void {
  for (const [k, v] of add) target.set(k, (target.get(k) ?? 0) + v);
}

/** `maxResourceList`: each resource in `other` raises `target` to at least its value. */
function maxInto(target: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) {
    const cur = target.get(k);
    if (cur === undefined || v > cur) target.set(k, v);
  }
}

function containerRequests(c: V1Container, nonMissing: ResourceList | null): ResourceList {
  const reqs = toResourceList(c.resources?.requests as Record<string, string> | undefined);
  if (nonMissing) for (const [k, v] of nonMissing) if (!reqs.has(k)) reqs.set(k, v);
  return reqs;
}

/** `resourcehelper.AggregateContainerRequests` (KEP-753 sidecar arithmetic included). */
function aggregateContainerRequests(pod: V1Pod, nonMissing: ResourceList | null): ResourceList {
  const reqs: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(reqs, containerRequests(c, nonMissing));
  const restartable: ResourceList = new Map();
  const initReqs: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, nonMissing);
    let use: ResourceList;
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running: it adds to the pod's steady-state sum and to every later init step.
      addInto(reqs, r);
      addInto(restartable, r);
      use = new Map(restartable);
    } else {
      use = new Map(r);
      addInto(use, restartable);
    }
    maxInto(initReqs, use);
  }
  maxInto(reqs, initReqs);
  return reqs;
}

/** Pod-level `spec.resources.requests` (PodLevelResources, beta in 1.34): cpu, memory, hugepages. */
function podLevelRequests(pod: V1Pod): ResourceList | null {
  const spec = pod.spec as { resources?: { requests?: Record<string, string> } } | undefined;
  const list = spec?.resources?.requests;
  if (!list) return null;
  const out: ResourceList = new Map();
  for (const [k, v] of toResourceList(list)) if (k === 'cpu' || k === 'memory' || k.startsWith('hugepages-')) out.set(k, v);
  return out.size > 0 ? out : null;
}

/** `resourcehelper.PodRequests`: aggregate, pod-level override, then overhead. */
export function podRequests(pod: V1Pod, nonMissing: ResourceList | null = null): ResourceList {
  const reqs = aggregateContainerRequests(pod, nonMissing);
  const podLevel = podLevelRequests(pod);
  if (podLevel) for (const [k, v] of podLevel) reqs.set(k, v);
  const overhead = pod.spec?.overhead as Record<string, string> | undefined;
  if (overhead) addInto(reqs, toResourceList(overhead));
  return reqs;
}

/** A pod's requests as the scheduler caches them (`PodInfo.CalculateResource`). */
export interface PodResources {
  /** Exact requests: what NodeResourcesFit filters on and BalancedAllocation scores with. */
  readonly requests: Resources;
  /** CPU and memory with missing container requests counted as 100m / 200 MiB (LeastAllocated). */
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
}

function resourcesFromList(list: ResourceList): Resources {
  const r = emptyResources();
  for (const [name, v] of list) {
    if (name === 'cpu') r.milliCpu += v;
    else if (name === 'memory') r.memory += v;
    else if (name === 'ephemeral-storage') r.ephemeralStorage += v;
    else if (isScalarResourceName(name)) {
      r.scalar ??= new Map();
      r.scalar.set(name, (r.scalar.get(name) ?? 0) + v);
    }
  }
  return r;
}

const DEFAULTS_FOR_MISSING: ResourceList = new Map([
  ['cpu', DEFAULT_MILLI_CPU_REQUEST],
  ['memory', DEFAULT_MEMORY_REQUEST],
]);

/** `PodInfo.CalculateResource` with `getNonMissingContainerRequests`. */
export function computePodResources(pod: V1Pod): PodResources {
  const requests = podRequests(pod);
  let nonMissing: ResourceList | null;
  if (podLevelRequests(pod) === null) {
    nonMissing = DEFAULTS_FOR_MISSING;
  } else {
    // With pod-level requests, a default applies only where neither level set the resource.
    nonMissing = new Map();
    if (!requests.has('cpu')) nonMissing.set('cpu', DEFAULT_MILLI_CPU_REQUEST);
    if (!requests.has('memory')) nonMissing.set('memory', DEFAULT_MEMORY_REQUEST);
    if (nonMissing.size === 0) nonMissing = null;
  }
  const non0 = nonMissing ? podRequests(pod, nonMissing) : requests;
  return { requests: resourcesFromList(requests), nonZeroMilliCpu: non0.get('cpu') ?? 0, nonZeroMemory: non0.get('memory') ?? 0 };
}

/** A node's allocatable resources: `status.allocatable` only, as kube (`capacity` is not read). */
export interface Allocatable extends Resources {
  /** `allocatable.pods`: how many pods the node accepts. */
  allowedPodNumber: number;
}

export function nodeAllocatable(node: V1Node): Allocatable {
  const list = (node.status?.allocatable ?? {}) as Record<string, string>;
  const parsed = toResourceList(list);
  const r = resourcesFromList(parsed);
  // An explicit literal, not a spread: every node's Allocatable then shares one hidden class,
  // which keeps the per-node reads in Filter and Score monomorphic.
  return { milliCpu: r.milliCpu, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar, allowedPodNumber: parsed.get('pods') ?? 0 };
}
