/**
 * `kubesim ARGS` as a child process, as a user runs it (`bin/kubesim.js`), for the tests of the
 * command line. KUBESIM_DEBUG is cleared, so an error prints as users see it (one line, no stack).
 */
import { spawn, spawnSync } from 'node:child_process';

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubesimOptions {
  env?: Record<string, string>;
  /** Node flags before the script. */
  node?: string[];
  /** spawnSync's timeout. */
  timeoutMs?: number;
}

const envOf = (options: KubesimOptions): NodeJS.ProcessEnv => ({ ...process.env, KUBESIM_DEBUG: '', ...options.env });

/** Asynchronous, so test files that start several commands let them run side by side. */
export function kubesimAsync(args: readonly string[], options: KubesimOptions = {}): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(options.node ?? []), 'bin/kubesim.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: envOf(options) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function kubesimSync(args: readonly string[], options: KubesimOptions = {}): Exit {
  const r = spawnSync(process.execPath, [...(options.node ?? []), 'bin/kubesim.js', ...args], {
    encoding: 'utf8',
    env: envOf(options),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
