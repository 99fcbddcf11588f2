/**
 * What a finished run must satisfy, whoever scheduled it (the framework loop, the baseline):
 * no node over its allocatable; the workload's own rule (anti-affinity: never two group pods on
 * one node; affinity: all group pods in one zone; node affinity: only admitted zones; topology
 * spread: zone counts within maxSkew; preemption: only lower-priority pods evicted, none of them
 * still bound); and every measured pod bound that can be (anti-affinity: as many group pods as
 * there are nodes).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { computePodResources, nodeAllocatable, podKey } from '../../actors/scheduler/index.ts';
import type { Placement } from './framework-loop.ts';
import { ZONE_LABEL, type Workload } from './workloads.ts';

/** Measured pods that must be bound at the end. */
export function expectedBound(w: Workload): number {
  if (w.info.name === 'SchedulingPodAntiAffinity') return Math.max(0, Math.min(w.measuredPods.length, w.nodes.length - w.initPods.length));
  // A 3000m pod fits a 4-CPU node once, next to one 900m pod.
  if (w.info.name === 'PreemptionBasic') return Math.min(w.measuredPods.length, w.nodes.length);
  return w.measuredPods.length;
}

export function checkPlacement(w: Workload, placement: Placement): string[] {
  const violations: string[] = [];
  const pods = new Map<string, V1Pod>();
  for (const p of [...w.initPods, ...w.measuredPods]) pods.set(podKey(p), p);
  const nodes = new Map(w.nodes.map((n) => [n.metadata!.name!, n]));
  const zoneOf = (node: string): string | undefined => nodes.get(node)?.metadata?.labels?.[ZONE_LABEL];

  // Capacity.
  const used = new Map<string, { cpu: number; mem: number; pods: number }>();
  for (const [key, node] of placement.bound) {
    const pod = pods.get(key);
    if (!pod) continue;
    if (!nodes.has(node)) {
      violations.push(`${key} bound to unknown node ${node}`);
      continue;
    }
    const r = computePodResources(pod).requests;
    const u = used.get(node) ?? { cpu: 0, mem: 0, pods: 0 };
    u.cpu += r.milliCpu;
    u.mem += r.memory;
    u.pods++;
    used.set(node, u);
  }
  for (const [node, u] of used) {
    const a = nodeAllocatable(nodes.get(node)!);
    if (u.cpu > a.milliCpu || u.mem > a.memory || u.pods > a.allowedPodNumber) violations.push(`node ${node} over allocatable: ${u.cpu}m cpu, ${u.mem} memory, ${u.pods} pods`);
  }

  const boundWith = (label: string): [string, string][] => [...placement.bound].filter(([k]) => pods.get(k)?.metadata?.labels?.['color'] === label);
  switch (w.info.name) {
    case 'SchedulingPodAntiAffinity': {
      const seen = new Map<string, string>();
      for (const [key, node] of boundWith('green')) {
        const other = seen.get(node);
        if (other) violations.push(`anti-affinity: ${other} and ${key} share node ${node}`);
        seen.set(node, key);
      }
      break;
    }
    case 'SchedulingPodAffinity': {
      const zones = new Set(boundWith('blue').map(([, node]) => zoneOf(node)));
      if (zones.size > 1) violations.push(`affinity: color=blue pods in ${zones.size} zones (${[...zones].join(', ')})`);
      break;
    }
    case 'SchedulingNodeAffinity':
      for (const [key, node] of placement.bound) {
        const z = zoneOf(node);
        if (z !== 'zone1' && z !== 'zone2') violations.push(`node affinity: ${key} on ${node} in zone ${z ?? '(none)'}`);
      }
      break;
    case 'TopologySpreading': {
      const counts = new Map<string, number>();
      for (const n of w.nodes) counts.set(zoneOf(n.metadata!.name!) ?? '', 0);
      for (const [, node] of boundWith('blue')) counts.set(zoneOf(node) ?? '', (counts.get(zoneOf(node) ?? '') ?? 0) + 1);
      const values = [...counts.values()];
      const skew = Math.max(...values) - Math.min(...values);
      if (skew > 1) violations.push(`topology spread: zone counts ${JSON.stringify(Object.fromEntries(counts))} (skew ${skew} > 1)`);
      break;
    }
    default:
      break;
  }
  for (const e of placement.evictions) {
    if (e.victimPriority >= e.preemptorPriority) violations.push(`preemption: ${e.preemptor} (priority ${e.preemptorPriority}) evicted ${e.victim} (priority ${e.victimPriority})`);
    if (placement.bound.has(e.victim)) violations.push(`preemption: evicted ${e.victim} is still bound`);
  }
  const measuredBound = w.measuredPods.filter((p) => placement.bound.has(podKey(p))).length;
  const expected = expectedBound(w);
  if (measuredBound !== expected) violations.push(`bound ${measuredBound} of ${w.measuredPods.length} measured pods, expected ${expected}`);
  return violations;
}
