/**
 * Incremental per-topology aggregates over the snapshot's pods, for InterPodAffinity and
 * PodTopologySpread.
 *
 * kube recomputes its PreFilter/PreScore counts from every pod of every node in each cycle
 * (parallelised over 16 goroutines). Here each aggregate remembers, per node, what that node
 * contributed and the node's `generation` at the time; a cycle only compares generations
 * (a few ns per node) and recounts the nodes that changed since (usually the one node the
 * previous pod went to). The totals are the same numbers kube computes, kept up to date.
 *
 * Staleness is impossible as long as every change to a node bumps `NodeInfo.generation`, which
 * `addPod`, `removePod` and `setNode` do. A NodeInfo that leaves the snapshot's list has its
 * contribution subtracted when the list is next seen. `refreshFrom(snapshot)` does not even scan:
 * it visits the nodes the snapshot's change log lists since the index's last refresh (every
 * NodeInfo of a snapshot reports its changes there), falling back to a scan when the log was
 * trimmed past that point.
 */
import type { Labels } from './label-selector.ts';
import type { NodeInfo } from './node-info.ts';
import type { Snapshot } from './snapshot.ts';

/** topologyKey → topology value → amount; entries that reach 0 are deleted. */
export type TopologyCounts = Map<string, Map<string, number>>;

export function addToCounts(m: TopologyCounts, topologyKey: string, value: string, amount: number): void {
  let values = m.get(topologyKey);
  if (!values) m.set(topologyKey, (values = new Map()));
  const next = (values.get(value) ?? 0) + amount;
  if (next === 0) {
    values.delete(value);
    if (values.size === 0) m.delete(topologyKey);
  } else values.set(value, next);
}

/** Emits `amount` for the node at `topologyKey` (ignored when the node lacks the key) in `group`. */
export type Emit = (group: string, topologyKey: string, amount: number) => void;

interface NodeRecord {
  readonly ni: NodeInfo;
  gen: number;
  /** Flattened contributions: group, topologyKey, value, amount (4 slots each). */
  entries: (string | number)[];
  seen: number;
}

/**
 * Per-group topology counts of what `collect` emits for each node. `collect` must depend only on
 * the node (labels, pods) and on values fixed for the index's lifetime.
 */
export class TopologyIndex {
  /** group → topologyKey → value → amount. Read-only for callers. */
  readonly totals = new Map<string, TopologyCounts>();
  private readonly records = new Map<NodeInfo, NodeRecord>();
  private list: readonly NodeInfo[] | null = null;
  private arr: NodeRecord[] = [];
  private epoch = 0;
  private current: NodeRecord | null = null;
  private readonly emit: Emit;

  constructor(private readonly collect: (ni: NodeInfo, emit: Emit) => void) {
    this.emit = (group, topologyKey, amount) => {
      const rec = this.current!;
      const labels: Labels = rec.ni.labels;
      const value = labels[topologyKey];
      if (typeof value !== 'string' || amount === 0) return;
      rec.entries.push(group, topologyKey, value, amount);
      let counts = this.totals.get(group);
      if (!counts) this.totals.set(group, (counts = new Map()));
      addToCounts(counts, topologyKey, value, amount);
    };
  }

  private cursor = -1;
  private readonly visit = (ni: NodeInfo): void => {
    const rec = this.records.get(ni);
    if (rec !== undefined && rec.gen !== ni.generation) this.recount(rec);
  };

  /** Brings the totals up to date with `nodes` (a full generation scan). */
  refresh(nodes: readonly NodeInfo[]): void {
    if (nodes !== this.list) this.relist(nodes);
    const arr = this.arr;
    for (let i = 0; i < arr.length; i++) {
      const rec = arr[i]!;
      if (rec.gen !== rec.ni.generation) this.recount(rec);
    }
    this.cursor = -1;
  }

  /** Brings the totals up to date with the snapshot, visiting only the nodes changed since last time. */
  refreshFrom(snapshot: Snapshot): void {
    const nodes = snapshot.nodes;
    const cursor = snapshot.changeCursor;
    if (nodes !== this.list || this.cursor < 0 || !snapshot.changesSince(this.cursor, this.visit)) this.refresh(nodes);
    this.cursor = cursor;
  }

