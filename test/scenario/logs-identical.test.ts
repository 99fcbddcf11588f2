/** `that.etcd.logsIdentical` over compacted logs: compare what both members still hold, by index, not by array position. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkLogsIdentical } from '../../actors/scenario/conditions.ts';
import type { EtcdView } from '../../actors/scenario/cluster-view.ts';
import type { Entry, RaftStorage } from '../../actors/etcd/raft/types.ts';

const entry = (index: number, term = 1): Entry => ({ term, id: `e${index}` }) as unknown as Entry;

function storage(compactedIndex: number, last: number, change?: { index: number; term: number }): RaftStorage {
  const entries: Entry[] = [];
  for (let i = compactedIndex + 1; i <= last; i++) entries.push(change?.index === i ? entry(i, change.term) : entry(i));
  return { term: 2, vote: null, commit: last, compactedIndex, compactedTerm: compactedIndex === 0 ? 0 : 1, entries, snapshot: null };
}

function view(members: Record<string, RaftStorage>): EtcdView {
  return { alive: (names: readonly string[]) => names.filter((n) => n in members), state: (n: string) => ({ raft: { storage: members[n] } }) } as unknown as EtcdView;
}

it('a member that compacted to 5 and one that did not hold the same log 1..8', () => {
  const v = checkLogsIdentical(view({ 'etcd-0': storage(5, 8), 'etcd-1': storage(0, 8) }), ['etcd-0', 'etcd-1']);
  assert.equal(v.ok, true, v.detail);
  assert.match(v.detail, /same 8 entries, committed to 8/);
});

it('a different entry after the compacted prefix, or a shorter log, is a difference', () => {
  const differ = checkLogsIdentical(view({ 'etcd-0': storage(5, 8), 'etcd-1': storage(0, 8, { index: 7, term: 2 }) }), ['etcd-0', 'etcd-1']);
  assert.equal(differ.ok, false);
  assert.match(differ.detail, /differ at index 7/);
  const shorter = storage(5, 8);
  shorter.entries.pop();
  shorter.commit = 8;
  const short = checkLogsIdentical(view({ 'etcd-0': storage(0, 8), 'etcd-1': shorter }), ['etcd-0', 'etcd-1']);
  assert.equal(short.ok, false);
  assert.match(short.detail, /etcd-1 has 7 entries, etcd-0 has 8/);
});
