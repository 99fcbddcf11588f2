/** The serviceaccount controller's pure parts: what syncNamespace creates, and what gets queued. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { namespaceKeys, reconcileServiceAccounts, serviceAccountKeys } from '../../actors/controllers/serviceaccount.ts';

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

describe('serviceaccount controller: what is queued', () => {
  it('a namespace added or updated', () => {
    assert.deepEqual(
      namespaceKeys([
        { type: 'added', object: ns('a') },
        { type: 'updated', object: ns('b'), old: ns('b') },
        { type: 'deleted', object: ns('c') },
      ]),
      ['a', 'b'],
    );
  });

  it('the namespace of a deleted default service account, so it is recreated', () => {
    assert.deepEqual(
      serviceAccountKeys([
        { type: 'deleted', object: sa('team-a') },
        { type: 'deleted', object: sa('team-b', 'builder') },
        { type: 'added', object: sa('team-c') },
      ]),
      ['team-a'],
    );
  });
});
