/**
 * The top of a scenario file: apiVersion, kind, metadata, spec (seed, duration, maxEvents,
 * cluster, users, clients, workload), then the timeline and the expectations. Sections are read
 * in dependency order (duration, members and hosts before anything that refers to them), whatever
 * their order in the file; problems are sorted by position when reported.
 */

import { isScalar, type Node } from 'yaml';
import {
  SUPPORTED_ETCD_MEMBER_COUNTS,
  memberNames,
  type ClientSpec,
  type ClusterSpec,
  type EtcdClusterSpec,
  type ExternalServerSpec,
  type KubernetesSpec,
  type NetworkSpec,
  type ScenarioSpec,
} from '../../actors/scenario/spec.ts';
import { formatDuration, parseDuration } from './durations.ts';
import { readExpectations } from './expect.ts';
import { readControlPlane, readNodes, readUsers } from './kubernetes.ts';
import { readManifestList } from './manifests.ts';
import { SHAPES } from './schema.ts';
import { State, isDnsLabel, kubernetesOff, memberRange, nameClash } from './targets.ts';
import { readTimeline } from './timeline.ts';
import { readDns, readExternalServers, readTraffic, TRAFFIC_DEFAULTS } from './traffic.ts';
import {
  listItems,
  openMap,
  readBool,
  readDuration,
  readEnum,
  readInt,
  readList,
  MAX_REORDER_DELAY_MS,
  readProbability,
  readReorderDelay,
  readString,
  wrongType,
  type Ctx,
  type Fields,
  type Val,
} from './tree.ts';

export const API_VERSION = 'kubesim.io/v1alpha1';
export const KIND = 'Scenario';

export const DEFAULTS = {
  seed: '1',
  /** The least default maxEvents; see defaultMaxEvents. */
  maxEvents: 5_000_000,
  /** Default maxEvents per host (etcd member, control-plane instance, node, user, client) per hour of spec.duration. */
  maxEventsPerHostHour: 250_000,
  preVote: true,
  checkQuorum: true,
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  /** requestTimeout defaults to 5 s + 2 × electionTimeout, as in etcd. */
  requestTimeoutBaseMs: 5000,
  /** latency: 1ms-5ms */
  latencyMsMin: 1,
  latencyMsMax: 5,
} as const;

export const LIMITS = {
  maxDurationMs: 24 * 3_600_000,
  maxEvents: 100_000_000,
  /** heartbeat × this <= election timeout */
  minElectionTicks: 5,
  /** network.reorderDelay */
  maxReorderDelayMs: MAX_REORDER_DELAY_MS,
} as const;

/** A value, or undefined when a problem was reported. */
type R<T> = T | undefined;

