import type { KubeObject } from '../api/protocol.ts';
import { sameItems } from '../api/same-items.ts';
import { servicePorts, type ServicePort } from './service-table.ts';

/**
 * A service's ports, built once for all the kube-proxies that build them from the same objects.
 * Every kube-proxy caches the same decoded Service and EndpointSlices (the apiserver's watch hands
 * each the same object), and a service's ports depend on nothing else; only the local backends
 * depend on the node (`entryForNode`), and most nodes have none. So when a slice changes, the
 * first kube-proxy to sync builds the service's ports and the others reuse them, as the etcd
 * members share one snapshot (etcd/snapshot-data.ts). Pure: the same objects give the same ports,
 * whoever asks first.
 *
 * Why: with 1000 Services of one pod each on 1000 nodes, every proxy held its own copy of every
 * entry and backend; sharing them took the run's peak RSS from 5.31 to 3.97 GiB (bench/README.md,
 * "kube-proxy syncs what changed").
 */
const builtFor = new WeakMap<KubeObject, { readonly slices: readonly KubeObject[]; readonly ports: readonly ServicePort[] }>();

export function sharedServicePorts(service: KubeObject, slices: readonly KubeObject[]): readonly ServicePort[] {
  const built = builtFor.get(service);
  if (built !== undefined && sameItems(built.slices, slices)) return built.ports;
  const ports = servicePorts(service, slices);
  builtFor.set(service, { slices, ports });
  return ports;
}
