/**
 * Node-level aggregates the plugins read (kube `framework.NodeInfo`): the node, its pods, the
 * sum of their requests, the "non-zero" sum used for scoring, and the host ports in use.
 * Adding or removing a pod updates the sums in O(1), so the snapshot never re-adds 5000 nodes.
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { HostPort, PodInfo } from './pod-info.ts';
import { DEFAULT_BIND_ALL_HOST_IP, podAffinityOf } from './pod-info.ts';
import { cloneResources, emptyResources, nodeAllocatable, type Allocatable, type Resources } from './resources.ts';

/**
 * Host ports in use on a node (kube `HostPortInfo`), reference-counted so that removing one of
 * two pods that (by a bypassing `nodeName`) share a port does not free it.
 */
export class HostPortUsage {
  /** `ip|protocol|port` → number of pods using it. */
  private readonly triples = new Map<string, number>();
  /** `protocol|port` → number of pods using it on any IP (for 0.0.0.0 checks). */
  private readonly protoPorts = new Map<string, number>();

  get size(): number {
    return this.triples.size;
  }

  add(p: HostPort): void {
    if (p.port <= 0) return;
    bump(this.triples, `${p.ip}|${p.protocol}|${p.port}`, 1);
    bump(this.protoPorts, `${p.protocol}|${p.port}`, 1);
  }

  remove(p: HostPort): void {
    if (p.port <= 0) return;
    bump(this.triples, `${p.ip}|${p.protocol}|${p.port}`, -1);
    bump(this.protoPorts, `${p.protocol}|${p.port}`, -1);
  }

  /**
   * `HostPortInfo.CheckConflict`: 0.0.0.0 conflicts with the same (protocol, port) on any IP;
   * a specific IP conflicts with itself and with 0.0.0.0.
   */
  conflicts(p: HostPort): boolean {
    if (p.port <= 0) return false;
    if (p.ip === DEFAULT_BIND_ALL_HOST_IP) return this.protoPorts.has(`${p.protocol}|${p.port}`);
    return this.triples.has(`${DEFAULT_BIND_ALL_HOST_IP}|${p.protocol}|${p.port}`) || this.triples.has(`${p.ip}|${p.protocol}|${p.port}`);
  }

  clone(): HostPortUsage {
    const c = new HostPortUsage();
    for (const [k, v] of this.triples) c.triples.set(k, v);
    for (const [k, v] of this.protoPorts) c.protoPorts.set(k, v);
    return c;
  }

  /** Sorted `ip/protocol/port` strings, for explanations and tests. */
  list(): string[] {
    return [...this.triples.keys()].map((k) => k.replaceAll('|', '/')).sort();
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

const NO_IMAGES: ReadonlyMap<string, number> = new Map();

/** `node.status.images` as name → sizeBytes (every name of every image; the first size seen wins). */
export function nodeImageSizes(node: V1Node): ReadonlyMap<string, number> {
  const images = node.status?.images;
  if (!images || images.length === 0) return NO_IMAGES;
  const out = new Map<string, number>();
  for (const image of images) {
    const size = image.sizeBytes ?? 0;
    for (const name of image.names ?? []) if (!out.has(name)) out.set(name, size);
  }
  return out;
}

function removeByKey(list: PodInfo[], key: string): void {
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.key !== key) continue;
    const last = list.pop()!;
    if (i < list.length) list[i] = last;
    return;
  }
}

