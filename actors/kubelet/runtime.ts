/**
 * The simulated container runtime, one container at a time: the container state machine, the
 * CrashLoopBackOff bookkeeping (`flowcontrol.Backoff` as the kubelet uses it), probe workers and
 * the SIGTERM → SIGKILL stop sequence. The pod worker (`pod-worker.ts`) orders containers and
 * drives time; everything here is a plain function of its arguments.
 *
 *   waiting(ContainerCreating | PodInitializing | CreateContainerConfigError | ErrImageNeverPull)
 *     → pulling → creating ("Created") → running ("Started")
 *     → terminated(exitCode, Completed | Error)
 *     → [restart] backoff (waiting CrashLoopBackOff) → pulling → …
 */
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { ContainerBehavior, ProbeKind, RunPlan } from './behavior.ts';
import type { PullPolicy } from './images.ts';

// ---------------------------------------------------------------------------------------------
// CrashLoopBackOff: k8s.io/client-go/util/flowcontrol.Backoff with the kubelet's parameters.
// ---------------------------------------------------------------------------------------------

/** `backOffPeriod`: the first delay. */
export const INITIAL_BACKOFF_MS = 10_000;
/** `MaxContainerBackOff`: the cap. */
export const MAX_BACKOFF_MS = 300_000;
/** `hasExpired`: an entry resets when the container ran longer than 2 × max (10 min). */
export const BACKOFF_RESET_MS = 2 * MAX_BACKOFF_MS;

export interface BackoffEntry {
  backoffMs: number;
  /** When the entry last moved (the restart decision), as `entry.lastUpdate = clock.Now()`. */
  lastUpdateMs: number;
}

function backoffExpired(entry: BackoffEntry, finishedAtMs: number): boolean {
  return finishedAtMs - entry.lastUpdateMs > BACKOFF_RESET_MS;
}

/** `Backoff.IsInBackOffSince(key, finishedAt)`. */
export function isInBackoff(entry: BackoffEntry | undefined, finishedAtMs: number, nowMs: number): boolean {
  if (entry === undefined || backoffExpired(entry, finishedAtMs)) return false;
  return nowMs - finishedAtMs < entry.backoffMs;
}

/** `Backoff.Next(key, finishedAt)`: 10 s fresh, else doubled up to 300 s. */
export function nextBackoff(entry: BackoffEntry | undefined, finishedAtMs: number, nowMs: number): BackoffEntry {
  if (entry === undefined || backoffExpired(entry, finishedAtMs)) return { backoffMs: INITIAL_BACKOFF_MS, lastUpdateMs: nowMs };
  return { backoffMs: Math.min(entry.backoffMs * 2, MAX_BACKOFF_MS), lastUpdateMs: nowMs };
}

// ---------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------

export interface ProbeParams {
  kind: ProbeKind;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level `terminationGracePeriodSeconds` (liveness/startup kills), in ms. */
  terminationGracePeriodMs?: number;
  handler: { kind: 'httpGet'; port: string; path: string; scheme: string } | { kind: 'tcpSocket'; port: string } | { kind: 'exec'; command: string } | { kind: 'grpc'; port: string };
}

/** `SetDefaults_Probe`: timeout 1 s, period 10 s, success 1, failure 3, initial delay 0. */
export const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 } as const;

const positive = (v: number | undefined, dflt: number): number => (v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt);

