/**
 * RBAC escalation prevention (the rbac registry's policybased storages): a binding needs the
 * referenced role's permissions or `bind` on it, a role needs its own permissions or `escalate`,
 * an aggregated ClusterRole needs cluster-admin, system:masters is exempt, and a refusal is the
 * 403 with ConfirmNoEscalation's text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize } from '../../actors/api/auth/authorize.ts';
import { bootstrapRbac } from '../../actors/api/auth/bootstrap.ts';
import { checkRbacEscalation, compactRules, compactString, covers, type EscalationRequest } from '../../actors/api/auth/escalation.ts';
import type { ClusterRole, PolicyRule, RbacObjects, Role, RoleBinding } from '../../actors/api/auth/rbac.ts';
import type { UserInfo } from '../../actors/api/auth/types.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';

const RBAC = 'rbac.authorization.k8s.io';
const alice: UserInfo = { name: 'alice', groups: ['team-a', 'system:authenticated'] };

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ns: string | undefined, roleKind: 'Role' | 'ClusterRole', role: string, user = 'alice'): RoleBinding => ({
  apiVersion: `${RBAC}/v1`,
  kind,
  metadata: { name, ...(ns ? { namespace: ns } : {}) },
  subjects: [{ kind: 'User', name: user, apiGroup: RBAC }],
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
});

/** The bootstrap roles, and alice as admin of namespace team-a (a RoleBinding to ClusterRole admin). */
function cluster(extra: Partial<RbacObjects> = {}): RbacObjects {
  const boot = bootstrapRbac();
  return {
    roles: [...(extra.roles ?? [])],
    clusterRoles: [...boot.clusterRoles, ...(extra.clusterRoles ?? [])],
    roleBindings: [binding('RoleBinding', 'alice-admin', 'team-a', 'ClusterRole', 'admin'), ...(extra.roleBindings ?? [])],
    clusterRoleBindings: [...boot.clusterRoleBindings, ...(extra.clusterRoleBindings ?? [])],
  } as RbacObjects;
}

function check(objects: RbacObjects, req: Partial<EscalationRequest> & { resource: string; object: KubeObject }, user = alice) {
  const full: EscalationRequest = { operation: 'CREATE', apiGroup: RBAC, namespace: '', name: req.object.metadata?.name ?? '', user, ...req };
  return checkRbacEscalation(full, objects, (u, attrs) => authorize(u, attrs, objects).allowed);
}

const CLUSTER_ADMIN_MISSING = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}';

