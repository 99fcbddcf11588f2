/**
 * Raft snapshots and log compaction, after etcd-io/raft: MemoryStorage.CreateSnapshot/Compact,
 * the leader's MsgSnap to a peer whose next entry was compacted (progress state Snapshot, appends
 * paused until it answers), raft.go handleSnapshot/restore on the follower.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRaft, propose, step, takeChanges, tick, type Raft } from '../../actors/etcd/raft/raft.ts';
import { compact, createSnapshot, entryAt, firstIndex, lastIndex, slice, termAt, appendFromLeader } from '../../actors/etcd/raft/log.ts';
import type { RaftMessage, RaftStorage } from '../../actors/etcd/raft/types.ts';
import { drain, logOf, makeConfig, Network, newStorage, newTestRaft } from './raft-harness.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));

/** The application's state at `index`, as the data of a snapshot: the ids of the entries up to it. */
function stateAt(s: RaftStorage, index: number, base: readonly string[] = []): string[] {
  const out = [...base];
  for (let i = Math.max(firstIndex(s), out.length + 1); i <= index; i++) out.push(entryAt(s, i)!.id);
  return out;
}

/** What the etcd server does every snapshotCount entries: snapshot at commit, compact `keep` behind it. */
function snapshotAndCompact(r: Raft, keep: number): void {
  const s = r.storage;
  const base = (s.snapshot?.data as string[] | undefined) ?? [];
  createSnapshot(s, s.commit, stateAt(s, s.commit, base));
  compact(s, s.commit - keep);
}

function proposeN(net: Network, leader: Raft, n: number, prefix: string): void {
  for (let i = 0; i < n; i++) {
    propose(leader, `${prefix}${i}`, i);
    net.send();
  }
}

/** index:term:id of every entry `a` and `b` both still hold. */
function commonEntries(a: RaftStorage, b: RaftStorage): { index: number; a: string; b: string }[] {
  const out = [];
  for (let i = Math.max(firstIndex(a), firstIndex(b)); i <= Math.min(lastIndex(a), lastIndex(b)); i++) {
    const x = entryAt(a, i)!;
    const y = entryAt(b, i)!;
    out.push({ index: i, a: `${x.term}:${x.id}`, b: `${y.term}:${y.id}` });
  }
  return out;
}

test('compaction drops the prefix but keeps the term of its last entry for the consistency check', () => {
  const s = newStorage({ term: 3, commit: 5, entries: logOf(1, 1, 2, 2, 3) });
  assert.throws(() => compact(s, 3), /past the snapshot/, 'nothing may be compacted that no snapshot covers');
  createSnapshot(s, 4, 'state@4');
  assert.throws(() => createSnapshot(s, 4, 'again'), /not newer/);
  assert.equal(compact(s, 3), true);
  assert.equal(compact(s, 2), false, 'compacting to an older index changes nothing');
  assert.equal(firstIndex(s), 4);
  assert.equal(lastIndex(s), 5);
  assert.equal(termAt(s, 3), 2, 'the last compacted entry keeps its term');
  assert.equal(termAt(s, 2), -1, 'older terms are gone');
  assert.equal(entryAt(s, 3), undefined);
  assert.equal(entryAt(s, 5)!.term, 3);
  assert.deepEqual(slice(s, 4, 10).map((e) => e.index), [4, 5]);
  assert.throws(() => slice(s, 3, 1), /compacted/);
  // A leader's append overlapping the compacted prefix: the compacted part is skipped, the
  // conflicting tail above the commit index is replaced.
  s.commit = 4;
  const changed = appendFromLeader(s, [
    { index: 3, term: 2, id: 't2i3', data: null },
    { index: 4, term: 2, id: 't2i4', data: null },
    { index: 5, term: 4, id: 'new', data: null },
  ]);
  assert.equal(changed, 5);
  assert.deepEqual(s.entries.map((e) => `${e.index}:${e.term}`), ['4:2', '5:4']);
});

