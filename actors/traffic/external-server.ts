import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import type { TrafficRequest, TrafficResponse } from './protocol.ts';

/**
 * A server outside the cluster (a database, a partner API) at a fixed address: it answers every
 * connection after the request's hold time. What a selector-less Service's hand-written
 * Endpoints point at (seed 004).
 */
export interface ExternalServerState {
  readonly name: string;
  readonly ip: string;
  served: number;
}

type Input = TrafficRequest | { type: 'ExternalServerDone'; request: TrafficRequest };

function answer(s: ExternalServerState, req: TrafficRequest): { to: string; msg: TrafficResponse } {
  s.served++;
  return { to: req.replyTo, msg: { type: 'TrafficResponse', id: req.id, outcome: 'ok', backend: { ip: s.ip, port: req.dst.port, pod: s.name } } };
}

export const externalServerCore: ComponentCore<ExternalServerState, Input, 'serving'> = {
  id: 'external-server',
  phases: ['serving'],
  phase: () => 'serving',
  step(s, input) {
    const out = newOutput();
    if (input.type === 'TrafficRequest') {
      if (input.handshake) {
        const accepted: TrafficResponse = { type: 'TrafficResponse', id: input.id, outcome: 'accepted' };
        out.sends.push({ to: input.replyTo, msg: accepted });
      }
      if (input.holdMs <= 0) out.sends.push(answer(s, input));
      else out.timers.push({ id: `done:${input.id}`, delayMs: input.holdMs, event: { type: 'ExternalServerDone', request: input } });
    } else {
      out.sends.push(answer(s, input.request));
    }
    return out;
  },
};

export const externalServerMachine = coreMachine(externalServerCore);

export function startExternalServer(env: HostEnv<null>, name: string, ip: string) {
  return startCore(externalServerMachine, env, { name, ip, served: 0 });
}
