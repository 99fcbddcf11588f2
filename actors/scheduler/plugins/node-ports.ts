/**
 * NodePorts (pkg/scheduler/framework/plugins/nodeports): the pod's host ports must not collide
 * with ports already in use on the node, on the `(hostIP, protocol, hostPort)` triple, where
 * 0.0.0.0 collides with every IP (`HostPortInfo.CheckConflict`). PreFilter skips pods without
 * host ports.
 */
import type { Plugin } from '../framework/interface.ts';
import { skipStatus, unschedulable } from '../framework/status.ts';

export const Name = 'NodePorts';
export const ErrReason = "node(s) didn't have free ports for the requested pod ports";

const REJECT = unschedulable(Name, ErrReason);
const SKIP = skipStatus(Name);

export function newNodePorts(): Plugin {
  return {
    name: Name,
    fusion: { kind: 'NodePorts' },
    preFilter(_state, pod) {
      return pod.hostPorts.length === 0 ? SKIP : null;
    },
    filter(_state, pod, node) {
      if (node.usedPorts.size === 0) return null;
      for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return REJECT;
      return null;
    },
  } satisfies Plugin;
}
