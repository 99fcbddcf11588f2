/**
 * The delete path with finalizers (registry store.Delete / Update): propagationPolicy sets the
 * garbage collector's finalizers, an object with finalizers stays with a deletionTimestamp until
 * the last one is removed, a namespace becomes Terminating and goes when namespaces/finalize
 * empties spec.finalizers; nothing can be created in a Terminating namespace.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { defaultPropagationPolicy, gcFinalizers } from '../../actors/apiserver/apiserver-core.ts';
import { lookupByResource } from '../../actors/api/resources.ts';
import { Harness, pod, show, statusOf } from './harness.ts';

const RS = { apiVersion: 'apps/v1', resource: 'replicasets', namespace: 'default' } as const;
const NS = { apiVersion: 'v1', resource: 'namespaces' } as const;

function replicaSet(name: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

describe('apiserver: deletion with finalizers', { timeout: 60_000 }, () => {
  it('gcFinalizers and the default policies', { timeout: 5_000 }, () => {
    assert.deepEqual(gcFinalizers([], 'Foreground', true), ['foregroundDeletion']);
    assert.deepEqual(gcFinalizers(['foregroundDeletion'], 'Orphan', true), ['orphan']);
    assert.deepEqual(gcFinalizers(['x', 'orphan'], 'Background', true), ['x']);
    assert.deepEqual(gcFinalizers(['orphan'], 'Background', false), ['orphan']);
    assert.equal(defaultPropagationPolicy(lookupByResource('apps', 'replicasets')!, 'apps/v1'), 'Background');
    assert.equal(defaultPropagationPolicy(lookupByResource('extensions', 'replicasets')!, 'extensions/v1beta1'), 'Orphan');
  });

  it('Foreground: the object stays with a deletionTimestamp until its finalizers are gone', { timeout: 30_000 }, () => {
    const h = new Harness({ seed: 'fg' });
    h.waitReady();
    assert.equal(h.call({ verb: 'create', ...RS, body: replicaSet('web') }).code, 201);
    const del = h.call({ verb: 'delete', ...RS, name: 'web', options: { propagationPolicy: 'Foreground' } });
    assert.equal(del.code, 200, show(del));
    const marked = del.body as KubeObject;
    assert.deepEqual(marked.metadata?.finalizers, ['foregroundDeletion']);
    assert.ok(marked.metadata?.deletionTimestamp);
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 0);
    // A second delete changes nothing.
    assert.equal(h.call({ verb: 'delete', ...RS, name: 'web', options: { propagationPolicy: 'Foreground' } }).code, 200);
    assert.equal(h.call({ verb: 'get', ...RS, name: 'web' }).code, 200);
    // Removing the finalizer deletes it.
    const patched = h.call({ verb: 'patch', ...RS, name: 'web', body: { metadata: { finalizers: null } } as unknown as KubeObject });
    assert.equal(patched.code, 200, show(patched));
    assert.equal(h.call({ verb: 'get', ...RS, name: 'web' }).code, 404);
  });

  it('Orphan on a legacy group version by default; Background deletes at once', { timeout: 30_000 }, () => {
    const h = new Harness({ seed: 'orphan' });
    h.waitReady();
    assert.equal(h.call({ verb: 'create', ...RS, body: replicaSet('a') }).code, 201);
    assert.equal(h.call({ verb: 'create', ...RS, body: replicaSet('b') }).code, 201);
    const legacy = h.call({ verb: 'delete', apiVersion: 'extensions/v1beta1', resource: 'replicasets', namespace: 'default', name: 'a' });
    assert.equal(legacy.code, 200, show(legacy));
    assert.deepEqual((legacy.body as KubeObject).metadata?.finalizers, ['orphan']);
    assert.equal(h.call({ verb: 'delete', ...RS, name: 'b' }).code, 200);
    assert.equal(h.call({ verb: 'get', ...RS, name: 'b' }).code, 404);
  });

  it('a namespace: Terminating, creates refused with 403, gone after namespaces/finalize', { timeout: 30_000 }, () => {
    const h = new Harness({ seed: 'ns' });
    h.waitReady();
    assert.equal(h.call({ verb: 'create', ...NS, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } }).code, 201);
    const del = h.call({ verb: 'delete', ...NS, name: 'team' });
    assert.equal(del.code, 200, show(del));
    const ns = del.body as KubeObject;
    assert.equal((ns.status as { phase?: string }).phase, 'Terminating');
    assert.ok(ns.metadata?.deletionTimestamp);
    assert.deepEqual((ns.spec as { finalizers?: string[] }).finalizers, ['kubernetes']);
    h.runFor(500);
    const refused = h.call({ verb: 'create', apiVersion: 'v1', resource: 'pods', namespace: 'team', body: pod('p', { namespace: 'team' }) });
    assert.equal(refused.code, 403, show(refused));
    assert.equal(statusOf(refused.body).message, 'pods "p" is forbidden: unable to create new content in namespace team because it is being terminated');
    // An ordinary update cannot drop spec.finalizers; /finalize can.
    const upd = h.call({ verb: 'update', ...NS, name: 'team', body: { ...ns, spec: { finalizers: [] } } });
    assert.equal(upd.code, 200, show(upd));
    assert.equal(h.call({ verb: 'get', ...NS, name: 'team' }).code, 200);
    const fin = h.call({ verb: 'update', ...NS, name: 'team', subresource: 'finalize', body: { ...ns, metadata: { name: 'team' }, spec: { finalizers: [] } } });
    assert.equal(fin.code, 200, show(fin));
    assert.equal(h.call({ verb: 'get', ...NS, name: 'team' }).code, 404);
  });
});
