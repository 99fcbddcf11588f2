import v8 from 'node:v8';

/**
 * How far V8 may grow its old generation past what survived the last full GC, in percent.
 *
 * V8 picks the factor from how cheap its GC was, up to 4×. A simulation's heap is a long-lived
 * graph (Raft logs, MVCC history, watch caches) that V8 finds cheap to mark, so it took the whole
 * 4×: an idle 1000-node cluster holds ~120 MiB after a full GC at 10 virtual minutes and peaked at
 * 558-561 MiB of RSS. At 2× it peaks at 379-414 MiB for ~1% more wall time and ~6% more CPU
 * (the second core does most of the extra marking); in cluster mode at 5000 nodes, 13% less
 * memory for ~10% more wall time (bench/README.md, "V8's heap growth"). Benches that run the
 * simulator in their own process call this too, so they measure what the CLI runs.
 */
export const HEAP_GROWING_PERCENT = 100;

const FLAG = '--heap-growing-percent';

/**
 * The percent to use: KUBESIM_HEAP_GROWING_PERCENT when it is a whole number ≥ 0 (0 is V8's own
 * choice), else HEAP_GROWING_PERCENT; undefined when node was started with its own flag.
 */
export function heapGrowingPercent(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((arg) => arg.replaceAll('_', '-').split('=')[0] === FLAG)) return undefined;
  const raw = env['KUBESIM_HEAP_GROWING_PERCENT']?.trim();
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : HEAP_GROWING_PERCENT;
}

/** Sets V8's heap growth (see heapGrowingPercent). Call once, before the run. */
export function limitHeapGrowth(): void {
  const percent = heapGrowingPercent();
  if (percent !== undefined) v8.setFlagsFromString(`${FLAG}=${percent}`);
}
