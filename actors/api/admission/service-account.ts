/**
 * ServiceAccount (plugin/pkg/admission/serviceaccount/admission.go), mutating and validating, for
 * pods on CREATE (and the `ephemeralcontainers` subresource on UPDATE).
 *
 * Mutating: a pod without `serviceAccountName` gets `default`; the account must exist, else
 * 403 `error looking up service account ns/name: serviceaccount "name" not found`; a pod without
 * `imagePullSecrets` inherits the account's. Mirror pods are only validated.
 *
 * Not modelled: the projected token volume `kube-api-access-<5 random chars>` the real plugin
 * mounts (its name is random; kubesim has no token volumes to mount).
 */
import type { KubeObject } from '../protocol.ts';
import { isMirrorPod, podSpec, type Container, type PodSpec } from './pod.ts';
import {
  admissionForbidden,
  ALLOW,
  cloneObject,
  isResource,
  type AdmissionAttributes,
  type AdmissionLookup,
  type AdmissionPlugin,
  type AdmissionResult,
} from './types.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

type ServiceAccountObject = KubeObject & { secrets?: { name?: string }[]; imagePullSecrets?: { name?: string }[] };

/** shouldIgnore: only pods (or their ephemeralcontainers), only with an object. */
function ignored(attrs: AdmissionAttributes): boolean {
  if (!isResource(attrs, 'pods')) return true;
  if (attrs.subresource && attrs.subresource !== 'ephemeralcontainers') return true;
  return !attrs.object;
}

function lookUp(attrs: AdmissionAttributes, lookup: AdmissionLookup, name: string): { sa?: ServiceAccountObject; error?: AdmissionResult } {
  const ns = attrs.namespace ?? '';
  const sa = lookup.get('serviceaccounts', ns, name) as ServiceAccountObject | undefined;
  if (sa) return { sa };
  return { error: { error: admissionForbidden(attrs, `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`) } };
}

export function admitServiceAccount(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (ignored(attrs) || attrs.operation !== 'CREATE') return ALLOW;
  if (isMirrorPod(attrs.object)) return validateServiceAccount(attrs, lookup);
  const pod = cloneObject(attrs.object!);
  const spec = ((pod as { spec?: PodSpec }).spec ??= {});
  if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
  const { sa, error } = lookUp(attrs, lookup, spec.serviceAccountName);
  if (error) return error;
  if ((spec.imagePullSecrets ?? []).length === 0 && (sa!.imagePullSecrets ?? []).length > 0) {
    spec.imagePullSecrets = sa!.imagePullSecrets!.map((s) => ({ name: s.name ?? '' }));
  }
  const validated = validateServiceAccount({ ...attrs, object: pod }, lookup);
  return validated.error ? validated : { object: pod };
}

function referencesSecrets(spec: PodSpec): boolean {
  const hasEnv = (c: Container): boolean =>
    (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef !== undefined) || (c.envFrom ?? []).some((e) => e.secretRef !== undefined);
  const volumes = (spec.volumes ?? []).some((v) => v.secret !== undefined || (v.projected?.sources ?? []).some((s) => s.secret !== undefined));
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].some(hasEnv);
  return volumes || containers || (spec.imagePullSecrets ?? []).length > 0;
}

/** limitSecretReferences: only with the enforce-mountable-secrets annotation on the account. */
function limitSecretReferences(sa: ServiceAccountObject, spec: PodSpec): string | undefined {
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name ?? ''));
  const saName = sa.metadata?.name ?? '';
  for (const v of spec.volumes ?? []) {
    const name = v.secret?.secretName;
    if (v.secret && !mountable.has(name ?? '')) {
      return `volume with secret.secretName="${name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  const check = (containers: Container[] | undefined, kind: string): string | undefined => {
    for (const c of containers ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name ?? '')) {
          return `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef && !mountable.has(e.secretRef.name ?? '')) {
          return `${kind} ${c.name} with envFrom referencing secret.secretName="${e.secretRef.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
        }
      }
    }
    return undefined;
  };
  const fromContainers = check(spec.initContainers, 'init container') ?? check(spec.containers, 'container');
  if (fromContainers) return fromContainers;
  const pull = new Set((sa.imagePullSecrets ?? []).map((s) => s.name ?? ''));
  for (const [i, ref] of (spec.imagePullSecrets ?? []).entries()) {
    if (!pull.has(ref.name ?? '')) {
      return `imagePullSecrets[${i}].name="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
    }
  }
  return undefined;
}

function enforcesMountableSecrets(sa: ServiceAccountObject): boolean {
  const v = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  // strconv.ParseBool
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

export function validateServiceAccount(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (ignored(attrs)) return ALLOW;
  const spec = podSpec(attrs.object);
  const ns = attrs.namespace ?? '';
  const podName = attrs.object?.metadata?.name ?? '';
  if (attrs.operation === 'UPDATE' && attrs.subresource === 'ephemeralcontainers') {
    if (!spec.serviceAccountName) return { error: admissionForbidden(attrs, `no service account specified for pod ${ns}/${podName}`) };
    const { sa, error } = lookUp(attrs, lookup, spec.serviceAccountName);
    if (error) return error;
    if (!enforcesMountableSecrets(sa!)) return ALLOW;
    const mountable = new Set((sa!.secrets ?? []).map((s) => s.name ?? ''));
    for (const c of spec.ephemeralContainers ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name ?? '')) {
          return { error: admissionForbidden(attrs, `ephemeral container ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${sa!.metadata?.name ?? ''} does not reference that secret`) };
        }
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef && !mountable.has(e.secretRef.name ?? '')) {
          return { error: admissionForbidden(attrs, `ephemeral container ${c.name} with envFrom referencing secret.secretName="${e.secretRef.name ?? ''}" is not allowed because service account ${sa!.metadata?.name ?? ''} does not reference that secret`) };
        }
      }
    }
    return ALLOW;
  }
  if (attrs.operation !== 'CREATE') return ALLOW;
  if (isMirrorPod(attrs.object)) {
    if (spec.serviceAccountName) return { error: admissionForbidden(attrs, 'a mirror pod may not reference service accounts') };
    if (referencesSecrets(spec)) return { error: admissionForbidden(attrs, 'a mirror pod may not reference secrets') };
    if ((spec.volumes ?? []).some((v) => (v.projected?.sources ?? []).some((s) => s.serviceAccountToken !== undefined))) {
      return { error: admissionForbidden(attrs, 'a mirror pod may not use ServiceAccountToken volume projections') };
    }
    return ALLOW;
  }
  if (!spec.serviceAccountName) return { error: admissionForbidden(attrs, `no service account specified for pod ${ns}/${podName}`) };
  const { sa, error } = lookUp(attrs, lookup, spec.serviceAccountName);
  if (error) return error;
  if (enforcesMountableSecrets(sa!)) {
    const denied = limitSecretReferences(sa!, spec);
    if (denied) return { error: admissionForbidden(attrs, denied) };
  }
  return ALLOW;
}

export const ServiceAccount: AdmissionPlugin = {
  name: 'ServiceAccount',
  operations: ['CREATE', 'UPDATE'],
  admit: admitServiceAccount,
  validate: validateServiceAccount,
};
