import { newApiClient, type ApiClientConfig, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { newInformer, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type InformerState } from '../client/informer.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import type { DnsAnswer, DnsServe, DnsServerPods, TrafficResponse } from '../traffic/protocol.ts';
import { answerQuestion, buildDnsView, DEFAULT_DNS_CONFIG, type DnsConfig, type DnsView } from './zone.ts';

/**
 * The cluster DNS server of one node: what the CoreDNS pods scheduled there do. It lives on the
 * node's machine (so it crashes and is partitioned with the node) and is idle until the kubelet
 * reports a CoreDNS pod running here; then it starts watching Services and EndpointSlices, as the
 * kubernetes plugin's informers do, and keeps watching when the pods go away (a pod coming back
 * finds it synced). Queries reach it from the kubelet (`DnsServe`), which forwards only while a
 * CoreDNS pod runs here. Before its informers have synced it answers SERVFAIL (the plugin is not
 * ready yet); after, from a view of the zone rebuilt only when the stores changed since the last
 * query. Queries are not traced here: the client traces what it asked and got.
 */

export { clusterDnsHost as clusterDnsName } from '../traffic/addresses.ts';

export type ClusterDnsPhase = 'idle' | 'syncing' | 'serving';

export interface ClusterDnsState {
  readonly node: string;
  readonly config: DnsConfig;
  readonly client: ApiClientState;
  readonly services: InformerState;
  readonly slices: InformerState;
  /** CoreDNS pods running on this node, as the kubelet last said. */
  podsRunning: number;
  /** The informers were started (once). */
  started: boolean;
  /** The zone as last built; stale when `viewStale`. */
  view: DnsView | null;
  viewStale: boolean;
  /** Times the view was rebuilt (observation and tests). */
  viewBuilds: number;
}

export type ClusterDnsInput = DnsServerPods | DnsServe | ApiClientEvent | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' };

export function newClusterDns(node: string, client: ApiClientState, config: DnsConfig = DEFAULT_DNS_CONFIG): ClusterDnsState {
  return {
    node,
    config,
    client,
    services: newInformer({ name: 'services', apiVersion: 'v1', resource: 'services' }),
    slices: newInformer({ name: 'endpointslices', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices' }),
    podsRunning: 0,
    started: false,
    view: null,
    viewStale: true,
    viewBuilds: 0,
  };
}

const synced = (d: ClusterDnsState): boolean => d.services.synced && d.slices.synced;

export function clusterDnsPhase(d: ClusterDnsState): ClusterDnsPhase {
  if (d.podsRunning <= 0) return 'idle';
  return synced(d) ? 'serving' : 'syncing';
}

function onResult(d: ClusterDnsState, r: ApiResult, out: Output, nowMs: number): void {
  for (const inf of [d.services, d.slices]) {
    if (ownsTag(inf, r.tag) && informerResult(inf, r, d.client, out, nowMs).length > 0) d.viewStale = true;
  }
}

function onWatch(d: ClusterDnsState, w: WatchDelivery, out: Output, nowMs: number): void {
  for (const inf of [d.services, d.slices]) {
    if (ownsTag(inf, w.tag) && informerWatch(inf, w, d.client, out, nowMs).length > 0) d.viewStale = true;
  }
}

function currentView(d: ClusterDnsState): DnsView {
  if (d.view === null || d.viewStale) {
    d.view = buildDnsView([...d.services.store.values()], [...d.slices.store.values()]);
    d.viewStale = false;
    d.viewBuilds++;
  }
  return d.view;
}

function serve(d: ClusterDnsState, input: DnsServe, out: Output): void {
  // No CoreDNS pod here: the kubelet would not have forwarded it; nothing listens on port 53.
  if (d.podsRunning <= 0) return;
  const { request, backend } = input;
  let dns: DnsAnswer;
  if (!synced(d) || request.dns === undefined) dns = { rcode: 'SERVFAIL', answers: [] };
  else dns = answerQuestion(request.dns, currentView(d), d.config);
  const response: TrafficResponse = { type: 'TrafficResponse', id: request.id, outcome: 'ok', backend, dns };
  out.sends.push({ to: request.replyTo, msg: response });
}

const API_HANDLERS: ApiEventHandlers<ClusterDnsState> = {
  onResult: (d, r, nowMs, out) => onResult(d, r, out, nowMs),
  onWatch: (d, w, nowMs, out) => onWatch(d, w, out, nowMs),
};

export const clusterDnsCore: ComponentCore<ClusterDnsState, ClusterDnsInput, ClusterDnsPhase> = {
  id: 'cluster-dns',
  phases: ['idle', 'syncing', 'serving'],
  phase: clusterDnsPhase,
  step(d, input, now) {
    const out = newOutput();
    const before = clusterDnsPhase(d);
    if (isApiClientEvent(input)) {
      routeApiEvent(d, d.client, input, now, out, API_HANDLERS);
    } else {
      switch (input.type) {
        case 'DnsServerPods':
          d.podsRunning = input.running;
          if (d.podsRunning > 0 && !d.started) {
            d.started = true;
            startInformer(d.services, d.client, out, now);
            startInformer(d.slices, d.client, out, now);
          }
          break;
        case 'DnsServe':
          serve(d, input, out);
          break;
        case 'InformerRetry':
          informerRetry(input.informer === 'services' ? d.services : d.slices, input.what, d.client, out, now);
          break;
      }
    }
    if (before !== 'serving' && clusterDnsPhase(d) === 'serving') out.traces.push({ kind: 'k8s.dns', fields: { node: d.node, event: 'serving' } });
    return out;
  },
};

export const clusterDnsMachine = coreMachine(clusterDnsCore);

export function startClusterDns(env: HostEnv<null>, node: string, api: Omit<ApiClientConfig, 'name'>, config: DnsConfig = DEFAULT_DNS_CONFIG) {
  return startCore(clusterDnsMachine, env, newClusterDns(node, newApiClient({ ...api, name: env.name }), config));
}
