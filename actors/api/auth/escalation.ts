/**
 * RBAC's privilege-escalation prevention, the check the rbac registry runs on every write of a
 * Role, ClusterRole, RoleBinding or ClusterRoleBinding (kubernetes pkg/registry/rbac/{role,
 * clusterrole,rolebinding,clusterrolebinding}/policybased/storage.go, pkg/registry/rbac/
 * escalation_check.go, pkg/registry/rbac/validation/rule.go `ConfirmNoEscalation`,
 * policy_compact.go, component-helpers auth/rbac/validation/policy_comparator.go `Covers`,
 * pkg/apis/rbac/v1/evaluation_helpers.go `CompactString`):
 *
 * - a member of system:masters may write anything (EscalationAllowed);
 * - a Role or ClusterRole may be written by whoever holds every permission in it, or is allowed
 *   the `escalate` verb on roles/clusterroles (RoleEscalationAuthorized); a ClusterRole with an
 *   aggregationRule needs `*` on `*.*` and on every non-resource URL;
 * - a RoleBinding or ClusterRoleBinding may be written by whoever is allowed the `bind` verb on
 *   the referenced role (BindingAuthorized), or holds every permission of that role;
 * - an update that changes only ownerReferences and finalizers is not checked
 *   (IsOnlyMutatingGCFields).
 *
 * A refusal is a 403 from errors.NewForbidden:
 *   rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "alice" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
 *   {APIGroups:["*"], Resources:["*"], Verbs:["*"]}
 *   {NonResourceURLs:["*"], Verbs:["*"]}
 * Rules are resolved through the registry, so a missing role is a 404
 * `clusterroles.rbac.authorization.k8s.io "x" not found`.
 */
import { canonicalJson } from '../../kernel/canonical-json.ts';
import { forbidden, notFound, unknownError } from '../errors.ts';
import { goQuote } from '../field-errors.ts';
import type { ApiStatus, KubeObject } from '../protocol.ts';
import { subjectMatches, type AuthorizationAttributes, type ClusterRole, type PolicyRule, type RbacObjects, type RoleBinding, type RoleRef } from './rbac.ts';
import { SYSTEM_MASTERS, type UserInfo } from './types.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** `*` on `*.*` and on every non-resource URL: what cluster-admin holds. */
const FULL_AUTHORITY: readonly PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export const AGGREGATION_RULE_MESSAGE = 'must have cluster-admin privileges to use the aggregationRule';

// ---------------------------------------------------------------------------------------------
// Covers (policy_comparator.go)

const has = (set: readonly string[] | undefined, element: string): boolean => (set ?? []).includes(element);
const hasAll = (set: readonly string[] | undefined, contains: readonly string[] | undefined): boolean => (contains ?? []).every((e) => has(set, e));

/** BreakdownRule: one rule per (group, resource, verb[, resourceName]), then per (URL, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if ((rule.resourceNames ?? []).length > 0) {
          for (const name of rule.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  if (has(set, '*') || hasAll(set, covers)) return true;
  for (const path of covers ?? []) {
    if (has(set, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(set, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

/** ruleCovers: an owner rule covers a broken-down sub-rule. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, path)));
  const ownerNames = owner.resourceNames ?? [];
  const names = (sub.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Covers: whether `owner` holds every permission of `servant`, and the broken-down rules it lacks. */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of servant) for (const sub of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return { covered: missing.length === 0, missing };
}

