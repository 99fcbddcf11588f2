/**
 * The data plane's messages: simulated requests (one TCP connection or one UDP exchange each) and
 * their responses, carried by the kernel's network like every other message, so partitions,
 * loss, latency and crashed machines act on traffic exactly as on the control plane.
 *
 * A request leaves its client for the kube-proxy of the client's node (same machine), which picks
 * a backend and forwards it to the backend pod's node; the kubelet there answers (the pod's
 * container is serving) or refuses (nothing listens), and the answer returns through the proxy,
 * which keeps the connection's state (ipvs' active connections, userspace retries). Nothing
 * answers a request sent to a dead or unreachable machine: the client's timeout ends it.
 */

export type TrafficProtocol = 'TCP' | 'UDP';

export interface Destination {
  ip: string;
  port: number;
  protocol: TrafficProtocol;
}

/** A DNS question (RFC 1035 §4.1.2): one name, one type. */
export interface DnsQuestion {
  name: string;
  qtype: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME';
}

export interface DnsRecord {
  name: string;
  type: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME';
  ttlSeconds: number;
  /** A/AAAA: the address; CNAME/PTR: the target name; SRV: `priority weight port target`. */
  data: string;
}

export interface DnsAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  answers: DnsRecord[];
}

/** Where a proxy sent a request. */
export interface BackendRef {
  ip: string;
  port: number;
  node?: string;
  pod?: string;
}

export interface TrafficRequest {
  type: 'TrafficRequest';
  /** Unique in the run: `<client host>#<n>`, with `/<attempt>` when a proxy retries. */
  id: string;
  sourceIp: string;
  /** As addressed by the sender: a ClusterIP, node IP + NodePort, load balancer IP, or a pod IP. */
  dst: Destination;
  /** The host the answer goes to (the proxy that forwarded it, or the client itself). */
  replyTo: string;
  /** How long the backend works on it before answering. */
  holdMs: number;
  /** A DNS query (to port 53) instead of an application request. */
  dns?: DnsQuestion;
  /** Answer `accepted` as soon as the connection is taken (a userspace proxy's dial). */
  handshake?: boolean;
}

/** `accepted`: the backend took the connection (sent only when the request asks for a handshake). */
export type TrafficOutcome = 'ok' | 'refused' | 'accepted';

export interface TrafficResponse {
  type: 'TrafficResponse';
  id: string;
  outcome: TrafficOutcome;
  /** What refused it, for the trace: `no endpoints`, `not listening`, `no such pod`... */
  reason?: string;
  backend?: BackendRef;
  /** Connection attempts the proxy made (userspace retries another backend after a failure). */
  attempts?: number;
  /** The source address the backend saw (a node's, when kube-proxy masqueraded the client). */
  seenSourceIp?: string;
  dns?: DnsAnswer;
}

/** A DNS query handed by the kubelet to the node's cluster-DNS server, answered to `replyTo`. */
export interface DnsServe {
  type: 'DnsServe';
  request: TrafficRequest;
  backend: BackendRef;
}

/** Tells a node's cluster-DNS server whether a CoreDNS pod runs on the node (the kubelet sends it). */
export interface DnsServerPods {
  type: 'DnsServerPods';
  running: number;
}

/**
 * A cloud load balancer's health check of a node: kube-proxy's healthz (port 10256: the proxy is
 * up and has programmed its rules) or a Service's healthCheckNodePort (200 when this node has a
 * local endpoint of the Service, 503 otherwise).
 */
export interface HealthProbe {
  type: 'HealthProbe';
  port: number;
  replyTo: string;
  seq: number;
}

export interface HealthProbeResult {
  type: 'HealthProbeResult';
  node: string;
  port: number;
  seq: number;
  healthy: boolean;
  localEndpoints: number;
}

/** kube-proxy's healthz port (KubeProxyConfiguration healthzBindAddress 0.0.0.0:10256). */
export const KUBE_PROXY_HEALTHZ_PORT = 10256;

export function isTrafficRequest(m: { type: string }): m is TrafficRequest {
  return m.type === 'TrafficRequest';
}

export function isTrafficResponse(m: { type: string }): m is TrafficResponse {
  return m.type === 'TrafficResponse';
}
