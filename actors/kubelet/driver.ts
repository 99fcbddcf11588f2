/**
 * A pure driver for one pod worker: binds the pod, then steps it at every time it asks to be woken
 * (and at the times of scripted events) up to `untilMs`. It does what the kubelet machine does with
 * kernel timers, without a kernel, for tests, examples and quick "what happens" questions.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { RandomInt } from './behavior.ts';
import { newImageCache, type ImageCacheState } from './images.ts';
import { newPodRuntimeState, step, type KubeletConfig, type KubeletEvent, type PodEvent, type PodRuntimeState } from './pod-worker.ts';
import type { PodStatusJson } from './status.ts';

export const DEFAULT_MAX_STEPS = 100_000;

export interface DriveOptions {
  untilMs: number;
  /** When the pod is bound (default 0). */
  boundAtMs?: number;
  hostIP?: string;
  podIP?: string;
  /** Sent instead of a plain bind (e.g. a rejecting admission). */
  bind?: Extract<PodEvent, { type: 'PodBound' }>;
  /** More events at given times (deletes, shutdowns), sorted by the driver. */
  script?: readonly { atMs: number; event: PodEvent }[];
  config?: KubeletConfig;
  images?: ImageCacheState;
  randomInt?: RandomInt;
  maxSteps?: number;
}

export interface Timeline {
  state: PodRuntimeState;
  images: ImageCacheState;
  events: KubeletEvent[];
  /** Every status change, with the virtual time of the step that produced it. */
  statuses: { atMs: number; status: PodStatusJson }[];
  /** The last time a step ran. */
  lastStepMs: number;
  /** When the object could be deleted (grace 0) after a delete, if it came. */
  readyToDeleteAtMs?: number;
}

export function drivePod(pod: V1Pod, options: DriveOptions): Timeline {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const bound = options.boundAtMs ?? 0;
  const script = [...(options.script ?? [])].map((s, i) => ({ ...s, i })).sort((a, b) => a.atMs - b.atMs || a.i - b.i);
  let state = newPodRuntimeState(pod);
  let images = options.images ?? newImageCache();
  const events: KubeletEvent[] = [];
  const statuses: Timeline['statuses'] = [];
  const timeline: Timeline = { state, images, events, statuses, lastStepMs: bound };
  const apply = (event: PodEvent, atMs: number): number | undefined => {
    const env: Parameters<typeof step>[3] = { images };
    if (options.config !== undefined) env.config = options.config;
    if (options.randomInt !== undefined) env.randomInt = options.randomInt;
    const r = step(state, event, atMs, env);
    state = r.state;
    images = r.images;
    events.push(...r.events);
    if (r.status !== undefined) statuses.push({ atMs, status: r.status });
    if (r.readyToDelete && timeline.readyToDeleteAtMs === undefined) timeline.readyToDeleteAtMs = atMs;
    timeline.lastStepMs = atMs;
    return r.wakeAtMs;
  };
  const bind: PodEvent = options.bind ?? { type: 'PodBound', hostIP: options.hostIP ?? '172.18.0.2', podIP: options.podIP ?? '10.244.0.2' };
  let wake = apply(bind, bound);
  let next = 0;
  for (let n = 0; n < maxSteps; n++) {
    const scripted = script[next];
    const at = Math.min(wake ?? Infinity, scripted?.atMs ?? Infinity);
    if (!Number.isFinite(at) || at > options.untilMs) break;
    if (scripted !== undefined && scripted.atMs === at) {
      next++;
      wake = apply(scripted.event, at);
    } else {
      wake = apply({ type: 'Tick' }, at);
    }
  }
  timeline.state = state;
  timeline.images = images;
  return timeline;
}
