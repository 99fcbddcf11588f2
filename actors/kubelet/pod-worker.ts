/**
 * The pod worker: one pod's life on a node, as a pure step function.
 *
 *   step(state, event, nowMs, env) → { state, images, statusChanged, status?, wakeAtMs?, events, … }
 *
 * Events in: the pod is bound (admitted or rejected), time reached (`Tick`), a delete was
 * requested (graceful, with its grace period), the node is shutting down. Outputs are data: the
 * new state, the node's image cache, Kubernetes events with the kubelet's reasons, whether the
 * status the kubelet posts changed, and when to wake it next. No timers, no I/O, no real time.
 *
 * Time inside a step: everything due at or before `nowMs` happens at its own virtual time, in
 * `(time, container index, kind)` order, so a late tick gives the same result as a punctual one.
 * The work per step is bounded (`MAX_DUE_PER_STEP`); past it the step asks to be woken at once.
 *
 * Start order follows the kubelet's SyncPod: the sandbox, then init containers one at a time
 * (each must exit 0; a sidecar — `restartPolicy: Always` — only has to start), then the regular
 * containers in spec order, each pulled, created and started before the next one begins.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { AdmitResult } from './admission.ts';
import { defaultBehavior, parsePodBehaviors, planRun, probeFails, type ProbeKind, type RandomInt } from './behavior.ts';
import { fakeHex64, formatPod, goDuration } from './format.ts';
import { IMAGE_SIZES_ANNOTATION, defaultPullPolicy, parseImageSizes, planImagePull, type ImageCacheState } from './images.ts';
import {
  DEFAULT_TERMINATION_GRACE_MS,
  computeStop,
  initialProbeState,
  isInBackoff,
  newContainer,
  nextBackoff,
  preStopDurationMs,
  probeFailureMessage,
  probeTickAfter,
  probeTickAtOrAfter,
  recordProbeOutcome,
  type ContainerRt,
  type ContainerRun,
  type StopCause,
} from './runtime.ts';
import { podConditionValues, podStatus, type PodStatusJson } from './status.ts';
import { cloneJson } from '../api/clone-json.ts';

export { admitPod, podRequests, type AdmitResult, type NodeAllocatable } from './admission.ts';

/** Per-step work bound: due items processed before the step yields (and asks to be woken now). */
export const MAX_DUE_PER_STEP = 10_000;

export interface KubeletConfig {
  /** Image pull bandwidth of the node (default 50 MB/s). */
  imagePullBandwidthBytesPerSec?: number;
  /** The kubelet's `serializeImagePulls` (default true). */
  serializeImagePulls?: boolean;
  /** Pod sandbox creation and network setup (default 0). */
  sandboxCreateMs?: number;
  /** Runtime time from Created to Started for every container, added to `start takes` (default 0). */
  containerStartMs?: number;
  /** The node's own image-size table (`image` or `image:tag` → bytes). */
  imageSizes?: Readonly<Record<string, number>>;
  /** A deliberately broken kubelet, for the fuzzer's own tests (never set from a scenario file). */
  variant?: KubeletVariant;
}

/**
 * Deliberately broken behaviours the fuzzer's tests build to show its Kubernetes safety property
 * catches them (test/fuzz/kubernetes-variants.test.ts). Programmatic only; absent is the real kubelet.
 */
export interface KubeletVariant {
  /** A pod given a deletionTimestamp is released at once (deleted with grace 0) but its containers are never stopped. */
  ignoreDeletion?: boolean;
}

export interface StepEnv {
  /** The node's image cache; the step returns the updated one. */
  images: ImageCacheState;
  config?: KubeletConfig;
  /** Seeded `randomInt(n)` ∈ [0, n), used only for ranged durations in behaviors. */
  randomInt?: RandomInt;
}

