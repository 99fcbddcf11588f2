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
import type { LabelSelector } from '../../api/labels.ts';
import { NodeColumns, type LabelColumn } from './node-columns.ts';
import { NodeInfo } from './node-info.ts';
import { newPodInfo, podKey, type PodInfo } from './pod-info.ts';
import { VolumeStore } from './volume-store.ts';

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

/** The cluster-wide state of one image name (kube `ImageStateSummary`): its size and how many nodes have it. */
export interface ImageState {
  /** Size reported by the first node that listed the name (kube keeps the first size seen). */
  readonly size: number;
  numNodes: number;
}

/** Workload kinds whose selectors PodTopologySpread's default constraints use (kube `helper.DefaultSelector`). */
export type WorkloadKind = 'ReplicaSet' | 'StatefulSet' | 'ReplicationController';

export class Snapshot {
  /** Claims, volumes and storage classes (VolumeBinding's listers). */
  readonly volumes = new VolumeStore();
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
  /** Image name → size and node count, over the nodes in the snapshot. */
  private readonly images = new Map<string, ImageState>();
  /** Nodes holding at least one pod with pod (anti-)affinity (kube `havePodsWithAffinityNodeInfoList`). */
  private readonly withAffinity = new Set<NodeInfo>();
  /** Nodes holding at least one pod with required anti-affinity (kube `havePodsWithRequiredAntiAffinityNodeInfoList`). */
  private readonly withRequiredAntiAffinity = new Set<NodeInfo>();
  /** Namespace name → labels: the optional lookup InterPodAffinity's namespaceSelector reads. */
  private readonly namespaceLabelsByName = new Map<string, Readonly<Record<string, string>>>();
  /** namespace → service name → `spec.selector`, for PodTopologySpread's default constraints. */
  private readonly serviceSelectors = new Map<string, Map<string, Readonly<Record<string, string>>>>();
  /** `kind/namespace/name` → the controller's selector. */
  private readonly controllerSelectors = new Map<string, LabelSelector | Readonly<Record<string, string>>>();
  /** NodeInfos in the order they changed (pods added/removed, node updated), for incremental indices. */
  private readonly changeLog: NodeInfo[] = [];
  /** Absolute position of changeLog[0]; older entries were trimmed. */
  private changeLogBase = 0;
  private readonly columnsStore = new NodeColumns();
  private readonly recordChange = (ni: NodeInfo): void => {
    // A re-ordered list rewrites every row when it is next read; until then indices may be stale.
    if (!this.listDirty && ni.index >= 0) this.columnsStore.write(ni.index, ni);
    const log = this.changeLog;
    log.push(ni);
    if (log.length > 4096 && log.length > 4 * this.byName.size) {
      const drop = log.length >> 1;
      log.splice(0, drop);
      this.changeLogBase += drop;
    }
  };

  /** The change-log position after the latest node change. */
  get changeCursor(): number {
    return this.changeLogBase + this.changeLog.length;
  }

  /**
   * Visits every node changed since `cursor` (a node may repeat) and returns true, or returns
   * false without visiting when the log no longer reaches back that far (the caller rescans).
   */
  changesSince(cursor: number, visit: (ni: NodeInfo) => void): boolean {
    if (cursor < this.changeLogBase) return false;
    const log = this.changeLog;
    for (let i = cursor - this.changeLogBase; i < log.length; i++) visit(log[i]!);
    return true;
  }

  /** Plugin-derived data kept across cycles (see `memo`), least recently used first. */
  private readonly memos = new Map<string, unknown>();

  /** How many `memo` entries a snapshot keeps before dropping the least recently used. */
  static readonly MEMO_CAPACITY = 64;

