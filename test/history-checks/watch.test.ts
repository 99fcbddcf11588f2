/**
 * The watch-guarantee checker on hand-made streams: a correct stream (with a reconnect and
 * progress notifications) is accepted; each bad stream breaks exactly the guarantee it targets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWatch, type WatchItem, type WatchedEvent, type WriteRecord } from '../../actors/checks/history/index.ts';

const range = { key: '/r/', prefix: true };
const ev = (revision: number, key: string, type: 'put' | 'delete' = 'put'): WatchedEvent => ({ revision, key, type });
const events = (...es: WatchedEvent[]): WatchItem => ({ kind: 'events', events: es });

/** Writes at revisions 2..7; revision 5 is one txn writing two keys; /other is outside the range. */
const writes: WriteRecord[] = [
  { revision: 2, key: '/r/a', type: 'put' },
  { revision: 3, key: '/r/b', type: 'put' },
  { revision: 4, key: '/other', type: 'put' },
  { revision: 5, key: '/r/a', type: 'put' },
  { revision: 5, key: '/r/c', type: 'put' },
  { revision: 6, key: '/r/b', type: 'delete' },
  { revision: 7, key: '/r/a', type: 'put' },
];

/** What a correct watcher from revision 2 sees: a reconnect after revision 3, resumed from 4. */
const good: WatchItem[] = [
  { kind: 'start', startRevision: 2 },
  events(ev(2, '/r/a'), ev(3, '/r/b')),
  { kind: 'progress', revision: 4 },
  { kind: 'resume', startRevision: 5 },
  events(ev(5, '/r/a'), ev(5, '/r/c')),
  events(ev(6, '/r/b', 'delete')),
  events(ev(7, '/r/a')),
];

const guarantees = (stream: WatchItem[], withWrites = true): string[] => checkWatch({ range, stream, ...(withWrites && { writes }) }).map((v) => v.guarantee);

describe('watch guarantees', () => {
  it('accepts a correct stream, with and without the writes history', () => {
    assert.deepEqual(checkWatch({ range, stream: good, writes }), []);
    assert.deepEqual(checkWatch({ range, stream: good }), []);
  });

  it('rejects time travel after a heal: an event older than what was seen before the reconnect', () => {
    // etcd #15271's shape: the watcher reached revision 6, the stream broke during a partition,
    // and the member it resumed on (behind, just healed) sent revision 3 again under another key.
    const stream: WatchItem[] = [
      { kind: 'start', startRevision: 2 },
      events(ev(2, '/r/a'), ev(3, '/r/b')),
      events(ev(5, '/r/a'), ev(5, '/r/c')),
      events(ev(6, '/r/b', 'delete')),
      { kind: 'resume', startRevision: 7 },
      events(ev(4, '/r/x')),
    ];
    const vs = checkWatch({ range, stream });
    assert.equal(vs.length, 1);
    assert.equal(vs[0]!.guarantee, 'time-travel');
    assert.equal(vs[0]!.item, 5);
    assert.match(vs[0]!.detail, /put \/r\/x @rev 4 arrived after the watcher had already seen revision 6/);
  });

  it('rejects time travel below a progress notification', () => {
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a')), { kind: 'progress', revision: 5 }, events(ev(4, '/r/z'))];
    assert.deepEqual(guarantees(stream, false), ['time-travel']);
  });

  it('rejects a gap: a write of the watched range skipped between two events', () => {
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a')), events(ev(5, '/r/a'), ev(5, '/r/c')), events(ev(6, '/r/b', 'delete')), events(ev(7, '/r/a'))];
    const vs = checkWatch({ range, stream, writes });
    assert.deepEqual(vs.map((v) => v.guarantee), ['reliable']);
    assert.match(vs[0]!.detail, /put \/r\/b @rev 3 before it never did/);
    // Without the writes history the gap cannot be seen: the stream alone is consistent.
    assert.deepEqual(guarantees(stream, false), []);
  });

  it('rejects a gap hidden behind a progress notification', () => {
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a')), { kind: 'progress', revision: 4 }];
    assert.deepEqual(guarantees(stream), ['reliable']);
  });

  it('rejects a duplicate event', () => {
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a'), ev(3, '/r/b')), events(ev(3, '/r/b'))];
    const vs = checkWatch({ range, stream, writes });
    assert.deepEqual(vs.map((v) => [v.guarantee, v.item, v.event]), [['unique', 2, 0]]);
  });

  it('rejects a reordered stream', () => {
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(3, '/r/b'), ev(2, '/r/a'))];
    const vs = checkWatch({ range, stream, writes });
    // Only ordered: revision 2 did arrive, so jumping to 3 first is not also a gap.
    assert.deepEqual(vs.map((v) => [v.guarantee, v.item, v.event]), [['ordered', 1, 1]]);
    const acrossDeliveries: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(3, '/r/b')), events(ev(2, '/r/a'))];
    assert.deepEqual(guarantees(acrossDeliveries), ['ordered']);
  });

  it('rejects a revision split across deliveries, or delivered without one of its writes', () => {
    const split: WatchItem[] = [{ kind: 'start', startRevision: 5 }, events(ev(5, '/r/a')), events(ev(5, '/r/c'))];
    assert.ok(guarantees(split, false).includes('atomic'));
    const partial: WatchItem[] = [{ kind: 'start', startRevision: 5 }, events(ev(5, '/r/a'), ev(6, '/r/b', 'delete'))];
    const vs = checkWatch({ range, stream: partial, writes });
    assert.deepEqual(vs.map((v) => v.guarantee), ['atomic']);
    assert.match(vs[0]!.detail, /revision 5 was delivered without put \/r\/c @rev 5/);
  });

  it('rejects a resume that starts after its start revision, or skips what lies between', () => {
    const early: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a')), { kind: 'resume', startRevision: 5 }, events(ev(4, '/r/q'))];
    // 4 is newer than anything seen (2) but below the resume's start revision 5.
    assert.deepEqual(guarantees(early, false), ['resumable']);
    const skipped: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a'), ev(3, '/r/b')), { kind: 'resume', startRevision: 4 }, events(ev(6, '/r/b', 'delete'))];
    const vs = checkWatch({ range, stream: skipped, writes });
    assert.deepEqual(vs.map((v) => v.guarantee), ['resumable']);
    assert.match(vs[0]!.detail, /put \/r\/a @rev 5/);
  });

  it('ignores writes outside the watched range', () => {
    const exact = { key: '/r/a' };
    const stream: WatchItem[] = [{ kind: 'start', startRevision: 2 }, events(ev(2, '/r/a')), events(ev(5, '/r/a')), events(ev(7, '/r/a'))];
    assert.deepEqual(checkWatch({ range: exact, stream, writes }), []);
  });
});
