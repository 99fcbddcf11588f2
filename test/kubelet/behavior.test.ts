import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultBehavior,
  lifecycleActionFor,
  parseBehavior,
  parseDurationMs,
  parsePodBehaviors,
  planRun,
  probeFails,
  type BehaviorResult,
  type ContainerBehavior,
} from '../../actors/kubelet/behavior.ts';
import { kpod } from '../../actors/kubelet/testing.ts';

function ok(r: BehaviorResult): ContainerBehavior {
  if (!r.ok) assert.fail(`unexpected error: ${r.error.message}`);
  return r.behavior;
}

function err(text: string): string {
  const r = parseBehavior(text, { annotation: 'kubesim.io/behavior.web', container: 'web' });
  if (r.ok) assert.fail(`expected an error for ${JSON.stringify(text)}`);
  assert.equal(r.error.container, 'web');
  assert.equal(r.error.annotation, 'kubesim.io/behavior.web');
  return r.error.message;
}

test('durations follow Go: ms, s, m, h, fractions, compound', () => {
  assert.deepEqual(parseDurationMs('500ms'), { ok: true, ms: 500 });
  assert.deepEqual(parseDurationMs('20s'), { ok: true, ms: 20_000 });
  assert.deepEqual(parseDurationMs('1m30s'), { ok: true, ms: 90_000 });
  assert.deepEqual(parseDurationMs('1.5s'), { ok: true, ms: 1500 });
  assert.deepEqual(parseDurationMs('2h'), { ok: true, ms: 7_200_000 });
  assert.deepEqual(parseDurationMs('0'), { ok: true, ms: 0 });
  assert.equal(parseDurationMs('5').ok, false);
  assert.equal(parseDurationMs('5 sec').ok, false);
  assert.equal(parseDurationMs('0.5ms').ok, false);
});

test('the default is run forever, exit 143 at once on SIGTERM, start in 0 ms', () => {
  const b = defaultBehavior();
  assert.deepEqual(lifecycleActionFor(b, 0), { kind: 'forever' });
  assert.deepEqual(lifecycleActionFor(b, 99), { kind: 'forever' });
  const plan = planRun(b, 0);
  assert.equal(plan.exit, undefined);
  assert.deepEqual(plan.sigterm, { kind: 'exit', code: 143, afterMs: 0 });
  assert.equal(plan.startTakesMs, 0);
});

test('every documented clause parses', () => {
  assert.deepEqual(lifecycleActionFor(ok(parseBehavior('run forever')), 0), { kind: 'forever' });
  assert.deepEqual(planRun(ok(parseBehavior('exit 0 after 20s')), 0).exit, { afterMs: 20_000, code: 0 });
  assert.deepEqual(planRun(ok(parseBehavior('exit 3 after 1m')), 0).exit, { afterMs: 60_000, code: 3 });
  assert.deepEqual(planRun(ok(parseBehavior('crash after 5s')), 0).exit, { afterMs: 5000, code: 1 });
  assert.deepEqual(planRun(ok(parseBehavior('complete after 2s')), 0).exit, { afterMs: 2000, code: 0 });
  assert.equal(planRun(ok(parseBehavior('start takes 2s')), 0).startTakesMs, 2000);
  assert.equal(planRun(ok(parseBehavior('preStop takes 5s')), 0).preStopMs, 5000);
  assert.deepEqual(planRun(ok(parseBehavior('ignore SIGTERM')), 0).sigterm, { kind: 'ignore' });
  assert.deepEqual(planRun(ok(parseBehavior('on SIGTERM exit 0 after 3s')), 0).sigterm, { kind: 'exit', code: 0, afterMs: 3000 });
  assert.deepEqual(planRun(ok(parseBehavior('on sigterm exit 0')), 0).sigterm, { kind: 'exit', code: 0, afterMs: 0 });
});

test('probe faults: for, after, after … for, always', () => {
  const plan = planRun(ok(parseBehavior('fail readiness for 30s; fail liveness after 1m; fail startup after 10s for 5s')), 0);
  assert.deepEqual(plan.faults.readiness, [[0, 30_000]]);
  assert.deepEqual(plan.faults.liveness, [[60_000, Infinity]]);
  assert.deepEqual(plan.faults.startup, [[10_000, 15_000]]);
  assert.equal(probeFails(plan, 'readiness', 29_999), true);
  assert.equal(probeFails(plan, 'readiness', 30_000), false);
  assert.equal(probeFails(plan, 'liveness', 59_999), false);
  assert.equal(probeFails(plan, 'liveness', 60_000), true);
  assert.equal(probeFails(plan, 'startup', 9_999), false);
  assert.equal(probeFails(plan, 'startup', 14_999), true);
  const always = planRun(ok(parseBehavior('fail liveness')), 0);
  assert.deepEqual(always.faults.liveness, [[0, Infinity]]);
});

test('keywords are case-insensitive and whitespace is free; clauses combine', () => {
  const b = ok(parseBehavior('  Exit 0 After 20s ;  FAIL Readiness for 30s;start   takes 2s; Ignore sigterm ;'));
  const plan = planRun(b, 0);
  assert.deepEqual(plan.exit, { afterMs: 20_000, code: 0 });
  assert.deepEqual(plan.faults.readiness, [[0, 30_000]]);
  assert.equal(plan.startTakesMs, 2000);
  assert.deepEqual(plan.sigterm, { kind: 'ignore' });
});

