import { createActor, enqueueActions, setup } from 'xstate';
import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent } from '../client/api-events.ts';
import { newOutput, type Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import type { SchedulerConfiguration } from './plugins/scheduler-config.ts';
import { newScheduler, onApiResult, onApiWatch, onCycle, onInformerRetry, onLeaderRetry, start, type SchedulerState } from './scheduler-core.ts';

/** kube-scheduler as an XState actor: a thin shell over scheduler-core. */

type SchedulerEvent =
  | { type: 'SchedulerStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'LeaderElectionRetry' }
  | { type: 'SchedulerCycle' };

interface Context {
  s: SchedulerState;
  now: () => number;
}

function handle(ctx: Context, event: SchedulerEvent): Output {
  const { s } = ctx;
  const now = ctx.now();
  const out = newOutput();
  if (isApiClientEvent(event)) {
    routeApiEvent(s.client, event, out, { onResult: (r) => onApiResult(s, r, now, out), onWatch: (d) => onApiWatch(s, d, now, out) });
    return out;
  }
  switch (event.type) {
    case 'SchedulerStart':
      start(s, now, out);
      break;
    case 'InformerRetry':
      onInformerRetry(s, event.informer, event.what, out);
      break;
    case 'LeaderElectionRetry':
      onLeaderRetry(s, now, out);
      break;
    case 'SchedulerCycle':
      onCycle(s, now, out);
      break;
  }
  return out;
}

export const schedulerMachine = setup({
  types: { context: {} as Context, events: {} as SchedulerEvent, input: {} as Context, emitted: {} as KernelEmitted },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => performOutput(enqueue as unknown as Enqueue, handle(context, event))),
  },
}).createMachine({
  id: 'kube-scheduler',
  context: ({ input }) => input,
  entry: enqueueActions(({ enqueue }) => enqueue.raise({ type: 'SchedulerStart' }, { delay: 0, id: 'scheduler-start' })),
  on: { '*': { actions: 'handle' } },
});

export function startScheduler(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>, explainPods: ReadonlySet<string> = new Set(), config?: SchedulerConfiguration) {
  const rng = env.rng.fork(`scheduler#${env.incarnation}`);
  const s = newScheduler(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }), (n) => rng.int(0, n), env.now, explainPods, config);
  return createActor(schedulerMachine, { clock: env.clock, input: { s, now: env.now } });
}
