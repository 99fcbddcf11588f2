import type { KubeObject } from '../../api/protocol.ts';
import { BY_NODE, NODE_LEASES, NODES, PODS } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext, type EventAction, type WriteAction } from '../host/types.ts';
import {
  describeTaint,
  monitorNode,
  podNotReadyStatus,
  reconcileNodeTaints,
  type NodeHealth,
  type NodeJson,
  type NodeLifecycleConfig,
  type NoExecuteTaint,
} from './node-lifecycle.ts';

/**
 * The node lifecycle controller (pkg/controller/nodelifecycle): every node-monitor period
 * (`node-monitor`, 5 s) `monitorNodeHealth` over every node and its Lease: a node silent past the
 * grace period is marked Unknown through nodes/status, its pods marked not ready, and the
 * NoExecute taint it should carry decided; a work queue of node names (8 workers, upstream's
 * UpdateWorkerSize) keeps each node's condition taints and that NoExecute taint in place
 * (doNoScheduleTaintingPass). The decisions are the pure functions in node-lifecycle.ts.
 */

export const NODE_CONTROLLER = 'node-controller';

export interface NodeLifecycleState {
  readonly config: NodeLifecycleConfig;
  /** What the monitor last saw of each node, on the controller's clock. */
  readonly health: Map<string, NodeHealth>;
  /** The NoExecute taint decided for each node. */
  readonly noExecute: Map<string, NoExecuteTaint>;
  readonly knownNodes: Set<string>;
  /** Nodes whose pods must be marked not ready again (a marking failed). */
  readonly nodesToRetry: Set<string>;
  readonly statusInFlight: Set<string>;
  readonly podsInFlight: Set<string>;
}

type Ctx = ControllerContext<NodeLifecycleState>;

function nodeEvent(name: string, uid: string, type: 'Normal' | 'Warning', reason: string, message: string): EventAction {
  return { kind: 'event', object: { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } }, objectKind: 'Node', type, reason, message };
}

