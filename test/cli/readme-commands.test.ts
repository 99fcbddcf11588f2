import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kubesimAsync, type Exit } from '../kubesim-process.ts';

/**
 * Every `npx kubesim …` line in README.md's shell blocks, and every `kubesim …` line in
 * scenarios/README.md's, is run as written, made cheap: benchmarks at small sizes, sweeps over 3
 * seeds, placeholder files (`my-scenario.yaml`, `out.jsonl`) replaced by real ones. Each must exit
 * 0 (and print JSON with --json). A command that is planned and not built must not be shown as a
 * command: write it in the text, marked as planned.
 */

interface Command {
  file: string;
  line: number;
  text: string;
}

function commands(file: string, prefix: string): Command[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Command[] = [];
  let inShell = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inShell = !inShell && (line === '```sh' || line === '```bash' || line === '```shell');
      return;
    }
    if (inShell && line.startsWith(prefix)) out.push({ file, line: i + 1, text: line.replace(/\s+#.*$/, '') });
  });
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'kubesim-readme-'));
const placeholders: Record<string, string> = {
  'out.jsonl': join(scratch, 'out.jsonl'),
  'my-scenario.yaml': join(scratch, 'my-scenario.yaml'),
};
copyFileSync('scenarios/pod-lifecycle.yaml', placeholders['my-scenario.yaml']!);

/** The arguments of the command, made cheap where it would take long. */
function cheap(args: string[]): string[] {
  const out = args.map((a) => placeholders[a] ?? a);
  const set = (flag: string, value: (old: number) => number, add: boolean): void => {
    const i = out.indexOf(flag);
    if (i >= 0) out[i + 1] = String(value(Number(out[i + 1])));
    else if (add) out.push(flag, String(value(Infinity)));
  };
  if (out[0] === 'bench') {
    set('--nodes', (n) => Math.min(n, 20), true);
    set('--pods', (n) => Math.min(n, 40), true);
    set('--init-pods', (n) => Math.min(n, 10), true);
  }
  const seeds = out.indexOf('--seeds');
  if (seeds >= 0) out[seeds + 1] = '1-3';
  return out;
}

const kubesim = (args: string[]): Promise<Exit> => kubesimAsync(args);

const all = [...commands('README.md', 'npx kubesim '), ...commands('scenarios/README.md', 'kubesim ')];

/** Files a command writes (--trace FILE): a later command that reads one waits for it. */
const written = new Map<string, { done: Promise<void>; resolve: () => void }>();
for (const cmd of all) {
  const args = cheap(cmd.text.replace(/^(npx )?kubesim /, '').split(/\s+/));
  const trace = args.indexOf('--trace');
  if (trace >= 0 && !written.has(args[trace + 1]!)) {
    let resolve = (): void => {};
    const done = new Promise<void>((r) => (resolve = r));
    written.set(args[trace + 1]!, { done, resolve });
  }
}

describe('the kubesim commands shown in the READMEs', { timeout: 240_000, concurrency: 2 }, () => {
  it('there are commands to check', () => assert.ok(all.length >= 10, `found ${all.length}`));
  for (const cmd of all) {
    it(`${cmd.file}:${cmd.line}: ${cmd.text}`, async () => {
      const args = cheap(cmd.text.replace(/^(npx )?kubesim /, '').split(/\s+/));
      const trace = args.indexOf('--trace');
      const writes = trace >= 0 ? args[trace + 1] : undefined;
      for (const [path, w] of written) if (path !== writes && args.includes(path)) await w.done;
      const r = await kubesim(args).finally(() => writes && written.get(writes)?.resolve());
      assert.equal(r.code, 0, `kubesim ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
      if (args.includes('--json')) assert.doesNotThrow(() => JSON.parse(r.stdout), r.stdout.slice(0, 500));
    });
  }
});
