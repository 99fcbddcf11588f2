import type { FieldCause } from '../api/errors.ts';
import type { AdmissionLookup } from '../api/admission/types.ts';
import type { AuthorizationAttributes } from '../api/auth/rbac.ts';
import type { UserInfo as ApiUserInfo } from '../api/auth/types.ts';
import type { ApiStatus, ApiVerb, KubeObject } from '../api/protocol.ts';

/**
 * The apiserver's API machinery as one interface: resource lookup, keys, conversion, defaulting,
 * validation, admission, authentication and authorization. The request pipeline in
 * apiserver-core.ts calls only this; `default-machinery.ts` wires it to actors/api.
 */

export interface ResourceInfo {
  kind: string;
  /** Plural, lower case: "pods". */
  resource: string;
  /** "" for the core group. */
  group: string;
  /** The version objects are stored in, e.g. "apps/v1". */
  storageVersion: string;
  namespaced: boolean;
  subresources: readonly string[];
}

/** Who is asking (actors/api/auth): a name and its groups. */
export type UserInfo = ApiUserInfo;

/** The apiserver's caches as admission and authorization read them (actors/api/admission). */
export type Lookup = AdmissionLookup;

/** authorizer.Attributes of a resource request (actors/api/auth). */
export type AuthzAttributes = AuthorizationAttributes;

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  info: ResourceInfo;
  subresource?: string;
  namespace?: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
}

export interface AdmissionOutcome {
  object?: KubeObject;
  error?: ApiStatus;
  /** ResourceQuota usage to write after the object is stored. */
  quotaUsage?: { namespace: string; quota: string; used: Record<string, string> }[];
}

export interface DefaultingContext {
  nowMs: number;
  uid: () => string;
  /** Seeded draw in [0, n), for generateName suffixes. */
  randomInt: (n: number) => number;
}

export interface ApiMachinery {
  /** Resolves (apiVersion, resource) as a request names them. */
  resourceFor(apiVersion: string, resource: string): ResourceInfo | undefined;
  /** Every resource the apiserver serves (each gets a watch cache). */
  allResources(): readonly ResourceInfo[];
  etcdKey(info: ResourceInfo, namespace: string | undefined, name: string): string;
  etcdPrefix(info: ResourceInfo, namespace?: string): string;
  /** Converts an object to the version a client asked for (or to the storage version). */
  convert(object: KubeObject, info: ResourceInfo, toApiVersion: string): KubeObject;
  /**
   * Decoding, before anything else: the object with every quantity in its canonical form, or the
   * decoder's error text when one does not parse (the caller answers 400, or 422 for a patch).
   */
  decode(object: KubeObject, info: ResourceInfo): { object: KubeObject; error?: undefined } | { error: string };
  /** Defaulting for an object in the version it was sent in, before conversion to storage. */
  applyDefaults(object: KubeObject, info: ResourceInfo, apiVersion: string): KubeObject;
  /** Fills metadata on create: uid, creationTimestamp, generation, name from generateName. */
  prepareCreate(object: KubeObject, info: ResourceInfo, ctx: DefaultingContext): KubeObject;
  validateCreate(object: KubeObject, info: ResourceInfo, apiVersion: string): FieldCause[];
  validateUpdate(object: KubeObject, old: KubeObject, info: ResourceInfo, subresource?: string): FieldCause[];
  /** Mutating admission (runs before validation). */
  admitMutating(request: AdmissionRequest, lookup: Lookup): AdmissionOutcome;
  /**
   * RBAC's escalation check for writes of roles and bindings (the rbac registry's policybased
   * storage, after mutating admission and before validation): a Status to refuse with, or null.
   */
  checkEscalation(request: AdmissionRequest, lookup: Lookup): ApiStatus | null;
  /** Validating admission (after validation; ResourceQuota last). */
  admitValidating(request: AdmissionRequest, lookup: Lookup): AdmissionOutcome;
  authenticate(token: string): UserInfo | null;
  authorize(user: UserInfo, attrs: AuthzAttributes, lookup: Lookup): { allowed: true } | { allowed: false; reason: string };
  /** Label and field selectors as a request gives them; null when a selector does not parse. */
  selectorMatcher(labelSelector: string | undefined, fieldSelector: string | undefined): ((obj: KubeObject) => boolean) | ApiStatus;
  /** The node a fieldSelector pins a pod watch to (`spec.nodeName=X`), for the watch index. */
  exactNodeName(fieldSelector: string | undefined): string | undefined;
  /** The name a fieldSelector pins a watch to (`metadata.name=X`), for the watch index. */
  exactObjectName(fieldSelector: string | undefined): string | undefined;
  /** Bootstrap objects every apiserver makes sure exist (namespaces, RBAC roles, priority classes). */
  bootstrapObjects(): { info: ResourceInfo; object: KubeObject }[];
  /** A create that carries a resourceVersion: the storage layer's raw error, or null. */
  createPrecondition(object: KubeObject): ApiStatus | null;
}

export function verbForAuthz(verb: ApiVerb, hasName: boolean): string {
  if (verb === 'list' && hasName) return 'get';
  return verb;
}
