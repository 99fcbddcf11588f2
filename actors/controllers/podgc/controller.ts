import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { BY_NODE, NODES, PODS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext, type WriteAction } from '../host/types.ts';
import {
  DELETION_BY_POD_GC,
  GC_CHECK_PERIOD_MS,
  QUARANTINE_MS,
  failedStatusPatch,
  missingNodes,
  terminatedPodsToDelete,
  terminatingOnOutOfServiceNodes,
  unscheduledTerminating,
  type GcCondition,
} from './podgc.ts';

/**
 * The pod garbage collector (kube `pkg/controller/podgc`): one pass every 20 s over the pod and
 * node informers (podgc.ts decides), the first when this instance starts leading (skipped, like
 * every periodic pass, until both informers have synced). What it keeps between passes is upstream's delaying node
 * queue: a node a pod is bound to but the informer lacks is looked at again 40 s later, and only
 * a GET answering 404 makes its pods orphans.
 */

interface PodGcState {
  terminatedPodThreshold: number;
  /** Node name → when its quarantine ends (upstream `nodeQueue.AddAfter`: the earliest one wins). */
  quarantine: Map<string, number>;
  /** Pods whose patch or delete is in flight: the next pass does not send them again. */
  inFlight: Set<string>;
}

type Ctx = ControllerContext<PodGcState>;
type GcAction = Action<PodGcState>;

const podRef = (pod: KubeObject) => ({ apiVersion: 'v1', resource: 'pods', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' });

/** markFailedAndDeletePodWithCondition: patch to Failed unless terminal, then DELETE with grace period 0. */
function markFailedAndDelete(ctx: Ctx, pod: KubeObject, condition: GcCondition | undefined, why: string): GcAction[] {
  const key = objectKey(pod);
  if (ctx.state.inFlight.has(key)) return [];
  ctx.state.inFlight.add(key);
  const release = (_r: unknown, c: Ctx): void => void c.state.inFlight.delete(key);
  const remove: WriteAction<PodGcState> = {
    kind: 'write',
    request: { verb: 'delete', ...podRef(pod), options: { gracePeriodSeconds: 0 } },
    tolerate: [404],
    traces: [{ action: 'pod-gc', object: `pod/${key}`, detail: why }],
    onResult: release,
  };
  const patch = failedStatusPatch(pod, condition, ctx.nowMs);
  if (!patch) return [remove];
  return [
    {
      kind: 'write',
      request: { verb: 'patch', patchType: 'merge', subresource: 'status', ...podRef(pod), body: patch as unknown as KubeObject },
      tolerate: [404],
      // Upstream stops at a failed patch; the next pass tries again.
      onResult: (r, c) => (r.code === 200 ? [remove] : release(r, c)),
    },
  ];
}

function listed(ctx: Ctx, spec: typeof PODS): KubeObject[] {
  const cache = ctx.cache(spec);
  const out: KubeObject[] = [];
  for (const key of cache.keys()) {
    const o = cache.get(key);
    if (o) out.push(o);
  }
  return out;
}

export function runPodGc(ctx: Ctx): GcAction[] {
  const s = ctx.state;
  const pods = listed(ctx, PODS);
  const nodes = ctx.cache(NODES);
  const actions: GcAction[] = [];
  for (const pod of terminatedPodsToDelete(pods, s.terminatedPodThreshold)) {
    actions.push(...markFailedAndDelete(ctx, pod, undefined, `terminated pods exceed --terminated-pod-gc-threshold=${s.terminatedPodThreshold}`));
  }
  for (const pod of terminatingOnOutOfServiceNodes(pods, (name) => nodes.get(name))) {
    actions.push(...markFailedAndDelete(ctx, pod, undefined, 'terminating on a node that is not ready and tainted node.kubernetes.io/out-of-service'));
  }
  for (const node of missingNodes(pods, (name) => nodes.has(name))) {
    if (!s.quarantine.has(node)) s.quarantine.set(node, ctx.nowMs + QUARANTINE_MS);
  }
  for (const [node, dueMs] of [...s.quarantine].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (dueMs > ctx.nowMs) continue;
    s.quarantine.delete(node);
    if (nodes.has(node)) continue;
    actions.push({
      kind: 'write',
      request: { verb: 'get', apiVersion: 'v1', resource: 'nodes', name: node },
      tolerate: [404],
      onResult: (r, c) => (r.code === 404 ? orphansOf(c, node) : undefined),
    });
  }
  for (const pod of unscheduledTerminating(pods)) {
    actions.push(...markFailedAndDelete(ctx, pod, undefined, 'terminating and never scheduled to a node'));
  }
  return actions;
}

function orphansOf(ctx: Ctx, node: string): GcAction[] {
  const pods = ctx.cache(PODS);
  const actions: GcAction[] = [];
  for (const key of pods.byIndex(BY_NODE, node)) {
    const pod = pods.get(key);
    if (pod) actions.push(...markFailedAndDelete(ctx, pod, DELETION_BY_POD_GC, `node ${node} no longer exists`));
  }
  return actions;
}

export const podGcController = defineController<PodGcState>({
  name: 'podgc',
  reporter: 'pod-garbage-collector',
  informers: [PODS, NODES],
  periodic: [{ name: 'podgc', periodMs: () => GC_CHECK_PERIOD_MS, firstDelayMs: 0, run: runPodGc }],
  newState: (config) => ({ terminatedPodThreshold: config.podGc.terminatedPodThreshold, quarantine: new Map(), inFlight: new Set() }),
});
