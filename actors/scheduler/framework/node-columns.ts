/**
 * The numbers the fused scan (schedule-one.ts) reads for every node, as flat typed arrays in the
 * snapshot's node order (struct of arrays): one cache-friendly read per field instead of a chain
 * of object loads per node. The Snapshot owns one and keeps it current: every NodeInfo change
 * (pod added or removed, node object replaced) rewrites that node's row, and a re-ordered node
 * list rewrites all rows. Row j describes `snapshot.nodes[j]` (whose `index` is j).
 */
import type { NodeInfo } from './node-info.ts';

/** `flags` bits. */
export const FLAG_UNSCHEDULABLE = 1;
export const FLAG_TAINTED = 2;
export const FLAG_USES_HOST_PORTS = 4;

/**
 * One node label as small integers: `ids[j]` is the id of row j's value of `key`, 0 when the
 * node lacks the label. Lets a plugin whose per-node verdict depends only on that label's value
 * (InterPodAffinity with all its topology keys equal) decide once per value and then read a
 * table per node, instead of a keyed property load and map lookups per node.
 */
export class LabelColumn {
  ids = new Int32Array(0);
  /** id → value; id 0 is "label absent". Ids are never reused (values seen once stay interned). */
  readonly values: (string | undefined)[] = [undefined];
  private readonly idOf = new Map<string, number>();

  constructor(readonly key: string) {}

  write(j: number, ni: NodeInfo): void {
    const v = ni.labels[this.key];
    if (typeof v !== 'string') {
      this.ids[j] = 0;
      return;
    }
    let id = this.idOf.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.idOf.set(v, id);
    }
    this.ids[j] = id;
  }
}

/** How many label columns a NodeColumns keeps (each costs a map lookup per node change). */
export const MAX_LABEL_COLUMNS = 4;

export class NodeColumns {
  /** Rows in use (= the snapshot's node count after the last rebuild). */
  length = 0;
  allocatableMilliCpu = new Float64Array(0);
  allocatableMemory = new Float64Array(0);
  allocatableEphemeralStorage = new Float64Array(0);
  allowedPodNumber = new Float64Array(0);
  requestedMilliCpu = new Float64Array(0);
  requestedMemory = new Float64Array(0);
  requestedEphemeralStorage = new Float64Array(0);
  nonZeroMilliCpu = new Float64Array(0);
  nonZeroMemory = new Float64Array(0);
  podCount = new Float64Array(0);
  flags = new Uint8Array(0);
  /** Label columns created on demand (`labelColumn`), kept current with the other rows. */
  private readonly labelColumns: LabelColumn[] = [];

  /**
   * The column for label `key`, created (rows filled from `nodes`, the snapshot's list) on first
   * use; null once MAX_LABEL_COLUMNS other keys have columns (callers fall back to labels).
   */
  labelColumn(key: string, nodes: readonly NodeInfo[]): LabelColumn | null {
    for (const c of this.labelColumns) if (c.key === key) return c;
    if (this.labelColumns.length >= MAX_LABEL_COLUMNS) return null;
    const c = new LabelColumn(key);
    c.ids = new Int32Array(this.flags.length);
    for (let j = 0; j < nodes.length; j++) c.write(j, nodes[j]!);
    this.labelColumns.push(c);
    return c;
  }

  /** Makes room for `n` rows (contents undefined until written). */
  resize(n: number): void {
    this.length = n;
    if (this.flags.length >= n) return;
    const cap = Math.max(n, this.flags.length * 2, 16);
    this.allocatableMilliCpu = new Float64Array(cap);
    this.allocatableMemory = new Float64Array(cap);
    this.allocatableEphemeralStorage = new Float64Array(cap);
    this.allowedPodNumber = new Float64Array(cap);
    this.requestedMilliCpu = new Float64Array(cap);
    this.requestedMemory = new Float64Array(cap);
    this.requestedEphemeralStorage = new Float64Array(cap);
    this.nonZeroMilliCpu = new Float64Array(cap);
    this.nonZeroMemory = new Float64Array(cap);
    this.podCount = new Float64Array(cap);
    this.flags = new Uint8Array(cap);
    for (const c of this.labelColumns) c.ids = new Int32Array(cap);
  }

  /** Row j from the node's current state. */
  write(j: number, ni: NodeInfo): void {
    const a = ni.allocatable;
    const r = ni.requested;
    this.allocatableMilliCpu[j] = a.milliCpu;
    this.allocatableMemory[j] = a.memory;
    this.allocatableEphemeralStorage[j] = a.ephemeralStorage;
    this.allowedPodNumber[j] = a.allowedPodNumber;
    this.requestedMilliCpu[j] = r.milliCpu;
    this.requestedMemory[j] = r.memory;
    this.requestedEphemeralStorage[j] = r.ephemeralStorage;
    this.nonZeroMilliCpu[j] = ni.nonZeroRequested.milliCpu;
    this.nonZeroMemory[j] = ni.nonZeroRequested.memory;
    this.podCount[j] = ni.pods.length;
    for (let k = 0; k < this.labelColumns.length; k++) this.labelColumns[k]!.write(j, ni);
    this.flags[j] = (ni.unschedulable ? FLAG_UNSCHEDULABLE : 0) | (ni.taints.length > 0 ? FLAG_TAINTED : 0) | (ni.usedPorts.size > 0 ? FLAG_USES_HOST_PORTS : 0);
  }
}
