import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../host/resources.ts';
import { ownedPodHandlers } from '../host/owned-pods.ts';
import { defineController, type ControllerContext } from '../host/types.ts';
import { controllingDaemonSet, newDaemonSetState, syncDaemonSet, type DaemonSetState } from './daemonset.ts';

/**
 * The DaemonSet controller (pkg/controller/daemon): its queue holds DaemonSet keys. Pod events
 * count off expectations and queue the owner; a node added, relabelled or (un)tainted queues
 * every DaemonSet (upstream filters by nodeShouldRunDaemonPod; a sync that changes nothing writes
 * nothing). 2 workers (--concurrent-daemonset-syncs).
 */

type Ctx = ControllerContext<DaemonSetState>;


function enqueueAll(ctx: Ctx): void {
  for (const k of ctx.cache(DAEMON_SETS).keys()) ctx.enqueue(k);
}

const nodeShape = (n: KubeObject): string => JSON.stringify([n.metadata?.labels ?? {}, (n.spec as { taints?: unknown } | undefined)?.taints ?? []]);

export const daemonSetController = defineController<DaemonSetState>({
  name: 'daemonset',
  reporter: 'daemonset-controller',
  informers: [DAEMON_SETS, NODES, PODS, CONTROLLER_REVISIONS],
  handlers: [
    {
      informer: DAEMON_SETS,
      onAdd: (ds, ctx) => ctx.enqueue(objectKey(ds)),
      onUpdate: (_old, ds, ctx) => ctx.enqueue(objectKey(ds)),
      onDelete: (ds, ctx) => {
        ctx.state.expectations.delete(objectKey(ds));
        ctx.enqueue(objectKey(ds));
      },
    },
    {
      informer: NODES,
      onAdd: (_n, ctx) => enqueueAll(ctx),
      onUpdate: (old, n, ctx) => {
        if (nodeShape(old) !== nodeShape(n)) enqueueAll(ctx);
      },
      onDelete: (_n, ctx) => enqueueAll(ctx),
    },
    ownedPodHandlers(controllingDaemonSet),
  ],
  queues: [{ workers: 2, sync: syncDaemonSet }],
  newState: newDaemonSetState,
});
