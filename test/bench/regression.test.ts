/** The bench regression gate's decision (bench/regression.ts), on hand-made figures. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { confirmRegression, gate, median } from '../../bench/regression.ts';

const same = [{ same: 1000, of: 1000 }];

it('the median of three runs decides, against 75% of the baseline', () => {
  assert.equal(median([0.3, 0.1, 0.2]), 0.2);
  const base = { a: 0.2, b: 0.4 };
  // a: median 0.16 ≥ 0.15 passes though one run fell to 0.05; b: median 0.29 < 0.30 fails.
  const r = gate(base, [{ a: 0.16, b: 0.5 }, { a: 0.05, b: 0.29 }, { a: 0.2, b: 0.2 }], same, 0.75);
  assert.deepEqual(r.rows.map((x) => [x.name, x.now, x.ok]), [['a', 0.16, true], ['b', 0.29, false]]);
  assert.equal(r.ok, false);
  assert.equal(gate(base, [{ a: 0.2, b: 0.4 }], same, 0.75).ok, true);
});

it('placements that differ from the baseline in any run fail; a missing ratio fails', () => {
  assert.equal(gate({ a: 0.2 }, [{ a: 0.2 }], [{ same: 1000, of: 1000 }, { same: 999, of: 1000 }], 0.75).ok, false);
  assert.equal(gate({ a: 0.2 }, [{ a: 0.2 }], [], 0.75).ok, false);
  assert.equal(gate({ a: 0.2, c: 1 }, [{ a: 0.2 }], same, 0.75).ok, false);
});

it('a ratio regresses only when it fails in both measurements; placements fail at once', () => {
  const base = { a: 0.2, b: 0.4 };
  const firstRun = gate(base, [{ a: 0.1, b: 0.4 }], same, 0.75);
  assert.equal(firstRun.ok, false);
  // a recovered in the confirmation, b fell there instead: noise on both sides, not a regression.
  assert.deepEqual(confirmRegression(firstRun, gate(base, [{ a: 0.2, b: 0.1 }], same, 0.75)), { ok: true, regressed: [] });
  // a fell again: regressed.
  assert.deepEqual(confirmRegression(firstRun, gate(base, [{ a: 0.12, b: 0.4 }], same, 0.75)), { ok: false, regressed: ['a'] });
  const mismatch = gate(base, [{ a: 0.2, b: 0.4 }], [{ same: 999, of: 1000 }], 0.75);
  assert.equal(confirmRegression(mismatch, gate(base, [{ a: 0.2, b: 0.4 }], same, 0.75)).ok, false);
});
