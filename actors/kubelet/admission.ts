/**
 * Kubelet admission (`lifecycle.PredicateAdmitHandler`): the pod must fit the node's allocatable
 * resources next to the pods already admitted, and match the node's labels. A rejection carries
 * the kubelet's reason (`OutOfcpu`, `OutOfmemory`, `OutOfpods`, `OutOfephemeral-storage`,
 * `NodeAffinity`) and message; only the first failure is reported, as the kubelet does.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { amount, podRequests, type PodRequests } from '../api/pod-requests.ts';

export interface NodeAllocatable {
  cpu: string | number;
  memory: string | number;
  pods: string | number;
  'ephemeral-storage'?: string | number;
}

export type AdmitResult = { ok: true } | { ok: false; reason: string; message: string };

// Re-exported: the kubelet's callers (status.ts, pod-worker.ts) take a pod's requests from here.
export { podRequests, type PodRequests };

function isTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** `InsufficientResourceError.Error()`. */
function insufficient(resource: string, requested: number, used: number, capacity: number): AdmitResult {
  return {
    ok: false,
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  };
}

/**
 * Admits `pod` on a node with `allocatable`, next to `podsOnNode` (terminal pods and the pod
 * itself are ignored). With `nodeLabels`, the pod's `nodeSelector` must match them.
 */
export function admitPod(allocatable: NodeAllocatable, podsOnNode: readonly V1Pod[], pod: V1Pod, nodeLabels?: Readonly<Record<string, string>>): AdmitResult {
  const uid = pod.metadata?.uid;
  const others = podsOnNode.filter((p) => !isTerminal(p) && (uid === undefined || p.metadata?.uid !== uid));
  const podCapacity = Math.floor(Number(allocatable.pods));
  if (others.length + 1 > podCapacity) return insufficient('pods', 1, others.length, podCapacity);
  const want = podRequests(pod);
  const used: PodRequests = { cpuMilli: 0, memoryBytes: 0, ephemeralBytes: 0 };
  for (const p of others) {
    const r = podRequests(p);
    used.cpuMilli += r.cpuMilli;
    used.memoryBytes += r.memoryBytes;
    used.ephemeralBytes += r.ephemeralBytes;
  }
  const cpuCap = amount('cpu', allocatable.cpu);
  if (want.cpuMilli > 0 && want.cpuMilli > cpuCap - used.cpuMilli) return insufficient('cpu', want.cpuMilli, used.cpuMilli, cpuCap);
  const memCap = amount('memory', allocatable.memory);
  if (want.memoryBytes > 0 && want.memoryBytes > memCap - used.memoryBytes) return insufficient('memory', want.memoryBytes, used.memoryBytes, memCap);
  if (allocatable['ephemeral-storage'] !== undefined) {
    const diskCap = amount('ephemeral-storage', allocatable['ephemeral-storage']);
    if (want.ephemeralBytes > 0 && want.ephemeralBytes > diskCap - used.ephemeralBytes) return insufficient('ephemeral-storage', want.ephemeralBytes, used.ephemeralBytes, diskCap);
  }
  if (nodeLabels !== undefined) {
    const selector = pod.spec?.nodeSelector ?? {};
    for (const key of Object.keys(selector).sort()) {
      if (nodeLabels[key] !== selector[key]) {
        return { ok: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
      }
    }
  }
  return { ok: true };
}
