/**
 * The resource table kubesim's apiserver serves: for each (group, resource) its kind, served
 * versions, storage version, scope, short names, subresources and etcd prefix.
 *
 * Storage follows kube-apiserver: one etcd prefix per resource, shared by every group that
 * serves it (Deployments from apps and extensions both live under /registry/deployments, in
 * apps/v1; core and events.k8s.io Events share /registry/events, in v1). Most prefixes are
 * `/registry/<resource>`; the exceptions are kube-apiserver's SpecialDefaultResourcePrefixes
 * (pkg/kubeapiserver/default_storage_factory_builder.go): nodes → `minions`, services →
 * `services/specs`, endpoints → `services/endpoints`, replicationcontrollers → `controllers`.
 */

export interface ResourceInfo {
  readonly kind: string;
  /** Plural, lower-case: "pods". */
  readonly resource: string;
  /** "" for the core group. */
  readonly group: string;
  /** Versions served in this group, preferred first: ["v1"]. */
  readonly versions: readonly string[];
  /** The apiVersion objects are stored in, possibly another group's: "apps/v1" for extensions Deployments. */
  readonly storageApiVersion: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Subresources kubesim models. */
  readonly subresources: readonly ('status' | 'binding' | 'scale' | 'finalize' | 'eviction')[];
  /** Etcd key prefix without the trailing slash: "/registry/pods". */
  readonly etcdPrefix: string;
  /**
   * Whether create sets metadata.generation to 1 and spec changes bump it (the strategy's
   * PrepareForCreate/PrepareForUpdate). Pods do since PodObservedGenerationTracking (beta, on
   * by default in v1.34).
   */
  readonly tracksGeneration: boolean;
}

function entry(
  kind: string,
  resource: string,
  group: string,
  versions: readonly string[],
  opts: {
    storage?: string;
    namespaced: boolean;
    short?: readonly string[];
    sub?: ResourceInfo['subresources'];
    prefix?: string;
    generation?: boolean;
  },
): ResourceInfo {
  return {
    kind,
    resource,
    group,
    versions,
    storageApiVersion: opts.storage ?? formatApiVersion(group, versions[0]!),
    namespaced: opts.namespaced,
    shortNames: opts.short ?? [],
    subresources: opts.sub ?? [],
    etcdPrefix: `/registry/${opts.prefix ?? resource}`,
    tracksGeneration: opts.generation ?? false,
  };
}

/** Every resource kubesim serves, sorted by (group, resource). */
export const RESOURCES: readonly ResourceInfo[] = [
  entry('ConfigMap', 'configmaps', '', ['v1'], { namespaced: true, short: ['cm'] }),
  entry('Endpoints', 'endpoints', '', ['v1'], { namespaced: true, short: ['ep'], prefix: 'services/endpoints' }),
  entry('Event', 'events', '', ['v1'], { namespaced: true, short: ['ev'] }),
  entry('LimitRange', 'limitranges', '', ['v1'], { namespaced: true, short: ['limits'] }),
  entry('Namespace', 'namespaces', '', ['v1'], { namespaced: false, short: ['ns'], sub: ['status', 'finalize'] }),
  entry('Node', 'nodes', '', ['v1'], { namespaced: false, short: ['no'], sub: ['status'], prefix: 'minions' }),
  entry('PersistentVolumeClaim', 'persistentvolumeclaims', '', ['v1'], { namespaced: true, short: ['pvc'], sub: ['status'] }),
  entry('PersistentVolume', 'persistentvolumes', '', ['v1'], { namespaced: false, short: ['pv'], sub: ['status'] }),
  entry('Pod', 'pods', '', ['v1'], { namespaced: true, short: ['po'], sub: ['status', 'binding', 'eviction'], generation: true }),
  // kube-apiserver's SpecialDefaultResourcePrefixes: replicationcontrollers → `controllers`.
  entry('ReplicationController', 'replicationcontrollers', '', ['v1'], {
    namespaced: true,
    short: ['rc'],
    sub: ['status', 'scale'],
    prefix: 'controllers',
    generation: true,
  }),
  entry('ResourceQuota', 'resourcequotas', '', ['v1'], { namespaced: true, short: ['quota'], sub: ['status'] }),
  entry('Secret', 'secrets', '', ['v1'], { namespaced: true }),
  entry('ServiceAccount', 'serviceaccounts', '', ['v1'], { namespaced: true, short: ['sa'] }),
  entry('Service', 'services', '', ['v1'], { namespaced: true, short: ['svc'], sub: ['status'], prefix: 'services/specs' }),
  entry('ControllerRevision', 'controllerrevisions', 'apps', ['v1'], { namespaced: true }),
  entry('DaemonSet', 'daemonsets', 'apps', ['v1'], { namespaced: true, short: ['ds'], sub: ['status'], generation: true }),
  entry('Deployment', 'deployments', 'apps', ['v1'], {
    namespaced: true,
    short: ['deploy'],
    sub: ['status', 'scale'],
    generation: true,
  }),
  entry('ReplicaSet', 'replicasets', 'apps', ['v1'], {
    namespaced: true,
    short: ['rs'],
    sub: ['status', 'scale'],
    generation: true,
  }),
  entry('StatefulSet', 'statefulsets', 'apps', ['v1'], {
    namespaced: true,
    short: ['sts'],
    sub: ['status', 'scale'],
    generation: true,
  }),
  entry('CronJob', 'cronjobs', 'batch', ['v1'], { namespaced: true, short: ['cj'], sub: ['status'], generation: true }),
  entry('Job', 'jobs', 'batch', ['v1'], { namespaced: true, sub: ['status'], generation: true }),
  entry('Lease', 'leases', 'coordination.k8s.io', ['v1'], { namespaced: true }),
  entry('EndpointSlice', 'endpointslices', 'discovery.k8s.io', ['v1'], { namespaced: true }),
  entry('Event', 'events', 'events.k8s.io', ['v1'], { namespaced: true, short: ['ev'], storage: 'v1' }),
  entry('Deployment', 'deployments', 'extensions', ['v1beta1'], {
    namespaced: true,
    short: ['deploy'],
    sub: ['status', 'scale'],
    storage: 'apps/v1',
    generation: true,
  }),
  entry('ReplicaSet', 'replicasets', 'extensions', ['v1beta1'], {
    namespaced: true,
    short: ['rs'],
    sub: ['status', 'scale'],
    storage: 'apps/v1',
    generation: true,
  }),
  entry('PodDisruptionBudget', 'poddisruptionbudgets', 'policy', ['v1'], { namespaced: true, short: ['pdb'], sub: ['status'], generation: true }),
  entry('ClusterRoleBinding', 'clusterrolebindings', 'rbac.authorization.k8s.io', ['v1'], { namespaced: false }),
  entry('ClusterRole', 'clusterroles', 'rbac.authorization.k8s.io', ['v1'], { namespaced: false }),
  entry('RoleBinding', 'rolebindings', 'rbac.authorization.k8s.io', ['v1'], { namespaced: true }),
  entry('Role', 'roles', 'rbac.authorization.k8s.io', ['v1'], { namespaced: true }),
  entry('PriorityClass', 'priorityclasses', 'scheduling.k8s.io', ['v1'], { namespaced: false, short: ['pc'] }),
  entry('StorageClass', 'storageclasses', 'storage.k8s.io', ['v1'], { namespaced: false, short: ['sc'] }),
];

