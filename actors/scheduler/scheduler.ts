import { newApiClient, type ApiClientConfig } from '../client/api-client.ts';
import { isApiClientEvent, routeApiEvent, type ApiClientEvent, type ApiEventHandlers } from '../client/api-events.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import type { SchedulerConfiguration } from './plugins/scheduler-config.ts';
import { newScheduler, onApiResult, onApiWatch, onCycle, onInformerRetry, onLeaderRetry, start, type SchedulerState, type SchedulerVariant } from './scheduler-core.ts';

/** kube-scheduler's inputs: API answers and watch messages, and its own timers. */
export type SchedulerInput =
  | { type: 'SchedulerStart' }
  | ApiClientEvent
  | { type: 'InformerRetry'; informer: string; what: 'list' | 'watch' }
  | { type: 'LeaderElectionRetry' }
  | { type: 'SchedulerCycle' };

/** kube-scheduler as a component core: standby until it holds the Lease, then leading. */
const API_HANDLERS: ApiEventHandlers<SchedulerState> = { onResult: onApiResult, onWatch: onApiWatch };

export const schedulerCore: ComponentCore<SchedulerState, SchedulerInput, 'standby' | 'leading'> = {
  id: 'kube-scheduler',
  phases: ['standby', 'leading'],
  boot: { event: { type: 'SchedulerStart' }, id: 'scheduler-start' },
  phase: (s) => (s.leader.isLeader ? 'leading' : 'standby'),
  step(s, input, now) {
    const out = newOutput();
    if (isApiClientEvent(input)) {
      routeApiEvent(s, s.client, input, now, out, API_HANDLERS);
      return out;
    }
    switch (input.type) {
      case 'SchedulerStart':
        start(s, now, out);
        break;
      case 'InformerRetry':
        onInformerRetry(s, input.informer, input.what, out, now);
        break;
      case 'LeaderElectionRetry':
        onLeaderRetry(s, now, out);
        break;
      case 'SchedulerCycle':
        onCycle(s, now, out);
        break;
    }
    return out;
  },
};

export const schedulerMachine = coreMachine(schedulerCore);

export function startScheduler(env: HostEnv<null>, api: Omit<ApiClientConfig, 'name'>, explainPods: ReadonlySet<string> = new Set(), config?: SchedulerConfiguration, variant?: SchedulerVariant) {
  const rng = env.rng.fork(`scheduler#${env.incarnation}`);
  const s = newScheduler(`${env.name}_${env.incarnation}`, newApiClient({ ...api, name: env.name }), (n) => rng.int(0, n), env.now, explainPods, config, variant);
  return startCore(schedulerMachine, env, s);
}
