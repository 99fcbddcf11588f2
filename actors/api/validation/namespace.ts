/** Namespaces (pkg/apis/core/validation `ValidateNamespace`, `ValidateNamespaceStatusUpdate`). */

import type { FieldCause } from '../errors.ts';
import { invalid } from '../field-errors.ts';
import { isQualifiedName } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, rec, str } from './helpers.ts';
import { nameIsDNSLabel, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

export function validateNamespace(ns: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  for (const f of arr(rec(ns['spec'])['finalizers'])) {
    const name = str(f);
    for (const msg of isQualifiedName(name)) causes.push(invalid('spec.finalizers', name, msg));
    if (!name.includes('/') && name !== 'kubernetes') {
      causes.push(invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return causes;
}

export function validateNamespaceStatusUpdate(newNs: KubeObject, oldNs: KubeObject): FieldCause[] {
  const causes = validateObjectMetaUpdate(newNs.metadata, oldNs.metadata);
  const phase = str(rec(newNs['status'])['phase']);
  // Go names this path "status.Phase", capital P.
  if (!newNs.metadata?.deletionTimestamp) {
    if (phase !== 'Active') causes.push(invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    causes.push(invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return causes;
}
