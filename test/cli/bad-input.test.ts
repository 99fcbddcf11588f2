/**
 * The `kubesim` command on bad input and exhausted resources, as a user runs it: exit 2 with a
 * located one-line message (exit 70 and "this is a kubesim bug" for an unexpected exception), no
 * stack trace, in bounded time — every child process is killed after 60 s.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubesimSync, type Exit, type KubesimOptions } from '../kubesim-process.ts';

const T = { timeout: 90_000 };

const kubesim = (args: string[], options: KubesimOptions = {}): Exit => kubesimSync(args, { timeoutMs: 60_000, ...options });

/** Exit 2 and exactly one line on stderr, which starts with `where: ` and holds every word; no stack. */
function assertBadInput(r: { code: number | null; stdout: string; stderr: string }, where: string | RegExp, words: (string | RegExp)[]): void {
  assert.equal(r.code, 2, `exit code ${r.code}; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  const line = lines[0] ?? '';
  if (typeof where === 'string') assert.ok(line.startsWith(`${where}: `), `expected ${where}: …, got ${line}`);
  else assert.match(line, where);
  for (const w of words) {
    if (typeof w === 'string') assert.ok(line.includes(w), `message lacks ${JSON.stringify(w)}: ${line}`);
    else assert.match(line, w);
  }
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-bad-input-'));

function scenario(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const ETCD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 10s
  cluster: {etcd: {members: 3}}
`;

describe('kubesim validate', () => {
  it('a node capacity of 1e400 CPUs: exit 2 at its line, not a crash of the run', T, () => {
    const file = scenario('cap.yaml', `${ETCD.replace('cluster: {etcd: {members: 3}}', 'cluster:\n    etcd: {members: 3}\n    nodes: [{name: w, capacity: {cpu: "1e400"}}]')}`);
    assertBadInput(kubesim(['validate', file]), `${file}:8:39`, ['spec.cluster.nodes[0].capacity.cpu is 1e400, too large', 'int64']);
  });

  it('/dev/zero: refused at once', T, () => {
    assertBadInput(kubesim(['validate', '/dev/zero']), '/dev/zero', ['cannot read the scenario: it is not a regular file']);
  });

  it('a manifest path to /dev/zero or /etc/passwd: refused, nothing of the file echoed', T, () => {
    for (const path of ['/dev/zero', '/etc/passwd', '../../../../../../etc/passwd']) {
      const file = scenario('outside.yaml', `${ETCD.replace('cluster: {etcd: {members: 3}}', 'cluster:\n    etcd: {members: 3}\n    nodes: [{name: w}]\n  workload:\n    - path: ' + path)}\n`);
      const r = kubesim(['validate', file]);
      assertBadInput(r, `${file}:10:13`, [`the manifest "${path}" given in spec.workload[0].path leads out of the scenario's folder`]);
      assert.doesNotMatch(r.stderr, /root:/);
    }
  });

  it('5000 levels of nesting: the nesting limit with its position, not "Maximum call stack size exceeded"', T, () => {
    const file = scenario('deep.yaml', `${ETCD}  timeline: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    const r = kubesim(['validate', file]);
    assertBadInput(r, `${file}:7:111`, ['YAML nests deeper than 100 levels here']);
    assert.doesNotMatch(r.stderr, /call stack/);
  });

  it('as on heal: refused at load (the runner would not bind it)', T, () => {
    const file = scenario('heal-as.yaml', `${ETCD}  timeline:\n    - {at: 1s, heal: all, as: g}\n    - {at: 2s, crash: g}\n`);
    assertBadInput(kubesim(['validate', file]), `${file}:8:31`, ['heal binds nothing', 'Fix: remove as']);
  });

  it('as on a get with via: refused at load', T, () => {
    const file = scenario('get-as.yaml', `${ETCD}  clients: [{name: app, kind: etcd}]\n  timeline:\n    - {at: 1s, get: {client: app, key: /k, via: leader}, as: g}\n    - {at: 2s, crash: g}\n`);
    assertBadInput(kubesim(['validate', file]), `${file}:9:62`, ['get binds nothing', 'Fix: remove as']);
  });
});

describe('kubesim check', () => {
  it('a missing file', T, () => {
    const file = join(scratch, 'missing.jsonl');
    assertBadInput(kubesim(['check', file]), file, ['cannot read the trace: no such file']);
  });

  it('an empty file is not "every invariant holds"', T, () => {
    const file = join(scratch, 'empty.jsonl');
    writeFileSync(file, '');
    const r = kubesim(['check', file]);
    assertBadInput(r, file, ['the trace is empty (no events)']);
    assert.doesNotMatch(r.stdout, /every invariant holds/);
  });

  it('a truncated trace: the line that is cut short', T, () => {
    const file = join(scratch, 'cut.jsonl');
    writeFileSync(file, '{"kind":"net.drop","seq":0,"t":1}\n{"kind":"net.drop","seq":1,"t":2}\n{"kind":"raft.ro');
    assertBadInput(kubesim(['check', file]), `${file}:3`, ['the last line is cut short: the trace was truncated']);
  });

  it('a trace without its beginning, or with a line missing', T, () => {
    const file = join(scratch, 'gap.jsonl');
    writeFileSync(file, '{"kind":"net.drop","seq":0,"t":1}\n{"kind":"net.drop","seq":2,"t":2}\n');
    assertBadInput(kubesim(['check', file]), `${file}:2`, ['seq 2 follows seq 0: lines are missing or out of order']);
  });

  it('a file that is not a trace (a scenario), quoting nothing of it', T, () => {
    const r = kubesim(['check', 'scenarios/etcd-split-brain.yaml']);
    assertBadInput(r, 'scenarios/etcd-split-brain.yaml:1', ['trace line 1 is not JSON: this is not a kubesim trace']);
    assert.doesNotMatch(r.stderr, /apiVersion/);
  });

  it('JSON lines that are not trace events', T, () => {
    const file = join(scratch, 'json.jsonl');
    writeFileSync(file, '{"hello": "world"}\n');
    assertBadInput(kubesim(['check', file]), `${file}:1`, ['trace line 1 is not a trace event: it has no valid t (a virtual time in ms), seq (an integer), kind (a string)']);
  });

  it('a folder, and /dev/zero', T, () => {
    assertBadInput(kubesim(['check', scratch]), scratch, ['cannot read the trace: it is a folder']);
    assertBadInput(kubesim(['check', '/dev/zero']), '/dev/zero', ['cannot read the trace: it is not a regular file']);
  });
});

describe('kubesim run --trace', () => {
  it('a missing folder is reported before the run', T, () => {
    const path = join(scratch, 'missing-dir', 'x.jsonl');
    const r = kubesim(['run', 'scenarios/etcd-split-brain.yaml', '--trace', path]);
    assertBadInput(r, path, ['cannot write the trace: its folder does not exist']);
    assert.equal(r.stdout, '', 'nothing ran');
  });

  it('a folder, and a path through a file', T, () => {
    const r = kubesim(['run', 'scenarios/etcd-split-brain.yaml', '--trace', scratch]);
    assertBadInput(r, scratch, ['cannot write the trace: it is a folder']);
    assert.equal(r.stdout, '');
    const notDir = join(scratch, 'plain-file');
    writeFileSync(notDir, 'x');
    assertBadInput(kubesim(['run', 'scenarios/etcd-split-brain.yaml', '--trace', join(notDir, 'x.jsonl')]), join(notDir, 'x.jsonl'), ['a part of the path is not a folder']);
  });

  it('the scenario file itself is refused, and left as it was', T, () => {
    const file = scenario('self.yaml', ETCD);
    assertBadInput(kubesim(['run', file, '--trace', file]), file, ['--trace names the scenario file itself']);
    assert.equal(readFileSync(file, 'utf8'), ETCD);
  });

  it('a write error (a full disk: /dev/full) is reported cleanly', T, () => {
    if (!existsSync('/dev/full')) return;
    assertBadInput(kubesim(['run', 'scenarios/etcd-split-brain.yaml', '--json', '--trace', '/dev/full']), '/dev/full', ['cannot write the trace: no space left on the device']);
  });
});

describe('replay', () => {
  it('--explain is in the replay command, which reproduces the fingerprint', T, () => {
    const file = scenario(
      'explain-fails.yaml',
      `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: explain-fails}
spec:
  seed: 3
  duration: 20s
  cluster:
    etcd: {members: 3}
    nodes: [{name: w, count: 2}]
  workload:
    - {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: c, image: nginx}]}}
  expect:
    - name: never scheduled
      always: {from: 0s, to: 20s}
      that: {pods: {scheduled: false, count: 1}}
`,
    );
    const first = kubesim(['run', file, '--json', '--explain', 'default/web']);
    assert.equal(first.code, 1, first.stderr);
    const result = JSON.parse(first.stdout);
    assert.equal(result.replay, `npx kubesim run ${file} --seed 3 --explain default/web`);
    const replayArgs = (result.replay as string).replace(/^npx kubesim /, '').split(' ');
    const again = JSON.parse(kubesim([...replayArgs, '--json']).stdout);
    assert.equal(again.fingerprint, result.fingerprint);
    const without = JSON.parse(kubesim(['run', file, '--json']).stdout);
    assert.notEqual(without.fingerprint, result.fingerprint, '--explain changes the fingerprint');
  });
});

describe('resources', () => {
  it('run: a heap past its limit stops the run with the limit to raise, exit 2', T, () => {
    const r = kubesim(['run', 'scenarios/etcd-split-brain.yaml'], { env: { KUBESIM_MAX_HEAP_MB: '1' } });
    assertBadInput(r, 'scenarios/etcd-split-brain.yaml', [/the run stopped at [\d.]+s \(virtual\), after \d+ events/, 'raise KUBESIM_MAX_HEAP_MB']);
  });

  it('check: the same', T, () => {
    const trace = join(scratch, 'for-heap.jsonl');
    const events = Array.from({ length: 300 }, (_, i) => JSON.stringify({ kind: 'net.drop', seq: i, t: i }));
    writeFileSync(trace, `${events.join('\n')}\n`);
    assertBadInput(kubesim(['check', trace], { env: { KUBESIM_MAX_HEAP_MB: '1' } }), trace, ['the check stopped at event 100', 'raise KUBESIM_MAX_HEAP_MB']);
  });

  it('a stack overflow anywhere: one line naming the limit, exit 2', T, () => {
    const overflow = 'data:text/javascript,console.log=function f(){return f()+1}';
    const r = kubesim(['validate', 'scenarios/etcd-split-brain.yaml'], { node: ['--import', overflow] });
    assertBadInput(r, /^kubesim ran out of stack space/, ['Maximum call stack size exceeded', 'NODE_OPTIONS=--stack-size=']);
  });

  it('an unexpected exception: one line, "this is a kubesim bug", exit 70; the stack only with KUBESIM_DEBUG=1', T, () => {
    const boom = "data:text/javascript,console.log=()=>{throw new TypeError('boom')}";
    const r = kubesim(['validate', 'scenarios/etcd-split-brain.yaml'], { node: ['--import', boom] });
    assert.equal(r.code, 70, r.stderr);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, /^kubesim: internal error while running kubesim validate scenarios\/etcd-split-brain\.yaml: TypeError: boom\. This is a kubesim bug, please report it/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    const debug = kubesim(['validate', 'scenarios/etcd-split-brain.yaml'], { node: ['--import', boom], env: { KUBESIM_DEBUG: '1' } });
    assert.equal(debug.code, 70);
    assert.match(debug.stderr, /^\s+at /m);
  });
});

describe('output', () => {
  it('a reader that stops reading (kubesim run … | head -1) ends the command quietly', T, async () => {
    const child = spawn(process.execPath, ['bin/kubesim.js', 'run', 'scenarios/etcd-split-brain.yaml'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
