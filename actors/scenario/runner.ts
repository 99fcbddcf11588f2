import type { Violation } from '../checks/index.ts';
import type { RunStatus, Simulation } from '../kernel/simulation.ts';
import type { TraceEvent, TraceLevel } from '../kernel/trace.ts';
import { buildWorld, createSimulation } from './build.ts';
import type { ClusterState } from './cluster-state.ts';
import { ExpectationChecks, type ExpectationResult } from './expectations.ts';
import { InvariantWatch } from './invariants.ts';
import { Outcomes } from './outcomes.ts';
import type { ScenarioSpec } from './spec.ts';
import { scheduleTimeline } from './timeline.ts';
import type { ComponentVariants } from './variants.ts';

/**
 * Runs a validated scenario on a fresh simulation: builds its world (build.ts), plays the
 * timeline at its virtual times (timeline.ts), checks expectations (expectations.ts) and every
 * invariant after each event (invariants.ts). Deterministic: the same spec and seed give the
 * same trace, byte for byte.
 */

export type { ExpectationResult } from './expectations.ts';

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
  /** Which trace lines the run keeps (kernel/trace.ts); the fingerprint covers every line at every level. */
  traceLevel?: TraceLevel;
  /** Sees every trace event as it is recorded (the CLI's live timeline). */
  onTrace?: (event: TraceEvent) => void;
  /** Pods (namespace/name) whose scheduling decisions are recorded in full (`k8s.explain`). */
  explainPods?: readonly string[];
  /** Called after every kernel event (the CLI watches memory and trace writing); may end the run with `sim.stop(reason)`. */
  onEvent?: (sim: Simulation) => void;
  /** Called once the world is built, before anything runs: property tests follow the committed state from here. */
  onState?: (state: ClusterState) => void;
  /** Deliberately broken components (variants.ts): tests of the fuzzer only. */
  variants?: ComponentVariants;
}

export interface Run {
  readonly sim: Simulation;
  readonly result: RunResult;
  /** The committed cluster state (for tables at the end of a run). */
  readonly state: ClusterState;
  /** What became of the run's requests (operations, kubectl steps, traffic). */
  readonly outcomes: Outcomes;
}

export function runScenario(spec: ScenarioSpec, options: RunOptions = {}): Run {
  // The order below is part of the trace: trace listeners, hosts and scheduled callbacks each
  // run in the order they were added.
  const sim = createSimulation(spec, options);
  const onEvent = options.onEvent;
  if (onEvent) sim.onAfterEvent(() => onEvent(sim));
  const etcd = spec.cluster.etcd;
  // CheckQuorum's step-down within two election timeouts is checked where etcd has it on (always, in etcd itself).
  const invariants = new InvariantWatch(sim, etcd.checkQuorum ? { staleLeaderMaxMs: 2 * etcd.electionTimeoutMs } : {});
  const outcomes = new Outcomes(sim, spec.clients.map((c) => c.name));
  const world = buildWorld(sim, spec, options.explainPods, options.variants);
  options.onState?.(world.state);
  const expectations = new ExpectationChecks(spec, world, outcomes);
  scheduleTimeline(spec, world, outcomes);
  expectations.schedule();

  const status = sim.runUntil(spec.durationMs);
  expectations.decideAtEnd();
  const violations = invariants.finish();
  let stopReason = sim.stoppedBecause;
  if (status === 'event-limit') {
    stopReason = `the run reached maxEvents (${spec.maxEvents}) at ${sim.now()} ms; raise spec.maxEvents or shorten spec.duration`;
  }
  const results = expectations.finish(stopReason);
  const ok = status === 'done' && violations.length === 0 && results.every((e) => e.ok);
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
    expectations: results,
    violations,
    messages: { sent: sim.network.messagesSent, delivered: sim.network.messagesDelivered },
  };
  return { sim, result, state: world.state, outcomes };
}
