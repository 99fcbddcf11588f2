/**
 * NodeRestriction (plugin/pkg/admission/noderestriction/admission.go), mutating (it only ever
 * rejects). It limits what a kubelet (`system:node:<name>` in `system:nodes`) may write, where the
 * Node authorizer grants the verb to every node alike:
 *
 * - nodes (and nodes/status): only its own Node; on create no node-restriction.kubernetes.io/ or
 *   unknown kubernetes.io/ k8s.io/ labels; on update no taint changes and no such label changes;
 * - pods: create only mirror pods bound to itself, delete only pods bound to itself;
 * - pods/status: update only pods bound to itself, without touching labels;
 * - pods/eviction: only pods bound to itself;
 * - leases: only in kube-node-lease, only the one named after itself.
 */
import { notFound } from '../errors.ts';
import type { KubeObject } from '../protocol.ts';
import { nodeIdentity } from '../auth/types.ts';
import { isMirrorPod, MIRROR_POD_ANNOTATION, podSpec, type PodSpec } from './pod.ts';
import { admissionForbidden, ALLOW, isResource, type AdmissionAttributes, type AdmissionLookup, type AdmissionPlugin, type AdmissionResult } from './types.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const deny = (attrs: AdmissionAttributes, reason: string): AdmissionResult => ({ error: admissionForbidden(attrs, reason) });

/** Label keys the kubelet may set on its Node (k8s.io/kubelet/pkg/apis/well_known_labels.go). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

const inNamespace = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/** getForbiddenLabels, sorted (sets.String.List). */
export function forbiddenNodeLabels(modified: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of modified) {
    const ns = labelNamespace(key);
    if (inNamespace(ns, 'node-restriction.kubernetes.io')) out.add(key);
    const isK8s = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (isK8s && !isKubeletLabel(key)) out.add(key);
  }
  return [...out].sort();
}

function modifiedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): string[] {
  const out = new Set<string>();
  const x = a ?? {};
  const y = b ?? {};
  for (const k of Object.keys(x)) if (!(k in y) || x[k] !== y[k]) out.add(k);
  for (const k of Object.keys(y)) if (!(k in x) || x[k] !== y[k]) out.add(k);
  return [...out];
}

function sameJson(a: unknown, b: unknown): boolean {
  // apiequality.Semantic.DeepEqual treats nil and empty slices alike.
  const norm = (v: unknown): unknown => (Array.isArray(v) && v.length === 0 ? undefined : v);
  return JSON.stringify(norm(a) ?? null) === JSON.stringify(norm(b) ?? null);
}

function admitNode(nodeName: string, attrs: AdmissionAttributes): AdmissionResult {
  const requested = attrs.operation === 'CREATE' && attrs.name === '' ? (attrs.object?.metadata?.name ?? '') : attrs.name;
  if (requested !== nodeName) return deny(attrs, `node "${nodeName}" is not allowed to modify node "${requested}"`);
  const spec = (o: KubeObject | undefined): { configSource?: unknown; taints?: unknown[] } =>
    ((o as { spec?: object } | undefined)?.spec ?? {}) as { configSource?: unknown; taints?: unknown[] };
  if (attrs.operation === 'CREATE') {
    if (spec(attrs.object).configSource != null) {
      return deny(attrs, `node "${nodeName}" is not allowed to create pods with a non-nil configSource`);
    }
    const bad = forbiddenNodeLabels(Object.keys(attrs.object?.metadata?.labels ?? {}));
    if (bad.length > 0) return deny(attrs, `node "${nodeName}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (attrs.operation === 'UPDATE') {
    const now = spec(attrs.object);
    const before = spec(attrs.oldObject);
    if (now.configSource != null && !sameJson(now.configSource, before.configSource)) {
      return deny(attrs, `node "${nodeName}" is not allowed to update configSource to a new non-nil configSource`);
    }
    if (!sameJson(now.taints, before.taints)) return deny(attrs, `node "${nodeName}" is not allowed to modify taints`);
    const bad = forbiddenNodeLabels(modifiedLabels(attrs.object?.metadata?.labels, attrs.oldObject?.metadata?.labels));
    // Upstream's message really lacks the node prefix here.
    if (bad.length > 0) return deny(attrs, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
  return ALLOW;
}

function admitPodCreate(nodeName: string, attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  const pod = attrs.object;
  if (!pod) return deny(attrs, 'unexpected type <nil>');
  if (!isMirrorPod(pod)) {
    return deny(attrs, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${nodeName}" can only create mirror pods`);
  }
  const spec: PodSpec = podSpec(pod);
  if ((spec.nodeName ?? '') !== nodeName) return deny(attrs, `node "${nodeName}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata?.ownerReferences ?? [];
  if (owners.length > 1) return deny(attrs, `node "${nodeName}" can only create pods with a single owner reference set to itself`);
  if (owners.length === 0) return deny(attrs, `node "${nodeName}" can only create pods with an owner reference set to itself`);
  const owner = owners[0]!;
  if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
    return deny(attrs, `node "${nodeName}" can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) return deny(attrs, `node "${nodeName}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true) return deny(attrs, `node "${nodeName}" must not set blockOwnerDeletion on an owner reference`);
  const node = lookup.get('nodes', undefined, nodeName);
  if (!node) return { error: notFound('node', '', nodeName) };
  const uid = node.metadata?.uid ?? '';
  if (owner.uid !== uid) return deny(attrs, `node ${nodeName} UID mismatch: expected ${owner.uid} got ${uid}`);
  if (spec.serviceAccountName) return deny(attrs, `node "${nodeName}" can not create pods that reference a service account`);
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
  const volumes = spec.volumes ?? [];
  const secrets =
    (spec.imagePullSecrets ?? []).length > 0 ||
    volumes.some((v) => v.secret !== undefined || (v.projected?.sources ?? []).some((s) => s.secret !== undefined)) ||
    containers.some((c) => (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef) || (c.envFrom ?? []).some((e) => e.secretRef));
  if (secrets) return deny(attrs, `node "${nodeName}" can not create pods that reference secrets`);
  const configMaps =
    volumes.some((v) => v.configMap !== undefined || (v.projected?.sources ?? []).some((s) => s.configMap !== undefined)) ||
    containers.some((c) => (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef) || (c.envFrom ?? []).some((e) => e.configMapRef));
  if (configMaps) return deny(attrs, `node "${nodeName}" can not create pods that reference configmaps`);
  if (volumes.some((v) => v.persistentVolumeClaim !== undefined)) {
    return deny(attrs, `node "${nodeName}" can not create pods that reference persistentvolumeclaims`);
  }
  return ALLOW;
}

/**
 * The stored pod: the apiserver's cache, else the request's oldObject. A miss is the lister's
 * NotFound, which names the resource in the singular: `pod "x" not found`.
 */
function existingPod(attrs: AdmissionAttributes, lookup: AdmissionLookup, name: string): KubeObject | undefined {
  return lookup.get('pods', attrs.namespace, name) ?? (attrs.oldObject?.metadata?.name === name ? attrs.oldObject : undefined);
}

function admitPod(nodeName: string, attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  switch (attrs.operation) {
    case 'CREATE':
      return admitPodCreate(nodeName, attrs, lookup);
    case 'DELETE': {
      const pod = existingPod(attrs, lookup, attrs.name);
      if (!pod) return { error: notFound('pod', '', attrs.name) };
      if ((podSpec(pod).nodeName ?? '') !== nodeName) return deny(attrs, `node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
      return ALLOW;
    }
    default:
      return deny(attrs, `unexpected operation "${attrs.operation}", node "${nodeName}" can only create and delete mirror pods`);
  }
}

