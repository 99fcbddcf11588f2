import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { admitPod } from '../../actors/kubelet/admission.ts';
import { drivePod, type DriveOptions, type Timeline } from '../../actors/kubelet/driver.ts';
import { newImageCache } from '../../actors/kubelet/images.ts';
import { newPodRuntimeState, runningContainerCount, step, type KubeletEvent } from '../../actors/kubelet/pod-worker.ts';
import type { ContainerStatusJson, PodConditionJson, PodStatusJson } from '../../actors/kubelet/status.ts';
import { kpod } from '../../actors/kubelet/testing.ts';

// nginx:1.25 is 70 MB: pulled in 70/50 s + 0.5 s = 1.9 s, so a fresh pod bound at 0 starts at 1.9 s.
const PULL_NGINX_MS = 1900;

const preloaded = () => newImageCache([{ image: 'nginx:1.25' }, { image: 'busybox:1.36' }]);

function drive(pod: V1Pod, untilMs: number, extra: Partial<DriveOptions> = {}): Timeline {
  return drivePod(pod, { untilMs, ...extra });
}

function times(tl: Timeline, reason: string, match?: RegExp): number[] {
  return tl.events.filter((e) => e.reason === reason && (match === undefined || match.test(e.message))).map((e) => e.atMs);
}

function statusAt(tl: Timeline, t: number): PodStatusJson {
  let found: PodStatusJson | undefined;
  for (const s of tl.statuses) if (s.atMs <= t) found = s.status;
  assert.ok(found, `no status at ${t}`);
  return found;
}

function last(tl: Timeline): PodStatusJson {
  return tl.statuses.at(-1)!.status;
}

function cond(s: PodStatusJson, type: string): PodConditionJson {
  const c = s.conditions?.find((x) => x.type === type);
  assert.ok(c, `no condition ${type}`);
  return c;
}

function cs(s: PodStatusJson, name: string): ContainerStatusJson {
  const c = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])].find((x) => x.name === name);
  assert.ok(c, `no container status ${name}`);
  return c;
}

/** When the phase first became `phase`. */
function phaseAt(tl: Timeline, phase: string): number | undefined {
  return tl.statuses.find((s) => s.status.phase === phase)?.atMs;
}

// ---------------------------------------------------------------------------------------------
// Completion and restart policies
// ---------------------------------------------------------------------------------------------

test('exit 0 after 20 s with restartPolicy Never: Running at 1.9 s, Succeeded at 21.9 s', () => {
  const pod = kpod('job').container('work', 'nginx:1.25').behavior('work', 'exit 0 after 20s').restartPolicy('Never').obj();
  const tl = drive(pod, 600_000);
  assert.deepEqual(
    tl.events.map((e) => [e.atMs, e.reason, e.message]),
    [
      [0, 'Pulling', 'Pulling image "nginx:1.25"'],
      [1900, 'Pulled', 'Successfully pulled image "nginx:1.25" in 1.9s (1.9s including waiting). Image size: 70000000 bytes.'],
      [1900, 'Created', 'Created container work'],
      [1900, 'Started', 'Started container work'],
    ],
  );
  assert.equal(tl.events[0]!.fieldPath, 'spec.containers{work}');
  assert.equal(phaseAt(tl, 'Pending'), 0);
  assert.equal(phaseAt(tl, 'Running'), PULL_NGINX_MS);
  assert.equal(phaseAt(tl, 'Succeeded'), PULL_NGINX_MS + 20_000);
  const s = last(tl);
  assert.deepEqual(cs(s, 'work').state, {
    terminated: { exitCode: 0, reason: 'Completed', startedAt: '2025-01-01T00:00:01Z', finishedAt: '2025-01-01T00:00:21Z', containerID: cs(s, 'work').containerID! },
  });
  assert.equal(cs(s, 'work').restartCount, 0);
  assert.equal(cs(s, 'work').ready, false);
  assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
  assert.deepEqual([cond(s, 'Initialized').status, cond(s, 'Initialized').reason], ['True', 'PodCompleted']);
  assert.deepEqual([cond(s, 'Ready').status, cond(s, 'Ready').reason], ['False', 'PodCompleted']);
  assert.deepEqual([cond(s, 'ContainersReady').status, cond(s, 'ContainersReady').reason], ['False', 'PodCompleted']);
  assert.equal(tl.state.stage, 'terminated');
  assert.equal(tl.readyToDeleteAtMs, undefined, 'a completed pod stays until someone deletes it');
  assert.equal(tl.lastStepMs, PULL_NGINX_MS + 20_000, 'nothing more is scheduled');
});

