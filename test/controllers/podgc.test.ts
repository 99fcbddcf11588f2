/**
 * The pod garbage collector: its pure decisions (podgc.ts), and on a whole cluster, the orphans
 * of a deleted node going after the 40-s quarantine and a GET that answers 404.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import {
  DELETION_BY_POD_GC,
  failedStatusPatch,
  missingNodes,
  terminatedPodsToDelete,
  terminatingOnOutOfServiceNodes,
  unscheduledTerminating,
} from '../../actors/controllers/podgc/podgc.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

function pod(name: string, o: { phase?: string; reason?: string; createdS?: number; node?: string; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: timestamp((o.createdS ?? 0) * 1000), ...(o.deleting ? { deletionTimestamp: timestamp(99_000) } : {}) },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: { ...(o.phase ? { phase: o.phase } : {}), ...(o.reason ? { reason: o.reason } : {}) },
  };
}
const names = (pods: readonly KubeObject[]): string[] => pods.map((p) => p.metadata?.name ?? '');

describe('podgc decisions', () => {
  it('terminated pods beyond the threshold go: evicted first, then the oldest, then by name', () => {
    const pods = [
      pod('running', { phase: 'Running', createdS: 0 }),
      pod('pending', { createdS: 0 }),
      pod('unknown', { phase: 'Unknown', createdS: 0 }),
      pod('done-new', { phase: 'Succeeded', createdS: 30 }),
      pod('done-old', { phase: 'Succeeded', createdS: 10 }),
      pod('failed-b', { phase: 'Failed', createdS: 20 }),
      pod('failed-a', { phase: 'Failed', createdS: 20 }),
      pod('evicted', { phase: 'Failed', reason: 'Evicted', createdS: 40 }),
    ];
    assert.deepEqual(names(terminatedPodsToDelete(pods, 2)), ['evicted', 'done-old', 'failed-a']);
    assert.deepEqual(terminatedPodsToDelete(pods, 5), [], 'five terminated pods: none over the threshold');
    assert.deepEqual(terminatedPodsToDelete(pods, 0), [], 'a threshold of 0 turns it off');
  });

  it('terminating pods go from a NotReady node only if it is tainted out-of-service', () => {
    const outOfService = { spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } } as KubeObject;
    const notReady = { spec: {}, status: { conditions: [{ type: 'Ready', status: 'False' }] } } as KubeObject;
    const readyTainted = { ...outOfService, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject;
    const nodes: Record<string, KubeObject> = { oos: outOfService, down: notReady, up: readyTainted };
    const pods = [pod('a', { node: 'oos', deleting: true }), pod('b', { node: 'oos' }), pod('c', { node: 'down', deleting: true }), pod('d', { node: 'up', deleting: true }), pod('e', { node: 'gone', deleting: true })];
    assert.deepEqual(names(terminatingOnOutOfServiceNodes(pods, (n) => nodes[n])), ['a']);
  });

  it('missing nodes are the ones pods are bound to that the informer lacks; unbound terminating pods go', () => {
    const pods = [pod('a', { node: 'n2' }), pod('b', { node: 'n1' }), pod('c', { node: 'n2' }), pod('d'), pod('e', { deleting: true }), pod('f', { node: 'n1', deleting: true })];
    assert.deepEqual(missingNodes(pods, (n) => n === 'n1'), ['n2']);
    assert.deepEqual(names(unscheduledTerminating(pods)), ['e']);
  });

  it('the status patch: Failed with the condition replacing its namesake; nothing for a terminal pod', () => {
    const running = { ...pod('a', { phase: 'Running' }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'DisruptionTarget', status: 'False', lastTransitionTime: timestamp(0) }] } };
    const patch = failedStatusPatch(running, DELETION_BY_POD_GC, 5_000);
    assert.equal(patch?.status.phase, 'Failed');
    assert.deepEqual(patch?.status.conditions?.map((c) => [c.type, c.status, c.reason]), [['Ready', 'True', undefined], ['DisruptionTarget', 'True', 'DeletionByPodGC']]);
    assert.equal(patch?.status.conditions?.[1]?.lastTransitionTime, timestamp(5_000), 'False → True is a transition');
    assert.deepEqual(failedStatusPatch(pod('b', { phase: 'Pending' }), undefined, 0), { status: { phase: 'Failed' } });
    assert.equal(failedStatusPatch(pod('c', { phase: 'Succeeded' }), DELETION_BY_POD_GC, 0), undefined);
  });
});

const SCENARIO = `
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: podgc-orphans}
spec:
  seed: 1
  duration: 120s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - {name: worker, count: 2}
  workload:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 4
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: app, image: nginx:1.25}]
  timeline:
    - {at: 20s, crash: [worker-0]}
    - {at: 21s, delete: {object: node/worker-0}}
`;

describe('podgc on a cluster', { timeout: 120_000 }, () => {
  it("a deleted node's pods are marked Failed (DeletionByPodGC) and force-deleted after the 40-s quarantine, and replaced", () => {
    const traces: TraceEvent[] = [];
    const run = runScenario(loadScenarioText(SCENARIO, 'podgc-orphans.yaml'), { onTrace: (e) => traces.push(e) });
    assert.equal(run.result.stopReason, null);
    const podWrites = traces.filter((e) => e.kind === 'k8s.write' && e.resource === 'pods');
    const lastNodeOf = new Map<string, string>();
    for (const w of podWrites) if (w.t < 21_000 && typeof w.node === 'string' && w.node) lastNodeOf.set(String(w.name), w.node);
    const orphans = [...lastNodeOf].filter(([, n]) => n === 'worker-0').map(([p]) => p).sort();
    assert.ok(orphans.length > 0, 'the scheduler spread some pods onto worker-0');
    const gc = traces.filter((e) => e.kind === 'k8s.controller' && e.controller === 'podgc');
    assert.deepEqual(gc.map((e) => String(e.object).replace('pod/default/', '')).sort(), orphans, 'exactly the pods of the deleted node');
    for (const e of gc) {
      assert.equal(e.detail, 'node worker-0 no longer exists');
      // Seen missing at the first pass after 21 s, looked at again 40 s later (passes are 20 s apart).
      assert.ok(e.t >= 21_000 + 40_000 && e.t <= 21_000 + 40_000 + 20_000 + 1_000, `pod-gc at ${e.t} ms`);
    }
    for (const name of orphans) {
      const failed = podWrites.find((w) => w.name === name && w.phase === 'Failed');
      assert.ok(failed, `${name} was patched to Failed before its deletion`);
      const deleted = podWrites.find((w) => w.name === name && w.verb === 'delete');
      assert.ok(deleted && deleted.t >= failed.t, `${name} deleted after its status patch`);
    }
    const running = new Set<string>();
    for (const e of traces) if (e.kind === 'k8s.running' && e.node === 'worker-1') (Number(e.running) > 0 ? running.add(String(e.pod)) : running.delete(String(e.pod)));
    assert.equal(running.size, 4, `worker-1 runs the 4 replicas at the end: ${[...running].join(', ')}`);
  });
});
