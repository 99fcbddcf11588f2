/**
 * `kubesim report TRACE.jsonl [-o report.html]`, `kubesim run FILE --report FILE.html` and the
 * per-seed pages of `run --seeds … --report DIR/`: the trace reduced (reduce.ts) and drawn in one
 * self-contained HTML page (page.ts).
 */
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TraceFileError } from '../../actors/checks/index.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { createReportReducer, reduceTrace, type ReduceOptions } from './reduce.ts';
import { renderReportPage } from './page.ts';

export { createReportReducer, reduceTrace } from './reduce.ts';
export { renderIndexPage, renderReportPage } from './page.ts';

/** The page of a trace file's lines. */
export function reportFromTraceFile(traceFile: string, options: ReduceOptions = {}): string {
  return renderReportPage(reduceTrace(readTraceLines(traceFile), { title: `kubesim report: ${traceFile}`, ...options }));
}

/**
 * A trace file's lines, read a megabyte at a time. Unlike `kubesim check`'s reader it accepts
 * gaps in `seq`: a trace written at `--trace-level summary` keeps only some lines, and its report
 * draws what is there.
 */
export function* readTraceLines(path: string): Generator<TraceEvent> {
  const cannot = (line: number, why: string): TraceFileError => new TraceFileError(path, line, `cannot read the trace: ${why}.`);
  let fd: number;
  try {
    if (!statSync(path).isFile()) throw cannot(0, 'it is not a file');
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof TraceFileError) throw err;
    const code = (err as { code?: unknown }).code;
    throw cannot(0, code === 'ENOENT' ? 'no such file. Fix: check the path, or write one with kubesim run <scenario> --trace <file>' : String(code ?? err));
  }
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    const decoder = new TextDecoder('utf-8');
    let pending = '';
    let lineNo = 0;
    const parse = (text: string): TraceEvent | undefined => {
      lineNo++;
      if (text.trim() === '') return undefined;
      let e: unknown;
      try {
        e = JSON.parse(text);
      } catch {
        throw cannot(lineNo, 'not a JSON line. Fix: give a trace written by kubesim run --trace');
      }
      const ev = e as Partial<TraceEvent> | null;
      if (!ev || typeof ev !== 'object' || typeof ev.t !== 'number' || typeof ev.seq !== 'number' || typeof ev.kind !== 'string') throw cannot(lineNo, 'a line without t, seq and kind. Fix: give a trace written by kubesim run --trace');
      return ev as TraceEvent;
    };
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      pending += decoder.decode(buf.subarray(0, n), { stream: n > 0 });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const e = parse(line);
        if (e) yield e;
      }
      if (n === 0) break;
    }
    const last = parse(pending);
    if (last) yield last;
  } finally {
    closeSync(fd);
  }
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
