import { createActor, enqueueActions, setup } from 'xstate';
import type { ApiRequest, ApiWatchCancel } from '../api/protocol.ts';
import type { Output } from '../client/output.ts';
import { performOutput, type Enqueue } from '../client/perform.ts';
import type { HostEnv, KernelEmitted } from '../kernel/simulation.ts';
import { newVip, onBackendRefused, onHealthzOk, onProbeTick, onRequest, onWatchCancel, type HealthzOk, type VipBackendRefused, type VipState } from './vip-core.ts';

type VipEvent = ApiRequest | ApiWatchCancel | VipBackendRefused | HealthzOk | { type: 'VipProbe' };

export const vipMachine = setup({
  types: {
    context: {} as { vip: VipState },
    events: {} as VipEvent,
    input: {} as { vip: VipState },
    emitted: {} as KernelEmitted,
  },
  actions: {
    handle: enqueueActions(({ context, event, enqueue }) => {
      const v = context.vip;
      let out: Output;
      switch (event.type) {
        case 'ApiRequest':
          out = onRequest(v, event);
          break;
        case 'ApiWatchCancel':
          out = onWatchCancel(v, event);
          break;
        case 'VipBackendRefused':
          out = onBackendRefused(v, event);
          break;
        case 'HealthzOk':
          out = onHealthzOk(v, event);
          break;
        case 'VipProbe':
          out = onProbeTick(v);
          break;
      }
      performOutput(enqueue as unknown as Enqueue, out);
    }),
  },
}).createMachine({
  id: 'apiserver-vip',
  context: ({ input }) => ({ vip: input.vip }),
  initial: 'balancing',
  states: {
    balancing: {
      entry: enqueueActions(({ enqueue }) => enqueue.raise({ type: 'VipProbe' }, { delay: 0, id: 'vip-probe' })),
      on: { ApiRequest: { actions: 'handle' }, ApiWatchCancel: { actions: 'handle' }, VipBackendRefused: { actions: 'handle' }, HealthzOk: { actions: 'handle' }, VipProbe: { actions: 'handle' } },
    },
  },
});

export function startVip(env: HostEnv<null>, backends: readonly string[]) {
  return createActor(vipMachine, { clock: env.clock, input: { vip: newVip(env.name, backends) } });
}
