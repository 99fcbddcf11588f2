/**
 * The Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go) for kubelets
 * (`system:node:<name>` in `system:nodes`). Everyone else gets no opinion.
 *
 * - secrets, configmaps (get/list/watch of a named object), persistentvolumeclaims,
 *   persistentvolumes (get): only objects a pod bound to the node references — the upstream
 *   graph, computed here from `lookup` (pods by spec.nodeName, their volumes, env and
 *   imagePullSecrets; PVs through their bound PVC);
 * - leases: get/create/update/patch/delete, only in kube-node-lease, only its own (create is
 *   checked by NodeRestriction);
 * - everything else against the static NodeRules (bootstrappolicy.NodeRules): read nodes, pods,
 *   services; get endpoints; create/update/patch nodes and nodes/status, pods/status, events...
 *   Writes to other nodes' objects pass here and are refused by the NodeRestriction admission
 *   plugin, as upstream.
 *
 * With `withSelectors` (AuthorizeNodeWithSelectors, on by default since v1.32) nodes and pods are
 * subdivided too: a node reads only its own Node; `get` of a pod needs the pod bound to the node;
 * list/watch of pods needs the field selector `spec.nodeName=<node>`.
 */
import type { KubeObject } from '../protocol.ts';
import type { AdmissionLookup } from '../admission/types.ts';
import { podSpec, type PodSpec } from '../admission/pod.ts';
import { NODE_LEASE_NAMESPACE } from '../admission/node-restriction.ts';
import { rulesAllow, type AuthorizationAttributes, type AuthorizerDecision, type PolicyRule } from './rbac.ts';
import { nodeIdentity, type UserInfo } from './types.ts';

const READ = ['get', 'list', 'watch'];

