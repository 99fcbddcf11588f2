/**
 * The serviceaccount controller on a whole simulated cluster (etcd, kube-apiserver,
 * kube-controller-manager, kubelets, over the network): a namespace created by the workload has
 * its `default` ServiceAccount within 100 ms of virtual time (upstream: milliseconds), and a pod
 * created in it shortly after is admitted. A drain loop that spent its only worker slot on keys
 * whose sync finished at once (the bootstrap namespaces, which have theirs) left the workload's
 * namespace waiting for unrelated events, seconds, and pods created meanwhile got 403.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const SCENARIO = `
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: serviceaccount-latency}
spec:
  seed: 3
  duration: 12s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - {name: worker, count: 2}
  workload:
    - {apiVersion: v1, kind: Namespace, metadata: {name: team-a}}
    - {apiVersion: v1, kind: Namespace, metadata: {name: team-b}}
    - {apiVersion: v1, kind: Namespace, metadata: {name: team-d}}
    - {apiVersion: v1, kind: Namespace, metadata: {name: team-e}}
  timeline:
    - at: 6s
      apply:
        id: create-team-c
        manifest: {apiVersion: v1, kind: Namespace, metadata: {name: team-c}}
    - at: 6200ms
      apply:
        id: pod-in-team-c
        manifest:
          apiVersion: v1
          kind: Pod
          metadata: {name: web, namespace: team-c}
          spec: {containers: [{name: app, image: nginx:1.25}]}
`;

describe('serviceaccount controller: latency on a cluster', { timeout: 120_000 }, () => {
  it('every namespace the workload creates has its default ServiceAccount within 100 ms', { timeout: 120_000 }, () => {
    const traces: TraceEvent[] = [];
    const run = runScenario(loadScenarioText(SCENARIO, 'serviceaccount-latency.yaml'), { onTrace: (e) => traces.push(e) });
    assert.equal(run.result.stopReason, null);
    const leaderAt = traces.find((e) => e.kind === 'k8s.leader' && e.component === 'kube-controller-manager' && e.leader === true)?.t;
    assert.ok(leaderAt !== undefined, 'the controller manager leads');
    for (const ns of ['team-a', 'team-b', 'team-c', 'team-d', 'team-e']) {
      const created = traces.find((e) => e.kind === 'k8s.request' && e.resource === 'namespaces' && e.name === ns && e.code === 201)?.t;
      assert.ok(created !== undefined, `${ns} created`);
      const sa = traces.find((e) => e.kind === 'k8s.controller' && e.action === 'created' && e.object === `serviceaccount/${ns}/default`)?.t;
      // The controller can only act once it leads: count from the later of the two.
      const from = Math.max(created, leaderAt);
      assert.ok(sa !== undefined && sa - from <= 100, `${ns}: created at ${created} ms, controller leading from ${leaderAt} ms, default ServiceAccount at ${sa ?? 'never'}`);
    }
    const pods = traces.filter((e) => e.kind === 'k8s.request' && e.resource === 'pods' && e.verb === 'create').map((e) => `${String(e.namespace)}/${String(e.name)} ${String(e.code)}`);
    assert.deepEqual(pods, ['team-c/web 201'], 'a pod created 200 ms after its namespace is admitted');
  });
});
