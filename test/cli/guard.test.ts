/** cli/guard.ts in-process: exit codes of a run's end, resource-limit errors, the heap check, the trace file. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_BAD_INPUT, EXIT_BUG, EXIT_FAILED, InputError, TraceFile, heapExhausted, reportError, resourceLimit, runEnd } from '../../cli/guard.ts';

const T = { timeout: 10_000 };
const none = (): undefined => undefined;

describe('guard', () => {
  it('a run that a component ended with an internal error is a bug (70), a failed expectation is 1', T, () => {
    assert.deepEqual(runEnd({ ok: true, status: 'done', stopReason: null }), { code: 0 });
    assert.deepEqual(runEnd({ ok: false, status: 'done', stopReason: null }), { code: EXIT_FAILED });
    assert.deepEqual(runEnd({ ok: false, status: 'stopped', stopReason: 'invariant ElectionSafety violated at 5 ms: two leaders' }), { code: EXIT_FAILED });
    const bug = runEnd({ ok: false, status: 'stopped', stopReason: 'internal error in worker: Error: quantities must match' });
    assert.equal(bug.code, EXIT_BUG);
    assert.match(bug.text ?? '', /^kubesim: the run stopped on an internal error in worker: .*This is a kubesim bug, please report it/);
  });

  it('stack and memory RangeErrors are limits (2); anything else a bug (70), in one line', T, () => {
    let deep: RangeError | undefined;
    const f = (n: number): number => f(n + 1) + 1;
    try {
      f(0);
    } catch (err) {
      deep = err as RangeError;
    }
    const stack = reportError(deep, 'running kubesim validate x.yaml', none);
    assert.equal(stack.code, EXIT_BAD_INPUT);
    assert.match(stack.text, /^kubesim ran out of stack space .*NODE_OPTIONS=--stack-size=/);
    assert.equal(reportError(new RangeError('Invalid string length'), '', none).code, EXIT_BAD_INPUT);
    assert.match(resourceLimit(new RangeError('Map maximum size exceeded')) ?? '', /ran out of memory.*--max-old-space-size/);
    assert.equal(resourceLimit(new RangeError('Invalid time value')), undefined);
    const bug = reportError(new TypeError('x is undefined\n  more'), 'running kubesim run a.yaml', none);
    assert.equal(bug.code, EXIT_BUG);
    assert.equal(bug.text, 'kubesim: internal error while running kubesim run a.yaml: TypeError: x is undefined. This is a kubesim bug, please report it with the command and its input files (KUBESIM_DEBUG=1 prints the stack).');
    assert.deepEqual(reportError(new InputError('f: bad'), '', none), { text: 'f: bad', code: EXIT_BAD_INPUT });
    assert.deepEqual(reportError(new Error('known'), '', () => 'x.yaml:1:1: known'), { text: 'x.yaml:1:1: known', code: EXIT_BAD_INPUT });
  });

  it('the heap check names the limit to raise', T, () => {
    const saved = process.env.KUBESIM_MAX_HEAP_MB;
    try {
      delete process.env.KUBESIM_MAX_HEAP_MB;
      assert.equal(heapExhausted(), undefined);
      process.env.KUBESIM_MAX_HEAP_MB = '1';
      assert.match(heapExhausted('check a smaller trace') ?? '', /passed KUBESIM_MAX_HEAP_MB .*Fix: raise KUBESIM_MAX_HEAP_MB, or check a smaller trace$/);
    } finally {
      if (saved === undefined) delete process.env.KUBESIM_MAX_HEAP_MB;
      else process.env.KUBESIM_MAX_HEAP_MB = saved;
    }
  });

  it('the trace file: written in order, discarded when the run does not finish', T, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-guard-'));
    const path = join(dir, 'x.jsonl');
    const ok = TraceFile.open(path, join(dir, 's.yaml'));
    ok.write({ t: 0, seq: 0, kind: 'a', b: 1 });
    ok.write({ t: 1, seq: 1, kind: 'a' });
    ok.close();
    assert.equal(ok.failed, undefined);
    assert.equal(readFileSync(path, 'utf8'), '{"b":1,"kind":"a","seq":0,"t":0}\n{"kind":"a","seq":1,"t":1}\n');
    const partial = TraceFile.open(path, join(dir, 's.yaml'));
    partial.write({ t: 0, seq: 0, kind: 'a' });
    partial.discard();
    assert.equal(existsSync(path), false);
    assert.throws(() => TraceFile.open(join(dir, 'no', 'x.jsonl'), 's.yaml'), (err: unknown) => err instanceof InputError && /its folder does not exist/.test(err.message));
  });
});
