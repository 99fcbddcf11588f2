/**
 * What one Raft log entry costs in the heap, and how much of it the invariant checkers keep: the
 * idle 5-node cluster of `memory-over-time.bench.ts` runs until etcd-0's log, after its first
 * snapshot, holds `--low` and then `--high` entries (one snapshot cycle, so the MVCC history and
 * everything else is the same size), a heap snapshot (`v8.writeHeapSnapshot`) is taken at each,
 * and the difference is divided by the entries added:
 * - `heapPerEntryBytes`: all live objects (what the snapshot holds);
 * - `checkersPerEntryBytes`: the retained size of the `InvariantChecker` (a dominator tree over
 *   the snapshot): what dropping the checkers would free. Strings it shares with etcd (entry ids)
 *   are etcd's, not the checkers'.
 *
 *   node --expose-gc --import tsx bench/heap-per-entry.bench.ts [--low 6000] [--high 14000] [--dir /tmp]
 *   node --expose-gc --import tsx bench/heap-per-entry.bench.ts --low 7600 --high 7600 --low-before-snapshot
 *   node --expose-gc --import tsx bench/heap-per-entry.bench.ts --low 7600 --high 7600 --high-after-hour 15
 *
 * `--low-before-snapshot` takes the first heap snapshot before etcd-0's first Raft snapshot (as
 * the first hour of memory-over-time is), so the difference is what a snapshot cycle adds
 * besides the log (with --high equal to --low, at the same log size); `heapDiffByType` then
 * names it by node type and constructor, in bytes.
 *
 * One JSON object on stdout. Takes a minute or two and about 1 GiB while it reads the snapshots.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { loadavg } from 'node:os';
import { runScenario } from '../actors/scenario/runner.ts';
import { memberNames } from '../actors/scenario/spec.ts';
import { idleClusterSpec } from './idle-cluster-spec.ts';
import type { EtcdDisk } from '../actors/etcd/server.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run node with --expose-gc: node --expose-gc --import tsx bench/heap-per-entry.bench.ts');
  process.exit(2);
}
const low = Number(arg('low', '6000'));
const high = Number(arg('high', '14000'));
const dir = arg('dir', '/tmp');
const lowBeforeSnapshot = process.argv.includes('--low-before-snapshot');
/** The second heap snapshot no earlier than this virtual hour (what grows besides the log over hours). */
const highAfterHour = Number(arg('high-after-hour', '0'));
if (!(low > 0 && (high > low || ((lowBeforeSnapshot || highAfterHour > 0) && high >= low)))) {
  console.error('--low and --high: entry counts with 0 < low < high (a cycle holds 5,000 to 15,000)');
  process.exit(2);
}

interface Snap {
  entries: number;
  virtualHour: number;
  heapBytes: number;
  checkerBytes: number;
  checkerByType: Record<string, number>;
  heapByType: Record<string, number>;
}

/** Total self size, and the retained size of the first object named `InvariantChecker` with its composition by node type/name. */
function analyse(file: string): { heapBytes: number; checkerBytes: number; checkerByType: Record<string, number>; heapByType: Record<string, number> } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nTypeAt = meta.node_fields.indexOf('type');
  const nNameAt = meta.node_fields.indexOf('name');
  const nSizeAt = meta.node_fields.indexOf('self_size');
  const nEdgesAt = meta.node_fields.indexOf('edge_count');
  const eTypeAt = meta.edge_fields.indexOf('type');
  const eToAt = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const { nodes, edges, strings } = snap;
  const n = nodes.length / nf;
  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += nodes[i * nf + nEdgesAt]! * ef;
  }
  firstEdge[n] = edges.length;
  // Reverse postorder from the root (node 0), strong edges only.
  const order = new Int32Array(n).fill(-1);
  const post: number[] = [];
  const stack: number[] = [0];
  const cursor = new Uint32Array(n);
  const seen = new Uint8Array(n);
  seen[0] = 1;
  for (let i = 0; i < n; i++) cursor[i] = firstEdge[i]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + ef;
      if (edges[e + eTypeAt] === weak) continue;
      const w = edges[e + eToAt]! / nf;
      if (seen[w]) continue;
      seen[w] = 1;
      stack.push(w);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      order[v] = post.length;
      post.push(v);
    }
  }
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++) {
    if (!seen[v]) continue;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += ef) {
      if (edges[e + eTypeAt] === weak) continue;
      preds[edges[e + eToAt]! / nf]!.push(v);
    }
  }
  // Cooper, Harvey, Kennedy: "A Simple, Fast Dominance Algorithm".
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = post.length - 1; k >= 0; k--) {
      const v = post[k]!;
      if (v === 0) continue;
      let d = -1;
      for (const p of preds[v]!) if (idom[p] !== -1) d = d === -1 ? p : intersect(p, d);
      if (d !== idom[v]) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  let heapBytes = 0;
  let checker = -1;
  const heapByType: Record<string, number> = {};
  for (let v = 0; v < n; v++) {
    if (!seen[v]) continue;
    heapBytes += nodes[v * nf + nSizeAt]!;
    const type = nodeTypes[nodes[v * nf + nTypeAt]!]!;
    const key = type === 'object' || type === 'array' || type === 'closure' ? `${type}:${strings[nodes[v * nf + nNameAt]!]}` : type;
    heapByType[key] = (heapByType[key] ?? 0) + nodes[v * nf + nSizeAt]!;
    if (checker === -1 && nodeTypes[nodes[v * nf + nTypeAt]!] === 'object' && strings[nodes[v * nf + nNameAt]!] === 'InvariantChecker') checker = v;
  }
  const checkerByType: Record<string, number> = {};
  let checkerBytes = 0;
  if (checker !== -1) {
    for (let v = 0; v < n; v++) {
      if (!seen[v]) continue;
      let d = v;
      while (d !== checker && d !== 0) d = idom[d]!;
      if (d !== checker) continue;
      const size = nodes[v * nf + nSizeAt]!;
      checkerBytes += size;
      const type = nodeTypes[nodes[v * nf + nTypeAt]!]!;
      const key = type === 'object' || type === 'array' ? `${type}:${strings[nodes[v * nf + nNameAt]!]}` : type;
      checkerByType[key] = (checkerByType[key] ?? 0) + size;
    }
  }
  return { heapBytes, checkerBytes, checkerByType, heapByType };
}

