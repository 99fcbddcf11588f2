/**
 * etcd's watch guarantees, checked on the stream one watcher saw (etcd api_guarantees "Watch APIs";
 * the predicates of etcd's robustness tests, tests/robustness/validate/watch.go):
 *
 * - unique: no event (revision, key) is delivered twice (etcd #17247 broke it);
 * - time-travel: no event older than a revision the watcher already saw — a progress notification
 *   ("everything up to R was sent"), or the last event before a reconnect (etcd #15271: a watch
 *   resumed on a member that missed the partition's writes served old revisions);
 * - ordered: revisions never decrease along the stream; the events of one txn share a revision;
 * - resumable: after a (re)connect from start revision S, the first event is at or after S, and
 *   nothing of the watched range between S and it is missing;
 * - atomic: all the events of one revision come in one delivery, and (with the writes history)
 *   every write of the watched range at that revision is among them;
 * - reliable: (with the writes history) no write of the watched range is skipped between two
 *   events, or below a progress notification.
 *
 * Pure: (writes history, stream) -> violations, the first per guarantee, each naming the offending
 * stream item. Without a writes history, atomic checks only splits and reliable/resumable only
 * what the stream says about itself.
 */

export type WatchGuarantee = 'unique' | 'time-travel' | 'ordered' | 'resumable' | 'atomic' | 'reliable';

/** One event as the watcher received it. */
export interface WatchedEvent {
  revision: number;
  key: string;
  type: 'put' | 'delete';
}

/** One write to the store: what a watcher of its key should receive. */
export interface WriteRecord {
  revision: number;
  key: string;
  type: 'put' | 'delete';
}

export interface WatchRange {
  key: string;
  /** When true, `key` is a prefix (every key starting with it). */
  prefix?: boolean;
}

/**
 * What the watcher saw, in order. `start` opens the watch; `resume` is a reconnect of the same watch
 * (a new stream after a lost one); `startRevision` 0 means "from the serving member's current
 * revision" (no claim about what came before).
 */
export type WatchItem =
  | { kind: 'start'; startRevision: number; at?: number }
  | { kind: 'resume'; startRevision: number; at?: number }
  | { kind: 'events'; events: WatchedEvent[]; at?: number }
  | { kind: 'progress'; revision: number; at?: number };

export interface WatchViolation {
  guarantee: WatchGuarantee;
  /** Index in the stream of the offending item, and of the event within it (-1: the item itself). */
  item: number;
  event: number;
  /** The offending item's `at` (a trace seq or time), when it has one. */
  at?: number;
  detail: string;
}

export interface WatchCheckInput {
  range: WatchRange;
  stream: readonly WatchItem[];
  /**
   * Every write to the store that is known for certain, in any order (for reliable/atomic). Omit
   * when unknown. Writes outside `range` are ignored.
   */
  writes?: readonly WriteRecord[];
}

const inRange = (range: WatchRange, key: string): boolean => (range.prefix ? key.startsWith(range.key) : key === range.key);
const eventName = (e: WatchedEvent): string => `${e.type} ${e.key} @rev ${e.revision}`;

