import type { Output } from '../kernel/output.ts';
import { clusterDnsHost } from '../traffic/addresses.ts';
import type { BackendRef, DnsServe, DnsServerPods, TrafficRequest, TrafficResponse } from '../traffic/protocol.ts';
import type { KubeletState } from './kubelet-core.ts';
import { isDnsServerPod, podAlive, podServes } from './serve.ts';

/**
 * The node's side of simulated traffic: a connection to a pod IP on this node reaches the pod's
 * containers (serve.ts). A serving pod takes it and answers after the request's hold time; a pod
 * whose containers do not run refuses it (nothing listens: a reset); an address with no pod on
 * this node is unreachable. A DNS query to a CoreDNS pod goes to the node's cluster-DNS server,
 * which answers the sender itself.
 */

export type KubeletTrafficInput = { type: 'KubeletTrafficDone'; request: TrafficRequest; backend: BackendRef; key: string };

function respond(req: TrafficRequest, outcome: TrafficResponse['outcome'], out: Output, backend?: BackendRef, reason?: string): void {
  const seen = outcome === 'ok' ? { seenSourceIp: req.sourceIp } : {};
  const msg: TrafficResponse = { type: 'TrafficResponse', id: req.id, outcome, ...(reason ? { reason } : {}), ...(backend ? { backend } : {}), ...seen };
  out.sends.push({ to: req.replyTo, msg });
}

export function onTrafficRequest(k: KubeletState, req: TrafficRequest, nowMs: number, out: Output): void {
  let worker;
  for (const w of k.workers.values()) {
    if (w.state.podIP === req.dst.ip && w.state.sandboxUp) {
      worker = w;
      break;
    }
  }
  if (!worker) {
    respond(req, 'refused', out, { ip: req.dst.ip, port: req.dst.port, node: k.params.name }, 'no route to host');
    return;
  }
  const backend: BackendRef = { ip: req.dst.ip, port: req.dst.port, node: k.params.name, pod: worker.state.name };
  if (!podServes(worker.state, nowMs)) {
    respond(req, 'refused', out, backend, 'connection refused');
    return;
  }
  if (req.dns) {
    if (!isDnsServerPod(worker.pod)) {
      respond(req, 'refused', out, backend, 'port unreachable');
      return;
    }
    const serve: DnsServe = { type: 'DnsServe', request: req, backend };
    out.sends.push({ to: clusterDnsHost(k.params.name), msg: serve });
    return;
  }
  if (req.handshake) respond(req, 'accepted', out, backend);
  if (req.holdMs <= 0) {
    respond(req, 'ok', out, backend);
    return;
  }
  out.timers.push({ id: `traffic:${req.id}`, delayMs: req.holdMs, event: { type: 'KubeletTrafficDone', request: req, backend, key: worker.key } });
}

/** The hold time is over: answered if the pod still runs (a stopping app finishes what it accepted), else reset. */
export function onTrafficDone(k: KubeletState, input: KubeletTrafficInput, out: Output): void {
  const worker = k.workers.get(input.key);
  if (worker && podAlive(worker.state) && worker.state.podIP === input.backend.ip) respond(input.request, 'ok', out, input.backend);
  else respond(input.request, 'refused', out, input.backend, 'connection reset');
}

/** Tells the node's cluster-DNS server how many CoreDNS pods serve here, when that changes. */
export function noteDnsPods(k: KubeletState, nowMs: number, out: Output): void {
  let running = 0;
  for (const w of k.workers.values()) if (isDnsServerPod(w.pod) && podServes(w.state, nowMs)) running++;
  if (running === k.dnsPodsRunning) return;
  k.dnsPodsRunning = running;
  const msg: DnsServerPods = { type: 'DnsServerPods', running };
  out.sends.push({ to: clusterDnsHost(k.params.name), msg });
}
