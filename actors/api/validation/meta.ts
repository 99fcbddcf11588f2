/** Names and object metadata (apimachinery pkg/api/validation/objectmeta.go, generic.go). */

import type { FieldCause } from '../errors.ts';
import { forbidden, goStruct, invalid, required, tooLong } from '../field-errors.ts';
import { byteLength, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, validateLabels } from '../labels/names.ts';
import type { ObjectMeta } from '../protocol.ts';
import { parseApiVersion } from '../resources.ts';
import { FIELD_IMMUTABLE, IS_NEGATIVE } from './helpers.ts';

/** A ValidateNameFunc: `prefix` is true for generateName, which may end in a dash. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Go's maskTrailingDash, bug included: it drops two characters, not one, before appending "a". */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
/** path.ValidatePathSegmentName (RBAC objects): anything but ".", ".." and names holding "/" or "%". */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

/** The name rule each kind's strategy applies. */
export function nameValidatorFor(kind: string): NameValidator {
  switch (kind) {
    case 'Namespace':
      return nameIsDNSLabel;
    case 'Service':
      return nameIsDNS1035Label;
    case 'Role':
    case 'ClusterRole':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return nameIsPathSegment;
    default:
      return nameIsDNSSubdomain;
  }
}

export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const keys = Object.keys(annotations ?? {}).sort();
  for (const k of keys) for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalid(path, k, msg));
  let size = 0;
  for (const k of keys) size += byteLength(k) + byteLength(annotations![k] ?? '');
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

export function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let firstController = '';
  (refs ?? []).forEach((ref, i) => {
    const p = `${path}[${i}]`;
    const gv = parseApiVersion(ref.apiVersion ?? '');
    if (!ref.apiVersion) causes.push(required(`${p}.apiVersion`, 'must not be empty'));
    else if (gv.version === '' || ref.apiVersion.split('/').length > 2) causes.push(invalid(`${p}.apiVersion`, ref.apiVersion, 'must be <group>/<version> or <version>'));
    if (!ref.kind) causes.push(required(`${p}.kind`, 'must not be empty'));
    if (!ref.name) causes.push(required(`${p}.name`, 'must not be empty'));
    if (!ref.uid) causes.push(required(`${p}.uid`, 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
      // text unverified: Go prints the reference struct and the GVK with %s ("/v1, Kind=Event").
      causes.push(invalid(p, goStruct({ ...ref }), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        causes.push(
          invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`),
        );
      } else firstController = name;
    }
  });
  return causes;
}

export function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of finalizers ?? []) for (const msg of isQualifiedName(f)) causes.push(invalid(path, f, msg));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    causes.push(invalid(path, [...finalizers], 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return causes;
}

/** ValidateObjectMeta / ValidateObjectMetaAccessor for a create. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameFn: NameValidator, path = 'metadata'): FieldCause[] {
  const m = meta ?? {};
  const causes: FieldCause[] = [];
  const generateName = m.generateName ?? '';
  if (generateName !== '') for (const msg of nameFn(generateName, true)) causes.push(invalid(`${path}.generateName`, generateName, msg));
  const name = m.name ?? '';
  if (name === '') causes.push(required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(name, false)) causes.push(invalid(`${path}.name`, name, msg));
  const namespace = m.namespace ?? '';
  if (namespaced) {
    if (namespace === '') causes.push(required(`${path}.namespace`));
    else for (const msg of nameIsDNSLabel(namespace, false)) causes.push(invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace !== '') {
    causes.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if ((m.generation ?? 0) < 0) causes.push(invalid(`${path}.generation`, m.generation, IS_NEGATIVE));
  causes.push(...validateLabels(m.labels, `${path}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return causes;
}

/** ValidateObjectMetaUpdate. */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = 'metadata'): FieldCause[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const causes: FieldCause[] = [];
  if (o.deletionTimestamp) {
    const oldSet = new Set(o.finalizers ?? []);
    const extra = [...new Set((n.finalizers ?? []).filter((f) => !oldSet.has(f)))].sort();
    if (extra.length > 0) {
      causes.push(
        forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  // The registry fills an unconditional update's resourceVersion from the stored object first.
  if (!n.resourceVersion) causes.push(invalid(`${path}.resourceVersion`, n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < 0) causes.push(invalid(`${path}.generation`, n.generation, IS_NEGATIVE));
  if ((n.generation ?? 0) < (o.generation ?? 0)) causes.push(invalid(`${path}.generation`, n.generation ?? 0, 'must not be decremented'));
  const immutable = (field: keyof ObjectMeta, fallback: unknown): void => {
    const a = n[field] ?? fallback;
    const b = o[field] ?? fallback;
    if (a !== b) causes.push(invalid(`${path}.${String(field)}`, a, FIELD_IMMUTABLE));
  };
  immutable('name', '');
  immutable('namespace', '');
  immutable('uid', '');
  immutable('creationTimestamp', null);
  immutable('deletionTimestamp', null);
  immutable('deletionGracePeriodSeconds', null);
  causes.push(...validateLabels(n.labels, `${path}.labels`));
  causes.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  return causes;
}
