/**
 * The ReplicationController controller: the ReplicaSet controller's sync over ReplicationControllers
 * (a selector map read as matchLabels; pods owned by a v1 ReplicationController; status written
 * to replicationcontrollers/status), and the Kubernetes documentation's ReplicationController
 * `nginx` reaching 3 running replicas in a cluster, then scaled to 5 by `kubectl scale`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import { PODS, REPLICATION_CONTROLLERS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { newReplicaSetState, REPLICATION_CONTROLLER_KIND, syncReplicas, type ReplicaSetState } from '../../actors/controllers/replicaset/replicaset.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 300_000 };
const sync = syncReplicas(REPLICATION_CONTROLLER_KIND);

const rc = (replicas: number, status?: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'nginx', namespace: 'default', uid: 'rc-uid', generation: 2, resourceVersion: '5' },
    spec: { replicas, selector: { app: 'nginx' }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    ...(status ? { status } : {}),
  }) as KubeObject;

const ownedByRc = { apiVersion: 'v1', kind: 'ReplicationController', name: 'nginx', uid: 'rc-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, opts: { owner?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: opts.labels ?? { app: 'nginx' }, creationTimestamp: timestamp(0), ...(opts.owner === false ? {} : { ownerReferences: [ownedByRc] }) },
    spec: { nodeName: 'worker-0' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: timestamp(0) }] },
  } as KubeObject;
}

const writes = (actions: readonly Action<ReplicaSetState>[]) => actions.filter((a): a is WriteAction<ReplicaSetState> => a.kind === 'write');

describe('replicationcontroller sync', () => {
  it('creates pods owned by the v1 ReplicationController from its template', () => {
    const ctx = fakeContext(newReplicaSetState(), [[REPLICATION_CONTROLLERS, [rc(3)]], [PODS, []]], 1000);
    const creates = writes(sync('default/nginx', ctx)).filter((w) => w.request.verb === 'create');
    // Slow start: the first batch is one pod.
    assert.equal(creates.length, 1);
    assert.deepEqual(creates[0]!.request.body!.metadata?.ownerReferences, [ownedByRc]);
    assert.equal(creates[0]!.request.body!.metadata?.generateName, 'nginx-');
  });

  it('adopts an orphan its selector map matches, leaves others, and writes replicationcontrollers/status with the stored selector', () => {
    const ctx = fakeContext(newReplicaSetState(), [[REPLICATION_CONTROLLERS, [rc(2)]], [PODS, [pod('a'), pod('b', { owner: false }), pod('c', { owner: false, labels: { app: 'db' } })]]], 1000);
    const ws = writes(sync('default/nginx', ctx));
    const adopt = ws.filter((w) => w.request.verb === 'patch');
    assert.deepEqual(adopt.map((w) => w.request.name), ['b']);
    assert.deepEqual((adopt[0]!.request.body as { metadata: { ownerReferences: unknown[] } }).metadata.ownerReferences, [ownedByRc]);
    assert.equal(ws.filter((w) => w.request.verb === 'create' || w.request.verb === 'delete').length, 0, '2 pods for 2 replicas');
    const status = ws.find((w) => w.request.subresource === 'status')!;
    assert.deepEqual([status.request.apiVersion, status.request.resource], ['v1', 'replicationcontrollers']);
    assert.deepEqual((status.request.body!.spec as { selector: unknown }).selector, { app: 'nginx' }, 'the map selector is written back as it is stored');
    assert.deepEqual(status.request.body!.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 });
  });

  it('deletes the surplus when scaled down', () => {
    const ctx = fakeContext(newReplicaSetState(), [[REPLICATION_CONTROLLERS, [rc(1)]], [PODS, [pod('a'), pod('b')]]], 1000);
    assert.equal(writes(sync('default/nginx', ctx)).filter((w) => w.request.verb === 'delete').length, 1);
  });
});

describe('replicationcontroller in a cluster', () => {
  it("runs the documentation's ReplicationController nginx to 3 ready replicas, then kubectl scale makes 5", T, () => {
    const manifest = readFileSync(fileURLToPath(new URL('../fixtures/k8s-docs/replicationcontroller-nginx.yaml', import.meta.url)), 'utf8');
    const indented = manifest.split('\n').map((l) => `          ${l}`).join('\n');
    const text = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: rc-docs}
spec:
  duration: 60s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 2}]
  timeline:
    - at: 5s
      apply:
        id: rc
        manifest:
${indented}
    - at: 30s
      scale: {object: rc/nginx, replicas: 5, id: scale-rc}
  expect:
    - name: three nginx pods run and are ready
      within: {after: 5s, limit: 20s}
      that: {pods: {selector: app=nginx, phase: Running, ready: true, count: 3}}
    - name: the ReplicationController reports 3 ready
      within: {after: 5s, limit: 20s}
      that: {workload: {object: replicationcontroller/nginx, replicas: 3, ready: 3, available: 3}}
    - name: scaled, five run
      within: {after: 30s, limit: 20s}
      that: {workload: {object: rc/nginx, replicas: 5, ready: 5}}
`;
    const spec = loadScenarioText(text, fileURLToPath(new URL('../scenario/fixtures/inline.yaml', import.meta.url)));
    const { result } = runScenario(spec);
    assert.deepEqual(result.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`), []);
  });
});
