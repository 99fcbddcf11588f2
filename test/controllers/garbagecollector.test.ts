/**
 * The garbage collector's, namespace controller's and quota controller's syncs over fixed caches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { syncItem } from '../../actors/controllers/garbagecollector/controller.ts';
import { WATCHED } from '../../actors/controllers/garbagecollector/resources.ts';
import { syncNamespace } from '../../actors/controllers/namespace/controller.ts';
import { syncQuota } from '../../actors/controllers/resourcequota/controller.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

function w(resource: string, group = '') {
  return WATCHED.find((x) => x.info.resource === resource && x.info.group === group)!;
}

function ctxWith(objects: Record<string, KubeObject[]>) {
  return fakeContext<null>(
    null,
    WATCHED.map((x) => [x.spec, objects[x.info.resource] ?? []] as const),
  );
}

const rs = (name: string, uid: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', uid, ...extra }, spec: {} });
const pod = (name: string, owner?: { name: string; uid: string; block?: boolean }, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `pod-${name}`,
    ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: owner.block ?? true }] } : {}),
    ...extra,
  },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

function writes(actions: readonly Action<null>[]): WriteAction<null>[] {
  return actions.filter((a): a is WriteAction<null> => a.kind === 'write');
}

describe('garbage collector', { timeout: 30_000 }, () => {
  it('leaves a pod whose owner exists', { timeout: 5_000 }, () => {
    const ctx = ctxWith({ replicasets: [rs('web', 'u1')], pods: [pod('a', { name: 'web', uid: 'u1' })] });
    assert.deepEqual(syncItem('|pods|default/a', ctx), []);
  });

  it('deletes a pod whose owner is gone, after a live GET confirms it', { timeout: 5_000 }, () => {
    const ctx = ctxWith({ pods: [pod('a', { name: 'web', uid: 'u1' })] });
    const [get] = writes(syncItem('|pods|default/a', ctx));
    assert.equal(get!.request.verb, 'get');
    assert.equal(get!.request.resource, 'replicasets');
    // The owner exists after all (another uid is not it).
    assert.deepEqual(get!.onResult!({ tag: '', reqId: 1, code: 200, body: rs('web', 'u1') }, ctx), []);
    const del = writes(get!.onResult!({ tag: '', reqId: 1, code: 404, body: { apiVersion: 'v1', kind: 'Status', code: 404 } as never }, ctx) ?? []);
    assert.equal(del[0]!.request.verb, 'delete');
    assert.equal(del[0]!.request.name, 'a');
    assert.deepEqual(del[0]!.request.options, { propagationPolicy: 'Background' });
    const recreated = writes(get!.onResult!({ tag: '', reqId: 1, code: 200, body: rs('web', 'other') }, ctx) ?? []);
    assert.equal(recreated[0]!.request.verb, 'delete', 'a same-named owner with another uid is not the owner');
  });

  it('foreground: deletes the dependents, keeps the finalizer while blocking ones remain, then removes it', { timeout: 5_000 }, () => {
    const owner = rs('web', 'u1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    const ctx = ctxWith({ replicasets: [owner], pods: [pod('a', { name: 'web', uid: 'u1' }), pod('b', { name: 'web', uid: 'u1' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })] });
    const ws = writes(syncItem('apps|replicasets|default/web', ctx));
    assert.deepEqual(ws.map((x) => `${x.request.verb} ${x.request.name}`), ['delete a']);
    const done = writes(syncItem('apps|replicasets|default/web', ctxWith({ replicasets: [owner], pods: [pod('c', { name: 'web', uid: 'u1', block: false }, { deletionTimestamp: 'x' })] })));
    assert.deepEqual(done.map((x) => `${x.request.verb} ${x.request.name}`), ['patch web']);
    assert.deepEqual((done[0]!.request.body as KubeObject).metadata?.finalizers, []);
  });

  it('orphan: removes the reference from every dependent, then the finalizer', { timeout: 5_000 }, () => {
    const owner = rs('web', 'u1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] });
    const ws = writes(syncItem('apps|replicasets|default/web', ctxWith({ replicasets: [owner], pods: [pod('a', { name: 'web', uid: 'u1' })] })));
    assert.deepEqual(ws.map((x) => `${x.request.verb} ${x.request.name}`), ['patch a']);
    assert.equal((ws[0]!.request.body as KubeObject).metadata?.ownerReferences, null);
    const fin = writes(syncItem('apps|replicasets|default/web', ctxWith({ replicasets: [owner], pods: [pod('a')] })));
    assert.deepEqual(fin.map((x) => `${x.request.verb} ${x.request.name}`), ['patch web']);
    assert.deepEqual((fin[0]!.request.body as KubeObject).metadata?.finalizers, []);
  });

  it('the watched resources come from the resource table, once per storage, without events', { timeout: 5_000 }, () => {
    const names = WATCHED.map((x) => `${x.spec.apiVersion}/${x.info.resource}`);
    assert.ok(names.includes('apps/v1/deployments') && names.includes('v1/pods'));
    assert.ok(!names.some((n) => n.includes('extensions') || n.endsWith('/events')));
    assert.ok(w('pods'));
  });
});

describe('namespace controller', { timeout: 30_000 }, () => {
  const ns = (extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', uid: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z', ...extra }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } });

  it('deletes the content, reports what remains, and finalizes once it is empty', { timeout: 5_000 }, () => {
    const bound = { ...pod('a'), metadata: { ...pod('a').metadata, namespace: 'team' }, spec: { nodeName: 'n', containers: [] } };
    const ctx = ctxWith({ namespaces: [ns()], pods: [bound], replicasets: [{ ...rs('web', 'u1'), metadata: { name: 'web', namespace: 'team', uid: 'u1' } }] });
    const ws = writes(syncNamespace('team', ctx));
    assert.deepEqual(ws.map((x) => `${x.request.verb} ${x.request.resource}${x.request.subresource ? '/' + x.request.subresource : ''} ${x.request.name}`), ['update namespaces/status team', 'delete replicasets web', 'delete pods a']);
    const conditions = ((ws[0]!.request.body as KubeObject).status as { conditions: { type: string; status: string; message: string }[] }).conditions;
    assert.deepEqual(conditions.find((c) => c.type === 'NamespaceContentRemaining'), { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 1 resource instances', lastTransitionTime: '2025-01-01T00:00:00Z' });
    assert.ok(ctx.queued.includes('team after 5000'));
    const empty = writes(syncNamespace('team', ctxWith({ namespaces: [ns()] })));
    assert.deepEqual(empty.map((x) => `${x.request.verb} ${x.request.subresource}`), ['update status', 'update finalize']);
    assert.deepEqual((empty[1]!.request.body as KubeObject).spec, { finalizers: [] });
  });

  it('does nothing for an active namespace', { timeout: 5_000 }, () => {
    assert.deepEqual(syncNamespace('team', ctxWith({ namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }] })), []);
  });
});

describe('resource quota controller', { timeout: 30_000 }, () => {
  it('fills status.hard and status.used from the namespace', { timeout: 5_000 }, () => {
    const quota: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default', resourceVersion: '7' }, spec: { hard: { pods: '3', 'requests.cpu': '1', 'count/deployments.apps': '2', services: '5' } } };
    const p = { ...pod('a'), spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '250m' } } }] } };
    const done = { ...pod('b'), status: { phase: 'Succeeded' } };
    const ws = writes(syncQuota('default/q', ctxWith({ resourcequotas: [quota], pods: [p, done], deployments: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' } }] })));
    assert.equal(ws.length, 1);
    assert.equal(ws[0]!.request.subresource, 'status');
    assert.deepEqual((ws[0]!.request.body as KubeObject).status, {
      hard: { 'count/deployments.apps': '2', pods: '3', 'requests.cpu': '1', services: '5' },
      used: { 'count/deployments.apps': '1', pods: '1', 'requests.cpu': '250m', services: '0' },
    });
    assert.equal((ws[0]!.request.body as KubeObject).metadata?.resourceVersion, '7', 'the write is conditional');
  });
});
