/**
 * NodeName (pkg/scheduler/framework/plugins/nodename): a pod that names a node in
 * `spec.nodeName` fits only that node.
 */
import type { Plugin } from '../framework/interface.ts';
import { unresolvable } from '../framework/status.ts';

export const Name = 'NodeName';
export const ErrReason = "node(s) didn't match the requested node name";

const REJECT = unresolvable(Name, ErrReason);

export function newNodeName(): Plugin {
  return {
    name: Name,
    fusion: { kind: 'NodeName' },
    filter(_state, pod, node) {
      return pod.nodeName === '' || pod.nodeName === node.name ? null : REJECT;
    },
  } satisfies Plugin;
}