describe('RBAC escalation prevention', { timeout: 10_000 }, () => {
  it('refuses a namespace admin binding herself to cluster-admin, with the upstream text', { timeout: 5_000 }, () => {
    const status = check(cluster(), { resource: 'rolebindings', namespace: 'team-a', object: binding('RoleBinding', 'root', 'team-a', 'ClusterRole', 'cluster-admin') });
    assert.equal(status?.code, 403);
    assert.equal(status?.reason, 'Forbidden');
    assert.equal(
      status?.message,
      `rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "alice" (groups=["team-a" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n${CLUSTER_ADMIN_MISSING}`,
    );
    assert.deepEqual(status?.details, { name: 'root', group: RBAC, kind: 'rolebindings' });
    const crb = check(cluster(), { resource: 'clusterrolebindings', object: binding('ClusterRoleBinding', 'root', undefined, 'ClusterRole', 'cluster-admin') });
    assert.match(crb?.message ?? '', /^clusterrolebindings\.rbac\.authorization\.k8s\.io "root" is forbidden: user "alice" .*not currently held:\n/);
  });

  it('lets her bind roles whose permissions she holds in that namespace, but not in another', { timeout: 5_000 }, () => {
    assert.equal(check(cluster(), { resource: 'rolebindings', namespace: 'team-a', object: binding('RoleBinding', 'bob-edit', 'team-a', 'ClusterRole', 'edit', 'bob') }), undefined);
    const elsewhere = check(cluster(), { resource: 'rolebindings', namespace: 'team-b', object: binding('RoleBinding', 'bob-view', 'team-b', 'ClusterRole', 'view', 'bob') });
    assert.equal(elsewhere?.code, 403);
  });

  it('allows a binding with the bind verb on the role, and a role with the escalate verb', { timeout: 5_000 }, () => {
    const binder: ClusterRole = { kind: 'ClusterRole', metadata: { name: 'binder' }, rules: [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }] };
    const objects = cluster({ clusterRoles: [binder], roleBindings: [binding('RoleBinding', 'alice-binder', 'team-a', 'ClusterRole', 'binder')] });
    assert.equal(check(objects, { resource: 'rolebindings', namespace: 'team-a', object: binding('RoleBinding', 'root', 'team-a', 'ClusterRole', 'cluster-admin') }), undefined);

    const wide: Role = { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'wide', namespace: 'team-a' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] };
    assert.equal(check(cluster(), { resource: 'roles', namespace: 'team-a', object: wide })?.code, 403);
    const escalator: ClusterRole = { kind: 'ClusterRole', metadata: { name: 'escalator' }, rules: [{ verbs: ['escalate'], apiGroups: [RBAC], resources: ['roles'] }] };
    const withEscalate = cluster({ clusterRoles: [escalator], roleBindings: [binding('RoleBinding', 'alice-esc', 'team-a', 'ClusterRole', 'escalator')] });
    assert.equal(check(withEscalate, { resource: 'roles', namespace: 'team-a', object: wide }), undefined);
  });

  it('lets a role through when its rules are covered, and names only the missing rules', { timeout: 5_000 }, () => {
    const narrow: Role = { kind: 'Role', metadata: { name: 'pods', namespace: 'team-a' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };
    assert.equal(check(cluster(), { resource: 'roles', namespace: 'team-a', object: narrow }), undefined);
    const nodes: Role = { kind: 'Role', metadata: { name: 'nodes', namespace: 'team-a' }, rules: [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['nodes', 'pods'] }] };
    const status = check(cluster(), { resource: 'roles', namespace: 'team-a', object: nodes });
    assert.equal(
      status?.message,
      'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "alice" (groups=["team-a" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "delete"]}',
    );
  });

  it('requires cluster-admin for an aggregationRule, exempts system:masters, and skips GC-only updates', { timeout: 5_000 }, () => {
    const aggregated: ClusterRole = { kind: 'ClusterRole', metadata: { name: 'agg' }, rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } };
    const status = check(cluster(), { resource: 'clusterroles', object: aggregated });
    assert.equal(status?.message, 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
    const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
    assert.equal(check(cluster(), { resource: 'clusterroles', object: aggregated }, admin), undefined);

    const root = binding('RoleBinding', 'root', 'team-a', 'ClusterRole', 'cluster-admin', 'carol');
    const withOwner = { ...root, metadata: { ...root.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'team-a', uid: 'u1' }], finalizers: ['x/y'] } };
    assert.equal(check(cluster(), { operation: 'UPDATE', resource: 'rolebindings', namespace: 'team-a', object: withOwner, oldObject: root }), undefined);
    const retargeted = { ...root, subjects: [{ kind: 'User', name: 'alice', apiGroup: RBAC }] };
    assert.equal(check(cluster(), { operation: 'UPDATE', resource: 'rolebindings', namespace: 'team-a', object: retargeted, oldObject: root })?.code, 403);
  });

  it('answers 404 for a binding to a role that does not exist', { timeout: 5_000 }, () => {
    const status = check(cluster(), { resource: 'rolebindings', namespace: 'team-a', object: binding('RoleBinding', 'x', 'team-a', 'ClusterRole', 'nope') });
    assert.equal(status?.code, 404);
    assert.equal(status?.message, 'clusterroles.rbac.authorization.k8s.io "nope" not found');
  });

  it('Covers breaks rules down, honours */subresource and URL prefixes; CompactRules merges verbs', { timeout: 5_000 }, () => {
    const owner: PolicyRule[] = [
      { verbs: ['get'], apiGroups: [''], resources: ['*/status'] },
      { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
    ];
    assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }, { verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }]).covered, true);
    const { missing } = covers(owner, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods/status', 'pods'] }]);
    assert.deepEqual(compactRules(missing).map(compactString).sort(), ['{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}', '{APIGroups:[""], Resources:["pods/status"], Verbs:["list"]}']);
  });
});