test('OnFailure with exit 0 → Succeeded, no restart', () => {
  const pod = kpod('job').container('work').behavior('work', 'exit 0 after 20s').restartPolicy('OnFailure').obj();
  const tl = drive(pod, 600_000);
  assert.equal(phaseAt(tl, 'Succeeded'), PULL_NGINX_MS + 20_000);
  assert.equal(cs(last(tl), 'work').restartCount, 0);
  assert.deepEqual(times(tl, 'Started'), [PULL_NGINX_MS]);
});

test('OnFailure with a crash restarts; Never with a crash → Failed; Always with exit 0 restarts', () => {
  const onFailure = drive(kpod('a').container('c').behavior('c', 'crash after 5s once then exit 0 after 5s').restartPolicy('OnFailure').obj(), 600_000);
  assert.deepEqual(times(onFailure, 'Started'), [1900, 6900]);
  assert.equal(phaseAt(onFailure, 'Succeeded'), 11_900);
  assert.equal(cs(last(onFailure), 'c').restartCount, 1);
  assert.equal(statusAt(onFailure, 6900).phase, 'Running');

  const never = drive(kpod('b').container('c').behavior('c', 'crash after 5s').restartPolicy('Never').obj(), 600_000);
  assert.equal(phaseAt(never, 'Failed'), 6900);
  const s = last(never);
  assert.deepEqual([cs(s, 'c').state.terminated?.exitCode, cs(s, 'c').state.terminated?.reason], [1, 'Error']);
  assert.deepEqual([cond(s, 'Ready').status, cond(s, 'Ready').reason], ['False', 'PodFailed']);
  assert.equal(cond(s, 'Initialized').status, 'True');

  const always = drive(kpod('c').container('c').behavior('c', 'exit 0 after 5s').obj(), 30_000);
  assert.deepEqual(times(always, 'Started'), [1900, 6900, 21_900]);
  assert.equal(phaseAt(always, 'Succeeded'), undefined);
});

// ---------------------------------------------------------------------------------------------
// CrashLoopBackOff
// ---------------------------------------------------------------------------------------------