export class NodeInfo {
  node!: V1Node;
  name = '';
  /** `metadata.labels` (never undefined, for the affinity matcher). */
  labels: Readonly<Record<string, string>> = {};
  /** `spec.taints` (never undefined). */
  taints: readonly V1Taint[] = [];
  /** `spec.unschedulable` (cordoned). */
  unschedulable = false;
  allocatable!: Allocatable;
  /** Pods on the node, assumed ones included. Order changes on removal (swap with last, as kube). */
  readonly pods: PodInfo[] = [];
  private readonly podIndex = new Map<string, number>();
  /** Σ exact requests of `pods`. */
  requested: Resources = emptyResources();
  /** Σ requests with 100m / 200 MiB for containers that request nothing (scoring only). */
  nonZeroRequested = { milliCpu: 0, memory: 0 };
  usedPorts = new HostPortUsage();
  /** Pods with pod affinity or anti-affinity of any kind (kube `PodsWithAffinity`). */
  readonly podsWithAffinity: PodInfo[] = [];
  /** Pods with required pod anti-affinity (kube `PodsWithRequiredAntiAffinity`). */
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** Images on the node (`status.images`), name → sizeBytes, for ImageLocality. */
  imageSizes: ReadonlyMap<string, number> = NO_IMAGES;
  /** Position in the owning snapshot's `nodes` (its NodeColumns row); -1 outside a snapshot's list (clones, removed nodes). */
  index = -1;
  /** Bumped on every change; lets callers cache per-node derived data. */
  generation = 0;
  /** Called after every change (set by the owning Snapshot: its change log feeds TopologyIndex). */
  onChange: ((ni: NodeInfo) => void) | null = null;

  constructor(node?: V1Node) {
    if (node) this.setNode(node);
  }

  setNode(node: V1Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? {};
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    this.allocatable = nodeAllocatable(node);
    this.imageSizes = nodeImageSizes(node);
    this.generation++;
    if (this.onChange !== null) this.onChange(this);
  }

  hasPod(key: string): boolean {
    return this.podIndex.has(key);
  }

  getPod(key: string): PodInfo | undefined {
    const i = this.podIndex.get(key);
    return i === undefined ? undefined : this.pods[i];
  }

  addPod(pi: PodInfo): void {
    if (this.podIndex.has(pi.key)) throw new Error(`NodeInfo ${this.name}: pod ${pi.key} already present`);
    this.podIndex.set(pi.key, this.pods.length);
    this.pods.push(pi);
    const affinity = podAffinityOf(pi);
    if (affinity.hasAffinity) this.podsWithAffinity.push(pi);
    if (affinity.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  /** Removes the pod with this key; returns it, or undefined when it was not on the node. */
  removePod(key: string): PodInfo | undefined {
    const i = this.podIndex.get(key);
    if (i === undefined) return undefined;
    const pi = this.pods[i]!;
    const last = this.pods.pop()!;
    if (last !== pi) {
      this.pods[i] = last;
      this.podIndex.set(last.key, i);
    }
    this.podIndex.delete(key);
    const affinity = podAffinityOf(pi);
    if (affinity.hasAffinity) removeByKey(this.podsWithAffinity, key);
    if (affinity.hasRequiredAntiAffinity) removeByKey(this.podsWithRequiredAntiAffinity, key);
    this.update(pi, -1);
    return pi;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.resources.requests;
    this.requested.milliCpu += sign * r.milliCpu;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    if (r.scalar) {
      this.requested.scalar ??= new Map();
      for (const [name, v] of r.scalar) this.requested.scalar.set(name, (this.requested.scalar.get(name) ?? 0) + sign * v);
    }
    this.nonZeroRequested.milliCpu += sign * pi.resources.nonZeroMilliCpu;
    this.nonZeroRequested.memory += sign * pi.resources.nonZeroMemory;
    for (const p of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(p);
      else this.usedPorts.remove(p);
    }
    this.generation++;
    if (this.onChange !== null) this.onChange(this);
  }

  /** An independent copy (kube `Snapshot()`), for preemption's what-if evaluation. */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.labels = this.labels;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.allocatable = this.allocatable;
    for (const pi of this.pods) {
      c.podIndex.set(pi.key, c.pods.length);
      c.pods.push(pi);
    }
    for (const pi of this.podsWithAffinity) c.podsWithAffinity.push(pi);
    for (const pi of this.podsWithRequiredAntiAffinity) c.podsWithRequiredAntiAffinity.push(pi);
    c.imageSizes = this.imageSizes;
    c.requested = cloneResources(this.requested);
    c.nonZeroRequested = { ...this.nonZeroRequested };
    c.usedPorts = this.usedPorts.clone();
    c.generation = this.generation;
    return c;
  }
}
