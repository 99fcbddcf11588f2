/**
 * The Kubernetes guestbook example (test/fixtures/guestbook/: kubernetes/examples web/guestbook,
 * unchanged) on a simulated 3-worker cluster: the scenario; `runGuestbook`, a whole scenario run
 * (expectations, invariants, fingerprint); and `startGuestbook`, the same cluster built and left
 * running — the caller advances it with `sim.runUntil(ms)`, reads `world.state`, and may schedule
 * more of its own in between (`sim.clock.at`), say client requests through the frontend's
 * Service. (A finished `runScenario` cannot be resumed: its fingerprint is taken.)
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Simulation } from '../../actors/kernel/simulation.ts';
import { buildWorld, createSimulation, type World } from '../../actors/scenario/build.ts';
import { Outcomes } from '../../actors/scenario/outcomes.ts';
import { runScenario, type Run, type RunOptions } from '../../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { scheduleTimeline } from '../../actors/scenario/timeline.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

export const GUESTBOOK_DIR = join(import.meta.dirname, '..', 'fixtures', 'guestbook');

/** In the tutorial's order: the Redis master, its replicas, then the frontend; each Deployment before its Service. */
export const GUESTBOOK_MANIFESTS = [
  'redis-master-deployment.yaml',
  'redis-master-service.yaml',
  'redis-replica-deployment.yaml',
  'redis-replica-service.yaml',
  'frontend-deployment.yaml',
  'frontend-service.yaml',
] as const;

export interface GuestbookOptions {
  /** Virtual run time (default 90 s). */
  duration?: string;
  /** More timeline steps and expectations, as in a scenario file. */
  timeline?: Record<string, unknown>[];
  expect?: Record<string, unknown>[];
  /** Traffic sources, as spec.traffic in a scenario file. */
  traffic?: Record<string, unknown>[];
  seed?: number;
}

/** The scenario text: 3 etcd members, one of each control-plane component, 3 workers, the guestbook as the workload. */
export function guestbookScenarioText(options: GuestbookOptions = {}): string {
  return stringify({
    apiVersion: 'kubesim.io/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'guestbook' },
    spec: {
      seed: options.seed ?? 1,
      duration: options.duration ?? '90s',
      cluster: { etcd: { members: 3 }, controlPlane: { apiservers: 1, schedulers: 1, controllerManagers: 1 }, nodes: [{ name: 'worker', count: 3 }] },
      workload: GUESTBOOK_MANIFESTS.map((path) => ({ path })),
      ...(options.timeline ? { timeline: options.timeline } : {}),
      ...(options.expect ? { expect: options.expect } : {}),
      ...(options.traffic ? { traffic: options.traffic } : {}),
    },
  });
}

export function guestbookSpec(options: GuestbookOptions = {}): ScenarioSpec {
  return loadScenarioText(guestbookScenarioText(options), join(GUESTBOOK_DIR, 'guestbook.yaml'));
}

/** Runs the guestbook scenario to `duration` and returns the finished run (result, committed state). */
export function runGuestbook(options: GuestbookOptions = {}, runOptions: RunOptions = {}): Run {
  return runScenario(guestbookSpec(options), runOptions);
}

export interface RunningGuestbook {
  readonly sim: Simulation;
  readonly world: World;
  readonly spec: ScenarioSpec;
}

/**
 * The guestbook cluster built, its workload and timeline scheduled, at virtual time 0 and not yet
 * run (no expectations or invariant checks: those belong to `runGuestbook`).
 */
export function startGuestbook(options: GuestbookOptions = {}): RunningGuestbook {
  const spec = guestbookSpec(options);
  const sim = createSimulation(spec, {});
  const world = buildWorld(sim, spec);
  scheduleTimeline(spec, world, new Outcomes(sim, spec.clients.map((c) => c.name)));
  return { sim, world, spec };
}
