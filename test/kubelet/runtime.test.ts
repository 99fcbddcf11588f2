import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRun, parseBehavior } from '../../actors/kubelet/behavior.ts';
import { goDuration } from '../../actors/kubelet/format.ts';
import {
  computeStop,
  initialProbeState,
  isInBackoff,
  nextBackoff,
  probeTickAfter,
  probeTickAtOrAfter,
  recordProbeOutcome,
  resolveProbe,
  type BackoffEntry,
} from '../../actors/kubelet/runtime.ts';

test('back-off: none before the first exit, then 10 s doubling to a 300 s cap', () => {
  let entry: BackoffEntry | undefined;
  assert.equal(isInBackoff(entry, 5000, 5000), false, 'the first exit restarts at once');
  entry = nextBackoff(entry, 5000, 5000);
  assert.deepEqual(entry, { backoffMs: 10_000, lastUpdateMs: 5000 });
  const seen: number[] = [];
  let t = 5000;
  for (let i = 0; i < 7; i++) {
    const finished = t + 5000;
    assert.equal(isInBackoff(entry, finished, finished), true);
    assert.equal(isInBackoff(entry, finished, finished + entry.backoffMs - 1), true);
    assert.equal(isInBackoff(entry, finished, finished + entry.backoffMs), false);
    seen.push(entry.backoffMs / 1000);
    t = finished + entry.backoffMs;
    entry = nextBackoff(entry, finished, t);
  }
  assert.deepEqual(seen, [10, 20, 40, 80, 160, 300, 300]);
});

test('back-off resets when the container ran for more than 10 minutes since the last restart', () => {
  const entry: BackoffEntry = { backoffMs: 160_000, lastUpdateMs: 0 };
  assert.equal(isInBackoff(entry, 600_000, 600_000), true, 'exactly 10 min is not yet expired');
  assert.equal(isInBackoff(entry, 600_001, 600_001), false);
  assert.deepEqual(nextBackoff(entry, 600_001, 600_001), { backoffMs: 10_000, lastUpdateMs: 600_001 });
  assert.deepEqual(nextBackoff(entry, 600_000, 600_000), { backoffMs: 300_000, lastUpdateMs: 600_000 });
});

test('probe defaults: timeout 1 s, period 10 s, success 1, failure 3, initial delay 0', () => {
  const p = resolveProbe('liveness', { httpGet: { path: '/', port: 80 } })!;
  assert.equal(p.timeoutMs, 1000);
  assert.equal(p.periodMs, 10_000);
  assert.equal(p.successThreshold, 1);
  assert.equal(p.failureThreshold, 3);
  assert.equal(p.initialDelayMs, 0);
  const q = resolveProbe('readiness', { tcpSocket: { port: 80 }, periodSeconds: 5, failureThreshold: 1, successThreshold: 2, initialDelaySeconds: 15 })!;
  assert.deepEqual([q.periodMs, q.failureThreshold, q.successThreshold, q.initialDelayMs], [5000, 1, 2, 15_000]);
  assert.equal(resolveProbe('liveness', { exec: { command: ['true'] }, successThreshold: 3 })!.successThreshold, 1, 'liveness success is always 1');
  assert.equal(resolveProbe('readiness', undefined), undefined);
});

test('probe ticks are anchored at the pod worker start', () => {
  assert.equal(probeTickAtOrAfter(0, 10_000, 1900), 10_000);
  assert.equal(probeTickAtOrAfter(0, 10_000, 30_000), 30_000);
  assert.equal(probeTickAtOrAfter(0, 10_000, 0), 10_000, 'k >= 1: the ticker fires one period after it starts');
  assert.equal(probeTickAfter(0, 10_000, 30_000), 40_000);
  assert.equal(probeTickAfter(500, 10_000, 1900), 10_500);
});

test('probe thresholds: readiness needs successThreshold in a row, liveness failureThreshold in a row', () => {
  const ready = resolveProbe('readiness', { httpGet: { port: 80 }, successThreshold: 2 })!;
  const r = initialProbeState('readiness');
  assert.equal(r.result, 'failure');
  assert.equal(recordProbeOutcome(r, ready, 'success'), 'failure');
  assert.equal(recordProbeOutcome(r, ready, 'success'), 'success');
  assert.equal(recordProbeOutcome(r, ready, 'failure'), 'success');
  assert.equal(recordProbeOutcome(r, ready, 'failure'), 'success');
  assert.equal(recordProbeOutcome(r, ready, 'failure'), 'failure');
  const live = resolveProbe('liveness', { tcpSocket: { port: 80 } })!;
  const l = initialProbeState('liveness');
  assert.equal(l.result, 'success');
  assert.equal(recordProbeOutcome(l, live, 'failure'), 'success');
  assert.equal(recordProbeOutcome(l, live, 'success'), 'success');
  assert.equal(recordProbeOutcome(l, live, 'failure'), 'success');
  assert.equal(recordProbeOutcome(l, live, 'failure'), 'success');
  assert.equal(recordProbeOutcome(l, live, 'failure'), 'failure');
});

function plan(text: string) {
  const r = parseBehavior(text);
  if (!r.ok) throw new Error(r.error.message);
  return planRun(r.behavior, 0);
}

test('stop: SIGTERM then the container exits at its own time', () => {
  assert.deepEqual(computeStop(plan('run forever'), undefined, 30_000, 100_000, 'delete'), {
    cause: 'delete',
    requestedAtMs: 100_000,
    sigtermAtMs: 100_000,
    sigkillAtMs: 130_000,
    exitAtMs: 100_000,
    exitCode: 143,
  });
  const s = computeStop(plan('on SIGTERM exit 0 after 5s'), undefined, 30_000, 0, 'delete');
  assert.deepEqual([s.exitAtMs, s.exitCode], [5000, 0]);
});

test('stop: SIGKILL (137) at the grace period when SIGTERM is ignored or handled too slowly', () => {
  const a = computeStop(plan('ignore SIGTERM'), undefined, 30_000, 0, 'delete');
  assert.deepEqual([a.exitAtMs, a.exitCode], [30_000, 137]);
  const b = computeStop(plan('on SIGTERM exit 0 after 45s'), undefined, 30_000, 0, 'delete');
  assert.deepEqual([b.exitAtMs, b.exitCode], [30_000, 137]);
  const c = computeStop(plan('ignore SIGTERM'), undefined, 0, 0, 'delete');
  assert.equal(c.sigkillAtMs, 2000, 'the kubelet always leaves 2 s');
});

test('stop: a preStop hook runs first; one that outlives the grace period gets 2 more seconds', () => {
  const a = computeStop(plan('ignore SIGTERM'), 5000, 30_000, 0, 'delete');
  assert.deepEqual([a.sigtermAtMs, a.sigkillAtMs], [5000, 30_000]);
  const b = computeStop(plan('ignore SIGTERM'), 40_000, 30_000, 0, 'delete');
  assert.deepEqual([b.sigtermAtMs, b.sigkillAtMs], [30_000, 32_000]);
});

test('Go duration strings', () => {
  assert.deepEqual(
    [0, 200, 1400, 1900, 10_000, 60_000, 80_000, 160_000, 300_000, 3_723_500].map(goDuration),
    ['0s', '200ms', '1.4s', '1.9s', '10s', '1m0s', '1m20s', '2m40s', '5m0s', '1h2m3.5s'],
  );
});
