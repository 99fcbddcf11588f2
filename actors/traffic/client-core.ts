import { coreMachine, startCore, type ComponentCore } from '../kernel/core-actor.ts';
import { newOutput, type Output } from '../kernel/output.ts';
import type { HostEnv } from '../kernel/simulation.ts';
import { DnsCache, searchCandidates } from '../dns/resolver.ts';
import type { AddressPlan } from './addresses.ts';
import type { DnsAnswer, TrafficProtocol, TrafficRequest, TrafficResponse } from './protocol.ts';

/**
 * A traffic source: simulated clients sending requests at a rate (evenly spaced, or a Poisson
 * process drawn from the host's seeded stream) to a Service by name or address, from a node of
 * the cluster (each request enters the node's kube-proxy) or from outside it (straight to a node
 * IP at a NodePort, or to a load balancer address).
 *
 * A name is resolved as a pod's stub resolver does: the search list (ndots 5) tried in order
 * against the cluster DNS Service's address, each query itself a UDP request through kube-proxy
 * to a CoreDNS pod, answers kept for their TTL. Every request ends in one `k8s.traffic` trace
 * line: ok (and which pod answered), refused, timeout, or a DNS failure.
 */

export type Arrival = 'constant' | 'poisson';

export interface TrafficClientConfig {
  /** The traffic entry's name in the scenario. */
  source: string;
  /** One simulated client per address; requests go to them in turn. */
  sourceIps: string[];
  /** In-cluster clients send through their node's kube-proxy; external ones route by address. */
  proxyHost?: string;
  /** The namespace whose search path names are resolved in. */
  namespace: string;
  target: { host: string; port: number; protocol: TrafficProtocol };
  dnsServerIp: string;
  ratePerSecond: number;
  arrival: Arrival;
  startMs: number;
  stopMs: number;
  timeoutMs: number;
  holdMs: number;
  addresses: AddressPlan;
}

/** glibc's resolver: 5 s per query (`options timeout:5`), one attempt here. */
export const DNS_QUERY_TIMEOUT_MS = 5000;
/** A request still unanswered past this many in flight is counted as dropped by the client (a bound, not a behaviour). */
const MAX_IN_FLIGHT = 20_000;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

interface Pending {
  seq: number;
  client: number;
  startedAtMs: number;
  phase: 'dns' | 'request';
  /** Names still to try, in order (the search list, or a CNAME's target). */
  candidates: string[];
  dnsQueries: number;
  /** The query or request id in flight. */
  wireId: string;
}

export interface TrafficClientState {
  readonly config: TrafficClientConfig;
  readonly host: string;
  readonly pending: Map<string, Pending>;
  readonly caches: DnsCache[];
  random: () => number;
  done: boolean;
  /** Arrivals so far (the index of the next one); arrival k is request k (its `seq`). */
  arrivals: number;
}

export type TrafficClientInput =
  | { type: 'TrafficStart' }
  | { type: 'TrafficArrival' }
  | { type: 'TrafficTimeout'; wireId: string }
  | TrafficResponse;

export function newTrafficClient(host: string, config: TrafficClientConfig, random: () => number): TrafficClientState {
  return { config, host, pending: new Map(), caches: config.sourceIps.map(() => new DnsCache(1024)), random, done: false, arrivals: 0 };
}

/**
 * Arms the next arrival. Constant: arrival k at start + round(k · 1000 / rate), so the stated
 * rate holds even when 1000 / rate is not a whole number of milliseconds. Poisson: exponential
 * gaps (a Poisson process of the rate) from the host's seeded stream.
 */
function arm(c: TrafficClientState, nowMs: number, out: Output): void {
  const mean = 1000 / c.config.ratePerSecond;
  const atMs = c.config.arrival === 'constant' ? c.config.startMs + Math.round(c.arrivals * mean) : Math.max(nowMs, c.config.startMs) + Math.round(-Math.log(1 - c.random()) * mean);
  if (atMs >= c.config.stopMs) {
    c.done = true;
    return;
  }
  out.timers.push({ id: 'arrival', delayMs: Math.max(0, atMs - nowMs), event: { type: 'TrafficArrival' } });
}

