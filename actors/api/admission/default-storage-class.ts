/**
 * DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault/admission.go),
 * mutating, PersistentVolumeClaims on CREATE. A claim without `spec.storageClassName` (absent,
 * not "": an explicit "" asks for no class) gets the default class: a StorageClass annotated
 * `storageclass.kubernetes.io/is-default-class: "true"` (or the beta annotation), the newest by
 * creationTimestamp when several are, ties broken by name. No default class: the claim is left
 * alone.
 */
import type { KubeObject } from '../protocol.ts';
import { ALLOW, byName, cloneObject, isResource, type AdmissionAttributes, type AdmissionLookup, type AdmissionPlugin, type AdmissionResult } from './types.ts';

export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

function isDefaultClass(sc: KubeObject): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** helper.GetDefaultClass: the newest default class, ties by name. */
export function defaultStorageClass(lookup: AdmissionLookup): KubeObject | undefined {
  const defaults = lookup.list('storageclasses').filter(isDefaultClass).sort(byName);
  let best: KubeObject | undefined;
  for (const sc of defaults) {
    const t = sc.metadata?.creationTimestamp ?? '';
    if (!best || t > (best.metadata?.creationTimestamp ?? '')) best = sc;
  }
  return best;
}

export function admitDefaultStorageClass(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (!isResource(attrs, 'persistentvolumeclaims') || attrs.subresource || !attrs.object) return ALLOW;
  const spec = (attrs.object as { spec?: Record<string, unknown> }).spec;
  if (spec && spec['storageClassName'] !== undefined && spec['storageClassName'] !== null) return ALLOW;
  const sc = defaultStorageClass(lookup);
  if (!sc?.metadata?.name) return ALLOW;
  const claim = cloneObject(attrs.object) as KubeObject & { spec?: Record<string, unknown> };
  claim.spec = { ...(claim.spec ?? {}), storageClassName: sc.metadata.name };
  return { object: claim };
}

export const DefaultStorageClass: AdmissionPlugin = {
  name: 'DefaultStorageClass',
  operations: ['CREATE'],
  admit: admitDefaultStorageClass,
};
