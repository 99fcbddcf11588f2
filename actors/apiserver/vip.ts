import type { ApiConnectionPing, ApiRequest, ApiWatchCancel } from '../api/protocol.ts';
import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { newVip, onBackendRefused, onHealthzOk, onProbeTick, onRequest, onConnectionPing, onWatchCancel, type HealthzOk, type VipBackendRefused, type VipState } from './vip-core.ts';

export type VipInput = ApiRequest | ApiWatchCancel | ApiConnectionPing | VipBackendRefused | HealthzOk | { type: 'VipProbe' };

/** The apiservers' virtual IP as a component core: always balancing over the healthy backends. */
export const vipCore: ComponentCore<VipState, VipInput, 'balancing'> = {
  id: 'apiserver-vip',
  phases: ['balancing'],
  boot: { event: { type: 'VipProbe' }, id: 'vip-probe' },
  phase: () => 'balancing',
  step(v, input) {
    switch (input.type) {
      case 'ApiRequest':
        return onRequest(v, input);
      case 'ApiWatchCancel':
        return onWatchCancel(v, input);
      case 'ApiConnectionPing':
        return onConnectionPing(v, input);
      case 'VipBackendRefused':
        return onBackendRefused(v, input);
      case 'HealthzOk':
        return onHealthzOk(v, input);
      case 'VipProbe':
        return onProbeTick(v);
    }
  },
};

export const vipMachine = coreMachine(vipCore);

export function startVip(env: HostEnv<null>, backends: readonly string[]) {
  return startCore(vipMachine, env, newVip(env.name, backends));
}