const spec = idleClusterSpec({ name: 'heap-per-entry-bench', nodes: 5, durationMs: Math.max(6, highAfterHour + 3) * 3_600_000, maxEvents: 2_000_000_000, controllerManagers: 1 });
const taken: Snap[] = [];
const files: string[] = [];
let compacted = false;
const load0 = loadavg()[0]!;
runScenario(spec, {
  onEvent: (sim) => {
    if (taken.length === 2) return;
    const disk = sim.diskOf<EtcdDisk>(memberNames(5)[0]!)!;
    const wasCompacted = compacted;
    if (disk.raft.compactedIndex > 0) compacted = true;
    const entries = disk.raft.entries.length;
    const want = taken.length === 0 ? low : high;
    if (entries !== want) return;
    if (taken.length === 0 ? compacted !== !lowBeforeSnapshot : !compacted) return;
    if (taken.length === 1 && (!wasCompacted || sim.now() < highAfterHour * 3_600_000)) return;
    gc!();
    const file = writeHeapSnapshot(join(dir, `heap-per-entry-${process.pid}-${taken.length}.heapsnapshot`));
    files.push(file);
    taken.push({ entries, virtualHour: Number((sim.now() / 3_600_000).toFixed(2)), heapBytes: 0, checkerBytes: 0, checkerByType: {}, heapByType: {} });
    if (taken.length === 2) sim.stop('both heap snapshots taken');
  },
});
if (taken.length < 2) {
  console.error(`etcd-0's log did not reach ${low} and then ${high} entries after a snapshot within the run`);
  process.exit(1);
}
for (let i = 0; i < 2; i++) {
  Object.assign(taken[i]!, analyse(files[i]!));
  if (process.env.KEEP_HEAP_SNAPSHOTS === undefined) rmSync(files[i]!);
}
const added = taken[1]!.entries - taken[0]!.entries;
const perEntry = (a: number, b: number): number => (added === 0 ? b - a : Math.round((b - a) / added));
const byType: Record<string, number> = {};
for (const key of new Set([...Object.keys(taken[0]!.checkerByType), ...Object.keys(taken[1]!.checkerByType)])) {
  const d = perEntry(taken[0]!.checkerByType[key] ?? 0, taken[1]!.checkerByType[key] ?? 0);
  if (Math.abs(d) >= 2) byType[key] = d;
}
const heapByType: Record<string, number> = {};
for (const key of new Set([...Object.keys(taken[0]!.heapByType), ...Object.keys(taken[1]!.heapByType)])) {
  const d = (taken[1]!.heapByType[key] ?? 0) - (taken[0]!.heapByType[key] ?? 0);
  if (Math.abs(d) >= 16 * 1024) heapByType[key] = d;
}
console.log(
  JSON.stringify(
    {
      bench: 'heap-per-entry',
      snapshots: taken.map(({ checkerByType: _, heapByType: __, ...s }) => s),
      /** Per entry added (bytes in all when --high equals --low). */
      heapPerEntryBytes: perEntry(taken[0]!.heapBytes, taken[1]!.heapBytes),
      checkersPerEntryBytes: perEntry(taken[0]!.checkerBytes, taken[1]!.checkerBytes),
      checkersPerEntryByType: Object.fromEntries(Object.entries(byType).sort((a, b) => b[1] - a[1])),
      heapDiffByType: Object.fromEntries(Object.entries(heapByType).sort((a, b) => b[1] - a[1])),
      loadAverage1m: [Number(load0.toFixed(2)), Number(loadavg()[0]!.toFixed(2))],
    },
    null,
    2,
  ),
);
process.exit(0);
