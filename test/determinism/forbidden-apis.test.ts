/**
 * The determinism contract, guarded: simulation code under actors/ never reads real time, never
 * draws from Math.random, arms no real timers, uses no Promises or async, and never compares
 * strings by locale (localeCompare depends on the machine's ICU data). Comments and strings are
 * stripped first, so a comment explaining the rule does not trip it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /\bDate\.now\s*\(/, why: 'real time: use the kernel clock (env.now)' },
  { pattern: /\bnew\s+Date\s*\(/, why: 'real time: use the kernel clock (env.now)' },
  { pattern: /\bperformance\.now\s*\(/, why: 'real time: use the kernel clock (env.now)' },
  { pattern: /\bprocess\.hrtime\b/, why: 'real time: use the kernel clock (env.now)' },
  { pattern: /\bMath\.random\s*\(/, why: 'unseeded randomness: fork a stream from the kernel rng' },
  { pattern: /(?<![.\w])setTimeout\s*\(/, why: 'a real timer: return a timer in the Output' },
  { pattern: /(?<![.\w])clearTimeout\s*\(/, why: 'a real timer: return a cancel in the Output' },
  { pattern: /\bsetInterval\s*\(/, why: 'a real timer: use a kernel ticker or an Output timer' },
  { pattern: /\bsetImmediate\s*\(/, why: 'a real timer: use an Output timer' },
  { pattern: /\bqueueMicrotask\s*\(/, why: 'work outside the event queue' },
  { pattern: /\bprocess\.nextTick\s*\(/, why: 'work outside the event queue' },
  { pattern: /\bPromise\b/, why: 'asynchrony outside the event queue' },
  { pattern: /\basync\s+(function\b|\(|\w+\s*=>|\w+\s*\()/, why: 'asynchrony outside the event queue' },
  { pattern: /\bawait\s/, why: 'asynchrony outside the event queue' },
  { pattern: /\.localeCompare\s*\(/, why: 'machine-dependent order: compare code units (a < b)' },
];

/** Files that may touch the outside world on the CLI's behalf (reading a trace file for `kubesim check`). */
const ALLOWED_IO = new Set(['actors/checks/index.ts']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

/** Blanks comments and string/template contents, keeping line numbers. */
export function stripCommentsAndStrings(source: string): string {
  let out = '';
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      i += 2;
      while (i < n && !(source[i] === '*' && source[i + 1] === '/')) {
        if (source[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < n && source[i] !== c) {
        if (source[i] === '\\') i++;
        else if (source[i] === '\n') out += '\n';
        i++;
      }
      out += c;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export function violations(file: string, source: string): string[] {
  const found: string[] = [];
  const lines = stripCommentsAndStrings(source).split('\n');
  lines.forEach((line, index) => {
    for (const { pattern, why } of FORBIDDEN) if (pattern.test(line)) found.push(`${file}:${index + 1}: ${line.trim()}  — ${why}`);
  });
  return found;
}

describe('determinism guard', { timeout: 30_000 }, () => {
  it('finds no real time, randomness, timers, Promises, async or localeCompare under actors/', () => {
    const found: string[] = [];
    for (const path of sourceFiles(join(ROOT, 'actors'))) {
      const file = relative(ROOT, path);
      if (ALLOWED_IO.has(file)) continue;
      found.push(...violations(file, readFileSync(path, 'utf8')));
    }
    assert.deepEqual(found, [], `forbidden APIs under actors/:\n${found.join('\n')}`);
  });

  it('catches each forbidden call (the guard can fail)', () => {
    const samples = [
      'const t = Date.now();',
      'const d = new Date();',
      'const p = performance.now();',
      'const r = Math.random();',
      'setTimeout(() => 1, 10);',
      'const h = setInterval(f, 5);',
      'queueMicrotask(f);',
      'process.nextTick(f);',
      'return Promise.resolve(1);',
      'async function f() {}',
      'const g = async () => 1;',
      'await x;',
      "names.sort((a, b) => a.localeCompare(b));",
    ];
    for (const sample of samples) assert.notDeepEqual(violations('sample.ts', sample), [], sample);
  });

  it('ignores comments, strings, and the virtual clock aliases', () => {
    const allowed = [
      '// never calls Date.now() or Math.random()',
      "const s = 'setTimeout(f, 1) is not used';",
      '/* a Promise would break determinism */',
      'setTimeout = (fire: () => void, delayMs: number) => this.after(delayMs, fire);',
      'this.clock.setTimeout(fire, 10);',
    ];
    for (const sample of allowed) assert.deepEqual(violations('sample.ts', sample), [], sample);
  });
});
