import { SERVICE_NAME_LABEL } from '../../api/endpoint-slice-labels.ts';
import type { KubeObject } from '../../api/protocol.ts';
import { controllerUidIndex } from './owners.ts';
import type { InformerSpec } from './types.ts';

/**
 * Informer specs controllers share, with the indexers they are looked up by. A controller may
 * also declare its own spec for any resource the apiserver serves (`{apiVersion: 'apps/v1',
 * resource: 'replicasets'}`); the same (apiVersion, resource, namespace, selectors) is one informer.
 */

/** Pods by `spec.nodeName` (unbound pods are in no bucket). */
export const BY_NODE = 'nodeName';
/** Objects by the uid of their controller owner reference. */
export const BY_CONTROLLER_UID = 'controllerUid';
/** Namespaced objects by namespace (a Service's pods without sorting every pod's key). */
export const BY_NAMESPACE = 'namespace';
const namespaceOf = (o: KubeObject): readonly string[] => (o.metadata?.namespace ? [o.metadata.namespace] : []);

export function podNodeName(pod: KubeObject): readonly string[] {
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  return node ? [node] : [];
}

export const NAMESPACES: InformerSpec = { apiVersion: 'v1', resource: 'namespaces' };
export const SERVICE_ACCOUNTS: InformerSpec = { apiVersion: 'v1', resource: 'serviceaccounts' };
export const NODES: InformerSpec = { apiVersion: 'v1', resource: 'nodes' };
export const PODS: InformerSpec = { apiVersion: 'v1', resource: 'pods', indexers: { [BY_NODE]: podNodeName, [BY_CONTROLLER_UID]: controllerUidIndex, [BY_NAMESPACE]: namespaceOf } };
export const NODE_LEASES: InformerSpec = { apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: 'kube-node-lease', name: 'node-leases' };
export const REPLICA_SETS: InformerSpec = { apiVersion: 'apps/v1', resource: 'replicasets', indexers: { [BY_CONTROLLER_UID]: controllerUidIndex } };
export const DEPLOYMENTS: InformerSpec = { apiVersion: 'apps/v1', resource: 'deployments' };
export const JOBS: InformerSpec = { apiVersion: 'batch/v1', resource: 'jobs', indexers: { [BY_CONTROLLER_UID]: controllerUidIndex } };
export const CRON_JOBS: InformerSpec = { apiVersion: 'batch/v1', resource: 'cronjobs' };
export const DAEMON_SETS: InformerSpec = { apiVersion: 'apps/v1', resource: 'daemonsets' };

export const SERVICES: InformerSpec = { apiVersion: 'v1', resource: 'services', indexers: { [BY_NAMESPACE]: namespaceOf } };
export const ENDPOINTS: InformerSpec = { apiVersion: 'v1', resource: 'endpoints' };
export { SERVICE_NAME_LABEL } from '../../api/endpoint-slice-labels.ts';
/** EndpointSlices by `namespace/<kubernetes.io/service-name>`. */
export const BY_SERVICE = 'serviceName';
export const ENDPOINT_SLICES: InformerSpec = {
  apiVersion: 'discovery.k8s.io/v1',
  resource: 'endpointslices',
  indexers: { [BY_SERVICE]: (o) => (o.metadata?.labels?.[SERVICE_NAME_LABEL] !== undefined ? [`${o.metadata?.namespace ?? ''}/${o.metadata.labels[SERVICE_NAME_LABEL]}`] : []) },
};
export const REPLICATION_CONTROLLERS: InformerSpec = { apiVersion: 'v1', resource: 'replicationcontrollers', indexers: { [BY_CONTROLLER_UID]: controllerUidIndex } };
export const STATEFUL_SETS: InformerSpec = { apiVersion: 'apps/v1', resource: 'statefulsets' };
export const POD_DISRUPTION_BUDGETS: InformerSpec = { apiVersion: 'policy/v1', resource: 'poddisruptionbudgets' };
export const SECRETS: InformerSpec = { apiVersion: 'v1', resource: 'secrets' };
export const CONTROLLER_REVISIONS: InformerSpec = { apiVersion: 'apps/v1', resource: 'controllerrevisions', indexers: { [BY_CONTROLLER_UID]: controllerUidIndex } };
export const PVCS: InformerSpec = { apiVersion: 'v1', resource: 'persistentvolumeclaims' };
export const PVS: InformerSpec = { apiVersion: 'v1', resource: 'persistentvolumes' };
export const STORAGE_CLASSES: InformerSpec = { apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses' };
