import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeMajor, readPinned } from '../determinism/pinned-fingerprints.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';
import { defaultWorkers, parseSeedList, replayCommand, runSeedJobs, type SeedJob, type SeedResult } from '../../cli/seeds.ts';

/**
 * Every shipped scenario holds on every seed (its expectations assert properties, not one seed's
 * incidental choices). `npm test` runs seeds 1-5 and each file's own seed; `npm run test:seeds`
 * sets SEEDS=1-50. The runs are spread over worker threads (cli/seeds.ts).
 */
const SEEDS = parseSeedList(process.env['SEEDS'] ?? '1-5');

const scenarioDir = 'scenarios';
const files = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(scenarioDir, f));

/** Budget: a few seconds of CPU per scenario run, on 2 cores, with a wide margin. */
const TIMEOUT_MS = Math.max(300_000, files.length * (SEEDS.length + 1) * 6_000);

describe('every shipped scenario, on every seed', { timeout: TIMEOUT_MS }, () => {
  const ownSeed = new Map(files.map((f) => [f, loadScenarioFile(f).seed]));
  // Each file's own seed twice (the replay check), then the seeds of the sweep.
  const jobs: SeedJob[] = files.flatMap((file) => [ownSeed.get(file)!, ...new Set([ownSeed.get(file)!, ...SEEDS])].map((seed) => ({ file, seed })));
  let results: Promise<SeedResult[]> | undefined;
  const resultsOf = async (file: string): Promise<SeedResult[]> => {
    results ??= runSeedJobs(jobs, defaultWorkers(jobs.length));
    const all = await results;
    return all.filter((_, i) => jobs[i]!.file === file);
  };

  it('exists', () => assert.ok(files.length >= 3, `found ${files.join(', ')}`));
  for (const file of files) {
    it(`${file} holds on seeds ${[ownSeed.get(file), SEEDS.length > 3 ? `${SEEDS[0]}..${SEEDS.at(-1)}` : SEEDS.join(',')].join(' and ')}`, async () => {
      const failures = (await resultsOf(file))
        .filter((r) => !r.ok)
        .map((r) => {
          const what = [
            ...(r.error ? [`crashed: ${r.error}`] : []),
            ...r.failed.map((f) => `${f.name}: ${f.detail}`),
            ...r.violations.map((v) => `invariant ${v.invariant}: ${v.detail}`),
            ...(r.stopReason && r.violations.length === 0 ? [`stopped: ${r.stopReason}`] : []),
          ];
          return `seed ${r.seed}: ${what.join('; ')}\n  replay: ${replayCommand(file, r.seed)}`;
        });
      assert.deepEqual(failures, [], `${file}: failing seeds`);
    });
  }

  it('replays each file on its own seed with the same fingerprint', async () => {
    for (const file of files) {
      const [first, second] = await resultsOf(file);
      assert.ok(first && second && first.fingerprint !== '', file);
      assert.equal(second.fingerprint, first.fingerprint, `${file}: same seed, different trace`);
      assert.equal(second.events, first.events);
    }
  });

  it('matches the fingerprints pinned for this Node major (test/determinism/fingerprints.json)', async (t) => {
    const pinned = readPinned()[nodeMajor()];
    if (!pinned) return t.skip(`no fingerprints pinned for ${nodeMajor()}: run npm run fingerprints:pin`);
    assert.deepEqual(Object.keys(pinned).sort(), files, 'every shipped scenario has a pinned fingerprint');
    const changed: string[] = [];
    for (const file of files) {
      const [first] = await resultsOf(file);
      if (first!.fingerprint !== pinned[file]) changed.push(`${file}: ${pinned[file]} -> ${first!.fingerprint}`);
    }
    assert.deepEqual(changed, [], 'the trace changed; if intended, run npm run fingerprints:pin and commit fingerprints.json');
  });

  it('different seeds give different runs', async () => {
    const fingerprints = new Set((await resultsOf('scenarios/etcd-split-brain.yaml')).map((r) => r.fingerprint));
    assert.equal(fingerprints.size, new Set([ownSeed.get('scenarios/etcd-split-brain.yaml'), ...SEEDS]).size);
  });
});
