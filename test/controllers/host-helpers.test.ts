/** Helpers for controllers: expectations (ControllerExpectations) and owner references. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Expectations, EXPECTATIONS_TIMEOUT_MS } from '../../actors/controllers/host/expectations.ts';
import { controllerRefOf, controllerUidIndex, isControlledBy, newControllerRef, resolveControllerRef } from '../../actors/controllers/host/owners.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

describe('expectations', T, () => {
  it('a key is satisfied once every expected create is seen', T, () => {
    const e = new Expectations();
    assert.equal(e.satisfied('default/rs', 0), true, 'nothing expected');
    e.expectCreations('default/rs', 2, 0);
    assert.equal(e.satisfied('default/rs', 0), false);
    e.creationObserved('default/rs');
    assert.deepEqual(e.pending('default/rs'), { add: 1, del: 0 });
    e.creationObserved('default/rs');
    assert.equal(e.satisfied('default/rs', 0), true);
    e.creationObserved('default/rs');
    assert.deepEqual(e.pending('default/rs'), { add: 0, del: 0 }, 'never below zero');
  });

  it('deletions are counted once per object', T, () => {
    const e = new Expectations();
    e.expectDeletions('default/rs', ['default/p1', 'default/p2'], 0);
    e.deletionObserved('default/rs', 'default/p1');
    e.deletionObserved('default/rs', 'default/p1');
    e.deletionObserved('default/rs', 'default/other');
    assert.equal(e.satisfied('default/rs', 0), false);
    e.deletionObserved('default/rs', 'default/p2');
    assert.equal(e.satisfied('default/rs', 0), true);
  });

  it('expectations expire after 5 minutes, and go with their owner', T, () => {
    const e = new Expectations();
    e.expectCreations('default/rs', 3, 1_000);
    assert.equal(e.satisfied('default/rs', 1_000 + EXPECTATIONS_TIMEOUT_MS), false);
    assert.equal(e.satisfied('default/rs', 1_001 + EXPECTATIONS_TIMEOUT_MS), true);
    e.delete('default/rs');
    assert.equal(e.pending('default/rs'), undefined);
  });
});

describe('owner references', T, () => {
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-1' } };
  const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc-x', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'o-1' }, ref] } };

  it('the controller reference, and who controls what', T, () => {
    assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true, blockOwnerDeletion: true });
    assert.equal(controllerRefOf(pod), ref);
    assert.equal(isControlledBy(pod, rs), true);
    assert.equal(isControlledBy(pod, { ...rs, metadata: { ...rs.metadata, uid: 'rs-2' } }), false);
    assert.deepEqual(controllerUidIndex(pod), ['rs-1']);
    assert.deepEqual(controllerUidIndex({ metadata: { name: 'orphan' } }), []);
  });

  it('resolves a controller reference only to the owner with that uid and kind', T, () => {
    const RS = { apiVersion: 'apps/v1', resource: 'replicasets' };
    const view = fakeContext(null, [[RS, [rs]]]).cache(RS);
    assert.equal(resolveControllerRef('default', ref, 'ReplicaSet', view), rs);
    assert.equal(resolveControllerRef('default', { ...ref, uid: 'old' }, 'ReplicaSet', view), undefined, 'a same-named replacement');
    assert.equal(resolveControllerRef('default', ref, 'StatefulSet', view), undefined);
    assert.equal(resolveControllerRef('other', ref, 'ReplicaSet', view), undefined);
  });
});