/** bootstrappolicy.NodeRules() (the `system:node` ClusterRole). */
export const NODE_RULES: readonly PolicyRule[] = Object.freeze([
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  { verbs: READ, apiGroups: [''], resources: ['services'] },
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['create', 'update', 'patch'], apiGroups: [''], resources: ['events'] },
  { verbs: READ, apiGroups: [''], resources: ['pods'] },
  { verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  { verbs: READ, apiGroups: [''], resources: ['secrets', 'configmaps'] },
  { verbs: ['get'], apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'] },
  { verbs: ['get'], apiGroups: [''], resources: ['endpoints'] },
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  { verbs: ['get'], apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  { verbs: ['get', 'update', 'patch'], apiGroups: [''], resources: ['persistentvolumeclaims/status'] },
  { verbs: ['get', 'watch', 'list'], apiGroups: ['storage.k8s.io'], resources: ['csidrivers'] },
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], apiGroups: ['storage.k8s.io'], resources: ['csinodes'] },
  { verbs: READ, apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
]);

export interface NodeAuthorizerOptions {
  /** AuthorizeNodeWithSelectors; default false (the v1.31 behaviour). */
  withSelectors?: boolean;
}

type Lookup = Pick<AdmissionLookup, 'get' | 'list'>;

const noOpinion = (reason = ''): AuthorizerDecision => ({ decision: 'NoOpinion', reason });
const ALLOWED: AuthorizerDecision = Object.freeze({ decision: 'Allow', reason: '' });

/** `k=v`, `k==v` requirements of a field selector (only Equals counts). */
export function fieldSelectorEquals(selector: string | undefined, field: string): string | undefined {
  for (const part of (selector ?? '').split(',')) {
    const m = /^\s*([^!=\s]+)\s*==?\s*(.*?)\s*$/.exec(part);
    if (m && m[1] === field) return m[2];
  }
  return undefined;
}

function podsOnNode(lookup: Lookup | undefined, nodeName: string, namespace?: string): KubeObject[] {
  if (!lookup) return [];
  return lookup.list('pods', namespace).filter((p) => podSpec(p).nodeName === nodeName);
}

function containersOf(spec: PodSpec): NonNullable<PodSpec['containers']> {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function referencesSecret(spec: PodSpec, name: string): boolean {
  return (
    (spec.imagePullSecrets ?? []).some((s) => s.name === name) ||
    (spec.volumes ?? []).some((v) => v.secret?.secretName === name || (v.projected?.sources ?? []).some((s) => s.secret?.name === name)) ||
    containersOf(spec).some(
      (c) => (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef?.name === name) || (c.envFrom ?? []).some((e) => e.secretRef?.name === name),
    )
  );
}

function referencesConfigMap(spec: PodSpec, name: string): boolean {
  return (
    (spec.volumes ?? []).some((v) => v.configMap?.name === name || (v.projected?.sources ?? []).some((s) => s.configMap?.name === name)) ||
    containersOf(spec).some(
      (c) => (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef?.name === name) || (c.envFrom ?? []).some((e) => e.configMapRef?.name === name),
    )
  );
}

function claimNames(pod: KubeObject): string[] {
  const spec = podSpec(pod);
  const podName = pod.metadata?.name ?? '';
  return (spec.volumes ?? []).flatMap((v) => {
    if (v.persistentVolumeClaim?.claimName) return [v.persistentVolumeClaim.claimName];
    // Generic ephemeral volumes own a PVC named <pod>-<volume>.
    if (v.ephemeral !== undefined) return [`${podName}-${v.name}`];
    return [];
  });
}

/** hasPathFrom: is the named object reachable from the node in the graph? */
function related(lookup: Lookup | undefined, nodeName: string, kind: string, namespace: string, name: string): boolean {
  switch (kind) {
    case 'pod':
      return podsOnNode(lookup, nodeName, namespace).some((p) => p.metadata?.name === name);
    case 'secret':
      return podsOnNode(lookup, nodeName, namespace).some((p) => referencesSecret(podSpec(p), name));
    case 'configmap':
      return podsOnNode(lookup, nodeName, namespace).some((p) => referencesConfigMap(podSpec(p), name));
    case 'pvc':
      return podsOnNode(lookup, nodeName, namespace).some((p) => claimNames(p).includes(name));
    case 'pv':
      return podsOnNode(lookup, nodeName).some((p) =>
        claimNames(p).some((claim) => {
          const pvc = lookup?.get('persistentvolumeclaims', p.metadata?.namespace, claim);
          return (pvc?.spec as { volumeName?: string } | undefined)?.volumeName === name;
        }),
      );
    default:
      return false;
  }
}

function authorizeRelated(lookup: Lookup | undefined, nodeName: string, kind: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  const name = attrs.name ?? '';
  if (name === '') return noOpinion('No Object name found');
  if (!related(lookup, nodeName, kind, attrs.namespace ?? '', name)) return noOpinion(`no relationship found between node '${nodeName}' and this object`);
  return ALLOWED;
}

function authorizeReadNamespaced(lookup: Lookup | undefined, nodeName: string, kind: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  if (!READ.includes(attrs.verb)) return noOpinion('can only read resources of this type');
  if (attrs.subresource) return noOpinion('cannot read subresource');
  if (!attrs.namespace) return noOpinion('can only read namespaced object of this type');
  return authorizeRelated(lookup, nodeName, kind, attrs);
}

function authorizeGet(lookup: Lookup | undefined, nodeName: string, kind: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  if (attrs.verb !== 'get') return noOpinion('can only get individual resources of this type');
  if (attrs.subresource) return noOpinion('cannot get subresource');
  return authorizeRelated(lookup, nodeName, kind, attrs);
}

function authorizeLease(nodeName: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (attrs.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  if (attrs.verb !== 'create' && (attrs.name ?? '') !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
  return ALLOWED;
}

function authorizeNodeObject(nodeName: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  const sub = attrs.subresource ?? '';
  if (sub === '') {
    if (['create', 'update', 'patch'].includes(attrs.verb)) return ALLOWED;
    if (READ.includes(attrs.verb)) {
      const name = attrs.name ?? '';
      if (name === nodeName) return ALLOWED;
      if (name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
      return noOpinion(`node '${nodeName}' cannot read '${name}', only its own Node object`);
    }
  }
  if (sub === 'status' && ['update', 'patch'].includes(attrs.verb)) return ALLOWED;
  return noOpinion();
}

function authorizePod(lookup: Lookup | undefined, nodeName: string, attrs: AuthorizationAttributes): AuthorizerDecision {
  switch (attrs.subresource ?? '') {
    case '':
      if (attrs.verb === 'get') return authorizeGet(lookup, nodeName, 'pod', attrs);
      if (attrs.verb === 'list' || attrs.verb === 'watch') {
        if (fieldSelectorEquals(attrs.fieldSelector, 'spec.nodeName') === nodeName) return ALLOWED;
        if (attrs.name) return authorizeRelated(lookup, nodeName, 'pod', attrs);
        return noOpinion('can only list/watch pods with spec.nodeName field selector');
      }
      if (attrs.verb === 'create' || attrs.verb === 'delete') return ALLOWED;
      break;
    case 'status':
      if (attrs.verb === 'update' || attrs.verb === 'patch') return ALLOWED;
      break;
    case 'eviction':
      if (attrs.verb === 'create') return ALLOWED;
      break;
  }
  return noOpinion();
}

/**
 * NodeAuthorizer.Authorize. `lookup` (the apiserver's caches) stands in for the upstream graph; with
 * no lookup every relationship check fails closed.
 */
export function authorizeNode(user: UserInfo, attrs: AuthorizationAttributes, lookup?: Lookup, options: NodeAuthorizerOptions = {}): AuthorizerDecision {
  const { isNode, nodeName } = nodeIdentity(user);
  if (!isNode) return noOpinion();
  if (nodeName === '') return noOpinion(`unknown node for user "${user.name}"`);
  switch (`${attrs.apiGroup}/${attrs.resource}`) {
    case '/secrets':
      return authorizeReadNamespaced(lookup, nodeName, 'secret', attrs);
    case '/configmaps':
      return authorizeReadNamespaced(lookup, nodeName, 'configmap', attrs);
    case '/persistentvolumeclaims':
      if (attrs.subresource === 'status') {
        if (attrs.verb !== 'update' && attrs.verb !== 'patch') return noOpinion('can only get/update/patch this type');
        return authorizeRelated(lookup, nodeName, 'pvc', attrs);
      }
      return authorizeGet(lookup, nodeName, 'pvc', attrs);
    case '/persistentvolumes':
      return authorizeGet(lookup, nodeName, 'pv', attrs);
    case 'coordination.k8s.io/leases':
      return authorizeLease(nodeName, attrs);
    case '/nodes':
      if (options.withSelectors) return authorizeNodeObject(nodeName, attrs);
      break;
    case '/pods':
      if (options.withSelectors) return authorizePod(lookup, nodeName, attrs);
      break;
  }
  return rulesAllow(attrs, NODE_RULES) ? ALLOWED : noOpinion();
}
