import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Simulation } from '../../actors/kernel/simulation.ts';
import { TraceRecorder } from '../../actors/kernel/trace.ts';
import { checkRunning, RunningPods, workloadKeys } from '../../actors/scenario/running-pods.ts';

/** A trace on a hand-driven clock, and the tally listening to it. */
function setup(): { at: (ms: number) => void; trace: TraceRecorder; pods: RunningPods } {
  let now = 0;
  const trace = new TraceRecorder(() => now);
  const pods = new RunningPods({ trace } as unknown as Simulation);
  return { at: (ms) => (now = ms), trace, pods };
}

const web = (node: string, pod: string, running: number) => ({ node, namespace: 'default', pod, controller: 'ReplicaSet/web-abc12', templateHash: 'abc12', running });

describe('RunningPods: what the runtimes run, per workload', () => {
  it('a ReplicaSet pod counts for its ReplicaSet and, by the template hash in its name, its Deployment', () => {
    assert.deepEqual(workloadKeys('default', 'ReplicaSet/web-abc12', 'abc12'), ['replicaset/default/web-abc12', 'deployment/default/web']);
    assert.deepEqual(workloadKeys('default', 'ReplicaSet/web', 'abc12'), ['replicaset/default/web']);
    assert.deepEqual(workloadKeys('ns', 'StatefulSet/db', undefined), ['statefulset/ns/db']);
    assert.deepEqual(workloadKeys('ns', undefined, undefined), []);
  });

  it('the maximum at once counts the island: pods the API replaced but a partitioned node still runs', () => {
    const { at, trace, pods } = setup();
    trace.record('k8s.running', web('worker-0', 'a', 1));
    trace.record('k8s.running', web('worker-1', 'b', 1));
    // The replacement for b starts while b still runs on the partitioned worker-1: 3 at once.
    at(5_000);
    trace.record('k8s.running', web('worker-0', 'c', 1));
    // A second container of the same pod does not count twice.
    trace.record('k8s.running', web('worker-0', 'c', 2));
    at(9_000);
    trace.record('k8s.running', web('worker-1', 'b', 0));
    const t = pods.tally('deployment/default/web');
    assert.equal(t.running, 2);
    assert.equal(t.maxAtOnce, 3);
    assert.equal(t.maxAtMs, 5_000);
    assert.deepEqual([...t.byNode], [['worker-0', 2]]);
    const ok = checkRunning({ object: { kind: 'deployment', name: 'web' }, count: 2, maxAtOnce: 3 }, pods);
    assert.equal(ok.ok, true, ok.detail);
    assert.equal(ok.detail, 'deployment/web: 2 pod(s) running (worker-0 2); at most 3 at once (first at 5.000s)');
    const tooMany = checkRunning({ object: { kind: 'deployment', name: 'web' }, maxAtOnce: { atMost: 2 } }, pods);
    assert.equal(tooMany.ok, false);
    assert.match(tooMany.detail, /expected at most 2 at most at once/);
  });

  it('a crashed node runs nothing any more', () => {
    const { trace, pods } = setup();
    trace.record('k8s.running', web('worker-0', 'a', 1));
    trace.record('k8s.running', web('worker-1', 'b', 1));
    trace.record('fault', { action: 'crash', targets: ['worker-1'] });
    assert.equal(pods.tally('deployment/default/web').running, 1);
    // Its kubelet's late "stopped" (none comes after a crash, but a restart's fresh worker) is not counted twice.
    trace.record('k8s.running', web('worker-1', 'b', 0));
    assert.equal(pods.tally('deployment/default/web').running, 1);
    assert.equal(pods.tally('deployment/default/web').maxAtOnce, 2);
  });

  it('a workload none of whose pods ran reads zero', () => {
    const { pods } = setup();
    const v = checkRunning({ object: { kind: 'replicaset', name: 'x' }, count: 0, maxAtOnce: 0 }, pods);
    assert.equal(v.ok, true, v.detail);
  });
});
