/**
 * The garbage collector on a whole simulated cluster: deleting a Deployment (apps/v1: Background
 * by default) leaves its ReplicaSet and pods without their owner; the collector deletes the
 * ReplicaSet, then its pods (gracefully: their kubelets stop them). A pod whose owner reference
 * names a ReplicaSet that never existed is deleted as dangling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const SCENARIO = `
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: gc-background}
spec:
  seed: 5
  duration: 40s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - {name: worker, count: 2}
  timeline:
    - at: 3s
      apply:
        id: create-web
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web, labels: {app: web}}
          spec:
            replicas: 2
            selector: {matchLabels: {app: web}}
            template:
              metadata: {labels: {app: web}}
              spec: {containers: [{name: web, image: nginx:1.25}]}
    - at: 4s
      apply:
        id: create-stray
        manifest:
          apiVersion: v1
          kind: Pod
          metadata:
            name: stray
            ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ghost, uid: 00000000-0000-0000-0000-000000000000, controller: true}]
          spec: {containers: [{name: app, image: nginx:1.25}]}
    - at: 15s
      delete: {object: deployment/web, id: delete-web}
  expect:
    - name: two web pods run
      within: {after: 3s, limit: 10s}
      that: {pods: {selector: app=web, phase: Running, count: 2}}
    - name: the stray pod is collected
      within: {after: 5s, limit: 5s}
      that: {object: {object: pod/stray, exists: false}}
    - name: the deployment is deleted at once
      within: {after: 15s, limit: 1s}
      that: {object: {object: deployment/web, exists: false}}
    - name: its pods are collected
      within: {after: 15s, limit: 10s}
      that: {pods: {selector: app=web, count: 0}}
`;

describe('garbage collector on a cluster', { timeout: 180_000 }, () => {
  const traces: TraceEvent[] = [];
  let run: ReturnType<typeof runScenario> | undefined;
  const collected = (): string[] => {
    run ??= runScenario(loadScenarioText(SCENARIO, 'gc-background.yaml'), { onTrace: (e) => traces.push(e) });
    return traces.filter((e) => e.kind === 'k8s.controller' && e.controller === 'garbagecollector' && e.action === 'deleted').map((e) => String(e.object));
  };

  it("collects a deleted Deployment's ReplicaSet and pods", { timeout: 180_000 }, () => {
    const gc = collected();
    const failed = run!.result.expectations.filter((e) => !e.ok && e.name !== 'the stray pod is collected').map((e) => `${e.name}: ${e.detail}`);
    assert.deepEqual(failed, []);
    assert.ok(gc.some((o) => o.startsWith('replicaset/default/web-')), `the ReplicaSet is collected: ${gc.join(', ')}`);
    assert.ok(gc.filter((o) => o.startsWith('pod/default/web-')).length >= 2, 'the web pods are collected');
  });

  // The delete races the pod's binding and first status: the apiserver must retry its own
  // compare-and-swap (GuaranteedUpdate) instead of answering 409, which the collector tolerates.
  it('collects a pod whose owner never existed, while its kubelet is still writing its status', { timeout: 180_000 }, () => {
    const gc = collected();
    assert.ok(gc.includes('pod/default/stray'), 'the stray pod is collected');
    assert.ok(run!.result.expectations.find((e) => e.name === 'the stray pod is collected')?.ok, 'the stray pod is gone within 5 s of its creation');
  });
});
