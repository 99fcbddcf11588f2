/**
 * `kubesim report TRACE.jsonl [-o report.html]`, `kubesim run FILE --report FILE.html` and the
 * per-seed pages of `run --seeds … --report DIR/`: the trace reduced (reduce.ts) and drawn in one
 * self-contained HTML page (page.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readTraceFile } from '../../actors/checks/index.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { createReportReducer, reduceTrace, type ReduceOptions } from './reduce.ts';
import { renderReportPage } from './page.ts';

export { createReportReducer, reduceTrace } from './reduce.ts';
export { renderIndexPage, renderReportPage } from './page.ts';

/** The page of a trace file's lines. */
export function reportFromTraceFile(traceFile: string, options: ReduceOptions = {}): string {
  return renderReportPage(reduceTrace(readTraceFile(traceFile), { title: `kubesim report: ${traceFile}`, ...options }));
}

/** Writes a page, making its folder when missing. */
export function writePage(path: string, html: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
}

/** Reduces a run's lines as they are recorded; `page()` at the end of the run. */
export class RunReport {
  private readonly reducer: ReturnType<typeof createReportReducer>;

  constructor(title: string) {
    this.reducer = createReportReducer({ title });
  }

  readonly add = (e: TraceEvent): void => this.reducer.add(e);

  page(durationMs: number): string {
    return renderReportPage(this.reducer.finish(durationMs));
  }
}
