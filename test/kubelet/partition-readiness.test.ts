/**
 * A node partitioned for less than the 300-s eviction: the node lifecycle controller marks its
 * pods NotReady (MarkPodsNotReady) while the kubelet cannot report; once the partition heals, the
 * kubelet — whose containers never stopped, so whose own status never changed — must put Ready back
 * (the status manager's needsReconcile). Before status-reconcile.ts the pods stayed NotReady.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const scenario = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: short-partition}
spec:
  seed: 1
  duration: 260s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes: [{name: worker, count: 2}]
  workload:
    - {apiVersion: v1, kind: Pod, metadata: {name: island, labels: {app: web}}, spec: {nodeName: worker-1, containers: [{name: app, image: nginx:1.25}]}}
  timeline:
    - {at: 20s, isolate: worker-1}
    - {at: 120s, heal: worker-1}
  expect:
    - name: the node is Ready again, its kubelet posting status because the API's says Unknown (not after 5 min)
      within: {after: 120s, limit: 100s}
      that: {node: {name: worker-1, condition: {type: Ready, status: "True"}}}
    - name: the pod is marked not ready while its node is cut off
      within: {after: 60s, limit: 20s}
      that: {pods: {selector: app=web, phase: Running, ready: false, count: 1}}
    - name: after the heal the kubelet puts Ready back, once its watch resumes (a watch is noticed broken after 90 s without a message)
      within: {after: 120s, limit: 100s}
      that: {pods: {selector: app=web, phase: Running, ready: true, count: 1}}
    - name: and it stays Ready
      always: {from: 220s, to: 260s}
      that: {pods: {selector: app=web, phase: Running, ready: true, count: 1}}
`;

it('a pod marked NotReady during a short partition is Ready again after the heal', () => {
  for (const seed of ['1', '2', '3']) {
    const { result } = runScenario({ ...loadScenarioText(scenario, '<test>'), seed });
    const failed = result.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
    assert.deepEqual(failed, [], `seed ${seed}`);
  }
});
