import type { KubeObject } from '../../api/protocol.ts';
import { parseTimestamp, timestamp } from '../../api/time.ts';

/**
 * The pod garbage collector's decisions (kube-controller-manager `pkg/controller/podgc`), pure
 * over the pods and nodes its informers hold. Every `gcCheckPeriod` (20 s) one pass:
 * - terminated pods (phase neither Pending, Running nor Unknown) beyond
 *   `--terminated-pod-gc-threshold` (12,500) go, evicted ones first, then the oldest;
 * - terminating pods on a node that is not Ready and carries the `node.kubernetes.io/out-of-service`
 *   taint go (the non-graceful node shutdown an administrator declares);
 * - pods bound to a node that no longer exists go, once the node has been missing for
 *   `quarantineTime` (40 s) and a GET confirms it is gone (an informer may simply lag);
 * - terminating pods never bound to a node go.
 * Each goes the same way (`markFailedAndDeletePod`): a pod not yet terminal is first patched to
 * phase Failed (orphaned pods also get DisruptionTarget=True, DeletionByPodGC), then deleted with
 * grace period 0 — no kubelet is left to finish it.
 */

export const GC_CHECK_PERIOD_MS = 20_000;
export const QUARANTINE_MS = 40_000;
/** --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

interface PodStatusJson {
  phase?: string;
  reason?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string }[];
}

const statusOf = (pod: KubeObject): PodStatusJson => (pod.status ?? {}) as PodStatusJson;
const nodeNameOf = (pod: KubeObject): string => (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
const isTerminating = (pod: KubeObject): boolean => Boolean(pod.metadata?.deletionTimestamp);

/** isPodTerminated: any phase but Pending, Running and Unknown (a pod without a phase is Pending). */
export function isPodTerminated(pod: KubeObject): boolean {
  const phase = statusOf(pod).phase ?? 'Pending';
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

/** eviction.PodIsEvicted. */
const isEvicted = (pod: KubeObject): boolean => statusOf(pod).phase === 'Failed' && statusOf(pod).reason === 'Evicted';

/** byEvictionAndCreationTimestamp: evicted first, then by creationTimestamp, then by name. */
export function byEvictionAndCreation(a: KubeObject, b: KubeObject): number {
  const ae = isEvicted(a);
  if (ae !== isEvicted(b)) return ae ? -1 : 1;
  const at = parseTimestamp(a.metadata?.creationTimestamp ?? '');
  const bt = parseTimestamp(b.metadata?.creationTimestamp ?? '');
  if (at !== bt && !Number.isNaN(at) && !Number.isNaN(bt)) return at - bt;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** gcTerminated: the terminated pods beyond the threshold, in the order they go. A threshold ≤ 0 turns it off. */
export function terminatedPodsToDelete(pods: readonly KubeObject[], threshold: number): KubeObject[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  return terminated.sort(byEvictionAndCreation).slice(0, excess);
}

interface NodeJson {
  spec?: { taints?: { key: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

const isNodeReady = (node: NodeJson): boolean => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** gcTerminating: terminating pods on NotReady nodes tainted out-of-service, in the order they go. */
export function terminatingOnOutOfServiceNodes(pods: readonly KubeObject[], nodeNamed: (name: string) => KubeObject | undefined): KubeObject[] {
  return pods
    .filter((pod) => {
      if (!isTerminating(pod)) return false;
      const node = nodeNamed(nodeNameOf(pod)) as NodeJson | undefined;
      return node !== undefined && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    })
    .sort(byEvictionAndCreation);
}

/** The node names pods are bound to that the node informer does not hold, sorted. */
export function missingNodes(pods: readonly KubeObject[], nodeExists: (name: string) => boolean): string[] {
  const missing = new Set<string>();
  for (const pod of pods) {
    const node = nodeNameOf(pod);
    if (node && !nodeExists(node)) missing.add(node);
  }
  return [...missing].sort();
}

/** gcUnscheduledTerminating: terminating pods never bound to a node. */
export const unscheduledTerminating = (pods: readonly KubeObject[]): KubeObject[] => pods.filter((pod) => isTerminating(pod) && !nodeNameOf(pod));

export interface GcCondition {
  type: string;
  status: 'True';
  reason: string;
  message: string;
}

/** The orphaned pod's condition (gcOrphaned). */
export const DELETION_BY_POD_GC: GcCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };

/**
 * The status patch `markFailedAndDeletePodWithCondition` sends before the delete, or undefined
 * when the pod is already terminal (it is deleted at once). The conditions are sent whole (a
 * merge patch replaces the list), with `condition` updated as apipod.UpdatePodCondition does.
 */
export function failedStatusPatch(pod: KubeObject, condition: GcCondition | undefined, nowMs: number): { status: PodStatusJson } | undefined {
  const status = statusOf(pod);
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  if (!condition) return { status: { phase: 'Failed' } };
  const conditions = status.conditions ?? [];
  const previous = conditions.find((c) => c.type === condition.type);
  const transitioned = !previous || previous.status !== condition.status;
  const updated = { ...condition, lastProbeTime: null, lastTransitionTime: transitioned ? timestamp(nowMs) : previous.lastTransitionTime };
  return { status: { phase: 'Failed', conditions: [...conditions.filter((c) => c.type !== condition.type), updated] } };
}
