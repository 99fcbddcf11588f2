/**
 * Why each node was rejected in a cycle (kube `framework.NodeToStatus`): explicit statuses for
 * nodes a Filter rejected, and one shared status for every node absent from the map (nodes a
 * PreFilter ruled out, or — for preemption — nodes not worth trying).
 */
import type { NodeInfo } from './node-info.ts';
import { newStatus, type Code, type Status } from './status.ts';

/** The default status of nodes without one (frozen, so one object serves every cycle). */
const DEFAULT_ABSENT: Status = newStatus('UnschedulableAndUnresolvable');

export class NodeToStatus {
  private readonly map = new Map<string, Status>();
  /**
   * Statuses appended by `append` and not yet in `map`: a cycle that finds a node never reads
   * them, so the scan does not pay for a Map insert per rejected node. Held as NodeInfos: the
   * scan has the reference at hand, and reading `name` would load each rejected node's object.
   */
  private pendingNodes: NodeInfo[] = [];
  private pendingStatuses: Status[] = [];
  /** Status of nodes not in `explicit` (kube default: UnschedulableAndUnresolvable, no reasons). */
  absent: Status = DEFAULT_ABSENT;

  /** Insertion-ordered: the order nodes were evaluated in. */
  get explicit(): ReadonlyMap<string, Status> {
    this.flush();
    return this.map;
  }

  get size(): number {
    return this.map.size + this.pendingNodes.length;
  }

  set(node: string, status: Status): void {
    this.flush();
    this.map.set(node, status);
  }

  /**
   * `set` for a node not set before in this cycle (a scan visits each node once); held back
   * until read. Falls back to `set` once anything was set, so `size` never counts a node twice.
   */
  append(node: NodeInfo, status: Status): void {
    if (this.map.size > 0) {
      this.set(node.name, status);
      return;
    }
    this.pendingNodes.push(node);
    this.pendingStatuses.push(status);
  }

  get(node: string): Status {
    this.flush();
    return this.map.get(node) ?? this.absent;
  }

  private flush(): void {
    const nodes = this.pendingNodes;
    if (nodes.length === 0) return;
    const statuses = this.pendingStatuses;
    this.pendingNodes = [];
    this.pendingStatuses = [];
    for (let i = 0; i < nodes.length; i++) this.map.set(nodes[i]!.name, statuses[i]!);
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
