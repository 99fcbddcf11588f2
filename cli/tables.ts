import type { KubeObject } from '../actors/api/protocol.ts';
import { parseTimestamp } from '../actors/api/time.ts';
import { describeActor } from '../actors/kernel/core-actor.ts';
import type { Simulation } from '../actors/kernel/simulation.ts';
import type { ClusterState } from '../actors/scenario/cluster-state.ts';
import { coreStateOf } from '../actors/kernel/core-actor.ts';
import { renderIptables } from '../actors/kube-proxy/iptables.ts';
import { renderIpvs } from '../actors/kube-proxy/ipvs.ts';
import { summarize, type TrafficLog } from '../actors/scenario/traffic-log.ts';
import type { KubeProxyState } from '../actors/kube-proxy/kube-proxy-core.ts';
import { podServiceEnvironments, type KubeletState } from '../actors/kubelet/kubelet-core.ts';

/** `kubectl get`-style tables of the cluster's committed state at the end of a run. */

export const SHOWABLE = ['nodes', 'pods', 'services', 'endpoints', 'events', 'components', 'proxy-rules', 'env', 'traffic'] as const;
export type Showable = (typeof SHOWABLE)[number];

/** A plain-text table: columns as wide as their widest cell, `gap` between them (kubectl uses three spaces). */
export function table(header: string[], rows: string[][], gap = '   '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(gap).trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function age(obj: KubeObject, nowMs: number): string {
  const created = parseTimestamp(obj.metadata?.creationTimestamp ?? '');
  if (!Number.isFinite(created)) return '<unknown>';
  const s = Math.max(0, Math.floor((nowMs - created) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function nodesTable(state: ClusterState, nowMs: number): string {
  const rows = state.list('nodes').map((n) => {
    const status = (n.status ?? {}) as { conditions?: { type: string; status: string }[]; allocatable?: Record<string, string> };
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    let text = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
    if ((n.spec as { unschedulable?: boolean } | undefined)?.unschedulable) text += ',SchedulingDisabled';
    const labels = n.metadata?.labels ?? {};
    const alloc = status.allocatable ?? {};
    return [n.metadata?.name ?? '', text, labels['topology.kubernetes.io/zone'] ?? '', String(alloc.cpu ?? ''), String(alloc.memory ?? ''), String(alloc.pods ?? ''), age(n, nowMs)];
  });
  return table(['NAME', 'STATUS', 'ZONE', 'CPU', 'MEMORY', 'PODS', 'AGE'], rows);
}

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}

function podStatusText(pod: KubeObject): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  const status = (pod.status ?? {}) as { phase?: string; containerStatuses?: ContainerStatus[]; reason?: string };
  for (const c of status.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason && reason !== 'Completed' && status.phase !== 'Succeeded') return reason;
  }
  if (status.reason) return status.reason;
  if (status.phase === 'Succeeded') return 'Completed';
  if (status.phase === 'Failed') return 'Error';
  return status.phase ?? 'Pending';
}

function podsTable(state: ClusterState, nowMs: number): string {
  const rows = state.list('pods').map((p) => {
    const status = (p.status ?? {}) as { containerStatuses?: ContainerStatus[]; podIP?: string };
    const containers = ((p.spec as { containers?: unknown[] } | undefined)?.containers ?? []).length;
    const ready = (status.containerStatuses ?? []).filter((c) => c.ready).length;
    const restarts = (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
    return [p.metadata?.namespace ?? '', p.metadata?.name ?? '', `${ready}/${containers}`, podStatusText(p), String(restarts), age(p, nowMs), status.podIP ?? '<none>', (p.spec as { nodeName?: string } | undefined)?.nodeName ?? '<none>'];
  });
  return table(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'], rows);
}

function eventsTable(state: ClusterState): string {
  const rows = state
    .list('events')
    .map((e) => {
      const involved = (e.involvedObject ?? {}) as { kind?: string; name?: string };
      return { at: parseTimestamp(String(e.lastTimestamp ?? '')), row: [String(e.lastTimestamp ?? ''), String(e.type ?? ''), String(e.reason ?? ''), `${(involved.kind ?? '').toLowerCase()}/${involved.name ?? ''}`, String(e.message ?? '')] };
    })
    .sort((a, b) => a.at - b.at)
    .map((x) => x.row);
  return table(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows);
}

interface ServiceJson {
  spec?: { type?: string; clusterIP?: string; externalIPs?: string[]; externalName?: string; ports?: { port?: number; nodePort?: number; protocol?: string }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** kubectl get services: TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as kubectl prints them. */
function servicesTable(state: ClusterState, nowMs: number): string {
  const rows = state.list('services').map((svc) => {
    const { spec = {}, status = {} } = svc as ServiceJson;
    const type = spec.type ?? 'ClusterIP';
    const ingress = (status.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
    const external = type === 'ExternalName' ? (spec.externalName ?? '') : [...ingress, ...(spec.externalIPs ?? [])].join(',') || (type === 'LoadBalancer' ? '<pending>' : '<none>');
    const ports = (spec.ports ?? []).map((p) => `${p.port ?? 0}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>';
    return [svc.metadata?.namespace ?? '', svc.metadata?.name ?? '', type, spec.clusterIP ?? '<none>', external, ports, age(svc, nowMs)];
  });
  return table(['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], rows);
}

/** kubectl get endpoints: the first three ready `ip:port`s, then `+ N more...`, as kubectl shortens them. */
function endpointsTable(state: ClusterState, nowMs: number): string {
  const rows = state.list('endpoints').map((ep) => {
    const all: string[] = [];
    for (const s of (ep['subsets'] ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[]) {
      for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: 0 }]) all.push(p.port ? `${a.ip}:${p.port}` : a.ip);
    }
    const text = all.length === 0 ? '<none>' : all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
    return [ep.metadata?.namespace ?? '', ep.metadata?.name ?? '', text, age(ep, nowMs)];
  });
  return table(['NAMESPACE', 'NAME', 'ENDPOINTS', 'AGE'], rows);
}

/** Each node's kube-proxy rules as last programmed, as `iptables-save -t nat` would print them. */
function proxyRules(sim: Simulation): string {
  const out: string[] = [];
  for (const name of sim.hostNames()) {
    const actor = sim.actorOf(name);
    if (describeActor(actor)?.component !== 'kube-proxy') continue;
    const p = coreStateOf(actor!) as KubeProxyState;
    const fellBack = p.mode !== p.config.mode ? `, ${p.config.mode} unavailable` : '';
    if (p.mode === 'ipvs') {
      out.push(`# ${p.node} (kube-proxy ipvs mode, scheduler ${p.config.ipvsScheduler}, ${p.syncs} syncs): ipvsadm -Ln`, ...renderIpvs(p.table, p.config.ipvsScheduler, p.nodeIp, p.router.activeConnections), '');
    } else if (p.mode === 'userspace') {
      out.push(`# ${p.node} (kube-proxy userspace mode, ${p.syncs} syncs): the proxy accepts each service port and dials a backend, round robin`);
      for (const e of p.table) out.push(`${e.id} ${e.clusterIp ?? ''}:${e.port}/${e.protocol} -> ${e.clusterBackends.map((b) => `${b.ip}:${b.port}`).join(' ') || '(no endpoints: refused)'}`);
      out.push('');
    } else {
      out.push(`# ${p.node} (kube-proxy iptables mode${fellBack}, ${p.syncs} syncs): iptables-save -t nat`, ...renderIptables(p.table), '');
    }
  }
  return out.join('\n');
}

/** Every running pod's service environment variables, as `kubectl exec POD -- env | sort` would show them. */
function serviceEnv(sim: Simulation): string {
  const out: string[] = [];
  for (const name of sim.hostNames()) {
    const actor = sim.actorOf(name);
    if (describeActor(actor)?.component !== 'kubelet') continue;
    for (const { pod, env } of podServiceEnvironments(coreStateOf(actor!) as KubeletState)) {
      out.push(`# ${pod} (on ${name})`, ...env.map((v) => `${v.name}=${v.value}`), '');
    }
  }
  return out.join('\n');
}

/** Every host's component and the phase its machine is in (kubesim's own view; kubectl has none). */
export function componentsTable(sim: Simulation): string {
  const rows = sim.hostNames().map((name) => {
    const described = describeActor(sim.actorOf(name));
    const restarts = String(Math.max(0, sim.incarnationOf(name) - 1));
    return described ? [name, described.component, described.phase, restarts] : [name, '', 'down', restarts];
  });
  return table(['HOST', 'COMPONENT', 'STATE', 'RESTARTS'], rows);
}

/** Per traffic source: how its requests ended, latency, and which pods answered how many. */
export function trafficTable(log: TrafficLog): string {
  const sources = [...new Set(log.records.map((r) => r.source))].sort();
  if (sources.length === 0) return '(no traffic)';
  const rows: string[][] = [];
  const spread: string[] = [];
  for (const source of sources) {
    const s = summarize(log.records.filter((r) => r.source === source));
    const n = (k: string) => String(s.byResult.get(k) ?? 0);
    const dns = (s.byResult.get('nxdomain') ?? 0) + (s.byResult.get('dns-error') ?? 0) + (s.byResult.get('dns-timeout') ?? 0);
    const pct = s.requests === 0 ? '-' : `${((100 * s.ok) / s.requests).toFixed(2)}%`;
    rows.push([source, String(s.requests), n('ok'), n('refused'), n('timeout'), String(dns), pct, s.latencyMs ? `${s.latencyMs.p50}` : '-', s.latencyMs ? `${s.latencyMs.p99}` : '-', s.latencyMs ? `${s.latencyMs.max}` : '-']);
    spread.push(`${source}: ${[...s.byPod].map(([pod, c]) => `${pod} ${c} (${((100 * c) / Math.max(1, s.ok)).toFixed(1)}%)`).join(', ') || 'no pod answered'}`);
  }
  return [table(['SOURCE', 'REQUESTS', 'OK', 'REFUSED', 'TIMEOUT', 'DNS-FAILED', 'SUCCESS', 'P50-MS', 'P99-MS', 'MAX-MS'], rows), '', 'answered by:', ...spread].join('\n');
}

export function showTables(state: ClusterState, kinds: readonly Showable[], nowMs: number, sim: Simulation, traffic?: TrafficLog): string {
  const out: string[] = [];
  for (const kind of kinds) {
    if (kind === 'traffic') {
      out.push('$ kubesim traffic   # every request of every traffic source, by how it ended');
      out.push(traffic ? trafficTable(traffic) : '(no traffic)');
      out.push('');
      continue;
    }
    if (kind === 'components') {
      out.push('$ kubesim components');
      out.push(componentsTable(sim));
      out.push('');
      continue;
    }
    if (kind === 'env') {
      out.push('$ kubectl exec POD -- env   # every pod: the variables its Services gave it when it started');
      out.push(serviceEnv(sim));
      continue;
    }
    if (kind === 'proxy-rules') {
      out.push('$ kube-proxy rules   # on every node, as its mode programs them');
      out.push(proxyRules(sim));
      continue;
    }
    out.push(`$ kubectl get ${kind === 'pods' ? 'pods -A -o wide' : kind === 'nodes' ? kind : `${kind} -A`}`);
    out.push(kind === 'nodes' ? nodesTable(state, nowMs) : kind === 'pods' ? podsTable(state, nowMs) : kind === 'services' ? servicesTable(state, nowMs) : kind === 'endpoints' ? endpointsTable(state, nowMs) : eventsTable(state));
    out.push('');
  }
  return out.join('\n');
}
