/**
 * A realistic correct run must produce no violation, checked offline, live on a TraceRecorder and
 * from a JSON-lines file: election, appends, commits on 3 members, a partitioned old leader
 * coexisting with the new one, truncation of its uncommitted tail, crashes and restarts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TraceRecorder } from '../../actors/kernel/trace.ts';
import { checkTrace, checkTraceFile, InvariantChecker, watch, type Violation } from '../../actors/checks/index.ts';
import { invariantsOf, TraceBuilder } from './trace-builder.ts';

function realisticRun(): TraceBuilder {
  const b = new TraceBuilder(5);
  for (const m of ['etcd-0', 'etcd-1', 'etcd-2']) b.role(m, 'follower', 0);

  // etcd-0 wins term 1; its empty entry commits everywhere.
  b.at(1200).role('etcd-0', 'pre-candidate', 0).role('etcd-0', 'candidate', 1)
    .role('etcd-1', 'follower', 1).role('etcd-2', 'follower', 1).role('etcd-0', 'leader', 1)
    .log('etcd-0', 1, [1, '']).log('etcd-1', 1, [1, '']).log('etcd-2', 1, [1, ''])
    .commit('etcd-0', 1, 1).commit('etcd-1', 1, 1).commit('etcd-2', 1, 1);

  // app#1: put a, replicated to both followers; leader commits, applies, acknowledges.
  b.at(1500).invoke('app', 1, 'put', 'a')
    .log('etcd-0', 2, [1, 'app#1']).log('etcd-1', 2, [1, 'app#1']).log('etcd-2', 2, [1, 'app#1'])
    .commit('etcd-0', 2, 1).apply('etcd-0', 2, 2, 'app#1').complete('app', 1, 'put', 'a', 'ok', 2)
    .commit('etcd-1', 2, 1).apply('etcd-1', 2, 2, 'app#1').commit('etcd-2', 2, 1).apply('etcd-2', 2, 2, 'app#1');

  // app#2: put b, reaches etcd-1 only (etcd-2 lags); committed by the majority {0, 1}.
  b.at(1700).invoke('app', 2, 'put', 'b')
    .log('etcd-0', 3, [1, 'app#2']).log('etcd-1', 3, [1, 'app#2'])
    .commit('etcd-0', 3, 1).apply('etcd-0', 3, 3, 'app#2').complete('app', 2, 'put', 'b', 'ok', 3)
    .commit('etcd-1', 3, 1).apply('etcd-1', 3, 3, 'app#2');

  // etcd-0 is cut off; it is still leader of term 1 and appends app#3, which can never commit.
  b.at(2000).ev('fault', { action: 'partition', targets: ['etcd-0'] })
    .invoke('app', 3, 'put', 'c').log('etcd-0', 4, [1, 'app#3'])
    .ev('net.drop', { from: 'etcd-0', to: 'etcd-1' });

  // etcd-1 wins term 2 with etcd-2's vote while etcd-0 still thinks it leads term 1.
  b.at(3300).role('etcd-1', 'pre-candidate', 1).role('etcd-1', 'candidate', 2)
    .role('etcd-2', 'follower', 2).role('etcd-1', 'leader', 2)
    .log('etcd-1', 4, [2, ''])
    .log('etcd-2', 3, [1, 'app#2'], [2, '']) // catches up the entry it missed
    .commit('etcd-1', 4, 2).commit('etcd-2', 4, 2).apply('etcd-2', 3, 3, 'app#2');

  // app#4 through the new leader.
  b.at(3500).invoke('app', 4, 'put', 'd')
    .log('etcd-1', 5, [2, 'app#4']).log('etcd-2', 5, [2, 'app#4'])
    .commit('etcd-1', 5, 2).apply('etcd-1', 5, 4, 'app#4').complete('app', 4, 'put', 'd', 'ok', 4)
    .commit('etcd-2', 5, 2).apply('etcd-2', 5, 4, 'app#4')
    // Stale etcd-0 appends one more doomed entry, at the index app#4 was acknowledged at.
    .invoke('app', 7, 'put', 'e').log('etcd-0', 5, [1, 'app#7']);

  // Heal: etcd-0 hears term 2, steps down, and its uncommitted tail (app#3, app#7) is replaced.
  b.at(5000).complete('app', 3, 'put', 'c', 'timeout').complete('app', 7, 'put', 'e', 'timeout')
    .ev('fault', { action: 'heal', targets: [] })
    .role('etcd-0', 'follower', 2)
    .log('etcd-0', 4, [2, ''], [2, 'app#4'])
    .commit('etcd-0', 5, 2).apply('etcd-0', 5, 4, 'app#4');

  // etcd-2 crashes and restarts: durable log, commit index and store; restates its commit index.
  b.at(6000).crash('etcd-2').at(6500).restart('etcd-2').role('etcd-2', 'follower', 2).commit('etcd-2', 5, 2);

  // app#5 replicated to all three.
  b.at(7000).invoke('app', 5, 'put', 'a')
    .log('etcd-1', 6, [2, 'app#5']).log('etcd-0', 6, [2, 'app#5']).log('etcd-2', 6, [2, 'app#5'])
    .commit('etcd-1', 6, 2).apply('etcd-1', 6, 5, 'app#5').complete('app', 5, 'put', 'a', 'ok', 5)
    .commit('etcd-0', 6, 2).apply('etcd-0', 6, 5, 'app#5').commit('etcd-2', 6, 2).apply('etcd-2', 6, 5, 'app#5');

  // The leader crashes; etcd-0 wins term 3 (its log is complete again); etcd-1 comes back.
  b.at(8000).crash('etcd-1')
    .at(9500).role('etcd-0', 'pre-candidate', 2).role('etcd-0', 'candidate', 3)
    .role('etcd-2', 'follower', 3).role('etcd-0', 'leader', 3)
    .log('etcd-0', 7, [3, '']).log('etcd-2', 7, [3, ''])
    .commit('etcd-0', 7, 3).commit('etcd-2', 7, 3)
    .at(10000).restart('etcd-1').role('etcd-1', 'follower', 3)
    .log('etcd-1', 7, [3, '']).commit('etcd-1', 7, 3);

  // A delete of a missing key: committed, changes nothing, so no etcd.apply; ok at revision 5.
  b.at(11000).invoke('app', 6, 'delete', 'zzz')
    .log('etcd-0', 8, [3, 'app#6']).log('etcd-1', 8, [3, 'app#6']).log('etcd-2', 8, [3, 'app#6'])
    .commit('etcd-0', 8, 3).complete('app', 6, 'delete', 'zzz', 'ok', 5)
    .commit('etcd-1', 8, 3).commit('etcd-2', 8, 3)
    .invoke('app', 8, 'get', 'a').complete('app', 8, 'get', 'a', 'ok', 5)
    .ev('expect', { what: 'anything' });
  return b;
}

describe('a realistic correct run', () => {
  it('has no violation offline, even running to the end', () => {
    assert.deepEqual(checkTrace(realisticRun().events, { stopAtFirst: false }), []);
  });

  it('has no violation live, on a TraceRecorder', () => {
    let now = 0;
    const recorder = new TraceRecorder(() => now);
    const seen: Violation[] = [];
    const checker = watch(recorder, (v) => seen.push(v));
    for (const e of realisticRun().events) {
      now = e.t;
      const { t: _t, seq: _seq, kind, ...fields } = e;
      recorder.record(kind, fields);
    }
    assert.deepEqual(checker.finish(), []);
    assert.deepEqual(seen, []);
  });

  it('has no violation from a JSON-lines file, and a bad file is flagged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-checks-'));
    try {
      const good = join(dir, 'good.jsonl');
      writeFileSync(good, realisticRun().events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      assert.deepEqual(checkTraceFile(good), []);

      const bad = realisticRun().role('etcd-2', 'candidate', 3).role('etcd-2', 'leader', 3);
      const badPath = join(dir, 'bad.jsonl');
      writeFileSync(badPath, bad.events.map((e) => JSON.stringify(e)).join('\n'));
      const vs = checkTraceFile(badPath);
      assert.deepEqual(invariantsOf(vs), ['ElectionSafety']);
      assert.match(vs[0]!.detail, /^term 3 has two leaders: etcd-0 \(at 9515 ms\) and etcd-2/);

      writeFileSync(badPath, '{"t":0,"seq":0,"kind":"net.drop"}\nnot json\n');
      assert.throws(() => checkTraceFile(badPath), /trace line 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stopAtFirst returns the first violating event’s findings; otherwise all, finish last', () => {
    const b = realisticRun()
      .commit('etcd-1', 2, 1) // goes back
      .complete('app', 9, 'put', 'k', 'ok', 9); // never committed
    assert.deepEqual(invariantsOf(checkTrace(b.events)), ['CommitIndexMonotonic']);
    assert.deepEqual(invariantsOf(checkTrace(b.events, { stopAtFirst: false })), ['CommitIndexMonotonic', 'AcknowledgedWritesDurable']);
  });
});

describe('trace contract', () => {
  it('ignores kinds it does not consume, without validating them', () => {
    const checker = new InvariantChecker();
    assert.equal(checker.observe({ t: 0, seq: 0, kind: 'net.drop' }), null);
    assert.equal(checker.observe({ t: 1, seq: 1, kind: 'expect', member: 42 }), null);
  });

  it('flags malformed consumed events as TraceWellFormed', () => {
    const cases: Array<Record<string, unknown>> = [
      { kind: 'raft.role', member: 'etcd-0', role: 'boss', term: 1 },
      { kind: 'raft.log', member: 'etcd-0', from: 0, entries: [] },
      { kind: 'raft.log', member: 'etcd-0', from: 1, entries: [[1]] },
      { kind: 'raft.commit', member: 'etcd-0', index: 1 },
      { kind: 'etcd.apply', member: 'etcd-0', index: 1, id: 'x' },
      { kind: 'etcd.op', client: 'app', id: 1, op: 'put', phase: 'done' },
      { kind: 'fault', action: 'crash', targets: 'etcd-0' },
    ];
    for (const [i, c] of cases.entries()) {
      const v = new InvariantChecker().observe({ t: 5, seq: i, ...c } as never);
      assert.equal(v?.invariant, 'TraceWellFormed', JSON.stringify(c));
    }
  });

  it('flags a log with a gap, a commit past the log end and a commit with the wrong term', () => {
    const gap = new TraceBuilder().log('etcd-0', 1, [1, '']).log('etcd-0', 3, [1, 'x']);
    assert.match(checkTrace(gap.events)[0]!.detail, /from index 3 but its log ends at 1 \(a gap\)/);
    const past = new TraceBuilder().log('etcd-0', 1, [1, '']).commit('etcd-0', 2, 1);
    assert.match(checkTrace(past.events)[0]!.detail, /commit index to 2 but its log ends at 1/);
    const term = new TraceBuilder().log('etcd-0', 1, [1, '']).commit('etcd-0', 1, 2);
    assert.match(checkTrace(term.events)[0]!.detail, /committed index 1 with term 2, but its log has term 1 there/);
  });

  it('refuses events after finish', () => {
    const checker = new InvariantChecker();
    checker.finish();
    assert.throws(() => checker.observe({ t: 0, seq: 0, kind: 'raft.role' }));
  });
});

describe('scale', () => {
  // Correctness at scale only: wall time is a benchmark figure, not a pass/fail criterion (it failed
  // under a loaded machine at 10.5 s).
  it('checks a long correct run (>300k events, leader changes, restarts) without a false alarm', { timeout: 120_000 }, () => {
    const members = ['etcd-0', 'etcd-1', 'etcd-2'];
    const checker = new InvariantChecker();
    let seq = 0;
    let t = 0;
    const emit = (kind: string, fields: Record<string, unknown>): void => {
      const v = checker.observe({ ...fields, t: t++, seq: seq++, kind });
      if (v !== null) assert.fail(JSON.stringify(v));
    };
    let term = 0;
    let index = 0;
    let revision = 1;
    const writes = 30_000;
    for (let w = 0; w < writes; w++) {
      if (w % 1000 === 0) {
        // A new leader every 1000 writes (round robin), after a crash and restart of a follower.
        term++;
        const leader = members[term % 3]!;
        const follower = members[(term + 1) % 3]!;
        emit('fault', { action: 'crash', targets: [follower] });
        emit('fault', { action: 'restart', targets: [follower] });
        for (const m of members) emit('raft.role', { member: m, role: m === leader ? 'leader' : 'follower', term });
        index++;
        for (const m of members) emit('raft.log', { member: m, from: index, entries: [[term, '']] });
        for (const m of members) emit('raft.commit', { member: m, index, term });
      }
      index++;
      revision++;
      const id = `app#${w}`;
      emit('etcd.op', { client: 'app', id: w, op: 'put', key: 'k', phase: 'invoke' });
      for (const m of members) emit('raft.log', { member: m, from: index, entries: [[term, id]] });
      for (const m of members) emit('raft.commit', { member: m, index, term });
      for (const m of members) emit('etcd.apply', { member: m, index, revision, id });
      emit('etcd.op', { client: 'app', id: w, op: 'put', key: 'k', phase: 'complete', result: 'ok', revision });
    }
    assert.deepEqual(checker.finish(), []);
    assert.ok(seq > 300_000, `${seq} events`);
  });
});