export type PodEvent =
  /** The pod was bound to this node. `admission` is `admitPod`'s verdict (admitted when absent). */
  | { type: 'PodBound'; hostIP: string; podIP?: string; admission?: AdmitResult }
  /** The wake-up time asked for has come (or any time: the step catches up). */
  | { type: 'Tick' }
  /** A newer version of the pod object (metadata, readiness-gate conditions). The spec is kept. */
  | { type: 'PodUpdated'; pod: V1Pod }
  /** `deletionTimestamp` was set; grace from `deletionGracePeriodSeconds` (else the pod's spec). */
  | { type: 'DeleteRequested'; gracePeriodSeconds?: number }
  /** Graceful node shutdown: every pod is stopped and marked Failed. */
  | { type: 'NodeShutdown'; gracePeriodSeconds?: number };

/** A Kubernetes Event the kubelet records (`source.component: kubelet`). */
export interface KubeletEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  atMs: number;
  /** `involvedObject.fieldPath`, for container events: `spec.containers{web}`. */
  fieldPath?: string;
}

export type PodStage = 'new' | 'rejected' | 'sandbox' | 'active' | 'stopping' | 'terminated';

export interface ConditionMark {
  status: 'True' | 'False' | 'Unknown';
  sinceMs: number;
}

export interface PodRuntimeState {
  /** The pod as bound (its spec is what runs). Shared, never mutated. */
  readonly pod: V1Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  readonly terminationGracePeriodMs: number;
  /** `PodInitializing` when the pod has init containers, else `ContainerCreating`. */
  readonly defaultWaitingReason: string;
  stage: PodStage;
  rejection?: { reason: string; message: string };
  /** Graceful node shutdown: the pod ends Failed with reason `Terminated`. */
  shutdown: boolean;
  deleteRequested: boolean;
  hostIP?: string;
  podIP?: string;
  /** When the kubelet admitted the pod: `status.startTime`, and the anchor of probe tickers. */
  admittedAtMs?: number;
  sandboxReadyAtMs?: number;
  sandboxUp: boolean;
  /** The sandbox came up once: the pod IP is reported from then on. */
  podIPAssigned: boolean;
  /** Init containers first (spec order), then regular containers (spec order). */
  containers: ContainerRt[];
  initCount: number;
  /** The next init container to run; `initDone` once all have. */
  nextInit: number;
  initDone: boolean;
  /** Containers waiting for their turn to start, and the one starting now. */
  queue: number[];
  current?: number;
  podImageSizes?: Readonly<Record<string, number>>;
  /** lastTransitionTime bookkeeping per condition type. */
  conditions: Record<string, ConditionMark>;
}

export interface StepResult {
  state: PodRuntimeState;
  images: ImageCacheState;
  /** The status the kubelet would post differs from the one before the step. */
  statusChanged: boolean;
  /** The new status, when it changed. */
  status?: PodStatusJson;
  /** When to call `step` with `Tick` next; absent when nothing is scheduled. */
  wakeAtMs?: number;
  events: KubeletEvent[];
  /** Every container has stopped and the sandbox is gone. */
  terminated: boolean;
  /** Terminated after a delete: the kubelet now deletes the object with grace 0. */
  readyToDelete: boolean;
}

