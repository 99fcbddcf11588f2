import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubesimSync, type Exit } from '../kubesim-process.ts';

/** Runs the real `kubesim` command (bin/kubesim.js) as a user would. */
const kubesim = (...args: string[]): Exit => kubesimSync(args);

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-cli-'));

describe('kubesim run', () => {
  it('prints the timeline and a fingerprint, and exits 0 when everything holds', () => {
    const r = kubesim('run', 'scenarios/etcd-quorum-loss.yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /crash etcd-\d, etcd-\d/);
    assert.match(r.stdout, /steps down/);
    assert.match(r.stdout, /expectations: 9\/9 hold/);
    assert.match(r.stdout, /^fingerprint: [0-9a-f]{64}$/m);
  });

  it('--json prints one object with the contract fields, and the fingerprint is stable', () => {
    const a = JSON.parse(kubesim('run', 'scenarios/etcd-split-brain.yaml', '--json', '--seed', '3').stdout);
    for (const field of ['scenario', 'seed', 'ok', 'fingerprint', 'virtualMs', 'events', 'expectations', 'violations']) {
      assert.ok(field in a, `missing ${field}`);
    }
    assert.equal(a.ok, true);
    assert.equal(a.seed, '3');
    assert.equal(a.virtualMs, 60_000);
    assert.ok(a.expectations.every((e: { name: string; ok: boolean; detail: string }) => e.ok && e.name && e.detail));
    const b = JSON.parse(kubesim('run', 'scenarios/etcd-split-brain.yaml', '--json', '--seed', '3').stdout);
    assert.equal(b.fingerprint, a.fingerprint);
  });

  it('exits 1 on a failed expectation, naming it, its virtual time and the replay command', () => {
    const file = join(scratch, 'impossible.yaml');
    writeFileSync(
      file,
      `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: impossible}
spec:
  seed: 5
  duration: 10s
  cluster:
    etcd: {members: 3}
  expect:
    - name: nobody ever leads
      always: {from: 0s, to: 10s}
      that:
        etcd: {leader: none}
`,
    );
    const r = kubesim('run', file);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL nobody ever leads {2}\[\d+\.\d{3}s\]/);
    assert.match(r.stdout, /etcd-\d leads in the cluster/);
    assert.ok(r.stdout.includes(`replay: npx kubesim run ${file} --seed 5`), r.stdout);
  });

  it('writes a trace that the offline checker accepts, whose lines give the fingerprint', async () => {
    const trace = join(scratch, 'split.jsonl');
    const r = kubesim('run', 'scenarios/etcd-split-brain.yaml', '--json', '--trace', trace);
    const result = JSON.parse(r.stdout);
    const text = readFileSync(trace, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const { fingerprintOfLines } = await import('../../actors/kernel/trace.ts');
    assert.equal(fingerprintOfLines(lines), result.fingerprint);
    assert.equal(lines.length, result.traceLines);
    assert.ok(lines.every((e, i) => typeof e.t === 'number' && e.seq === i && typeof e.kind === 'string'));
    const check = kubesim('check', trace);
    assert.equal(check.code, 0, check.stdout);
  });

  it('--trace-level picks the lines printed and written, never the fingerprint', () => {
    const runAt = (level: string) => {
      const trace = join(scratch, `level-${level}.jsonl`);
      const r = kubesim('run', 'scenarios/etcd-split-brain.yaml', '--trace-level', level, '--trace', trace);
      assert.equal(r.code, 0, r.stderr);
      const kinds = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l).kind as string);
      const timeline = r.stdout.split('\n').filter((l) => /^ +\d+\.\d{3}s  /.test(l));
      return { fingerprint: /^fingerprint: ([0-9a-f]{64})$/m.exec(r.stdout)![1], kinds, timeline, stdout: r.stdout };
    };
    const summary = runAt('summary');
    const normal = runAt('normal');
    const debug = runAt('debug');
    const byDefault = kubesim('run', 'scenarios/etcd-split-brain.yaml');
    assert.equal(byDefault.stdout, normal.stdout.replace(` (written to ${join(scratch, 'level-normal.jsonl')})`, ''), 'normal is the default');
    assert.equal(summary.fingerprint, normal.fingerprint);
    assert.equal(debug.fingerprint, normal.fingerprint);
    // summary: only the story (faults, leaders, verdicts), a strict subset of normal's lines.
    assert.ok(summary.kinds.length > 0 && summary.kinds.length < normal.kinds.length);
    assert.deepEqual([...new Set(summary.kinds)].sort(), ['expect', 'fault', 'raft.role']);
    assert.ok(summary.timeline.some((l) => l.includes('becomes leader')) && summary.timeline.some((l) => l.includes('PASS expect')));
    assert.ok(summary.timeline.length < normal.timeline.length, 'summary prints fewer lines (no client operations)');
    // debug: normal's file, and every line printed, the unnamed ones as JSON.
    assert.deepEqual(debug.kinds, normal.kinds);
    assert.equal(debug.timeline.length, normal.kinds.length);
    assert.ok(debug.timeline.some((l) => l.includes('{"') && l.includes('"kind":"net.drop"')));
    const bad = kubesim('run', 'scenarios/etcd-split-brain.yaml', '--trace-level', 'loud');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are summary, normal, debug/);
  });

  it('check exits 1 on a trace with two leaders in one term', () => {
    const trace = join(scratch, 'bad.jsonl');
    const lines = [
      { t: 1, seq: 0, kind: 'raft.role', member: 'etcd-0', role: 'leader', term: 2 },
      { t: 2, seq: 1, kind: 'raft.role', member: 'etcd-1', role: 'leader', term: 2 },
    ];
    writeFileSync(trace, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = kubesim('check', trace);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /ElectionSafety/);
  });
});

