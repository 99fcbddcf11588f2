import type { Simulation } from '../kernel/simulation.ts';
import type { World } from './build.ts';
import { checkEtcd, checkOps, type ConditionContext, type LeaderSample, type Verdict } from './conditions.ts';
import { checkRequest } from './k8s-conditions.ts';
import { KubeObserver } from './k8s-observer.ts';
import type { Outcomes } from './outcomes.ts';
import { checkRunning } from './running-pods.ts';
import { checkDns, checkTraffic } from './traffic-conditions.ts';
import { checkEnv } from './env-conditions.ts';
import type { Expectation, ScenarioSpec, SourceRef } from './spec.ts';
import { judgeTraceProperty, type TracePropertyName, type TraceVerdictStatus } from './trace-properties.ts';
import type { TraceEvent } from '../kernel/trace.ts';

/**
 * Checks a scenario's expectations. `at` is checked once at its time; `within` from its start
 * after every event until it holds (or fails at its deadline); `always` after every event of its
 * window until it fails. Expectations only observe: they send nothing and draw nothing.
 *
 * Kubernetes conditions are observers of the committed state (`KubeObserver`), open while their
 * expectation is pending: after an event that changed nothing they read, their last verdict
 * stands, so a pending expectation costs what changed, not the size of the cluster.
 *
 * `at: end` is checked once the run is over (after its last event, or where it stopped early).
 * A trace property (`that: {property: NAME}`) runs its pure checker over the trace events so far;
 * the events are collected only when a scenario has such an expectation.
 */

export interface ExpectationResult {
  name: string;
  ok: boolean;
  detail: string;
  /** Virtual time at which the expectation was decided. */
  atMs: number;
  source: SourceRef;
  /** For a trace property: the checker's own verdict (`unknown` and `not-checkable` hold, `ok` true). */
  property?: { name: TracePropertyName; status: TraceVerdictStatus; atEnd: boolean };
}

export class ExpectationChecks {
  private readonly results = new Map<Expectation, ExpectationResult>();
  private readonly active = new Set<Expectation>();
  private readonly trafficSeen = new Map<Expectation, { count: number; verdict: Verdict }>();
  private readonly observers = new Map<Expectation, KubeObserver>();
  private readonly ctx: ConditionContext;
  private readonly sim: Simulation;
  /** Every trace event so far, only when a trace property is expected (empty otherwise). */
  private readonly events: TraceEvent[] = [];
  private readonly propertyStatus = new Map<Expectation, TraceVerdictStatus>();

  /** Schedules the samples expectations compare with (`termAbove`, `leaderUnchangedSince`...): call before the timeline is scheduled. */
  constructor(
    private readonly spec: ScenarioSpec,
    private readonly world: World,
    private readonly outcomes: Outcomes,
  ) {
    const { sim, view, targets } = world;
    this.sim = sim;
    const maxTermAt = new Map<number, number>();
    const leaderAt = new Map<number, LeaderSample>();
    this.ctx = { view, targets, maxTermAt, leaderAt, ops: outcomes.ops, opById: outcomes.opById };
    // A listener only reads: the trace (and its fingerprint) is the same with or without it.
    if (spec.expectations.some((exp) => exp.property)) sim.trace.subscribe((e) => this.events.push(e));
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
  }

  /** Schedules every expectation's window, and the check after every event: call after the timeline is scheduled. */
  schedule(): void {
    const sim = this.sim;
    for (const exp of this.spec.expectations) {
      const w = exp.when;
      if (w.mode === 'at') {
        sim.clock.at(w.atMs, () => this.decide(exp, this.evaluate(exp)));
      } else if (w.mode === 'within') {
        sim.clock.at(w.afterMs, () => {
          this.activate(exp);
          const v = this.evaluate(exp);
          if (v.ok) this.decide(exp, v);
        });
        sim.clock.at(w.afterMs + w.limitMs, () => {
          if (this.results.has(exp)) return;
          const v = this.evaluate(exp);
          this.decide(exp, v.ok ? v : { ok: false, detail: `not within ${w.limitMs} ms: ${v.detail}` });
        });
      } else if (w.mode === 'always') {
        sim.clock.at(w.fromMs, () => {
          this.activate(exp);
          const v = this.evaluate(exp);
          if (!v.ok) this.decide(exp, v);
        });
        sim.clock.at(w.toMs, () => {
          if (this.results.has(exp)) return;
          this.decide(exp, this.evaluate(exp));
        });
      }
    }
    sim.onAfterEvent(() => {
      if (this.active.size === 0) return;
      for (const exp of [...this.active]) {
        const v = this.evaluate(exp);
        if (exp.when.mode === 'within' ? v.ok : !v.ok) this.decide(exp, v);
      }
    });
  }