/** monitorNodeHealth: one pass over every node. */
function monitorNodeHealth(ctx: Ctx): Action<NodeLifecycleState>[] {
  const s = ctx.state;
  const nodes = ctx.cache(NODES);
  const leases = ctx.cache(NODE_LEASES);
  const actions: Action<NodeLifecycleState>[] = [];
  const names = nodes.keys();
  const present = new Set(names);
  for (const name of [...s.knownNodes].sort()) {
    if (present.has(name)) continue;
    s.knownNodes.delete(name);
    s.health.delete(name);
    s.noExecute.delete(name);
    s.nodesToRetry.delete(name);
    actions.push(nodeEvent(name, '', 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`));
  }
  for (const name of names) {
    const node = nodes.get(name) as NodeJson;
    if (!s.knownNodes.has(name)) {
      s.knownNodes.add(name);
      actions.push(nodeEvent(name, node.metadata?.uid ?? '', 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`));
      // markNodeAsReachable: a node seen for the first time loses its NoExecute taints.
      s.noExecute.set(name, 'none');
      ctx.enqueue(name);
    }
    if (s.statusInFlight.has(name)) continue;
    const d = monitorNode(node, leases.get(`kube-node-lease/${name}`), s.health.get(name), s.nodesToRetry.has(name), ctx.nowMs, s.config);
    s.health.set(name, d.health);
    if (d.statusUpdate) {
      const ready = d.statusUpdate.find((c) => c.type === 'Ready');
      s.statusInFlight.add(name);
      actions.push({
        kind: 'write',
        request: { verb: 'update', apiVersion: 'v1', resource: 'nodes', subresource: 'status', name, body: { ...node, status: { ...(node.status ?? {}), conditions: d.statusUpdate } } },
        traces: [{ action: 'marked-unknown', object: `node/${name}`, detail: `Ready=${ready?.status ?? 'Unknown'} (${ready?.reason ?? ''}): ${ready?.message ?? ''}` }],
        onResult: (_r, c) => void c.state.statusInFlight.delete(name),
      });
    }
    if (d.noExecute !== undefined) {
      s.noExecute.set(name, d.noExecute);
      if (reconcileNodeTaints(node, d.noExecute, ctx.nowMs) !== null) ctx.enqueue(name);
    }
    if (d.becameNotReady) actions.push(nodeEvent(name, node.metadata?.uid ?? '', 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`));
    if (d.markPods) {
      s.nodesToRetry.delete(name);
      actions.push(...markPodsNotReady(ctx, name));
    }
  }
  return actions;
}

/** MarkPodsNotReady: every pod bound to the node gets Ready=False. */
function markPodsNotReady(ctx: Ctx, node: string): WriteAction<NodeLifecycleState>[] {
  const pods = ctx.cache(PODS);
  const writes: WriteAction<NodeLifecycleState>[] = [];
  for (const key of pods.byIndex(BY_NODE, node)) {
    const pod = pods.get(key);
    if (!pod || ctx.state.podsInFlight.has(key)) continue;
    const status = podNotReadyStatus(pod, ctx.nowMs);
    if (!status) continue;
    ctx.state.podsInFlight.add(key);
    const meta = pod.metadata ?? {};
    writes.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'v1', resource: 'pods', subresource: 'status', namespace: meta.namespace ?? 'default', name: meta.name ?? '', body: { ...pod, status } },
      traces: [{ action: 'pod-not-ready', object: `pod/${key}`, detail: `Ready=False: node ${node} is not ready` }],
      onResult: (r, c) => {
        c.state.podsInFlight.delete(key);
        const ok = r.code === 200 || r.code === 201;
        if (ok) return [{ kind: 'event', object: pod, objectKind: 'Pod', type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready' }];
        if (r.code !== 404) c.state.nodesToRetry.add(node);
        return [];
      },
    });
  }
  return writes;
}

/** doNoScheduleTaintingPass + the NoExecute taint the monitor decided, for one node. */
function syncNodeTaints(name: string, ctx: Ctx): Action<NodeLifecycleState>[] {
  const node = ctx.cache(NODES).get(name) as NodeJson | undefined;
  if (!node) return [];
  const change = reconcileNodeTaints(node, ctx.state.noExecute.get(name), ctx.nowMs);
  if (!change) return [];
  const body: NodeJson = { ...node, spec: { ...(node.spec ?? {}), taints: change.taints } };
  if (change.taints.length === 0) delete body.spec!.taints;
  return [
    {
      kind: 'write',
      request: { verb: 'update', apiVersion: 'v1', resource: 'nodes', name, body },
      traces: [
        ...change.added.map((t) => ({ action: 'taint-added', object: `node/${name}`, detail: describeTaint(t) })),
        ...change.removed.map((t) => ({ action: 'taint-removed', object: `node/${name}`, detail: describeTaint(t) })),
      ],
    },
  ];
}

const nodeName = (node: KubeObject): string => node.metadata?.name ?? '';

export const nodeLifecycleController = defineController<NodeLifecycleState>({
  name: 'node-lifecycle',
  reporter: NODE_CONTROLLER,
  informers: [NODES, NODE_LEASES, PODS],
  handlers: [
    {
      informer: NODES,
      onAdd: (node, ctx) => ctx.enqueue(nodeName(node)),
      onUpdate: (_old, node, ctx) => ctx.enqueue(nodeName(node)),
    },
  ],
  queues: [{ workers: 8, sync: syncNodeTaints }],
  periodic: [{ name: 'node-monitor', periodMs: (s) => s.config.monitorPeriodMs, firstDelayMs: 0, run: monitorNodeHealth }],
  newState: (config) => ({
    config: config.nodeLifecycle,
    health: new Map(),
    noExecute: new Map(),
    knownNodes: new Set(),
    nodesToRetry: new Set(),
    statusInFlight: new Set(),
    podsInFlight: new Set(),
  }),
});