/** CompactRules: simple rules (one group, one resource, verbs only) on the same resource merge their verbs. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule & { verbs: string[] }>();
  for (const rule of rules) {
    const isSimple =
      (rule.resourceNames ?? []).length === 0 && (rule.nonResourceURLs ?? []).length === 0 && (rule.apiGroups ?? []).length === 1 && (rule.resources ?? []).length === 1;
    if (!isSimple) {
      compacted.push(rule);
      continue;
    }
    const key = `${rule.apiGroups![0]}/${rule.resources![0]}`;
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...rule.verbs);
    else simple.set(key, { apiGroups: [...rule.apiGroups!], resources: [...rule.resources!], verbs: [...rule.verbs] });
  }
  return [...compacted, ...simple.values()];
}

/** Go's %q of a []string: `["a" "b"]`. */
function quoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** CompactString: `{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`, empty fields left out. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if ((rule.apiGroups ?? []).length > 0) parts.push(`APIGroups:${quoteList(rule.apiGroups!)}`);
  if ((rule.resources ?? []).length > 0) parts.push(`Resources:${quoteList(rule.resources!)}`);
  if ((rule.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${quoteList(rule.nonResourceURLs!)}`);
  if ((rule.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${quoteList(rule.resourceNames!)}`);
  if (rule.verbs.length > 0) parts.push(`Verbs:${quoteList(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------
// Rule resolution through the registry (rule.go DefaultRuleResolver)

/** GetRoleReferenceRules, with the registry's NotFound for a missing role. */
export function roleReferenceRules(rbac: RbacObjects, ref: RoleRef, bindingNamespace: string): { rules: readonly PolicyRule[] } | { error: ApiStatus } {
  switch (ref.kind) {
    case 'Role': {
      const role = rbac.roles.find((r) => r.metadata?.name === ref.name && (r.metadata?.namespace ?? '') === bindingNamespace);
      return role ? { rules: role.rules ?? [] } : { error: notFound('roles', RBAC_GROUP, ref.name) };
    }
    case 'ClusterRole': {
      const role = rbac.clusterRoles.find((r) => r.metadata?.name === ref.name);
      return role ? { rules: role.rules ?? [] } : { error: notFound('clusterroles', RBAC_GROUP, ref.name) };
    }
    default:
      // A raw error (fmt.Errorf), so a 500 with reason Unknown; validation has not run yet.
      return { error: unknownError(`unsupported role reference kind: ${goQuote(ref.kind)}`) };
  }
}

/** RulesFor(user, namespace): the rules of every ClusterRoleBinding naming the user, then of its RoleBindings in `namespace`. */
export function rulesFor(user: UserInfo, namespace: string, rbac: RbacObjects): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  const visit = (bindings: readonly RoleBinding[], bindingNamespace: string): void => {
    for (const b of bindings) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(user, s, bindingNamespace))) continue;
      const resolved = roleReferenceRules(rbac, b.roleRef, bindingNamespace);
      if ('error' in resolved) errors.push(resolved.error.message);
      else rules.push(...resolved.rules);
    }
  };
  visit(rbac.clusterRoleBindings, '');
  if (namespace !== '') visit(rbac.roleBindings.filter((b) => (b.metadata?.namespace ?? '') === namespace), namespace);
  return { rules, errors };
}

/**
 * ConfirmNoEscalation: undefined when the user's rules in `namespace` cover `rules`, otherwise the
 * error text `user "u" (groups=[…]) is attempting to grant RBAC permissions not currently held:\n…`.
 */
export function confirmNoEscalation(user: UserInfo, namespace: string, rules: readonly PolicyRule[], rbac: RbacObjects): string | undefined {
  const owner = rulesFor(user, namespace, rbac);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let message = `user ${goQuote(user.name)} (groups=${quoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length > 0) {
    // fmt %v of []error holding RulesFor's one aggregate error.
    const unique = [...new Set(owner.errors)];
    message += `; resolution errors: [${unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`}]`;
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// The registry's check

export interface EscalationRequest {
  operation: 'CREATE' | 'UPDATE';
  /** roles, clusterroles, rolebindings or clusterrolebindings (anything else passes). */
  resource: string;
  apiGroup: string;
  /** The request's namespace ("" for the cluster-scoped kinds). */
  namespace: string;
  /** The object's name as the request gives it ("" for a create by generateName). */
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
}

/** Asks the apiserver's authorizer chain (Node, RBAC) whether the user may `verb` on `attrs`. */
export type Authorizer = (user: UserInfo, attrs: AuthorizationAttributes) => boolean;

/** IsOnlyMutatingGCFields: the update changes nothing but ownerReferences and finalizers. */
export function isOnlyMutatingGCFields(object: KubeObject, old: KubeObject | undefined): boolean {
  if (!old) return false;
  const meta: Record<string, unknown> = { ...(object.metadata ?? {}) };
  const oldMeta: Record<string, unknown> = old.metadata ?? {};
  for (const field of ['ownerReferences', 'finalizers', 'managedFields', 'selfLink']) {
    if (oldMeta[field] === undefined) delete meta[field];
    else meta[field] = oldMeta[field];
  }
  return canonicalJson({ ...object, metadata: meta }) === canonicalJson(old);
}

function hasAggregationRule(role: KubeObject | undefined): boolean {
  const selectors = (role as ClusterRole | undefined)?.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
  return (selectors?.clusterRoleSelectors ?? []).length > 0;
}

/** The policybased storages' check: undefined to go on, or the Status to answer. */
export function checkRbacEscalation(req: EscalationRequest, rbac: RbacObjects, authorize: Authorizer): ApiStatus | undefined {
  if (req.apiGroup !== RBAC_GROUP) return undefined;
  const { resource, user } = req;
  if (!['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].includes(resource)) return undefined;
  // EscalationAllowed: system:masters may do anything.
  if (user.groups.includes(SYSTEM_MASTERS)) return undefined;
  if (req.operation === 'UPDATE' && isOnlyMutatingGCFields(req.object, req.oldObject)) return undefined;
  const name = req.object.metadata?.name ?? req.name;
  const refuse = (message: string): ApiStatus => forbidden(resource, RBAC_GROUP, name, message);

  if (resource === 'roles' || resource === 'clusterroles') {
    // RoleEscalationAuthorized: the escalate verb on the request's resource, name and namespace.
    const escalate: AuthorizationAttributes = { verb: 'escalate', apiGroup: RBAC_GROUP, resource, ...(req.name ? { name: req.name } : {}), ...(req.namespace ? { namespace: req.namespace } : {}) };
    if (authorize(user, escalate)) return undefined;
    const rules = (req.object as ClusterRole).rules ?? [];
    const problem = confirmNoEscalation(user, req.namespace, rules, rbac);
    if (problem) return refuse(problem);
    if (resource === 'clusterroles' && (hasAggregationRule(req.object) || hasAggregationRule(req.oldObject))) {
      if (confirmNoEscalation(user, req.namespace, FULL_AUTHORITY, rbac)) return refuse(AGGREGATION_RULE_MESSAGE);
    }
    return undefined;
  }

  // Bindings: BindingAuthorized (bind on the referenced role), else hold its permissions.
  const ref = (req.object as RoleBinding).roleRef ?? ({ apiGroup: '', kind: '', name: '' } as RoleRef);
  const bindingNamespace = resource === 'rolebindings' ? req.namespace : '';
  if (ref.kind === 'Role' || ref.kind === 'ClusterRole') {
    const bind: AuthorizationAttributes = {
      verb: 'bind',
      apiGroup: ref.apiGroup,
      resource: ref.kind === 'Role' ? 'roles' : 'clusterroles',
      name: ref.name,
      ...(bindingNamespace ? { namespace: bindingNamespace } : {}),
    };
    if (authorize(user, bind)) return undefined;
  }
  const resolved = roleReferenceRules(rbac, ref, bindingNamespace);
  if ('error' in resolved) return resolved.error;
  const problem = confirmNoEscalation(user, bindingNamespace, resolved.rules, rbac);
  return problem ? refuse(problem) : undefined;
}
