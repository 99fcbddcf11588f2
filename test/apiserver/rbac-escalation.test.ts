/**
 * Through the apiserver: a namespace admin may hand out what she holds in her namespace, but
 * binding herself to cluster-admin is a 403 with RBAC's escalation text, and nothing is stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, show, statusOf } from './harness.ts';

const RBAC = 'rbac.authorization.k8s.io';
const ROLEBINDINGS = { apiVersion: `${RBAC}/v1`, resource: 'rolebindings' } as const;
const ROLES = { apiVersion: `${RBAC}/v1`, resource: 'roles' } as const;

function binding(name: string, user: string, clusterRole: string): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace: 'team-a' },
    subjects: [{ kind: 'User', name: user, apiGroup: RBAC }],
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: clusterRole },
  };
}

describe('apiserver: RBAC escalation prevention', { timeout: 120_000 }, () => {
  it('refuses a namespace admin binding herself to cluster-admin with 403, and lets her bind edit', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'rbac-escalation', clients: ['tester', { name: 'alice-client', token: 'alice-token' }] });
    h.tokens.set('alice-token', { name: 'alice', groups: ['team-a-admins'] });
    h.waitReady();
    assert.equal(h.call({ verb: 'create', apiVersion: 'v1', resource: 'namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } }).code, 201);
    const admin = h.call({ verb: 'create', ...ROLEBINDINGS, namespace: 'team-a', body: binding('alice-admin', 'alice', 'admin') });
    assert.equal(admin.code, 201, show(admin));
    h.runFor(500);

    const root = h.call({ verb: 'create', ...ROLEBINDINGS, namespace: 'team-a', body: binding('alice-root', 'alice', 'cluster-admin') }, { client: 'alice-client' });
    assert.equal(root.code, 403, show(root));
    const status = statusOf(root.body);
    assert.equal(status.reason, 'Forbidden');
    assert.equal(
      status.message,
      'rolebindings.rbac.authorization.k8s.io "alice-root" is forbidden: user "alice" (groups=["team-a-admins" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    h.runFor(500);
    assert.equal(h.core().lookup.get('rolebindings', 'team-a', 'alice-root'), undefined);

    const edit = h.call({ verb: 'create', ...ROLEBINDINGS, namespace: 'team-a', body: binding('bob-edit', 'bob', 'edit') }, { client: 'alice-client' });
    assert.equal(edit.code, 201, show(edit));

    const wide: KubeObject = { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'wide', namespace: 'team-a' }, rules: [{ verbs: ['*'], apiGroups: [''], resources: ['nodes'] }] };
    const role = h.call({ verb: 'create', ...ROLES, namespace: 'team-a', body: wide }, { client: 'alice-client' });
    assert.equal(role.code, 403, show(role));
    assert.match(statusOf(role.body).message, /^roles\.rbac\.authorization\.k8s\.io "wide" is forbidden: user "alice" .* not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["\*"\]\}$/);
  });
});
