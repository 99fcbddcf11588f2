/**
 * RBAC evaluation (plugin/pkg/auth/authorizer/rbac/rbac.go, pkg/registry/rbac/validation/rule.go).
 *
 * The rules that apply to a request are those of every ClusterRoleBinding naming the user, then
 * (for a namespaced request) of every RoleBinding in the request's namespace naming the user. A
 * RoleBinding may reference a Role of its namespace or a ClusterRole, whose rules then apply in
 * that namespace only. A rule allows when verb, API group, resource (`resource/subresource`, or
 * `*`, or `*\/subresource`) and, if it lists any, resourceNames all match. Nothing denies: no
 * matching rule is "no opinion". A binding whose role is missing contributes an error that becomes
 * the denial's reason: `RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`.
 */
import type { KubeObject } from '../protocol.ts';
import { SERVICE_ACCOUNT_USER_PREFIX, type UserInfo } from './types.ts';

export interface PolicyRule {
  verbs: readonly string[];
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export type Role = KubeObject & { rules?: readonly PolicyRule[] };
export type ClusterRole = KubeObject & { rules?: readonly PolicyRule[]; aggregationRule?: unknown };
export type RoleBinding = KubeObject & { subjects?: readonly Subject[]; roleRef: RoleRef };
export type ClusterRoleBinding = KubeObject & { subjects?: readonly Subject[]; roleRef: RoleRef };

export interface RbacObjects {
  roles: readonly Role[];
  clusterRoles: readonly ClusterRole[];
  roleBindings: readonly RoleBinding[];
  clusterRoleBindings: readonly ClusterRoleBinding[];
}

/** authorizer.Attributes of a resource request. */
export interface AuthorizationAttributes {
  /** get list watch create update patch delete deletecollection (or any other verb). */
  verb: string;
  /** "" for the core group. */
  apiGroup: string;
  /** Plural resource, e.g. "pods". */
  resource: string;
  subresource?: string;
  /**
   * The request's namespace. For a request on a Namespace object itself the apiserver's
   * RequestInfo puts the namespace's name here too (GET /api/v1/namespaces/foo → namespace "foo").
   */
  namespace?: string;
  /** The object's name; empty for create, list, watch and deletecollection. */
  name?: string;
  /** A list/watch field selector, e.g. "spec.nodeName=n1" (read by the Node authorizer). */
  fieldSelector?: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizerDecision {
  decision: Decision;
  /** Why, when there is something to say; "" otherwise. */
  reason: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).includes(value);

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === '*' || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource !== '' && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** rbac.RuleAllows for a resource request. */
export function ruleAllows(attrs: AuthorizationAttributes, rule: PolicyRule): boolean {
  const sub = attrs.subresource ?? '';
  const combined = sub === '' ? attrs.resource : `${attrs.resource}/${sub}`;
  return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup) && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, attrs.name ?? '');
}

export function rulesAllow(attrs: AuthorizationAttributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}

/** appliesToUser; `namespace` is the RoleBinding's, or "" for a ClusterRoleBinding. */
export function subjectMatches(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return has(user.groups, subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace ? subject.namespace : namespace;
      if (ns === '') return false;
      return user.name === `${SERVICE_ACCOUNT_USER_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** GetRoleReferenceRules: the rules, or the lister's NotFound text. */
function roleRefRules(rbac: RbacObjects, ref: RoleRef, bindingNamespace: string): { rules?: readonly PolicyRule[]; error?: string } {
  switch (ref.kind) {
    case 'Role': {
      const role = rbac.roles.find((r) => r.metadata?.name === ref.name && (r.metadata?.namespace ?? '') === bindingNamespace);
      return role ? { rules: role.rules ?? [] } : { error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    case 'ClusterRole': {
      const role = rbac.clusterRoles.find((r) => r.metadata?.name === ref.name);
      return role ? { rules: role.rules ?? [] } : { error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    default:
      return { error: `unsupported role reference kind: "${ref.kind}"` };
  }
}

/** utilerrors.NewAggregate(errs).Error(). */
function aggregate(messages: readonly string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace ? s.namespace : bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/**
 * RBACAuthorizer.Authorize: Allow (reason `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole
 * "r" to User "u"`, as the audit log shows it), or NoOpinion with `RBAC: <errors>` when bindings
 * that name the user point at missing roles ("" when nothing was broken).
 */
export function authorizeRBAC(user: UserInfo, attrs: AuthorizationAttributes, rbac: RbacObjects): AuthorizerDecision {
  const errors: string[] = [];
  const visit = (subjects: readonly Subject[] | undefined, bindingNs: string, ref: RoleRef): Subject | undefined => {
    const subject = (subjects ?? []).find((s) => subjectMatches(user, s, bindingNs));
    if (!subject) return undefined;
    const { rules, error } = roleRefRules(rbac, ref, bindingNs);
    if (error) {
      errors.push(error);
      return undefined;
    }
    return rulesAllow(attrs, rules ?? []) ? subject : undefined;
  };
  for (const b of rbac.clusterRoleBindings) {
    const subject = visit(b.subjects, '', b.roleRef);
    if (subject) {
      const by = `ClusterRoleBinding "${b.metadata?.name ?? ''}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, '')}`;
      return { decision: 'Allow', reason: `RBAC: allowed by ${by}` };
    }
  }
  const ns = attrs.namespace ?? '';
  if (ns !== '') {
    for (const b of rbac.roleBindings) {
      if ((b.metadata?.namespace ?? '') !== ns) continue;
      const subject = visit(b.subjects, ns, b.roleRef);
      if (subject) {
        const by = `RoleBinding "${b.metadata?.name ?? ''}/${ns}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, ns)}`;
        return { decision: 'Allow', reason: `RBAC: allowed by ${by}` };
      }
    }
  }
  return { decision: 'NoOpinion', reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
}
