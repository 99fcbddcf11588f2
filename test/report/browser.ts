/**
 * A headless Chromium for the report's browser tests: Debian's chromium package (`.ci/run`
 * installs it when missing), driven by playwright-core. No browser download: when no Chromium is
 * found, `findChromium` says why and the tests skip, saying so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

/** The Chromium to use, or why there is none. KUBESIM_CHROMIUM names another binary. */
export function findChromium(): { path: string } | { missing: string } {
  const env = process.env['KUBESIM_CHROMIUM'];
  if (env) return existsSync(env) ? { path: env } : { missing: `KUBESIM_CHROMIUM=${env} does not exist` };
  const found = CANDIDATES.find((p) => existsSync(p));
  return found ? { path: found } : { missing: `no Chromium at ${CANDIDATES.join(', ')}; install Debian's package: apt-get install -y --no-install-recommends chromium (.ci/run does when it can)` };
}

/**
 * Flags for a closed network and a container: no sandbox (root in CI), no GPU, and none of
 * Chromium's background connections (updates, sync, QUIC probes), which the network refuses.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** A headless Chromium with a fresh profile, removed on close. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'kubesim-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
