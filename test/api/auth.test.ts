/**
 * Authentication against a token table, RBAC evaluation (bindings, scopes, resourceNames,
 * subresources, groups, service accounts), the Node authorizer together with NodeRestriction,
 * exact denial texts, and the bootstrap roles kubesim's components run under.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitNodeRestriction } from '../../actors/api/admission/node-restriction.ts';
import { lookupOf, pod } from '../../actors/api/admission/testing.ts';
import { authenticate } from '../../actors/api/auth/authenticate.ts';
import { authorize } from '../../actors/api/auth/authorize.ts';
import { bootstrapRbac, BOOTSTRAP_CLUSTER_ROLES } from '../../actors/api/auth/bootstrap.ts';
import { authorizeNode } from '../../actors/api/auth/node-authorizer.ts';
import { authorizeRBAC, type AuthorizationAttributes, type ClusterRole, type PolicyRule, type RbacObjects, type Role, type RoleBinding, type Subject } from '../../actors/api/auth/rbac.ts';
import { nodeUser, serviceAccountUser, type UserInfo } from '../../actors/api/auth/types.ts';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

const role = (ns: string, name: string, rules: PolicyRule[]): Role => ({ kind: 'Role', metadata: { name, namespace: ns }, rules });
const clusterRole = (name: string, rules: PolicyRule[]): ClusterRole => ({ kind: 'ClusterRole', metadata: { name }, rules });
const roleBinding = (ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
  subjects,
});
const rbac = (parts: Partial<RbacObjects>): RbacObjects => ({ roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...parts });
const req = (verb: string, resource: string, namespace?: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes => ({
  verb,
  apiGroup: '',
  resource,
  ...(namespace ? { namespace } : {}),
  ...extra,
});
const allowed = (user: UserInfo, attrs: AuthorizationAttributes, objects: RbacObjects): boolean => authorize(user, attrs, objects).allowed;
function denialMessage(user: UserInfo, attrs: AuthorizationAttributes, objects: RbacObjects): string {
  const r = authorize(user, attrs, objects);
  assert.equal(r.allowed, false, `${attrs.verb} ${attrs.resource} should be denied`);
  if (r.allowed) return '';
  assert.equal(r.status.code, 403);
  assert.equal(r.status.reason, 'Forbidden');
  return r.message;
}

describe('authenticate', () => {
  const table = { 'tok-alice': { name: 'alice', uid: 'u1', groups: ['devs'] }, 'tok-admin': { name: 'admin', groups: ['system:masters'] } };

  it('maps a known token to its user and adds system:authenticated', () => {
    assert.deepEqual(authenticate('tok-alice', table), { ok: true, user: { name: 'alice', uid: 'u1', groups: ['devs', 'system:authenticated'] } });
    const asMap = authenticate('tok-admin', new Map(Object.entries(table)));
    assert.ok(asMap.ok && asMap.user.groups.includes('system:masters'));
  });

  it('answers 401 Unauthorized for an unknown token', () => {
    const r = authenticate('nope', table);
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.status, { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('treats a missing token as system:anonymous unless anonymous auth is off', () => {
    assert.deepEqual(authenticate('', table), { ok: true, user: { name: 'system:anonymous', groups: ['system:unauthenticated'] } });
    assert.equal(authenticate(undefined, table, { anonymous: false }).ok, false);
  });
});

describe('RBAC', () => {
  const podReader = role('team-a', 'pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]);
  const bound = rbac({ roles: [podReader], roleBindings: [roleBinding('team-a', 'read-pods', 'Role', 'pod-reader', [{ kind: 'User', name: 'alice' }])] });

  it('allows through a RoleBinding in its namespace but not in another', () => {
    assert.ok(allowed(alice, req('list', 'pods', 'team-a'), bound));
    assert.equal(
      denialMessage(alice, req('list', 'pods', 'team-b'), bound),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-b"',
    );
  });

  it('denies with the upstream text: default namespace, a named object, the cluster scope', () => {
    assert.equal(
      denialMessage(alice, req('list', 'pods', 'default'), bound),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    assert.equal(
      denialMessage(alice, req('delete', 'pods', 'team-a', { name: 'web' }), bound),
      'pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "team-a"',
    );
    assert.equal(
      denialMessage(alice, req('list', 'nodes'), bound),
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    assert.equal(
      denialMessage(alice, { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'team-a' }, bound),
      'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "team-a"',
    );
  });

  it('scopes a ClusterRole bound by a RoleBinding to that namespace', () => {
    const objects = rbac({
      clusterRoles: [clusterRole('deployer', [{ verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] }])],
      roleBindings: [roleBinding('team-a', 'deployers', 'ClusterRole', 'deployer', [{ kind: 'User', name: 'alice' }])],
    });
    const deploy = (verb: string, ns?: string): AuthorizationAttributes => ({ verb, apiGroup: 'apps', resource: 'deployments', ...(ns ? { namespace: ns } : {}) });
    assert.ok(allowed(alice, deploy('create', 'team-a'), objects));
    assert.ok(allowed(alice, deploy('deletecollection', 'team-a'), objects));
    assert.equal(allowed(alice, deploy('create', 'team-b'), objects), false);
    assert.equal(allowed(alice, deploy('list'), objects), false, 'no cluster-wide list through a RoleBinding');
  });

  it('honours resourceNames: only the named objects, never a list', () => {
    const objects = rbac({
      roles: [role('team-a', 'one-cm', [{ verbs: ['get', 'update', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }])],
      roleBindings: [roleBinding('team-a', 'b', 'Role', 'one-cm', [{ kind: 'User', name: 'alice' }])],
    });
    assert.ok(allowed(alice, req('get', 'configmaps', 'team-a', { name: 'settings' }), objects));
    assert.ok(allowed(alice, req('update', 'configmaps', 'team-a', { name: 'settings' }), objects));
    assert.equal(
      denialMessage(alice, req('get', 'configmaps', 'team-a', { name: 'other' }), objects),
      'configmaps "other" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "team-a"',
    );
    assert.equal(allowed(alice, req('list', 'configmaps', 'team-a'), objects), false);
    assert.ok(allowed(alice, req('watch', 'configmaps', 'team-a', { fieldSelector: 'metadata.name=settings' }), rbac({
      roles: [role('team-a', 'w', [{ verbs: ['watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }])],
      roleBindings: [roleBinding('team-a', 'b', 'Role', 'w', [{ kind: 'User', name: 'alice' }])],
    })), 'a single-object watch names its object through metadata.name');
  });

  it('matches subresources exactly, or through */subresource', () => {
    const objects = rbac({
      clusterRoles: [
        clusterRole('status-writer', [{ verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] }]),
        clusterRole('scaler', [{ verbs: ['update'], apiGroups: ['*'], resources: ['*/scale'] }]),
      ],
      clusterRoleBindings: [
        { kind: 'ClusterRoleBinding', metadata: { name: 'a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'status-writer' }, subjects: [{ kind: 'User', name: 'alice' }] },
        { kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'scaler' }, subjects: [{ kind: 'User', name: 'alice' }] },
      ],
    });
    assert.ok(allowed(alice, req('update', 'pods', 'x', { subresource: 'status', name: 'p' }), objects));
    assert.equal(
      denialMessage(alice, req('update', 'pods', 'x', { name: 'p' }), objects),
      'pods "p" is forbidden: User "alice" cannot update resource "pods" in API group "" in the namespace "x"',
    );
    assert.equal(
      denialMessage(alice, req('create', 'pods', 'x', { subresource: 'binding', name: 'p' }), objects),
      'pods "p" is forbidden: User "alice" cannot create resource "pods/binding" in API group "" in the namespace "x"',
    );
    assert.ok(allowed(alice, { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'x', name: 'd' }, objects));
    assert.equal(allowed(alice, { verb: 'update', apiGroup: 'apps', resource: 'deployments', namespace: 'x', name: 'd' }, objects), false);
  });

  it('binds groups (system:authenticated) and service accounts (namespace defaulted from the binding)', () => {
    const reader = clusterRole('reader', [{ verbs: ['get'], apiGroups: [''], resources: ['services'] }]);
    const byGroup = rbac({ clusterRoles: [reader], roleBindings: [roleBinding('x', 'g', 'ClusterRole', 'reader', [{ kind: 'Group', name: 'system:authenticated' }])] });
    assert.ok(allowed(alice, req('get', 'services', 'x', { name: 's' }), byGroup));
    assert.equal(allowed({ name: 'system:anonymous', groups: ['system:unauthenticated'] }, req('get', 'services', 'x', { name: 's' }), byGroup), false);

    const bySa = rbac({ clusterRoles: [reader], roleBindings: [roleBinding('x', 'sa', 'ClusterRole', 'reader', [{ kind: 'ServiceAccount', name: 'robot' }])] });
    assert.ok(allowed(serviceAccountUser('x', 'robot'), req('get', 'services', 'x', { name: 's' }), bySa));
    assert.equal(allowed(serviceAccountUser('y', 'robot'), req('get', 'services', 'x', { name: 's' }), bySa), false);
    assert.equal(
      denialMessage(serviceAccountUser('x', 'robot'), req('get', 'services', 'y', { name: 's' }), bySa),
      'services "s" is forbidden: User "system:serviceaccount:x:robot" cannot get resource "services" in API group "" in the namespace "y"',
    );
  });

  it('always allows system:masters, and names the binding that allowed a request', () => {
    const r = authorize({ name: 'root', groups: ['system:masters'] }, req('delete', 'nodes', undefined, { name: 'n1' }), rbac({}));
    assert.deepEqual(r, { allowed: true, by: 'Privileged', reason: '' });
    assert.deepEqual(authorizeRBAC(alice, req('get', 'pods', 'team-a', { name: 'p' }), bound), {
      decision: 'Allow',
      reason: 'RBAC: allowed by RoleBinding "read-pods/team-a" of Role "pod-reader" to User "alice"',
    });
  });

  it('appends the reason when a binding points at a missing role', () => {
    const broken = rbac({ roleBindings: [roleBinding('x', 'b', 'ClusterRole', 'ghost', [{ kind: 'User', name: 'alice' }])] });
    assert.equal(
      denialMessage(alice, req('list', 'pods', 'x'), broken),
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "x": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it('evaluates verbs and apiGroups wildcards', () => {
    const objects = rbac({
      clusterRoles: [clusterRole('all-leases', [{ verbs: ['*'], apiGroups: ['*'], resources: ['leases'] }])],
      clusterRoleBindings: [{ kind: 'ClusterRoleBinding', metadata: { name: 'l' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'all-leases' }, subjects: [{ kind: 'User', name: 'alice' }] }],
    });
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']) {
      assert.ok(allowed(alice, { verb, apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'x' }, objects), verb);
    }
    assert.equal(allowed(alice, { verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', subresource: 'status', namespace: 'x', name: 'l' }, objects), false);
  });
});

describe('Node authorizer with NodeRestriction', () => {
  const n1 = nodeUser('n1');
  const mine = pod('mine', 'default', [{}], { nodeName: 'n1', volumes: [{ name: 'cfg', secret: { secretName: 'mine-secret' } }] });
  const theirs = pod('theirs', 'default', [{}], { nodeName: 'n2' });
  const lookup = lookupOf(['pods', mine], ['pods', theirs]);
  const none = rbac({});
  const node = (verb: string, attrs: Partial<AuthorizationAttributes>): boolean => authorize(n1, { verb, apiGroup: '', resource: 'pods', ...attrs }, none, { lookup }).allowed;

  it('lets a kubelet read pods, nodes, services and endpoints and create events', () => {
    for (const resource of ['pods', 'nodes', 'services']) {
      for (const verb of ['get', 'list', 'watch']) assert.ok(node(verb, { resource, ...(resource === 'nodes' ? {} : { namespace: 'default' }) }), `${verb} ${resource}`);
    }
    assert.ok(node('get', { resource: 'endpoints', namespace: 'default', name: 'kubernetes' }));
    assert.ok(node('create', { resource: 'events', namespace: 'default' }));
  });

  it('lets a kubelet update its own node status and its own pods’ status, end to end', () => {
    const nodeObj = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} };
    assert.ok(node('update', { resource: 'nodes', subresource: 'status', name: 'n1' }));
    const nodeAdmission = admitNodeRestriction(
      { operation: 'UPDATE', resource: 'nodes', subresource: 'status', name: 'n1', object: nodeObj, oldObject: nodeObj, user: n1 },
      lookup,
    );
    assert.equal(nodeAdmission.error, undefined);
    assert.ok(node('patch', { subresource: 'status', namespace: 'default', name: 'mine' }));
    const podAdmission = admitNodeRestriction(
      { operation: 'UPDATE', resource: 'pods', subresource: 'status', namespace: 'default', name: 'mine', object: mine, oldObject: mine, user: n1 },
      lookup,
    );
    assert.equal(podAdmission.error, undefined);
  });

  it('refuses (403) a kubelet writing another node’s pod status: the authorizer passes it, NodeRestriction stops it', () => {
    assert.ok(node('update', { subresource: 'status', namespace: 'default', name: 'theirs' }));
    const { error } = admitNodeRestriction(
      { operation: 'UPDATE', resource: 'pods', subresource: 'status', namespace: 'default', name: 'theirs', object: theirs, oldObject: theirs, user: n1 },
      lookup,
    );
    assert.equal(error?.code, 403);
    assert.equal(error?.message, 'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  });

  it('denies what NodeRules do not grant, with the authorizer’s message', () => {
    assert.equal(
      denialMessage(n1, { verb: 'delete', apiGroup: 'apps', resource: 'deployments', namespace: 'default', name: 'd' }, none),
      'deployments.apps "d" is forbidden: User "system:node:n1" cannot delete resource "deployments" in API group "apps" in the namespace "default"',
    );
    assert.equal(
      denialMessage(n1, req('create', 'pods', 'default', { subresource: 'binding', name: 'mine' }), none),
      'pods "mine" is forbidden: User "system:node:n1" cannot create resource "pods/binding" in API group "" in the namespace "default"',
    );
  });

  it('limits leases to its own one in kube-node-lease', () => {
    const lease = (verb: string, namespace: string, name: string) =>
      authorize(n1, { verb, apiGroup: 'coordination.k8s.io', resource: 'leases', namespace, name }, none, { lookup });
    assert.ok(lease('update', 'kube-node-lease', 'n1').allowed);
    const other = lease('update', 'kube-node-lease', 'n2');
    assert.equal(other.allowed, false);
    if (!other.allowed) {
      assert.equal(
        other.message,
        'leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
      );
    }
  });

  it('gives secrets only to nodes running a pod that uses them', () => {
    assert.ok(node('get', { resource: 'secrets', namespace: 'default', name: 'mine-secret' }));
    assert.equal(
      denialMessage(n1, req('get', 'secrets', 'default', { name: 'other' }), none).replace(/^/, ''),
      'secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
    );
    assert.equal(authorizeNode(n1, req('list', 'secrets', 'default'), lookup).reason, 'No Object name found');
  });

  it('subdivides pods and nodes under AuthorizeNodeWithSelectors', () => {
    const opts = { lookup, nodeWithSelectors: true };
    const list = authorize(n1, req('list', 'pods'), none, opts);
    assert.equal(list.allowed, false);
    if (!list.allowed) assert.equal(list.reason, 'can only list/watch pods with spec.nodeName field selector');
    assert.ok(authorize(n1, req('watch', 'pods', undefined, { fieldSelector: 'spec.nodeName=n1' }), none, opts).allowed);
    assert.ok(authorize(n1, req('get', 'pods', 'default', { name: 'mine' }), none, opts).allowed);
    assert.equal(authorize(n1, req('get', 'pods', 'default', { name: 'theirs' }), none, opts).allowed, false);
    const otherNode = authorize(n1, req('get', 'nodes', undefined, { name: 'n2' }), none, opts);
    assert.equal(otherNode.allowed ? '' : otherNode.reason, "node 'n1' cannot read 'n2', only its own Node object");
    assert.ok(authorize(n1, req('watch', 'nodes', undefined, { fieldSelector: 'metadata.name=n1' }), none, opts).allowed);
  });

  it('has no opinion about users that are not nodes', () => {
    assert.deepEqual(authorizeNode(alice, req('get', 'pods', 'default', { name: 'mine' }), lookup), { decision: 'NoOpinion', reason: '' });
    assert.deepEqual(authorizeNode({ name: 'system:node:n1', groups: [] }, req('get', 'pods', 'default'), lookup).decision, 'NoOpinion');
  });
});

describe('bootstrap roles', () => {
  const objects = bootstrapRbac();
  const scheduler: UserInfo = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
  const kcm: UserInfo = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
  const bindRole = (roleName: string, ns: string): RbacObjects => ({ ...objects, roleBindings: [roleBinding(ns, roleName, 'ClusterRole', roleName, [{ kind: 'User', name: 'alice' }])] });

  it('defines the roles kubesim needs', () => {
    const names = BOOTSTRAP_CLUSTER_ROLES.map((r) => r.metadata?.name);
    for (const n of ['cluster-admin', 'system:kube-scheduler', 'system:kube-controller-manager', 'view', 'edit', 'admin']) assert.ok(names.includes(n), n);
  });

  it('gives the scheduler what it does and nothing more', () => {
    const can = (a: AuthorizationAttributes): boolean => authorize(scheduler, a, objects).allowed;
    assert.ok(can(req('list', 'pods')));
    assert.ok(can(req('watch', 'nodes')));
    assert.ok(can(req('list', 'namespaces')));
    assert.ok(can(req('create', 'pods', 'default', { subresource: 'binding', name: 'p' })));
    assert.ok(can(req('patch', 'pods', 'default', { subresource: 'status', name: 'p' })));
    assert.ok(can(req('create', 'events', 'default')));
    assert.ok(can({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-scheduler' }));
    assert.equal(can({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-controller-manager' }), false);
    assert.equal(can(req('create', 'pods', 'default')), false);
    assert.equal(can(req('update', 'nodes', undefined, { name: 'n1' })), false);
  });

  it('gives the controller manager broad rights', () => {
    const can = (a: AuthorizationAttributes): boolean => authorize(kcm, a, objects).allowed;
    assert.ok(can(req('create', 'pods', 'default')));
    assert.ok(can(req('delete', 'pods', 'default', { name: 'p' })));
    assert.ok(can({ verb: 'create', apiGroup: 'apps', resource: 'replicasets', namespace: 'default' }));
    assert.ok(can({ verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status', namespace: 'default', name: 'd' }));
    assert.ok(can(req('patch', 'nodes', undefined, { subresource: 'status', name: 'n1' })));
    assert.ok(can(req('deletecollection', 'configmaps', 'doomed')));
    assert.equal(can({ verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }), false);
  });

  it('view reads but neither writes nor reads secrets; edit writes workloads but not RBAC', () => {
    const view = bindRole('view', 'team');
    assert.ok(allowed(alice, req('list', 'pods', 'team'), view));
    assert.equal(allowed(alice, req('get', 'secrets', 'team', { name: 's' }), view), false);
    assert.equal(allowed(alice, req('create', 'pods', 'team'), view), false);
    const edit = bindRole('edit', 'team');
    assert.ok(allowed(alice, { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'team' }, edit));
    assert.ok(allowed(alice, req('get', 'secrets', 'team', { name: 's' }), edit));
    assert.ok(allowed(alice, req('list', 'pods', 'team'), edit));
    assert.equal(allowed(alice, { verb: 'create', apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'team' }, edit), false);
    assert.equal(allowed(alice, req('update', 'pods', 'team', { subresource: 'status', name: 'p' }), edit), false);
  });

  it('binds cluster-admin to system:masters through RBAC too', () => {
    assert.equal(authorizeRBAC({ name: 'root', groups: ['system:masters'] }, req('delete', 'nodes', undefined, { name: 'n1' }), objects).decision, 'Allow');
  });
});
