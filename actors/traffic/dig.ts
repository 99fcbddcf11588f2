import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import type { DnsQuestion, TrafficRequest, TrafficResponse } from './protocol.ts';
import { DNS_QUERY_TIMEOUT_MS } from './client-core.ts';

/**
 * `dig` run in a pod on a node: one DNS question, as written (dig uses no search list), to the
 * cluster DNS Service through the node's kube-proxy; the answer (or a timeout after 5 s) is
 * traced as `k8s.dig` under the step's id, for `that.dns`.
 */
export interface DigState {
  readonly host: string;
  readonly proxyHost: string;
  readonly sourceIp: string;
  readonly dnsServerIp: string;
  readonly pending: Map<string, { question: DnsQuestion; sentAtMs: number }>;
}

export type DigInput = { type: 'Dig'; id: string; question: DnsQuestion } | { type: 'DigTimeout'; id: string } | TrafficResponse;

export const digCore: ComponentCore<DigState, DigInput, 'ready'> = {
  id: 'dig',
  phases: ['ready'],
  phase: () => 'ready',
  step(d, input, now) {
    const out = newOutput();
    const trace = (id: string, fields: Record<string, unknown>) => {
      const p = d.pending.get(id);
      if (!p) return;
      d.pending.delete(id);
      out.cancels.push(`dig:${id}`);
      out.traces.push({ kind: 'k8s.dig', fields: { id, name: p.question.name, qtype: p.question.qtype, latencyMs: now - p.sentAtMs, ...fields } });
    };
    switch (input.type) {
      case 'Dig': {
        d.pending.set(input.id, { question: input.question, sentAtMs: now });
        const req: TrafficRequest = { type: 'TrafficRequest', id: `${d.host}#${input.id}`, sourceIp: d.sourceIp, dst: { ip: d.dnsServerIp, port: 53, protocol: 'UDP' }, replyTo: d.host, holdMs: 0, dns: input.question };
        out.sends.push({ to: d.proxyHost, msg: req });
        out.timers.push({ id: `dig:${input.id}`, delayMs: DNS_QUERY_TIMEOUT_MS, event: { type: 'DigTimeout', id: input.id } });
        break;
      }
      case 'DigTimeout':
        trace(input.id, { rcode: 'timeout', answers: [] });
        break;
      case 'TrafficResponse': {
        const id = input.id.slice(d.host.length + 1);
        if (input.outcome === 'accepted') break;
        if (input.outcome !== 'ok' || !input.dns) trace(id, { rcode: 'refused', answers: [], ...(input.reason ? { reason: input.reason } : {}) });
        else trace(id, { rcode: input.dns.rcode, answers: input.dns.answers.map((r) => `${r.type} ${r.data}`) });
        break;
      }
    }
    return out;
  },
};

export const digMachine = coreMachine(digCore);

export function startDig(env: HostEnv<null>, proxyHost: string, sourceIp: string, dnsServerIp: string) {
  return startCore(digMachine, env, { host: env.name, proxyHost, sourceIp, dnsServerIp, pending: new Map() });
}