  /** Every expectation's result, in file order; those not decided fail with `why`. */
  /**
   * Decides every `at: end` expectation where the run ended, early or not: call once the run is
   * over, before the invariants finish (a decision is a trace line they see).
   */
  decideAtEnd(): void {
    for (const exp of this.spec.expectations) if (exp.when.mode === 'end') this.decide(exp, this.evaluate(exp));
  }

  finish(stopReason: string | null): ExpectationResult[] {
    for (const observer of this.observers.values()) observer.close();
    this.observers.clear();
    return this.spec.expectations.map(
      (exp) =>
        this.results.get(exp) ?? {
          name: exp.name,
          ok: false,
          detail: stopReason ? `not decided: ${stopReason}` : 'not decided before the end of the run',
          atMs: this.sim.now(),
          source: exp.source,
        },
    );
  }

  private activate(exp: Expectation): void {
    this.active.add(exp);
    if (KubeObserver.concerns(exp) && !this.observers.has(exp)) this.observers.set(exp, new KubeObserver(exp, this.world.state));
  }

  private evaluate(exp: Expectation): Verdict {
    const verdicts: Verdict[] = [];
    if (exp.etcd) verdicts.push(checkEtcd(exp.etcd, this.ctx));
    if (exp.op) verdicts.push(checkOps(exp.op, this.ctx));
    if (exp.request) verdicts.push(checkRequest(exp.request, this.outcomes.requests));
    if (exp.running) verdicts.push(checkRunning(exp.running, this.outcomes.running));
    if (exp.traffic) verdicts.push(this.trafficVerdict(exp, exp.traffic));
    if (exp.dns) verdicts.push(checkDns(exp.dns, this.outcomes.digs));
    if (exp.env) verdicts.push(checkEnv(exp.env, this.sim));
    if (exp.property) verdicts.push(this.propertyVerdict(exp, exp.property.name));
    if (KubeObserver.concerns(exp)) verdicts.push(this.kubeVerdict(exp));
    const failed = verdicts.find((v) => !v.ok);
    return failed ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') };
  }

  /** The pure checker over the events so far; its status is kept for the result. */
  private propertyVerdict(exp: Expectation, name: TracePropertyName): Verdict {
    const v = judgeTraceProperty(name, this.events);
    this.propertyStatus.set(exp, v.status);
    return { ok: v.status !== 'fail', detail: v.status === 'pass' || v.status === 'fail' ? v.detail : `${v.status}: ${v.detail}` };
  }

  /**
   * Traffic records only grow, and a verdict depends on nothing but them (a request is recorded
   * when it ends, so an open window's end, the check's time, adds nothing between records): after
   * every event a pending traffic expectation is checked again only when a request has ended.
   */
  private trafficVerdict(exp: Expectation, cond: NonNullable<Expectation['traffic']>): Verdict {
    const seen = this.trafficSeen.get(exp);
    const count = this.outcomes.traffic.records.length;
    if (seen && seen.count === count) return seen.verdict;
    const verdict = checkTraffic(cond, this.outcomes.traffic, this.sim.now());
    this.trafficSeen.set(exp, { count, verdict });
    return verdict;
  }

  /** From the expectation's observer while it is pending; a one-off read otherwise (`at`). */
  private kubeVerdict(exp: Expectation): Verdict {
    const open = this.observers.get(exp);
    if (open) return open.verdict();
    const once = new KubeObserver(exp, this.world.state);
    const verdict = once.verdict();
    once.close();
    return verdict;
  }

  private decide(exp: Expectation, verdict: Verdict): void {
    if (this.results.has(exp)) return;
    this.active.delete(exp);
    this.observers.get(exp)?.close();
    this.observers.delete(exp);
    const status = exp.property && this.propertyStatus.get(exp);
    const result: ExpectationResult = {
      name: exp.name,
      ok: verdict.ok,
      detail: verdict.detail,
      atMs: this.sim.now(),
      source: exp.source,
      ...(exp.property && status ? { property: { name: exp.property.name, status, atEnd: exp.when.mode === 'end' } } : {}),
    };
    this.results.set(exp, result);
    this.sim.trace.record('expect', { name: exp.name, ok: verdict.ok, detail: verdict.detail });
  }
}