export function resolveProbe(kind: ProbeKind, probe: V1Probe | undefined): ProbeParams | undefined {
  if (probe === undefined || probe === null) return undefined;
  const port = (p: unknown): string => (p === undefined ? '' : String(p));
  let handler: ProbeParams['handler'];
  if (probe.httpGet) handler = { kind: 'httpGet', port: port(probe.httpGet.port), path: probe.httpGet.path ?? '/', scheme: (probe.httpGet.scheme ?? 'HTTP').toLowerCase() };
  else if (probe.tcpSocket) handler = { kind: 'tcpSocket', port: port(probe.tcpSocket.port) };
  else if (probe.grpc) handler = { kind: 'grpc', port: port(probe.grpc.port) };
  else handler = { kind: 'exec', command: (probe.exec?.command ?? []).join(' ') };
  const params: ProbeParams = {
    kind,
    initialDelayMs: Math.max(0, Math.floor(probe.initialDelaySeconds ?? 0)) * 1000,
    periodMs: positive(probe.periodSeconds, PROBE_DEFAULTS.periodSeconds) * 1000,
    timeoutMs: positive(probe.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds) * 1000,
    // Liveness and startup probes must have successThreshold 1 (API validation).
    successThreshold: kind === 'readiness' ? positive(probe.successThreshold, 1) : 1,
    failureThreshold: positive(probe.failureThreshold, PROBE_DEFAULTS.failureThreshold),
    handler,
  };
  if (probe.terminationGracePeriodSeconds !== undefined && kind !== 'readiness') params.terminationGracePeriodMs = Math.max(0, probe.terminationGracePeriodSeconds) * 1000;
  return params;
}

/** The text after "Liveness probe failed: ", as the kubelet's probers phrase it. */
export function probeFailureMessage(p: ProbeParams, podIP: string | undefined): string {
  const h = p.handler;
  switch (h.kind) {
    case 'httpGet':
      return 'HTTP probe failed with statuscode: 503';
    case 'tcpSocket':
      return `dial tcp ${podIP ?? ''}:${h.port}: connect: connection refused`;
    case 'grpc':
      return 'service unhealthy (responded with "NOT_SERVING")';
    case 'exec':
      return `command "${h.command}" exited with status 1`;
  }
}

/**
 * Probe workers tick on their own ticker, started when the pod is added (`anchorMs`): the ticks
 * are `anchor + k·period`, k ≥ 1. The first tick at or after `atMs`.
 */
export function probeTickAtOrAfter(anchorMs: number, periodMs: number, atMs: number): number {
  const k = Math.max(1, Math.ceil((atMs - anchorMs) / periodMs));
  return anchorMs + k * periodMs;
}

/** The first tick strictly after `atMs`. */
export function probeTickAfter(anchorMs: number, periodMs: number, atMs: number): number {
  const k = Math.max(1, Math.floor((atMs - anchorMs) / periodMs) + 1);
  return anchorMs + k * periodMs;
}

export type ProbeResult = 'success' | 'failure' | 'unknown';

/** One probe worker's state for the current container. */
export interface ProbeState {
  nextAtMs?: number;
  /** `lastResult` / `resultRun`: consecutive identical outcomes. */
  lastOutcome?: 'success' | 'failure';
  runCount: number;
  /** The published result: readiness starts at failure, liveness at success, startup unknown. */
  result: ProbeResult;
}