  private relist(nodes: readonly NodeInfo[]): void {
    const epoch = ++this.epoch;
    const arr: NodeRecord[] = new Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      const ni = nodes[i]!;
      let rec = this.records.get(ni);
      if (!rec) {
        rec = { ni, gen: Number.NaN, entries: [], seen: epoch };
        this.records.set(ni, rec);
      }
      rec.seen = epoch;
      arr[i] = rec;
    }
    for (const [ni, rec] of this.records) {
      if (rec.seen === epoch) continue;
      this.subtract(rec);
      this.records.delete(ni);
    }
    this.arr = arr;
    this.list = nodes;
  }

  private subtract(rec: NodeRecord): void {
    const e = rec.entries;
    for (let j = 0; j < e.length; j += 4) {
      const group = e[j] as string;
      const counts = this.totals.get(group);
      if (!counts) continue;
      addToCounts(counts, e[j + 1] as string, e[j + 2] as string, -(e[j + 3] as number));
      if (counts.size === 0) this.totals.delete(group);
    }
    rec.entries = [];
  }

  private recount(rec: NodeRecord): void {
    if (rec.entries.length > 0) this.subtract(rec);
    this.current = rec;
    this.collect(rec.ni, this.emit);
    this.current = null;
    rec.gen = rec.ni.generation;
  }
}

interface CountRecord {
  readonly ni: NodeInfo;
  gen: number;
  count: number;
}

/** Per node: how many of its pods `count` counts; refreshed by generation like TopologyIndex. */
export class NodeCountIndex {
  private readonly byNode = new Map<NodeInfo, CountRecord>();
  private list: readonly NodeInfo[] | null = null;
  private arr: CountRecord[] = [];

  constructor(private readonly count: (ni: NodeInfo) => number) {}

  private cursor = -1;
  private readonly visit = (ni: NodeInfo): void => {
    const rec = this.byNode.get(ni);
    if (rec !== undefined && rec.gen !== ni.generation) {
      rec.count = this.count(ni);
      rec.gen = ni.generation;
    }
  };

  /** Like `TopologyIndex.refreshFrom`: only the nodes changed since the last refresh. */
  refreshFrom(snapshot: Snapshot): void {
    const nodes = snapshot.nodes;
    const cursor = snapshot.changeCursor;
    if (nodes !== this.list || this.cursor < 0 || !snapshot.changesSince(this.cursor, this.visit)) this.refresh(nodes);
    this.cursor = cursor;
  }

  refresh(nodes: readonly NodeInfo[]): void {
    this.cursor = -1;
    if (nodes !== this.list) {
      const arr: CountRecord[] = new Array(nodes.length);
      const keep = new Set<NodeInfo>();
      for (let i = 0; i < nodes.length; i++) {
        const ni = nodes[i]!;
        let rec = this.byNode.get(ni);
        if (!rec) this.byNode.set(ni, (rec = { ni, gen: Number.NaN, count: 0 }));
        keep.add(ni);
        arr[i] = rec;
      }
      for (const ni of this.byNode.keys()) if (!keep.has(ni)) this.byNode.delete(ni);
      this.arr = arr;
      this.list = nodes;
    }
    const arr = this.arr;
    for (let i = 0; i < arr.length; i++) {
      const rec = arr[i]!;
      if (rec.gen !== rec.ni.generation) {
        rec.count = this.count(rec.ni);
        rec.gen = rec.ni.generation;
      }
    }
  }

  /** The count for node `i` of the list last refreshed. */
  at(i: number): number {
    return this.arr[i]!.count;
  }

  /** The count for a node (recounted when it changed or is not in the list, e.g. a preemption copy). */
  of(ni: NodeInfo): number {
    const rec = this.byNode.get(ni);
    if (rec !== undefined && rec.gen === ni.generation) return rec.count;
    return this.count(ni);
  }
}
