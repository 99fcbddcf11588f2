/**
 * spec.traffic (simulated request sources), spec.cluster.dns, spec.cluster.externalServers and a
 * node entry's kubeProxy: the data-plane part of a scenario.
 */
import type { CountMatch, ExternalServerSpec, KubeProxySpec, TrafficCondition, TrafficSpec } from '../../actors/scenario/spec.ts';
import { SHAPES } from './schema.ts';
import { nameClash, readNodeRef, type State } from './targets.ts';
import { checkWithinRun } from './timeline.ts';
import { listItems, openMap, readBool, readDuration, readEnum, readInt, readProbability, readString, wrongType, type Ctx, type Val } from './tree.ts';

const PROXY_MODES = ['iptables', 'ipvs', 'userspace'] as const;
const IPVS_SCHEDULERS = ['rr', 'lc', 'dh', 'sh', 'sed', 'nq'] as const;
const ARRIVALS = ['constant', 'poisson'] as const;
const PROTOCOLS = ['TCP', 'UDP'] as const;
export const TRAFFIC_LIMITS = { clients: 254, ratePerSecond: 2000, sources: 50, servers: 50, dnsReplicas: 10 } as const;
export const TRAFFIC_DEFAULTS = { timeoutMs: 2000, holdMs: 0, clients: 1, arrival: 'constant', protocol: 'TCP', namespace: 'default', dnsReplicas: 2 } as const;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/i;

export function readKubeProxy(cx: Ctx, v: Val): KubeProxySpec | undefined {
  const f = openMap(cx, v, SHAPES.kubeProxy, 'a map {mode: ipvs, ipvsScheduler: rr}');
  if (!f) return undefined;
  const modeV = f.get('mode');
  const schedulerV = f.get('ipvsScheduler');
  const unavailableV = f.get('ipvsUnavailable');
  const mode = modeV ? readEnum(cx, modeV, PROXY_MODES) : 'iptables';
  const ipvsScheduler = schedulerV ? readEnum(cx, schedulerV, IPVS_SCHEDULERS) : 'rr';
  const ipvsUnavailable = unavailableV ? readBool(cx, unavailableV) : false;
  if (mode === undefined || ipvsScheduler === undefined || ipvsUnavailable === undefined) return undefined;
  return { mode, ipvsScheduler, ipvsUnavailable };
}

export function readDns(cx: Ctx, v: Val): { enabled: boolean; replicas: number } | undefined {
  const f = openMap(cx, v, SHAPES.dns, 'a map {enabled: true, replicas: 2}');
  if (!f) return undefined;
  const enabledV = f.get('enabled');
  const replicasV = f.get('replicas');
  const enabled = enabledV ? readBool(cx, enabledV) : true;
  const replicas = replicasV ? readInt(cx, replicasV, 1, TRAFFIC_LIMITS.dnsReplicas) : TRAFFIC_DEFAULTS.dnsReplicas;
  if (enabled === undefined || replicas === undefined) return undefined;
  return { enabled, replicas };
}

