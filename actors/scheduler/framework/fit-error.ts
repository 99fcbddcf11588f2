/**
 * The `0/N nodes are available: ...` message (kube `FitError.Error()`), in the format of
 * Kubernetes v1.30 and later, where the PostFilter (preemption) part is appended without a
 * second period (v1.29 and earlier printed `...scheduling..`, fixed for 1.30, kubernetes#123301).
 *
 *   0/N nodes are available: <PreFilter message>. <PostFilter message>
 *   0/N nodes are available: <count> <reason>, <count> <reason>. <PostFilter message>
 *
 * Every reason of every rejected node is counted; `"<count> <reason>"` strings are sorted as Go's
 * `sort.Strings` sorts them (byte order: "10 x" sorts before "2 x"); nodes absent from the
 * status map count with the absent status's reasons. A PreFilter rejection replaces the
 * histogram (every node would repeat the same reason).
 */
import type { NodeToStatus } from './node-to-status.ts';

export interface Diagnosis {
  readonly nodeToStatus: NodeToStatus;
  /** Set when a PreFilter plugin rejected the pod: the message that replaces the histogram. */
  preFilterMsg: string;
  /** The PostFilter plugins' message, e.g. `preemption: 0/3 nodes are available: ...`. */
  postFilterMsg: string;
  /** Plugins that rejected the pod somewhere (kube `UnschedulablePlugins`), in first-seen order. */
  readonly unschedulablePlugins: Set<string>;
}

/** Go's `sort.Strings` order for the ASCII reason strings kube produces (UTF-16 order otherwise). */
function goStringLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sorted `"<count> <reason>"` entries, e.g. `["1 node(s) were unschedulable", "2 Insufficient cpu"]`. */
export function reasonHistogram(numAllNodes: number, nodeToStatus: NodeToStatus): string[] {
  const counts = new Map<string, number>();
  for (const status of nodeToStatus.explicit.values()) {
    for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const absentNodes = numAllNodes - nodeToStatus.size;
  if (absentNodes > 0) {
    for (const reason of nodeToStatus.absent.reasons) counts.set(reason, (counts.get(reason) ?? 0) + absentNodes);
  }
  const out: string[] = [];
  for (const [reason, count] of counts) out.push(`${count} ${reason}`);
  return out.sort(goStringLess);
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const histogram = reasonHistogram(numAllNodes, d.nodeToStatus);
    if (histogram.length > 0) msg += ` ${histogram.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}