  /**
   * Derived data a plugin keeps across scheduling cycles for this snapshot (e.g. a
   * `TopologyIndex` refreshed by node generation), created on first use. `key` must identify
   * everything `create` depends on. Bounded: beyond MEMO_CAPACITY the least recently used
   * entry is dropped (and simply rebuilt if needed again).
   */
  memo<T>(key: string, create: () => T): T {
    const found = this.memos.get(key);
    if (found !== undefined) {
      if (this.memos.size > 1) {
        this.memos.delete(key);
        this.memos.set(key, found);
      }
      return found as T;
    }
    const value = create();
    this.memos.set(key, value);
    if (this.memos.size > Snapshot.MEMO_CAPACITY) this.memos.delete(this.memos.keys().next().value!);
    return value;
  }

  /** Nodes in node-tree order. The array is rebuilt only after a node is added, removed or re-zoned. */
  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) this.rebuildList();
    return this.list;
  }

  /** The fused scan's per-node numbers, row j for `nodes[j]` (see NodeColumns). */
  get columns(): NodeColumns {
    if (this.listDirty) this.rebuildList();
    return this.columnsStore;
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

  /** Nodes with at least one pod that has pod affinity or anti-affinity (kube `HavePodsWithAffinityList`). */
  get nodesWithAffinityPods(): ReadonlySet<NodeInfo> {
    return this.withAffinity;
  }

  /** Nodes with at least one pod that has required anti-affinity (kube `HavePodsWithRequiredAntiAffinityList`). */
  get nodesWithRequiredAntiAffinityPods(): ReadonlySet<NodeInfo> {
    return this.withRequiredAntiAffinity;
  }

  /** Cluster-wide state of an image name (ImageLocality), or undefined when no node has it. */
  imageState(name: string): ImageState | undefined {
    return this.images.get(name);
  }

  // --- Optional lookups (objects the scheduler's informers would list) --------------------------

  /** Records a namespace's labels (for pod-affinity `namespaceSelector`). */
  setNamespace(name: string, labels: Readonly<Record<string, string>> = {}): void {
    this.namespaceLabelsByName.set(name, labels);
  }

  removeNamespace(name: string): boolean {
    return this.namespaceLabelsByName.delete(name);
  }

  /** A namespace's labels; undefined when the namespace is unknown (kube then assumes no labels). */
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined {
    return this.namespaceLabelsByName.get(name);
  }

  /** Every known namespace with its labels, in insertion order. */
  get namespaces(): ReadonlyMap<string, Readonly<Record<string, string>>> {
    return this.namespaceLabelsByName;
  }

  /** Records a Service's `spec.selector` (undefined: a Service without selector, which selects no pods). */
  setService(namespace: string, name: string, selector: Readonly<Record<string, string>> | undefined): void {
    let byName = this.serviceSelectors.get(namespace);
    if (!selector) {
      byName?.delete(name);
      return;
    }
    if (!byName) this.serviceSelectors.set(namespace, (byName = new Map()));
    byName.set(name, selector);
  }

  removeService(namespace: string, name: string): boolean {
    return this.serviceSelectors.get(namespace)?.delete(name) ?? false;
  }

  /** Service selectors in a namespace, in insertion order. */
  serviceSelectorsIn(namespace: string): Iterable<Readonly<Record<string, string>>> {
    return this.serviceSelectors.get(namespace)?.values() ?? [];
  }

  /**
   * Records a controller's selector: a label map for a ReplicationController, a LabelSelector
   * for a ReplicaSet or StatefulSet.
   */
  setController(kind: WorkloadKind, namespace: string, name: string, selector: LabelSelector | Readonly<Record<string, string>>): void {
    this.controllerSelectors.set(`${kind}/${namespace}/${name}`, selector);
  }

  removeController(kind: WorkloadKind, namespace: string, name: string): boolean {
    return this.controllerSelectors.delete(`${kind}/${namespace}/${name}`);
  }

  controllerSelector(kind: WorkloadKind, namespace: string, name: string): LabelSelector | Readonly<Record<string, string>> | undefined {
    return this.controllerSelectors.get(`${kind}/${namespace}/${name}`);
  }

  private trackAffinity(ni: NodeInfo): void {
    if (ni.podsWithAffinity.length > 0) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity.length > 0) this.withRequiredAntiAffinity.add(ni);
    else this.withRequiredAntiAffinity.delete(ni);
  }

  private addImages(ni: NodeInfo): void {
    for (const [name, size] of ni.imageSizes) {
      const state = this.images.get(name);
      if (state) state.numNodes++;
      else this.images.set(name, { size, numNodes: 1 });
    }
  }

  private removeImages(ni: NodeInfo): void {
    for (const name of ni.imageSizes.keys()) {
      const state = this.images.get(name);
      if (!state) continue;
      if (--state.numNodes <= 0) this.images.delete(name);
    }
  }

  /** Adds the node, or replaces its object keeping its pods (kube `UpdateNode`). */
  updateNode(node: V1Node): NodeInfo {
    const name = node.metadata?.name;
    if (!name) throw new Error('Snapshot.updateNode: node has no metadata.name');
    const zone = zoneKey(node);
    let ni = this.byName.get(name);
    if (ni) {
      const imagesBefore = ni.imageSizes;
      ni.setNode(node);
      if (ni.imageSizes !== imagesBefore) {
        const after = ni.imageSizes;
        ni.imageSizes = imagesBefore;
        this.removeImages(ni);
        ni.imageSizes = after;
        this.addImages(ni);
      }
      if (this.nodeZone.get(name) !== zone) {
        this.removeFromZone(name);
        this.addToZone(name, zone);
      }
      return ni;
    }
    ni = new NodeInfo(node);
    ni.onChange = this.recordChange;
    this.byName.set(name, ni);
    this.addToZone(name, zone);
    this.addImages(ni);
    const waiting = this.orphans.get(name);
    if (waiting) {
      for (const pi of waiting.values()) ni.addPod(pi);
      this.orphans.delete(name);
      this.trackAffinity(ni);
    }
    return ni;
  }

  /** Removes the node; its pods stay known (as orphans) until removed, as in kube's cache. */
  removeNode(name: string): boolean {
    const ni = this.byName.get(name);
    if (!ni) return false;
    this.byName.delete(name);
    ni.onChange = null;
    ni.index = -1;
    this.removeFromZone(name);
    this.removeImages(ni);
    this.withAffinity.delete(ni);
    this.withRequiredAntiAffinity.delete(ni);
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
    if (ni) {
      ni.addPod(pi);
      if (ni.podsWithAffinity.length > 0) this.trackAffinity(ni);
    } else {
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
    if (ni) {
      const removed = ni.removePod(key);
      if (this.withAffinity.has(ni)) this.trackAffinity(ni);
      return removed;
    }
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

  /** Row j = `nodes[j]`'s value of label `key` as an id (see LabelColumn); null when too many keys have columns. */
  labelColumn(key: string): LabelColumn | null {
    const nodes = this.nodes;
    return this.columnsStore.labelColumn(key, nodes);
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
    const columns = this.columnsStore;
    columns.resize(out.length);
    for (let j = 0; j < out.length; j++) {
      out[j]!.index = j;
      columns.write(j, out[j]!);
    }
  }
}

/** Optional objects a snapshot can carry besides nodes and pods. */
export interface SnapshotExtras {
  /** Namespace name → labels (pod-affinity `namespaceSelector`). */
  readonly namespaces?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A snapshot of these nodes with these pods; pods without `spec.nodeName` are ignored. */
export function buildSnapshot(nodes: readonly V1Node[], pods: readonly V1Pod[] = [], extras: SnapshotExtras = {}): Snapshot {
  const s = new Snapshot();
  for (const n of nodes) s.updateNode(n);
  for (const p of pods) if (p.spec?.nodeName) s.addPod(p);
  for (const [name, labels] of Object.entries(extras.namespaces ?? {})) s.setNamespace(name, labels);
  return s;
}
