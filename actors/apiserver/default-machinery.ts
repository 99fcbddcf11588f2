import { DEFAULT_CHAIN } from '../api/admission/chain.ts';
import { SYSTEM_PRIORITY_CLASSES } from '../api/admission/priority.ts';
import type { AdmissionAttributes } from '../api/admission/types.ts';
import { authenticate, type TokenEntry } from '../api/auth/authenticate.ts';
import { authorize } from '../api/auth/authorize.ts';
import { bootstrapRbac } from '../api/auth/bootstrap.ts';
import { checkRbacEscalation } from '../api/auth/escalation.ts';
import { convert, isConversionError } from '../api/conversion.ts';
import { applyDefaults, prepareForCreate } from '../api/defaults.ts';
import { convertFieldSelector, exactNodeName, exactObjectName, isFieldSelectorError, matchesObject, parseFieldSelector } from '../api/fields.ts';
import { isSelectorError, matches, parseSelector } from '../api/labels.ts';
import type { ApiStatus, KubeObject } from '../api/protocol.ts';
import { etcdKey, etcdListPrefix, lookupRequest, RESOURCES, type ResourceInfo as ApiResourceInfo } from '../api/resources.ts';
import { timestamp } from '../api/time.ts';
import { decodeQuantities, resourceVersionSetOnCreate, validateCreate, validateUpdate } from '../api/validation.ts';
import { badRequest, unknownError } from '../api/errors.ts';
import type { AdmissionOutcome, AdmissionRequest, ApiMachinery, Lookup, ResourceInfo } from './machinery.ts';
import { cloneJson } from '../api/clone-json.ts';

/** The apiserver's machinery wired to actors/api: the real rules, defaults and texts. */

function toInfo(r: ApiResourceInfo): ResourceInfo {
  return { kind: r.kind, resource: r.resource, group: r.group, storageVersion: r.storageApiVersion, namespaced: r.namespaced, subresources: r.subresources };
}

/** One entry per etcd prefix: a resource served in two groups has one storage and one cache. */
const STORED: readonly ApiResourceInfo[] = (() => {
  const seen = new Set<string>();
  const out: ApiResourceInfo[] = [];
  for (const r of RESOURCES) {
    if (seen.has(r.etcdPrefix)) continue;
    const storage = RESOURCES.find((x) => x.etcdPrefix === r.etcdPrefix && `${x.group === '' ? '' : `${x.group}/`}${x.versions[0]}` === x.storageApiVersion) ?? r;
    seen.add(r.etcdPrefix);
    out.push(storage);
  }
  return out;
})();

const BY_INFO = new Map<ResourceInfo, ApiResourceInfo>();
const INFOS = new Map<ApiResourceInfo, ResourceInfo>();
function infoOf(r: ApiResourceInfo): ResourceInfo {
  let info = INFOS.get(r);
  if (!info) {
    info = toInfo(r);
    INFOS.set(r, info);
    BY_INFO.set(info, r);
  }
  return info;
}

function apiInfo(info: ResourceInfo): ApiResourceInfo {
  return BY_INFO.get(info) ?? RESOURCES.find((r) => r.resource === info.resource && r.group === info.group)!;
}

/**
 * The cluster's default StorageClass, as kind and minikube ship one named `standard`: claims
 * without a storageClassName get it (the DefaultStorageClass admission plugin), and binding waits
 * for the first pod that uses the claim.
 */
export const DEFAULT_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'kubesim.io/simulated',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
} as const;

