import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findChromium, launchChromium, type Browser } from './browser.ts';
import { scenarioPage, shippedScenarios, type ScenarioPage } from './scenario-pages.ts';

/**
 * The report page of every shipped scenario: self-contained (nothing fetched), and in a real
 * browser (Debian's Chromium, headless) drawn without a console error. On etcd-split-brain the
 * acceptance walk: lanes and the partition band drawn, the time cursor dragged past the partition
 * names the majority's new leader, the log filtered, a screenshot kept in test-output/.
 */
const OUT = resolve('test-output');
const PAGES_DIR = join(OUT, 'reports');
let pages: ScenarioPage[] = [];

before(() => {
  mkdirSync(PAGES_DIR, { recursive: true });
  // 30 s of each run keeps the set cheap; etcd-split-brain runs whole (cheap, and its heal is at 30 s).
  pages = shippedScenarios().map((file) => scenarioPage(file, file.endsWith('etcd-split-brain.yaml') ? 60_000 : 30_000));
  for (const p of pages) writeFileSync(pagePath(p), p.html);
});

function pagePath(p: ScenarioPage): string {
  return join(PAGES_DIR, `${basename(p.file, '.yaml')}.html`);
}

describe('report pages of the shipped scenarios', { timeout: 300_000 }, () => {
  it('every page is self-contained: scripts and styles inline, nothing loaded from a network', () => {
    assert.ok(pages.length >= 20, `found ${pages.length} scenarios`);
    for (const p of pages) {
      assert.doesNotMatch(p.html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i, `${p.file}: a src/href to a network address`);
      assert.doesNotMatch(p.html, /<script[^>]*\bsrc=|<link\b|@import|url\(\s*["']?https?:/i, `${p.file}: an external script, stylesheet or import`);
      assert.match(p.html, /<script id="report-data" type="application\/json">/);
      // The page carries the run's lines for its log, not more and not fewer.
      assert.equal(p.data.log.t.length, p.data.events, p.file);
      assert.ok(p.data.etcd.members.length >= 1, `${p.file}: no etcd member lane`);
    }
  });
});

const chromium = findChromium();
/** Why the browser tests skip, when they do. */
let skipReason = 'missing' in chromium ? chromium.missing : '';

describe('report pages in a browser', { timeout: 300_000 }, () => {
  let browser: Browser | undefined;
  before(async () => {
    if ('path' in chromium) {
      try {
        browser = await launchChromium(chromium.path);
      } catch (err) {
        // Without the devDependency (npm ci --omit=dev) there is nothing to drive the browser with; any other launch failure fails the tests.
        if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
        skipReason = `playwright-core is not installed (npm install): ${(err as Error).message}`;
      }
    }
    if (!browser) process.stderr.write(`report browser tests skipped: ${skipReason}\n`);
  });
  after(async () => browser?.close());

  /** Opens a page, recording console errors, page errors and any request that is not the file itself. */
  async function open(p: ScenarioPage): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser!.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(`file://${pagePath(p)}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    return { page, errors, requests };
  }

  /** Drags the time cursor on the time axis from one virtual time to another, as a user would. */
  async function dragCursor(page: Page, fromMs: number, toMs: number): Promise<void> {
    const axis = page.locator('svg#axis');
    const box = (await axis.boundingBox())!;
    const label = Number(await axis.getAttribute('data-label-width'));
    const plot = Number(await axis.getAttribute('data-plot-width'));
    const duration = Number(await axis.getAttribute('data-duration'));
    const viewWidth = label + plot + 10;
    const xOf = (t: number): number => box.x + ((label + (t / duration) * plot) / viewWidth) * box.width;
    await page.mouse.move(xOf(fromMs), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(xOf((fromMs + toMs) / 2), box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(xOf(toMs), box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
  }

  async function leaderShown(page: Page): Promise<{ member: string; term: number } | null> {
    // The state panel is redrawn on the next frame: wait until it shows the cursor's time.
    await page.waitForFunction("document.querySelector('#state h2')?.textContent === 'at ' + document.getElementById('cursor-time')?.textContent");
    const text = (await page.locator('#state-leader').textContent()) ?? '';
    const m = /etcd leader:\s*(\S+) \(term (\d+)\)/.exec(text);
    return m ? { member: m[1]!, term: Number(m[2]) } : null;
  }

  it('etcd-split-brain: lanes, the partition band, the new leader after the partition, a filtered log, a screenshot', async (t) => {
    if (!browser) return t.skip(`no browser: ${skipReason}`);
    const p = pages.find((x) => x.file.endsWith('etcd-split-brain.yaml'))!;
    const { page, errors, requests } = await open(p);

    // A lane per member, each drawn with role spans; two leaderships (before and after the split).
    assert.equal(await page.locator('#etcd [data-lane]').count(), 5);
    for (const m of ['etcd-0', 'etcd-1', 'etcd-2', 'etcd-3', 'etcd-4']) assert.ok((await page.locator(`#etcd [data-lane="${m}"] rect`).count()) >= 1, `${m} lane has no span`);
    assert.ok((await page.locator('#etcd rect.role-leader').count()) >= 2);
    assert.ok((await page.locator('#etcd text.role-text').allTextContents()).some((x) => /term [2-9]/.test(x)), 'the new term is written on the leader span');

    // The partition band names both groups, and runs from the partition (10 s) to the heal (30 s).
    const band = page.locator('#network [data-band="partition"]');
    assert.equal(await band.count(), 1);
    assert.equal(await band.getAttribute('data-from'), '10000');
    assert.equal(await band.getAttribute('data-to'), '30000');
    const groups = p.data.bands[0]!.groups;
    const bandText = (await band.textContent()) ?? '';
    for (const g of groups) for (const member of g) assert.ok(bandText.includes(member), `band text ${bandText} lacks ${member}`);
    const minority = groups.find((g) => g.length === 2)!;
    const majority = groups.find((g) => g.length === 3)!;

    // Before the partition the leader is in what becomes the minority; after it, the majority elects a new one of a higher term.
    await dragCursor(page, 0, 9_000);
    const before = await leaderShown(page);
    assert.ok(before && minority.includes(before.member), `leader at 9 s: ${JSON.stringify(before)}; minority ${minority}`);
    await dragCursor(page, 9_000, 20_000);
    const cursorMs = Number(await page.locator('#cursor').inputValue());
    assert.ok(cursorMs > 15_000 && cursorMs < 25_000, `cursor at ${cursorMs}`);
    const afterSplit = await leaderShown(page);
    assert.ok(afterSplit && majority.includes(afterSplit.member), `leader at ${cursorMs} ms: ${JSON.stringify(afterSplit)}; majority ${majority}`);
    assert.ok(afterSplit.term > before.term, `term ${afterSplit.term} after, ${before.term} before`);
    assert.match((await page.locator('#state-network').textContent()) ?? '', /partition/);
    // The log follows the cursor: its highlighted row is the first line at or after the cursor.
    const atCursor = page.locator('#log-rows .log-row.at-cursor .t');
    assert.ok(Number.parseFloat((await atCursor.textContent()) ?? 'NaN') * 1000 >= cursorMs);

    // Filtering the log: the faults, then the heal alone.
    await page.selectOption('#log-kind', { label: 'fault' });
    assert.match((await page.locator('#log-count').textContent()) ?? '', /^2 of \d+ events$/);
    assert.deepEqual([...new Set(await page.locator('#log-rows .log-row .k').allTextContents())], ['fault']);
    await page.fill('#log-text', 'heal');
    await page.waitForFunction("document.getElementById('log-count')?.textContent?.startsWith('1 of')");
    assert.match((await page.locator('#log-rows .log-row').first().textContent()) ?? '', /action=heal/);

    // An expectation marker jumps to its line.
    const marker = page.locator('#axis path.marker-expect-ok').first();
    const seq = await marker.getAttribute('data-seq');
    await marker.dispatchEvent('mousedown');
    await page.waitForFunction(`document.querySelector('#log-rows .log-row.at-cursor')?.getAttribute('data-seq') === ${JSON.stringify(seq)}`);
    assert.equal(await page.locator('#log-count').textContent(), `${p.data.events} of ${p.data.events} events`);

    mkdirSync(OUT, { recursive: true });
    await dragCursor(page, 0, 20_000);
    await page.screenshot({ path: join(OUT, 'report-etcd-split-brain.png'), fullPage: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  it('every shipped scenario\'s page renders without a console error, and moving the cursor keeps it so', async (t) => {
    if (!browser) return t.skip(`no browser: ${skipReason}`);
    const failures: string[] = [];
    // Three pages at a time: the fixed waits below overlap.
    const queue = [...pages];
    const worker = async (): Promise<void> => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) await checkPage(p);
    };
    const checkPage = async (p: ScenarioPage): Promise<void> => {
      const { page, errors, requests } = await open(p);
      assert.equal(await page.locator('#etcd [data-lane]').count(), p.data.etcd.members.length, p.file);
      if (p.data.nodes.names.length > 0) assert.ok((await page.locator('#nodes [data-lane]').count()) >= 1, `${p.file}: no node lane`);
      await dragCursor(page, 0, p.data.durationMs / 2);
      await page.locator('#play').click();
      await page.waitForTimeout(150);
      await page.locator('#play').click();
      await page.fill('#log-text', 'etcd');
      await page.waitForTimeout(200);
      if (errors.length > 0 || requests.length > 0) failures.push(`${p.file}: ${[...errors, ...requests.map((r) => `requested ${r}`)].join('; ')}`);
      await page.close();
    };
    await Promise.all([worker(), worker(), worker()]);
    assert.deepEqual(failures.sort(), []);
  });
});
