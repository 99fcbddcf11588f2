import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { hashLanes, hashValue } from './value-hash.ts';

/** One line of the trace: virtual time, line number, kind, and the kind's own fields. */
export interface TraceEvent {
  t: number;
  seq: number;
  kind: string;
  [field: string]: unknown;
}

export type TraceListener = (event: TraceEvent) => void;

/**
 * How much of the trace a run keeps and prints (`kubesim run --trace-level`). A level decides
 * which lines are kept (in memory, in the trace file) and printed, never which are fingerprinted:
 * every line is hashed at every level, so a run's fingerprint does not depend on it.
 * - summary: only the lines that tell the run's story — faults, leadership changes, expectation
 *   verdicts, invariant violations;
 * - normal: every line is kept; the timeline prints the lines it has words for (the default);
 * - debug: as normal, and the timeline also prints every other line, as its JSON.
 */
export const TRACE_LEVELS = ['summary', 'normal', 'debug'] as const;
export type TraceLevel = (typeof TRACE_LEVELS)[number];

const SUMMARY_KINDS: ReadonlySet<string> = new Set(['fault', 'raft.role', 'k8s.leader', 'expect', 'invariant']);

/** Whether a line of this kind is kept (and printed) at `level`. */
export function traceLineKept(level: TraceLevel, kind: string): boolean {
  return level !== 'summary' || SUMMARY_KINDS.has(kind);
}

/** Line hashes buffered before they are fed to SHA-256 (8 bytes a line). */
const HASH_BUFFER_BYTES = 64 * 1024;

/** SHA-256 over the 64-bit structural hashes (value-hash.ts) of a sequence of lines, in order. */
export class LineFingerprint {
  private readonly hash: Hash = createHash('sha256');
  private readonly pending = new DataView(new ArrayBuffer(HASH_BUFFER_BYTES));
  private pendingBytes = 0;

  add(line: unknown): void {
    hashValue(line);
    const pending = this.pending;
    pending.setInt32(this.pendingBytes, hashLanes.a);
    pending.setInt32(this.pendingBytes + 4, hashLanes.b);
    this.pendingBytes += 8;
    if (this.pendingBytes === HASH_BUFFER_BYTES) this.flush();
  }

  /** 64 hex digits. Ends this fingerprint. */
  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    this.hash.update(new Uint8Array(this.pending.buffer, 0, this.pendingBytes));
    this.pendingBytes = 0;
  }
}

/** The fingerprint of trace lines read back (a trace file's parsed lines): the run's, when every line is there. */
export function fingerprintOfLines(lines: Iterable<unknown>): string {
  const fp = new LineFingerprint();
  for (const line of lines) fp.add(line);
  return fp.digest();
}

/**
 * Records the run and fingerprints it as it goes. The fingerprint covers every line — the whole
 * deterministic event stream — without writing it out: each line (`{t, seq, kind, ...fields}`)
 * gets a 64-bit structural hash of its value (value-hash.ts; the same for any two lines with the
 * same canonical JSON), and the fingerprint is SHA-256 over those hashes in line order. Canonical
 * JSON lines are built only when they are kept (`keepLines`, for a trace file or a test).
 * Building and hashing a JSON string per line cost about 12% of a cluster run.
 */
export class TraceRecorder {
  private readonly hash = new LineFingerprint();
  private nextSeq = 0;
  private readonly lines: string[] | null;
  private readonly level: TraceLevel;
  private readonly listeners: TraceListener[] = [];
  private fingerprintHex: string | null = null;

  constructor(
    private readonly now: () => number,
    options: { keepLines?: boolean; level?: TraceLevel } = {},
  ) {
    this.lines = options.keepLines ? [] : null;
    this.level = options.level ?? 'normal';
  }

  get count(): number {
    return this.nextSeq;
  }

  /** Adds a listener that sees every event as it is recorded (checkers, the live timeline). */
  subscribe(listener: TraceListener): void {
    this.listeners.push(listener);
  }

  record(kind: string, fields: Record<string, unknown>): TraceEvent {
    if (this.fingerprintHex !== null) throw new Error('trace: record after the fingerprint was taken');
    const event: TraceEvent = { ...fields, t: this.now(), seq: this.nextSeq++, kind };
    this.hash.add(event);
    if (this.lines && traceLineKept(this.level, kind)) this.lines.push(canonicalJson(event));
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The trace's lines so far that its level keeps (only when created with keepLines). */
  getLines(): readonly string[] {
    return this.lines ?? [];
  }

  /** SHA-256 over the 64-bit hashes of every line recorded, in order (64 hex digits). Ends the recording. */
  fingerprint(): string {
    if (this.fingerprintHex === null) this.fingerprintHex = this.hash.digest();
    return this.fingerprintHex;
  }
}
