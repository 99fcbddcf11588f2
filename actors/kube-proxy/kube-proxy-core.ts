import { newApiClient, type ApiClientConfig, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent } from '../client/api-events.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type InformerState } from '../client/informer.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import type { IpvsScheduler } from './ipvs.ts';
import { buildServiceTable, type ServicePortEntry } from './service-table.ts';

/**
 * kube-proxy on one node: watches Services and EndpointSlices through the apiserver and
 * reprograms its node's rules — at most once per minSyncPeriod (1 s) after a change, and every
 * syncPeriod (30 s) regardless, as upstream's BoundedFrequencyRunner. Each sync is traced with
 * what it programmed. It proxies nothing yet: the table is what traffic will be routed by.
 */

export type ProxyMode = 'iptables' | 'ipvs' | 'userspace';

export interface KubeProxyConfig {
  mode: ProxyMode;
  ipvsScheduler: IpvsScheduler;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
}

/** KubeProxyConfiguration defaults: iptables, rr for ipvs, minSyncPeriod 1 s, syncPeriod 30 s. */
export const DEFAULT_KUBE_PROXY_CONFIG: KubeProxyConfig = { mode: 'iptables', ipvsScheduler: 'rr', minSyncPeriodMs: 1000, syncPeriodMs: 30_000 };

export interface KubeProxyState {
  readonly node: string;
  readonly config: KubeProxyConfig;
  readonly client: ApiClientState;
  readonly services: InformerState;
  readonly slices: InformerState;
  /** The rules as last programmed. */
  table: ServicePortEntry[];
  lastSyncMs: number;
  syncArmed: boolean;
  syncs: number;
}

export type KubeProxyInput = { type: 'KubeProxyStart' } | ApiClientEvent | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' } | { type: 'KubeProxySync'; periodic: boolean };

export function newKubeProxy(node: string, config: KubeProxyConfig, client: ApiClientState): KubeProxyState {
  return {
    node,
    config,
    client,
    services: newInformer({ name: 'services', apiVersion: 'v1', resource: 'services' }),
    slices: newInformer({ name: 'endpointslices', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices' }),
    table: [],
    lastSyncMs: -Infinity,
    syncArmed: false,
    syncs: 0,
  };
}

/** A change arrived: sync now, or once minSyncPeriod has passed since the last sync. */
function requestSync(p: KubeProxyState, nowMs: number, out: Output): void {
  if (p.syncArmed || !p.services.synced || !p.slices.synced) return;
  p.syncArmed = true;
  out.timers.push({ id: 'kube-proxy-sync', delayMs: Math.max(0, p.lastSyncMs + p.config.minSyncPeriodMs - nowMs), event: { type: 'KubeProxySync', periodic: false } });
}

function sync(p: KubeProxyState, nowMs: number, out: Output): void {
  p.table = buildServiceTable([...p.services.store.values()], [...p.slices.store.values()], p.node);
  p.lastSyncMs = nowMs;
  p.syncs++;
  const endpoints = p.table.reduce((n, e) => n + e.clusterBackends.length, 0);
  out.traces.push({ kind: 'k8s.proxy', fields: { node: p.node, mode: p.config.mode, servicePorts: p.table.length, endpoints } });
}

function onResult(p: KubeProxyState, r: ApiResult, nowMs: number, out: Output): void {
  for (const inf of [p.services, p.slices]) {
    if (!ownsTag(inf, r.tag)) continue;
    if (informerResult(inf, r, p.client, out).length > 0 || inf.synced) requestSync(p, nowMs, out);
  }
}

function onWatch(p: KubeProxyState, d: WatchDelivery, nowMs: number, out: Output): void {
  for (const inf of [p.services, p.slices]) {
    if (!ownsTag(inf, d.tag)) continue;
    if (informerWatch(inf, d, p.client, out).length > 0) requestSync(p, nowMs, out);
  }
}

export const kubeProxyCore: ComponentCore<KubeProxyState, KubeProxyInput, 'syncing' | 'programmed'> = {
  id: 'kube-proxy',
  phases: ['syncing', 'programmed'],
  boot: { event: { type: 'KubeProxyStart' }, id: 'kube-proxy-start' },
  phase: (p) => (p.syncs > 0 ? 'programmed' : 'syncing'),
  step(p, input, now) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(p.client, input, out, { onResult: (r) => onResult(p, r, now, out), onWatch: (d) => onWatch(p, d, now, out) });
      return out;
    }
    switch (input.type) {
      case 'KubeProxyStart':
        startInformer(p.services, p.client, out);
        startInformer(p.slices, p.client, out);
        out.timers.push({ id: 'kube-proxy-periodic', delayMs: p.config.syncPeriodMs, event: { type: 'KubeProxySync', periodic: true } });
        break;
      case 'InformerRetry':
        informerRetry(input.informer === 'services' ? p.services : p.slices, input.what, p.client, out);
        break;
      case 'KubeProxySync':
        if (input.periodic) out.timers.push({ id: 'kube-proxy-periodic', delayMs: p.config.syncPeriodMs, event: { type: 'KubeProxySync', periodic: true } });
        else p.syncArmed = false;
        if (p.services.synced && p.slices.synced) sync(p, now, out);
        break;
    }
    return out;
  },
};

export const kubeProxyMachine = coreMachine(kubeProxyCore);

export function startKubeProxy(env: HostEnv<null>, node: string, config: KubeProxyConfig, api: Omit<ApiClientConfig, 'name'>) {
  return startCore(kubeProxyMachine, env, newKubeProxy(node, config, newApiClient({ ...api, name: env.name })));
}