test('a follower partitioned while the leader compacts is caught up by a snapshot, then by appends', () => {
  const net = new Network(ids(3));
  const leader = net.elect('1');
  proposeN(net, leader, 5, 'a');
  net.isolate('3');
  proposeN(net, leader, 20, 'b');
  // Index 1 is the leader's empty entry, then 5 + 20 proposals: commit 26 on 1 and 2.
  assert.equal(leader.storage.commit, 26);
  const behind = lastIndex(net.node('3').storage);
  assert.equal(behind, 6, 'the isolated follower stopped at the first batch');
  for (const id of ['1', '2']) snapshotAndCompact(net.node(id), 4);
  assert.equal(firstIndex(leader.storage), 23, 'the leader no longer holds what 3 needs next');

  net.recover();
  const sent: RaftMessage[] = [];
  net.drop((m) => {
    sent.push(m);
    return false;
  });
  // Heartbeats make 3 answer, which shows it is active, and the leader then sends what it needs.
  net.tick('1', 1);
  const snaps = sent.filter((m) => m.type === 'MsgSnap');
  assert.equal(snaps.length, 1, 'exactly one snapshot is sent');
  assert.equal(snaps[0]!.to, '3');
  const follower = net.node('3');
  assert.equal(follower.storage.snapshot?.index, 26);
  assert.deepEqual(follower.storage.snapshot?.data, stateAt(leader.storage, 26, leader.storage.snapshot!.data as string[]));
  assert.equal(takeChanges(follower).snapshot?.index, 26, 'the application is told to load the snapshot');
  assert.equal(follower.storage.commit, 26);

  proposeN(net, leader, 3, 'c');
  assert.equal(follower.storage.commit, 29, 'after the snapshot, plain appends again');
  assert.equal(lastIndex(follower.storage), 29);
  assert.equal(firstIndex(follower.storage), 27, "the follower's log starts right after the snapshot");
  for (const c of commonEntries(leader.storage, follower.storage)) assert.equal(c.b, c.a, `index ${c.index}`);
  assert.equal(sent.filter((m) => m.type === 'MsgSnap').length, 1, 'no second snapshot once the follower caught up');
});

test('a follower only a little behind is caught up by appends, not a snapshot', () => {
  const net = new Network(ids(3));
  const leader = net.elect('1');
  net.isolate('3');
  proposeN(net, leader, 10, 'a');
  for (const id of ['1', '2']) snapshotAndCompact(net.node(id), 10);
  assert.equal(firstIndex(leader.storage), 2, 'the catch-up entries are still there');
  net.recover();
  const snaps: RaftMessage[] = [];
  net.drop((m) => m.type === 'MsgSnap' && snaps.push(m) < 0);
  net.tick('1', 1);
  assert.equal(snaps.length, 0);
  assert.equal(net.node('3').storage.commit, 11);
  assert.equal(net.node('3').storage.snapshot, null);
});

test('a lost snapshot is sent again after an election timeout', () => {
  const net = new Network(ids(3), { electionTick: 10 });
  const leader = net.elect('1');
  net.isolate('3');
  proposeN(net, leader, 8, 'a');
  for (const id of ['1', '2']) snapshotAndCompact(net.node(id), 2);
  net.recover();
  let snapsSeen = 0;
  let dropSnaps = true;
  net.drop((m) => {
    if (m.type !== 'MsgSnap') return false;
    snapsSeen++;
    return dropSnaps;
  });
  net.tick('1', 1);
  assert.equal(snapsSeen, 1);
  // While the snapshot is in flight, appends to 3 pause: heartbeats do not resend.
  net.tick('1', 5);
  assert.equal(snapsSeen, 1, 'no resend while the snapshot may still arrive');
  dropSnaps = false;
  net.tick('1', 6);
  assert.equal(snapsSeen, 2, 'resent once the first counts as failed');
  assert.equal(net.node('3').storage.commit, leader.storage.commit);
});

test('no snapshot goes to a peer the leader has not heard from', () => {
  const net = new Network(ids(3), { checkQuorum: true });
  const leader = net.elect('1');
  net.isolate('3');
  proposeN(net, leader, 8, 'a');
  for (const id of ['1', '2']) snapshotAndCompact(net.node(id), 2);
  // A CheckQuorum round without word from 3 clears its recentActive.
  net.tick('1', 10);
  assert.equal(leader.role, 'leader');
  const snaps: RaftMessage[] = [];
  net.drop((m) => m.type === 'MsgSnap' && snaps.push(m) < 0);
  propose(leader, 'x', 0);
  net.send();
  assert.equal(snaps.length, 0, 'a peer that is down would only drop it');
});