test('crash after 5 s with Always: restarts at once, then after 10, 20, 40, 80, 160, 300, 300 s', () => {
  const pod = kpod('x', 'ns').uid('u1').container('web').behavior('web', 'crash after 5s').obj();
  const tl = drive(pod, 1_300_000);
  const starts = times(tl, 'Started');
  assert.deepEqual(starts.slice(0, 10), [1900, 6900, 21_900, 46_900, 91_900, 176_900, 341_900, 646_900, 951_900, 1_256_900]);
  const delays = starts.slice(1).map((s, i) => (s - (starts[i]! + 5000)) / 1000);
  assert.deepEqual(delays.slice(0, 9), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
  // The kubelet's back-off event and waiting state while it waits.
  assert.deepEqual(times(tl, 'BackOff').slice(0, 3), [11_900, 26_900, 51_900]);
  assert.equal(tl.events.find((e) => e.reason === 'BackOff')!.message, 'Back-off restarting failed container web in pod x_ns(u1)');
  assert.equal(tl.events.find((e) => e.reason === 'BackOff')!.type, 'Warning');
  const waiting = statusAt(tl, 11_900);
  assert.deepEqual(cs(waiting, 'web').state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=web pod=x_ns(u1)' } });
  assert.equal(cs(waiting, 'web').lastState.terminated?.exitCode, 1);
  assert.equal(cs(waiting, 'web').restartCount, 1);
  assert.equal(waiting.phase, 'Running');
  assert.equal(cs(statusAt(tl, 646_899), 'web').state.waiting?.message, 'back-off 5m0s restarting failed container=web pod=x_ns(u1)');
  assert.equal(cs(statusAt(tl, 951_900), 'web').restartCount, 8);
});

test('the back-off resets after a run longer than 10 minutes', () => {
  const reset = drive(kpod('r').container('web').behavior('web', 'crash after 5s 4 times then crash after 11m once then crash after 5s').obj(), 900_000);
  const s = times(reset, 'Started');
  assert.deepEqual(s.slice(0, 5), [1900, 6900, 21_900, 46_900, 91_900]);
  // Run 5 lasts 11 min (> 2 × 300 s since its restart): restart at once, and the next back-off is 10 s.
  assert.equal(s[5], 91_900 + 660_000);
  assert.equal(s[6]! - (s[5]! + 5000), 10_000);
  assert.equal(s[7]! - (s[6]! + 5000), 20_000);

  const noReset = drive(kpod('n').container('web').behavior('web', 'crash after 5s 4 times then crash after 9m once then crash after 5s').obj(), 900_000);
  const n = times(noReset, 'Started');
  assert.equal(n[5]! - (91_900 + 540_000), 80_000, 'a 9 min run keeps doubling: 80 s');
});

test('imagePullPolicy Always re-pulls on every restart: a 200 ms manifest check once cached', () => {
  const tl = drive(kpod('l').container('web', 'nginx').behavior('web', 'crash after 5s').obj(), 30_000);
  // Exit at 6.9 s → re-pull 200 ms → start 7.1 s; exit 12.1 s → back-off 10 s → re-pull at 22.1 s.
  assert.deepEqual(times(tl, 'Pulling'), [0, 6900, 22_100]);
  assert.deepEqual(times(tl, 'Started'), [1900, 7100, 22_300]);
  assert.equal(tl.events.filter((e) => e.reason === 'Pulled')[1]!.message, 'Successfully pulled image "nginx" in 200ms (200ms including waiting). Image size: 70000000 bytes.');
});

// ---------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------

test('readiness failing for 30 s: Ready at the first probe tick at or after 30 s', () => {
  // Image cached: the container starts at 0; probes at 0 (start trigger), 10, 20 fail; 30 succeeds.
  const cached = drive(kpod('r').container('web').readiness().behavior('web', 'fail readiness for 30s').obj(), 100_000, { images: preloaded() });
  assert.deepEqual(times(cached, 'Unhealthy'), [0, 10_000, 20_000]);
  assert.equal(cached.events.find((e) => e.reason === 'Unhealthy')!.message, 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  assert.equal(cond(statusAt(cached, 29_999), 'Ready').status, 'False');
  assert.equal(cond(statusAt(cached, 29_999), 'Ready').message, 'containers with unready status: [web]');
  const ready = statusAt(cached, 30_000);
  assert.equal(cond(ready, 'Ready').status, 'True');
  assert.equal(cond(ready, 'Ready').lastTransitionTime, '2025-01-01T00:00:30Z');
  assert.equal(cond(ready, 'ContainersReady').status, 'True');
  assert.equal(cs(ready, 'web').ready, true);
  assert.equal(cs(ready, 'web').restartCount, 0);

  // Pulled: the container starts at 1.9 s; ticks stay on the worker's 10 s grid, so 30 s is still
  // too early (28.1 s after start) and Ready comes at 40 s.
  const pulled = drive(kpod('r').container('web').readiness().behavior('web', 'fail readiness for 30s').obj(), 100_000);
  assert.deepEqual(times(pulled, 'Unhealthy'), [1900, 10_000, 20_000, 30_000]);
  assert.equal(cond(statusAt(pulled, 39_999), 'Ready').status, 'False');
  assert.equal(cond(statusAt(pulled, 40_000), 'Ready').status, 'True');
});

test('readiness failing later: Ready=False after failureThreshold failures, no restart, back when it passes', () => {
  const tl = drive(kpod('r').container('web').readiness().behavior('web', 'fail readiness after 1m for 30s').obj(), 200_000, { images: preloaded() });
  assert.equal(cond(statusAt(tl, 0), 'Ready').status, 'True');
  assert.deepEqual(times(tl, 'Unhealthy'), [60_000, 70_000, 80_000]);
  assert.equal(cond(statusAt(tl, 79_999), 'Ready').status, 'True');
  assert.equal(cond(statusAt(tl, 80_000), 'Ready').status, 'False');
  assert.equal(cond(statusAt(tl, 90_000), 'Ready').status, 'True');
  assert.equal(cs(last(tl), 'web').restartCount, 0);
  assert.deepEqual(times(tl, 'Killing'), []);
});

test('liveness failing: killed after 3 failures (30 s), exit 143 on SIGTERM, restarted with back-off', () => {
  const tl = drive(kpod('l', 'ns').uid('u').container('web').liveness().behavior('web', 'fail liveness').obj(), 100_000, { images: preloaded() });
  assert.deepEqual(times(tl, 'Unhealthy').slice(0, 6), [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
  assert.equal(tl.events.find((e) => e.reason === 'Unhealthy')!.message, 'Liveness probe failed: dial tcp 10.244.0.2:8080: connect: connection refused');
  // Instances start at 0, 30 (at once) and 70 (10 s back-off); each fails 3 ticks later.
  assert.deepEqual(times(tl, 'Killing'), [30_000, 60_000, 100_000]);
  assert.equal(tl.events.find((e) => e.reason === 'Killing')!.message, 'Container web failed liveness probe, will be restarted');
  // First kill: no back-off yet, restart at once; second: 10 s.
  assert.deepEqual(times(tl, 'Started'), [0, 30_000, 70_000]);
  const s = statusAt(tl, 30_000);
  assert.deepEqual([cs(s, 'web').lastState.terminated?.exitCode, cs(s, 'web').lastState.terminated?.reason], [143, 'Error']);
  assert.equal(cs(s, 'web').restartCount, 1);
});

test('liveness failing on a container that ignores SIGTERM: SIGKILL at the grace period, exit 137', () => {
  const pod = kpod('l').container('web').liveness().behavior('web', 'fail liveness; ignore SIGTERM').obj();
  const tl = drive(pod, 100_000, { images: preloaded() });
  // Killed at 30 s (probes failed at 10, 20, 30); the next instance's probes fail at 70, 80, 90.
  assert.deepEqual(times(tl, 'Killing'), [30_000, 90_000]);
  assert.equal(times(tl, 'Started')[1], 60_000, 'SIGKILL 30 s after SIGTERM, then restart at once');
  const s = statusAt(tl, 60_000);
  assert.deepEqual(cs(s, 'web').lastState.terminated, {
    exitCode: 137,
    reason: 'Error',
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:01:00Z',
    containerID: cs(statusAt(tl, 0), 'web').containerID!,
  });
  // With the probe's own short grace period the kill is quicker (2 s minimum).
  const quick = kpod('q').container('web').liveness({ tcpSocket: { port: 8080 }, terminationGracePeriodSeconds: 0 }).behavior('web', 'fail liveness; ignore SIGTERM').obj();
  assert.equal(times(drive(quick, 100_000, { images: preloaded() }), 'Started')[1], 32_000);
});

test('liveness with restartPolicy Never: killed once, the pod fails', () => {
  const tl = drive(kpod('l').container('web').liveness().behavior('web', 'fail liveness').restartPolicy('Never').obj(), 100_000, { images: preloaded() });
  assert.equal(tl.events.find((e) => e.reason === 'Killing')!.message, 'Container web failed liveness probe');
  assert.equal(phaseAt(tl, 'Failed'), 30_000);
  assert.deepEqual(times(tl, 'Started'), [0]);
});

test('liveness probes honour initialDelaySeconds and start on the worker ticker', () => {
  const pod = kpod('l').container('web').liveness({ httpGet: { path: '/', port: 80 }, initialDelaySeconds: 15, periodSeconds: 5 }).behavior('web', 'fail liveness').obj();
  const tl = drive(pod, 40_000, { images: preloaded() });
  assert.deepEqual(times(tl, 'Unhealthy').slice(0, 3), [15_000, 20_000, 25_000]);
  assert.equal(times(tl, 'Killing')[0], 25_000);
});

test('startup probe: not started until it passes; liveness and readiness wait for it', () => {
  const pod = kpod('s').container('web').startup().readiness().liveness().behavior('web', 'fail startup for 25s').obj();
  const tl = drive(pod, 100_000, { images: preloaded() });
  assert.deepEqual(times(tl, 'Unhealthy'), [10_000, 20_000]);
  assert.equal(cs(statusAt(tl, 29_999), 'web').started, false);
  assert.equal(cs(statusAt(tl, 30_000), 'web').started, true);
  assert.equal(cond(statusAt(tl, 30_000), 'Ready').status, 'True', 'readiness runs as soon as the container is started');
  const never = drive(kpod('s').container('web').startup().behavior('web', 'fail startup').obj(), 40_000, { images: preloaded() });
  assert.equal(never.events.find((e) => e.reason === 'Killing')!.message, 'Container web failed startup probe, will be restarted');
  assert.equal(times(never, 'Killing')[0], 30_000);
});

// ---------------------------------------------------------------------------------------------
// Graceful deletion and node shutdown
// ---------------------------------------------------------------------------------------------

const del = (atMs: number, gracePeriodSeconds?: number) => ({ atMs, event: gracePeriodSeconds === undefined ? { type: 'DeleteRequested' as const } : { type: 'DeleteRequested' as const, gracePeriodSeconds } });

test('graceful delete: SIGTERM, the container exits at once (143), the pod may be deleted', () => {
  const tl = drive(kpod('d').container('web').obj(), 200_000, { script: [del(100_000)] });
  assert.deepEqual(
    tl.events.filter((e) => e.reason === 'Killing').map((e) => [e.atMs, e.message]),
    [[100_000, 'Stopping container web']],
  );
  assert.equal(tl.readyToDeleteAtMs, 100_000);
  const s = last(tl);
  assert.deepEqual([cs(s, 'web').state.terminated?.exitCode, cs(s, 'web').state.terminated?.finishedAt], [143, '2025-01-01T00:01:40Z']);
  assert.equal(s.phase, 'Failed', 'a terminal pod whose container exited non-zero');
  assert.equal(cond(s, 'PodReadyToStartContainers').status, 'False');
  assert.equal(cs(s, 'web').restartCount, 0, 'never restarted while terminating');
});

test('graceful delete: a container that handles SIGTERM exits 0 after its shutdown time → Succeeded', () => {
  const tl = drive(kpod('d').container('web').behavior('web', 'on SIGTERM exit 0 after 5s').obj(), 200_000, { script: [del(100_000)] });
  assert.equal(tl.readyToDeleteAtMs, 105_000);
  assert.equal(statusAt(tl, 104_999).phase, 'Running');
  assert.equal(last(tl).phase, 'Succeeded');
});

test('graceful delete: SIGKILL at terminationGracePeriodSeconds (30 s default) for a container ignoring SIGTERM', () => {
  const tl = drive(kpod('d').container('web').behavior('web', 'ignore SIGTERM').obj(), 200_000, { script: [del(100_000)] });
  assert.equal(tl.readyToDeleteAtMs, 130_000);
  assert.deepEqual(cs(last(tl), 'web').state.terminated?.exitCode, 137);
  const short = drive(kpod('d').container('web').behavior('web', 'ignore SIGTERM').grace(10).obj(), 200_000, { script: [del(100_000)] });
  assert.equal(short.readyToDeleteAtMs, 110_000);
  const override = drive(kpod('d').container('web').behavior('web', 'ignore SIGTERM').obj(), 200_000, { script: [del(100_000, 0)] });
  assert.equal(override.readyToDeleteAtMs, 102_000, 'grace 0 still leaves the 2 s minimum');
  const shortened = drive(kpod('d').container('web').behavior('web', 'ignore SIGTERM').obj(), 200_000, { script: [del(100_000), del(105_000, 1)] });
  assert.equal(shortened.readyToDeleteAtMs, 107_000, 'a second delete with a shorter grace period shortens the stop');
});

test('graceful delete: the preStop hook runs first, inside the grace period', () => {
  const sleep = drive(kpod('d').container('web').preStopSleep(5).behavior('web', 'on SIGTERM exit 0 after 1s').obj(), 200_000, { script: [del(100_000)] });
  assert.equal(sleep.readyToDeleteAtMs, 106_000);
  const exec = drive(kpod('d').container('web').preStopExec(['sh', '-c', 'sleep 40']).behavior('web', 'preStop takes 40s; ignore SIGTERM').obj(), 200_000, { script: [del(100_000)] });
  assert.equal(exec.readyToDeleteAtMs, 132_000, 'a hook that outlives the grace period gets 2 more seconds');
});

test('delete while pulling, while in back-off, and after completion', () => {
  const pulling = drive(kpod('d').container('web').obj(), 10_000, { script: [del(1000)] });
  assert.equal(pulling.readyToDeleteAtMs, 1000);
  assert.deepEqual(cs(last(pulling), 'web').state.terminated, { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' });
  assert.equal(last(pulling).phase, 'Failed');
  assert.deepEqual(times(pulling, 'Started'), []);

  const backoff = drive(kpod('d').container('web').behavior('web', 'crash after 5s').obj(), 60_000, { script: [del(15_000)] });
  assert.equal(backoff.readyToDeleteAtMs, 15_000);
  assert.deepEqual(times(backoff, 'Started'), [1900, 6900]);
  assert.equal(cs(last(backoff), 'web').state.terminated?.exitCode, 1);

  const done = drive(kpod('d').container('web').behavior('web', 'exit 0 after 1s').restartPolicy('Never').obj(), 60_000, { script: [del(30_000)] });
  assert.equal(done.readyToDeleteAtMs, 30_000);
  assert.equal(last(done).phase, 'Succeeded');
});

test('node shutdown: containers stopped, the pod Failed with reason Terminated and DisruptionTarget', () => {
  const tl = drive(kpod('n').container('web').behavior('web', 'on SIGTERM exit 0 after 2s').obj(), 200_000, {
    script: [{ atMs: 50_000, event: { type: 'NodeShutdown', gracePeriodSeconds: 20 } }],
  });
  const s = last(tl);
  assert.equal(s.phase, 'Failed');
  assert.equal(s.reason, 'Terminated');
  assert.equal(s.message, 'Pod was terminated in response to imminent node shutdown.');
  assert.deepEqual([cond(s, 'DisruptionTarget').status, cond(s, 'DisruptionTarget').reason], ['True', 'TerminationByKubelet']);
  assert.equal(phaseAt(tl, 'Failed'), 52_000);
  assert.equal(tl.readyToDeleteAtMs, undefined, 'shutdown does not delete the object');
});

// ---------------------------------------------------------------------------------------------
// Errors, init containers, admission, several containers
// ---------------------------------------------------------------------------------------------

test('an invalid behavior: CreateContainerConfigError with the parse error as the event message', () => {
  const tl = drive(kpod('b').container('web').container('ok', 'busybox:1.36').behavior('web', 'explode after 5s').obj(), 30_000);
  const failed = tl.events.find((e) => e.reason === 'Failed')!;
  assert.equal(failed.type, 'Warning');
  assert.match(failed.message, /^Error: kubesim\.io\/behavior\.web: "explode after 5s": unknown clause/);
  const s = last(tl);
  assert.equal(cs(s, 'web').state.waiting?.reason, 'CreateContainerConfigError');
  assert.match(cs(s, 'web').state.waiting?.message ?? '', /unknown clause/);
  assert.equal(cs(s, 'ok').state.running !== undefined, true, 'the other container still starts');
  assert.equal(s.phase, 'Pending');
});

test('pod-level annotation problems become InvalidBehavior / InvalidImageSizes warnings', () => {
  const pod = kpod('b').container('web').behavior('wbe', 'run forever').annotation('kubesim.io/image-sizes', 'nginx').obj();
  const tl = drive(pod, 10_000);
  assert.match(tl.events.find((e) => e.reason === 'InvalidBehavior')!.message, /no container named "wbe"/);
  assert.match(tl.events.find((e) => e.reason === 'InvalidImageSizes')!.message, /is not image=size/);
});

test('the image-sizes annotation sets pull time', () => {
  const tl = drive(kpod('i').container('web', 'example.com/big:1').annotation('kubesim.io/image-sizes', 'example.com/big=1G').obj(), 60_000);
  assert.deepEqual(times(tl, 'Started'), [20_500]);
});

test('ErrImageNeverPull for imagePullPolicy Never and a missing image', () => {
  const tl = drive(kpod('n').container('web', 'nginx:1.25', { imagePullPolicy: 'Never' }).obj(), 10_000);
  assert.deepEqual(cs(last(tl), 'web').state.waiting, { reason: 'ErrImageNeverPull', message: 'Container image "nginx:1.25" is not present with pull policy of Never' });
  const ok = drive(kpod('n').container('web', 'nginx:1.25', { imagePullPolicy: 'Never' }).obj(), 10_000, { images: preloaded() });
  assert.deepEqual(times(ok, 'Started'), [0]);
});

test('init containers run one at a time before the app; the pod is Pending and not Initialized meanwhile', () => {
  const pod = kpod('i').initContainer('migrate').initContainer('warm').container('web').behavior('warm', 'exit 0 after 3s').obj();
  const tl = drive(pod, 60_000);
  // busybox pull 0.58 s; migrate runs 1 s (the init default); warm (cached) 3 s; then nginx 1.9 s.
  assert.deepEqual(
    tl.events.filter((e) => e.reason === 'Started').map((e) => [e.atMs, e.fieldPath]),
    [
      [580, 'spec.initContainers{migrate}'],
      [1580, 'spec.initContainers{warm}'],
      [4580 + 1900, 'spec.containers{web}'],
    ],
  );
  const during = statusAt(tl, 2000);
  assert.equal(during.phase, 'Pending');
  assert.deepEqual([cond(during, 'Initialized').status, cond(during, 'Initialized').reason, cond(during, 'Initialized').message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [warm]']);
  assert.deepEqual(cs(during, 'web').state, { waiting: { reason: 'PodInitializing' } });
  assert.equal(cs(during, 'migrate').state.terminated?.reason, 'Completed');
  assert.equal(cs(during, 'migrate').ready, true);
  const after = last(tl);
  assert.equal(after.phase, 'Running');
  assert.equal(cond(after, 'Initialized').status, 'True');
  assert.equal(cond(after, 'Initialized').lastTransitionTime, '2025-01-01T00:00:04Z');
});

test('a failing init container: Never → Failed; Always → restarted with back-off, Init not done', () => {
  const never = drive(kpod('i').initContainer('setup').container('web').behavior('setup', 'crash after 2s').restartPolicy('Never').obj(), 60_000);
  assert.equal(phaseAt(never, 'Failed'), 2580);
  assert.deepEqual(cs(last(never), 'web').state, { waiting: { reason: 'PodInitializing' } });
  const always = drive(kpod('i').initContainer('setup').container('web').behavior('setup', 'crash after 2s').obj(), 60_000);
  assert.deepEqual(times(always, 'Started'), [580, 2580, 14_580, 36_580]);
  assert.equal(last(always).phase, 'Pending');
  assert.equal(cs(last(always), 'setup').state.waiting?.reason, 'CrashLoopBackOff');
});

test('a sidecar (restartable init container) only has to start; it is stopped when the app completes', () => {
  const pod = kpod('s').initContainer('proxy', 'busybox:1.36', { restartPolicy: 'Always' }).container('job').behavior('proxy', 'run forever').behavior('job', 'exit 0 after 10s').restartPolicy('Never').obj();
  const tl = drive(pod, 60_000);
  assert.deepEqual(times(tl, 'Started'), [580, 580 + 1900]);
  assert.deepEqual(times(tl, 'Killing'), [12_480]);
  assert.equal(phaseAt(tl, 'Succeeded'), 12_480, 'the sidecar exit (143) does not fail the pod');
});

test('a crashing sidecar is restarted with back-off whatever the pod restartPolicy; the pod stays Initialized', () => {
  const pod = kpod('s').initContainer('proxy', 'busybox:1.36', { restartPolicy: 'Always' }).container('web').behavior('proxy', 'crash after 3s').behavior('web', 'run forever').restartPolicy('Never').obj();
  const tl = drive(pod, 30_000, { images: preloaded() });
  const proxyStarts = tl.events.filter((e) => e.reason === 'Started' && e.fieldPath === 'spec.initContainers{proxy}').map((e) => e.atMs);
  assert.deepEqual(proxyStarts, [0, 3000, 16_000]);
  const s = statusAt(tl, 7000);
  assert.equal(cs(s, 'proxy').state.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cond(s, 'Initialized').status, 'True');
  assert.equal(cond(s, 'ContainersReady').message, 'containers with unready status: [proxy]', 'sidecars count for readiness');
  assert.equal(s.phase, 'Running');
});

test('containers are pulled, created and started one after another, in spec order', () => {
  const tl = drive(kpod('m').container('web').container('cache', 'redis:7').obj(), 10_000);
  assert.deepEqual(times(tl, 'Pulling'), [0, 1900]);
  assert.deepEqual(times(tl, 'Started'), [1900, 1900 + 1400]);
  assert.deepEqual(
    last(tl).containerStatuses!.map((c) => c.name),
    ['cache', 'web'],
    'container statuses are sorted by name',
  );
});

test('a second pod on the node finds the image cached', () => {
  const first = drive(kpod('a').container('web').obj(), 10_000);
  const second = drive(kpod('b').container('web').obj(), 20_000, { boundAtMs: 10_000, images: first.images });
  assert.deepEqual(
    second.events.map((e) => [e.atMs, e.reason, e.message]),
    [
      [10_000, 'Pulled', 'Container image "nginx:1.25" already present on machine'],
      [10_000, 'Created', 'Created container web'],
      [10_000, 'Started', 'Started container web'],
    ],
  );
});

test('start takes, sandbox and container start latencies add up', () => {
  const tl = drive(kpod('s').container('web').behavior('web', 'start takes 2s').obj(), 10_000, { config: { sandboxCreateMs: 500, containerStartMs: 100 } });
  assert.deepEqual(times(tl, 'Pulling'), [500]);
  assert.deepEqual(times(tl, 'Created'), [2400]);
  assert.deepEqual(times(tl, 'Started'), [4500]);
  assert.equal(cs(statusAt(tl, 4499), 'web').state.waiting?.reason, 'ContainerCreating');
  assert.equal(statusAt(tl, 0).podIP, undefined, 'no pod IP before the sandbox is up');
  assert.equal(statusAt(tl, 500).podIP, '10.244.0.2');
});

test('a pod rejected at admission: Failed, OutOfcpu, with the kubelet message, and an event', () => {
  const running = [kpod('a').container('c').requests({ cpu: '3600m' }).obj()];
  const pod = kpod('big').container('c').requests({ cpu: '500m' }).obj();
  const admission = admitPod({ cpu: '4', memory: '8Gi', pods: 110 }, running, pod);
  const tl = drive(pod, 10_000, { bind: { type: 'PodBound', hostIP: '172.18.0.2', admission } });
  const s = last(tl);
  assert.deepEqual(s, {
    phase: 'Failed',
    message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 500, used: 3600, capacity: 4000",
    reason: 'OutOfcpu',
  });
  assert.deepEqual(
    tl.events.map((e) => [e.type, e.reason, e.message]),
    [['Warning', 'OutOfcpu', "Node didn't have enough resource: cpu, requested: 500, used: 3600, capacity: 4000"]],
  );
});

// ---------------------------------------------------------------------------------------------
// Purity and determinism
// ---------------------------------------------------------------------------------------------

test('step never modifies its input state or image cache', () => {
  const pod = kpod('p').container('web').readiness().liveness().behavior('web', 'crash after 5s; fail readiness for 3s').obj();
  const images = newImageCache();
  let state = newPodRuntimeState(pod);
  let cache = images;
  let now = 0;
  let r = step(state, { type: 'PodBound', hostIP: 'h', podIP: 'p' }, now, { images: cache });
  for (let i = 0; i < 30 && r.wakeAtMs !== undefined; i++) {
    state = r.state;
    cache = r.images;
    const frozenState = structuredClone({ ...state, pod: undefined });
    const frozenImages = structuredClone(cache);
    now = r.wakeAtMs;
    r = step(state, { type: 'Tick' }, now, { images: cache });
    assert.deepEqual({ ...state, pod: undefined }, frozenState);
    assert.deepEqual(cache, frozenImages);
  }
});

test('a late tick gives the same history as punctual ones (events at their own times)', () => {
  const pod = kpod('p').container('web').liveness().behavior('web', 'crash after 25s; fail liveness after 12s').obj();
  const punctual = drive(pod, 200_000);
  let state = newPodRuntimeState(pod);
  const r1 = step(state, { type: 'PodBound', hostIP: '172.18.0.2', podIP: '10.244.0.2' }, 0, { images: newImageCache() });
  state = r1.state;
  const r2 = step(state, { type: 'Tick' }, 200_000, { images: r1.images });
  const strip = (es: KubeletEvent[]) => es.map((e) => [e.atMs, e.reason, e.message]);
  assert.deepEqual(strip([...r1.events, ...r2.events]), strip(punctual.events.filter((e) => e.atMs <= 200_000)));
  assert.deepEqual(r2.status, last(punctual));
});

test('same pod, same seed → same timeline; ranged durations use the seeded random', () => {
  const pod = kpod('p').container('web').behavior('web', 'crash after 5s..30s; start takes 0s..2s').obj();
  const seeded = (seed: number) => {
    let x = seed;
    return (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
  };
  const a = drive(pod, 600_000, { randomInt: seeded(7) });
  const b = drive(pod, 600_000, { randomInt: seeded(7) });
  const c = drive(pod, 600_000, { randomInt: seeded(8) });
  assert.deepEqual(a.events, b.events);
  assert.deepEqual(a.statuses, b.statuses);
  assert.notDeepEqual(times(a, 'Started'), times(c, 'Started'));
});

test('statusChanged is false when nothing visible changed (a passing probe tick)', () => {
  const pod = kpod('p').container('web').readiness().obj();
  let r = step(newPodRuntimeState(pod), { type: 'PodBound', hostIP: 'h', podIP: 'p' }, 0, { images: preloaded() });
  assert.equal(r.statusChanged, true);
  assert.equal(r.wakeAtMs, 10_000);
  r = step(r.state, { type: 'Tick' }, 10_000, { images: r.images });
  assert.equal(r.statusChanged, false);
  assert.equal(r.status, undefined);
  assert.equal(r.wakeAtMs, 20_000);
});

test('the kubelet keeps conditions it does not own (the scheduler\'s DisruptionTarget) before its own', { timeout: 30_000 }, () => {
  const pod = kpod('victim').container('app').obj();
  pod.status = { ...(pod.status ?? {}), conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' }] };
  const tl = drive(pod, 5_000, { images: preloaded() });
  const s = last(tl);
  assert.equal(s.conditions?.[0]?.type, 'DisruptionTarget');
  assert.equal(cond(s, 'DisruptionTarget').reason, 'PreemptionByScheduler');
  assert.equal(cond(s, 'Ready').status, 'True');
  assert.equal(s.conditions?.filter((c) => c.type === 'DisruptionTarget').length, 1);
});

test('a container of a restartPolicy Never pod that says nothing is a task: Succeeded 5 s after it started', () => {
  const tl = drive(kpod('t').container('work').restartPolicy('Never').obj(), 60_000, { images: preloaded() });
  assert.deepEqual(times(tl, 'Started'), [0]);
  assert.equal(phaseAt(tl, 'Succeeded'), 5000);
  const forever = drive(kpod('f').container('web').obj(), 60_000, { images: preloaded() });
  assert.equal(phaseAt(forever, 'Succeeded'), undefined, 'restartPolicy Always: run forever');
});

// ---------------------------------------------------------------------------------------------
// Live containers (the kubelet's `k8s.running` trace)
// ---------------------------------------------------------------------------------------------

test('runningContainerCount: both containers count from their start until they exit, a stopping one included', () => {
  const pod = kpod('two').container('a', 'nginx:1.25').container('b', 'nginx:1.25').behavior(undefined, 'on SIGTERM exit 0 after 5s').obj();
  let images = preloaded();
  let state = newPodRuntimeState(pod);
  const run = (event: Parameters<typeof step>[1], nowMs: number): number | undefined => {
    const r = step(state, event, nowMs, { images });
    state = r.state;
    images = r.images;
    return r.wakeAtMs;
  };
  assert.equal(runningContainerCount(state), 0);
  let wake = run({ type: 'PodBound', hostIP: '10.0.0.1', podIP: '10.244.0.2', admission: admitPod({ cpu: '4', memory: '8Gi', pods: 110 }, [], pod) }, 0);
  // Images are present: the containers start at once or on the next wake-ups.
  for (let i = 0; i < 10 && wake !== undefined && wake <= 1_000; i++) wake = run({ type: 'Tick' }, wake);
  assert.equal(runningContainerCount(state), 2);
  wake = run({ type: 'DeleteRequested', gracePeriodSeconds: 30 }, 10_000);
  // SIGTERM sent: they run on until they exit 5 s later.
  assert.equal(runningContainerCount(state), 2);
  for (let i = 0; i < 10 && wake !== undefined && wake <= 20_000; i++) wake = run({ type: 'Tick' }, wake);
  assert.equal(runningContainerCount(state), 0);
});
