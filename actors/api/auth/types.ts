/**
 * Who is making a request, as the apiserver knows it after authentication
 * (k8s.io/apiserver/pkg/authentication/user), and the well-known names that RBAC, the Node
 * authorizer and NodeRestriction key on.
 */

/** user.Info: a name, the groups it belongs to, and an optional uid. */
export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
  readonly uid?: string;
}

/** Groups and names from k8s.io/apiserver/pkg/authentication/user/user.go. */
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const KUBE_SCHEDULER_USER = 'system:kube-scheduler';
export const KUBE_CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

/** The kubelet's identity: `system:node:<name>` in `system:nodes`. */
export function nodeUser(nodeName: string): UserInfo {
  return { name: `${NODE_USER_PREFIX}${nodeName}`, groups: [NODES_GROUP, ALL_AUTHENTICATED] };
}

/**
 * A service account's identity (pkg/serviceaccount/util.go): `system:serviceaccount:<ns>:<name>` in
 * `system:serviceaccounts` and `system:serviceaccounts:<ns>`.
 */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, ALL_AUTHENTICATED],
  };
}

/**
 * nodeidentifier.NodeIdentity (pkg/auth/nodeidentifier/default.go): a user is a node when its
 * name starts with `system:node:` AND it is in `system:nodes`. `nodeName` may be "" (a node the
 * server cannot attribute a name to), which both the Node authorizer and NodeRestriction refuse.
 */
export function nodeIdentity(user: UserInfo | undefined): { isNode: boolean; nodeName: string } {
  if (!user || !user.name.startsWith(NODE_USER_PREFIX)) return { isNode: false, nodeName: '' };
  if (!user.groups.includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.name.slice(NODE_USER_PREFIX.length) };
}
