import type { ApiConnectionPing, ApiRequest, ApiWatchCancel } from '../api/protocol.ts';
import { handleClientInbound, type ClientInbound } from '../etcd/client.ts';
import { CLIENT_TIMER_EVENT_TYPES, newClient } from '../etcd/client-core.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { ApiServerCore, type ApiServerConfig } from './apiserver-core.ts';
import { EtcdClientPort } from './etcd-client-port.ts';
import type { Healthz, HealthzOk } from './vip-core.ts';

/** kube-apiserver's own timers. */
type OwnTimer =
  | { type: 'ApiServerRequestDeadline' }
  | { type: 'ApiServerRelist'; resource: string }
  | { type: 'ApiServerCacheWait' }
  | { type: 'ApiServerWatchTimeout'; client: string; reqId: number }
  | { type: 'ApiServerBookmarks' }
  | { type: 'ApiServerCompaction' }
  | { type: 'ApiServerEndpoints' };

/** kube-apiserver's inputs: API requests, VIP probes, its embedded etcd client's traffic, its timers. */
export type ApiServerInput = ApiRequest | ApiWatchCancel | ApiConnectionPing | Healthz | ClientInbound | OwnTimer | { type: 'ApiServerStart' };

/** The apiserver core and its embedded etcd client (clientv3 inside kube-apiserver). */
export interface ApiServerHostState {
  core: ApiServerCore;
  port: EtcdClientPort;
}

const ETCD_EVENTS = new Set<string>(['ClientResponse', 'ConnectionRefused', 'WatchResponse', ...CLIENT_TIMER_EVENT_TYPES]);

function isEtcdInbound(input: ApiServerInput): input is ClientInbound {
  return ETCD_EVENTS.has(input.type);
}

/**
 * kube-apiserver as a component core: starting, syncing its watch caches and post-start hooks,
 * then ready (answers the VIP's /readyz probes).
 */
export const apiServerCore: ComponentCore<ApiServerHostState, ApiServerInput, 'starting' | 'syncing' | 'ready'> = {
  id: 'kube-apiserver',
  phases: ['starting', 'syncing', 'ready'],
  boot: { event: { type: 'ApiServerStart' }, id: 'apiserver-start' },
  phase: ({ core }) => core.phase,
  step({ core, port }, input, nowMs) {
    // The core's callbacks (etcd completions continue a request) all write to this step's output.
    return core.run(() => {
      if (isEtcdInbound(input)) {
        port.absorb(handleClientInbound(port.client, input, nowMs));
        return;
      }
      switch (input.type) {
        case 'ApiServerStart':
          return core.start();
        case 'ApiRequest':
          return core.onRequest(input);
        case 'ApiWatchCancel':
          return core.onWatchCancel(input.from, input.reqId);
        case 'ApiConnectionPing':
          return core.onConnectionPing(input);
        case 'Healthz': {
          if (!core.onHealthz()) return;
          const ok: HealthzOk = { type: 'HealthzOk', from: core.config.name, seq: input.seq };
          core.sink.sends.push({ to: input.from, msg: ok });
          return;
        }
        case 'ApiServerRequestDeadline':
          return core.onRequestDeadline();
        case 'ApiServerRelist':
          return core.onRelistTimer(input.resource);
        case 'ApiServerCacheWait':
          return core.serveParked();
        case 'ApiServerWatchTimeout':
          return core.onWatchTimeout(input.client, input.reqId);
        case 'ApiServerBookmarks':
          return core.onBookmarkTick();
        case 'ApiServerCompaction':
          return core.onCompactionTick();
        case 'ApiServerEndpoints':
          return core.onEndpointTick();
      }
    });
  },
};

export const apiServerMachine = coreMachine(apiServerCore);

export interface ApiServerHostOptions {
  config: Omit<ApiServerConfig, 'name'>;
  etcdEndpoints: readonly string[];
  etcdRequestTimeoutMs: number;
}

export function newApiServerHostState(env: Pick<HostEnv<null>, 'name' | 'incarnation' | 'rng' | 'now'>, options: ApiServerHostOptions): ApiServerHostState {
  const client = newClient({
    name: env.name,
    endpoints: options.etcdEndpoints,
    requestTimeoutMs: options.etcdRequestTimeoutMs,
    retryBackoffMs: 100,
    readAttemptTimeoutMs: 2_000,
    timerPrefix: 'etcd/',
    incarnation: env.incarnation,
  });
  let core: ApiServerCore | null = null;
  // etcd dedupes writes by (client, reqId): a new incarnation must not reuse the previous one's ids.
  const port = new EtcdClientPort(client, () => core!.sink, env.now, (env.incarnation - 1) * 1_000_000_000 + 1);
  core = new ApiServerCore({ ...options.config, name: env.name, incarnation: env.incarnation }, port, env.rng.fork(`apiserver#${env.incarnation}`), env.now);
  return { core, port };
}

export function startApiServer(env: HostEnv<null>, options: ApiServerHostOptions) {
  return startCore(apiServerMachine, env, newApiServerHostState(env, options));
}
