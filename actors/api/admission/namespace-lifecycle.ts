/**
 * NamespaceLifecycle (apiserver pkg/admission/plugin/namespace/lifecycle/admission.go), mutating.
 *
 * - Deleting `default`, `kube-system` or `kube-public` → 403 `this namespace may not be deleted`.
 * - Namespaces themselves and cluster-scoped resources pass; deletes of namespaced objects pass.
 * - Creating or updating in a missing namespace → 404 `namespaces "X" not found`. (The real plugin
 *   waits 50 ms for its cache, then does a live read; kubesim's lookup is the apiserver's cache.)
 * - Creating in a Terminating namespace → 403 `unable to create new content in namespace X because
 *   it is being terminated`, with a `NamespaceTerminating` cause on `metadata.namespace`.
 */
import { forbidden, notFound } from '../errors.ts';
import { admissionForbidden, ALLOW, isResource, type AdmissionAttributes, type AdmissionLookup, type AdmissionPlugin, type AdmissionResult } from './types.ts';

export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

export function admitNamespaceLifecycle(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  const isNamespace = isResource(attrs, 'namespaces');
  if (attrs.operation === 'DELETE' && isNamespace && IMMORTAL_NAMESPACES.includes(attrs.name)) {
    return { error: forbidden('namespaces', '', attrs.name, 'this namespace may not be deleted') };
  }
  if (isNamespace) return ALLOW;
  const ns = attrs.namespace ?? '';
  if (ns === '') return ALLOW;
  if (attrs.operation === 'DELETE') return ALLOW;
  // Access reviews are always allowed: answering "not found" would leak which namespaces exist.
  if (isResource(attrs, 'localsubjectaccessreviews', 'authorization.k8s.io')) return ALLOW;

  const namespace = lookup.get('namespaces', undefined, ns);
  if (!namespace) return { error: notFound('namespaces', '', ns) };
  if (attrs.operation !== 'CREATE') return ALLOW;
  const phase = (namespace.status as { phase?: string } | undefined)?.phase;
  if (phase !== 'Terminating') return ALLOW;
  const error = admissionForbidden(attrs, `unable to create new content in namespace ${ns} because it is being terminated`);
  error.details = {
    ...error.details,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
  };
  return { error };
}

export const NamespaceLifecycle: AdmissionPlugin = {
  name: 'NamespaceLifecycle',
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  admit: admitNamespaceLifecycle,
};
