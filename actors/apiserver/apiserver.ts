import { createActor, enqueueActions, setup } from 'xstate';
import type { ApiRequest, ApiWatchCancel } from '../api/protocol.ts';
import type { Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import { handleClientInbound, type ClientInbound } from '../etcd/client.ts';
import { CLIENT_TIMER_EVENT_TYPES, newClient } from '../etcd/client-core.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { ApiServerCore, type ApiServerConfig } from './apiserver-core.ts';
import { EtcdClientPort } from './etcd-client-port.ts';
import type { Healthz, HealthzOk } from './vip-core.ts';

/**
 * kube-apiserver as an XState actor: a thin shell over ApiServerCore and its embedded etcd
 * client. It is ready (answers /readyz probes) once every watch cache has synced from etcd.
 */

type OwnTimer =
  | { type: 'ApiServerRequestTimeout'; client: string; reqId: number }
  | { type: 'ApiServerRelist'; resource: string }
  | { type: 'ApiServerCacheWait' }
  | { type: 'ApiServerWatchTimeout'; client: string; reqId: number }
  | { type: 'ApiServerBookmarks' }
  | { type: 'ApiServerCompaction' };

type ApiServerEvent = ApiRequest | ApiWatchCancel | Healthz | ClientInbound | OwnTimer | { type: 'ApiServerStart' };

interface Context {
  core: ApiServerCore;
  port: EtcdClientPort;
}

const ETCD_EVENTS = new Set<string>(['ClientResponse', 'ConnectionRefused', 'WatchResponse', ...CLIENT_TIMER_EVENT_TYPES]);

function handle(ctx: Context, event: ApiServerEvent): Output {
  const { core, port } = ctx;
  return core.run(() => {
    if (ETCD_EVENTS.has(event.type)) {
      port.absorb(handleClientInbound(port.client, event as ClientInbound));
      return;
    }
    switch (event.type) {
      case 'ApiServerStart':
        return core.start();
      case 'ApiRequest':
        return core.onRequest(event);
      case 'ApiWatchCancel':
        return core.onWatchCancel(event.from, event.reqId);
      case 'Healthz': {
        if (!core.onHealthz()) return;
        const ok: HealthzOk = { type: 'HealthzOk', from: core.config.name, seq: event.seq };
        core.sink.sends.push({ to: event.from, msg: ok });
        return;
      }
      case 'ApiServerRequestTimeout':
        return core.onRequestTimeout(event.client, event.reqId);
      case 'ApiServerRelist':
        return core.onRelistTimer(event.resource);
      case 'ApiServerCacheWait':
        return core.serveParked();
      case 'ApiServerWatchTimeout':
        return core.onWatchTimeout(event.client, event.reqId);
      case 'ApiServerBookmarks':
        return core.onBookmarkTick();
      case 'ApiServerCompaction':
        return core.onCompactionTick();
    }
  });
}

export const apiServerMachine = setup({
  types: { context: {} as Context, events: {} as ApiServerEvent, input: {} as Context, emitted: {} as KernelEmitted },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => performOutput(enqueue as unknown as Enqueue, handle(context, event))),
  },
}).createMachine({
  id: 'kube-apiserver',
  context: ({ input }) => input,
  entry: enqueueActions(({ enqueue }) => enqueue.raise({ type: 'ApiServerStart' }, { delay: 0, id: 'apiserver-start' })),
  on: { '*': { actions: 'handle' } },
});

export interface ApiServerHostOptions {
  config: Omit<ApiServerConfig, 'name'>;
  etcdEndpoints: readonly string[];
  etcdRequestTimeoutMs: number;
}

export function startApiServer(env: HostEnv<null>, options: ApiServerHostOptions) {
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
  const port = new EtcdClientPort(client, () => core!.sink, (env.incarnation - 1) * 1_000_000_000 + 1);
  core = new ApiServerCore({ ...options.config, name: env.name }, port, env.rng.fork(`apiserver#${env.incarnation}`), env.now);
  return createActor(apiServerMachine, { clock: env.clock, input: { core, port } });
}

