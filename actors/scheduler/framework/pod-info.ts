/**
 * A pod with what the scheduler derives from it computed once (kube `framework.PodInfo`): its
 * key, priority, requests and host ports. Filter and Score run per node, so everything they
 * read from the pod is precomputed here instead of being re-parsed 5000 times per cycle.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { parseTimestamp } from '../../api/time.ts';
import { parsePodAffinity, type PodAffinityInfo } from './affinity.ts';
import { computePodResources, type PodResources } from './resources.ts';

/** A `(hostIP, protocol, hostPort)` triple; the IP defaults to 0.0.0.0 and the protocol to TCP. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface PodInfo {
  readonly pod: V1Pod;
  /** Identity in the snapshot and queues: `metadata.uid`, else `namespace/name`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** `spec.priority` (0 when unset, as `corev1helpers.PodPriority`). */
  readonly priority: number;
  readonly resources: PodResources;
  /** Host ports of containers and sidecar (restartable init) containers, `hostPort > 0` only. */
  readonly hostPorts: readonly HostPort[];
  /** `util.GetPodStartTime`: `status.startTime`, else `metadata.creationTimestamp`, in virtual ms (NaN if neither). */
  readonly startTimeMs: number;
  /** `spec.nodeName` ("" when unbound). */
  readonly nodeName: string;
  /**
   * Parsed inter-pod (anti-)affinity terms. Always set by `newPodInfo`; optional so PodInfos
   * built by hand stay valid (read it through `podAffinityOf`).
   */
  readonly affinity?: PodAffinityInfo;
}

const parsedAffinity = new WeakMap<V1Pod, PodAffinityInfo>();

/** The pod's parsed affinity terms (`PodInfo.affinity`, parsed and cached when absent). */
export function podAffinityOf(pi: PodInfo): PodAffinityInfo {
  const a = pi.affinity;
  if (a !== undefined) return a;
  let parsed = parsedAffinity.get(pi.pod);
  if (parsed === undefined) parsedAffinity.set(pi.pod, (parsed = parsePodAffinity(pi.pod)));
  return parsed;
}

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';

/** `metadata.uid`, else `namespace/name`: how the snapshot, the assume cache and the queue key pods. */
export function podKey(pod: V1Pod): string {
  const uid = pod.metadata?.uid;
  if (uid) return uid;
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** Reads a metav1.Time given either as RFC 3339 text (kubesim's JSON) or as a Date-like object. */
export function timeMs(value: unknown): number {
  if (typeof value === 'string') return parseTimestamp(value);
  if (value && typeof (value as { getTime?: unknown }).getTime === 'function') {
    // A Date from client-node's typed models: convert through its text form, never reading "now".
    const iso = (value as { toISOString(): string }).toISOString();
    return parseTimestamp(iso);
  }
  return Number.NaN;
}

export function hostPortsOf(pod: V1Pod): HostPort[] {
  const out: HostPort[] = [];
  const collect = (ports: readonly { hostPort?: number; hostIP?: string; protocol?: string }[] | undefined): void => {
    for (const p of ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || DEFAULT_BIND_ALL_HOST_IP, protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  };
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === 'Always') collect(c.ports);
  for (const c of pod.spec?.containers ?? []) collect(c.ports);
  return out;
}

export function newPodInfo(pod: V1Pod): PodInfo {
  const status = pod.status as { startTime?: unknown } | undefined;
  let start = timeMs(status?.startTime);
  if (Number.isNaN(start)) start = timeMs(pod.metadata?.creationTimestamp);
  return {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    priority: pod.spec?.priority ?? 0,
    resources: computePodResources(pod),
    hostPorts: hostPortsOf(pod),
    startTimeMs: start,
    nodeName: pod.spec?.nodeName ?? '',
    affinity: parsePodAffinity(pod),
  };
}
