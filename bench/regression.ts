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