export function readScenario(cx: Ctx, root: Node | null, overrides: { seed?: string }): ScenarioSpec | undefined {
  if (root === null || (isScalar(root) && root.value === null)) {
    return cx.report(undefined, 'the file has no scenario in it', undefined, `start it with apiVersion: ${API_VERSION}, kind: ${KIND}, metadata and spec (see scenarios/README.md)`);
  }
  const top = cx.deref(root);
  if (!top) return undefined;
  if (isScalar(top)) {
    // Described, never quoted: the file may be anything (a path that is not a scenario at all).
    const what = typeof top.value === 'string' ? 'plain text' : `a single ${typeof top.value}`;
    return cx.report(top, `the file is not a scenario: it holds ${what}, not a map`, `a scenario is a map with apiVersion: ${API_VERSION}, kind: ${KIND}, metadata and spec`, 'check that this is the scenario file (see scenarios/README.md)');
  }
  const v: Val = { node: top, path: '', name: '' };
  const f = openMap(cx, v, SHAPES.scenario, `a map with apiVersion: ${API_VERSION}, kind: ${KIND}, metadata and spec`);
  if (!f) return undefined;

  const apiVersionV = f.get('apiVersion');
  const apiVersion = apiVersionV && readExact(cx, apiVersionV, API_VERSION, `this kubesim reads ${API_VERSION}`);
  const kindV = f.get('kind');
  const kind = kindV && readExact(cx, kindV, KIND, 'a scenario file holds one Scenario');

  const metaV = f.get('metadata');
  const meta = metaV && openMap(cx, metaV, SHAPES.metadata, 'a map {name, description}');
  const nameV = meta?.get('name');
  const name = nameV && readObjectName(cx, nameV);
  const descriptionV = meta?.get('description');
  const description = descriptionV ? readString(cx, descriptionV) : '';

  const specV = f.get('spec');
  const spec = specV && openMap(cx, specV, SHAPES.spec, 'a map {duration, cluster, …}');
  if (!spec) return undefined;
  const st = new State();

  const durationV = spec.get('duration');
  const durationMs = durationV && readRunDuration(cx, durationV);
  st.durationMs = durationMs;

  const seedV = spec.get('seed');
  const fileSeed = seedV ? readSeed(cx, seedV) : DEFAULTS.seed;
  const seed = overrides.seed ?? fileSeed;

  const maxEventsV = spec.get('maxEvents');
  const givenMaxEvents = maxEventsV ? readInt(cx, maxEventsV, 1, LIMITS.maxEvents) : undefined;

  const clusterV = spec.get('cluster');
  const read = clusterV && readCluster(cx, st, clusterV);

  // Users and the workload belong to the Kubernetes control plane: only when it is on.
  const usersV = spec.get('users');
  const workloadV = spec.get('workload');
  let users = st.kubernetes ? readUsers(cx, st, usersV) : undefined;
  let workload = st.kubernetes && workloadV ? readManifestList(cx, workloadV) : [];
  if (!st.kubernetes && clusterV && read !== undefined) {
    if (usersV) kubernetesOff(cx, usersV);
    if (workloadV) kubernetesOff(cx, workloadV);
    if (usersV || workloadV) users = workload = undefined;
  }

  const clientsV = spec.get('clients');
  const clients = clientsV ? readClients(cx, st, clientsV) : [];

  let cluster: ClusterSpec | undefined;
  if (read) {
    cluster = { etcd: read.etcd, network: read.network };
    if (read.kubernetes && users && workload) {
      const kubernetes: KubernetesSpec = { ...read.kubernetes, users, workload };
      cluster.kubernetes = kubernetes;
    } else if (read.kubernetes !== null) {
      cluster = undefined;
    }
  }

  // Traffic sources live on nodes: read after the cluster, before expectations name them.
  const trafficV = spec.get('traffic');
  let traffic = trafficV ? (st.kubernetes ? readTraffic(cx, st, trafficV) : kubernetesOff(cx, trafficV)) : [];
  for (const t of traffic ?? []) st.trafficSources.add(t.name);
  if (cluster?.kubernetes && traffic) {
    // kubeadm's CoreDNS addon: on when traffic runs, unless the scenario says otherwise.
    const dns = read?.dns ?? (traffic.length > 0 ? { enabled: true, replicas: TRAFFIC_DEFAULTS.dnsReplicas } : undefined);
    if (dns) cluster.kubernetes.dns = dns;
    if (read?.externalServers) cluster.kubernetes.externalServers = read.externalServers;
  } else if (!traffic) traffic = undefined;

  const timelineV = spec.get('timeline');
  const timeline = timelineV ? readTimeline(cx, st, timelineV) : [];

  const expectV = spec.get('expect');
  const expectations = expectV ? readExpectations(cx, st, expectV) : [];

  // After the timeline: nodes added by add-nodes are hosts too.
  const maxEvents = maxEventsV ? givenMaxEvents : durationMs === undefined ? undefined : defaultMaxEvents(durationMs, (st.members?.length ?? 0) + st.hosts.size);

  if (
    apiVersion === undefined ||
    kind === undefined ||
    name === undefined ||
    description === undefined ||
    durationMs === undefined ||
    seed === undefined ||
    maxEvents === undefined ||
    !cluster ||
    !clients ||
    !traffic ||
    !timeline ||
    !expectations
  ) {
    return undefined;
  }
  return {
    apiVersion: API_VERSION,
    name,
    description,
    file: cx.file,
    seed,
    durationMs,
    maxEvents,
    cluster,
    clients,
    ...(traffic.length > 0 ? { traffic } : {}),
    timeline,
    expectations,
  };
}

