/** The serviceaccount controller's parts: what syncNamespace creates, what gets queued, what the sync writes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../../actors/controllers/host/resources.ts';
import type { EventHandler } from '../../actors/controllers/host/types.ts';
import { serviceAccountController } from '../../actors/controllers/serviceaccount/controller.ts';
import { reconcileServiceAccounts } from '../../actors/controllers/serviceaccount/serviceaccount.ts';
import { fakeContext } from './fake-context.ts';

const ns = (name: string, phase = 'Active', deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:05Z' } : {}) },
  status: { phase },
});
const sa = (namespace: string, name = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

describe('serviceaccount controller: syncNamespace', () => {
  it('creates the default service account in an Active namespace that lacks it', () => {
    assert.deepEqual(reconcileServiceAccounts(ns('team-a'), () => false), [sa('team-a')]);
  });

  it('creates nothing when it exists (created once)', () => {
    assert.deepEqual(reconcileServiceAccounts(ns('team-a'), (name) => name === 'default'), []);
  });

  it('creates nothing in a Terminating namespace, or one that is gone', () => {
    assert.deepEqual(reconcileServiceAccounts(ns('team-a', 'Terminating', true), () => false), []);
    assert.deepEqual(reconcileServiceAccounts(undefined, () => false), []);
  });

  it('ensures every listed account', () => {
    assert.deepEqual(reconcileServiceAccounts(ns('x'), (n) => n === 'a', ['a', 'b']).map((o) => o.metadata?.name), ['b']);
  });
});

const handler = (informer: typeof NAMESPACES): EventHandler<null> => serviceAccountController.handlers!.find((h) => h.informer === informer)!;

describe('serviceaccount controller: what is queued', { timeout: 10_000 }, () => {
  it('a namespace added or updated', { timeout: 10_000 }, () => {
    const ctx = fakeContext(null);
    const h = handler(NAMESPACES);
    h.onAdd!(ns('a'), ctx);
    h.onUpdate!(ns('b'), ns('b'), ctx);
    assert.equal(h.onDelete, undefined);
    assert.deepEqual(ctx.queued, ['a', 'b']);
  });

  it('the namespace of a deleted default service account, so it is recreated', { timeout: 10_000 }, () => {
    const ctx = fakeContext(null);
    const h = handler(SERVICE_ACCOUNTS);
    h.onDelete!(sa('team-a'), ctx);
    h.onDelete!(sa('team-b', 'builder'), ctx);
    assert.equal(h.onAdd, undefined);
    assert.deepEqual(ctx.queued, ['team-a']);
  });
});

describe('serviceaccount controller: sync', { timeout: 10_000 }, () => {
  const sync = serviceAccountController.queues![0]!.sync;
  it('creates default where it is missing, tolerating AlreadyExists and Forbidden', { timeout: 10_000 }, () => {
    const ctx = fakeContext(null, [
      [NAMESPACES, [ns('team-a'), ns('team-b'), ns('gone', 'Terminating', true)]],
      [SERVICE_ACCOUNTS, [sa('team-b')]],
    ]);
    const actions = sync('team-a', ctx);
    assert.deepEqual(
      actions.map((a) => (a.kind === 'write' ? [a.request.verb, a.request.resource, a.request.namespace, a.tolerate] : a.kind)),
      [['create', 'serviceaccounts', 'team-a', [409, 403]]],
    );
    assert.deepEqual(sync('team-b', ctx), []);
    assert.deepEqual(sync('gone', ctx), []);
    assert.deepEqual(sync('never-was', ctx), []);
  });
});