/** A fresh worker for a pod bound to this node (before `PodBound`). */
export function newPodRuntimeState(pod: V1Pod): PodRuntimeState {
  const meta = pod.metadata ?? {};
  const spec = pod.spec;
  const initSpecs = spec?.initContainers ?? [];
  const regularSpecs = spec?.containers ?? [];
  const defaultWaitingReason = initSpecs.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const behaviors = parsePodBehaviors(pod);
  const make = (c: (typeof regularSpecs)[number], init: boolean): ContainerRt => {
    const b = behaviors.byContainer.get(c.name);
    const policy = defaultPullPolicy(c.image ?? '');
    if (b === undefined || b.ok) return newContainer(c, init, b?.ok ? b.behavior : defaultBehavior(), undefined, defaultWaitingReason, policy);
    return newContainer(c, init, defaultBehavior(), b.error.message, defaultWaitingReason, policy);
  };
  const grace = spec?.terminationGracePeriodSeconds;
  return {
    pod,
    uid: meta.uid ?? `${meta.namespace ?? 'default'}/${meta.name ?? ''}`,
    namespace: meta.namespace ?? 'default',
    name: meta.name ?? '',
    restartPolicy: (spec?.restartPolicy as PodRuntimeState['restartPolicy'] | undefined) ?? 'Always',
    terminationGracePeriodMs: grace === undefined || grace === null ? DEFAULT_TERMINATION_GRACE_MS : Math.max(0, grace) * 1000,
    defaultWaitingReason,
    stage: 'new',
    shutdown: false,
    deleteRequested: false,
    sandboxUp: false,
    podIPAssigned: false,
    containers: [...initSpecs.map((c) => make(c, true)), ...regularSpecs.map((c) => make(c, false))],
    initCount: initSpecs.length,
    nextInit: 0,
    initDone: false,
    queue: [],
    conditions: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Step
// ---------------------------------------------------------------------------------------------

interface Ctx {
  s: PodRuntimeState;
  env: StepEnv;
  images: ImageCacheState;
  events: KubeletEvent[];
}

function cloneState(state: PodRuntimeState): PodRuntimeState {
  const { pod, ...rest } = state;
  return { ...cloneJson(rest), pod };
}

/** Containers alive in the runtime: started and not yet exited (a stopping one counts until it exits). */
export function runningContainerCount(state: PodRuntimeState): number {
  let n = 0;
  for (const c of state.containers) if (c.phase.kind === 'running') n++;
  return n;
}

export function step(state: PodRuntimeState, event: PodEvent, nowMs: number, env: StepEnv): StepResult {
  const before = JSON.stringify(podStatus(state));
  const s = cloneState(state);
  const ctx: Ctx = { s, env, images: env.images, events: [] };
  let truncated = runDue(ctx, nowMs);
  if (!truncated) {
    applyEvent(ctx, event, nowMs);
    settle(ctx, nowMs);
    truncated = runDue(ctx, nowMs);
  }
  const status = podStatus(s);
  const statusChanged = JSON.stringify(status) !== before;
  const result: StepResult = {
    state: s,
    images: ctx.images,
    statusChanged,
    events: ctx.events,
    terminated: s.stage === 'terminated',
    readyToDelete: s.stage === 'terminated' && s.deleteRequested,
  };
  if (statusChanged) result.status = status;
  const next = truncated ? nowMs : nextDue(s)?.atMs;
  if (next !== undefined) result.wakeAtMs = Math.max(next, nowMs);
  return result;
}

/** Processes everything due at or before `nowMs`; true when the per-step bound cut it short. */
function runDue(ctx: Ctx, nowMs: number): boolean {
  for (let n = 0; ; n++) {
    const d = nextDue(ctx.s);
    if (d === undefined || d.atMs > nowMs) return false;
    if (n >= MAX_DUE_PER_STEP) return true;
    processDue(ctx, d);
    settle(ctx, d.atMs);
  }
}

function applyEvent(ctx: Ctx, event: PodEvent, t: number): void {
  const s = ctx.s;
  switch (event.type) {
    case 'Tick':
      return;
    case 'PodBound':
      onBound(ctx, event, t);
      return;
    case 'PodUpdated': {
      const merged: V1Pod = { ...event.pod, spec: s.pod.spec } as V1Pod;
      (s as { pod: V1Pod }).pod = merged;
      return;
    }
    case 'DeleteRequested':
      onStopRequest(ctx, t, event.gracePeriodSeconds, false);
      return;
    case 'NodeShutdown':
      onStopRequest(ctx, t, event.gracePeriodSeconds, true);
      return;
  }
}

function emit(ctx: Ctx, atMs: number, type: KubeletEvent['type'], reason: string, message: string, fieldPath?: string): void {
  const e: KubeletEvent = { type, reason, message, atMs };
  if (fieldPath !== undefined) e.fieldPath = fieldPath;
  ctx.events.push(e);
}

function onBound(ctx: Ctx, event: Extract<PodEvent, { type: 'PodBound' }>, t: number): void {
  const s = ctx.s;
  if (s.stage !== 'new') return;
  s.hostIP = event.hostIP;
  if (event.admission !== undefined && !event.admission.ok) {
    s.stage = 'rejected';
    s.rejection = { reason: event.admission.reason, message: event.admission.message };
    emit(ctx, t, 'Warning', event.admission.reason, event.admission.message);
    return;
  }
  s.admittedAtMs = t;
  s.podIP = s.pod.spec?.hostNetwork ? event.hostIP : event.podIP;
  s.stage = 'sandbox';
  s.sandboxReadyAtMs = t + Math.max(0, ctx.env.config?.sandboxCreateMs ?? 0);
  const behaviors = parsePodBehaviors(s.pod);
  for (const e of behaviors.podErrors) emit(ctx, t, 'Warning', 'InvalidBehavior', e.message);
  for (const w of behaviors.warnings) emit(ctx, t, 'Warning', 'InvalidBehavior', w);
  const sizes = s.pod.metadata?.annotations?.[IMAGE_SIZES_ANNOTATION];
  if (sizes !== undefined) {
    const parsed = parseImageSizes(sizes);
    if (parsed.ok) s.podImageSizes = parsed.sizes;
    else emit(ctx, t, 'Warning', 'InvalidImageSizes', parsed.message);
  }
}

function onStopRequest(ctx: Ctx, t: number, graceSeconds: number | undefined, shutdown: boolean): void {
  const s = ctx.s;
  const graceMs = graceSeconds === undefined || graceSeconds === null ? s.terminationGracePeriodMs : Math.max(0, graceSeconds) * 1000;
  if (shutdown) {
    if (s.stage === 'new' || s.stage === 'rejected' || s.stage === 'terminated') return;
    s.shutdown = true;
  } else {
    s.deleteRequested = true;
  }
  switch (s.stage) {
    case 'new':
    case 'rejected':
      s.stage = 'terminated';
      return;
    case 'terminated':
      return;
    case 'sandbox':
    case 'active':
      beginStopping(ctx, t, shutdown ? 'shutdown' : 'delete', graceMs);
      return;
    case 'stopping':
      // A shorter grace period on a second request shortens the stops under way.
      ctx.s.containers.forEach((c, ci) => {
        if (c.phase.kind === 'running') stopContainer(ctx, ci, t, shutdown ? 'shutdown' : 'delete', graceMs);
      });
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Due items
// ---------------------------------------------------------------------------------------------

export type DueKind = 'sandbox' | 'pulled' | 'started' | 'backoff' | 'exit' | 'stop' | ProbeKind;
const DUE_ORDER: Record<DueKind, number> = { sandbox: 0, pulled: 1, started: 2, backoff: 3, exit: 4, stop: 5, startup: 6, liveness: 7, readiness: 8 };
const PROBE_KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];

export interface Due {
  atMs: number;
  ci: number;
  kind: DueKind;
}

/** The earliest scheduled item, ties broken by container index then kind. */
export function nextDue(s: PodRuntimeState): Due | undefined {
  let best: Due | undefined;
  const consider = (atMs: number, ci: number, kind: DueKind): void => {
    if (
      best === undefined ||
      atMs < best.atMs ||
      (atMs === best.atMs && (ci < best.ci || (ci === best.ci && DUE_ORDER[kind] < DUE_ORDER[best.kind])))
    ) {
      best = { atMs, ci, kind };
    }
  };
  if (s.stage === 'sandbox' && s.sandboxReadyAtMs !== undefined) consider(s.sandboxReadyAtMs, -1, 'sandbox');
  for (let ci = 0; ci < s.containers.length; ci++) {
    const p = s.containers[ci]!.phase;
    switch (p.kind) {
      case 'pulling':
        consider(p.untilMs, ci, 'pulled');
        break;
      case 'creating':
        consider(p.untilMs, ci, 'started');
        break;
      case 'backoff':
        consider(p.untilMs, ci, 'backoff');
        break;
      case 'running': {
        const run = p.run;
        if (run.plan.exit !== undefined) consider(run.startedAtMs + run.plan.exit.afterMs, ci, 'exit');
        if (run.stop !== undefined) consider(run.stop.exitAtMs, ci, 'stop');
        else {
          for (const kind of PROBE_KINDS) {
            const at = run.probes[kind]?.nextAtMs;
            if (at !== undefined) consider(at, ci, kind);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return best;
}

function processDue(ctx: Ctx, d: Due): void {
  const t = d.atMs;
  if (d.kind === 'sandbox') {
    const s = ctx.s;
    s.stage = 'active';
    s.sandboxUp = true;
    s.podIPAssigned = true;
    return;
  }
  const c = ctx.s.containers[d.ci]!;
  switch (d.kind) {
    case 'pulled':
      onPulled(ctx, d.ci, t);
      return;
    case 'started':
      onStarted(ctx, d.ci, t);
      return;
    case 'backoff':
      c.phase = { kind: 'terminated' };
      decideRestart(ctx, d.ci, t);
      return;
    case 'exit':
      if (c.phase.kind === 'running') onExit(ctx, d.ci, t, c.phase.run.plan.exit!.code);
      return;
    case 'stop':
      if (c.phase.kind === 'running') onExit(ctx, d.ci, t, c.phase.run.stop!.exitCode);
      return;
    default:
      onProbe(ctx, d.ci, d.kind, t);
  }
}

// ---------------------------------------------------------------------------------------------
// Starting containers
// ---------------------------------------------------------------------------------------------

function enqueue(s: PodRuntimeState, ci: number): void {
  const c = s.containers[ci]!;
  if (c.pendingStart) return;
  c.pendingStart = true;
  c.everQueued = true;
  s.queue.push(ci);
}

function beginStart(ctx: Ctx, ci: number, t: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  c.pendingStart = false;
  s.current = ci;
  if (c.behaviorError !== undefined) {
    c.phase = { kind: 'waiting', reason: 'CreateContainerConfigError', message: c.behaviorError };
    emit(ctx, t, 'Warning', 'Failed', `Error: ${c.behaviorError}`, c.fieldPath);
    s.current = undefined;
    return;
  }
  const cfg = ctx.env.config ?? {};
  const pullOptions: Parameters<typeof planImagePull>[4] = {};
  if (cfg.imagePullBandwidthBytesPerSec !== undefined) pullOptions.bandwidthBytesPerSec = cfg.imagePullBandwidthBytesPerSec;
  if (cfg.serializeImagePulls !== undefined) pullOptions.serializeImagePulls = cfg.serializeImagePulls;
  if (s.podImageSizes !== undefined) pullOptions.podSizes = s.podImageSizes;
  if (cfg.imageSizes !== undefined) pullOptions.nodeSizes = cfg.imageSizes;
  const { plan, cache } = planImagePull(ctx.images, c.image, c.pullPolicy, t, pullOptions);
  ctx.images = cache;
  switch (plan.kind) {
    case 'neverPull': {
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      c.phase = { kind: 'waiting', reason: 'ErrImageNeverPull', message };
      emit(ctx, t, 'Warning', 'ErrImageNeverPull', message, c.fieldPath);
      s.current = undefined;
      return;
    }
    case 'present':
      emit(ctx, t, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.fieldPath);
      createContainer(ctx, ci, t);
      return;
    case 'pull':
      emit(ctx, t, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.fieldPath);
      c.phase = { kind: 'pulling', requestedAtMs: t, untilMs: plan.endMs, pullMs: plan.pullMs, sizeBytes: plan.sizeBytes, cached: plan.cached };
      return;
  }
}

function onPulled(ctx: Ctx, ci: number, t: number): void {
  const c = ctx.s.containers[ci]!;
  if (c.phase.kind !== 'pulling') return;
  const p = c.phase;
  const pullMs = p.pullMs > 0 ? p.pullMs : t - p.requestedAtMs;
  emit(
    ctx,
    t,
    'Normal',
    'Pulled',
    `Successfully pulled image "${c.image}" in ${goDuration(pullMs)} (${goDuration(t - p.requestedAtMs)} including waiting). Image size: ${p.sizeBytes} bytes.`,
    c.fieldPath,
  );
  createContainer(ctx, ci, t);
}

function createContainer(ctx: Ctx, ci: number, t: number): void {
  const c = ctx.s.containers[ci]!;
  const plan = planRun(c.behavior, c.instances, ctx.env.randomInt);
  c.instances++;
  emit(ctx, t, 'Normal', 'Created', `Created container ${c.name}`, c.fieldPath);
  c.phase = { kind: 'creating', untilMs: t + Math.max(0, ctx.env.config?.containerStartMs ?? 0) + plan.startTakesMs, plan };
}

function onStarted(ctx: Ctx, ci: number, t: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  if (c.phase.kind !== 'creating') return;
  const instance = c.instances - 1;
  const run: ContainerRun = {
    instance,
    containerId: `containerd://${fakeHex64(`${s.uid}/${c.name}/${instance}`)}`,
    startedAtMs: t,
    plan: c.phase.plan,
    probes: {},
    started: false,
    ready: false,
  };
  for (const kind of PROBE_KINDS) if (c.probes[kind] !== undefined) run.probes[kind] = initialProbeState(kind);
  const startup = c.probes.startup;
  if (startup !== undefined) {
    // The ticker's tick at this very instant (if any) has fired already: the first probe comes after.
    run.probes.startup!.nextAtMs = probeTickAtOrAfter(s.admittedAtMs ?? t, startup.periodMs, Math.max(t + 1, t + startup.initialDelayMs));
  } else {
    run.started = true;
    scheduleAfterStarted(s, c, run, t);
  }
  run.ready = run.started && c.probes.readiness === undefined;
  c.phase = { kind: 'running', run };
  c.everStarted = true;
  emit(ctx, t, 'Normal', 'Started', `Started container ${c.name}`, c.fieldPath);
  if (s.current === ci) s.current = undefined;
}

/**
 * Liveness starts on the first tick after `t` once the initial delay has passed (a tick at `t`
 * itself has fired already: it is the one that, say, killed the previous instance). Readiness also runs at
 * once when the container becomes started (the prober manager's manual trigger on a status
 * update), if the initial delay has passed; otherwise on the first tick after it.
 */
function scheduleAfterStarted(s: PodRuntimeState, c: ContainerRt, run: ContainerRun, t: number): void {
  const anchor = s.admittedAtMs ?? run.startedAtMs;
  const live = c.probes.liveness;
  if (live !== undefined) run.probes.liveness!.nextAtMs = probeTickAtOrAfter(anchor, live.periodMs, Math.max(t + 1, run.startedAtMs + live.initialDelayMs));
  const ready = c.probes.readiness;
  if (ready !== undefined) {
    run.probes.readiness!.nextAtMs = t - run.startedAtMs >= ready.initialDelayMs ? t : probeTickAtOrAfter(anchor, ready.periodMs, run.startedAtMs + ready.initialDelayMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Probes, exits, restarts, stops
// ---------------------------------------------------------------------------------------------

const PROBE_TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

function onProbe(ctx: Ctx, ci: number, kind: ProbeKind, t: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  if (c.phase.kind !== 'running') return;
  const run = c.phase.run;
  const ps = run.probes[kind];
  const params = c.probes[kind];
  if (ps === undefined || params === undefined || run.stop !== undefined) return;
  const fails = probeFails(run.plan, kind, t - run.startedAtMs);
  const result = recordProbeOutcome(ps, params, fails ? 'failure' : 'success');
  if (fails) emit(ctx, t, 'Warning', 'Unhealthy', `${PROBE_TITLE[kind]} probe failed: ${probeFailureMessage(params, s.podIP)}`, c.fieldPath);
  ps.nextAtMs = probeTickAfter(s.admittedAtMs ?? run.startedAtMs, params.periodMs, t);
  switch (kind) {
    case 'readiness':
      run.ready = run.started && result === 'success';
      return;
    case 'startup':
      if (result === 'success') {
        delete ps.nextAtMs;
        run.started = true;
        run.ready = c.probes.readiness === undefined;
        scheduleAfterStarted(s, c, run, t);
      } else if (result === 'failure') {
        delete ps.nextAtMs;
        killForProbe(ctx, ci, kind, t);
      }
      return;
    case 'liveness':
      if (result === 'failure') {
        delete ps.nextAtMs;
        killForProbe(ctx, ci, kind, t);
      }
      return;
  }
}

function killForProbe(ctx: Ctx, ci: number, kind: 'liveness' | 'startup', t: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  const grace = c.probes[kind]?.terminationGracePeriodMs ?? s.terminationGracePeriodMs;
  const restart = s.restartPolicy !== 'Never' || c.sidecar;
  stopContainer(ctx, ci, t, kind, grace, `Container ${c.name} failed ${kind} probe${restart ? ', will be restarted' : ''}`);
}

/** Starts the stop sequence of a running container (or shortens one under way). */
function stopContainer(ctx: Ctx, ci: number, t: number, cause: StopCause, graceMs: number, message?: string): void {
  const c = ctx.s.containers[ci]!;
  if (c.phase.kind !== 'running') return;
  const run = c.phase.run;
  const stop = computeStop(run.plan, preStopDurationMs(c, run.plan), graceMs, t, cause);
  if (run.stop !== undefined) {
    if (stop.exitAtMs < run.stop.exitAtMs) run.stop = { ...stop, cause: run.stop.cause, requestedAtMs: run.stop.requestedAtMs };
    return;
  }
  emit(ctx, t, 'Normal', 'Killing', message ?? `Stopping container ${c.name}`, c.fieldPath);
  run.stop = stop;
}

function onExit(ctx: Ctx, ci: number, t: number, code: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  if (c.phase.kind !== 'running') return;
  const run = c.phase.run;
  const latest = c.terminations[0];
  c.terminations = [
    { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAtMs: run.startedAtMs, finishedAtMs: t, containerId: run.containerId },
    ...(latest === undefined ? [] : [latest]),
  ];
  c.phase = { kind: 'terminated' };
  if (s.stage !== 'active') return;
  const probeKill = run.stop?.cause === 'liveness' || run.stop?.cause === 'startup';
  let restart: boolean;
  if (c.sidecar) restart = true;
  else if (c.init) restart = code !== 0 && s.restartPolicy !== 'Never';
  // A container killed by its probe is started again unless the policy is Never (computePodActions).
  else restart = s.restartPolicy === 'Always' || (s.restartPolicy === 'OnFailure' && (code !== 0 || probeKill));
  if (restart) decideRestart(ctx, ci, t);
}

/** `doBackOff`: wait out the back-off measured from the exit, else move the back-off and start. */
function decideRestart(ctx: Ctx, ci: number, t: number): void {
  const s = ctx.s;
  const c = s.containers[ci]!;
  const finishedAt = c.terminations[0]?.finishedAtMs ?? t;
  if (isInBackoff(c.backoff, finishedAt, t)) {
    const pod = formatPod(s.name, s.namespace, s.uid);
    const backoffMs = c.backoff!.backoffMs;
    c.phase = { kind: 'backoff', untilMs: finishedAt + backoffMs, message: `back-off ${goDuration(backoffMs)} restarting failed container=${c.name} pod=${pod}` };
    emit(ctx, t, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod}`, c.fieldPath);
    return;
  }
  c.backoff = nextBackoff(c.backoff, finishedAt, t);
  enqueue(s, ci);
}

// ---------------------------------------------------------------------------------------------
// Pod-level progress
// ---------------------------------------------------------------------------------------------

function beginStopping(ctx: Ctx, t: number, cause: StopCause, graceMs: number): void {
  const s = ctx.s;
  s.stage = 'stopping';
  s.queue = [];
  delete s.current;
  s.containers.forEach((c, ci) => {
    c.pendingStart = false;
    switch (c.phase.kind) {
      case 'creating':
        c.instances--;
        c.phase = c.terminations.length > 0 ? { kind: 'terminated' } : { kind: 'waiting', reason: s.defaultWaitingReason };
        break;
      case 'pulling':
        c.phase = c.terminations.length > 0 ? { kind: 'terminated' } : { kind: 'waiting', reason: s.defaultWaitingReason };
        break;
      case 'backoff':
        c.phase = { kind: 'terminated' };
        break;
      case 'running':
        stopContainer(ctx, ci, t, cause, graceMs);
        break;
      default:
        break;
    }
  });
}

/** Moves the pod along after anything happened at `t`, then refreshes condition transition times. */
function settle(ctx: Ctx, t: number): void {
  const s = ctx.s;
  for (let guard = 0; guard < 4 * s.containers.length + 8; guard++) {
    let changed = false;
    if (s.stage === 'active') {
      changed = advanceInit(s) || pumpPipeline(ctx, t) || checkCompletion(ctx, t);
    } else if (s.stage === 'stopping') {
      changed = checkStopped(s);
    }
    if (!changed) break;
  }
  for (const v of podConditionValues(s)) {
    const mark = s.conditions[v.type];
    if (mark === undefined || mark.status !== v.status) s.conditions[v.type] = { status: v.status, sinceMs: t };
  }
}

function advanceInit(s: PodRuntimeState): boolean {
  if (s.initDone) return false;
  let changed = false;
  while (s.nextInit < s.initCount) {
    const c = s.containers[s.nextInit]!;
    const done = c.sidecar ? c.everStarted : c.phase.kind === 'terminated' && !c.pendingStart && c.terminations[0]?.exitCode === 0;
    if (done) {
      s.nextInit++;
      changed = true;
      continue;
    }
    if (!c.everQueued) {
      enqueue(s, s.nextInit);
      changed = true;
    }
    return changed;
  }
  s.initDone = true;
  for (let ci = s.initCount; ci < s.containers.length; ci++) enqueue(s, ci);
  return true;
}

function pumpPipeline(ctx: Ctx, t: number): boolean {
  const s = ctx.s;
  if (s.current !== undefined || s.queue.length === 0) return false;
  beginStart(ctx, s.queue.shift()!, t);
  return true;
}

function checkCompletion(ctx: Ctx, t: number): boolean {
  const s = ctx.s;
  const final = (c: ContainerRt): boolean => c.phase.kind === 'terminated' && !c.pendingStart;
  const initFailed = s.containers.some((c) => c.init && !c.sidecar && final(c) && c.terminations[0]?.exitCode !== 0);
  const regular = s.containers.slice(s.initCount);
  const regularDone = s.initDone && regular.length > 0 && regular.every(final);
  if (!initFailed && !regularDone) return false;
  // The pod is done: stop what still runs (sidecars), then tear the sandbox down.
  beginStopping(ctx, t, 'completed', s.terminationGracePeriodMs);
  return true;
}

function checkStopped(s: PodRuntimeState): boolean {
  if (s.containers.some((c) => c.phase.kind === 'running')) return false;
  s.stage = 'terminated';
  s.sandboxUp = false;
  if (s.deleteRequested || s.shutdown) {
    for (const c of s.containers) {
      if (c.phase.kind === 'terminated') continue;
      if (c.terminations.length === 0) {
        c.terminations = [{ exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' }];
      }
      c.phase = { kind: 'terminated' };
    }
  }
  return true;
}