describe('kubesim explain', () => {
  it("shows every node's filter verdict and weighted scores, and the node chosen", () => {
    const r = kubesim('explain', 'scenarios/pod-lifecycle.yaml', '--pod', 'default/web');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /TaintToleration \(raw→norm×w\)/);
    assert.match(r.stdout, /^worker-\d \*\s+passes/m);
    assert.match(r.stdout, /^chosen: worker-\d$/m);
  });

  it('shows why nothing fits, for the attempt in force at --at', () => {
    const r = kubesim('explain', 'scenarios/unschedulable.yaml', '--pod', 'default/big', '--at', '30s');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /small-0\s+NodeResourcesFit: Insufficient cpu/);
    assert.match(r.stdout, /not scheduled: 0\/3 nodes are available/);
  });

  it('run --explain records the decision in the trace', () => {
    const trace = join(scratch, 'explain.jsonl');
    kubesim('run', 'scenarios/pod-lifecycle.yaml', '--json', '--explain', 'default/web', '--trace', trace);
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const explained = lines.filter((e) => e.kind === 'k8s.explain');
    assert.equal(explained.length, 1);
    assert.equal(explained[0].explanation.nodes.length, 3);
  });
});

describe('bad input', () => {
  it('a scenario with an unknown member: file:line:column, the fix, exit 2, no stack trace', () => {
    const r = kubesim('run', 'test/scenario/fixtures/unknown-member.yaml');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^test\/scenario\/fixtures\/unknown-member\.yaml:\d+:\d+: .*etcd-7/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('a YAML syntax error exits 2 with a position', () => {
    const r = kubesim('validate', 'test/scenario/fixtures/syntax-error.yaml');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax-error\.yaml:\d+:\d+: /);
  });

  it('a missing file exits 2, saying so without a position', { timeout: 60_000 }, () => {
    const r = kubesim('run', 'no/such/file.yaml');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'no/such/file.yaml: cannot read the scenario: no such file. Fix: check the path.\n');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an unknown option or command exits 2', () => {
    assert.equal(kubesim('run', 'scenarios/etcd-split-brain.yaml', '--sed', '3').code, 2);
    assert.equal(kubesim('frobnicate').code, 2);
  });

  it('validate accepts every shipped scenario', () => {
    const r = kubesim('validate', 'scenarios/etcd-split-brain.yaml');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /valid scenario etcd-split-brain/);
  });
});
