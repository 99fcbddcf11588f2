/**
 * Mode `scheduler`, the framework side: the scheduling algorithm as the scheduler actor runs it
 * (scheduler-core.ts `onCycle`), against a prepared cluster state with no apiserver and no
 * kubelets, like scheduler_perf: `SchedulingQueue.pop` → `scheduleOne(profile, snapshot, ...)`
 * → `AssumeCache.assume` (Snapshot.addPod) → the binding "succeeds" at once
 * (`finishBinding`, `queue.done`) → next pod.
 *
 * What the actor would get from its informers is applied directly: a preemption's victims are
 * deleted from the cache and the queue hears a cluster event; the preemptor's
 * `status.nominatedNodeName` is updated in the queue. Time is virtual and only drives the queue's
 * backoff and SchedulingWithMixedChurn's recreate steps: every scheduling cycle takes
 * `CYCLE_VIRTUAL_MS`; when nothing is ready the clock jumps to the next backoff expiry or churn
 * step. Nothing here reads the wall clock except the measurement.
 */
import { performance } from 'node:perf_hooks';
import type { V1Pod } from '@kubernetes/client-node';
import { Rng } from '../../actors/kernel/rng.ts';
import { AssumeCache, buildSnapshot, INITIAL_ROTATION, podKey, scheduleOne, SchedulingQueue, type Rotation } from '../../actors/scheduler/index.ts';
import { benchProfile, type BenchProfile } from './profile.ts';
import type { Workload } from './workloads.ts';
import type { Plugin } from '../../actors/scheduler/framework/interface.ts';

/** Virtual time one scheduling cycle takes in this loop (drives backoff and churn only). */
export const CYCLE_VIRTUAL_MS = 1;
/** Give up when no measured pod was bound for this long (virtual): the rest cannot be scheduled. */
export const STUCK_AFTER_VIRTUAL_MS = 10 * 60_000;

export interface Eviction {
  readonly victim: string;
  readonly victimPriority: number;
  readonly preemptor: string;
  readonly preemptorPriority: number;
  readonly node: string;
}

/** Where everything ended up: the same shape for the framework and the baseline. */
export interface Placement {
  /** Pod key → node, for every pod bound at the end (init and measured; churn pods never bind). */
  readonly bound: Map<string, string>;
  readonly evictions: Eviction[];
  /** Measured pods left unbound when the loop ended. */
  readonly unscheduled: string[];
}

export interface LoopMeasurement {
  /** Measured pods bound. */
  readonly bound: number;
  readonly measured: number;
  /** Wall ms of the measured phase (enqueueing included). */
  readonly wallMs: number;
  /** pods/s of each window of `windowPods` bound measured pods. */
  readonly windowRates: number[];
  readonly windowPods: number;
  /** Scheduling cycles run in the measured phase (failed attempts and churn pods included). */
  readonly cycles: number;
  readonly virtualMs: number;
  readonly preemptions: number;
  readonly churnSteps: number;
  /** Mean nodes filtered per cycle (kube's EvaluatedNodes). */
  readonly meanEvaluatedNodes: number;
}

export interface FrameworkRun {
  readonly measurement: LoopMeasurement;
  readonly placement: Placement;
  readonly profile: BenchProfile;
  /** Pod key → node in decision order (measured pods only), to compare with the baseline. */
  readonly decisions: Map<string, string>;
}

export interface LoopOptions {
  readonly windowPods: number;
  /** Called after each bound measured pod with (bound, total). */
  readonly onProgress?: (bound: number, total: number) => void;
  /** Framework only: call every plugin for every node (scheduleOne's `plainPluginPath`), for an A/B of the fused scan. */
  readonly plainPluginPath?: boolean;
  /** Framework only: replaces each profile plugin (an A/B of one plugin's implementation, e.g. affinity-table-ab.ts). */
  readonly wrapPlugin?: (p: Plugin) => Plugin;
}

/** The window size used when the caller asks for none: 500 pods, fewer for small runs. */
export function defaultWindowPods(measured: number): number {
  return Math.max(1, Math.min(500, Math.ceil(measured / 10)));
}

