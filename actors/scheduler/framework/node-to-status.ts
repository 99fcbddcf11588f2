/**
 * Why each node was rejected in a cycle (kube `framework.NodeToStatus`): explicit statuses for
 * nodes a Filter rejected, and one shared status for every node absent from the map (nodes a
 * PreFilter ruled out, or — for preemption — nodes not worth trying).
 */
import type { NodeInfo } from './node-info.ts';
import { newStatus, type Code, type Status } from './status.ts';

export class NodeToStatus {
  /** Insertion-ordered: the order nodes were evaluated in. */
  readonly explicit = new Map<string, Status>();
  /** Status of nodes not in `explicit` (kube default: UnschedulableAndUnresolvable, no reasons). */
  absent: Status = newStatus('UnschedulableAndUnresolvable');

  get size(): number {
    return this.explicit.size;
  }

  set(node: string, status: Status): void {
    this.explicit.set(node, status);
  }

  get(node: string): Status {
    return this.explicit.get(node) ?? this.absent;
  }

  /**
   * `NodesForStatusCode`: nodes whose status has `code`, in snapshot order (kube iterates a Go
   * map here when the absent status does not match, so its order is random; ours is fixed).
   */
  nodesForStatusCode(nodes: readonly NodeInfo[], code: Code): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const ni of nodes) if (this.get(ni.name).code === code) out.push(ni);
    return out;
  }
}
