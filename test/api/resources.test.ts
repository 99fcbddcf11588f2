import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RESOURCES,
  etcdKey,
  etcdListPrefix,
  lookupByKind,
  lookupByResource,
  lookupRequest,
  parseApiVersion,
  parseEtcdKey,
  resolveResourceName,
} from '../../actors/api/resources.ts';

test('etcd keys use kube-apiserver prefixes, including its special cases', () => {
  assert.equal(etcdKey('pods', 'default', 'web-1'), '/registry/pods/default/web-1');
  assert.equal(etcdKey('deployments', 'prod', 'api'), '/registry/deployments/prod/api');
  assert.equal(etcdKey('leases', 'kube-node-lease', 'node-a'), '/registry/leases/kube-node-lease/node-a');
  assert.equal(etcdKey('events', 'default', 'web-1.17a'), '/registry/events/default/web-1.17a');
  assert.equal(etcdKey('services', 'default', 'kubernetes'), '/registry/services/specs/default/kubernetes');
  assert.equal(etcdKey('endpoints', 'default', 'kubernetes'), '/registry/services/endpoints/default/kubernetes');
  assert.equal(etcdKey('nodes', undefined, 'node-a'), '/registry/minions/node-a');
  assert.equal(etcdKey('namespaces', '', 'default'), '/registry/namespaces/default');
  assert.equal(etcdKey('clusterroles', undefined, 'admin'), '/registry/clusterroles/admin');
  assert.equal(etcdKey('clusterrolebindings', undefined, 'x'), '/registry/clusterrolebindings/x');
  assert.equal(etcdKey('priorityclasses', undefined, 'high'), '/registry/priorityclasses/high');
});

test('list prefixes end in a slash so one namespace never matches another with a longer name', () => {
  assert.equal(etcdListPrefix('pods'), '/registry/pods/');
  assert.equal(etcdListPrefix('pods', 'default'), '/registry/pods/default/');
  assert.equal(etcdKey('pods', 'default-2', 'x').startsWith(etcdListPrefix('pods', 'default')), false);
  assert.equal(etcdListPrefix('nodes'), '/registry/minions/');
  assert.equal(etcdListPrefix('services', 'default'), '/registry/services/specs/default/');
});

test('groups serving the same resource share its storage', () => {
  const apps = lookupByKind('apps/v1', 'Deployment')!;
  const ext = lookupByKind('extensions/v1beta1', 'Deployment')!;
  assert.equal(ext.storageApiVersion, 'apps/v1');
  assert.equal(apps.etcdPrefix, ext.etcdPrefix);
  assert.equal(lookupByKind('events.k8s.io/v1', 'Event')!.etcdPrefix, lookupByKind('v1', 'Event')!.etcdPrefix);
  assert.equal(lookupByKind('events.k8s.io/v1', 'Event')!.storageApiVersion, 'v1');
  assert.equal(parseEtcdKey('/registry/deployments/prod/api')!.resource.group, 'apps', 'a stored key reads back as the storage group');
});

test('lookups by (apiVersion, kind) and (group, resource)', () => {
  assert.equal(lookupByKind('v1', 'Pod')!.resource, 'pods');
  assert.equal(lookupByKind('apps/v1beta1', 'Deployment'), undefined, 'an unserved version is not found');
  assert.equal(lookupByKind('coordination.k8s.io/v1', 'Lease')!.namespaced, true);
  assert.equal(lookupByKind('scheduling.k8s.io/v1', 'PriorityClass')!.namespaced, false);
  assert.equal(lookupByResource('rbac.authorization.k8s.io', 'clusterrolebindings')!.kind, 'ClusterRoleBinding');
  assert.equal(lookupByResource('', 'deployments'), undefined, 'deployments are not in the core group');
  assert.deepEqual(lookupByResource('', 'pods')!.subresources, ['status', 'binding', 'eviction']);
  assert.equal(lookupRequest('extensions/v1beta1', 'replicasets')!.kind, 'ReplicaSet');
  assert.equal(lookupRequest('extensions/v1', 'replicasets'), undefined);
  assert.deepEqual(parseApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
  assert.deepEqual(parseApiVersion('v1'), { group: '', version: 'v1' });
});

test('short names resolve as kubectl does', () => {
  assert.equal(resolveResourceName('po')!.kind, 'Pod');
  assert.equal(resolveResourceName('deploy')!.group, 'apps');
  assert.equal(resolveResourceName('svc')!.etcdPrefix, '/registry/services/specs');
  assert.equal(resolveResourceName('ns')!.kind, 'Namespace');
  assert.equal(resolveResourceName('no')!.etcdPrefix, '/registry/minions');
  assert.equal(resolveResourceName('ev')!.group, '', 'core events before events.k8s.io');
  assert.equal(resolveResourceName('deployments.extensions')!.group, 'extensions');
  assert.equal(resolveResourceName('pc')!.kind, 'PriorityClass');
  assert.equal(resolveResourceName('quota')!.kind, 'ResourceQuota');
});

test('the table is complete and consistent', () => {
  const kinds = new Set(RESOURCES.map((r) => r.kind));
  for (const k of ['Namespace', 'Node', 'Pod', 'Lease', 'Event', 'Service', 'Endpoints', 'ReplicaSet', 'Deployment', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'PriorityClass', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) {
    assert.ok(kinds.has(k), k);
  }
  for (const r of RESOURCES) {
    const key = etcdKey(r, r.namespaced ? 'ns' : undefined, 'name');
    const back = parseEtcdKey(key);
    assert.ok(back, key);
    assert.equal(back.resource.etcdPrefix, r.etcdPrefix);
    assert.equal(back.name, 'name');
    assert.equal(back.namespace, r.namespaced ? 'ns' : '');
  }
});
