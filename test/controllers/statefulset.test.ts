/** The StatefulSet controller: identities, ordered scaling, rolling updates with partition, status, on hand-built state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { CONTROLLER_REVISIONS, PODS, PVCS, STATEFUL_SETS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { syncStatefulSet } from '../../actors/controllers/statefulset/controller.ts';
import {
  claimsFor,
  newPod,
  ordinalOf,
  planStatefulSet,
  revisionForOrdinal,
  revisionsToDelete,
  statefulSetStatus,
  type StatefulSetJson,
} from '../../actors/controllers/statefulset/statefulset.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

function sts(spec: Partial<NonNullable<StatefulSetJson['spec']>> = {}): StatefulSetJson {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'sts-uid', generation: 2 },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { app: 'nginx' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }], volumes: [{ name: 'www' }, { name: 'cfg' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www', labels: { tier: 'data' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  } as StatefulSetJson;
}

const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-uid', controller: true, blockOwnerDeletion: true };

function pod(ordinal: number, revision: string, opts: { ready?: boolean; phase?: string; terminating?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${ordinal}`,
      namespace: 'default',
      uid: `uid-${ordinal}`,
      labels: { app: 'nginx', 'controller-revision-hash': revision },
      ownerReferences: [owner],
      ...(opts.terminating ? { deletionTimestamp: timestamp(0) } : {}),
    },
    spec: { nodeName: 'worker-0' },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: timestamp(0) }] },
  } as KubeObject;
}

const claims = (...names: string[]) => new Set(names);
const plan = (set: StatefulSetJson, pods: KubeObject[], current = 'r1', update = 'r1') =>
  planStatefulSet({ set, pods, currentRevision: current, updateRevision: update, existingClaims: claims('www-web-0', 'www-web-1', 'www-web-2', 'www-web-3'), nowMs: 100_000 });
const names = (pods: KubeObject[]) => pods.map((p) => p.metadata?.name);

describe('StatefulSet identities', () => {
  it('ordinals parse only `<set>-<n>` without leading zeros', T, () => {
    assert.equal(ordinalOf('web', 'web-0'), 0);
    assert.equal(ordinalOf('web', 'web-12'), 12);
    assert.equal(ordinalOf('web', 'web-01'), -1);
    assert.equal(ordinalOf('web', 'web-x'), -1);
    assert.equal(ordinalOf('web', 'webby-1'), -1);
  });
  it('claims are `<template>-<set>-<ordinal>`, labelled with the template labels and the selector', T, () => {
    const [c] = claimsFor(sts(), 1);
    assert.equal(c!.metadata?.name, 'www-web-1');
    assert.deepEqual(c!.metadata?.labels, { tier: 'data', app: 'nginx' });
    assert.deepEqual((c as { spec: unknown }).spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  });
  it('the pod: name, hostname and subdomain, identity labels, its claim in place of the same-named volume', T, () => {
    const set = sts();
    const p = newPod(set, set.spec!.template, 'web-abc', 2) as KubeObject & { spec: { hostname: string; subdomain: string; volumes: unknown[] } };
    assert.equal(p.metadata?.name, 'web-2');
    assert.equal(p.spec.hostname, 'web-2');
    assert.equal(p.spec.subdomain, 'nginx');
    assert.deepEqual(p.metadata?.labels, { app: 'nginx', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'web-abc' });
    assert.deepEqual(p.spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }, { name: 'cfg' }]);
    assert.equal(p.metadata?.ownerReferences?.[0]?.uid, 'sts-uid');
  });
});

describe('StatefulSet scaling', () => {
  it('OrderedReady creates only the next ordinal, once the ones below are Running and Ready', T, () => {
    assert.deepEqual(plan(sts(), []).create, [{ ordinal: 0, revision: 'update' }]);
    assert.deepEqual(plan(sts(), [pod(0, 'r1')]).create, [{ ordinal: 1, revision: 'update' }]);
    assert.deepEqual(plan(sts(), [pod(0, 'r1', { ready: false })]).create, []);
    assert.deepEqual(plan(sts(), [pod(0, 'r1', { phase: 'Pending', ready: false })]).create, []);
  });
  it('OrderedReady waits minReadySeconds of readiness before the next ordinal', T, () => {
    // Ready since 0 ms; now 100 s: available with 10 s, not with 200 s.
    assert.deepEqual(plan(sts({ minReadySeconds: 10 }), [pod(0, 'r1')]).create.map((c) => c.ordinal), [1]);
    assert.deepEqual(plan(sts({ minReadySeconds: 200 }), [pod(0, 'r1')]).create, []);
  });
  it('Parallel creates every missing ordinal at once', T, () => {
    assert.deepEqual(plan(sts({ podManagementPolicy: 'Parallel' }), [pod(1, 'r1', { ready: false })]).create.map((c) => c.ordinal), [0, 2]);
  });
  it('a failed pod is deleted (then recreated under its name); OrderedReady goes no further', T, () => {
    const p = plan(sts(), [pod(0, 'r1'), pod(1, 'r1', { phase: 'Failed', ready: false })]);
    assert.deepEqual(names(p.delete), ['web-1']);
    assert.deepEqual(p.create, []);
  });
  it('scale-down removes the highest ordinal first, one at a time, waiting for it to terminate', T, () => {
    const set = sts({ replicas: 1 });
    assert.deepEqual(names(plan(set, [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r1')]).delete), ['web-2']);
    assert.deepEqual(names(plan(set, [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r1', { terminating: true })]).delete), []);
    assert.deepEqual(names(plan(set, [pod(0, 'r1'), pod(1, 'r1')]).delete), ['web-1']);
  });
  it('OrderedReady does not scale down past an unhealthy lower pod; Parallel deletes every condemned pod', T, () => {
    assert.deepEqual(names(plan(sts({ replicas: 1 }), [pod(0, 'r1', { ready: false }), pod(1, 'r1'), pod(2, 'r1')]).delete), []);
    assert.deepEqual(names(plan(sts({ replicas: 1, podManagementPolicy: 'Parallel' }), [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r1')]).delete), ['web-2', 'web-1']);
  });
  it('a pod whose claim is missing gets its claim again', T, () => {
    const p = planStatefulSet({ set: sts(), pods: [pod(0, 'r1')], currentRevision: 'r1', updateRevision: 'r1', existingClaims: claims(), nowMs: 0 });
    assert.deepEqual(p.claimsFor, [0]);
  });
});

describe('StatefulSet updates', () => {
  const all = (rev: string) => [pod(0, rev), pod(1, rev), pod(2, rev)];
  it('RollingUpdate replaces the highest ordinal not at the update revision, one at a time', T, () => {
    assert.deepEqual(names(plan(sts(), all('r1'), 'r1', 'r2').delete), ['web-2']);
    // web-2 updated and ready: web-1 is next.
    assert.deepEqual(names(plan(sts(), [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r2')], 'r1', 'r2').delete), ['web-1']);
    // web-2 updated but not ready yet: wait.
    assert.deepEqual(names(plan(sts({ podManagementPolicy: 'Parallel' }), [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r2', { ready: false })], 'r1', 'r2').delete), []);
  });
  it('a partition leaves the ordinals below it on the current revision', T, () => {
    const set = sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    assert.deepEqual(names(plan(set, all('r1'), 'r1', 'r2').delete), ['web-2']);
    assert.deepEqual(names(plan(set, [pod(0, 'r1'), pod(1, 'r1'), pod(2, 'r2')], 'r1', 'r2').delete), []);
    // A deleted low ordinal comes back at the current revision, a high one at the update revision.
    assert.equal(revisionForOrdinal(set, 1, 2), 'current');
    assert.equal(revisionForOrdinal(set, 2, 2), 'update');
    assert.deepEqual(plan(set, [pod(0, 'r1'), pod(2, 'r2')], 'r1', 'r2').create, [{ ordinal: 1, revision: 'current' }]);
  });
  it('OnDelete never deletes for an update; a deleted pod comes back at the update revision', T, () => {
    const set = sts({ updateStrategy: { type: 'OnDelete' } });
    assert.deepEqual(plan(set, all('r1'), 'r1', 'r2').delete, []);
    assert.deepEqual(plan(set, [pod(0, 'r1'), pod(2, 'r1')], 'r1', 'r2').create, [{ ordinal: 1, revision: 'update' }]);
  });
});

describe('StatefulSet status and history', () => {
  it('counts replicas, ready, current and updated; the update revision becomes current when the rollout is complete', T, () => {
    const mid = statefulSetStatus(sts(), [pod(0, 'r1'), pod(1, 'r1', { ready: false }), pod(2, 'r2')], 'r1', 'r2', 0);
    assert.deepEqual(
      { replicas: mid.replicas, ready: mid.readyReplicas, available: mid.availableReplicas, current: mid.currentReplicas, updated: mid.updatedReplicas, cur: mid.currentRevision, upd: mid.updateRevision, gen: mid.observedGeneration },
      { replicas: 3, ready: 2, available: 2, current: 2, updated: 1, cur: 'r1', upd: 'r2', gen: 2 },
    );
    const done = statefulSetStatus(sts(), [pod(0, 'r2'), pod(1, 'r2'), pod(2, 'r2')], 'r1', 'r2', 0);
    assert.equal(done.currentRevision, 'r2');
    assert.equal(done.currentReplicas, 3);
  });
  it('history keeps revisionHistoryLimit old revisions, never one a pod uses, oldest deleted first', T, () => {
    const rev = (name: string, revision: number) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name }, revision }) as KubeObject;
    const revisions = [rev('a', 1), rev('b', 2), rev('c', 3), rev('d', 4), rev('e', 5)];
    const gone = revisionsToDelete(revisions, [pod(0, 'b')], 'e', 'e', 1);
    // Old: a, c, d (b is used by a pod); keep 1 (d).
    assert.deepEqual(gone.map((r) => r.metadata?.name), ['a', 'c']);
  });
});

describe('StatefulSet sync', () => {
  type A = Action<Record<string, never>>;
  const writes = (a: readonly A[]) => a.filter((x): x is WriteAction<Record<string, never>> => x.kind === 'write');
  it('creates the revision, then web-0: its claim first, the pod only once the claim is answered', T, () => {
    const set = sts();
    const ctx = fakeContext<Record<string, never>>({}, [
      [STATEFUL_SETS, [set]],
      [PODS, []],
      [CONTROLLER_REVISIONS, []],
      [PVCS, []],
    ]);
    const acts = syncStatefulSet('default/web', ctx);
    const w = writes(acts);
    assert.deepEqual(
      w.map((x) => `${x.request.verb} ${x.request.resource}${x.request.subresource ? `/${x.request.subresource}` : ''}`),
      ['create controllerrevisions', 'create persistentvolumeclaims', 'update statefulsets/status'],
    );
    const claim = w[1]!;
    assert.equal((claim.request.body as KubeObject).metadata?.name, 'www-web-0');
    const after = claim.onResult!({ tag: 't', reqId: 1, code: 201, body: claim.request.body } as ApiResult, ctx) ?? [];
    const podCreate = writes(after)[0]!;
    assert.equal(podCreate.request.resource, 'pods');
    assert.equal((podCreate.request.body as KubeObject).metadata?.name, 'web-0');
    const revision = (w[0]!.request.body as KubeObject).metadata?.name;
    assert.equal((podCreate.request.body as KubeObject).metadata?.labels?.['controller-revision-hash'], revision);
    assert.match(revision ?? '', /^web-[a-z0-9]+$/);
  });
});
