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

/** A container's request for `resource`; a limit without a request defaults the request (API defaulting). */
function containerRequest(c: V1Container, resource: Resource): number {
  const requests = c.resources?.requests as Record<string, string | number> | undefined;
  const limits = c.resources?.limits as Record<string, string | number> | undefined;
  return amount(resource, requests?.[resource] ?? limits?.[resource]);
}

/**
 * `resourcehelper.PodRequests`. Called for every pod on every kubelet node-status tick and every
 * apiserver pod write, so it sums in locals: no record per container, no closure.
 */
export function podRequests(pod: V1Pod): PodRequests {
  let cpu = 0;
  let memory = 0;
  let ephemeral = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += containerRequest(c, 'cpu');
    memory += containerRequest(c, 'memory');
    ephemeral += containerRequest(c, 'ephemeral-storage');
  }
  // Sidecars (restartPolicy Always) keep running beside the init containers after them.
  let sidecarCpu = 0;
  let sidecarMemory = 0;
  let sidecarEphemeral = 0;
  let initCpu = 0;
  let initMemory = 0;
  let initEphemeral = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const rCpu = containerRequest(c, 'cpu');
    const rMemory = containerRequest(c, 'memory');
    const rEphemeral = containerRequest(c, 'ephemeral-storage');
    if (c.restartPolicy === 'Always') {
      sidecarCpu += rCpu;
      sidecarMemory += rMemory;
      sidecarEphemeral += rEphemeral;
      initCpu = Math.max(initCpu, sidecarCpu);
      initMemory = Math.max(initMemory, sidecarMemory);
      initEphemeral = Math.max(initEphemeral, sidecarEphemeral);
    } else {
      initCpu = Math.max(initCpu, sidecarCpu + rCpu);
      initMemory = Math.max(initMemory, sidecarMemory + rMemory);
      initEphemeral = Math.max(initEphemeral, sidecarEphemeral + rEphemeral);
    }
  }
  const overhead = pod.spec?.overhead as Record<string, string | number> | undefined;
  return {
    cpuMilli: Math.max(cpu + sidecarCpu, initCpu) + amount('cpu', overhead?.['cpu']),
    memoryBytes: Math.max(memory + sidecarMemory, initMemory) + amount('memory', overhead?.['memory']),
    ephemeralBytes: Math.max(ephemeral + sidecarEphemeral, initEphemeral) + amount('ephemeral-storage', overhead?.['ephemeral-storage']),
  };
}
