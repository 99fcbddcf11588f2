/**
 * The report page: one self-contained HTML file. The script (page-script.js, plain browser
 * JavaScript drawing SVG, no library) and the style (page-style.css) are read from this folder
 * and inlined, and the reduced data is embedded as JSON: the page needs no network to open.
 */
import { readFileSync } from 'node:fs';
import type { ReportData } from './reduce.ts';

const here = new URL('.', import.meta.url);
let assets: { script: string; style: string } | undefined;

function pageAssets(): { script: string; style: string } {
  assets ??= { script: readFileSync(new URL('page-script.js', here), 'utf8'), style: readFileSync(new URL('page-style.css', here), 'utf8') };
  return assets;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderReportPage(data: ReportData): string {
  const { script, style } = pageAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(data.title)}</h1>
  <div class="controls">
    <button id="play" type="button" title="play (space)">▶ play</button>
    <input id="cursor" type="range" min="0" max="${data.durationMs}" step="1" value="0" aria-label="virtual time">
    <span id="cursor-time">0.000s</span>
  </div>
</header>
<main>
  <section id="timeline" aria-label="timeline"></section>
  <aside id="state" aria-label="the cluster at the cursor"></aside>
  <section id="log" aria-label="event log">
    <div class="log-filters">
      <select id="log-component" aria-label="component"><option value="">all components</option></select>
      <select id="log-kind" aria-label="kind"><option value="">all kinds</option></select>
      <input id="log-text" type="search" placeholder="filter text" aria-label="text">
      <span id="log-count"></span>
    </div>
    <div id="log-view"><div id="log-spacer"></div><div id="log-rows"></div></div>
  </section>
</main>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

export interface IndexEntry {
  seed: string;
  ok: boolean;
  summary: string;
  fingerprint: string;
  /** The seed's page, relative to the index; absent when none was written (it held). */
  page?: string;
}

/** `--seeds … --report DIR/`: every seed with its outcome, failing ones linking to their page. */
export function renderIndexPage(title: string, entries: readonly IndexEntry[]): string {
  const { style } = pageAssets();
  const passed = entries.filter((e) => e.ok).length;
  const rows = entries
    .map(
      (e) =>
        `<tr class="${e.ok ? 'ok' : 'fail'}"><td>${escapeHtml(e.seed)}</td><td>${e.ok ? 'ok' : 'FAIL'}</td><td>${e.page ? `<a href="${escapeHtml(e.page)}">${escapeHtml(e.summary || 'report')}</a>` : escapeHtml(e.summary || '-')}</td><td><code>${escapeHtml(e.fingerprint.slice(0, 16))}</code></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head>
<body class="index">
<h1>${escapeHtml(title)}</h1>
<p>${passed}/${entries.length} seeds hold.</p>
<table id="seeds"><thead><tr><th>seed</th><th>outcome</th><th>what failed</th><th>fingerprint</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body>
</html>
`;
}
