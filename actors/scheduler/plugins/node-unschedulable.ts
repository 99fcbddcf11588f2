/**
 * NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable): a cordoned node
 * (`spec.unschedulable`) takes no pods, unless the pod tolerates the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint (DaemonSet pods do).
 */
import type { Plugin } from '../framework/interface.ts';
import { unresolvable } from '../framework/status.ts';
import { tolerationsTolerateTaint } from '../../api/taints.ts';

export const Name = 'NodeUnschedulable';
export const ErrReasonUnschedulable = 'node(s) were unschedulable';
export const TaintNodeUnschedulable = 'node.kubernetes.io/unschedulable';

const REJECT = unresolvable(Name, ErrReasonUnschedulable);
const UNSCHEDULABLE_TAINT = { key: TaintNodeUnschedulable, effect: 'NoSchedule' };

export function newNodeUnschedulable(): Plugin {
  return {
    name: Name,
    fusion: { kind: 'NodeUnschedulable' },
    filter(_state, pod, node) {
      if (!node.unschedulable) return null;
      if (tolerationsTolerateTaint(pod.pod.spec?.tolerations ?? [], UNSCHEDULABLE_TAINT)) return null;
      return REJECT;
    },
  } satisfies Plugin;
}
