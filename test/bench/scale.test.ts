/** `kubesim bench scale`: the growth exponent worked by hand, the table and plot, bad sizes refused with exit 2. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { growthExponent, scaleSvg, scaleTable, type ScaleResult } from '../../bench/scale.ts';

const result: ScaleResult = {
  idle: [
    { nodes: 100, wallSeconds: 1, events: 10_000, peakRssMiB: 100 },
    { nodes: 1000, wallSeconds: 10, events: 100_000, peakRssMiB: 300 },
    { nodes: 10_000, wallSeconds: 1000, events: 1_000_000, peakRssMiB: 3000 },
  ],
  scheduling: [
    { nodes: 100, pods: 200, wallSeconds: 2, events: 1, peakRssMiB: 1, podsPerSecond: 100 },
    { nodes: 1000, pods: 2000, wallSeconds: 20, events: 1, peakRssMiB: 1, podsPerSecond: 100 },
    { nodes: 10_000, pods: 20_000, wallSeconds: 200, events: 1, peakRssMiB: 1, podsPerSecond: 100 },
  ],
  virtualMinutes: 2,
  node: 'v20',
  cpus: 2,
  cpuModel: 'x',
  loadAverage1m: [0, 0],
};

it('wall ≈ c·n^k: ten times the nodes at ten times the time is k = 1, at a hundred times k = 2', () => {
  assert.equal(growthExponent({ nodes: 100, wallSeconds: 1 }, { nodes: 1000, wallSeconds: 10 }), 1);
  assert.equal(growthExponent({ nodes: 1000, wallSeconds: 10 }, { nodes: 10_000, wallSeconds: 1000 }), 2);
  assert.ok(Math.abs(growthExponent({ nodes: 1000, wallSeconds: 4 }, { nodes: 2000, wallSeconds: 8 * Math.SQRT2 }) - 1.5) < 1e-12);
});

it('the table gives each size its exponent from the size before; the plot is one SVG with a line per series', () => {
  const table = scaleTable(result);
  assert.match(table, /\| \| 1000 \| 10\.00 \| 100000 \| 10000 \| 300 \| 1\.00 \|/);
  assert.match(table, /\| \| 10000 \| 1000\.00 \| 1000000 \| 1000 \| 3000 \| 2\.00 \|/);
  const svg = scaleSvg(result);
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.equal((svg.match(/<circle/g) ?? []).length, 6);
});

it('sizes that do not grow, or are not numbers, are refused with exit 2 and no stack', () => {
  for (const [sizes, message] of [['100,50', /--sizes must grow/], ['100,many', /whole numbers separated by commas/]] as const) {
    const r = spawnSync(process.execPath, ['bin/kubesim.js', 'bench', 'scale', '--sizes', sizes], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
