import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import type { NodeJson } from '../node-lifecycle/node-lifecycle.ts';
import { describeTaint } from '../node-lifecycle/node-lifecycle.ts';
import { BY_NODE, NODES, PODS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { evictionPlan, type ScheduledEviction } from './taint-eviction.ts';

/**
 * The NoExecute taint manager (pkg/controller/tainteviction): every pod change, and every change
 * of a node's NoExecute taints for the pods on it, re-plans the pod's eviction (taint-eviction.ts);
 * evictions are deadlines the host wakes the controller for. A pod is deleted when its deadline
 * passes (event TaintManagerEviction); a failed delete is retried 10 ms later, up to 5 times.
 */

export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
const EVICTION_RETRIES = 5;
const EVICTION_RETRY_MS = 10;

export interface Eviction extends ScheduledEviction {
  attempt: number;
}

export interface TaintEvictionState {
  readonly evictions: Map<string, Eviction>;
  /** Pods whose delete is in flight. */
  readonly evicting: Set<string>;
}

type Ctx = ControllerContext<TaintEvictionState>;

function noExecuteTaints(node: KubeObject): string {
  return JSON.stringify(((node as NodeJson).spec?.taints ?? []).filter((t) => t.effect === 'NoExecute'));
}

/** processPodOnNode for one pod. */
function processPod(key: string, ctx: Ctx): void {
  const { evictions } = ctx.state;
  const pod = ctx.cache(PODS).get(key);
  if (!pod) {
    evictions.delete(key);
    return;
  }
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const node = nodeName ? (ctx.cache(NODES).get(nodeName) as NodeJson | undefined) : undefined;
  const existing = evictions.get(key);
  const plan = evictionPlan(pod, node?.spec?.taints ?? [], ctx.nowMs, existing);
  if (plan.kind === 'cancel') evictions.delete(key);
  else if (plan.kind === 'schedule') evictions.set(key, { createdAtMs: plan.createdAtMs, fireAtMs: plan.fireAtMs, attempt: existing?.attempt ?? 0 });
}

function processNode(node: KubeObject, ctx: Ctx): void {
  for (const key of ctx.cache(PODS).byIndex(BY_NODE, node.metadata?.name ?? '')) processPod(key, ctx);
}

/** The evictions due now, earliest first. */
function runEvictions(ctx: Ctx): Action<TaintEvictionState>[] {
  const { evictions, evicting } = ctx.state;
  const pods = ctx.cache(PODS);
  const actions: Action<TaintEvictionState>[] = [];
  const due = [...evictions].filter(([, e]) => e.fireAtMs <= ctx.nowMs).sort((a, b) => a[1].fireAtMs - b[1].fireAtMs || (a[0] < b[0] ? -1 : 1));
  for (const [key, e] of due) {
    evictions.delete(key);
    const pod = pods.get(key);
    if (!pod || evicting.has(key)) continue;
    const meta = pod.metadata ?? {};
    const ns = meta.namespace ?? 'default';
    actions.push({ kind: 'event', object: pod, objectKind: 'Pod', type: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${ns}/${meta.name ?? ''}` });
    evicting.add(key);
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
    const taints = ((ctx.cache(NODES).get(node) as NodeJson | undefined)?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map(describeTaint);
    actions.push({
      kind: 'write',
      request: { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: ns, name: meta.name ?? '' },
      traces: [{ action: 'pod-evicted', object: `pod/${key}`, detail: `node ${node}: ${taints.join(', ') || 'NoExecute taint'} outlasted the pod's tolerations` }],
      onResult: (r, c) => {
        c.state.evicting.delete(key);
        const ok = r.code === 200 || r.code === 201;
        if (!ok && r.code !== 404 && e.attempt < EVICTION_RETRIES) {
          c.state.evictions.set(key, { createdAtMs: c.nowMs, fireAtMs: c.nowMs + EVICTION_RETRY_MS, attempt: e.attempt + 1 });
        }
      },
    });
  }
  return actions;
}

export const taintEvictionController = defineController<TaintEvictionState>({
  name: 'taint-eviction',
  reporter: TAINT_EVICTION_CONTROLLER,
  informers: [PODS, NODES],
  handlers: [
    {
      informer: PODS,
      onAdd: (pod, ctx) => processPod(objectKey(pod), ctx),
      onUpdate: (_old, pod, ctx) => processPod(objectKey(pod), ctx),
      onDelete: (pod, ctx) => void ctx.state.evictions.delete(objectKey(pod)),
    },
    {
      informer: NODES,
      // A new node, or one whose NoExecute taints changed: re-plan the pods on it.
      onAdd: processNode,
      onUpdate: (old, node, ctx) => {
        if (noExecuteTaints(node) !== noExecuteTaints(old)) processNode(node, ctx);
      },
    },
  ],
  deadlines: {
    next: (s) => {
      let next: number | undefined;
      for (const e of s.evictions.values()) if (next === undefined || e.fireAtMs < next) next = e.fireAtMs;
      return next;
    },
    run: runEvictions,
  },
  newState: () => ({ evictions: new Map(), evicting: new Set() }),
});
