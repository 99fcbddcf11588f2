/**
 * A pod's effective resource requests as Kubernetes computes them (`resourcehelper.PodRequests`):
 * what the kubelet admits a pod against and what the apiserver's `k8s.write` trace line records,
 * so both count a pod alike. Quantities in milli-CPU and bytes.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { toMilli, toUnits } from './quantity.ts';

/** A pod's effective requests: containers summed, init containers as a maximum, sidecars cumulative, overhead added. */
export interface PodRequests {
  cpuMilli: number;
  memoryBytes: number;
  ephemeralBytes: number;
}

const RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;
export type Resource = (typeof RESOURCES)[number];

/** A quantity of `resource` in milli-CPU or bytes; 0 when absent or unparseable. */
export function amount(resource: Resource, q: string | number | undefined): number {
  if (q === undefined || q === null) return 0;
  try {
    return resource === 'cpu' ? toMilli(q) : toUnits(q);
  } catch {
    return 0;
  }
}

function containerRequests(c: V1Container): Record<Resource, number> {
  const req = (c.resources?.requests ?? {}) as Record<string, string | number>;
  const lim = (c.resources?.limits ?? {}) as Record<string, string | number>;
  // A limit without a request defaults the request (API defaulting).
  const get = (r: Resource): number => amount(r, req[r] ?? lim[r]);
  return { cpu: get('cpu'), memory: get('memory'), 'ephemeral-storage': get('ephemeral-storage') };
}

/** `resourcehelper.PodRequests`. */
export function podRequests(pod: V1Pod): PodRequests {
  const total: Record<Resource, number> = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    for (const k of RESOURCES) total[k] += r[k];
  }
  const sidecars: Record<Resource, number> = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  const initMax: Record<Resource, number> = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    for (const k of RESOURCES) {
      if (c.restartPolicy === 'Always') {
        sidecars[k] += r[k];
        initMax[k] = Math.max(initMax[k], sidecars[k]);
      } else {
        initMax[k] = Math.max(initMax[k], sidecars[k] + r[k]);
      }
    }
  }
  const overhead = (pod.spec?.overhead ?? {}) as Record<string, string | number>;
  const out = {} as Record<Resource, number>;
  for (const k of RESOURCES) out[k] = Math.max(total[k] + sidecars[k], initMax[k]) + amount(k, overhead[k]);
  return { cpuMilli: out.cpu, memoryBytes: out.memory, ephemeralBytes: out['ephemeral-storage'] };
}
