/**
 * The trace adapters: on a real (small, etcd-only) kubesim run with a partition, a timed-out write
 * and a serializable read, the history is what the trace says and is linearizable; the same trace
 * with one read tampered with is not. Txn, apply and watch events are checked on hand-made traces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';
import { checkKvLinearizability, checkTraceHistories, checkWatch, historyFromTrace, watchStreamsFromTrace, writesFromTrace } from '../../actors/checks/history/index.ts';

const scenario = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata:
  name: history-adapter
spec:
  seed: 7
  duration: 30s
  cluster:
    etcd:
      members: 3
  clients:
    - name: app
      kind: etcd
    - name: other
      kind: etcd
  timeline:
    - at: 3s
      put: {client: app, key: /k/a, value: "1"}
    - at: 4s
      get: {client: other, key: /k/a, consistency: linearizable}
    - at: 5s
      partition: [[leader], rest]
      as: [minority, majority]
    - at: 5s100ms
      put: {client: app, key: /k/a, value: "2", via: minority}
    - at: 5s200ms
      get: {client: other, key: /k/a, consistency: serializable, via: minority}
    - at: 9s
      put: {client: other, key: /k/b, value: "3", via: majority}
    - at: 10s
      delete: {client: app, key: /k/a, via: majority}
    - at: 20s
      heal: all
    - at: 25s
      get: {client: other, key: /k/a, consistency: linearizable}
    - at: 25s
      get: {client: app, key: /k/b, consistency: linearizable}
`;

let cached: TraceEvent[] | null = null;
function realTrace(): TraceEvent[] {
  if (cached) return cached;
  const events: TraceEvent[] = [];
  runScenario(loadScenarioText(scenario, 'history-adapter.yaml'), { onTrace: (e) => events.push(e) });
  cached = events;
  return events;
}

describe('historyFromTrace on a real run', () => {
  it('builds one operation per traced etcd.op, skipping the serializable read', () => {
    const { history, skipped } = historyFromTrace(realTrace());
    const ops = realTrace().filter((e) => e.kind === 'etcd.op' && e.phase === 'complete');
    const serializable = realTrace().filter((e) => e.kind === 'etcd.op' && e.phase === 'invoke' && e.consistency === 'serializable').length;
    assert.ok(serializable >= 1);
    assert.equal(history.length, ops.length - serializable);
    assert.deepEqual(skipped, [{ reason: 'serializable get (may be stale by design)', count: serializable }]);
    // Every operation's call comes from its invoke, its return from its completion (seqs), and
    // acknowledged writes and reads carry their revision.
    for (const o of history) {
      assert.ok(o.ret === null || o.ret > o.call);
      if (o.ret !== null) assert.equal(typeof (o.op as { revision?: number }).revision, 'number');
    }
    // The put through the isolated old leader timed out: in the history with no return.
    assert.deepEqual(history.filter((o) => o.ret === null).map((o) => o.op), [{ type: 'put', key: '/k/a', value: '2' }]);
    const reads = history.filter((o) => o.op.type === 'get').map((o) => o.op);
    assert.ok(reads.some((r) => r.type === 'get' && r.key === '/k/b' && r.found && r.value === '3'));
  });

  it('finds the run linearizable, and a tampered read not', () => {
    assert.equal(checkKvLinearizability(historyFromTrace(realTrace()).history).verdict, 'linearizable');
    // The last read of /k/a comes after the delete was acknowledged: make it return the old value.
    const tampered = realTrace().map((e) => e);
    const isLastRead = (e: TraceEvent): boolean => e.kind === 'etcd.op' && e.phase === 'complete' && e.op === 'get' && e.key === '/k/a';
    let i = tampered.length - 1;
    while (!isLastRead(tampered[i]!)) i--;
    tampered[i] = { ...tampered[i]!, readValue: '1' };
    const r = checkKvLinearizability(historyFromTrace(tampered).history);
    assert.equal(r.verdict, 'violation');
    assert.match(r.explanation!, /^Key \/k\/a is not linearizable/);
    assert.match(r.explanation!, /get \/k\/a -> "1"/);
  });
});

/** A hand-made trace: seqs in order, times in ms. */
function trace(...events: Record<string, unknown>[]): TraceEvent[] {
  return events.map((e, seq) => ({ t: 10 * seq, seq, ...e }) as TraceEvent);
}

