/**
 * The bench regression gate's decision, pure: per gated ratio the median of the runs against its
 * baseline, failing below `tolerance` × baseline; the scheduler's placements must match its
 * baseline's in every run. A ratio the baseline has but a run lacks fails.
 */
export interface GateRow {
  name: string;
  baseline: number;
  now: number;
  ok: boolean;
}

export const median = (xs: readonly number[]): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

export function gate(
  baseline: Readonly<Record<string, number>>,
  runs: readonly Readonly<Record<string, number>>[],
  decisions: readonly { same: number; of: number }[],
  tolerance: number,
): { ok: boolean; rows: GateRow[]; decisionsOk: boolean } {
  const rows = Object.entries(baseline).map(([name, base]) => {
    const now = median(runs.map((r) => r[name]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)));
    return { name, baseline: base, now, ok: Number.isFinite(now) && now >= base * tolerance };
  });
  const decisionsOk = decisions.length > 0 && decisions.every((d) => d.of > 0 && d.same === d.of);
  return { ok: decisionsOk && rows.every((r) => r.ok), rows, decisionsOk };
}

/**
 * A second measurement before a red verdict: a ratio regressed only when it fell below its floor
 * in both measurements (each a median of runs), since one median of three on a shared 2-core
 * machine still fell by more than 25% now and then; placements are deterministic, so one mismatch
 * fails.
 */
export function confirmRegression(first: { rows: GateRow[]; decisionsOk: boolean }, second: { rows: GateRow[]; decisionsOk: boolean }): { ok: boolean; regressed: string[] } {
  const failedSecond = new Set(second.rows.filter((r) => !r.ok).map((r) => r.name));
  const regressed = first.rows.filter((r) => !r.ok && failedSecond.has(r.name)).map((r) => r.name);
  return { ok: first.decisionsOk && second.decisionsOk && regressed.length === 0, regressed };
}
