/**
 * The scheduler's view of the cluster (kube's cache + `Snapshot`): one NodeInfo per node, in
 * kube's node-tree order, kept up to date incrementally. `addPod` / `removePod` / `updateNode`
 * cost O(1) (O(n) only when a node joins, leaves or changes zone), so scheduling 10,000 pods
 * onto 5,000 nodes never rebuilds the snapshot.
 *
 * Node order matters: with adaptive percentageOfNodesToScore only a slice of the list is
 * filtered per cycle. kube lists nodes round-robin across zones (`nodeTree.list()`: the first
 * node of each zone, then the second of each, ...), zones in order of first appearance, nodes
 * within a zone in order of addition. A pod bound to a node the snapshot does not know is kept
 * aside and attached when that node appears (kube keeps such "ghost" NodeInfos out of the list).
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { NodeInfo } from './node-info.ts';
import { newPodInfo, podKey, type PodInfo } from './pod-info.ts';

const ZONE_LABEL = 'topology.kubernetes.io/zone';
const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL_BETA = 'failure-domain.beta.kubernetes.io/zone';
const REGION_LABEL_BETA = 'failure-domain.beta.kubernetes.io/region';

/** `utilnode.GetZoneKey`: "" without zone and region labels, else `region:\0:zone`. */
export function zoneKey(node: V1Node): string {
  const labels = node.metadata?.labels ?? {};
  const zone = labels[ZONE_LABEL] ?? labels[ZONE_LABEL_BETA] ?? '';
  const region = labels[REGION_LABEL] ?? labels[REGION_LABEL_BETA] ?? '';
  if (zone === '' && region === '') return '';
  return `${region}:\x00:${zone}`;
}

export class Snapshot {
  private readonly byName = new Map<string, NodeInfo>();
  /** zone key → node names in order of addition; `zones` keeps the zones' first-seen order. */
  private readonly zoneNodes = new Map<string, string[]>();
  private readonly zones: string[] = [];
  private readonly nodeZone = new Map<string, string>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  /** pod key → node name, for every pod the snapshot holds (attached or waiting for its node). */
  private readonly podNode = new Map<string, string>();
  /** node name → pods bound to a node not (yet) in the snapshot. */
  private readonly orphans = new Map<string, Map<string, PodInfo>>();

  /** Nodes in node-tree order. The array is rebuilt only after a node is added, removed or re-zoned. */
  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) this.rebuildList();
    return this.list;
  }

  get numNodes(): number {
    return this.byName.size;
  }

  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  /** Node the pod with this key is on (attached or orphaned), or undefined. */
  nodeOfPod(key: string): string | undefined {
    return this.podNode.get(key);
  }

  hasPod(key: string): boolean {
    return this.podNode.has(key);
  }

  /** Adds the node, or replaces its object keeping its pods (kube `UpdateNode`). */
  updateNode(node: V1Node): NodeInfo {
    const name = node.metadata?.name;
    if (!name) throw new Error('Snapshot.updateNode: node has no metadata.name');
    const zone = zoneKey(node);
    let ni = this.byName.get(name);
    if (ni) {
      ni.setNode(node);
      if (this.nodeZone.get(name) !== zone) {
        this.removeFromZone(name);
        this.addToZone(name, zone);
      }
      return ni;
    }
    ni = new NodeInfo(node);
    this.byName.set(name, ni);
    this.addToZone(name, zone);
    const waiting = this.orphans.get(name);
    if (waiting) {
      for (const pi of waiting.values()) ni.addPod(pi);
      this.orphans.delete(name);
    }
    return ni;
  }

  /** Removes the node; its pods stay known (as orphans) until removed, as in kube's cache. */
  removeNode(name: string): boolean {
    const ni = this.byName.get(name);
    if (!ni) return false;
    this.byName.delete(name);
    this.removeFromZone(name);
    if (ni.pods.length > 0) {
      const waiting = new Map<string, PodInfo>();
      for (const pi of ni.pods) waiting.set(pi.key, pi);
      this.orphans.set(name, waiting);
    }
    return true;
  }

  /**
   * Adds a pod bound to `nodeName` (default: its `spec.nodeName`). Re-adding a known pod replaces
   * it (moving it if the node changed). Returns the PodInfo.
   */
  addPod(pod: V1Pod | PodInfo, nodeName?: string): PodInfo {
    let pi = 'pod' in pod && 'key' in pod ? pod : newPodInfo(pod);
    const target = nodeName ?? pi.nodeName;
    if (!target) throw new Error(`Snapshot.addPod: pod ${pi.key} has no node`);
    if (pi.nodeName !== target) pi = { ...pi, nodeName: target };
    if (this.podNode.has(pi.key)) this.removePod(pi.key);
    this.podNode.set(pi.key, target);
    const ni = this.byName.get(target);
    if (ni) ni.addPod(pi);
    else {
      let waiting = this.orphans.get(target);
      if (!waiting) this.orphans.set(target, (waiting = new Map()));
      waiting.set(pi.key, pi);
    }
    return pi;
  }

  /** Removes a pod by object or key; returns the removed PodInfo, or undefined if unknown. */
  removePod(podOrKey: V1Pod | string): PodInfo | undefined {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return undefined;
    this.podNode.delete(key);
    const ni = this.byName.get(nodeName);
    if (ni) return ni.removePod(key);
    const waiting = this.orphans.get(nodeName);
    const pi = waiting?.get(key);
    waiting?.delete(key);
    if (waiting && waiting.size === 0) this.orphans.delete(nodeName);
    return pi;
  }

  /** Replaces a bound pod's object (requests or ports may have changed). */
  updatePod(pod: V1Pod): PodInfo {
    return this.addPod(pod);
  }

  private addToZone(name: string, zone: string): void {
    let names = this.zoneNodes.get(zone);
    if (!names) {
      this.zoneNodes.set(zone, (names = []));
      this.zones.push(zone);
    }
    names.push(name);
    this.nodeZone.set(name, zone);
    this.listDirty = true;
  }

  private removeFromZone(name: string): void {
    const zone = this.nodeZone.get(name);
    if (zone === undefined) return;
    this.nodeZone.delete(name);
    const names = this.zoneNodes.get(zone)!;
    names.splice(names.indexOf(name), 1);
    if (names.length === 0) {
      this.zoneNodes.delete(zone);
      this.zones.splice(this.zones.indexOf(zone), 1);
    }
    this.listDirty = true;
  }

  /** `nodeTree.list()`: round-robin over zones. */
  private rebuildList(): void {
    const out: NodeInfo[] = [];
    let longest = 0;
    for (const names of this.zoneNodes.values()) longest = Math.max(longest, names.length);
    for (let i = 0; i < longest; i++) {
      for (const zone of this.zones) {
        const name = this.zoneNodes.get(zone)![i];
        if (name !== undefined) out.push(this.byName.get(name)!);
      }
    }
    this.list = out;
    this.listDirty = false;
  }
}

/** A snapshot of these nodes with these pods; pods without `spec.nodeName` are ignored. */
export function buildSnapshot(nodes: readonly V1Node[], pods: readonly V1Pod[] = []): Snapshot {
  const s = new Snapshot();
  for (const n of nodes) s.updateNode(n);
  for (const p of pods) if (p.spec?.nodeName) s.addPod(p);
  return s;
}