export function readExternalServers(cx: Ctx, st: State, v: Val): ExternalServerSpec[] | undefined {
  const items = listItems(cx, v, 'a list of servers, each a map {name, ip}');
  if (!items) return undefined;
  if (items.length > TRAFFIC_LIMITS.servers) return cx.report(v.node, `${v.path} has ${items.length} servers`, `at most ${TRAFFIC_LIMITS.servers}`, 'declare fewer');
  const out: ExternalServerSpec[] = [];
  const ips = new Map<string, number>();
  let bad = false;
  for (const item of items) {
    const f = openMap(cx, item, SHAPES.externalServer, 'a map {name: billing-db, ip: 192.0.2.10}');
    if (!f) {
      bad = true;
      continue;
    }
    const nameV = f.get('name');
    const ipV = f.get('ip');
    const dnsNameV = f.get('dnsName');
    let name = nameV && readString(cx, nameV, { nonEmpty: true });
    if (nameV && name !== undefined) {
      const clash = nameClash(st, name, 'client');
      if (clash || st.hosts.has(name)) name = cx.report(nameV.node, `"${name}" in ${nameV.path} cannot name a server: ${clash?.what ?? 'another host has it'}`, clash?.expected ?? 'host names are unique', clash?.fix ?? 'choose another name');
      else st.hosts.set(name, { what: 'client', line: cx.position(nameV.node).line });
    }
    let ip = ipV && readString(cx, ipV);
    if (ipV && ip !== undefined) {
      if (!IPV4.test(ip)) ip = cx.report(ipV.node, `${ipV.path} is "${ip}", not an IPv4 address`, 'an address like 192.0.2.10', 'write a dotted IPv4 address outside 10.0.0.0/8 and 172.18.0.0/16');
      else if (/^(10\.|172\.18\.|100\.64\.|198\.51\.100\.|203\.0\.113\.)/.test(ip)) {
        ip = cx.report(ipV.node, `${ipV.path} is ${ip}, inside an address space the cluster uses`, 'pods 10.244.0.0/16, services 10.96.0.0/12, nodes 172.18.0.0/16, load balancers 198.51.100.0/24, clients 100.64.0.0/16 and 203.0.113.0/24', 'use another, like 192.0.2.10');
      } else if (ips.has(ip)) ip = cx.report(ipV.node, `${ipV.path}: ${ip} is already the address of the server at line ${ips.get(ip)}`, 'one server per address', 'give each its own');
      else ips.set(ip, cx.position(ipV.node).line);
    }
    let dnsName = dnsNameV && readString(cx, dnsNameV, { nonEmpty: true });
    if (dnsNameV && dnsName !== undefined && (!DNS_NAME.test(dnsName) || dnsName.toLowerCase().endsWith('cluster.local'))) {
      dnsName = cx.report(dnsNameV.node, `${dnsNameV.path} is "${dnsName}", not a DNS name outside the cluster domain`, 'a name like db.example.com', 'write a fully qualified name outside cluster.local');
    }
    if (name === undefined || ip === undefined || (dnsNameV && dnsName === undefined)) {
      bad = true;
      continue;
    }
    out.push({ name, ip, ...(dnsName ? { dnsName } : {}), source: cx.source(item.node) });
  }
  return bad ? undefined : out;
}

export function readTraffic(cx: Ctx, st: State, v: Val): TrafficSpec[] | undefined {
  const items = listItems(cx, v, 'a list of traffic sources, each a map {name, from, to, rate}');
  if (!items) return undefined;
  if (items.length > TRAFFIC_LIMITS.sources) return cx.report(v.node, `${v.path} has ${items.length} traffic sources`, `at most ${TRAFFIC_LIMITS.sources}`, 'merge some (raise clients:)');
  const out: TrafficSpec[] = [];
  const names = new Map<string, number>();
  let bad = false;
  for (const item of items) {
    const t = readSource(cx, st, item, names);
    if (t) out.push(t);
    else bad = true;
  }
  return bad ? undefined : out;
}

function readSource(cx: Ctx, st: State, v: Val, names: Map<string, number>): TrafficSpec | undefined {
  const f = openMap(cx, v, SHAPES.trafficSource, 'a map {name, from, to, rate}');
  if (!f) return undefined;
  const nameV = f.get('name')!;
  let name = nameV && readString(cx, nameV, { nonEmpty: true });
  if (name !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name)) name = cx.report(nameV.node, `${nameV.path} is "${name}"`, 'a DNS-1123 label of at most 42 characters', 'write lowercase letters, digits and "-"');
    else if (names.has(name)) name = cx.report(nameV.node, `duplicate traffic source "${name}" in ${nameV.path}`, `already declared at line ${names.get(name)}`, 'give each source its own name');
    else names.set(name, cx.position(nameV.node).line);
  }
  const fromV = f.get('from')!;
  const from = fromV && readFrom(cx, st, fromV);
  const toV = f.get('to')!;
  const to = toV && readTo(cx, toV);
  const rateV = f.get('rate')!;
  const ratePerSecond = rateV && readRate(cx, rateV);
  const clientsV = f.get('clients');
  const clients = clientsV ? readInt(cx, clientsV, 1, TRAFFIC_LIMITS.clients) : TRAFFIC_DEFAULTS.clients;
  const arrivalV = f.get('arrival');
  const arrival = arrivalV ? readEnum(cx, arrivalV, ARRIVALS) : TRAFFIC_DEFAULTS.arrival;
  const protocolV = f.get('protocol');
  const protocol = protocolV ? readEnum(cx, protocolV, PROTOCOLS) : TRAFFIC_DEFAULTS.protocol;
  const namespaceV = f.get('namespace');
  const namespace = namespaceV ? readString(cx, namespaceV, { nonEmpty: true }) : TRAFFIC_DEFAULTS.namespace;
  const startV = f.get('start');
  const stopV = f.get('stop');
  let startMs = startV ? readDuration(cx, startV) : 0;
  let stopMs = stopV ? readDuration(cx, stopV) : st.durationMs;
  if (startV && startMs !== undefined) startMs = checkWithinRun(cx, st, startV, startMs, startMs);
  if (stopV && stopMs !== undefined) stopMs = checkWithinRun(cx, st, stopV, stopMs, stopMs);
  if (stopV && startMs !== undefined && stopMs !== undefined && stopMs <= startMs) stopMs = cx.report(stopV.node, `${stopV.path} is not after start`, 'traffic runs from start to stop', 'make stop later than start');
  const timeoutV = f.get('timeout');
  const timeoutMs = timeoutV ? readDuration(cx, timeoutV) : TRAFFIC_DEFAULTS.timeoutMs;
  if (timeoutV && timeoutMs === 0) return cx.report(timeoutV.node, `${timeoutV.path} is 0`, 'a client waits some time for an answer', 'write a positive duration, like 1s');
  const holdV = f.get('hold');
  const holdMs = holdV ? readDuration(cx, holdV) : TRAFFIC_DEFAULTS.holdMs;
  if (from && to && 'external' in from && !IPV4.test(to.host) && !st.hosts.has(to.host)) {
    return cx.report(toV.node, `${toV.path}: "${to.host}" cannot be reached from outside the cluster by name`, 'an external client reaches a node (by its name, at a NodePort) or an address (a load balancer, an external IP)', 'write worker-0:30080, or a load balancer address');
  }
  if (name === undefined || !from || !to || ratePerSecond === undefined || clients === undefined || arrival === undefined || protocol === undefined || namespace === undefined) return undefined;
  if (startMs === undefined || stopMs === undefined || timeoutMs === undefined || holdMs === undefined) return undefined;
  return { name, from, clients, to, protocol, namespace, ratePerSecond, arrival, startMs, stopMs, timeoutMs, holdMs, source: cx.source(v.node) };
}