function admitPodStatus(nodeName: string, attrs: AdmissionAttributes): AdmissionResult {
  if (attrs.operation !== 'UPDATE') return deny(attrs, `unexpected operation "${attrs.operation}"`);
  const old = attrs.oldObject;
  if (!old) return deny(attrs, 'unexpected type <nil>');
  if ((podSpec(old).nodeName ?? '') !== nodeName) {
    return deny(attrs, `node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
  }
  if (modifiedLabels(attrs.object?.metadata?.labels, old.metadata?.labels).length > 0) {
    return deny(attrs, `node "${nodeName}" cannot update labels through pod status`);
  }
  return ALLOW;
}

function admitPodEviction(nodeName: string, attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (attrs.operation !== 'CREATE') return deny(attrs, `unexpected operation ${attrs.operation}`);
  const podName = attrs.name !== '' ? attrs.name : (attrs.object?.metadata?.name ?? '');
  if (podName === '') return deny(attrs, 'could not determine pod from request data');
  const pod = lookup.get('pods', attrs.namespace, podName);
  if (!pod) return { error: notFound('pod', '', podName) };
  if ((podSpec(pod).nodeName ?? '') !== nodeName) return deny(attrs, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
  return ALLOW;
}

function admitLease(nodeName: string, attrs: AdmissionAttributes): AdmissionResult {
  if (attrs.namespace !== NODE_LEASE_NAMESPACE) return deny(attrs, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  const name = attrs.operation === 'CREATE' ? (attrs.object?.metadata?.name ?? '') : attrs.name;
  if (name !== nodeName) return deny(attrs, 'can only access node lease with the same name as the requesting node');
  return ALLOW;
}

export function admitNodeRestriction(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  const { isNode, nodeName } = nodeIdentity(attrs.user);
  if (!isNode) return ALLOW;
  if (nodeName === '') return deny(attrs, `could not determine node from user "${attrs.user.name}"`);
  if (isResource(attrs, 'pods')) {
    switch (attrs.subresource ?? '') {
      case '':
        return admitPod(nodeName, attrs, lookup);
      case 'status':
        return admitPodStatus(nodeName, attrs);
      case 'eviction':
        return admitPodEviction(nodeName, attrs, lookup);
      default:
        return deny(attrs, `unexpected pod subresource "${attrs.subresource}", only 'status' and 'eviction' are allowed`);
    }
  }
  if (isResource(attrs, 'nodes')) return admitNode(nodeName, attrs);
  if (isResource(attrs, 'leases', 'coordination.k8s.io')) return admitLease(nodeName, attrs);
  if (isResource(attrs, 'persistentvolumeclaims') && attrs.subresource !== 'status') return deny(attrs, 'may only update PVC status');
  return ALLOW;
}

export const NodeRestriction: AdmissionPlugin = {
  name: 'NodeRestriction',
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  admit: admitNodeRestriction,
};
