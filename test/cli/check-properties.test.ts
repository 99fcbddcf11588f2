/**
 * `kubesim check TRACE --property …` (issue 11, build 5): the fuzz properties that judge a trace
 * give on a trace written by `kubesim run --trace` the verdicts they give on the live run; a
 * tampered trace fails; properties that need the run result, and a summary-level trace (which
 * lacks the lines the checkers read), are refused with what to do instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkTraceProperties, traceProperties, type TraceCheck } from '../../cli/check/properties.ts';
import { replayFile } from '../../cli/fuzz/command.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';
import { InputError } from '../../cli/guard.ts';
import { kubesimAsync, type Exit } from '../kubesim-process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-check-'));

const kubesim = (...args: string[]): Promise<Exit> => kubesimAsync(args);

const TRACE_PROPERTIES = PROPERTIES.filter((p) => p.needsTrace);

describe('kubesim check --property', { timeout: 300_000 }, () => {
  const splitBrain = join(scratch, 'split-brain.jsonl');
  const podLifecycle = join(scratch, 'pod-lifecycle.jsonl');
  const summary = join(scratch, 'summary.jsonl');

  it('judges a trace as the live run is judged: the same verdicts and details', async () => {
    const written = await Promise.all([
      kubesim('run', 'scenarios/etcd-split-brain.yaml', '--trace', splitBrain, '--json'),
      kubesim('run', 'scenarios/pod-lifecycle.yaml', '--trace', podLifecycle, '--json'),
      kubesim('run', 'scenarios/etcd-split-brain.yaml', '--trace', summary, '--trace-level', 'summary', '--json'),
    ]);
    for (const r of written) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(TRACE_PROPERTIES.map((p) => p.name), ['linearizability', 'watch', 'kubernetes-safety']);
    for (const [scenario, trace] of [
      ['scenarios/etcd-split-brain.yaml', splitBrain],
      ['scenarios/pod-lifecycle.yaml', podLifecycle],
    ] as const) {
      const live = replayFile(scenario, TRACE_PROPERTIES).verdicts;
      const r = await kubesim('check', trace, '--property', TRACE_PROPERTIES.map((p) => p.name).join(','), '--json');
      assert.equal(r.code, 0, r.stderr);
      const checked = JSON.parse(r.stdout) as TraceCheck;
      assert.deepEqual(checked.verdicts, live, scenario);
      assert.equal(checked.ok, true);
      assert.equal(checked.traceLines, readFileSync(trace, 'utf8').trim().split('\n').length);
    }
    // Real work was judged: split-brain's client operations, pod-lifecycle's watch streams.
    const sb = checkTraceProperties(splitBrain, TRACE_PROPERTIES);
    assert.equal(sb.verdicts[0]!.status, 'pass');
    assert.match(sb.verdicts[0]!.detail, /^[1-9]\d* operations/);
    const pl = checkTraceProperties(podLifecycle, TRACE_PROPERTIES);
    assert.equal(pl.verdicts[1]!.status, 'pass');
    assert.match(pl.verdicts[1]!.detail, /^[1-9]\d* watch stream\(s\), [1-9]\d* deliveries/);
  });

  it('a trace whose linearizable read returns a value never written fails linearizability (exit 1)', async () => {
    const lines = readFileSync(splitBrain, 'utf8').split('\n');
    // The last linearizable get that read a value: make it read one no put wrote.
    const isRead = (l: string): boolean => l.includes('"kind":"etcd.op"') && l.includes('"consistency":"linearizable"') && l.includes('"phase":"complete"') && l.includes('"readValue":');
    const at = lines.map(isRead).lastIndexOf(true);
    assert.ok(at >= 0, 'the split-brain trace has a linearizable read');
    lines[at] = lines[at]!.replace(/"readValue":"[^"]*"/, '"readValue":"never-written"');
    const tampered = join(scratch, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const r = await kubesim('check', tampered, '--property', 'linearizability');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^fail +linearizability: Key \/demo\/\w+ is not linearizable/m);
    assert.match(r.stdout, /never-written/);
    assert.match(r.stdout, /failed: linearizability$/m);
  });

  it('refuses what a trace cannot judge: properties of the run result, unknown names, a summary-level trace (exit 2)', async () => {
    assert.throws(() => traceProperties(['raft-safety']), (e: Error) => e instanceof InputError && /raft-safety judges the run's result .* checks without --property/.test(e.message));
    assert.throws(() => traceProperties(['liveness']), (e: Error) => e instanceof InputError && /fuzz --replay SCENARIO\.yaml --property liveness/.test(e.message));
    assert.throws(() => traceProperties(['nope']), (e: Error) => e instanceof InputError && /no property "nope"; choose from linearizability, watch/.test(e.message));
    const [result, level, plain, plainSummary] = await Promise.all([
      kubesim('check', splitBrain, '--property', 'watch', '--property', 'liveness'),
      kubesim('check', summary, '--property', 'linearizability'),
      kubesim('check', splitBrain),
      kubesim('check', summary),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /property liveness judges the run's result/);
    assert.equal(result.stdout, '', 'nothing judged');
    assert.equal(level.code, 2);
    // Both checks name the level that drops lines and the command to write a checkable trace.
    for (const r of [level, plainSummary]) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /lines are missing or out of order\. The trace was probably written at a level that drops lines the checkers need: --trace-level summary keeps only fault, raft\.role, k8s\.leader, expect and invariant lines/);
      assert.match(r.stderr, /Fix: write the trace again with kubesim run SCENARIO --trace FILE --trace-level normal/);
      assert.equal((r.stderr.match(/Fix:/g) ?? []).length, 1, 'one fix, not the reader\'s own as well');
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    }
    // Without --property: the invariants, as before.
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${splitBrain}: every invariant holds\n`);
  });
});
