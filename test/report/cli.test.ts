import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubesimAsync, type Exit } from '../kubesim-process.ts';

const kubesim = (...args: string[]): Promise<Exit> => kubesimAsync(args);

/** The data a page embeds. */
function pageData(html: string): { durationMs: number; events: number; etcd: { members: string[] }; bands: unknown[]; markers: { kind: string; ok: boolean }[] } {
  const m = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'no embedded data');
  return JSON.parse(m[1]!);
}

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-report-'));
/** 3 members; "etcd-0 wins the first election" holds on some seeds only. */
const PICKY = 'test/fixtures/picky-leader.yaml';

describe('kubesim report and run --report', { timeout: 120_000 }, () => {
  it('report TRACE -o FILE draws the trace that run --trace wrote; run --report draws the same run', async () => {
    const trace = join(scratch, 'split.jsonl');
    const fromTrace = join(scratch, 'split.html');
    const fromRun = join(scratch, 'run.html');
    const r1 = await kubesim('run', 'scenarios/etcd-split-brain.yaml', '--trace', trace, '--report', fromRun, '--trace-level', 'summary');
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, /report written to .*run\.html/);
    const r2 = await kubesim('report', trace, '-o', fromTrace);
    assert.equal(r2.code, 0, r2.stderr);
    const a = pageData(readFileSync(fromRun, 'utf8'));
    const b = pageData(readFileSync(fromTrace, 'utf8'));
    assert.deepEqual(a.etcd.members, ['etcd-0', 'etcd-1', 'etcd-2', 'etcd-3', 'etcd-4']);
    assert.equal(a.bands.length, 1);
    assert.equal(a.durationMs, 60_000);
    // --trace-level summary keeps fewer lines in the file; the run's own report sees every line.
    assert.ok(a.events > b.events, `run ${a.events} lines, summary trace ${b.events}`);
    assert.deepEqual(b.etcd.members, a.etcd.members);
    assert.deepEqual(b.bands, a.bands);
  });

  it('report without -o writes beside the trace; a missing trace is bad input', async () => {
    const trace = join(scratch, 'quorum.trace.jsonl');
    assert.equal((await kubesim('run', 'scenarios/etcd-quorum-loss.yaml', '--trace', trace)).code, 0);
    const r = await kubesim('report', trace);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(scratch, 'quorum.html')));
    const missing = await kubesim('report', join(scratch, 'nope.jsonl'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.jsonl: cannot read the trace: no such file/);
  });

  it('run --seeds --report DIR: an index of every seed, a page for each failing seed only', async () => {
    const dir = join(scratch, 'sweep');
    const r = await kubesim('run', PICKY, '--seeds', '1-6', '--workers', '2', '--report', dir, '--json');
    const summary = JSON.parse(r.stdout) as { failedSeeds: string[]; results: { seed: string; ok: boolean; report?: string }[] };
    assert.ok(summary.failedSeeds.length > 0 && summary.failedSeeds.length < 6, `failing seeds ${summary.failedSeeds}; the scenario should fail on some seeds only`);
    assert.equal(r.code, 1);
    const pages = readdirSync(dir).sort();
    assert.deepEqual(pages, ['index.html', ...summary.failedSeeds.map((s) => `seed-${s}.html`)].sort());
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const res of summary.results) {
      assert.match(index, new RegExp(`<tr class="${res.ok ? 'ok' : 'fail'}"><td>${res.seed}</td>`));
      if (!res.ok) assert.match(index, new RegExp(`href="seed-${res.seed}\\.html"`));
    }
    // A failing seed's page marks the failed expectation.
    const page = pageData(readFileSync(join(dir, `seed-${summary.failedSeeds[0]}.html`), 'utf8'));
    assert.ok(page.markers.some((m) => m.kind === 'expect' && !m.ok));
  });
});
