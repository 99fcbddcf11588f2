/**
 * How a large run's report behaves: a synthetic trace of 5000 nodes, 10,000 pods in 20
 * Deployments, a 5-member etcd with a partition and a new leader, 200 node crashes, traffic and
 * etcd filler — about 100,000 lines over one virtual hour — reduced, written, and opened in
 * headless Chromium. Prints one JSON object per run (medians over the runs at the end):
 *
 *   npx tsx test/report/large-trace.ts [--nodes 5000] [--lines 100000] [--runs 3]
 *
 * Not a pass/fail test (timings depend on the machine); the figure goes in bench/README.md.
 */
import { mkdtempSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../../actors/kernel/canonical-json.ts';
import { reportFromTraceFile } from '../../cli/report/index.ts';
import { findChromium, launchChromium } from './browser.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Writes the synthetic trace; returns its line count. */
export async function writeLargeTrace(path: string, nodes: number, lines: number): Promise<number> {
  const out = createWriteStream(path);
  let seq = 0;
  const events: { t: number; kind: string; [k: string]: unknown }[] = [];
  const add = (t: number, kind: string, fields: Record<string, unknown>): void => void events.push({ ...fields, t, kind });
  const hour = 3_600_000;
  const members = ['etcd-0', 'etcd-1', 'etcd-2', 'etcd-3', 'etcd-4'];
  for (const m of members) add(10, 'raft.role', { member: m, role: 'follower', term: 0 });
  add(900, 'raft.role', { member: 'etcd-0', role: 'leader', term: 1 });
  for (let i = 0; i < nodes; i++) add(1000 + i, 'k8s.proxy', { node: `node-${i}`, mode: 'iptables', endpoints: 0, servicePorts: 1 });
  const deployments = 20;
  const pods = 2 * nodes;
  for (let d = 0; d < deployments; d++) add(7000, 'k8s.controller', { controller: 'deployment', action: 'replicaset-created', object: `replicaset/default/app-${d}-5f7c9d8b6`, detail: `revision 1 of deployment app-${d}` });
  for (let p = 0; p < pods; p++) {
    const d = p % deployments;
    const name = `app-${d}-5f7c9d8b6-${p.toString(36).padStart(5, 'x')}`;
    const t = 8000 + p * 20;
    add(t, 'k8s.event', { reporter: 'kube-controller-manager-0', namespace: 'default', object: `replicaset/app-${d}-5f7c9d8b6`, type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${name}` });
    add(t + 5, 'k8s.schedule', { scheduler: 'kube-scheduler-0', pod: `default/${name}`, node: `node-${p % nodes}`, evaluatedNodes: nodes, feasibleNodes: nodes, attempt: 1 });
    add(t + 900, 'k8s.pod', { node: `node-${p % nodes}`, namespace: 'default', pod: name, phase: 'Running', ready: true });
  }
  add(20 * 60_000, 'fault', { action: 'partition', groups: [['etcd-0', 'etcd-1'], ['etcd-2', 'etcd-3', 'etcd-4']], targets: members });
  add(20 * 60_000 + 1500, 'raft.role', { member: 'etcd-2', role: 'leader', term: 2 });
  add(20 * 60_000 + 2000, 'raft.role', { member: 'etcd-0', role: 'follower', term: 1 });
  add(30 * 60_000, 'fault', { action: 'heal', targets: members });
  const crashed = Math.min(200, nodes);
  for (let i = 0; i < crashed; i++) {
    add(40 * 60_000, 'fault', { action: 'crash', targets: [`node-${i}`] });
    add(40 * 60_000 + 50_000, 'k8s.controller', { controller: 'node-lifecycle', action: 'marked-unknown', object: `node/node-${i}`, detail: 'Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.' });
    add(40 * 60_000 + 50_010, 'k8s.controller', { controller: 'node-lifecycle', action: 'taint-added', object: `node/node-${i}`, detail: 'node.kubernetes.io/unreachable:NoExecute' });
  }
  add(hour - 1000, 'expect', { name: 'every pod runs', ok: true, detail: `${pods} running` });
  // Filler up to `lines`: traffic and etcd's own lines, spread over the hour.
  const rest = Math.max(0, lines - events.length);
  for (let i = 0; i < rest; i++) {
    const t = Math.floor((i / rest) * (hour - 2000)) + 1000;
    if (i % 4 === 0) add(t, 'k8s.traffic', { source: `client-${i % 3}`, client: '100.64.0.1', result: i % 97 === 0 ? 'refused' : 'ok', latencyMs: 3, pod: `app-0-5f7c9d8b6-${(i % 50).toString(36).padStart(5, 'x')}`, node: `node-${i % nodes}` });
    else add(t, 'raft.commit', { member: members[i % 5], index: i, term: 1 });
  }
  events.sort((a, b) => a.t - b.t);
  for (const e of events) {
    e['seq'] = seq++;
    if (!out.write(`${canonicalJson(e)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  return seq;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const nodes = arg('nodes', 5000);
  const lineCount = arg('lines', 100_000);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-large-report-'));
  const trace = join(dir, 'large.jsonl');
  const html = join(dir, 'large.html');
  const written = await writeLargeTrace(trace, nodes, lineCount);
  // The baseline, opened in the same runs: a small trace of the same shape (50 nodes, 1000 lines).
  const smallTrace = join(dir, 'small.jsonl');
  const smallHtml = join(dir, 'small.html');
  await writeLargeTrace(smallTrace, 50, 1000);
  writeFileSync(smallHtml, reportFromTraceFile(smallTrace));
  const chromium = findChromium();
  if (!('path' in chromium)) throw new Error(chromium.missing);
  const browser = await launchChromium(chromium.path);
  const results: Record<string, number>[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    writeFileSync(html, reportFromTraceFile(trace));
    const reduceMs = performance.now() - t0;
    const small = await browser.context.newPage();
    const ts = performance.now();
    await small.goto(`file://${smallHtml}`);
    await small.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const smallOpenMs = performance.now() - ts;
    await small.close();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const t1 = performance.now();
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const openMs = performance.now() - t1;
    const inPage = (await page.evaluate('window.kubesimReport.timings')) as Record<string, number>;
    // Cursor: 20 moves, each until the side panel shows the new time (state of 5000 nodes, 10k pods).
    const cursorMs = (await page.evaluate(`(async () => {
      const times = [];
      for (let i = 1; i <= 20; i++) {
        const t0 = performance.now();
        window.kubesimReport.setCursor(i * 170000);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[10];
    })()`)) as number;
    // Log: 50 scroll steps through the virtualised rows, each to the next painted frame.
    const scrollMs = (await page.evaluate(`(async () => {
      const view = document.getElementById('log-view');
      const times = [];
      for (let i = 1; i <= 50; i++) {
        const t0 = performance.now();
        view.scrollTop = i * 37 * 18 * 40;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[25];
    })()`)) as number;
    const t2 = performance.now();
    await page.fill('#log-text', 'node-4242');
    await page.waitForFunction(`document.getElementById('log-count').textContent !== '${written} of ${written} events'`, undefined, { timeout: 60_000 });
    const filterMs = performance.now() - t2;
    if (errors.length > 0) throw new Error(errors.join('; '));
    await page.close();
    const result = { run: r + 1, nodes, lines: written, htmlMiB: +(statSync(html).size / 2 ** 20).toFixed(1), reduceMs: Math.round(reduceMs), openMs: Math.round(openMs), smallOpenMs: Math.round(smallOpenMs), ...Object.fromEntries(Object.entries(inPage).map(([k, v]) => [`page.${k}`, Math.round(v)])), cursorMoveMedianMs: Math.round(cursorMs), logScrollFrameMedianMs: Math.round(scrollMs), filterMs: Math.round(filterMs) };
    results.push(result);
    console.log(JSON.stringify(result));
  }
  await browser.close();
  const keys = ['reduceMs', 'openMs', 'smallOpenMs', 'cursorMoveMedianMs', 'logScrollFrameMedianMs', 'filterMs'];
  console.log(JSON.stringify({ median: Object.fromEntries(keys.map((k) => [k, median(results.map((x) => x[k]!))])), runs, nodes, lines: written }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
