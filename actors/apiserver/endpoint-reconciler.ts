import type { KubeObject } from '../api/protocol.ts';

/**
 * The `kubernetes` Service's endpoints, kept by the apiservers themselves (pkg/controlplane
 * reconcilers, the default `lease` reconciler): every 10 s each apiserver renews its master lease
 * (`/registry/masterleases/<ip>`, 15 s), then writes the Endpoints and EndpointSlice `kubernetes`
 * with the addresses of the live leases, port 6443 as `https`. A crashed apiserver's address
 * leaves once its lease runs out. Pure: what to write, given the leases and what is stored.
 * (etcd leases are not modelled: a master lease holds its expiry time and readers skip it once
 * passed, the same rule on the one virtual clock.)
 */

export const MASTER_LEASE_PREFIX = '/registry/masterleases/';
export const ENDPOINT_INTERVAL_MS = 10_000;
export const MASTER_LEASE_TTL_MS = 15_000;
export const KUBERNETES_PORT = { name: 'https', port: 6443, protocol: 'TCP' } as const;

export const masterLeaseKey = (ip: string): string => `${MASTER_LEASE_PREFIX}${ip}`;

export function masterLeaseValue(nowMs: number): string {
  return JSON.stringify({ expiresAtMs: nowMs + MASTER_LEASE_TTL_MS });
}

/** The addresses of the leases still live at `nowMs`, sorted. */
export function liveMasterAddresses(leases: readonly { key: string; value: string }[], nowMs: number): string[] {
  const out: string[] = [];
  for (const { key, value } of leases) {
    let expiresAtMs = 0;
    try {
      expiresAtMs = Number((JSON.parse(value) as { expiresAtMs?: number }).expiresAtMs ?? 0);
    } catch {
      continue;
    }
    if (expiresAtMs > nowMs) out.push(key.slice(MASTER_LEASE_PREFIX.length));
  }
  return out.sort();
}

/** The Endpoints `default/kubernetes` for these addresses (no subsets when there are none). */
export function kubernetesEndpoints(ips: readonly string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    ...(ips.length > 0 ? { subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ ...KUBERNETES_PORT }] }] } : {}),
  };
}

/** The EndpointSlice `default/kubernetes` for these addresses. */
export function kubernetesEndpointSlice(ips: readonly string[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ ...KUBERNETES_PORT }],
  };
}

/** Whether the stored object already says what `want` says (subsets, or endpoints and ports). */
export function sameEndpoints(stored: KubeObject | undefined, want: KubeObject): boolean {
  if (!stored) return false;
  const pick = (o: KubeObject) => JSON.stringify([o['subsets'] ?? null, o['endpoints'] ?? null, o['ports'] ?? null]);
  return pick(stored) === pick(want);
}
