import { newApiClient, type ApiClientConfig, type ApiClientState } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, startInformer, type InformerState } from '../client/informer.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { CLOUD_LOAD_BALANCER_HOST, kubeProxyHost, type AddressPlan } from './addresses.ts';
import { KUBE_PROXY_HEALTHZ_PORT, type HealthProbe, type HealthProbeResult, type TrafficRequest } from './protocol.ts';

/**
 * The simulated cloud's network load balancers. A packet to a load balancer address is passed
 * through, destination unchanged, to one of the cluster's nodes (GCE's pass-through style),
 * where kube-proxy's rules for that address take it — loadBalancerSourceRanges and
 * externalTrafficPolicy are enforced there. The cloud reads each LoadBalancer Service's
 * settings (as the cloud-controller-manager configured it) and health-checks every node every
 * 5 s: kube-proxy's healthz (10256) for the Cluster policy, the Service's healthCheckNodePort for
 * Local — so only nodes with a local endpoint get that Service's traffic. A node that did not
 * pass its last check gets no new flows; when none passes, all get them (as clouds fail open).
 * Among healthy nodes a flow is placed by a hash of the client address and the service address.
 */
export const HEALTH_CHECK_INTERVAL_MS = 5000;

export interface CloudLoadBalancerState {
  readonly addresses: AddressPlan;
  readonly client: ApiClientState;
  readonly services: InformerState;
  /** Node → health-check port → passed the last completed round. */
  readonly health: Map<string, Map<number, boolean>>;
  /** Answers of the round under way. */
  readonly answers: Map<string, Map<number, boolean>>;
  /** Each load balancer address's health-check port, as of the last round. */
  portByIp: Map<string, number>;
  seq: number;
  forwarded: number;
}

type Input = TrafficRequest | HealthProbeResult | ApiClientEvent | { type: 'LoadBalancerStart' } | { type: 'LoadBalancerHealthCheck' } | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' };

interface ServiceJson {
  spec?: { type?: string; externalTrafficPolicy?: string; healthCheckNodePort?: number };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

function flowHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The port each load balancer address is health-checked on. */
function checkPorts(lb: CloudLoadBalancerState): Map<string, number> {
  const byIp = new Map<string, number>();
  for (const obj of lb.services.store.values()) {
    const svc = obj as ServiceJson;
    if (svc.spec?.type !== 'LoadBalancer') continue;
    const port = svc.spec.externalTrafficPolicy === 'Local' && svc.spec.healthCheckNodePort ? svc.spec.healthCheckNodePort : KUBE_PROXY_HEALTHZ_PORT;
    for (const i of svc.status?.loadBalancer?.ingress ?? []) if (i.ip) byIp.set(i.ip, port);
  }
  return byIp;
}

/** A round: the last round's answers become the health (no answer: failed), then every node is probed again. */
function healthCheck(lb: CloudLoadBalancerState, out: Output): void {
  out.timers.push({ id: 'health-check', delayMs: HEALTH_CHECK_INTERVAL_MS, event: { type: 'LoadBalancerHealthCheck' } });
  lb.portByIp = checkPorts(lb);
  const ports = [...new Set(lb.portByIp.values())].sort((a, b) => a - b);
  const nodes = lb.addresses.nodes();
  lb.health.clear();
  if (lb.seq > 0) {
    for (const node of nodes) lb.health.set(node, new Map(ports.map((port) => [port, lb.answers.get(node)?.get(port) ?? false])));
  }
  lb.answers.clear();
  lb.seq++;
  for (const node of nodes) {
    for (const port of ports) {
      const probe: HealthProbe = { type: 'HealthProbe', port, replyTo: CLOUD_LOAD_BALANCER_HOST, seq: lb.seq };
      out.sends.push({ to: kubeProxyHost(node), msg: probe });
    }
  }
}

function forward(lb: CloudLoadBalancerState, req: TrafficRequest, out: Output): void {
  const nodes = lb.addresses.nodes();
  if (nodes.length === 0) return;
  const port = lb.portByIp.get(req.dst.ip) ?? KUBE_PROXY_HEALTHZ_PORT;
  const healthy = nodes.filter((n) => lb.health.get(n)?.get(port) === true);
  const pool = healthy.length > 0 ? healthy : nodes;
  const node = pool[flowHash(`${req.sourceIp}|${req.dst.ip}:${req.dst.port}`) % pool.length]!;
  lb.forwarded++;
  out.sends.push({ to: kubeProxyHost(node), msg: req });
}

const API_HANDLERS: ApiEventHandlers<CloudLoadBalancerState> = {
  onResult: (lb, r, nowMs, out) => informerResult(lb.services, r, lb.client, out, nowMs),
  onWatch: (lb, d, nowMs, out) => informerWatch(lb.services, d, lb.client, out, nowMs),
};

export const cloudLoadBalancerCore: ComponentCore<CloudLoadBalancerState, Input, 'starting' | 'forwarding'> = {
  id: 'cloud-load-balancer',
  phases: ['starting', 'forwarding'],
  boot: { event: { type: 'LoadBalancerStart' }, id: 'load-balancer-start' },
  phase: (lb) => (lb.services.synced ? 'forwarding' : 'starting'),
  step(lb, input, nowMs) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(lb, lb.client, input, nowMs, out, API_HANDLERS);
      return out;
    }
    switch (input.type) {
      case 'LoadBalancerStart':
        startInformer(lb.services, lb.client, out, nowMs);
        out.timers.push({ id: 'health-check', delayMs: HEALTH_CHECK_INTERVAL_MS, event: { type: 'LoadBalancerHealthCheck' } });
        break;
      case 'InformerRetry':
        informerRetry(lb.services, input.what, lb.client, out, nowMs);
        break;
      case 'LoadBalancerHealthCheck':
        healthCheck(lb, out);
        break;
      case 'HealthProbeResult':
        if (input.seq === lb.seq) {
          const mine = lb.answers.get(input.node) ?? new Map<number, boolean>();
          lb.answers.set(input.node, mine.set(input.port, input.healthy));
        }
        break;
      case 'TrafficRequest':
        forward(lb, input, out);
        break;
    }
    return out;
  },
};

export const cloudLoadBalancerMachine = coreMachine(cloudLoadBalancerCore);

export function startCloudLoadBalancer(env: HostEnv<null>, addresses: AddressPlan, api: Omit<ApiClientConfig, 'name'>) {
  return startCore(cloudLoadBalancerMachine, env, {
    addresses,
    client: newApiClient({ ...api, name: env.name }),
    services: newInformer({ name: 'services', apiVersion: 'v1', resource: 'services' }),
    health: new Map(),
    answers: new Map(),
    portByIp: new Map(),
    seq: 0,
    forwarded: 0,
  });
}
