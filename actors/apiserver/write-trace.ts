import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../api/protocol.ts';

/**
 * What an apiserver's `k8s.write` line says about Services, their endpoints and pod readiness,
 * for the Kubernetes safety check EndpointsDropGonePods (actors/checks/kubernetes): a few fields
 * on lines the apiserver writes anyway, so the check costs no line of its own.
 */

interface TargetRef {
  kind?: string;
  uid?: string;
}

const sortedUnique = (uids: string[]): string[] => [...new Set(uids)].sort();

/**
 * The fields an Endpoints, EndpointSlice or Service write adds: the uids of the pods an Endpoints
 * object lists as ready (`addresses`) or a controller-owned slice lists with `ready` not false
 * (kube-proxy routes to them), with the slice's Service; a Service's publishNotReadyAddresses.
 */
export function endpointWriteFields(resource: string, object: KubeObject): Record<string, unknown> | undefined {
  if (resource === 'endpoints') {
    const subsets = (object as { subsets?: { addresses?: { targetRef?: TargetRef }[] }[] }).subsets ?? [];
    const uids: string[] = [];
    for (const s of subsets) for (const a of s.addresses ?? []) if (a.targetRef?.kind === 'Pod' && a.targetRef.uid) uids.push(a.targetRef.uid);
    return { readyPods: sortedUnique(uids) };
  }
  if (resource === 'endpointslices') {
    const labels = object.metadata?.labels ?? {};
    if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) return undefined;
    const endpoints = (object as { endpoints?: { conditions?: { ready?: boolean }; targetRef?: TargetRef }[] }).endpoints ?? [];
    const uids: string[] = [];
    for (const e of endpoints) if (e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.uid) uids.push(e.targetRef.uid);
    return { service: labels[SERVICE_NAME_LABEL] ?? '', readyPods: sortedUnique(uids) };
  }
  if (resource === 'services') {
    return (object.spec as { publishNotReadyAddresses?: boolean } | undefined)?.publishNotReadyAddresses === true ? { publishNotReady: true } : undefined;
  }
  return undefined;
}