/**
 * spec.maxEvents when the file does not give it: DEFAULTS.maxEventsPerHostHour per host and hour
 * of the run, at least DEFAULTS.maxEvents and at most LIMITS.maxEvents. An idle host costs far
 * less (an etcd member about 100,000 events an hour, a node about 6,000), so a run of the
 * scenario's full duration fits, with room for faults and work, up to the documented 24h.
 */
export function defaultMaxEvents(durationMs: number, hosts: number): number {
  const scaled = Math.ceil((hosts * DEFAULTS.maxEventsPerHostHour * durationMs) / 3_600_000);
  return Math.min(LIMITS.maxEvents, Math.max(DEFAULTS.maxEvents, scaled));
}

function readExact<T extends string>(cx: Ctx, v: Val, expected: T, why: string): R<T> {
  const value = readString(cx, v);
  if (value === undefined) return undefined;
  if (value === expected) return expected;
  return cx.report(v.node, `${v.path} is ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`, why, `write ${v.name}: ${expected}`);
}

function readObjectName(cx: Ctx, v: Val): R<string> {
  const value = readString(cx, v, { nonEmpty: true });
  if (value === undefined) return undefined;
  if (isDnsLabel(value)) return value;
  const better = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return cx.report(
    v.node,
    `${v.path} ${JSON.stringify(value)} is not a DNS-1123 label`,
    'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    better && isDnsLabel(better) ? `write ${v.name}: ${better}` : `write it like ${v.name}: my-scenario`,
  );
}

function readRunDuration(cx: Ctx, v: Val): R<number> {
  const ms = readDuration(cx, v);
  if (ms === undefined) return undefined;
  if (ms <= 0 || ms > LIMITS.maxDurationMs) {
    return cx.report(v.node, `${v.path} is ${formatDuration(ms)}, out of range`, `above 0 and at most ${formatDuration(LIMITS.maxDurationMs)}`, 'write it like duration: 60s');
  }
  return ms;
}

/** An integer or a string, kept as a string. Integers too large for a double keep their digits. */
function readSeed(cx: Ctx, v: Val): R<string> {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value === 'string') {
    if (value === '') return cx.report(v.node, `${v.path} is an empty string`, 'an integer or a non-empty string', 'write it like seed: 42');
    return value;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const text = cx.sourceText(v.node);
    return Number.isSafeInteger(value) ? String(value) : /^[+-]?\d+$/.test(text) ? text.replace(/^\+/, '') : String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return wrongType(cx, v, 'an integer or a string', 'write it like seed: 42, or quote it: seed: "abc"');
}

// ---------------------------------------------------------------------------------------------
// cluster

interface ClusterRead {
  etcd: EtcdClusterSpec;
  network: NetworkSpec;
  /** null when the Kubernetes control plane is off; undefined when it is on but something in it is bad. */
  kubernetes: Omit<KubernetesSpec, 'users' | 'workload'> | null | undefined;
  dns?: { enabled: boolean; replicas: number };
  externalServers?: ExternalServerSpec[];
}

