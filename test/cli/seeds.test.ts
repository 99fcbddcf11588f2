import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compactSeeds, parseSeedList, parseWorkersOption, runSeedJobs } from '../../cli/seeds.ts';
import { kubesimAsync, type Exit } from '../kubesim-process.ts';

const kubesim = (...args: string[]): Promise<Exit> => kubesimAsync(args);

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-seeds-'));

/** A cheap scenario: 3 members elect a leader; "etcd-0 never leads" holds on some seeds only. */
const SMALL = join(scratch, 'small.yaml');
writeFileSync(
  SMALL,
  `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: small}
spec:
  seed: 1
  duration: 4s
  cluster:
    etcd: {members: 3}
  expect:
    - name: a leader is elected
      within: {after: 0s, limit: 3s}
      that: {etcd: {leader: any}}
`,
);
/** 3 members; "etcd-0 wins the first election" holds on some seeds only. */
const PICKY = 'test/fixtures/picky-leader.yaml';

describe('seed lists', { timeout: 10_000 }, () => {
  it('reads ranges and lists, sorted and without repeats', () => {
    assert.deepEqual(parseSeedList('1-5'), ['1', '2', '3', '4', '5']);
    assert.deepEqual(parseSeedList('9, 1,3,7-9'), ['1', '3', '7', '8', '9']);
    assert.deepEqual(parseSeedList('42'), ['42']);
    assert.deepEqual(parseSeedList('18446744073709551616'), ['18446744073709551616']);
  });
  it('rejects what is not a seed list, saying how to write one', () => {
    for (const bad of ['', '1,', 'a-b', '5-1', '1-2-3', '-3', '1.5', '1-200000']) {
      assert.throws(() => parseSeedList(bad), /seed|range|1-50/, bad);
    }
  });
  it('--workers takes a whole number from 1', () => {
    assert.equal(parseWorkersOption('3'), 3);
    for (const bad of ['0', '-1', 'two', '1.5', '100000']) assert.throws(() => parseWorkersOption(bad), /--workers/, bad);
  });
  it('compacts consecutive seeds back into ranges', () => {
    assert.equal(compactSeeds(['1', '2', '3', '5', '7', '8']), '1-3,5,7-8');
  });
});

describe('runSeedJobs', { timeout: 60_000 }, () => {
  it('gives the same results, in job order, on 1 and on 2 worker threads', async () => {
    const jobs = ['3', '1', '2', '4'].map((seed) => ({ file: SMALL, seed }));
    const one = await runSeedJobs(jobs, 1);
    const two = await runSeedJobs(jobs, 2);
    assert.deepEqual(two, one);
    assert.deepEqual(
      one.map((r) => r.seed),
      ['3', '1', '2', '4'],
    );
    assert.ok(one.every((r) => r.ok && /^[0-9a-f]{64}$/.test(r.fingerprint)));
  });
});

describe('kubesim run --seeds', { timeout: 120_000, concurrency: 2 }, () => {
  it('prints a table sorted by seed, identical for any number of workers, and exits 0 when every seed holds', async () => {
    const [a, b] = await Promise.all([kubesim('run', SMALL, '--seeds', '3,1-2', '--workers', '1'), kubesim('run', SMALL, '--seeds', '1-3', '--workers', '2')]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, /seed {2}ok {4}failed expectations +fingerprint/);
    assert.match(a.stdout, /^ {3}1 {2}ok {4}- +[0-9a-f]{16}$/m);
    assert.match(a.stdout, /3\/3 seeds hold/);
    assert.ok(a.stdout.indexOf('   1  ok') < a.stdout.indexOf('   3  ok'));
    assert.match(b.stderr, /3 seeds on 2 workers/);
  });

  it('exits 1 when a seed fails, naming the expectation and the replay command of each failing seed', async () => {
    const r = await kubesim('run', PICKY, '--seeds', '1-6', '--workers', '2');
    assert.equal(r.code, 1, r.stderr);
    const failing = /failing: ([\d, ]+)/.exec(r.stdout)?.[1]?.split(', ') ?? [];
    assert.ok(failing.length > 0 && failing.length < 6, r.stdout);
    for (const seed of failing) {
      assert.match(r.stdout, new RegExp(`^ +${seed} {2}FAIL {2}etcd-0 wins the first election`, 'm'));
      assert.ok(r.stdout.includes(`replay: npx kubesim run ${PICKY} --seed ${seed}`), r.stdout);
    }
  });

  it('--json prints one object with every seed', async () => {
    const r = await kubesim('run', PICKY, '--seeds', '1-4', '--json');
    const out = JSON.parse(r.stdout);
    assert.equal(out.scenario, 'picky');
    assert.equal(out.seeds, '1-4');
    assert.equal(out.count, 4);
    assert.equal(out.results.length, 4);
    assert.deepEqual(
      out.results.map((x: { seed: string }) => x.seed),
      ['1', '2', '3', '4'],
    );
    assert.equal(out.ok, out.failedSeeds.length === 0);
    assert.equal(r.code, out.ok ? 0 : 1);
    for (const x of out.results) {
      assert.equal(typeof x.fingerprint, 'string');
      assert.equal(x.replay, `npx kubesim run ${PICKY} --seed ${x.seed}`);
      assert.equal(x.ok, x.failed.length === 0);
    }
  });

  it('bad input exits 2: a bad list, --seed with --seeds, a bad file', async () => {
    const [list, both, missing] = await Promise.all([
      kubesim('run', SMALL, '--seeds', '5-1'),
      kubesim('run', SMALL, '--seeds', '1-2', '--seed', '3'),
      kubesim('run', join(scratch, 'nope.yaml'), '--seeds', '1-2'),
    ]);
    assert.equal(list.code, 2);
    assert.match(list.stderr, /ends before it starts/);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot be used with/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: cannot read the scenario: no such file/);
  });
});