function finish(c: TrafficClientState, p: Pending, nowMs: number, result: string, out: Output, res?: TrafficResponse, reason?: string): void {
  c.pending.delete(p.wireId);
  out.cancels.push(`timeout:${p.wireId}`);
  const b = res?.backend;
  out.traces.push({
    kind: 'k8s.traffic',
    fields: {
      source: c.config.source,
      client: c.config.sourceIps[p.client]!,
      seq: p.seq,
      result,
      latencyMs: nowMs - p.startedAtMs,
      ...(b?.pod ? { pod: b.pod } : {}),
      ...(b?.node ? { node: b.node } : {}),
      ...(b ? { backend: `${b.ip}:${b.port}` } : {}),
      ...(res?.attempts && res.attempts > 1 ? { attempts: res.attempts } : {}),
      ...(res?.seenSourceIp && res.seenSourceIp !== c.config.sourceIps[p.client] ? { seenAs: res.seenSourceIp } : {}),
      ...(p.dnsQueries > 0 ? { dnsQueries: p.dnsQueries } : {}),
      ...(reason ?? res?.reason ? { reason: reason ?? res?.reason } : {}),
    },
  });
}

function send(c: TrafficClientState, req: TrafficRequest, out: Output): boolean {
  if (c.config.proxyHost) {
    out.sends.push({ to: c.config.proxyHost, msg: req });
    return true;
  }
  const to = c.config.addresses.route(req.dst.ip);
  // Outside the cluster only node, load balancer and external addresses are routed.
  if (!to || to.kind === 'pod') return false;
  out.sends.push({ to: to.host, msg: req });
  return true;
}

function rekey(c: TrafficClientState, p: Pending, wireId: string, timeoutMs: number, out: Output): void {
  c.pending.delete(p.wireId);
  out.cancels.push(`timeout:${p.wireId}`);
  p.wireId = wireId;
  c.pending.set(wireId, p);
  out.timers.push({ id: `timeout:${wireId}`, delayMs: timeoutMs, event: { type: 'TrafficTimeout', wireId } });
}

/** Resolves the next candidate name (from the cache when it can), then sends the request. */
function advance(c: TrafficClientState, p: Pending, nowMs: number, out: Output): void {
  const cache = c.caches[p.client]!;
  while (p.candidates.length > 0) {
    const name = p.candidates[0]!;
    if (IPV4.test(name)) return request(c, p, name, out, nowMs);
    const cached = cache.get(name, 'A', nowMs);
    if (!cached) break;
    if (!useAnswer(c, p, cached, nowMs, out)) return;
  }
  if (p.candidates.length === 0) return finish(c, p, nowMs, 'nxdomain', out);
  p.phase = 'dns';
  p.dnsQueries++;
  const wireId = `${c.host}#${p.seq}.q${p.dnsQueries}`;
  rekey(c, p, wireId, DNS_QUERY_TIMEOUT_MS, out);
  const query: TrafficRequest = {
    type: 'TrafficRequest',
    id: wireId,
    sourceIp: c.config.sourceIps[p.client]!,
    dst: { ip: c.config.dnsServerIp, port: 53, protocol: 'UDP' },
    replyTo: c.host,
    holdMs: 0,
    dns: { name: p.candidates[0]!, qtype: 'A' },
  };
  if (!send(c, query, out)) finish(c, p, nowMs, 'dns-timeout', out, undefined, 'no route to the DNS server');
}

/**
 * Acts on a DNS answer for the first candidate: an address sends the request (returns false);
 * NXDOMAIN moves to the next candidate (returns true: keep resolving); a CNAME restarts on its
 * target; SERVFAIL or an empty answer ends the request.
 */
function useAnswer(c: TrafficClientState, p: Pending, answer: DnsAnswer, nowMs: number, out: Output): boolean {
  if (answer.rcode === 'NXDOMAIN') {
    p.candidates.shift();
    return true;
  }
  if (answer.rcode !== 'NOERROR') {
    finish(c, p, nowMs, 'dns-error', out, undefined, answer.rcode);
    return false;
  }
  const a = answer.answers.find((r) => r.type === 'A');
  if (a) {
    request(c, p, a.data, out, nowMs);
    return false;
  }
  const cname = answer.answers.find((r) => r.type === 'CNAME');
  if (cname && p.dnsQueries < 16) {
    p.candidates = [cname.data.endsWith('.') ? cname.data.slice(0, -1) : cname.data];
    return true;
  }
  finish(c, p, nowMs, 'nxdomain', out, undefined, 'no address');
  return false;
}

