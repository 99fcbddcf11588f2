import { intToIpv4, ipv4ToInt } from '../api/ipv4.ts';
import { parseCidr } from '../apiserver/service-allocation.ts';

/**
 * The simulated cloud's load balancers (what a cloud provider's `EnsureLoadBalancer` gives the
 * cloud service controller): one external address per LoadBalancer Service, from a pool — the
 * address the Service asks for (`spec.loadBalancerIP`) if it is in the pool and free, else the
 * lowest free one — like MetalLB's layer-2 pools on kind. Pure.
 */

/** The default pool: TEST-NET-2, documentation addresses that route nowhere real. */
export const DEFAULT_LOAD_BALANCER_POOL = '198.51.100.0/24';

export function chooseLoadBalancerIp(poolCidr: string, taken: ReadonlySet<string>, requested?: string): string | undefined {
  const pool = parseCidr(poolCidr);
  if (requested) {
    const n = ipv4ToInt(requested);
    if (n !== undefined && n >= pool.first && n < pool.first + pool.size && !taken.has(requested)) return requested;
  }
  for (let i = 0; i < pool.size; i++) {
    const ip = intToIpv4(pool.first + i);
    if (!taken.has(ip)) return ip;
  }
  return undefined;
}