export function initialProbeState(kind: ProbeKind): ProbeState {
  return { runCount: 0, result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown' };
}

/** Records one outcome (the worker's `doProbe` thresholds) and returns the published result. */
export function recordProbeOutcome(state: ProbeState, params: ProbeParams, outcome: 'success' | 'failure'): ProbeResult {
  if (state.lastOutcome === outcome) state.runCount++;
  else {
    state.lastOutcome = outcome;
    state.runCount = 1;
  }
  const threshold = outcome === 'success' ? params.successThreshold : params.failureThreshold;
  if (state.runCount >= threshold) state.result = outcome;
  return state.result;
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

/** `v1.ContainerStateTerminated` in virtual ms. */
export interface Terminated {
  exitCode: number;
  /** Completed (0), Error (non-zero), or ContainerStatusUnknown (never located). */
  reason: string;
  message?: string;
  startedAtMs?: number;
  finishedAtMs?: number;
  containerId?: string;
}

export type StopCause = 'delete' | 'shutdown' | 'liveness' | 'startup' | 'completed';

/** SIGTERM → SIGKILL, computed when the stop begins. */
export interface StopState {
  cause: StopCause;
  requestedAtMs: number;
  /** When SIGTERM is sent (after the preStop hook). */
  sigtermAtMs: number;
  /** When SIGKILL would be sent. */
  sigkillAtMs: number;
  /** When the process exits because of the stop, and with which code. */
  exitAtMs: number;
  exitCode: number;
}

/** `minimumGracePeriodInSeconds`: the kubelet always leaves at least 2 s between SIGTERM and SIGKILL. */
export const MINIMUM_STOP_GRACE_MS = 2000;
/** `terminationGracePeriodSeconds` default. */
export const DEFAULT_TERMINATION_GRACE_MS = 30_000;
export const SIGKILL_EXIT_CODE = 137;

/**
 * `killContainer`: the preStop hook runs for at most the grace period, then SIGTERM; SIGKILL
 * follows after what is left of the grace period, but never less than 2 s.
 */
export function computeStop(plan: RunPlan, preStopMs: number | undefined, graceMs: number, nowMs: number, cause: StopCause): StopState {
  const grace = Math.max(0, graceMs);
  const hook = preStopMs !== undefined && grace > 0 ? Math.min(preStopMs, grace) : 0;
  const sigtermAtMs = nowMs + hook;
  const sigkillAtMs = sigtermAtMs + Math.max(grace - hook, MINIMUM_STOP_GRACE_MS);
  let exitAtMs = sigkillAtMs;
  let exitCode = SIGKILL_EXIT_CODE;
  if (plan.sigterm.kind === 'exit' && sigtermAtMs + plan.sigterm.afterMs < sigkillAtMs) {
    exitAtMs = sigtermAtMs + plan.sigterm.afterMs;
    exitCode = plan.sigterm.code;
  }
  return { cause, requestedAtMs: nowMs, sigtermAtMs, sigkillAtMs, exitAtMs, exitCode };
}

/** One start of a container, from "Started" to its exit. */
export interface ContainerRun {
  instance: number;
  containerId: string;
  startedAtMs: number;
  plan: RunPlan;
  /** Probe workers for the probes the container declares. */
  probes: Partial<Record<ProbeKind, ProbeState>>;
  /** `started` (startup probe passed, or none). */
  started: boolean;
  ready: boolean;
  stop?: StopState;
}

export type ContainerPhase =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'pulling'; requestedAtMs: number; untilMs: number; pullMs: number; sizeBytes: number; cached: boolean }
  | { kind: 'creating'; untilMs: number; plan: RunPlan }
  | { kind: 'running'; run: ContainerRun }
  | { kind: 'backoff'; untilMs: number; message: string }
  | { kind: 'terminated' };

export interface ContainerRt {
  name: string;
  /** "spec.containers{web}" / "spec.initContainers{init}": the event's involvedObject.fieldPath. */
  fieldPath: string;
  init: boolean;
  /** A restartable init container (`restartPolicy: Always`). */
  sidecar: boolean;
  image: string;
  pullPolicy: PullPolicy;
  behavior: ContainerBehavior;
  /** A behavior annotation that did not parse: the container waits in CreateContainerConfigError. */
  behaviorError?: string;
  probes: Partial<Record<ProbeKind, ProbeParams>>;
  /** Whether the container declares a preStop hook, and how long it runs (sleep action). */
  hasPreStop: boolean;
  preStopSleepMs?: number;
  phase: ContainerPhase;
  /** The last two terminated instances, newest first (state / lastState). */
  terminations: Terminated[];
  /** Instances created so far; restartCount = instances − 1. */
  instances: number;
  backoff?: BackoffEntry;
  /** Queued in the pod's start pipeline. */
  pendingStart: boolean;
  everQueued: boolean;
  everStarted: boolean;
}

/** Reads the container spec into runtime form (probes resolved with their defaults). */
export function newContainer(spec: V1Container, init: boolean, behavior: ContainerBehavior, behaviorError: string | undefined, defaultWaitingReason: string, defaultPolicy: PullPolicy): ContainerRt {
  const probes: Partial<Record<ProbeKind, ProbeParams>> = {};
  const startup = resolveProbe('startup', spec.startupProbe);
  const liveness = resolveProbe('liveness', spec.livenessProbe);
  const readiness = resolveProbe('readiness', spec.readinessProbe);
  const sidecar = init && spec.restartPolicy === 'Always';
  // Regular init containers have no probes (API validation); sidecars may.
  if (startup && (!init || sidecar)) probes.startup = startup;
  if (liveness && (!init || sidecar)) probes.liveness = liveness;
  if (readiness && (!init || sidecar)) probes.readiness = readiness;
  const preStop = spec.lifecycle?.preStop;
  const c: ContainerRt = {
    name: spec.name,
    fieldPath: `spec.${init ? 'initContainers' : 'containers'}{${spec.name}}`,
    init,
    sidecar,
    image: spec.image ?? '',
    pullPolicy: (spec.imagePullPolicy as PullPolicy | undefined) ?? defaultPolicy,
    behavior,
    probes,
    hasPreStop: preStop !== undefined && preStop !== null,
    phase: { kind: 'waiting', reason: defaultWaitingReason },
    terminations: [],
    instances: 0,
    pendingStart: false,
    everQueued: false,
    everStarted: false,
  };
  const sleep = (preStop as { sleep?: { seconds?: number } } | undefined)?.sleep?.seconds;
  if (sleep !== undefined) c.preStopSleepMs = Math.max(0, sleep) * 1000;
  if (behaviorError !== undefined) c.behaviorError = behaviorError;
  return c;
}

export function restartCount(c: ContainerRt): number {
  return Math.max(0, c.instances - 1);
}

/** The preStop hook's duration for this run: the behavior's `preStop takes`, else a sleep action, else 0. */
export function preStopDurationMs(c: ContainerRt, plan: RunPlan): number | undefined {
  if (!c.hasPreStop) return undefined;
  return plan.preStopMs ?? c.preStopSleepMs ?? 0;
}

/** What the API shows for a container: current state and last state. */
export interface ContainerView {
  state:
    | { kind: 'waiting'; reason: string; message?: string }
    | { kind: 'running'; startedAtMs: number }
    | { kind: 'terminated'; terminated: Terminated };
  last?: Terminated;
  ready: boolean;
  started: boolean;
  containerId?: string;
  running: boolean;
}

/**
 * The kubelet shows the newest container instance as the state and the one before as lastState;
 * a container waiting in back-off shows CrashLoopBackOff with its latest exit as lastState.
 */
export function containerView(c: ContainerRt, defaultWaitingReason: string): ContainerView {
  const [latest, previous] = c.terminations;
  const exited = (): ContainerView => {
    const v: ContainerView = { state: { kind: 'terminated', terminated: latest! }, ready: false, started: false, running: false };
    if (previous !== undefined) v.last = previous;
    if (latest!.containerId !== undefined) v.containerId = latest!.containerId;
    return v;
  };
  switch (c.phase.kind) {
    case 'running': {
      const run = c.phase.run;
      const v: ContainerView = { state: { kind: 'running', startedAtMs: run.startedAtMs }, ready: run.ready, started: run.started, containerId: run.containerId, running: true };
      if (latest !== undefined) v.last = latest;
      return v;
    }
    case 'backoff': {
      const v: ContainerView = { state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: c.phase.message }, ready: false, started: false, running: false };
      if (latest !== undefined) {
        v.last = latest;
        if (latest.containerId !== undefined) v.containerId = latest.containerId;
      }
      return v;
    }
    case 'waiting': {
      if (latest !== undefined && c.phase.reason !== 'CreateContainerConfigError' && c.phase.reason !== 'ErrImageNeverPull') return exited();
      const state: ContainerView['state'] = { kind: 'waiting', reason: c.phase.reason };
      if (c.phase.message !== undefined) state.message = c.phase.message;
      const v: ContainerView = { state, ready: false, started: false, running: false };
      if (latest !== undefined) v.last = latest;
      return v;
    }
    case 'pulling':
    case 'creating':
    case 'terminated':
      if (latest !== undefined) return exited();
      return { state: { kind: 'waiting', reason: defaultWaitingReason }, ready: false, started: false, running: false };
  }
}
