/**
 * The RBAC objects kube-apiserver bootstraps (plugin/pkg/auth/authorizer/rbac/bootstrappolicy
 * policy.go), reduced to what kubesim's components use. `view`, `edit` and `admin` are aggregated
 * roles upstream (their rules come from the system:aggregate-to-* roles); here their rules are
 * written out flat, so no aggregation controller is needed.
 *
 * kubesim departure: all controllers run under the one `system:kube-controller-manager` identity
 * (upstream gives each controller its own service account and system:controller:* role), so that
 * role is upstream's plus what those controllers need: read and modify anything, create the
 * objects controllers create.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RbacObjects } from './rbac.ts';
import { NODE_RULES } from './node-authorizer.ts';
import { KUBE_CONTROLLER_MANAGER_USER, KUBE_SCHEDULER_USER, SYSTEM_MASTERS } from './types.ts';
import { cloneJson } from '../clone-json.ts';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

const rule = (verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule => ({
  verbs: [...verbs],
  apiGroups: [...apiGroups],
  resources: [...resources],
  ...(resourceNames ? { resourceNames: [...resourceNames] } : {}),
});

/** eventsRule(). */
const EVENTS = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const BOOTSTRAP_ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { ...BOOTSTRAP_ANNOTATIONS } },
    rules,
  };
}

function clusterRoleBinding(name: string, role: string, subject: { kind: string; name: string; namespace?: string }): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...BOOTSTRAP_ANNOTATIONS } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [subject.kind === 'ServiceAccount' ? subject : { apiGroup: 'rbac.authorization.k8s.io', ...subject }],
  };
}

const VIEW_RULES: PolicyRule[] = [
  rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const EDIT_ONLY_RULES: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

const ADMIN_ONLY_RULES: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
];

const SCHEDULER_RULES: PolicyRule[] = [
  EVENTS,
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
  rule(['create'], [''], ['endpoints']),
  rule(['get', 'update'], [''], ['endpoints'], ['kube-scheduler']),
  rule(READ, [''], ['nodes']),
  rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
  rule(['create'], [''], ['pods/binding', 'bindings']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(READ, [''], ['services', 'replicationcontrollers']),
  rule(READ, ['apps', 'extensions'], ['replicasets']),
  rule(READ, ['apps'], ['statefulsets']),
  rule(READ, ['policy'], ['poddisruptionbudgets']),
  rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  rule(READ, ['storage.k8s.io'], ['csinodes']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['storage.k8s.io'], ['csidrivers']),
  rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
];

const CONTROLLER_MANAGER_RULES: PolicyRule[] = [
  // Upstream system:kube-controller-manager.
  EVENTS,
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
  rule(['create'], [''], ['endpoints']),
  rule(['get', 'update'], [''], ['endpoints'], ['kube-controller-manager']),
  rule(['create'], [''], ['secrets', 'serviceaccounts']),
  rule(['delete'], [''], ['secrets']),
  rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
  rule(['update'], [''], ['secrets', 'serviceaccounts']),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  rule(['list', 'watch'], ['*'], ['*']),
  rule(['create'], [''], ['serviceaccounts/token']),
  // kubesim: the system:controller:* roles folded in (garbage collector and namespace
  // controller: read, modify and delete anything; the others: create what they own).
  rule(['get', 'list', 'watch', 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
  rule(['create'], [''], ['pods', 'endpoints', 'configmaps', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes']),
  rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
  rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
  rule(['create'], ['batch'], ['jobs']),
  rule(['create'], ['coordination.k8s.io'], ['leases']),
];

/** system:node-proxier (bound to user system:kube-proxy). */
const NODE_PROXIER_RULES: PolicyRule[] = [
  rule(['list', 'watch'], [''], ['services', 'endpoints']),
  rule(['get'], [''], ['nodes']),
  EVENTS,
  rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
];

/** system:volume-scheduler (bound to the scheduler): VolumeBinding's listers and its PreBind writes. */
const VOLUME_SCHEDULER_RULES: PolicyRule[] = [
  rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
  rule(READ, ['storage.k8s.io'], ['storageclasses']),
];

/** system:cloud-controller-manager (upstream's cloud-provider role, bound to its user here). */
const CLOUD_CONTROLLER_MANAGER_RULES: PolicyRule[] = [
  EVENTS,
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['cloud-controller-manager']),
  rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['services', 'nodes']),
  rule(['patch', 'update'], [''], ['services/status', 'nodes/status']),
  rule(['list', 'watch'], [''], ['endpoints']),
];

/** system:kube-dns (bound to service account kube-system/kube-dns). */
const KUBE_DNS_RULES: PolicyRule[] = [rule(['list', 'watch'], [''], ['endpoints', 'services'])];

export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = Object.freeze([
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), { verbs: ['*'], nonResourceURLs: ['*'] }]),
  clusterRole('admin', [...VIEW_RULES, ...EDIT_ONLY_RULES, ...ADMIN_ONLY_RULES]),
  clusterRole('edit', [...VIEW_RULES, ...EDIT_ONLY_RULES], { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
  clusterRole('view', VIEW_RULES, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
  clusterRole('system:kube-scheduler', SCHEDULER_RULES),
  clusterRole('system:kube-controller-manager', CONTROLLER_MANAGER_RULES),
  clusterRole('system:volume-scheduler', VOLUME_SCHEDULER_RULES),
  // Upstream no longer binds system:node (the Node authorizer replaces it); kept for reference.
  clusterRole('system:node', NODE_RULES.map((r) => ({ ...r, verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])] }))),
  clusterRole('system:node-proxier', NODE_PROXIER_RULES),
  clusterRole('system:kube-dns', KUBE_DNS_RULES),
  clusterRole('system:cloud-controller-manager', CLOUD_CONTROLLER_MANAGER_RULES),
]);

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = Object.freeze([
  clusterRoleBinding('cluster-admin', 'cluster-admin', { kind: 'Group', name: SYSTEM_MASTERS }),
  clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', { kind: 'User', name: KUBE_SCHEDULER_USER }),
  clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', { kind: 'User', name: KUBE_CONTROLLER_MANAGER_USER }),
  clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', { kind: 'User', name: KUBE_SCHEDULER_USER }),
  clusterRoleBinding('system:node-proxier', 'system:node-proxier', { kind: 'User', name: 'system:kube-proxy' }),
  clusterRoleBinding('system:kube-dns', 'system:kube-dns', { kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }),
  clusterRoleBinding('system:cloud-controller-manager', 'system:cloud-controller-manager', { kind: 'User', name: 'system:cloud-controller-manager' }),
]);

/** Everything above as RbacObjects (no namespaced Roles or RoleBindings), for tests and bootstrap. */
export function bootstrapRbac(): RbacObjects {
  return {
    roles: [],
    clusterRoles: cloneJson([...BOOTSTRAP_CLUSTER_ROLES]),
    roleBindings: [],
    clusterRoleBindings: cloneJson([...BOOTSTRAP_CLUSTER_ROLE_BINDINGS]),
  };
}
