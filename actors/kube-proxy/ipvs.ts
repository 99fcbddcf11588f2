import { ipv4ToInt } from '../api/ipv4.ts';
import type { Backend } from './service-table.ts';

/**
 * kube-proxy's ipvs mode: one virtual server per service address, a hash lookup (no rule walk),
 * and the kernel's scheduler picks the real server. The schedulers as LVS defines them
 * (net/netfilter/ipvs/ip_vs_{rr,lc,dh,sh,sed,nq}.c), every real server with weight 1 as
 * kube-proxy programs them:
 *
 * - rr: the next server after the last one chosen;
 * - lc: the fewest connections, overhead = active·256 + inactive; ties to the first;
 * - dh: a 256-bucket table of the servers in turn, indexed by a hash of the destination address
 *   (one service address: every connection to the same server);
 * - sh: the same table indexed by a hash of the source address (a client sticks to a server);
 * - sed: the smallest (active + 1) / weight; ties to the first;
 * - nq: a server with no active connection if there is one (the first), else sed.
 */

export const IPVS_SCHEDULERS = ['rr', 'lc', 'dh', 'sh', 'sed', 'nq'] as const;
export type IpvsScheduler = (typeof IPVS_SCHEDULERS)[number];

/** What the scheduler sees of each real server: its connections. */
export interface RealServer {
  backend: Backend;
  activeConnections: number;
  inactiveConnections: number;
}

/** Per virtual server state the schedulers keep (rr's position). */
export interface VirtualServerState {
  lastIndex: number;
}

export const newVirtualServerState = (): VirtualServerState => ({ lastIndex: -1 });

const TABLE_BITS = 8;
const TABLE_SIZE = 1 << TABLE_BITS;

/** ip_vs_dh_hashkey: the address times 2654435761, its low 8 bits. */
export function destinationBucket(ip: string): number {
  return Math.imul(ipv4ToInt(ip) ?? 0, 2654435761) & (TABLE_SIZE - 1);
}

/** ip_vs_sh_hashkey without the port flag: hash_32(address, 8) = (address · 0x61C88647) >> 24. */
export function sourceBucket(ip: string): number {
  return Math.imul(ipv4ToInt(ip) ?? 0, 0x61c88647) >>> (32 - TABLE_BITS);
}

/** The bucket table dh and sh build (ip_vs_*_reassign): bucket i holds the servers in turn, weight 1 each. */
function bucketServer(servers: readonly RealServer[], bucket: number): number {
  return bucket % servers.length;
}

/** The index of the real server chosen for a new connection from `clientIp` to `serviceIp`, or -1 when there is none. */
export function chooseIpvs(scheduler: IpvsScheduler, servers: readonly RealServer[], state: VirtualServerState, clientIp: string, serviceIp: string): number {
  const n = servers.length;
  if (n === 0) return -1;
  switch (scheduler) {
    case 'rr': {
      const i = (state.lastIndex + 1) % n;
      state.lastIndex = i;
      return i;
    }
    case 'lc': {
      let best = 0;
      const overhead = (s: RealServer) => s.activeConnections * 256 + s.inactiveConnections;
      for (let i = 1; i < n; i++) if (overhead(servers[i]!) < overhead(servers[best]!)) best = i;
      return best;
    }
    case 'dh':
      return bucketServer(servers, destinationBucket(serviceIp));
    case 'sh':
      return bucketServer(servers, sourceBucket(clientIp));
    case 'sed':
      return shortestExpectedDelay(servers);
    case 'nq': {
      const idle = servers.findIndex((s) => s.activeConnections === 0);
      return idle >= 0 ? idle : shortestExpectedDelay(servers);
    }
  }
}

/** sed: min (active + 1) / weight, weights 1. */
function shortestExpectedDelay(servers: readonly RealServer[]): number {
  let best = 0;
  for (let i = 1; i < servers.length; i++) if (servers[i]!.activeConnections + 1 < servers[best]!.activeConnections + 1) best = i;
  return best;
}

/** The virtual servers as `ipvsadm -Ln` lists them (the `--show proxy-rules` view of ipvs mode). */
export function renderIpvs(
  table: readonly { clusterIp?: string; port: number; protocol: string; nodePort?: number; clusterBackends: readonly Backend[]; sessionAffinity: { kind: string } }[],
  scheduler: IpvsScheduler,
  nodeIp: string,
  activeConnections: ReadonlyMap<string, number>,
): string[] {
  const lines = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  const server = (proto: string, address: string, flags: string, backends: readonly Backend[]) => {
    lines.push(`${proto.padEnd(4)} ${address} ${scheduler}${flags}`);
    for (const b of backends) {
      const active = activeConnections.get(`${b.ip}:${b.port}`) ?? 0;
      lines.push(`  -> ${`${b.ip}:${b.port}`.padEnd(28)} Masq    1      ${String(active).padEnd(10)} 0`);
    }
  };
  for (const e of table) {
    const flags = e.sessionAffinity.kind === 'ClientIP' ? ' persistent 10800' : '';
    if (e.clusterIp) server(e.protocol, `${e.clusterIp}:${e.port}`, flags, e.clusterBackends);
    if (e.nodePort && nodeIp) server(e.protocol, `${nodeIp}:${e.nodePort}`, flags, e.clusterBackends);
  }
  return lines;
}
