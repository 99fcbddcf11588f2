import type { ApiConnectionPing, ApiRequest, ApiWatchCancel } from '../api/protocol.ts';
import { newOutput, type Output } from '../kernel/output.ts';

/**
 * The virtual IP in front of the apiservers (an L4 load balancer with health checks, as
 * keepalived/HAProxy or a cloud LB in front of kube-apiserver). Requests are spread round-robin
 * over healthy apiservers and forwarded unchanged; answers go straight back to the client
 * (direct server return). A backend is taken out after 3 failed /readyz probes (1 s apart), or
 * at once when a forwarded request finds its process gone, and that request is retried on
 * another backend. A watch's cancel follows the watch to the backend that serves it, and a
 * connection's health-check PING goes to the backend the connection is to (an L4 balancer keeps a
 * connection on one backend).
 */

export interface Healthz {
  type: 'Healthz';
  from: string;
  seq: number;
}

export interface HealthzOk {
  type: 'HealthzOk';
  from: string;
  seq: number;
}

/**
 * The VIP resets a client's watch connection when its backend is taken out (an L4 balancer
 * dropping a dead backend's connections), so the client re-watches through a healthy one.
 */
export interface ApiWatchBroken {
  type: 'ApiWatchBroken';
  from: string;
  reqId: number;
}

/** The kernel's answer when a forwarded request finds its backend down. */
export interface VipBackendRefused {
  type: 'VipBackendRefused';
  from: string;
  original: ApiRequest;
}

export const PROBE_INTERVAL_MS = 1_000;
export const PROBE_FAILURES_TO_REMOVE = 3;
const MAX_WATCH_ROUTES = 200_000;

interface Backend {
  name: string;
  healthy: boolean;
  /** Probes sent and not answered in a row. */
  missed: number;
  answeredSeq: number;
}

export interface VipState {
  readonly name: string;
  readonly backends: Backend[];
  next: number;
  probeSeq: number;
  readonly watchRoutes: Map<string, string>;
}

export function newVip(name: string, backends: readonly string[]): VipState {
  return {
    name,
    // Start optimistic: the first probes take a backend out if it is not ready.
    backends: backends.map((b) => ({ name: b, healthy: true, missed: 0, answeredSeq: 0 })),
    next: 0,
    probeSeq: 0,
    watchRoutes: new Map(),
  };
}

function pick(v: VipState, exclude?: string): Backend | null {
  const n = v.backends.length;
  for (let i = 0; i < n; i++) {
    const b = v.backends[(v.next + i) % n]!;
    if (b.healthy && b.name !== exclude) {
      v.next = (v.next + i + 1) % n;
      return b;
    }
  }
  return null;
}

export function onRequest(v: VipState, req: ApiRequest, exclude?: string): Output {
  const out = newOutput();
  const backend = pick(v, exclude);
  if (!backend) {
    // No healthy backend: the client sees the connection refused.
    if (req.refusedReply) out.sends.push({ to: req.from, msg: req.refusedReply });
    return out;
  }
  const forwarded: ApiRequest = { ...req, refusedReply: { type: 'VipBackendRefused', from: backend.name, original: req } as unknown as ApiRequest['refusedReply'] };
  if (req.verb === 'watch') {
    if (v.watchRoutes.size >= MAX_WATCH_ROUTES) v.watchRoutes.delete(v.watchRoutes.keys().next().value!);
    v.watchRoutes.set(`${req.from}#${req.reqId}`, backend.name);
  }
  out.sends.push({ to: backend.name, msg: forwarded });
  return out;
}

export function onWatchCancel(v: VipState, cancel: ApiWatchCancel): Output {
  const out = newOutput();
  const key = `${cancel.from}#${cancel.reqId}`;
  const backend = v.watchRoutes.get(key);
  if (backend) {
    v.watchRoutes.delete(key);
    out.sends.push({ to: backend, msg: cancel });
  }
  return out;
}

/**
 * A client's PING on its connection goes to the connection's backend, while the balancer still
 * has it: a backend taken out had its connections reset (markDown), so a PING for one goes
 * nowhere, and the client's ping times out. Forwarded without `refusedReply`: a reset from the
 * kernel would come back to the VIP, not the client; a restarted backend resets it itself.
 */
export function onConnectionPing(v: VipState, ping: ApiConnectionPing): Output {
  const out = newOutput();
  const backend = v.backends.find((b) => b.name === ping.apiserver);
  if (backend?.healthy) {
    const { refusedReply: _reset, ...forwarded } = ping;
    out.sends.push({ to: backend.name, msg: forwarded });
  }
  return out;
}

export function onBackendRefused(v: VipState, refused: VipBackendRefused): Output {
  const b = v.backends.find((x) => x.name === refused.from);
  const out = newOutput();
  if (b) markDown(v, b, out);
  const retried = onRequest(v, refused.original, refused.from);
  out.sends.push(...retried.sends);
  return out;
}

function markDown(v: VipState, b: Backend, out: Output): void {
  if (!b.healthy) return;
  b.healthy = false;
  for (const [key, backend] of [...v.watchRoutes]) {
    if (backend !== b.name) continue;
    v.watchRoutes.delete(key);
    const at = key.lastIndexOf('#');
    const broken: ApiWatchBroken = { type: 'ApiWatchBroken', from: v.name, reqId: Number(key.slice(at + 1)) };
    out.sends.push({ to: key.slice(0, at), msg: broken });
  }
}

export function onProbeTick(v: VipState): Output {
  const out = newOutput();
  v.probeSeq++;
  for (const b of v.backends) {
    if (b.answeredSeq < v.probeSeq - 1) {
      b.missed++;
      if (b.missed >= PROBE_FAILURES_TO_REMOVE) markDown(v, b, out);
    }
    const probe: Healthz = { type: 'Healthz', from: v.name, seq: v.probeSeq };
    out.sends.push({ to: b.name, msg: probe });
  }
  out.timers.push({ id: 'vip-probe', delayMs: PROBE_INTERVAL_MS, event: { type: 'VipProbe' } });
  return out;
}

export function onHealthzOk(v: VipState, ok: HealthzOk): Output {
  const b = v.backends.find((x) => x.name === ok.from);
  if (b && ok.seq > b.answeredSeq) {
    b.answeredSeq = ok.seq;
    b.missed = 0;
    b.healthy = true;
  }
  return newOutput();
}

export function healthyBackends(v: VipState): string[] {
  return v.backends.filter((b) => b.healthy).map((b) => b.name);
}
