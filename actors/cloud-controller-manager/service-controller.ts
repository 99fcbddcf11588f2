import type { KubeObject } from '../api/protocol.ts';
import { objectKey } from '../client/informer.ts';
import { SERVICES } from '../controllers/host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../controllers/host/types.ts';
import { ok } from '../controllers/host/workload.ts';
import { chooseLoadBalancerIp, DEFAULT_LOAD_BALANCER_POOL } from './load-balancer.ts';

/**
 * The cloud service controller (k8s.io/cloud-provider controllers/service): for each Service of
 * type LoadBalancer it ensures a load balancer in the (simulated) cloud and writes its address to
 * `status.loadBalancer.ingress`, with the `EnsuringLoadBalancer` / `EnsuredLoadBalancer` events;
 * a Service no longer of that type loses it (`DeletingLoadBalancer` / `DeletedLoadBalancer`).
 * One worker (--concurrent-service-syncs). The `load-balancer-cleanup` finalizer is not modelled:
 * a deleted Service's address is free at once.
 */

interface LbState {
  /** Addresses this controller gave, by Service key, until the cache shows them (a second sync must not hand one out twice). */
  readonly assigned: Map<string, string>;
}
type Ctx = ControllerContext<LbState>;
type Act = Action<LbState>;

interface ServiceJson extends KubeObject {
  spec?: { type?: string; loadBalancerIP?: string; loadBalancerClass?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

const ingressIp = (svc: ServiceJson): string | undefined => svc.status?.loadBalancer?.ingress?.[0]?.ip;
const wantsLoadBalancer = (svc: ServiceJson): boolean => svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass && !svc.metadata?.deletionTimestamp;

function taken(ctx: Ctx, except: string): Set<string> {
  const out = new Set<string>();
  const cache = ctx.cache(SERVICES);
  for (const key of cache.keys()) {
    if (key === except) continue;
    const ip = ingressIp(cache.get(key) as ServiceJson);
    if (ip) out.add(ip);
  }
  for (const [key, ip] of ctx.state.assigned) if (key !== except) out.add(ip);
  return out;
}

function statusWrite(svc: ServiceJson, ingress: { ip: string; ipMode: string }[], after: (ctx: Ctx) => Act[]): Act {
  return {
    kind: 'write',
    request: {
      verb: 'update', apiVersion: 'v1', resource: 'services', subresource: 'status', namespace: svc.metadata?.namespace ?? 'default', name: svc.metadata?.name ?? '',
      body: { ...svc, status: { ...(svc.status ?? {}), loadBalancer: ingress.length > 0 ? { ingress } : {} } } as KubeObject,
    },
    tolerate: [404],
    onResult: (r, c) => (ok(r) ? after(c) : []),
  };
}

export function syncLoadBalancer(key: string, ctx: Ctx): Act[] {
  const svc = ctx.cache(SERVICES).get(key) as ServiceJson | undefined;
  if (!svc) {
    ctx.state.assigned.delete(key);
    return [];
  }
  const have = ingressIp(svc);
  if (have && ctx.state.assigned.get(key) === have) ctx.state.assigned.delete(key);
  const event = (reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): Act => ({ kind: 'event', object: svc, objectKind: 'Service', type, reason, message });
  if (wantsLoadBalancer(svc) && !have) {
    const ip = chooseLoadBalancerIp(DEFAULT_LOAD_BALANCER_POOL, taken(ctx, key), svc.spec?.loadBalancerIP);
    if (!ip) return [event('SyncLoadBalancerFailed', `Error syncing load balancer: failed to ensure load balancer: no address left in the pool ${DEFAULT_LOAD_BALANCER_POOL}`, 'Warning'), { kind: 'fail' }];
    ctx.state.assigned.set(key, ip);
    return [
      event('EnsuringLoadBalancer', 'Ensuring load balancer'),
      statusWrite(svc, [{ ip, ipMode: 'VIP' }], () => [event('EnsuredLoadBalancer', 'Ensured load balancer'), { kind: 'trace', action: 'load-balancer-ensured', object: `service/${key}`, detail: ip }]),
    ];
  }
  if (!wantsLoadBalancer(svc) && have && !svc.metadata?.deletionTimestamp) {
    ctx.state.assigned.delete(key);
    return [event('DeletingLoadBalancer', 'Deleting load balancer'), statusWrite(svc, [], () => [event('DeletedLoadBalancer', 'Deleted load balancer')])];
  }
  return [];
}

export const cloudServiceController = defineController<LbState>({
  name: 'service-lb',
  reporter: 'service-controller',
  informers: [SERVICES],
  handlers: [
    {
      informer: SERVICES,
      onAdd: (svc, ctx) => ctx.enqueue(objectKey(svc)),
      onUpdate: (_old, svc, ctx) => ctx.enqueue(objectKey(svc)),
      onDelete: (svc, ctx) => ctx.enqueue(objectKey(svc)),
    },
  ],
  queues: [{ workers: 1, sync: syncLoadBalancer }],
  newState: () => ({ assigned: new Map() }),
});