function readCluster(cx: Ctx, st: State, v: Val): R<ClusterRead> {
  const f = openMap(cx, v, SHAPES.cluster, 'a map {etcd: {members: 3}}');
  if (!f) return undefined;
  const etcdV = f.get('etcd');
  const etcd = etcdV && readEtcd(cx, st, etcdV);
  const networkV = f.get('network');
  const network = networkV ? readNetwork(cx, networkV) : defaultNetwork();
  const controlPlane = readControlPlane(cx, st, f);
  const nodesV = f.get('nodes');
  const nodes = nodesV ? readNodes(cx, st, nodesV) : [];
  const kubernetes = controlPlane === null ? null : controlPlane && nodes ? { ...controlPlane, nodes } : undefined;
  const dnsV = f.get('dns');
  const serversV = f.get('externalServers');
  const dns = dnsV && (kubernetes === null ? kubernetesOff(cx, dnsV) : readDns(cx, dnsV));
  const externalServers = serversV && (kubernetes === null ? kubernetesOff(cx, serversV) : readExternalServers(cx, st, serversV));
  if (!etcd || !network || (dnsV && !dns) || (serversV && !externalServers)) return undefined;
  return { etcd, network, kubernetes, ...(dns ? { dns } : {}), ...(externalServers ? { externalServers } : {}) };
}

function readEtcd(cx: Ctx, st: State, v: Val): R<EtcdClusterSpec> {
  const f = openMap(cx, v, SHAPES.etcd, 'a map {members: 3}');
  if (!f) return undefined;
  const membersV = f.get('members');
  const members = membersV && readMemberCount(cx, membersV);
  st.members = members === undefined ? undefined : memberNames(members);

  const preVote = optional(f, 'preVote', DEFAULTS.preVote, (x) => readBool(cx, x));
  const checkQuorum = optional(f, 'checkQuorum', DEFAULTS.checkQuorum, (x) => readBool(cx, x));
  const heartbeatIntervalMs = optional(f, 'heartbeatInterval', DEFAULTS.heartbeatIntervalMs, (x) => readPositive(cx, x));
  let electionTimeoutMs = optional(f, 'electionTimeout', DEFAULTS.electionTimeoutMs, (x) => readPositive(cx, x));

  if (heartbeatIntervalMs !== undefined && electionTimeoutMs !== undefined) {
    const at = f.get('electionTimeout') ?? f.get('heartbeatInterval') ?? { node: v.key ?? v.node, path: v.path, name: v.name };
    const ticks = electionTimeoutMs / heartbeatIntervalMs;
    const min = LIMITS.minElectionTicks * heartbeatIntervalMs;
    if (electionTimeoutMs < min) {
      electionTimeoutMs = cx.report(
        at.node,
        `${v.path}.electionTimeout (${formatDuration(electionTimeoutMs)}) is shorter than ${LIMITS.minElectionTicks} heartbeat intervals (${formatDuration(min)})`,
        `raft needs electionTimeout >= ${LIMITS.minElectionTicks} x heartbeatInterval, and a whole multiple of it`,
        `use electionTimeout: ${formatDuration(min)} or more, or a shorter heartbeatInterval`,
      );
    } else if (!Number.isInteger(ticks)) {
      const down = Math.floor(ticks) * heartbeatIntervalMs;
      electionTimeoutMs = cx.report(
        at.node,
        `${v.path}.electionTimeout (${formatDuration(electionTimeoutMs)}) is not a whole multiple of heartbeatInterval (${formatDuration(heartbeatIntervalMs)})`,
        'raft counts the election timeout in heartbeat ticks',
        `use electionTimeout: ${formatDuration(down)} or ${formatDuration(down + heartbeatIntervalMs)}`,
      );
    }
  }
  const requestTimeoutV = f.get('requestTimeout');
  const requestTimeoutMs = requestTimeoutV
    ? readPositive(cx, requestTimeoutV)
    : electionTimeoutMs === undefined
      ? undefined
      : DEFAULTS.requestTimeoutBaseMs + 2 * electionTimeoutMs;

  if (
    members === undefined ||
    preVote === undefined ||
    checkQuorum === undefined ||
    heartbeatIntervalMs === undefined ||
    electionTimeoutMs === undefined ||
    requestTimeoutMs === undefined
  ) {
    return undefined;
  }
  return { members, preVote, checkQuorum, heartbeatIntervalMs, electionTimeoutMs, requestTimeoutMs };
}

