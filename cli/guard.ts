/**
 * What keeps the `kubesim` command from crashing or hanging on what a user gives it, beyond the
 * scenario loader: bad input outside a scenario (trace files, output paths), the trace written
 * as the run goes, memory watched during a run, and the one-line report of anything else.
 *
 * The CLI may use real resources (files, the heap statistics); code under actors/ may not.
 *
 * Exit codes: 0 ok, 1 an expectation or invariant failed, 2 bad input or a limit reached
 * (memory, stack), 70 a kubesim bug (an unexpected exception; KUBESIM_DEBUG=1 prints its stack).
 */

import { closeSync, fstatSync, openSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { canonicalJson } from '../actors/kernel/canonical-json.ts';
import type { TraceEvent } from '../actors/kernel/trace.ts';

export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** EX_SOFTWARE (sysexits.h): an internal error. */
export const EXIT_BUG = 70;

/** Bad input outside a scenario file, or a limit reached: its message is the whole report (one line, no stack). */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(message: string) {
    super(message);
    this.stack = message;
  }
}

// ---------------------------------------------------------------------------------------------
// Memory

/** The run loop looks at the heap every this many events (a call costs about a microsecond; an event, several). */
export const HEAP_CHECK_EVERY_EVENTS = 100;
/** A run stops when the used heap passes this share of V8's limit, before V8 aborts the process. */
export const HEAP_STOP_FRACTION = 0.85;

const MIB = 1024 * 1024;

/**
 * Undefined while the heap has room; otherwise what happened and which limit to raise. The room
 * is HEAP_STOP_FRACTION of V8's heap limit, or KUBESIM_MAX_HEAP_MB (MiB) when that is set and
 * lower (to keep a run within a memory budget; tests use it too).
 */
export function heapExhausted(smaller = 'make the scenario smaller (shorter spec.duration, fewer nodes or pods)'): string | undefined {
  const h = getHeapStatistics();
  const cap = Number(process.env.KUBESIM_MAX_HEAP_MB);
  const capped = Number.isFinite(cap) && cap > 0 && cap * MIB < h.heap_size_limit * HEAP_STOP_FRACTION;
  const room = capped ? cap * MIB : h.heap_size_limit * HEAP_STOP_FRACTION;
  if (h.used_heap_size <= room) return undefined;
  const used = Math.round(h.used_heap_size / MIB);
  if (capped) {
    return `the JavaScript heap passed KUBESIM_MAX_HEAP_MB (${used} MiB used, the limit is ${cap} MiB). Fix: raise KUBESIM_MAX_HEAP_MB, or ${smaller}`;
  }
  const limit = Math.round(h.heap_size_limit / MIB);
  return `the JavaScript heap is nearly full (${used} MiB used of ${limit} MiB). Fix: give Node more memory, like NODE_OPTIONS=--max-old-space-size=${Math.max(2 * limit, 4096)}, or ${smaller}`;
}

/** Counts calls and checks the heap every HEAP_CHECK_EVERY_EVENTS of them. */
export class HeapWatch {
  private calls = 0;
  /** Set once the heap was found nearly full. */
  exhausted: string | undefined;

  /** `smaller`: how to make the input smaller, for the message. */
  constructor(private readonly smaller?: string) {}

  tick(): string | undefined {
    if (this.exhausted === undefined && ++this.calls % HEAP_CHECK_EVERY_EVENTS === 0) this.exhausted = heapExhausted(this.smaller);
    return this.exhausted;
  }
}

// ---------------------------------------------------------------------------------------------
// The trace file

/**
 * The trace file of `run --trace`, opened before the run (so that a missing folder, a folder, or
 * an unwritable path is reported before any work) and written line by line as the run goes, in
 * chunks: memory stays flat however long the run. A write error is kept in `failed` and ends the
 * run (see the runner's onEvent), never thrown from inside an actor.
 */
