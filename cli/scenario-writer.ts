import { Document, visit } from 'yaml';
import type {
  EtcdCondition,
  EventCondition,
  Expectation,
  KubernetesSpec,
  TrafficSpec,
  NodeSpec,
  ObjectRef,
  OpCondition,
  PodsCondition,
  ScenarioSpec,
  TargetRef,
  TimelineAction,
  TimelineStep,
  UserSpec,
} from '../actors/scenario/spec.ts';
import { API_VERSION, formatDuration } from './loader/index.ts';
import { kindInfo } from './loader/kinds.ts';
import { resolvePlain } from './loader/manifests.ts';
import { formatBytes, formatCpu } from './loader/quantity.ts';

/**
 * Writes a ScenarioSpec back as a scenario file, so a generated run — a fuzzer's shrunk
 * counterexample — becomes a file anyone can replay with `kubesim run`. Loading the output gives
 * the same spec back (sources aside); a test holds it to that.
 *
 * Manifests are written inline (the spec no longer knows which file they came from). Strings that
 * kubectl's YAML 1.1 reading would take for something else (`on`, `y`, `0644`) are quoted.
 */

type Yaml = Record<string, unknown>;

const d = formatDuration;
const targets = (refs: readonly TargetRef[]): TargetRef | TargetRef[] => (refs.length === 1 ? refs[0]! : [...refs]);
const percent = (p: number): string => `${Number((p * 100).toFixed(6))}%`;
const ADMIN = 'admin';

const objectText = (ref: ObjectRef): string => `${ref.kind}/${ref.name}`;

/** `object: kind/name`, and `namespace:` when it is not the default. */
function objectFields(ref: ObjectRef): Yaml {
  const namespaced = kindInfo(ref.kind)?.namespaced ?? ref.namespace !== undefined;
  return { object: objectText(ref), ...(namespaced && ref.namespace !== undefined && ref.namespace !== 'default' ? { namespace: ref.namespace } : {}) };
}

/** `user:` unless it is the default (admin), and `id:` when there is one. */
function kubectlExtras(a: { user: string; id?: string }): Yaml {
  return { ...(a.user !== ADMIN ? { user: a.user } : {}), ...(a.id !== undefined ? { id: a.id } : {}) };
}

// ---------------------------------------------------------------------------------------------
// nodes

type NodeSettings = Omit<NodeSpec, 'name' | 'source'>;

function settingsOf(n: NodeSpec): NodeSettings {
  return { capacity: n.capacity, labels: n.labels, taints: n.taints, imagePullBytesPerSecond: n.imagePullBytesPerSecond, ...(n.kubeProxy ? { kubeProxy: n.kubeProxy } : {}) };
}

function sameSettings(a: NodeSpec, b: NodeSpec): boolean {
  return JSON.stringify(settingsOf(a)) === JSON.stringify(settingsOf(b));
}

function nodeSettingsYaml(n: NodeSettings): Yaml {
  return {
    capacity: { cpu: formatCpu(n.capacity.cpuMilli), memory: formatBytes(n.capacity.memoryBytes), pods: n.capacity.pods },
    ...(Object.keys(n.labels).length > 0 ? { labels: { ...n.labels } } : {}),
    ...(n.taints.length > 0 ? { taints: n.taints.map((t) => ({ ...t })) } : {}),
    imagePullBandwidth: formatBytes(n.imagePullBytesPerSecond),
    ...(n.kubeProxy ? { kubeProxy: { ...n.kubeProxy } } : {}),
  };
}

/** `worker-3` → {base: worker, index: 3}. */
function numbered(name: string): { base: string; index: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(name);
  return m && String(Number(m[2])) === m[2] ? { base: m[1]!, index: Number(m[2]) } : undefined;
}

/**
 * Node entries for a list of nodes, as the loader would read them back: a run of nodes base-k,
 * base-(k+1)… with the same settings is one entry with `count` when k is where the group `base`
 * continues (0 for a new one); any other node is an entry of its own name. `groups` tracks where
 * each counted group continues, as the loader does.
 */