function readMemberCount(cx: Ctx, v: Val): R<number> {
  const n = readInt(cx, v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (n === undefined) return undefined;
  if ((SUPPORTED_ETCD_MEMBER_COUNTS as readonly number[]).includes(n)) return n;
  return cx.report(
    v.node,
    `unsupported member count ${n} in ${v.path}`,
    `kubesim simulates etcd groups of ${SUPPORTED_ETCD_MEMBER_COUNTS.join(' or ')} members`,
    `use members: ${SUPPORTED_ETCD_MEMBER_COUNTS.join(' or ')}`,
  );
}

function readPositive(cx: Ctx, v: Val): R<number> {
  const ms = readDuration(cx, v);
  if (ms === 0) return cx.report(v.node, `${v.path} is 0`, 'a duration above 0', `write it like ${v.name}: ${v.example ?? '100ms'}`);
  return ms;
}

function defaultNetwork(): NetworkSpec {
  return {
    latencyMsMin: DEFAULTS.latencyMsMin,
    latencyMsMax: DEFAULTS.latencyMsMax,
    lossProbability: 0,
    duplicateProbability: 0,
    reorderProbability: 0,
  };
}

function readNetwork(cx: Ctx, v: Val): R<NetworkSpec> {
  const f = openMap(cx, v, SHAPES.network, 'a map {latency, loss, duplication, reorder, reorderDelay}');
  if (!f) return undefined;
  const base = defaultNetwork();
  const latencyV = f.get('latency');
  const latency = latencyV ? readLatency(cx, latencyV) : { min: base.latencyMsMin, max: base.latencyMsMax };
  const loss = optional(f, 'loss', 0, (x) => readProbability(cx, x));
  const duplication = optional(f, 'duplication', 0, (x) => readProbability(cx, x));
  const reorder = optional(f, 'reorder', 0, (x) => readProbability(cx, x));
  const reorderDelayV = f.get('reorderDelay');
  const reorderDelay = reorderDelayV && readReorderDelay(cx, reorderDelayV);
  if (!latency || loss === undefined || duplication === undefined || reorder === undefined || (reorderDelayV && reorderDelay === undefined)) return undefined;
  return {
    latencyMsMin: latency.min,
    latencyMsMax: latency.max,
    lossProbability: loss,
    duplicateProbability: duplication,
    reorderProbability: reorder,
    // Absent: ten times the highest latency, at least 10 ms (reorderDelayMsMaxOf).
    ...(reorderDelay !== undefined ? { reorderDelayMsMax: reorderDelay } : {}),
  };
}

const LATENCY_FORMS = 'a range like 1ms-5ms, or one duration like 2ms';

function parseLatency(text: string): { min: number; max: number } | { error: string } | undefined {
  const parts = text.split('-').map((p) => p.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) return undefined;
  const [a = '', b = a] = parts;
  const min = parseDuration(a);
  const max = parseDuration(b);
  if (!min.ok) return { error: `"${a}" is not a valid duration: ${min.reason}` };
  if (!max.ok) return { error: `"${b}" is not a valid duration: ${max.reason}` };
  return { min: min.ms, max: max.ms };
}

function readLatency(cx: Ctx, v: Val): R<{ min: number; max: number }> {
  const value = isScalar(v.node) ? v.node.value : undefined;
  if (typeof value !== 'string') {
    const fix = typeof value === 'number' ? `give a unit: latency: ${cx.sourceText(v.node)}ms` : 'write it like latency: 1ms-5ms';
    return wrongType(cx, v, LATENCY_FORMS, fix);
  }
  const parsed = parseLatency(value);
  if (parsed === undefined || 'error' in parsed) {
    const why = parsed === undefined ? 'it is not a range' : parsed.error;
    return cx.report(v.node, `invalid latency ${JSON.stringify(value)} in ${v.path}: ${why}`, `accepted: ${LATENCY_FORMS}`, 'write it like latency: 1ms-5ms');
  }
  if (parsed.min > parsed.max) {
    return cx.report(v.node, `invalid latency ${JSON.stringify(value)} in ${v.path}: the minimum is above the maximum`, 'min <= max', `write latency: ${formatDuration(parsed.max)}-${formatDuration(parsed.min)}`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// clients

const CLIENT_KINDS = ['etcd'] as const;

function readClients(cx: Ctx, st: State, v: Val): R<ClientSpec[]> {
  const items = listItems(cx, v, 'a list of clients, each a map {name, kind}');
  if (!items) return undefined;
  const out: ClientSpec[] = [];
  let bad = false;
  for (const item of items) {
    const c = readClient(cx, st, item);
    if (c) out.push(c);
    else bad = true;
  }
  return bad ? undefined : out;
}

function readClient(cx: Ctx, st: State, v: Val): R<ClientSpec> {
  const f = openMap(cx, v, SHAPES.client, 'a map {name, kind}');
  if (!f) return undefined;
  const nameV = f.get('name');
  const kindV = f.get('kind');
  const endpointsV = f.get('endpoints');
  const kind = kindV && readEnum(cx, kindV, CLIENT_KINDS);
  let name = nameV && readString(cx, nameV, { nonEmpty: true });
  if (nameV && name !== undefined) {
    const clash = nameClash(st, name, 'client');
    const previous = st.clients.get(name);
    if (clash) {
      name = cx.report(nameV.node, `"${name}" in ${nameV.path} cannot name a client: ${clash.what}`, clash.expected, clash.fix);
    } else if (previous) {
      name = cx.report(nameV.node, `duplicate client name "${name}" in ${nameV.path}`, `already declared at line ${previous.line}`, 'give each client its own name');
    } else {
      const line = cx.position(nameV.node).line;
      st.clients.set(name, { kind, line });
      st.hosts.set(name, { what: 'client', line });
    }
  }
  const endpoints = endpointsV ? readEndpoints(cx, st, endpointsV) : st.members ? [...st.members] : undefined;
  if (name === undefined || kind === undefined || endpoints === undefined) return undefined;
  return { name, kind, endpoints, source: cx.source(v.node) };
}

function readEndpoints(cx: Ctx, st: State, v: Val): R<string[]> {
  const seen = new Set<string>();
  const list = readList(
    cx,
    v,
    (item) => {
      const name = readString(cx, item);
      if (name === undefined) return undefined;
      if (!/^etcd-\d+$/.test(name)) {
        return cx.report(
          item.node,
          `"${name}" in ${item.path} is not a member name`,
          'endpoints are member names like etcd-0: roles and groups are not known when the client starts',
          'list member names',
        );
      }
      if (st.members && !st.members.includes(name)) {
        return cx.report(item.node, `unknown member "${name}" in ${item.path}`, `members are ${memberRange(st.members)}`, 'use one of those names');
      }
      if (seen.has(name)) return cx.report(item.node, `member "${name}" is listed twice in ${v.path}`, undefined, 'list it once');
      seen.add(name);
      return name;
    },
    'a list of member names, like [etcd-0, etcd-1]',
  );
  if (list && list.length === 0) {
    return cx.report(v.node, `${v.path} is an empty list`, 'at least one member', 'list members, or remove endpoints to use every member');
  }
  return list;
}

// ---------------------------------------------------------------------------------------------

/** The value of an optional field, or its default when absent. */
function optional<T>(f: Fields, key: string, fallback: T, read: (v: Val) => T | undefined): T | undefined {
  const v = f.get(key);
  return v ? read(v) : fallback;
}