describe('adapters on hand-made traces', () => {
  const txnTrace = trace(
    { kind: 'etcd.op', client: 'api', id: 1, op: 'txn', key: '/x', compare: [['/x', 'mod', '=', 0]], success: [['put', '/x']], failure: [['range', '/x']], phase: 'invoke' },
    { kind: 'etcd.apply', member: 'etcd-0', index: 2, revision: 2, id: 'api#1' },
    { kind: 'etcd.op', client: 'api', id: 1, entry: 'api#1', op: 'txn', key: '/x', phase: 'complete', result: 'ok', revision: 2, succeeded: true },
    { kind: 'etcd.op', client: 'api', id: 2, op: 'txn', key: '/y', compare: [], success: [['put', '/y'], ['delete', '/z']], failure: [['delete', '/y']], phase: 'invoke' },
    { kind: 'etcd.op', client: 'api', id: 2, entry: 'api#2', op: 'txn', key: '/y', phase: 'complete', result: 'timeout' },
    { kind: 'etcd.op', client: 'api', id: 3, op: 'put', key: '/y', value: 'v', phase: 'invoke' },
  );

  it('maps a txn to the writes of the branch that ran, and a timed-out one to maybe-writes', () => {
    const { history } = historyFromTrace(txnTrace);
    assert.deepEqual(
      history.map((o) => [o.client, o.op, o.ret]),
      [
        ['api', { type: 'put', key: '/x', revision: 2 }, 2],
        // Unknown branch: /y may have been put or deleted, /z deleted; the put never answered.
        ['api', { type: 'write', key: '/y' }, null],
        ['api', { type: 'delete', key: '/z' }, null],
        ['api', { type: 'put', key: '/y', value: 'v' }, null],
      ],
    );
  });

  it('takes the writes for the watch checker from etcd.apply joined with etcd.op', () => {
    assert.deepEqual(writesFromTrace(txnTrace), [{ revision: 2, key: '/x', type: 'put' }]);
  });

  it('reads a deliver line carrying events and progress as the events first, then the progress', () => {
    const events = trace(
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'create', key: '/r/', prefix: true, startRevision: 2 },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'deliver', events: [[2, 'put', '/r/a'], [3, 'put', '/r/b']], progressRevision: 5 },
    );
    const [w] = watchStreamsFromTrace(events);
    assert.deepEqual(w!.stream.map((s) => s.kind), ['start', 'events', 'progress']);
    // Progress before the events it covers would be time travel: the order matters.
    assert.deepEqual(checkWatch(w!), []);
  });

  it('reads watch streams from etcd.watch create/resume/deliver and checks them', () => {
    const events = trace(
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'create', key: '/r/', prefix: true, startRevision: 2 },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'deliver', events: [[2, 'put', '/r/a'], [3, 'put', '/r/b']] },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'resume', fromRevision: 4 },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'deliver', progressRevision: 4 },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'deliver', events: [[3, 'put', '/r/c']] },
      { kind: 'etcd.watch', client: 'api', watchId: 'w1', phase: 'end', result: 'closed' },
    );
    const streams = watchStreamsFromTrace(events);
    assert.equal(streams.length, 1);
    assert.deepEqual(streams[0]!.range, { key: '/r/', prefix: true });
    assert.deepEqual(streams[0]!.stream.map((s) => s.kind), ['start', 'events', 'resume', 'progress', 'events']);
    assert.deepEqual(checkWatch(streams[0]!).map((v) => v.guarantee), ['time-travel']);
    const report = checkTraceHistories(events);
    assert.deepEqual(report.watches.map((w) => [w.watchId, w.violations.map((v) => v.guarantee)]), [['w1', ['time-travel']]]);
    assert.equal(report.linearizability.verdict, 'linearizable'); // no etcd.op: nothing to contradict
  });
});