/** "apps/v1" → {group: "apps", version: "v1"}; "v1" → {group: "", version: "v1"}. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The resource an object of (apiVersion, kind) belongs to, if that version is served. */
export function lookupByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return RESOURCES.find((r) => r.group === group && r.kind === kind && r.versions.includes(version));
}

/** The resource for (group, plural resource), whatever the version. */
export function lookupByResource(group: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

/** The resource a request addresses: (apiVersion, plural), only if that version is served. */
export function lookupRequest(apiVersion: string, resource: string): ResourceInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  const info = lookupByResource(group, resource);
  return info && info.versions.includes(version) ? info : undefined;
}

/**
 * What kubectl would resolve a name to: a plural, a short name, a lower-case kind or
 * `plural.group`. Groups are tried in table order, so core and apps win over events.k8s.io and
 * extensions, as kubectl's preferred versions do.
 */
export function resolveResourceName(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  if (dot > 0) {
    const found = lookupByResource(lower.slice(dot + 1), lower.slice(0, dot));
    if (found) return found;
  }
  return (
    RESOURCES.find((r) => r.resource === lower) ??
    RESOURCES.find((r) => r.shortNames.includes(lower)) ??
    RESOURCES.find((r) => r.kind.toLowerCase() === lower)
  );
}

function prefixOf(resource: string | ResourceInfo): string {
  if (typeof resource !== 'string') return resource.etcdPrefix;
  // Every group serving a plural shares its storage, so the plural alone names the prefix.
  const info = RESOURCES.find((r) => r.resource === resource);
  return info ? info.etcdPrefix : `/registry/${resource}`;
}

/**
 * The etcd key of one object: `/registry/<prefix>/<namespace>/<name>`, or
 * `/registry/<prefix>/<name>` for a cluster-scoped resource (namespace empty or absent).
 */
export function etcdKey(resource: string | ResourceInfo, namespace: string | undefined, name: string): string {
  const prefix = prefixOf(resource);
  return namespace ? `${prefix}/${namespace}/${name}` : `${prefix}/${name}`;
}

/**
 * The prefix a list reads, with its trailing slash so `/registry/pods/default/` never matches
 * `/registry/pods/default-2/...`: every namespace when `namespace` is empty or absent.
 */
export function etcdListPrefix(resource: string | ResourceInfo, namespace?: string): string {
  const prefix = prefixOf(resource);
  return namespace ? `${prefix}/${namespace}/` : `${prefix}/`;
}

/** Splits a key back into (resource, namespace, name), for watch events read straight from etcd. */
export function parseEtcdKey(key: string): { resource: ResourceInfo; namespace: string; name: string } | undefined {
  // Longest prefix first: "/registry/services/endpoints" must win over "/registry/services/specs" style overlaps.
  const candidates = [...RESOURCES].sort((a, b) => b.etcdPrefix.length - a.etcdPrefix.length);
  for (const info of candidates) {
    if (!key.startsWith(`${info.etcdPrefix}/`)) continue;
    const rest = key.slice(info.etcdPrefix.length + 1).split('/');
    if (info.namespaced && rest.length === 2) return { resource: info, namespace: rest[0]!, name: rest[1]! };
    if (!info.namespaced && rest.length === 1) return { resource: info, namespace: '', name: rest[0]! };
  }
  return undefined;
}
