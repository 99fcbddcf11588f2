import { InvariantChecker, type Violation } from '../checks/index.ts';
import { startEtcdClient } from '../etcd/client.ts';
import { addEtcdGroup } from '../etcd/member.ts';
import { Simulation, type RunStatus } from '../kernel/simulation.ts';
import type { TraceEvent } from '../kernel/trace.ts';
import { EtcdView } from './cluster-view.ts';
import { checkEtcd, checkOps, type ConditionContext, type LeaderSample, type OpRecord, type Verdict } from './conditions.ts';
import { memberNames, type Expectation, type ScenarioSpec, type SourceRef, type TimelineStep } from './spec.ts';
import { TargetResolver } from './targets.ts';
import { ClusterState } from './cluster-state.ts';
import { KubernetesCluster } from './kubernetes-cluster.ts';
import { checkEvent, checkNode, checkObject, checkPods, checkRequest, type RequestRecord } from './k8s-conditions.ts';
import type { KubeObject } from '../api/protocol.ts';

/**
 * Runs a validated scenario on a fresh simulation: builds the etcd group and its clients, plays
 * the timeline at its virtual times, checks expectations and every invariant after each event.
 * Deterministic: the same spec and seed give the same trace, byte for byte.
 */

export interface ExpectationResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Virtual time at which the expectation was decided. */
  atMs: number;
  source: SourceRef;
}

export interface RunResult {
  scenario: string;
  file: string;
  seed: string;
  ok: boolean;
  status: RunStatus;
  /** Why the run ended early, if it did. */
  stopReason: string | null;
  fingerprint: string;
  virtualMs: number;
  events: number;
  traceLines: number;
  expectations: ExpectationResult[];
  violations: Violation[];
  messages: { sent: number; delivered: number };
}

export interface RunOptions {
  keepTraceLines?: boolean;
  /** Sees every trace event as it is recorded (the CLI's live timeline). */
  onTrace?: (event: TraceEvent) => void;
  /** Pods (namespace/name) whose scheduling decisions are recorded in full (`k8s.explain`). */
  explainPods?: readonly string[];
  /** Called after every kernel event (the CLI watches memory and trace writing); may end the run with `sim.stop(reason)`. */
  onEvent?: (sim: Simulation) => void;
}

export interface Run {
  readonly sim: Simulation;
  readonly result: RunResult;
  /** The committed cluster state (for tables at the end of a run). */
  readonly state: ClusterState;
}

/** Request timing of etcd's clientv3 as kubesim models it. */
const CLIENT_RETRY_BACKOFF_MS = 100;
const CLIENT_READ_ATTEMPT_TIMEOUT_MS = 2_000;