export function runFrameworkLoop(w: Workload, options: LoopOptions): FrameworkRun {
  const bp = benchProfile(w.info.needs);
  const profile = options.wrapPlugin ? { ...bp.profile, plugins: bp.profile.plugins.map(options.wrapPlugin) } : bp.profile;
  const snapshot = buildSnapshot(w.nodes);
  const cache = new AssumeCache(snapshot);
  const queue = new SchedulingQueue();
  const rng = new Rng(w.seed, 'bench/scheduler');
  const randomInt = (n: number): number => rng.int(0, n);
  let rotation: Rotation = INITIAL_ROTATION;
  const scheduleOptions = options.plainPluginPath === true ? { plainPluginPath: true } : {};
  let now = 0;
  const evictions: Eviction[] = [];
  const decisions = new Map<string, string>();
  let preemptions = 0;
  let cycles = 0;
  let evaluated = 0;

  // SchedulingWithMixedChurn: step k at k·everyMs replaces step k−1's node and pod.
  const churn = w.churn;
  let churnStep = 0;
  let nextChurnAt = churn ? 0 : Infinity;
  let churnSteps = 0;
  let previousChurn: { node: string; pod: V1Pod } | null = null;
  const doChurn = (): void => {
    if (!churn) return;
    if (previousChurn) {
      snapshot.removeNode(previousChurn.node);
      queue.delete(previousChurn.pod);
      cache.onPodDelete(previousChurn.pod);
    }
    const step = churn.step(churnStep++);
    snapshot.updateNode(step.node);
    queue.add(step.pod, now);
    queue.onClusterEvent(now);
    previousChurn = { node: step.node.metadata!.name!, pod: step.pod };
    churnSteps++;
    nextChurnAt = churnStep * churn.everyMs;
  };

  /** One `onCycle`: the bound pod's key, null when the attempt failed, undefined when nothing was ready. */
  const cycle = (): string | null | undefined => {
    const info = queue.pop(now);
    if (!info) return undefined;
    const r = scheduleOne(profile, snapshot, info.podInfo, rotation, randomInt, scheduleOptions);
    rotation = r.rotation;
    now += CYCLE_VIRTUAL_MS;
    cycles++;
    evaluated += r.evaluatedNodes;
    if ('node' in r) {
      cache.assume(info.podInfo, r.node);
      cache.finishBinding(info.key);
      queue.done(info.key);
      decisions.set(info.key, r.node);
      return info.key;
    }
    if ('unschedulable' in r) {
      const u = r.unschedulable;
      queue.markUnschedulable(info, now, u.unschedulablePlugins);
      const pod = info.podInfo.pod;
      const current = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? '';
      if (u.nominatedNodeName !== undefined && u.nominatedNodeName !== current) {
        // The actor patches status.nominatedNodeName; its informer then updates the queued pod.
        const status: Record<string, unknown> = { ...(pod.status ?? {}) };
        if (u.nominatedNodeName === '') delete status['nominatedNodeName'];
        else status['nominatedNodeName'] = u.nominatedNodeName;
        queue.update({ ...pod, status } as V1Pod, now);
      }
      if (u.victims && u.victims.length > 0) {
        preemptions++;
        for (const v of u.victims) {
          evictions.push({ victim: v.key, victimPriority: v.priority, preemptor: info.key, preemptorPriority: info.podInfo.priority, node: u.nominatedNodeName ?? '' });
          cache.onPodDelete(v.key);
        }
        queue.onClusterEvent(now); // the victims' deletions reach the informer
      }
      return null;
    }
    queue.requeueAfterError(info, now);
    return null;
  };

  /** Runs cycles until `pending` pods of `wanted` are bound or nothing more can happen. */
  const drain = (wanted: ReadonlySet<string>, onBound: (bound: number) => void): number => {
    let bound = 0;
    let lastProgress = now;
    while (bound < wanted.size) {
      if (now >= nextChurnAt) doChurn();
      const res = cycle();
      if (res === undefined) {
        const candidates: number[] = [];
        if (queue.sizes.backoff > 0) candidates.push(queue.nextWakeMs()!);
        if (churn) candidates.push(nextChurnAt);
        if (candidates.length === 0) break; // only unschedulable pods left and nothing will change
        now = Math.max(now, Math.min(...candidates));
      } else if (res !== null && wanted.has(res)) {
        bound++;
        lastProgress = now;
        onBound(bound);
      }
      if (now - lastProgress > STUCK_AFTER_VIRTUAL_MS) break;
    }
    return bound;
  };

  // Init pods: scheduled the same way, not measured (they also warm up the JIT).
  const initKeys = new Set(w.initPods.map(podKey));
  for (const p of w.initPods) queue.add(p, now);
  drain(initKeys, () => {});

  // Measured pods.
  const measuredKeys = new Set(w.measuredPods.map(podKey));
  const total = measuredKeys.size;
  const windowPods = options.windowPods;
  const windowRates: number[] = [];
  const cycles0 = cycles;
  const evaluated0 = evaluated;
  const preemptions0 = preemptions;
  const churnSteps0 = churnSteps;
  const virtual0 = now;
  const t0 = performance.now();
  let windowStart = t0;
  for (const p of w.measuredPods) queue.add(p, now);
  const bound = drain(measuredKeys, (n) => {
    if (n % windowPods === 0) {
      const t = performance.now();
      windowRates.push((windowPods * 1000) / Math.max(t - windowStart, 1e-6));
      windowStart = t;
    }
    options.onProgress?.(n, total);
  });
  const wallMs = performance.now() - t0;

  const boundMap = new Map<string, string>();
  for (const ni of snapshot.nodes) for (const p of ni.pods) boundMap.set(p.key, ni.name);
  if (churn && previousChurn) boundMap.delete(podKey((previousChurn as { pod: V1Pod }).pod));
  const unscheduled = [...measuredKeys].filter((k) => !boundMap.has(k));
  const measuredDecisions = new Map([...decisions].filter(([k]) => measuredKeys.has(k)));
  const measuredCycles = cycles - cycles0;
  return {
    measurement: {
      bound,
      measured: total,
      wallMs,
      windowRates,
      windowPods,
      cycles: measuredCycles,
      virtualMs: now - virtual0,
      preemptions: preemptions - preemptions0,
      churnSteps: churnSteps - churnSteps0,
      meanEvaluatedNodes: measuredCycles > 0 ? (evaluated - evaluated0) / measuredCycles : 0,
    },
    placement: { bound: boundMap, evictions, unscheduled },
    profile: bp,
    decisions: measuredDecisions,
  };
}
