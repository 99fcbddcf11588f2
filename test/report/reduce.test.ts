import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { bucketTraffic, componentOf, logText, reduceTrace, workloadFromName } from '../../cli/report/reduce.ts';

/** The index of the last point at or before t in a step function's times. */
function stepIndex(times: readonly number[], t: number): number {
  let i = -1;
  while (i + 1 < times.length && times[i + 1]! <= t) i++;
  return i;
}

/** A hand-made trace: lines given as [t, kind, fields], numbered in order. */
function trace(lines: [number, string, Record<string, unknown>][]): TraceEvent[] {
  return lines.map(([t, kind, fields], seq) => ({ ...fields, t, seq, kind }));
}

describe('report lanes from a trace', () => {
  it('etcd roles become spans with their terms; a crash is a gap until the next role', () => {
    const data = reduceTrace(
      trace([
        [0, 'raft.role', { member: 'etcd-0', role: 'follower', term: 0 }],
        [0, 'raft.role', { member: 'etcd-1', role: 'follower', term: 0 }],
        [900, 'raft.role', { member: 'etcd-0', role: 'pre-candidate', term: 0 }],
        [910, 'raft.role', { member: 'etcd-0', role: 'candidate', term: 1 }],
        [920, 'raft.role', { member: 'etcd-0', role: 'leader', term: 1 }],
        [5000, 'fault', { action: 'crash', targets: ['etcd-0'] }],
        [6200, 'raft.role', { member: 'etcd-1', role: 'leader', term: 2 }],
        [8000, 'fault', { action: 'restart', targets: ['etcd-0'] }],
        [8001, 'raft.role', { member: 'etcd-0', role: 'follower', term: 1 }],
        [8050, 'raft.role', { member: 'etcd-0', role: 'follower', term: 2 }],
      ]),
      { durationMs: 10_000 },
    );
    assert.deepEqual(data.etcd.members, ['etcd-0', 'etcd-1']);
    assert.deepEqual(data.etcd.roles['etcd-0'], [
      [0, 900, 'follower', 0],
      [900, 910, 'pre-candidate', 0],
      [910, 920, 'candidate', 1],
      [920, 5000, 'leader', 1],
      // 5000–8001: crashed, no span
      [8001, 8050, 'follower', 1],
      [8050, 10_000, 'follower', 2],
    ]);
    assert.deepEqual(data.etcd.roles['etcd-1'], [
      [0, 6200, 'follower', 0],
      [6200, 10_000, 'leader', 2],
    ]);
    assert.equal(data.durationMs, 10_000);
  });

  it('partitions, cuts and isolations are bands until the heal that involves them', () => {
    const data = reduceTrace(
      trace([
        [1000, 'fault', { action: 'partition', groups: [['a', 'b'], ['c']], targets: ['a', 'b', 'c'] }],
        [2000, 'fault', { action: 'cut', from: ['d'], to: ['e'], targets: ['d', 'e'] }],
        [3000, 'fault', { action: 'heal', targets: ['a'] }],
        [4000, 'fault', { action: 'isolate', targets: ['f'] }],
      ]),
      { durationMs: 9000 },
    );
    assert.deepEqual(
      data.bands.map((b) => [b.kind, b.fromMs, b.toMs, b.groups]),
      [
        ['partition', 1000, 3000, [['a', 'b'], ['c']]],
        ['cut', 2000, 9000, [['d'], ['e']]],
        ['isolate', 4000, 9000, [['f']]],
      ],
    );
    assert.deepEqual(
      data.markers.map((m) => [m.kind, m.t, m.label]),
      [
        ['fault', 1000, 'partition a, b, c'],
        ['fault', 2000, 'cut d, e'],
        ['fault', 3000, 'heal a'],
        ['fault', 4000, 'isolate f'],
      ],
    );
  });

  it('heal all ends every band', () => {
    const data = reduceTrace(
      trace([
        [1, 'fault', { action: 'partition', groups: [['a'], ['b']], targets: ['a', 'b'] }],
        [2, 'fault', { action: 'cut', from: ['c'], to: ['d'], targets: ['c', 'd'] }],
        [5, 'fault', { action: 'heal', targets: ['a', 'b', 'c', 'd'] }],
      ]),
    );
    assert.deepEqual(data.bands.map((b) => b.toMs), [5, 5]);
  });

  it('nodes: Ready when first seen, Unknown when marked, Ready again when the condition taint goes; taints, cordon and a crashed host as spans', () => {
    const data = reduceTrace(
      trace([
        [100, 'k8s.proxy', { node: 'w-1' }],
        [100, 'k8s.proxy', { node: 'w-2' }],
        [1000, 'k8s.request', { resource: 'nodes', verb: 'cordon', name: 'w-2', code: 200 }],
        [2000, 'fault', { action: 'crash', targets: ['w-1'] }],
        [3000, 'k8s.controller', { controller: 'node-lifecycle', action: 'marked-unknown', object: 'node/w-1', detail: 'Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.' }],
        [3001, 'k8s.controller', { controller: 'node-lifecycle', action: 'taint-added', object: 'node/w-1', detail: 'node.kubernetes.io/unreachable:NoSchedule' }],
        [4000, 'k8s.request', { resource: 'nodes', verb: 'uncordon', name: 'w-2', code: 200 }],
        [5000, 'fault', { action: 'restart', targets: ['w-1'] }],
        [6000, 'k8s.controller', { controller: 'node-lifecycle', action: 'taint-removed', object: 'node/w-1', detail: 'node.kubernetes.io/unreachable:NoSchedule' }],
      ]),
      { durationMs: 7000 },
    );
    assert.deepEqual(data.nodes.names, ['w-1', 'w-2']);
    // The control plane's view: Unknown from the controller's mark (while the host is down) until the taint goes.
    assert.deepEqual(data.nodes.status['w-1'], [
      [100, 3000, 'Ready'],
      [3000, 6000, 'Unknown'],
      [6000, 7000, 'Ready'],
    ]);
    assert.deepEqual(data.nodes.down['w-1'], [[2000, 5000, 'down']]);
    assert.deepEqual(data.nodes.down['w-2'], undefined);
    assert.deepEqual(data.nodes.status['w-2'], [[100, 7000, 'Ready']]);
    assert.deepEqual(data.nodes.taints['w-1'], [[3001, 6000, 'node.kubernetes.io/unreachable:NoSchedule']]);
    assert.deepEqual(data.nodes.cordoned['w-2'], [[1000, 4000, 'cordoned']]);
    // The aggregate lane: Ready 2 → 1 Ready + 1 Unknown → 2 Ready; hosts down counted apart.
    const s = data.nodes.summary;
    const at = (t: number, k: string): number => s.counts[k]![stepIndex(s.t, t)]!;
    assert.equal(at(150, 'Ready'), 2);
    assert.equal(at(2500, 'Ready'), 2);
    assert.equal(at(2500, 'down'), 1);
    assert.equal(at(3500, 'Unknown'), 1);
    assert.equal(at(5500, 'Unknown'), 1);
    assert.equal(at(5500, 'down'), 0);
    assert.equal(at(6500, 'Ready'), 2);
  });

  it('pods: created Pending, bound, Running, deleted; counted per workload, and per ReplicaSet in a rollout', () => {
    const data = reduceTrace(
      trace([
        [0, 'k8s.controller', { controller: 'deployment', action: 'replicaset-created', object: 'replicaset/default/web-aaa', detail: 'revision 1 of deployment web' }],
        [10, 'k8s.event', { reason: 'SuccessfulCreate', namespace: 'default', object: 'replicaset/web-aaa', message: 'Created pod: web-aaa-1' }],
        [20, 'k8s.schedule', { pod: 'default/web-aaa-1', node: 'n1' }],
        [30, 'k8s.pod', { namespace: 'default', pod: 'web-aaa-1', node: 'n1', phase: 'Running', ready: true }],
        [100, 'k8s.controller', { controller: 'deployment', action: 'replicaset-created', object: 'replicaset/default/web-bbb', detail: 'revision 2 of deployment web' }],
        [100, 'k8s.controller', { controller: 'deployment', action: 'replicaset-scaled', object: 'replicaset/default/web-bbb', detail: '0 → 1 for deployment web' }],
        [110, 'k8s.event', { reason: 'SuccessfulCreate', namespace: 'default', object: 'replicaset/web-bbb', message: 'Created pod: web-bbb-1' }],
        [120, 'k8s.schedule', { pod: 'default/web-bbb-1', node: 'n2' }],
        [130, 'k8s.pod', { namespace: 'default', pod: 'web-bbb-1', node: 'n2', phase: 'Running', ready: true }],
        [140, 'k8s.event', { reason: 'SuccessfulDelete', namespace: 'default', object: 'replicaset/web-aaa', message: 'Deleted pod: web-aaa-1' }],
        [150, 'k8s.request', { resource: 'pods', verb: 'create', namespace: 'default', name: 'solo', code: 201 }],
      ]),
      { durationMs: 200 },
    );
    assert.deepEqual(data.pods.spans['default/web-aaa-1'], [
      [10, 20, 'Pending', ''],
      [20, 30, 'Pending', 'n1'],
      [30, 140, 'Running', 'n1'],
    ]);
    // Bound (node known) while still Pending, then Running.
    assert.deepEqual(data.pods.spans['default/web-bbb-1'], [
      [110, 120, 'Pending', ''],
      [120, 130, 'Pending', 'n2'],
      [130, 200, 'Running', 'n2'],
    ]);
    assert.equal(data.pods.workloadOf['default/web-aaa-1'], 'default/web');
    assert.equal(data.pods.workloadOf['default/solo'], 'default/solo');
    const web = data.pods.byWorkload['default/web']!;
    const at = (t: number, k: string): number => web.counts[k]![stepIndex(web.t, t)]!;
    assert.equal(at(50, 'Running'), 1);
    assert.equal(at(135, 'Running'), 2);
    assert.equal(at(145, 'Running'), 1);
    assert.equal(at(115, 'Pending'), 1);
    assert.equal(data.rollouts.length, 1);
    const r = data.rollouts[0]!;
    assert.equal(r.deployment, 'default/web');
    assert.deepEqual(Object.keys(r.running.counts), ['default/web-aaa', 'default/web-bbb']);
    const run = (t: number, rs: string): number => r.running.counts[rs]![stepIndex(r.running.t, t)]!;
    assert.equal(run(135, 'default/web-aaa'), 1);
    assert.equal(run(135, 'default/web-bbb'), 1);
    assert.equal(run(145, 'default/web-aaa'), 0);
    assert.deepEqual(r.desired.counts['default/web-bbb'], [1]);
  });

  it('expectations and invariant violations are markers with their line numbers', () => {
    const data = reduceTrace(
      trace([
        [10, 'raft.role', { member: 'etcd-0', role: 'leader', term: 1 }],
        [20, 'expect', { name: 'a leader', ok: true, detail: 'etcd-0 leads' }],
        [30, 'invariant', { name: 'election-safety', detail: 'two leaders in term 1' }],
        [40, 'expect', { name: 'no split', ok: false, detail: 'it split' }],
      ]),
    );
    assert.deepEqual(
      data.markers.map((m) => [m.kind, m.seq, m.ok, m.label]),
      [
        ['expect', 1, true, 'a leader'],
        ['invariant', 2, false, 'election-safety'],
        ['expect', 3, false, 'no split'],
      ],
    );
  });

  it('the log keeps every line as columns, with kinds and components interned', () => {
    const events = trace([
      [1, 'raft.role', { member: 'etcd-0', role: 'follower', term: 0 }],
      [2, 'net.drop', { from: 'etcd-1', to: 'etcd-0', type: 'MsgApp', reason: 'partition' }],
      [3, 'raft.role', { member: 'etcd-1', role: 'leader', term: 1 }],
      [4, 'fault', { action: 'heal', targets: ['etcd-0'] }],
    ]);
    const { log } = reduceTrace(events);
    assert.deepEqual(log.kinds, ['raft.role', 'net.drop', 'fault']);
    assert.deepEqual(log.components, ['etcd-0', 'etcd-1', 'scenario']);
    assert.deepEqual(log.kind, [0, 1, 0, 2]);
    assert.deepEqual(log.component, [0, 1, 1, 2]);
    assert.deepEqual(log.seq, [0, 1, 2, 3]);
    assert.equal(log.text[1], 'from=etcd-1 to=etcd-0 type=MsgApp reason=partition');
  });

  it('traffic is bucketed per source and backend, errors apart', () => {
    const lanes = bucketTraffic(
      [
        { t: 100, source: 's', backend: 'p1', ok: true, result: 'ok' },
        { t: 900, source: 's', backend: 'p2', ok: true, result: 'ok' },
        { t: 1100, source: 's', backend: 'p1', ok: true, result: 'ok' },
        { t: 1200, source: 's', backend: '(none)', ok: false, result: 'refused' },
      ],
      2000,
      2,
    );
    assert.equal(lanes.length, 1);
    assert.equal(lanes[0]!.bucketMs, 1000);
    assert.deepEqual(lanes[0]!.backends, { p1: [1, 1, 0], p2: [1, 0, 0] });
    assert.deepEqual(lanes[0]!.errors, [0, 1, 0]);
    assert.deepEqual(lanes[0]!.errorKinds, { refused: 1 });
  });

  it('helpers: components, short log text, workload names', () => {
    assert.equal(componentOf({ t: 0, seq: 0, kind: 'k8s.event', reporter: 'kubelet-x' }), 'kubelet-x');
    assert.equal(componentOf({ t: 0, seq: 0, kind: 'expect', name: 'x' }), 'scenario');
    assert.equal(logText({ t: 0, seq: 0, kind: 'x', detail: 'a'.repeat(50) }, 20), `detail=${'a'.repeat(12)}…`);
    assert.equal(logText({ t: 0, seq: 0, kind: 'x', a: undefined, b: [1], c: null }, 80), 'b=[1] c=null');
    assert.equal(workloadFromName('default/web-6bf7889449-qqvw4'), 'default/web');
    assert.equal(workloadFromName('default/db-2'), 'default/db');
  });
});