export function runScenario(spec: ScenarioSpec, options: RunOptions = {}): Run {
  const etcd = spec.cluster.etcd;
  const members = memberNames(etcd.members);
  const sim = new Simulation({
    seed: spec.seed,
    maxEvents: spec.maxEvents,
    keepTraceLines: options.keepTraceLines ?? false,
    network: { ...spec.cluster.network, reorderDelayMsMax: Math.max(10, spec.cluster.network.latencyMsMax * 10) },
  });
  if (options.onTrace) sim.trace.subscribe(options.onTrace);
  const onEvent = options.onEvent;
  if (onEvent) sim.onAfterEvent(() => onEvent(sim));

  const violations: Violation[] = [];
  const checker = new InvariantChecker();
  sim.trace.subscribe((event) => {
    for (const v of checker.observeAll(event)) {
      violations.push(v);
      sim.trace.record('invariant', { name: v.invariant, detail: v.detail });
      sim.stop(`invariant ${v.invariant} violated at ${v.t} ms: ${v.detail}`);
    }
  });

  const ops: OpRecord[] = [];
  const opByKey = new Map<string, OpRecord>();
  sim.trace.subscribe((e) => {
    if (e.kind !== 'etcd.op') return;
    const key = `${e.client as string}#${e.id as number}`;
    if (e.phase === 'invoke') {
      const record: OpRecord = { client: e.client as string, reqId: e.id as number, op: e.op as OpRecord['op'], key: e.key as string, result: 'pending', invokedAtMs: e.t };
      ops.push(record);
      opByKey.set(key, record);
    } else {
      const record = opByKey.get(key);
      if (!record) return;
      record.result = e.result as OpRecord['result'];
      record.completedAtMs = e.t;
      if (e.readValue !== undefined) record.readValue = e.readValue as string | null;
      else if (record.op === 'get' && record.result === 'ok') record.readValue = null;
      if (typeof e.revision === 'number') record.revision = e.revision;
    }
  });

  addEtcdGroup(sim, members, etcd);
  for (const client of spec.clients) {
    sim.addHost({
      name: client.name,
      disk: null,
      create: (env) =>
        startEtcdClient(env, {
          name: client.name,
          endpoints: client.endpoints.length > 0 ? client.endpoints : members,
          requestTimeoutMs: etcd.requestTimeoutMs,
          retryBackoffMs: CLIENT_RETRY_BACKOFF_MS,
          readAttemptTimeoutMs: CLIENT_READ_ATTEMPT_TIMEOUT_MS,
        }),
    });
  }

  const view = new EtcdView(sim, members);
  const state = new ClusterState(sim, members);
  let kube: KubernetesCluster | null = null;
  if (spec.cluster.kubernetes) {
    kube = new KubernetesCluster(sim, spec.cluster.kubernetes, members, spec, new Set(options.explainPods ?? []));
    kube.build();
  }
  const leaseHolder = (name: string) => (): string[] => {
    const lease = state.get('leases', 'kube-system', name);
    const holder = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
    return holder ? [holder.split('_')[0]!] : [];
  };
  const extraRoles = new Map([
    ['scheduler-leader', leaseHolder('kube-scheduler')],
    ['controller-manager-leader', leaseHolder('kube-controller-manager')],
  ]);
  const otherNames = new Set([...spec.clients.map((c) => c.name), ...(kube?.allHosts() ?? []), ...(spec.cluster.kubernetes?.nodes.map((n) => n.name) ?? [])]);
  for (const step of spec.timeline) if (step.action.verb === 'add-nodes') for (const n of step.action.nodes) otherNames.add(n.name);
  const targets = new TargetResolver(view, sim.rng.fork('timeline'), otherNames, extraRoles);
  const requests = new Map<string, RequestRecord>();
  sim.trace.subscribe((e) => {
    if (e.kind === 'k8s.request' && typeof e.id === 'string') {
      requests.set(e.id, { id: e.id, code: e.code as number, ...(typeof e.message === 'string' ? { message: e.message } : {}), atMs: e.t });
    }
  });
  const maxTermAt = new Map<number, number>();
  const opById = new Map<string, OpRecord>();
  const leaderAt = new Map<number, LeaderSample>();
  const ctx: ConditionContext = { view, targets, maxTermAt, leaderAt, ops, opById };

  // Samples first, so `termAbove: 10s` sees the cluster before the steps at 10 s run.
  for (const exp of spec.expectations) {
    const termAt = exp.etcd?.termAboveAtMs;
    if (termAt !== undefined && !maxTermAt.has(termAt)) {
      maxTermAt.set(termAt, 0);
      sim.clock.at(termAt, () => maxTermAt.set(termAt, view.maxTerm()));
    }
    for (const at of [exp.etcd?.leaderUnchangedSinceMs, exp.etcd?.leaderChangedSinceMs]) {
      if (at === undefined || leaderAt.has(at)) continue;
      leaderAt.set(at, { leader: null, term: 0 });
      sim.clock.at(at, () => {
        const leader = view.leader();
        leaderAt.set(at, { leader, term: leader ? view.term(leader) : 0 });
      });
    }
  }

  const nextReqId = new Map<string, number>();
  for (const step of spec.timeline) {
    sim.clock.at(step.atMs, () => runStep(step));
  }

  function runStep(step: TimelineStep): void {
    const a = step.action;
    const bind = (names: string[]): void => {
      const as = step.as[0];
      if (as !== undefined) targets.groups.set(as, names);
    };
    switch (a.verb) {
      case 'partition': {
        const groups = targets.resolveGroups(a.groups);
        step.as.forEach((name, i) => targets.groups.set(name, groups[i] ?? []));
        sim.network.partition(groups);
        sim.trace.record('fault', { action: 'partition', groups, targets: groups.flat() });
        return;
      }
      case 'cut': {
        const from = targets.resolve(a.from);
        const to = targets.resolve(a.to);
        for (const f of from) for (const t of to) sim.network.cut(f, t);
        bind([...from, ...to]);
        sim.trace.record('fault', { action: 'cut', from, to, targets: [...from, ...to] });
        return;
      }
      case 'isolate': {
        const names = targets.resolve(a.targets);
        for (const n of names) sim.network.isolate(n);
        bind(names);
        sim.trace.record('fault', { action: 'isolate', targets: names });
        return;
      }
      case 'heal': {
        if (a.targets === 'all') {
          sim.network.heal();
          sim.trace.record('fault', { action: 'heal', targets: sim.hostNames() });
        } else {
          const names = targets.resolve(a.targets);
          sim.network.heal(names);
          sim.trace.record('fault', { action: 'heal', targets: names });
        }
        return;
      }
      case 'crash':
      case 'restart': {
        const names = targets.resolve(a.targets);
        bind(names);
        // Traced before acting, so a restarted member's first role change follows its restart.
        sim.trace.record('fault', { action: a.verb, targets: names });
        for (const n of names) (a.verb === 'crash' ? sim.crash(n) : sim.restart(n));
        return;
      }
      case 'apply':
        return kube?.kubectl(a.user, a.id, { type: 'apply', objects: a.manifests.map((d) => d.object as KubeObject) });
      case 'kubectl-delete':
        return kube?.kubectl(a.user, a.id, { type: 'delete', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}) });
      case 'patch':
        return kube?.kubectl(a.user, a.id, { type: 'patch', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), patch: a.patch as KubeObject, ...(a.subresource ? { subresource: a.subresource } : {}) });
      case 'scale':
        return kube?.kubectl(a.user, a.id, { type: 'scale', kind: a.object.kind, name: a.object.name, ...(a.object.namespace ? { namespace: a.object.namespace } : {}), replicas: a.replicas });
      case 'cordon':
      case 'uncordon':
        return kube?.kubectl(a.user, a.id, { type: a.verb, node: a.node });
      case 'add-nodes':
        kube?.addNodes(a.nodes);
        sim.trace.record('fault', { action: 'add-nodes', targets: a.nodes.map((n) => n.name) });
        return;
      case 'put':
      case 'get':
      case 'delete': {
        const reqId = (nextReqId.get(a.client) ?? 0) + 1;
        nextReqId.set(a.client, reqId);
        const via = a.via ? targets.resolve(a.via) : undefined;
        const op =
          a.verb === 'put'
            ? { op: 'put' as const, key: a.key, value: a.value }
            : a.verb === 'get'
              ? { op: 'get' as const, key: a.key, consistency: a.consistency }
              : { op: 'delete' as const, key: a.key };
        sim.inject(a.client, { type: 'Invoke', reqId, op, via } as { type: string });
        const record = opByKey.get(`${a.client}#${reqId}`);
        if (a.id !== undefined && record) opById.set(a.id, record);
        return;
      }
    }
  }

  const results = new Map<Expectation, ExpectationResult>();
  const active = new Set<Expectation>();
  // Object expectations read etcd's committed state; memoised on its revision, because they are
  // checked after every event while active.
  const memo = new Map<Expectation, { version: number; verdict: Verdict }>();
  const checkKube = (exp: Expectation): Verdict | null => {
    if (!exp.pods && !exp.node && !exp.object && !exp.event) return null;
    const version = state.version();
    const hit = memo.get(exp);
    if (hit && hit.version === version) return hit.verdict;
    const verdicts: Verdict[] = [];
    if (exp.pods) verdicts.push(checkPods(exp.pods, state));
    if (exp.node) verdicts.push(checkNode(exp.node, state));
    if (exp.object) verdicts.push(checkObject(exp.object, state));
    if (exp.event) verdicts.push(checkEvent(exp.event, state));
    const verdict = verdicts.find((v) => !v.ok) ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') };
    memo.set(exp, { version, verdict });
    return verdict;
  };
  const evaluate = (exp: Expectation): Verdict => {
    const verdicts: Verdict[] = [];
    if (exp.etcd) verdicts.push(checkEtcd(exp.etcd, ctx));
    if (exp.op) verdicts.push(checkOps(exp.op, ctx));
    if (exp.request) verdicts.push(checkRequest(exp.request, requests));
    const kubeVerdict = checkKube(exp);
    if (kubeVerdict) verdicts.push(kubeVerdict);
    const failed = verdicts.find((v) => !v.ok);
    return failed ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') };
  };
  const decide = (exp: Expectation, verdict: Verdict): void => {
    if (results.has(exp)) return;
    active.delete(exp);
    const result: ExpectationResult = { name: exp.name, ok: verdict.ok, detail: verdict.detail, atMs: sim.now(), source: exp.source };
    results.set(exp, result);
    sim.trace.record('expect', { name: exp.name, ok: verdict.ok, detail: verdict.detail });
  };

  for (const exp of spec.expectations) {
    const w = exp.when;
    if (w.mode === 'at') {
      sim.clock.at(w.atMs, () => decide(exp, evaluate(exp)));
    } else if (w.mode === 'within') {
      sim.clock.at(w.afterMs, () => {
        active.add(exp);
        const v = evaluate(exp);
        if (v.ok) decide(exp, v);
      });
      sim.clock.at(w.afterMs + w.limitMs, () => {
        if (results.has(exp)) return;
        const v = evaluate(exp);
        decide(exp, v.ok ? v : { ok: false, detail: `not within ${w.limitMs} ms: ${v.detail}` });
      });
    } else {
      sim.clock.at(w.fromMs, () => {
        active.add(exp);
        const v = evaluate(exp);
        if (!v.ok) decide(exp, v);
      });
      sim.clock.at(w.toMs, () => {
        if (results.has(exp)) return;
        decide(exp, evaluate(exp));
      });
    }
  }
  sim.onAfterEvent(() => {
    if (active.size === 0) return;
    for (const exp of [...active]) {
      const v = evaluate(exp);
      if (exp.when.mode === 'within' ? v.ok : !v.ok) decide(exp, v);
    }
  });

  const status = sim.runUntil(spec.durationMs);
  for (const v of checker.finish()) {
    violations.push(v);
  }
  let stopReason = sim.stoppedBecause;
  if (status === 'event-limit') {
    stopReason = `the run reached maxEvents (${spec.maxEvents}) at ${sim.now()} ms; raise spec.maxEvents or shorten spec.duration`;
  }
  const expectations = spec.expectations.map(
    (exp) =>
      results.get(exp) ?? {
        name: exp.name,
        ok: false,
        detail: stopReason ? `not decided: ${stopReason}` : 'not decided before the end of the run',
        atMs: sim.now(),
        source: exp.source,
      },
  );
  const ok = status === 'done' && violations.length === 0 && expectations.every((e) => e.ok);
  const result: RunResult = {
    scenario: spec.name,
    file: spec.file,
    seed: spec.seed,
    ok,
    status,
    stopReason,
    fingerprint: sim.trace.fingerprint(),
    virtualMs: sim.now(),
    events: sim.eventCount,
    traceLines: sim.trace.count,
    expectations,
    violations,
    messages: { sent: sim.network.messagesSent, delivered: sim.network.messagesDelivered },
  };
  return { sim, result, state };
}
