import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { kubeProxyHost, type AddressPlan } from './addresses.ts';
import type { TrafficRequest } from './protocol.ts';

/**
 * The simulated cloud's network load balancers: a packet to a load balancer address is passed
 * through, destination unchanged, to one of the cluster's nodes (GCE's pass-through style),
 * where kube-proxy's rules for that address take it — loadBalancerSourceRanges and
 * externalTrafficPolicy are enforced there. Nodes are picked by a hash of the client address and
 * port, like a cloud's 5-tuple flow hash, so one client tends to one node.
 *
 * Simplification (README): no health checks, so a node that is down or has no local endpoint
 * for a Local Service still gets its share and those requests time out.
 */
export interface CloudLoadBalancerState {
  readonly addresses: AddressPlan;
  forwarded: number;
}

function flowHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export const cloudLoadBalancerCore: ComponentCore<CloudLoadBalancerState, TrafficRequest, 'forwarding'> = {
  id: 'cloud-load-balancer',
  phases: ['forwarding'],
  phase: () => 'forwarding',
  step(lb, req) {
    const out = newOutput();
    const nodes = lb.addresses.nodes();
    if (req.type !== 'TrafficRequest' || nodes.length === 0) return out;
    const node = nodes[flowHash(`${req.sourceIp}|${req.dst.ip}:${req.dst.port}`) % nodes.length]!;
    lb.forwarded++;
    out.sends.push({ to: kubeProxyHost(node), msg: req });
    return out;
  },
};

export const cloudLoadBalancerMachine = coreMachine(cloudLoadBalancerCore);

export function startCloudLoadBalancer(env: HostEnv<null>, addresses: AddressPlan) {
  return startCore(cloudLoadBalancerMachine, env, { addresses, forwarded: 0 });
}
