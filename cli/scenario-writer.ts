import { stringify } from 'yaml';
import type { EtcdCondition, Expectation, OpCondition, ScenarioSpec, TargetRef, TimelineAction } from '../actors/scenario/spec.ts';
import { API_VERSION, formatDuration } from './loader/index.ts';

/**
 * Writes a ScenarioSpec back as a scenario file, so a generated run — a fuzzer's shrunk
 * counterexample — becomes a file anyone can replay with `kubesim run`. Loading the output gives
 * the same spec back (sources aside); a test holds it to that.
 */

type Yaml = Record<string, unknown>;

const d = formatDuration;
const targets = (refs: readonly TargetRef[]): TargetRef | TargetRef[] => (refs.length === 1 ? refs[0]! : [...refs]);
const percent = (p: number): string => `${Number((p * 100).toFixed(6))}%`;

function action(a: TimelineAction): Yaml {
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
    case 'put':
    case 'get':
    case 'delete': {
      const { verb, via, ...fields } = a;
      return { [verb]: { ...fields, ...(via ? { via: targets(via) } : {}) } };
    }
  }
}

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

function expectation(e: Expectation): Yaml {
  const w = e.when;
  const when =
    w.mode === 'at'
      ? { at: d(w.atMs) }
      : w.mode === 'within'
        ? { within: { after: d(w.afterMs), limit: d(w.limitMs) } }
        : { always: { from: d(w.fromMs), to: d(w.toMs) } };
  const that: Yaml = {};
  if (e.etcd) that.etcd = etcdCondition(e.etcd);
  if (e.op) that.op = { ...(e.op as OpCondition) };
  return { name: e.name, ...when, that };
}

export function toScenarioYaml(spec: ScenarioSpec, comment?: string): string {
  const etcd = spec.cluster.etcd;
  const net = spec.cluster.network;
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
        },
      },
      ...(spec.clients.length > 0
        ? { clients: spec.clients.map((c) => ({ name: c.name, kind: c.kind, ...(c.endpoints.length > 0 ? { endpoints: c.endpoints } : {}) })) }
        : {}),
      ...(spec.timeline.length > 0
        ? {
            timeline: spec.timeline.map((s) => ({
              at: d(s.atMs),
              ...action(s.action),
              ...(s.as.length === 0 ? {} : { as: s.action.verb === 'partition' ? s.as : s.as[0] }),
            })),
          }
        : {}),
      ...(spec.expectations.length > 0 ? { expect: spec.expectations.map(expectation) } : {}),
    },
  };
  const body = stringify(doc, { lineWidth: 0, flowCollectionPadding: false });
  return comment ? `${comment.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}` : body;
}