test('a stale snapshot is ignored; one whose last entry the follower holds only moves its commit index', () => {
  const r = newTestRaft('2', ids(3), {}, newStorage({ term: 2, commit: 3, entries: logOf(1, 1, 2, 2, 2) }));
  step(r, { type: 'MsgSnap', from: '1', to: '2', term: 2, snapshot: { index: 2, term: 1, data: 'old' } });
  let resp = drain(r).find((m) => m.type === 'MsgAppResp');
  assert.equal(resp?.type === 'MsgAppResp' && resp.index, 3, 'answers with its commit index');
  assert.equal(r.storage.snapshot, null);
  assert.equal(lastIndex(r.storage), 5);

  step(r, { type: 'MsgSnap', from: '1', to: '2', term: 2, snapshot: { index: 4, term: 2, data: 'at 4' } });
  resp = drain(r).find((m) => m.type === 'MsgAppResp');
  assert.equal(resp?.type === 'MsgAppResp' && resp.index, 4);
  assert.equal(r.storage.commit, 4, 'fast-forwarded');
  assert.equal(lastIndex(r.storage), 5, 'the log is kept: it already holds the snapshot prefix');
  assert.equal(r.storage.snapshot, null);
  assert.equal(takeChanges(r).snapshot, null);

  step(r, { type: 'MsgSnap', from: '1', to: '2', term: 3, snapshot: { index: 5, term: 3, data: 'at 5' } });
  assert.equal(r.storage.term, 3, 'a snapshot from a newer leader makes us its follower');
  assert.equal(r.lead, '1');
  assert.equal(r.storage.compactedIndex, 5);
  assert.equal(r.storage.compactedTerm, 3);
  assert.deepEqual(r.storage.entries, [], 'a conflicting log is replaced by the snapshot');
  assert.equal(r.storage.commit, 5);
});

test('a restarted member comes back from its compacted log and snapshot, and can lead', () => {
  const net = new Network(ids(3));
  const leader = net.elect('1');
  proposeN(net, leader, 10, 'a');
  for (const id of ids(3)) snapshotAndCompact(net.node(id), 3);
  const before = structuredClone(net.storages.get('2')!);
  const again = net.restart('2');
  assert.deepEqual(again.storage, before, 'storage is untouched by the restart');
  assert.equal(lastIndex(again.storage), 11);
  assert.equal(termAt(again.storage, again.storage.compactedIndex), 1);
  // It wins an election with its compacted log: its last index and term are what count.
  net.isolate('1');
  const newLeader = net.elect('2');
  proposeN(net, newLeader, 2, 'b');
  assert.equal(net.node('3').storage.commit, 14, 'entries after the compacted prefix replicate');
  // And it serves a lagging member its own persisted snapshot.
  net.recover();
  net.isolate('3');
  proposeN(net, newLeader, 6, 'c');
  snapshotAndCompact(newLeader, 0);
  snapshotAndCompact(net.node('1'), 0);
  net.recover();
  net.tick('2', 2);
  const three = net.node('3').storage;
  assert.equal(three.snapshot?.index, newLeader.storage.snapshot?.index);
  assert.equal(three.commit, newLeader.storage.commit);
});

test('log matching holds across compaction on every member after a churn of leaders', () => {
  const net = new Network(ids(5), { seed: 'churn' });
  let leader = net.elect('1');
  for (let round = 0; round < 6; round++) {
    const out = String((round % 5) + 1);
    net.isolate(out);
    if (leader.config.id === out || leader.role !== 'leader') {
      const next = ids(5).find((id) => id !== out)!;
      leader = net.elect(next);
    }
    proposeN(net, leader, 7, `r${round}-`);
    for (const id of ids(5)) {
      const r = net.node(id);
      const snapIndex = r.storage.snapshot?.index ?? 0;
      if (r.storage.commit - snapIndex > 8) snapshotAndCompact(r, 3);
    }
    net.recover();
    net.tick(leader.config.id, 2);
  }
  const storages = ids(5).map((id) => net.node(id).storage);
  for (const a of storages) {
    assert.equal(a.commit, storages[0]!.commit, 'everyone caught up');
    for (const b of storages) for (const c of commonEntries(a, b)) assert.equal(c.a, c.b, `index ${c.index}`);
  }
  assert.ok(storages.some((s) => s.compactedIndex > 0), 'some logs were compacted');
  assert.ok(
    storages.some((s) => s.snapshot !== null && s.compactedIndex === s.snapshot.index && s.entries.length > 0),
    'some member restored from a snapshot and appended after it',
  );
});

test('a pure core: a snapshot restored through newRaft from persisted storage answers appends after it', () => {
  const storage = newStorage({ term: 2, commit: 7, compactedIndex: 7, compactedTerm: 2, snapshot: { index: 7, term: 2, data: 'x' } });
  const r = newRaft(makeConfig('2', ids(3)), storage);
  step(r, { type: 'MsgApp', from: '1', to: '2', term: 2, index: 7, logTerm: 2, entries: [{ index: 8, term: 2, id: 'n', data: null }], commit: 8 });
  const resp = drain(r).find((m) => m.type === 'MsgAppResp');
  assert.ok(resp?.type === 'MsgAppResp' && !resp.reject && resp.index === 8);
  assert.equal(storage.commit, 8);
  step(r, { type: 'MsgApp', from: '1', to: '2', term: 2, index: 9, logTerm: 2, entries: [], commit: 8 });
  const reject = drain(r).find((m) => m.type === 'MsgAppResp');
  assert.ok(reject?.type === 'MsgAppResp' && reject.reject && reject.rejectHint === 8);
  tick(r);
});