function request(c: TrafficClientState, p: Pending, ip: string, out: Output, nowMs: number): void {
  p.phase = 'request';
  const wireId = `${c.host}#${p.seq}`;
  rekey(c, p, wireId, c.config.timeoutMs, out);
  const req: TrafficRequest = {
    type: 'TrafficRequest',
    id: wireId,
    sourceIp: c.config.sourceIps[p.client]!,
    dst: { ip, port: c.config.target.port, protocol: c.config.target.protocol },
    replyTo: c.host,
    holdMs: c.config.holdMs,
  };
  if (!send(c, req, out)) finish(c, p, nowMs, 'timeout', out, undefined, 'no route to host');
}

function onArrival(c: TrafficClientState, nowMs: number, out: Output): void {
  c.arrivals++;
  arm(c, nowMs, out);
  const seq = c.arrivals;
  const client = (seq - 1) % c.config.sourceIps.length;
  const p: Pending = { seq, client, startedAtMs: nowMs, phase: 'dns', candidates: [], dnsQueries: 0, wireId: `${c.host}#${seq}` };
  if (c.pending.size >= MAX_IN_FLIGHT) {
    finish(c, p, nowMs, 'dropped', out, undefined, `more than ${MAX_IN_FLIGHT} requests in flight`);
    return;
  }
  c.pending.set(p.wireId, p);
  const target = c.config.target.host;
  p.candidates = IPV4.test(target) ? [target] : searchCandidates(target, c.config.namespace, 5);
  advance(c, p, nowMs, out);
}

function onResponse(c: TrafficClientState, res: TrafficResponse, nowMs: number, out: Output): void {
  const p = c.pending.get(res.id);
  if (!p || res.outcome === 'accepted') return;
  if (p.phase === 'request') {
    finish(c, p, nowMs, res.outcome === 'ok' ? 'ok' : 'refused', out, res);
    return;
  }
  if (res.outcome !== 'ok' || !res.dns) {
    finish(c, p, nowMs, 'dns-error', out, res, res.reason ?? 'DNS server refused');
    return;
  }
  const name = p.candidates[0]!;
  c.caches[p.client]!.put(name, 'A', res.dns, nowMs);
  if (useAnswer(c, p, res.dns, nowMs, out)) advance(c, p, nowMs, out);
}

function onTimeout(c: TrafficClientState, wireId: string, nowMs: number, out: Output): void {
  const p = c.pending.get(wireId);
  if (!p) return;
  finish(c, p, nowMs, p.phase === 'dns' ? 'dns-timeout' : 'timeout', out);
}

export const trafficClientCore: ComponentCore<TrafficClientState, TrafficClientInput, 'waiting' | 'sending' | 'done'> = {
  id: 'traffic-client',
  phases: ['waiting', 'sending', 'done'],
  boot: { event: { type: 'TrafficStart' }, id: 'traffic-start' },
  phase: (c) => (c.done && c.pending.size === 0 ? 'done' : c.arrivals > 0 ? 'sending' : 'waiting'),
  step(c, input, now) {
    const out = newOutput();
    switch (input.type) {
      case 'TrafficStart':
        // Restarted after a crash: carry on from the next arrival due, not from the first.
        if (now > c.config.startMs) c.arrivals = Math.ceil(((now - c.config.startMs) * c.config.ratePerSecond) / 1000);
        arm(c, now, out);
        break;
      case 'TrafficArrival':
        onArrival(c, now, out);
        break;
      case 'TrafficTimeout':
        onTimeout(c, input.wireId, now, out);
        break;
      case 'TrafficResponse':
        onResponse(c, input, now, out);
        break;
    }
    return out;
  },
};

export const trafficClientMachine = coreMachine(trafficClientCore);

export function startTrafficClient(env: HostEnv<null>, config: TrafficClientConfig) {
  const rng = env.rng.fork(`traffic#${env.incarnation}`);
  return startCore(trafficClientMachine, env, newTrafficClient(env.name, config, () => rng.float()));
}
