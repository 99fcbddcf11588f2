/**
 * LeaderStepsDown (CheckQuorum) on hand-made traces: a leader of an older term still leading more
 * than the bound after a newer leader was elected is flagged (at the first event past the bound,
 * or at the end of the trace); one that steps down or crashes in time is not; and without the
 * bound (CheckQuorum off, or a trace file whose timing is unknown) the check does not run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantChecker } from '../../actors/checks/index.ts';
import type { Violation } from '../../actors/checks/index.ts';
import { TraceBuilder } from './trace-builder.ts';

const BOUND_MS = 2_000;

function check(b: TraceBuilder, withBound = true): Violation[] {
  const checker = new InvariantChecker(withBound ? { staleLeaderMaxMs: BOUND_MS } : {});
  for (const e of b.events) checker.observeAll(e);
  checker.finish();
  return [...checker.violations];
}

/** etcd-0 leads term 1 from 0 ms; cut off, the others elect etcd-1 in term 2 at 1500 ms. */
function superseded(): TraceBuilder {
  return new TraceBuilder().at(0).role('etcd-0', 'leader', 1).at(1_500).role('etcd-2', 'follower', 2).role('etcd-1', 'leader', 2);
}

describe('LeaderStepsDown', () => {
  it('flags an old leader still leading past the bound, at the first event after it', () => {
    const vs = check(superseded().at(3_600).role('etcd-2', 'follower', 2));
    assert.deepEqual(vs.map((v) => v.invariant), ['LeaderStepsDown']);
    assert.equal(vs[0]!.t, 3_600);
    assert.match(vs[0]!.detail, /etcd-0, leader of term 1, still led at 3600 ms, 2090 ms after etcd-1 became leader of term 2 at 1510 ms/);
  });

  it('flags it at the end of the trace when nothing happens after the bound', () => {
    const vs = check(superseded().at(4_000).role('etcd-1', 'leader', 2));
    assert.deepEqual(vs.map((v) => v.invariant), ['LeaderStepsDown']);
  });

  it('passes an old leader that steps down, or crashes, within the bound', () => {
    assert.deepEqual(check(superseded().at(3_400).role('etcd-0', 'follower', 1).at(9_000).role('etcd-2', 'follower', 2)), []);
    assert.deepEqual(check(superseded().at(2_000).crash('etcd-0').at(9_000).role('etcd-2', 'follower', 2)), []);
  });

  it('is not checked without the bound (CheckQuorum off)', () => {
    assert.deepEqual(check(superseded().at(9_000).role('etcd-2', 'follower', 2), false), []);
  });
});
