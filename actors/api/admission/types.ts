/**
 * The admission interface kubesim's apiserver calls for every create, update and delete
 * (k8s.io/apiserver/pkg/admission): attributes of the request in, a possibly mutated object or a
 * Status out. Plugins are pure functions of (attributes, lookup); the apiserver feeds `lookup`
 * from its watch caches, the way the real plugins read informer listers.
 */
import { forbidden } from '../errors.ts';
import type { ApiStatus, KubeObject } from '../protocol.ts';
import type { UserInfo } from '../auth/types.ts';
import { cloneJson } from '../clone-json.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  /** Plural lower-case resource: "pods", "nodes", "leases". */
  resource: string;
  /**
   * API group: "" for core, "apps", "coordination.k8s.io"... When absent it is inferred from the
   * resource name for the resources kubesim serves (see `groupOf`).
   */
  apiGroup?: string;
  /** "status", "binding", "eviction"... */
  subresource?: string;
  namespace?: string;
  /**
   * The object's name. On CREATE the real apiserver takes it from the object (empty with only
   * `generateName`); error messages then fall back to the object's name or generateName.
   */
  name: string;
  /** The incoming object (CREATE, UPDATE). Plugins never modify it; they return a copy. */
  object?: KubeObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
  user: UserInfo;
}

/**
 * Reads the apiserver's caches. `namespace` is undefined for cluster-scoped resources; `list`
 * without a namespace lists across all namespaces.
 */
export interface AdmissionLookup {
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
}

/**
 * Quota usage a successful request charges. The apiserver writes `used` into the ResourceQuota's
 * `status.used` (the real plugin writes it before the object is persisted; kubesim returns it as
 * data so the write is visible in the trace).
 */
export interface QuotaUsage {
  quota: string;
  namespace: string;
  /** The complete new `status.used`, formatted as Kubernetes prints quantities. */
  used: Record<string, string>;
}

export interface AdmissionResult {
  /** The object after mutation (present when there was an object). */
  object?: KubeObject;
  /** The first plugin's rejection; when set, the request fails with this Status. */
  error?: ApiStatus;
  /** Only from ResourceQuota, only on success. */
  quotaUsage?: QuotaUsage[];
}

/** One plugin's step: mutating (`admit`) or validating (`validate`). Pure. */
export type AdmissionFunc = (attrs: AdmissionAttributes, lookup: AdmissionLookup) => AdmissionResult;

export interface AdmissionPlugin {
  readonly name: string;
  /** The operations the plugin's admission.Handler is registered for. */
  readonly operations: readonly AdmissionOperation[];
  readonly admit?: AdmissionFunc;
  readonly validate?: AdmissionFunc;
}

/** Resource → API group for the resources kubesim serves, used when `apiGroup` is absent. */
const GROUPS: Readonly<Record<string, string>> = {
  deployments: 'apps',
  replicasets: 'apps',
  statefulsets: 'apps',
  daemonsets: 'apps',
  controllerrevisions: 'apps',
  jobs: 'batch',
  cronjobs: 'batch',
  leases: 'coordination.k8s.io',
  priorityclasses: 'scheduling.k8s.io',
  roles: 'rbac.authorization.k8s.io',
  rolebindings: 'rbac.authorization.k8s.io',
  clusterroles: 'rbac.authorization.k8s.io',
  clusterrolebindings: 'rbac.authorization.k8s.io',
  endpointslices: 'discovery.k8s.io',
  poddisruptionbudgets: 'policy',
  ingresses: 'networking.k8s.io',
  networkpolicies: 'networking.k8s.io',
  csinodes: 'storage.k8s.io',
  storageclasses: 'storage.k8s.io',
  volumeattachments: 'storage.k8s.io',
  horizontalpodautoscalers: 'autoscaling',
};

export function groupOf(attrs: Pick<AdmissionAttributes, 'resource' | 'apiGroup'>): string {
  return attrs.apiGroup ?? GROUPS[attrs.resource] ?? '';
}

/** True when the request is for `resource` in `group` (no subresource check). */
export function isResource(attrs: AdmissionAttributes, resource: string, group = ''): boolean {
  return attrs.resource === resource && groupOf(attrs) === group;
}

/**
 * The name admission errors report (apiserver pkg/admission/errors.go extractResourceName): the
 * request's name, else the object's name, else its generateName, else "Unknown".
 */
export function admissionName(attrs: AdmissionAttributes): string {
  if (attrs.name !== '') return attrs.name;
  const meta = attrs.object?.metadata;
  if (!attrs.object) return 'Unknown';
  if (meta?.name) return meta.name;
  if (meta?.generateName) return meta.generateName;
  return 'Unknown';
}

/** admission.NewForbidden: 403 `<resource>[.<group>] "<name>" is forbidden: <reason>`. */
export function admissionForbidden(attrs: AdmissionAttributes, reason: string): ApiStatus {
  return forbidden(attrs.resource, groupOf(attrs), admissionName(attrs), reason);
}

/**
 * utilerrors.NewAggregate(errs).Error(): one distinct message as is, several as
 * `[a, b]` (duplicates dropped, first occurrence kept).
 */
export function aggregate(messages: readonly string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  if (seen.length === 1) return seen[0]!;
  return `[${seen.join(', ')}]`;
}

/** A deep copy the plugin may mutate (plugins never touch their inputs). */
export function cloneObject<T>(value: T): T {
  return cloneJson(value);
}

/** Sorted keys of a record, so every iteration the plugins do is deterministic. */
export function sortedKeys(record: Readonly<Record<string, unknown>> | undefined): string[] {
  return Object.keys(record ?? {}).sort();
}

/** Orders objects by metadata.name (code-unit order, as Go's sort.Strings). */
export function byName(a: KubeObject, b: KubeObject): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

export const ALLOW: AdmissionResult = Object.freeze({});
