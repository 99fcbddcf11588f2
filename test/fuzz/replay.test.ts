/**
 * Issue 11's last acceptance: a counterexample the fuzzer writes for a trace property
 * (linearizability, kubernetes-safety) replays with `kubesim run` to the same violation and
 * fingerprint. The property travels in the file as an `at: end` expectation
 * `that: {property: NAME}`; the normal loader reads it back and runScenario judges it with the
 * same pure checker the fuzzer used.
 *
 * No counterexample exists on the real components, so the bugs are the deliberately broken
 * variants of raft-variants.test.ts and kubernetes-variants.test.ts (passed in code, as
 * RunOptions.variants: the file never carries one). With the variant the replay fails the
 * expectation with the fuzzer's own detail and fingerprint; without it, the same file passes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ComponentVariants } from '../../actors/scenario/variants.ts';
import { clusterFromText, type FuzzCluster } from '../../cli/fuzz/cluster.ts';
import { clusterYaml, deployment } from './clusters.ts';
import { writeCounterexample } from '../../cli/fuzz/command.ts';
import { fuzz, type Counterexample } from '../../cli/fuzz/engine.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-replay-'));
const property = (name: string) => PROPERTIES.find((p) => p.name === name)!;

function kubesim(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['kubesim', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Writes the counterexample, loads it as any scenario file, and replays it with and without the
 * variant: the broken run fails the property's expectation with the fuzzer's detail and
 * fingerprint, the real one passes it.
 */
function assertReplays(cx: Counterexample, variants: ComponentVariants): void {
  const file = writeCounterexample(join(scratch, cx.property), cx, {});
  const text = readFileSync(file, 'utf8');
  assert.match(text, new RegExp(`at: end\\n\\s+that:\\n\\s+property: ${cx.property}\\n`), 'the file carries the property as an expectation');
  assert.doesNotMatch(text, /^\s*variants?:|readConfirmed|bindWithoutAssume/m, 'the file never carries the variant');
  const spec = loadScenarioFile(file);

  const events: TraceEvent[] = [];
  const broken = runScenario(spec, { variants, onTrace: (e) => events.push(e) }).result;
  assert.equal(broken.fingerprint, cx.fingerprint, 'the same run, byte for byte');
  // The checker run directly on the trace (as kubesim check and fuzz --replay of a file without the expectation do) agrees.
  assert.deepEqual(property(cx.property).judgeTrace!(events), { status: 'fail', detail: cx.detail });
  const own = broken.expectations.filter((x) => x.name.startsWith(`${cx.property}: `));
  assert.equal(own.length, 1);
  assert.equal(own[0]!.ok, false);
  assert.equal(own[0]!.detail, cx.detail, 'the same violation, word for word');
  assert.deepEqual(own[0]!.property, { name: cx.property, status: 'fail', atEnd: true });
  assert.equal(own[0]!.atMs, broken.virtualMs, 'judged at the end of the run');
  assert.equal(broken.ok, false);

  const real = runScenario(spec).result;
  const realOwn = real.expectations.find((x) => x.name.startsWith(`${cx.property}: `))!;
  assert.equal(realOwn.ok, true, realOwn.detail);
  assert.notEqual(real.fingerprint, cx.fingerprint);
}

describe('a trace-property counterexample replays with kubesim run', { timeout: 300_000 }, () => {
  it('linearizability: ReadIndex answered without the heartbeat quorum (etcd alone)', () => {
    const cluster: FuzzCluster = clusterFromText(`apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: etcd3}
spec:
  seed: 1
  duration: 10s
  cluster:
    etcd: {members: 3}
`);
    const variants: ComponentVariants = { raft: { readConfirmed: () => true } };
    const report = fuzz({ cluster, properties: [property('linearizability')], runs: 200, seed: 1, shrinkRuns: 10, variants });
    const cx = report.counterexample;
    assert.ok(cx, `no violation in ${report.runRecords.length} runs`);
    assert.equal(cx.property, 'linearizability');
    assert.match(cx.detail, /not linearizable/);
    assertReplays(cx, variants);
  });

  it('kubernetes-safety: a scheduler that binds without assuming', () => {
    // 3 pods of 600m on 2 nodes of 1 CPU: two fit, the third is unschedulable.
    const cluster = clusterFromText(clusterYaml({ count: 2, cpu: '1' }, 1, deployment(3, '600m')));
    const variants: ComponentVariants = { scheduler: { bindWithoutAssume: true } };
    const report = fuzz({ cluster, properties: [property('kubernetes-safety')], runs: 6, seed: 12, shrinkRuns: 2, variants });
    const cx = report.counterexample;
    assert.ok(cx, `no violation in ${report.runRecords.length} runs`);
    assert.match(cx.detail, /SchedulerFitsKnownPods at/);
    assertReplays(cx, variants);
  });

  it('kubesim run judges that.property at the end of a hand-written scenario (exit 0), and an unknown name is a load error (exit 2)', () => {
    const file = join(scratch, 'hand-written.yaml');
    const scenario = (name: string, timing = 'at: end'): string => `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: hand-written}
spec:
  seed: 1
  duration: 15s
  cluster:
    etcd: {members: 3}
  clients:
    - {name: app, kind: etcd}
  timeline:
    - at: 5s
      put: {client: app, key: /a, value: "1"}
    - at: 6s
      get: {client: app, key: /a}
  expect:
    - name: the history is linearizable
      ${timing}
      that: {property: ${name}}
    - name: a leader at the end
      at: end
      that: {etcd: {leader: any}}
`;
    writeFileSync(file, scenario('linearizability'));
    const ok = kubesim(['run', file, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const run = JSON.parse(ok.stdout) as { virtualMs: number; expectations: { name: string; ok: boolean; detail: string; atMs: number; line: number }[] };
    assert.deepEqual(run.expectations.map(({ name, ok, atMs, line }) => ({ name, ok, atMs, line })), [
      { name: 'the history is linearizable', ok: true, atMs: 15_000, line: 17 },
      { name: 'a leader at the end', ok: true, atMs: 15_000, line: 20 },
    ]);
    assert.equal(run.expectations[0]!.detail, '2 operations');

    writeFileSync(file, scenario('linearisability'));
    const bad = kubesim(['run', file]);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      `${file}:19:24: spec.expect[0].that.property is "linearisability", which is not a known value (one of: linearizability, watch, kubernetes-safety). Fix: did you mean "linearizability"?`,
    );

    writeFileSync(file, scenario('watch', 'always: {from: 1s, to: 10s}'));
    const windowed = kubesim(['validate', file]);
    assert.equal(windowed.code, 2);
    assert.match(windowed.stderr, /:19:24: spec\.expect\[0\]\.that\.property is judged once, over the trace up to one moment, so its expectation cannot use always \(at: end \(the whole run\) or at: <time> \(the trace up to then\)\)\. Fix: replace always: with at: end\./);
  });
});
