/**
 * ImageLocality (pkg/scheduler/framework/plugins/imagelocality/image_locality.go): favours nodes
 * that already hold the pod's container images.
 *
 *   per container (init containers too) whose image the node lists in `status.images`:
 *     scaled = int64(float64(size) · float64(numNodesWithImage) / float64(totalNumNodes))
 *   sum     = Σ scaled
 *   clamped to [23 MiB, 1000 MiB · #containers]
 *   score   = 100 · (sum − 23 MiB) / (1000 MiB · #containers − 23 MiB)     integer division
 *
 * Image names are normalized as kube does: a name without a tag gets `:latest`
 * (`nginx` → `nginx:latest`); node image names are matched literally. `size` is the size the first
 * node reported for that name and `numNodesWithImage` counts the snapshot's nodes listing it
 * (kube's `ImageStateSummary`); `totalNumNodes` is every node in the snapshot. No NormalizeScore.
 *
 * PreScore computes each container's scaled score once per cycle, so Score is a map lookup per
 * container; a pod whose images no node has scores 0 everywhere without any lookup.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { stateKey, type CycleState } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import type { PodInfo } from '../framework/pod-info.ts';
import type { Snapshot } from '../framework/snapshot.ts';

export const Name = 'ImageLocality';

const MB = 1024 * 1024;
/** `minThreshold`: 23 MiB. */
export const MIN_THRESHOLD = 23 * MB;
/** `maxContainerThreshold`: 1000 MiB per container. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** `normalizedImageName`: append `:latest` when the name has no tag after its last `/`. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** `calculatePriority`. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  if (numContainers <= 0) return 0;
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  let sum = sumScores;
  if (sum < MIN_THRESHOLD) sum = MIN_THRESHOLD;
  else if (sum > maxThreshold) sum = maxThreshold;
  return Math.floor((100 * (sum - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

/** `scaledImageScore`. */
export function scaledImageScore(size: number, numNodes: number, totalNumNodes: number): number {
  const spread = numNodes / totalNumNodes;
  return Math.trunc(size * spread);
}

/** The pod's container images, init containers first, normalized. */
export function podImageNames(pod: V1Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) out.push(normalizedImageName(c.image ?? ''));
  for (const c of pod.spec?.containers ?? []) out.push(normalizedImageName(c.image ?? ''));
  return out;
}

interface PreScoreState {
  /** Images with a non-zero cluster presence, and each one's scaled score (parallel arrays). */
  readonly names: readonly string[];
  readonly scaled: readonly number[];
  readonly numContainers: number;
  /** True when no container image is on any node: every node scores 0. */
  readonly none: boolean;
}

const preScoreKey = stateKey<PreScoreState>('PreScoreImageLocality');

/** Cluster-wide image presence without a snapshot (from the given nodes only). */
function imageStateFromNodes(nodes: readonly NodeInfo[], name: string): { size: number; numNodes: number } | undefined {
  let size = 0;
  let numNodes = 0;
  for (const ni of nodes) {
    const s = ni.imageSizes.get(name);
    if (s === undefined) continue;
    if (numNodes === 0) size = s;
    numNodes++;
  }
  return numNodes === 0 ? undefined : { size, numNodes };
}

function computeState(pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot | undefined): PreScoreState {
  const images = podImageNames(pod.pod);
  const total = snapshot ? snapshot.numNodes : nodes.length;
  const names: string[] = [];
  const scaled: number[] = [];
  for (const name of images) {
    const st = snapshot ? snapshot.imageState(name) : imageStateFromNodes(nodes, name);
    if (st === undefined || total === 0) continue;
    // One entry per container, duplicates included: kube sums per container.
    names.push(name);
    scaled.push(scaledImageScore(st.size, st.numNodes, total));
  }
  return { names, scaled, numContainers: images.length, none: names.length === 0 };
}

export function newImageLocality(): Plugin {
  let lastState: CycleState | undefined;
  let last: PreScoreState | undefined;
  return {
    name: Name,
    fusion: {
      kind: 'ImageLocality',
      uniformScore(state) {
        const s = state.read(preScoreKey);
        return s !== undefined && s.none ? calculatePriority(0, s.numContainers) : null;
      },
    },
    preScore(state, pod, nodes, snapshot) {
      state.write(preScoreKey, computeState(pod, nodes, snapshot));
      return null;
    },
    score(state, pod, node) {
      if (state !== lastState) {
        lastState = state;
        last = state.read(preScoreKey) ?? computeState(pod, [node], undefined);
      }
      const s = last!;
      if (s.none) return calculatePriority(0, s.numContainers);
      let sum = 0;
      const images = node.imageSizes;
      for (let i = 0; i < s.names.length; i++) if (images.has(s.names[i]!)) sum += s.scaled[i]!;
      return calculatePriority(sum, s.numContainers);
    },
  } satisfies Plugin;
}