export function defaultMachinery(tokens: ReadonlyMap<string, TokenEntry>): ApiMachinery {
  const rbacFrom = (lookup: Lookup) => ({
    roles: lookup.list('roles') as never[],
    clusterRoles: lookup.list('clusterroles') as never[],
    roleBindings: lookup.list('rolebindings') as never[],
    clusterRoleBindings: lookup.list('clusterrolebindings') as never[],
  });
  // Built field by field in the order a literal with conditional spreads gives: those spreads
  // cost 1.5% of a 1000-node run's CPU (two per write, through V8's generic object clone).
  const attrsOf = (r: AdmissionRequest): AdmissionAttributes => {
    const attrs: { -readonly [K in keyof AdmissionAttributes]: AdmissionAttributes[K] } = { operation: r.operation, resource: r.info.resource, apiGroup: r.info.group } as AdmissionAttributes;
    if (r.subresource) attrs.subresource = r.subresource;
    if (r.namespace !== undefined) attrs.namespace = r.namespace;
    attrs.name = r.name;
    if (r.object) attrs.object = r.object;
    if (r.oldObject) attrs.oldObject = r.oldObject;
    attrs.user = r.user;
    return attrs;
  };
  const outcome = (result: { object?: KubeObject; error?: ApiStatus; quotaUsage?: AdmissionOutcome['quotaUsage'] }): AdmissionOutcome => result;
  return {
    resourceFor(apiVersion, resource) {
      const r = lookupRequest(apiVersion, resource);
      return r ? infoOf(r) : undefined;
    },
    allResources: () => STORED.map(infoOf),
    etcdKey: (info, namespace, name) => etcdKey(apiInfo(info), info.namespaced ? namespace : undefined, name),
    etcdPrefix: (info, namespace) => etcdListPrefix(apiInfo(info), info.namespaced ? namespace : undefined),
    convert(object, info, toApiVersion) {
      if ((object.apiVersion ?? '') === toApiVersion) return object;
      const converted = convert(object, toApiVersion);
      // A version this kind is not served in: keep what we have (the caller asked for storage).
      return isConversionError(converted) ? { ...object, apiVersion: toApiVersion, kind: info.kind } : converted;
    },
    decode: (object, info) => decodeQuantities({ ...object, kind: object.kind ?? info.kind }),
    applyDefaults: (object, info, apiVersion) => applyDefaults({ ...object, apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? info.kind }),
    prepareCreate: (object, _info, ctx) => prepareForCreate(object, { now: timestamp(ctx.nowMs), uid: ctx.uid, randomInt: ctx.randomInt }),
    validateCreate: (object) => validateCreate(object),
    validateUpdate: (object, old, _info, subresource) => validateUpdate(object, old, subresource === 'status' ? { subresource: 'status' } : {}),
    admitMutating: (r, lookup) => outcome(DEFAULT_CHAIN.runMutating(attrsOf(r), lookup)),
    admitValidating: (r, lookup) => outcome(DEFAULT_CHAIN.runValidating(attrsOf(r), lookup)),
    checkEscalation(r, lookup) {
      if (r.operation === 'DELETE' || !r.object) return null;
      const rbac = rbacFrom(lookup);
      const request = {
        operation: r.operation,
        resource: r.info.resource,
        apiGroup: r.info.group,
        namespace: r.namespace ?? '',
        name: r.name,
        object: r.object,
        ...(r.oldObject ? { oldObject: r.oldObject } : {}),
        user: r.user,
      };
      return checkRbacEscalation(request, rbac, (user, attrs) => authorize(user, attrs, rbac, { lookup }).allowed) ?? null;
    },
    authenticate(token) {
      const result = authenticate(token, tokens, { anonymous: false });
      return result.ok ? { name: result.user.name, groups: [...result.user.groups] } : null;
    },
    authorize(user, attrs, lookup) {
      const decision = authorize(user, attrs, rbacFrom(lookup), { lookup });
      return decision.allowed ? { allowed: true } : { allowed: false, reason: decision.denial };
    },
    selectorMatcher(labelSelector, fieldSelector) {
      const labels = labelSelector ? parseSelector(labelSelector) : null;
      if (labels && isSelectorError(labels)) return badRequest(`unable to parse requirement: ${labels.error}`);
      const fields = fieldSelector ? parseFieldSelector(fieldSelector) : null;
      if (fields && isFieldSelectorError(fields)) return badRequest(fields.error);
      return (obj: KubeObject) => {
        if (labels && !matches(labels, obj.metadata?.labels ?? {})) return false;
        if (fields) {
          const converted = convertFieldSelector(obj.kind ?? '', fields);
          if (isFieldSelectorError(converted) || !matchesObject(converted, obj)) return false;
        }
        return true;
      };
    },
    exactNodeName(fieldSelector) {
      if (!fieldSelector) return undefined;
      const parsed = parseFieldSelector(fieldSelector);
      return isFieldSelectorError(parsed) ? undefined : exactNodeName(parsed);
    },
    exactObjectName(fieldSelector) {
      if (!fieldSelector) return undefined;
      const parsed = parseFieldSelector(fieldSelector);
      return isFieldSelectorError(parsed) ? undefined : exactObjectName(parsed);
    },
    bootstrapObjects() {
      const find = (resource: string, group: string) => infoOf(RESOURCES.find((r) => r.resource === resource && r.group === group)!);
      const namespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name) => ({ info: find('namespaces', ''), object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject }));
      const serviceAccounts = ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((namespace) => ({
        info: find('serviceaccounts', ''),
        object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } } as KubeObject,
      }));
      const rbac = bootstrapRbac();
      const roles = rbac.clusterRoles.map((object) => ({ info: find('clusterroles', 'rbac.authorization.k8s.io'), object: object as unknown as KubeObject }));
      const bindings = rbac.clusterRoleBindings.map((object) => ({ info: find('clusterrolebindings', 'rbac.authorization.k8s.io'), object: object as unknown as KubeObject }));
      const priorities = SYSTEM_PRIORITY_CLASSES.map((object) => ({ info: find('priorityclasses', 'scheduling.k8s.io'), object: object as unknown as KubeObject }));
      const storageClasses = [DEFAULT_STORAGE_CLASS].map((object) => ({ info: find('storageclasses', 'storage.k8s.io'), object: cloneJson(object) as KubeObject }));
      return [...namespaces, ...serviceAccounts, ...roles, ...bindings, ...priorities, ...storageClasses];
    },
    createPrecondition(object) {
      const error = resourceVersionSetOnCreate(object);
      return error ? unknownError(error) : null;
    },
  };
}
