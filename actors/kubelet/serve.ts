import type { V1Pod } from '@kubernetes/client-node';
import type { PodRuntimeState } from './pod-worker.ts';

/**
 * Whether a pod on this node answers a connection, read off its simulated runtime: the sandbox
 * (and so the pod IP) is up and one of its containers runs and has not yet been sent SIGTERM —
 * an application stops accepting connections when it is told to stop, which is why a preStop
 * sleep keeps a pod serving while kube-proxies drop it from their rules. Readiness plays no part
 * here: a pod failing its readiness probe still answers whoever reaches it.
 */
export function podServes(s: PodRuntimeState, nowMs: number): boolean {
  if (!s.sandboxUp) return false;
  return s.containers.some((c) => (!c.init || c.sidecar) && c.phase.kind === 'running' && (c.phase.run.stop === undefined || nowMs < c.phase.run.stop.sigtermAtMs));
}

/** A connection already accepted is finished while a container still runs (graceful shutdown drains it). */
export function podAlive(s: PodRuntimeState): boolean {
  return s.sandboxUp && s.containers.some((c) => (!c.init || c.sidecar) && c.phase.kind === 'running');
}

/** A CoreDNS pod (by image, `registry.k8s.io/coredns/coredns:*` or any `…/coredns`): it answers DNS on port 53. */
export function isDnsServerPod(pod: V1Pod): boolean {
  return (pod.spec?.containers ?? []).some((c) => /(^|\/)coredns(:|@|$)/.test(c.image ?? ''));
}
