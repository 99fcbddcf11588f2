import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** One line of the trace: virtual time, line number, kind, and the kind's own fields. */
export interface TraceEvent {
  t: number;
  seq: number;
  kind: string;
  [field: string]: unknown;
}

export type TraceListener = (event: TraceEvent) => void;

/**
 * Records the run as canonical JSON lines and hashes them as they come (SHA-256), so the
 * fingerprint costs no second pass and lines need not be kept unless asked for.
 */
export class TraceRecorder {
  private readonly hash: Hash = createHash('sha256');
  private nextSeq = 0;
  private readonly lines: string[] | null;
  private readonly listeners: TraceListener[] = [];
  private fingerprintHex: string | null = null;

  constructor(
    private readonly now: () => number,
    options: { keepLines?: boolean } = {},
  ) {
    this.lines = options.keepLines ? [] : null;
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
    const line = canonicalJson(event);
    this.hash.update(line);
    this.hash.update('\n');
    if (this.lines) this.lines.push(line);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** The trace's lines so far (only when created with keepLines). */
  getLines(): readonly string[] {
    return this.lines ?? [];
  }

  /** SHA-256 of every line recorded, each followed by a newline. Ends the recording. */
  fingerprint(): string {
    if (this.fingerprintHex === null) this.fingerprintHex = this.hash.digest('hex');
    return this.fingerprintHex;
  }
}