test('a lifecycle can change from run to run with counts and "then"', () => {
  const b = ok(parseBehavior('crash after 5s 3 times then crash after 11m once then exit 0 after 1s'));
  assert.deepEqual(lifecycleActionFor(b, 0), { kind: 'exit', code: 1, after: { minMs: 5000, maxMs: 5000 } });
  assert.deepEqual(lifecycleActionFor(b, 2), { kind: 'exit', code: 1, after: { minMs: 5000, maxMs: 5000 } });
  assert.deepEqual(lifecycleActionFor(b, 3), { kind: 'exit', code: 1, after: { minMs: 660_000, maxMs: 660_000 } });
  assert.deepEqual(lifecycleActionFor(b, 4), { kind: 'exit', code: 0, after: { minMs: 1000, maxMs: 1000 } });
  assert.deepEqual(lifecycleActionFor(b, 1000), { kind: 'exit', code: 0, after: { minMs: 1000, maxMs: 1000 } });
  // After the last counted part the container runs forever.
  const c = ok(parseBehavior('crash after 5s twice'));
  assert.equal(lifecycleActionFor(c, 1).kind, 'exit');
  assert.deepEqual(lifecycleActionFor(c, 2), { kind: 'forever' });
});

test('ranges are drawn from the seeded randomInt, one draw per ranged duration, in a fixed order', () => {
  const b = ok(parseBehavior('crash after 5s..15s; start takes 1s..3s'));
  const draws: number[] = [];
  const plan = planRun(b, 0, (n) => {
    draws.push(n);
    return n - 1;
  });
  assert.deepEqual(draws, [2001, 10_001]);
  assert.equal(plan.startTakesMs, 3000);
  assert.deepEqual(plan.exit, { afterMs: 15_000, code: 1 });
  // Without a random source a range resolves to its lower bound; fixed values draw nothing.
  assert.equal(planRun(b, 0).exit?.afterMs, 5000);
  let called = false;
  planRun(ok(parseBehavior('crash after 5s')), 0, () => {
    called = true;
    return 0;
  });
  assert.equal(called, false);
});

test('errors say which clause, what is wrong and what was meant', () => {
  assert.match(err('explode after 5s'), /^kubesim\.io\/behavior\.web: "explode after 5s": unknown clause; expected one of: run forever; exit <code> after <duration>/);
  assert.match(err('fail readyness for 30s'), /unknown probe "readyness"; expected readiness, liveness or startup \(did you mean "readiness"\?\)/);
  assert.match(err('crash after 5'), /"5" needs a unit: 5s, 5ms, 5m or 5h/);
  assert.match(err('crash aftr 5s'), /expected "after" after "crash", found "aftr" \(did you mean "after"\?\)/);
  assert.match(err('exit 300 after 1s'), /"300" is not an exit code \(a whole number from 0 to 255\)/);
  assert.match(err('exit after 1s'), /"after" is not an exit code/);
  assert.match(err('run forever; crash after 5s'), /clause|only one lifecycle/);
  assert.match(err('crash after 5s then run forever'), /applies to every later run, so nothing can follow it; add a count/);
  assert.match(err('run forever 3 times'), /cannot be repeated/);
  assert.match(err('crash after 5s, fail readiness for 3s'), /separate clauses with ";", not ","/);
  assert.match(err('crash after 10s..5s'), /ends before it starts/);
  assert.match(err(''), /the value is empty/);
  assert.match(err('crash after 5s;; run forever'), /clause 2 is empty/);
  assert.match(err('start takes'), /expected a duration after "start takes", but the clause ends/);
  assert.match(err('ignore SIGTERM; on SIGTERM exit 0'), /only one SIGTERM clause/);
  assert.match(err('start takes 2s extra'), /unexpected "extra" at the end of the clause/);
  const r = parseBehavior('run forever; fail liveness sometimes');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.clause, 2);
});

test('parsePodBehaviors: per-container key, pod-wide key, init default, unknown containers, useless faults', () => {
  const pod = kpod('p')
    .initContainer('setup')
    .container('web')
    .container('side', 'busybox:1.36')
    .container('bad')
    .behavior(undefined, 'crash after 5s')
    .behavior('web', 'exit 0 after 20s; fail liveness after 1m')
    .behavior('bad', 'explode')
    .behavior('wbe', 'run forever')
    .obj();
  const r = parsePodBehaviors(pod);
  assert.deepEqual(planRun(ok(r.byContainer.get('web')!), 0).exit, { afterMs: 20_000, code: 0 });
  assert.deepEqual(planRun(ok(r.byContainer.get('side')!), 0).exit, { afterMs: 5000, code: 1 });
  // The pod-wide key is for regular containers; init containers default to exit 0 after 1s.
  assert.deepEqual(planRun(ok(r.byContainer.get('setup')!), 0).exit, { afterMs: 1000, code: 0 });
  const bad = r.byContainer.get('bad')!;
  assert.equal(bad.ok, false);
  assert.equal(r.podErrors.length, 1);
  assert.match(r.podErrors[0]!.message, /kubesim\.io\/behavior\.wbe: the pod has no container named "wbe" \(containers: bad, setup, side, web\) \(did you mean "web"\?\)/);
  assert.deepEqual(r.warnings, ['container "web" has no livenessProbe, so "fail liveness" has no effect']);
});

test('text length and clause counts are bounded', () => {
  assert.match(err('run forever;'.repeat(400)), /longer than 4096/);
  assert.match(err(Array.from({ length: 40 }, () => 'fail readiness for 1s').join(';')), /at most 32 clauses/);
});