function nodeEntries(nodes: readonly NodeSpec[], groups: Map<string, number>, initial: boolean): Yaml[] {
  const out: Yaml[] = [];
  let i = 0;
  while (i < nodes.length) {
    const first = nodes[i]!;
    const num = numbered(first.name);
    let j = i + 1;
    // spec.cluster.nodes may not name a group twice: there a counted entry starts a new group at 0;
    // add-nodes continues a group's numbering.
    const startsGroup = num && (initial ? num.index === 0 && !groups.has(num.base) : (groups.get(num.base) ?? 0) === num.index);
    if (num && startsGroup) {
      while (j < nodes.length && nodes[j]!.name === `${num.base}-${num.index + (j - i)}` && sameSettings(first, nodes[j]!)) j++;
      out.push({ name: num.base, count: j - i, ...nodeSettingsYaml(first) });
      groups.set(num.base, num.index + (j - i));
    } else {
      out.push({ name: first.name, ...nodeSettingsYaml(first) });
    }
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// timeline

function action(a: TimelineAction, groups: Map<string, number>): Yaml {
  switch (a.verb) {
    case 'partition':
      return { partition: a.groups.map((g) => targets(g)) };
    case 'cut':
      return { cut: { from: targets(a.from), to: targets(a.to) } };
    case 'isolate':
    case 'crash':
    case 'restart':
      return { [a.verb]: targets(a.targets) };
    case 'heal':
      return { heal: a.targets === 'all' ? 'all' : targets(a.targets) };
    case 'netem': {
      const scope = a.scope.kind === 'on' ? { on: targets(a.scope.targets) } : a.scope.kind === 'between' ? { between: a.scope.groups.map((g) => targets(g)) } : {};
      return {
        netem: {
          ...scope,
          loss: percent(a.lossProbability),
          duplication: percent(a.duplicateProbability),
          reorder: percent(a.reorderProbability),
          ...(a.reorderDelayMsMax !== undefined ? { reorderDelay: d(a.reorderDelayMsMax) } : {}),
          ...(a.durationMs !== undefined ? { for: d(a.durationMs) } : {}),
        },
      };
    }
    case 'put':
    case 'get':
    case 'delete': {
      const { verb, via, ...fields } = a;
      return { [verb]: { ...fields, ...(via ? { via: targets(via) } : {}) } };
    }
    case 'dig':
      return { dig: { node: a.node, name: a.name, type: a.qtype, id: a.id } };
    case 'apply':
      return { apply: { manifests: a.manifests.map((m) => m.object), ...kubectlExtras(a) } };
    case 'kubectl-delete': {
      const fields: Yaml = {
        ...objectFields(a.object),
        ...(a.gracePeriodSeconds !== undefined ? { gracePeriod: d(a.gracePeriodSeconds * 1000) } : {}),
        ...(a.cascade ? { cascade: a.cascade } : {}),
        ...kubectlExtras(a),
      };
      return { delete: Object.keys(fields).length === 1 ? fields.object : fields };
    }
    case 'scale':
      return { scale: { ...objectFields(a.object), replicas: a.replicas, ...kubectlExtras(a) } };
    case 'patch':
      return { patch: { ...objectFields(a.object), patch: a.patch, ...(a.subresource ? { subresource: a.subresource } : {}), ...kubectlExtras(a) } };
    case 'rollout': {
      const { object, ...ns } = objectFields(a.object) as { object: string; namespace?: string };
      return { rollout: { [a.action]: object, ...(a.toRevision !== undefined ? { toRevision: a.toRevision } : {}), ...ns, ...kubectlExtras(a) } };
    }
    case 'set-image':
      return { 'set-image': { ...objectFields(a.object), container: a.container, image: a.image, ...kubectlExtras(a) } };
    case 'cordon':
    case 'uncordon': {
      const extras = kubectlExtras(a);
      return { [a.verb]: Object.keys(extras).length === 0 ? a.node : { node: a.node, ...extras } };
    }
    case 'drain':
      return {
        drain: {
          node: a.node,
          ...(a.ignoreDaemonsets ? { ignoreDaemonsets: true } : {}),
          ...(a.deleteEmptydirData ? { deleteEmptydirData: true } : {}),
          ...(a.force ? { force: true } : {}),
          timeout: d(a.timeoutSeconds * 1000),
          ...(a.gracePeriodSeconds !== undefined ? { gracePeriod: d(a.gracePeriodSeconds * 1000) } : {}),
          ...kubectlExtras(a),
        },
      };
    case 'add-nodes': {
      const entries = nodeEntries(a.nodes, groups, false);
      if (entries.length !== 1) {
        throw new Error(`scenario writer: add-nodes of ${a.nodes.map((n) => n.name).join(', ')} is not one node entry (a name, or name-k.. with the same settings)`);
      }
      return { 'add-nodes': entries[0] };
    }
  }
}

/** The timeline in file order; add-nodes numbering is followed in run order, as the loader does. */
function timeline(steps: readonly TimelineStep[], groups: Map<string, number>): Yaml[] {
  const written = new Map<number, Yaml>();
  steps
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => s.action.verb === 'add-nodes')
    .sort((a, b) => a.s.atMs - b.s.atMs || a.index - b.index)
    .forEach(({ s, index }) => written.set(index, action(s.action, groups)));
  return steps.map((s, index) => ({
    at: d(s.atMs),
    ...(written.get(index) ?? action(s.action, groups)),
    ...(s.as.length === 0 ? {} : { as: s.action.verb === 'partition' ? s.as : s.as[0] }),
  }));
}

// ---------------------------------------------------------------------------------------------
// expectations

function etcdCondition(c: EtcdCondition): Yaml {
  const out: Yaml = {};
  if (c.group) out.group = targets(c.group);
  if (c.leader) out.leader = c.leader.kind === 'oneOf' ? targets(c.leader.targets) : c.leader.kind;
  if (c.role) out.role = c.role;
  if (c.term) out.term = c.term;
  if (c.termAboveAtMs !== undefined) out.termAbove = d(c.termAboveAtMs);
  if (c.leaderUnchangedSinceMs !== undefined) out.leaderUnchangedSince = d(c.leaderUnchangedSinceMs);
  if (c.leaderChangedSinceMs !== undefined) out.leaderChangedSince = d(c.leaderChangedSinceMs);
  if (c.logsIdentical) out.logsIdentical = true;
  if (c.value) out.value = c.value;
  return out;
}

function podsCondition(c: PodsCondition): Yaml {
  const { namespace, ...rest } = c;
  return { ...(namespace !== undefined && namespace !== 'default' ? { namespace } : {}), ...rest };
}

function eventCondition(c: EventCondition): Yaml {
  const namespace = c.namespace ?? (c.object?.namespace !== undefined && c.object.namespace !== 'default' ? c.object.namespace : undefined);
  return {
    reason: c.reason,
    ...(c.messageContains !== undefined ? { messageContains: c.messageContains } : {}),
    ...(c.object ? { object: objectText(c.object) } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

function expectation(e: Expectation): Yaml {
  const w = e.when;
  const when =
    w.mode === 'end'
      ? { at: 'end' }
      : w.mode === 'at'
      ? { at: d(w.atMs) }
      : w.mode === 'within'
        ? { within: { after: d(w.afterMs), limit: d(w.limitMs) } }
        : { always: { from: d(w.fromMs), to: d(w.toMs) } };
  const that: Yaml = {};
  if (e.etcd) that.etcd = etcdCondition(e.etcd);
  if (e.op) that.op = { ...(e.op as OpCondition) };
  if (e.pods) that.pods = podsCondition(e.pods);
  if (e.node) that.node = { ...e.node };
  if (e.object) {
    const { object, ...rest } = e.object;
    that.object = { ...objectFields(object), ...rest };
  }
  if (e.request) that.request = { ...e.request };
  if (e.event) that.event = eventCondition(e.event);
  if (e.workload) that.workload = { ...objectFields(e.workload.object), ...e.workload.counts, ...(e.workload.condition ? { condition: { ...e.workload.condition } } : {}) };
  if (e.rollout) that.rollout = objectFields(e.rollout.object);
  if (e.endpoints) that.endpoints = { service: e.endpoints.service, ...(e.endpoints.namespace !== undefined ? { namespace: e.endpoints.namespace } : {}) };
  if (e.running) that.running = { ...objectFields(e.running.object), ...(e.running.count !== undefined ? { count: e.running.count } : {}), ...(e.running.maxAtOnce !== undefined ? { maxAtOnce: e.running.maxAtOnce } : {}) };
  if (e.traffic) {
    const { window, ...rest } = e.traffic;
    that.traffic = { ...rest, ...(window ? { window: { from: d(window.fromMs), ...(window.toMs !== undefined ? { to: d(window.toMs) } : {}) } } : {}) };
  }
  if (e.env) that.env = { ...e.env };
  if (e.dns) that.dns = { ...e.dns };
  if (e.property) that.property = e.property.name;
  return { name: e.name, ...when, that };
}

// ---------------------------------------------------------------------------------------------

function user(u: UserSpec): Yaml {
  return { name: u.name, ...(u.groups.length > 0 ? { groups: [...u.groups] } : {}), ...(u.token !== `${u.name}-token` ? { token: u.token } : {}), ...(u.identity ? { identity: u.identity } : {}) };
}

function kubernetesCluster(k: KubernetesSpec, groups: Map<string, number>): Yaml {
  return {
    controlPlane: { apiservers: k.apiservers, schedulers: k.schedulers, controllerManagers: k.controllerManagers, ...(k.schedulerConfiguration ? { schedulerConfiguration: k.schedulerConfiguration } : {}) },
    ...(k.nodes.length > 0 ? { nodes: nodeEntries(k.nodes, groups, true) } : {}),
    ...(k.dns ? { dns: { ...k.dns } } : {}),
    ...(k.externalServers ? { externalServers: k.externalServers.map((e) => ({ name: e.name, ip: e.ip, ...(e.dnsName ? { dnsName: e.dnsName } : {}) })) } : {}),
  };
}

function trafficSource(t: TrafficSpec): Yaml {
  return {
    name: t.name,
    from: 'external' in t.from ? 'external' : { node: t.from.node },
    clients: t.clients,
    to: `${t.to.host}:${t.to.port}`,
    rate: `${t.ratePerSecond}/s`,
    arrival: t.arrival,
    protocol: t.protocol,
    namespace: t.namespace,
    start: d(t.startMs),
    stop: d(t.stopMs),
    timeout: d(t.timeoutMs),
    hold: d(t.holdMs),
  };
}

export function toScenarioYaml(spec: ScenarioSpec, comment?: string): string {
  const etcd = spec.cluster.etcd;
  const net = spec.cluster.network;
  const k8s = spec.cluster.kubernetes;
  const groups = new Map<string, number>();
  const users = k8s ? k8s.users.filter((u) => u.name !== ADMIN) : [];
  const doc: Yaml = {
    apiVersion: API_VERSION,
    kind: 'Scenario',
    metadata: { name: spec.name, ...(spec.description ? { description: spec.description } : {}) },
    spec: {
      seed: /^\d+$/.test(spec.seed) ? Number(spec.seed) : spec.seed,
      duration: d(spec.durationMs),
      maxEvents: spec.maxEvents,
      cluster: {
        etcd: {
          members: etcd.members,
          preVote: etcd.preVote,
          checkQuorum: etcd.checkQuorum,
          heartbeatInterval: d(etcd.heartbeatIntervalMs),
          electionTimeout: d(etcd.electionTimeoutMs),
          requestTimeout: d(etcd.requestTimeoutMs),
        },
        network: {
          latency: `${net.latencyMsMin}ms-${net.latencyMsMax}ms`,
          loss: percent(net.lossProbability),
          duplication: percent(net.duplicateProbability),
          reorder: percent(net.reorderProbability),
          ...(net.reorderDelayMsMax !== undefined ? { reorderDelay: d(net.reorderDelayMsMax) } : {}),
        },
        ...(k8s ? kubernetesCluster(k8s, groups) : {}),
      },
      ...(users.length > 0 ? { users: users.map(user) } : {}),
      ...(spec.clients.length > 0
        ? { clients: spec.clients.map((c) => ({ name: c.name, kind: c.kind, ...(c.endpoints.length > 0 ? { endpoints: c.endpoints } : {}) })) }
        : {}),
      ...(k8s && k8s.workload.length > 0 ? { workload: k8s.workload.map((m) => m.object) } : {}),
      ...(spec.traffic && spec.traffic.length > 0 ? { traffic: spec.traffic.map(trafficSource) } : {}),
      ...(spec.timeline.length > 0 ? { timeline: timeline(spec.timeline, groups) } : {}),
      ...(spec.expectations.length > 0 ? { expect: spec.expectations.map(expectation) } : {}),
    },
  };
  const yaml = new Document(doc, { aliasDuplicateObjects: false });
  // Manifests are read like kubectl reads them (YAML 1.1 scalars): quote strings it would take for
  // booleans, numbers or null. Quoting them elsewhere in the scenario changes nothing.
  visit(yaml, {
    Scalar(_key, node) {
      const v = node.value;
      if (typeof v === 'string' && v !== '' && (resolvePlain(v) !== v || v === '<<')) node.type = 'QUOTE_DOUBLE';
    },
  });
  const body = yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
  return comment ? `${comment.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}` : body;
}
