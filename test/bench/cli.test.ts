/**
 * `kubesim bench scheduler` as a user runs it: bad input exits 2 with a clear message and no
 * stack trace; a small run prints one JSON object (or the markdown table) and exits 0, with no
 * progress bar when stdout is not a terminal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubesimSync, type Exit } from '../kubesim-process.ts';

const kubesim = (...args: string[]): Exit => kubesimSync(args);

describe('kubesim bench scheduler', () => {
  const bad: [string[], RegExp][] = [
    [['--workload', 'SchedulingNope'], /unknown workload "SchedulingNope"; choose from SchedulingBasic, /],
    [['--nodes', '1.5'], /--nodes must be a whole number, got "1.5"/],
    [['--nodes', 'many'], /--nodes must be a whole number/],
    [['--nodes', '0'], /--nodes must be between 1 and/],
    [['--pods', '-3'], /--pods/],
    [['--mode', 'kubelet'], /unknown mode "kubelet"; choose scheduler or cluster/],
    [['--seed', ' '], /the seed must not be empty/],
  ];
  for (const [args, message] of bad) {
    it(`rejects ${args.join(' ')} with exit 2`, () => {
      const r = kubesim('bench', 'scheduler', ...args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    });
  }

  it('--json prints one JSON object with the contract fields and exits 0', () => {
    const r = kubesim('bench', 'scheduler', '--workload', 'SchedulingBasic', '--nodes', '20', '--pods', '40', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    for (const field of ['workload', 'mode', 'nodes', 'pods', 'podsPerSecond', 'baseline', 'ratioToBaseline', 'events', 'peakRssMiB', 'wallSeconds', 'schedulerPerfThreshold']) {
      assert.ok(field in out, `missing ${field}`);
    }
    assert.equal(out.workload, 'SchedulingBasic');
    assert.equal(out.nodes, 20);
    assert.equal(out.pods, 40);
    assert.ok(out.podsPerSecond.average > 0 && out.podsPerSecond.p95 > 0);
    assert.ok(out.baseline.podsPerSecond.average > 0);
    assert.equal(out.schedulerPerfThreshold.podsPerSecond, 680);
    assert.equal(r.stderr.includes('pods bound'), false, 'no progress bar off a terminal');
  });

  it('without --json prints the markdown table beside the scheduler_perf threshold', () => {
    const r = kubesim('bench', 'scheduler', '--workload', 'TopologySpreading', '--nodes', '12', '--pods', '12');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^## kubesim bench scheduler: TopologySpreading, mode scheduler/m);
    assert.match(r.stdout, /\| pods\/s, average \(wall clock\) \| [\d,]+ \| ≥ 460 \(threshold\) \|/);
    assert.match(r.stdout, /\| framework ÷ baseline \| [\d.]+ \|/);
  });
});