export class TraceFile {
  private readonly fd: number;
  /** Only a regular file is removed by discard (never a device like /dev/null). */
  private readonly regular: boolean;
  private chunk: string[] = [];
  private chunkChars = 0;
  private closed = false;
  /** The first write error, as a sentence. */
  failed: string | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    this.regular = fstatSync(fd).isFile();
  }

  /** Opens (creates or truncates) `path` for writing; an InputError says why it cannot be. */
  static open(path: string, scenarioFile: string): TraceFile {
    if (path.trim() === '') throw new InputError('--trace needs a file name. Fix: write --trace out.jsonl.');
    if (sameFile(path, scenarioFile)) {
      throw new InputError(`${path}: --trace names the scenario file itself, which the trace would overwrite. Fix: write the trace to another file, like --trace out.jsonl.`);
    }
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      // A pipe would block the open until a reader comes, or the run on a slow one.
      if (st && (st.isFIFO() || st.isSocket())) throw new InputError(`${path}: cannot write the trace: it is a pipe or a socket. Fix: give a regular file.`);
      return new TraceFile(path, openSync(path, 'w', 0o644));
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${path}: cannot write the trace: ${writeProblem(err)}`);
    }
  }

  write(event: TraceEvent): void {
    if (this.failed !== undefined || this.closed) return;
    const line = `${canonicalJson(event)}\n`;
    this.chunk.push(line);
    this.chunkChars += line.length;
    if (this.chunkChars >= MIB) this.flush();
  }

  /** Writes what is buffered, then closes the file; a failure lands in `failed`. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch (err) {
      this.failed ??= writeProblem(err);
    }
  }

  /** Closes and removes the file: a run that did not finish leaves no partial trace behind. */
  discard(): void {
    this.chunk = [];
    this.chunkChars = 0;
    this.close();
    if (!this.regular) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone, or not removable: nothing more to do
    }
  }

  private flush(): void {
    if (this.failed !== undefined || this.chunk.length === 0) return;
    const data = Buffer.from(this.chunk.join(''), 'utf8');
    this.chunk = [];
    this.chunkChars = 0;
    try {
      let offset = 0;
      while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
    } catch (err) {
      this.failed = writeProblem(err);
    }
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Why a file cannot be written, and how to fix it. */
function writeProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist. Fix: create the folder first, or write the trace elsewhere.';
    case 'ENOTDIR':
      return 'a part of the path is not a folder. Fix: check the path.';
    case 'EISDIR':
      return 'it is a folder. Fix: give a file name, like --trace out.jsonl.';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'permission denied. Fix: write the trace to a folder you can write to.';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device. Fix: free some space, or write the trace elsewhere.';
    case 'EFBIG':
      return 'the file grew larger than this system allows. Fix: write the trace elsewhere, or shorten the run.';
    default: {
      const text = typeof code === 'string' ? code : err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
      return `${text}. Fix: check the path.`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unexpected errors

/** A RangeError that means a resource of the process ran out, with the limit to raise. */
export function resourceLimit(err: unknown): string | undefined {
  if (!(err instanceof RangeError)) return undefined;
  const message = err.message.split('\n')[0] ?? '';
  if (/Maximum call stack size exceeded/i.test(message)) {
    return `kubesim ran out of stack space (${message}): the input nests too deeply, or is too large, for the stack. Fix: simplify the input, or raise the limit with NODE_OPTIONS=--stack-size=4000; if the input is small, this is a kubesim bug, please report it.`;
  }
  if (/Invalid string length|Invalid array length|maximum size exceeded|allocation failed/i.test(message)) {
    return `kubesim ran out of memory (${message}). Fix: make the scenario or trace smaller (shorter spec.duration, fewer nodes or pods), or give Node more memory with NODE_OPTIONS=--max-old-space-size=8192.`;
  }
  return undefined;
}

/**
 * How the command ends on an exception: bad input and limits are one line and exit 2; anything
 * else is a kubesim bug, one line and exit 70 (the stack only with KUBESIM_DEBUG=1). `known`
 * tells the loader's and the trace reader's own errors (their message is the whole report).
 */
export function reportError(err: unknown, context: string, known: (err: unknown) => string | undefined): { text: string; code: number } {
  const text = err instanceof InputError ? err.message : known(err);
  if (text !== undefined) return { text, code: EXIT_BAD_INPUT };
  const limit = resourceLimit(err);
  if (limit !== undefined) return { text: limit, code: EXIT_BAD_INPUT };
  return { text: reportBug(err, context), code: EXIT_BUG };
}

/** The exit code of a run that ended, and a line for stderr when it is a bug (a component died of an internal error). */
export function runEnd(result: { ok: boolean; status: string; stopReason: string | null }): { code: number; text?: string } {
  if (result.ok) return { code: 0 };
  if (result.status === 'stopped' && result.stopReason !== null && /^internal error in /.test(result.stopReason)) {
    return { code: EXIT_BUG, text: `kubesim: the run stopped on an ${result.stopReason.split('\n')[0] ?? ''}. This is a kubesim bug, please report it with the command and its input files.` };
  }
  return { code: EXIT_FAILED };
}

/** The one-line report of an unexpected exception; its stack only with KUBESIM_DEBUG=1. */
export function reportBug(err: unknown, context: string): string {
  const what = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0] ?? ''}` : String(err).split('\n')[0];
  const lines = [`kubesim: internal error${context ? ` while ${context}` : ''}: ${what}. This is a kubesim bug, please report it with the command and its input files (KUBESIM_DEBUG=1 prints the stack).`];
  if (process.env.KUBESIM_DEBUG === '1' && err instanceof Error && err.stack) lines.push(err.stack);
  return lines.join('\n');
}