/** Checks one watcher's stream; returns the first violation of each guarantee, in stream order. */
export function checkWatch(input: WatchCheckInput): WatchViolation[] {
  const { range, stream } = input;
  const writes = input.writes ? input.writes.filter((w) => inRange(range, w.key)).sort((a, b) => a.revision - b.revision || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : null;
  const found = new Map<WatchGuarantee, WatchViolation>();
  const report = (guarantee: WatchGuarantee, item: number, event: number, detail: string): void => {
    if (found.has(guarantee)) return;
    const at = stream[item]?.at;
    found.set(guarantee, { guarantee, item, event, ...(at !== undefined && { at }), detail });
  };

  const delivered = new Set<string>();
  /** Revision -> the item that delivered it (to detect a revision split across deliveries). */
  const revisionItem = new Map<number, number>();
  let lastEventRevision = 0;
  /** Highest revision the watcher has been told is complete (progress notifications). */
  let progressRevision = 0;
  /** The last event revision before the current stream segment began (a resume). */
  let beforeSegment = 0;
  /** The current segment's start revision (0 = from now), and whether it has delivered an event yet. */
  let segmentStart = 0;
  let segmentIsResume = false;
  let segmentHasEvents = false;
  /** Every write below this revision should have been delivered (null: not known yet). */
  let position: number | null = null;

  /**
   * Gaps are judged at the end: a write missing when a later one arrives may still come (then the
   * stream broke `ordered`, not `reliable`), so only writes never delivered at all count.
   */
  const gaps: { guarantee: WatchGuarantee; item: number; event: number; writes: WriteRecord[]; text: (missing: string) => string }[] = [];
  const gap = (guarantee: WatchGuarantee, item: number, event: number, writes: WriteRecord[], text: (missing: string) => string): void => {
    if (writes.length > 0) gaps.push({ guarantee, item, event, writes, text });
  };

  /** The writes in [from, to) that were not delivered. */
  const missed = (from: number, to: number): WriteRecord[] => {
    if (writes === null) return [];
    return writes.filter((w) => w.revision >= from && w.revision < to && !delivered.has(`${w.revision}\u0000${w.key}`));
  };

  stream.forEach((item, i) => {
    switch (item.kind) {
      case 'start':
      case 'resume': {
        if (item.kind === 'resume') beforeSegment = Math.max(beforeSegment, lastEventRevision);
        segmentStart = item.startRevision;
        segmentIsResume = item.kind === 'resume';
        segmentHasEvents = false;
        if (item.startRevision > 0) {
          if (position === null) position = item.startRevision;
          else if (item.startRevision > position) {
            gap('resumable', i, -1, missed(position, item.startRevision), (m) => `resumed from revision ${item.startRevision}, but ${m} below it had not been delivered`);
          }
        }
        break;
      }
      case 'progress': {
        if (item.revision < progressRevision) {
          report('time-travel', i, -1, `progress notification at revision ${item.revision} after one at ${progressRevision}`);
        }
        if (position !== null) {
          gap('reliable', i, -1, missed(position, item.revision + 1), (m) => `progress notification says everything up to revision ${item.revision} was sent, but ${m} never arrived`);
        }
        progressRevision = Math.max(progressRevision, item.revision);
        position = Math.max(position ?? 0, item.revision + 1);
        break;
      }
      case 'events': {
        const revisionsHere = new Map<number, Set<string>>();
        item.events.forEach((e, j) => {
          const id = `${e.revision}\u0000${e.key}`;
          if (delivered.has(id)) {
            report('unique', i, j, `${eventName(e)} was delivered a second time`);
            return;
          }
          if (e.revision <= progressRevision || e.revision < beforeSegment) {
            const seen = e.revision <= progressRevision ? `a progress notification at revision ${progressRevision}` : `revision ${beforeSegment} before the reconnect`;
            report('time-travel', i, j, `${eventName(e)} arrived after the watcher had already seen ${seen}`);
          } else if (e.revision < lastEventRevision) {
            report('ordered', i, j, `${eventName(e)} arrived after an event at revision ${lastEventRevision}`);
          } else if (segmentStart > 0 && e.revision < segmentStart) {
            report('resumable', i, j, `${eventName(e)} arrived on a stream ${segmentIsResume ? 'resumed' : 'started'} from revision ${segmentStart}`);
          } else {
            const earlier = revisionItem.get(e.revision);
            if (earlier !== undefined && earlier !== i) report('atomic', i, j, `${eventName(e)} came in a later delivery than other events of revision ${e.revision} (item ${earlier})`);
            if (position !== null && !revisionsHere.has(e.revision) && e.revision >= position) {
              const guarantee: WatchGuarantee = segmentIsResume && !segmentHasEvents ? 'resumable' : 'reliable';
              gap(guarantee, i, j, missed(position, e.revision), (m) => `${eventName(e)} arrived, but ${m} before it never did`);
            }
          }
          delivered.add(id);
          if (!revisionItem.has(e.revision)) revisionItem.set(e.revision, i);
          let keys = revisionsHere.get(e.revision);
          if (!keys) revisionsHere.set(e.revision, (keys = new Set()));
          keys.add(e.key);
          lastEventRevision = Math.max(lastEventRevision, e.revision);
          segmentHasEvents = true;
          position = Math.max(position ?? 0, e.revision + 1);
        });
        if (writes !== null) {
          for (const [revision, keys] of [...revisionsHere].sort((a, b) => a[0] - b[0])) {
            const absent = writes.filter((w) => w.revision === revision && !keys.has(w.key) && !delivered.has(`${w.revision}\u0000${w.key}`));
            if (absent.length > 0) report('atomic', i, -1, `revision ${revision} was delivered without ${describeWrites(absent)}`);
          }
        }
        break;
      }
    }
  });
  for (const g of gaps) {
    const never = g.writes.filter((w) => !delivered.has(`${w.revision}\u0000${w.key}`));
    if (never.length > 0) report(g.guarantee, g.item, g.event, g.text(describeWrites(never)));
  }
  return [...found.values()].sort((a, b) => a.item - b.item || a.event - b.event);
}

function describeWrites(ws: readonly WriteRecord[]): string {
  const shown = ws.slice(0, 3).map((w) => `${w.type} ${w.key} @rev ${w.revision}`).join(', ');
  return ws.length > 3 ? `${shown} and ${ws.length - 3} more` : shown;
}
