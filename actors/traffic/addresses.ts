import { ipv4ToInt } from '../api/ipv4.ts';
import { nodeInternalIP } from '../kubelet/status.ts';

/**
 * The cluster's three address spaces kept apart (seed 004): node IPs (172.18.x.y, kind's
 * network), pod IPs (node i's pod CIDR, 10.244.i.0/24 — the CNI's routes), and the virtual
 * service network (10.96.0.0/12), which exists only in kube-proxy's rules and is never routed.
 * Plus what lies outside the cluster: external servers a scenario declares, the cloud's load
 * balancer addresses, and traffic clients.
 *
 * This is the fabric's routing table, static configuration every data-plane component is given
 * (as a node has its routes): which host a packet to an address reaches. It grows when nodes
 * are added; it never says whether that host is up or reachable — the network decides that.
 */

export type RouteKind = 'pod' | 'node' | 'external' | 'load-balancer';

export interface Route {
  kind: RouteKind;
  /** The host the packet reaches: a node's kubelet (pods), its kube-proxy (node IPs), an external server, the cloud load balancer. */
  host: string;
  /** The node, for pod and node addresses. */
  node?: string;
}

/** The host of a node's kube-proxy (on the node's machine). */
export function kubeProxyHost(node: string): string {
  return `kube-proxy-${node}`;
}

/** Where the cloud's load balancers live (one host forwards every load balancer address). */
export const CLOUD_LOAD_BALANCER_HOST = 'cloud-load-balancer';

/** Load balancer addresses come from the simulated cloud's pool (cloud-controller-manager). */
const LOAD_BALANCER_PREFIX = '198.51.100.';

/**
 * Traffic clients are simulated processes, not pods: those on node i take addresses from
 * 100.64.i.0/24 (shared address space, RFC 6598: apart from the pod, node and service
 * networks), those outside the cluster from 203.0.113.0/24 (TEST-NET-3).
 */
const NODE_CLIENT_PREFIX = '100.64.';

export function nodeClientIp(nodeIndex: number, client: number): string {
  return `${NODE_CLIENT_PREFIX}${nodeIndex % 256}.${(client % 254) + 1}`;
}

export function externalClientIp(client: number): string {
  return `203.0.113.${(client % 254) + 1}`;
}

export class AddressPlan {
  private readonly nodesByIndex: string[] = [];
  private readonly nodeByIp = new Map<string, string>();
  private readonly ipByNode = new Map<string, string>();
  private readonly externalByIp = new Map<string, string>();

  /** Registers node `index` (its internal IP and pod CIDR follow from the index, as the kubelet computes them). */
  addNode(name: string, index: number): void {
    this.nodesByIndex[index] = name;
    const ip = nodeInternalIP({ name, index });
    this.nodeByIp.set(ip, name);
    this.ipByNode.set(name, ip);
  }

  /** An external server reachable at `ip` (a selector-less Service's hand-written Endpoints point at it). */
  addExternal(ip: string, host: string): void {
    this.externalByIp.set(ip, host);
  }

  nodeIp(node: string): string | undefined {
    return this.ipByNode.get(node);
  }

  nodeIndex(node: string): number {
    return this.nodesByIndex.indexOf(node);
  }

  /** Whether a source address is inside the cluster (a pod, a node, or a traffic client on a node). */
  isClusterSource(ip: string): boolean {
    if (ip.startsWith(NODE_CLIENT_PREFIX)) return true;
    const r = this.route(ip);
    return r !== undefined && (r.kind === 'pod' || r.kind === 'node');
  }

  /** Node names in index order. */
  nodes(): string[] {
    return this.nodesByIndex.filter((n) => n !== undefined);
  }

  /** Where a packet to `ip` goes; undefined for an address nothing answers (it times out). */
  route(ip: string): Route | undefined {
    const node = this.nodeByIp.get(ip);
    if (node !== undefined) return { kind: 'node', host: kubeProxyHost(node), node };
    const external = this.externalByIp.get(ip);
    if (external !== undefined) return { kind: 'external', host: external };
    if (ip.startsWith(LOAD_BALANCER_PREFIX)) return { kind: 'load-balancer', host: CLOUD_LOAD_BALANCER_HOST };
    const n = ipv4ToInt(ip);
    // 10.<244 + ⌊i/256⌋>.<i mod 256>.0/24 is node i's pod CIDR (kubelet/status.ts nodePodCIDR):
    // 10.244.0.0 is 0x0af40000, and from there each /24 is one node.
    if (n !== undefined && n >= 0x0af40000 && n < 0x0b000000) {
      const podNode = this.nodesByIndex[Math.floor((n - 0x0af40000) / 256)];
      if (podNode !== undefined) return { kind: 'pod', host: podNode, node: podNode };
    }
    return undefined;
  }
}

/** The cluster-DNS server of a node (on the node's machine): it answers for the CoreDNS pods running there. */
export function clusterDnsHost(node: string): string {
  return `cluster-dns-${node}`;
}
