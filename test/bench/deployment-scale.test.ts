/**
 * bench/deployment-scale.bench.ts at a tiny size: it parses its knobs, every replica runs, and it
 * prints one JSON object with the fields bench/README.md documents. (The full 3000-on-300 run is
 * `npm run bench`, never `npm test`.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

function bench(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/deployment-scale.bench.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

it('scales a Deployment to 20 replicas on 4 nodes and reports when all run', () => {
  const r = bench('--replicas', '20', '--nodes', '4', '--trials', '1');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.replicas, 20);
  assert.equal(out.nodes, 4);
  assert.equal(out.allRunning, true);
  assert.ok(out.virtualSecondsToAllRunning > 0 && out.virtualSecondsToAllRunning < 60, `took ${out.virtualSecondsToAllRunning} virtual s`);
  for (const field of ['wallSeconds', 'cpuSeconds', 'events', 'idleBaseline', 'peakRssMiB', 'loadAverage1m']) assert.ok(field in out, `missing ${field}`);
});

it('refuses a knob that is not a whole number, with exit 2 and no stack trace', () => {
  const r = bench('--replicas', 'many');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--replicas must be a whole number/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