function readFrom(cx: Ctx, st: State, v: Val): TrafficSpec['from'] | undefined {
  const text = readPlain(v);
  if (text === 'external') return { external: true };
  const f = openMap(cx, v, SHAPES.trafficFrom, 'external, or a map {node: worker-0}');
  if (!f) return undefined;
  const nodeV = f.get('node')!;
  const node = nodeV && readNodeRef(cx, st, nodeV);
  return node === undefined ? undefined : { node };
}

function readPlain(v: Val): unknown {
  const n = v.node as { value?: unknown } | null;
  return n && typeof n === 'object' && 'value' in n ? n.value : undefined;
}

function readTo(cx: Ctx, v: Val): TrafficSpec['to'] | undefined {
  const text = readString(cx, v, { nonEmpty: true });
  if (text === undefined) return undefined;
  const m = /^([^:\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535 || (!IPV4.test(m[1]!) && !DNS_NAME.test(m[1]!))) {
    return cx.report(v.node, `${v.path} is "${text}"`, 'host:port — a Service name (web:80, web.shop:80, web.shop.svc.cluster.local:80), an address (10.96.0.10:53), or a node name from outside (worker-0:30080)', 'write it like web:80');
  }
  return { host: m[1]!, port };
}

function readRate(cx: Ctx, v: Val): number | undefined {
  const raw = readPlain(v);
  const m = typeof raw === 'number' ? [String(raw), String(raw), 's'] : typeof raw === 'string' ? /^(\d+(?:\.\d+)?)\/(s|min)$/.exec(raw) : null;
  const per = m ? Number(m[1]) / (m[2] === 'min' ? 60 : 1) : NaN;
  if (!m || !(per > 0) || per > TRAFFIC_LIMITS.ratePerSecond) {
    return typeof raw === 'string' || typeof raw === 'number'
      ? cx.report(v.node, `${v.path} is ${JSON.stringify(raw)}`, `requests per second or minute, above 0 and at most ${TRAFFIC_LIMITS.ratePerSecond}/s`, 'write it like 20/s or 90/min')
      : wrongType(cx, v, 'a rate like 20/s', 'write rate: 20/s');
  }
  return per;
}

const LATENCY_KEYS = ['p50', 'p90', 'p99', 'max'] as const;
const RESULT_KEYS = ['ok', 'refused', 'timeout', 'nxdomain', 'dns-error', 'dns-timeout', 'dropped'] as const;

/** that.traffic: what a source's requests met (actors/scenario/traffic-conditions.ts checks it). */
export function readTrafficCondition(cx: Ctx, st: State, v: Val, sources: ReadonlySet<string>, readCount: (cx: Ctx, v: Val) => CountMatch | undefined): TrafficCondition | undefined {
  const f = openMap(cx, v, SHAPES.trafficCondition, 'a map like {source: shoppers, successRate: {atLeast: 0.99}}');
  if (!f) return undefined;
  const out: TrafficCondition = {};
  let bad = false;
  const sourceV = f.get('source');
  if (sourceV) {
    const s = readString(cx, sourceV, { nonEmpty: true });
    if (s !== undefined && !sources.has(s)) {
      bad = true;
      cx.report(sourceV.node, `${sourceV.path}: no traffic source "${s}"`, sources.size ? `spec.traffic declares ${[...sources].join(', ')}` : 'spec.traffic declares none', 'name one of spec.traffic');
    } else if (s === undefined) bad = true;
    else out.source = s;
  }
  const windowV = f.get('window');
  if (windowV) {
    const w = openMap(cx, windowV, SHAPES.trafficWindow, 'a map {from: 10s, to: 60s}');
    const fromV = w?.get('from');
    const toV = w?.get('to');
    const fromMs = fromV ? readDuration(cx, fromV) : undefined;
    const toMs = toV ? readDuration(cx, toV) : undefined;
    if (!w || fromMs === undefined || (toV && toMs === undefined)) bad = true;
    else if (toMs !== undefined && toMs <= fromMs) bad = cx.report(toV!.node, `${toV!.path} is not after from`, 'a window [from, to)', 'make to later than from') === undefined;
    else out.window = { fromMs, ...(toMs !== undefined ? { toMs } : {}) };
    if (toMs !== undefined && toV && checkWithinRun(cx, st, toV, toMs, toMs) === undefined) bad = true;
  }
  for (const key of ['requests', 'ok', 'failed', 'backends'] as const) {
    const x = f.get(key);
    if (!x) continue;
    const c = readCount(cx, x);
    if (c === undefined) bad = true;
    else out[key] = c;
  }
  const rateV = f.get('successRate');
  if (rateV) {
    const r = openMap(cx, rateV, SHAPES.countBound, 'a map {atLeast: 0.99}');
    const lo = r?.get('atLeast');
    const hi = r?.get('atMost');
    const atLeast = lo ? readProbability(cx, lo) : undefined;
    const atMost = hi ? readProbability(cx, hi) : undefined;
    if (!r || (lo && atLeast === undefined) || (hi && atMost === undefined) || (!lo && !hi)) bad = true;
    else out.successRate = { ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) };
  }
  const spreadV = f.get('evenlySpread');
  if (spreadV) {
    const s = openMap(cx, spreadV, SHAPES.evenlySpread, 'a map {tolerance: 0.1}');
    const tV = s?.get('tolerance');
    const tolerance = tV ? readProbability(cx, tV) : undefined;
    if (tolerance === undefined) bad = true;
    else out.evenlySpread = { tolerance };
  }
  for (const key of ['sticky', 'sourcePreserved'] as const) {
    const x = f.get(key);
    if (!x) continue;
    const b = readBool(cx, x);
    if (b === undefined) bad = true;
    else out[key] = b;
  }
  const servedV = f.get('servedBy');
  if (servedV) {
    const s = openMap(cx, servedV, SHAPES.servedBy, 'a map {prefix: web-v2, count: {atLeast: 1}}');
    const pV = s?.get('prefix');
    const cV = s?.get('count');
    const prefix = pV ? readString(cx, pV, { nonEmpty: true }) : undefined;
    const count = cV ? readCount(cx, cV) : undefined;
    if (prefix === undefined || count === undefined) bad = true;
    else out.servedBy = { prefix, count };
  }
  const latencyV = f.get('latencyMsAtMost');
  if (latencyV) {
    const l = openMap(cx, latencyV, SHAPES.latencyBounds, 'a map {p99: 50}');
    if (!l) bad = true;
    else {
      const bounds: Partial<Record<(typeof LATENCY_KEYS)[number], number>> = {};
      for (const k of LATENCY_KEYS) {
        const x = l.get(k);
        if (!x) continue;
        const n = readInt(cx, x, 0, 86_400_000);
        if (n === undefined) bad = true;
        else bounds[k] = n;
      }
      out.latencyMsAtMost = bounds;
    }
  }
  const resultsV = f.get('results');
  if (resultsV) {
    const r = openMap(cx, resultsV, SHAPES.trafficResults, `a map of results to counts: ${RESULT_KEYS.join(', ')}`);
    if (!r) bad = true;
    else {
      const results: Record<string, CountMatch> = {};
      for (const k of RESULT_KEYS) {
        const x = r.get(k);
        if (!x) continue;
        const c = readCount(cx, x);
        if (c === undefined) bad = true;
        else results[k] = c;
      }
      out.results = results;
    }
  }
  return bad ? undefined : out;
}
