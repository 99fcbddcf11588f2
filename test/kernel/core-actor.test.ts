/**
 * The one core contract and its one adapter: a core's `step` output is carried out in order
 * (traces, sends, cancels, timers), the machine's state follows the core's phase, the boot event
 * is raised once per (re)start, timers are kernel events that a crash cancels, and a re-armed
 * timer id (cancel + arm in one step, or an arm alone) fires once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreMachine, coreStateOf, describeActor, startCore, type ComponentCore } from '../../actors/kernel/core-actor.ts';
import { newOutput } from '../../actors/kernel/output.ts';
import { Simulation } from '../../actors/kernel/simulation.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';

interface CounterState {
  count: number;
  seen: string[];
}

type CounterInput =
  | { type: 'Boot' }
  | { type: 'Bump'; by: number }
  | { type: 'Fire'; label: string }
  | { type: 'Arm'; label: string; delayMs: number }
  | { type: 'ArmAgain'; label: string; delayMs: number }
  | { type: 'Echo'; to: string };

const counterCore: ComponentCore<CounterState, CounterInput, 'low' | 'high'> = {
  id: 'counter',
  phases: ['low', 'high'],
  boot: { event: { type: 'Boot' }, id: 'counter-boot' },
  phase: (s) => (s.count >= 10 ? 'high' : 'low'),
  step(s, input, now) {
    const out = newOutput();
    s.seen.push(`${input.type}@${now}`);
    switch (input.type) {
      case 'Boot':
        out.traces.push({ kind: 'test.boot', fields: {} });
        break;
      case 'Bump':
        s.count += input.by;
        out.traces.push({ kind: 'test.count', fields: { count: s.count } });
        break;
      case 'Arm':
        // Re-arming an id in one step: the cancel goes out before the new timer.
        out.cancels.push(`timer-${input.label}`);
        out.timers.push({ id: `timer-${input.label}`, delayMs: input.delayMs, event: { type: 'Fire', label: input.label } });
        break;
      case 'ArmAgain':
        // Arming an armed id without cancelling it first.
        out.timers.push({ id: `timer-${input.label}`, delayMs: input.delayMs, event: { type: 'Fire', label: input.label } });
        break;
      case 'Fire':
        out.traces.push({ kind: 'test.fired', fields: { label: input.label } });
        break;
      case 'Echo':
        out.sends.push({ to: input.to, msg: { type: 'Bump', by: 1 } as { type: string } });
        break;
    }
    return out;
  },
};

const machine = coreMachine(counterCore);

function world(): { sim: Simulation; trace: TraceEvent[] } {
  const sim = new Simulation({ seed: 'core-actor' });
  const trace: TraceEvent[] = [];
  sim.trace.subscribe((e) => trace.push(e));
  for (const name of ['a', 'b']) sim.addHost({ name, disk: null, create: (env) => startCore(machine, env, { count: 0, seen: [] }) });
  return { sim, trace };
}

describe('the core actor adapter', { timeout: 30_000 }, () => {
  it('raises the boot event once at start, at time 0', () => {
    const { sim } = world();
    sim.runUntil(10);
    assert.deepEqual(coreStateOf<CounterState>(sim.actorOf('a'))!.seen, ['Boot@0']);
  });

  it('follows the core phase with the machine state', () => {
    const { sim } = world();
    sim.runUntil(1);
    assert.deepEqual(describeActor(sim.actorOf('a')), { component: 'counter', phase: 'low' });
    sim.inject('a', { type: 'Bump', by: 7 } as { type: string });
    assert.equal(describeActor(sim.actorOf('a'))!.phase, 'low');
    sim.inject('a', { type: 'Bump', by: 3 } as { type: string });
    assert.equal(describeActor(sim.actorOf('a'))!.phase, 'high');
    assert.equal(coreStateOf<CounterState>(sim.actorOf('a'))!.count, 10);
  });

  it('sends through the network and records traces in order', () => {
    const { sim, trace } = world();
    sim.runUntil(1);
    sim.inject('a', { type: 'Echo', to: 'b' } as { type: string });
    sim.runUntil(100);
    assert.equal(coreStateOf<CounterState>(sim.actorOf('b'))!.count, 1);
    assert.deepEqual(trace.filter((e) => e.kind === 'test.count').map((e) => e.count), [1]);
  });

  it('arms timers on the virtual clock; re-arming an id replaces it', () => {
    const { sim, trace } = world();
    sim.runUntil(1);
    sim.inject('a', { type: 'Arm', label: 'x', delayMs: 500 } as { type: string });
    sim.runUntil(100);
    sim.inject('a', { type: 'Arm', label: 'x', delayMs: 500 } as { type: string });
    sim.runUntil(2_000);
    const fired = trace.filter((e) => e.kind === 'test.fired');
    assert.deepEqual(fired.map((e) => e.t), [600]);
  });

  it('arming an armed id without a cancel replaces it too: one timer per id, the later one', () => {
    const { sim, trace } = world();
    sim.runUntil(1);
    sim.inject('a', { type: 'ArmAgain', label: 'z', delayMs: 500 } as { type: string });
    sim.runUntil(100);
    sim.inject('a', { type: 'ArmAgain', label: 'z', delayMs: 500 } as { type: string });
    sim.runUntil(700);
    // The id is free again after it fired: arming it now is a new timer, not a replacement.
    sim.inject('a', { type: 'ArmAgain', label: 'z', delayMs: 50 } as { type: string });
    sim.runUntil(2_000);
    assert.deepEqual(trace.filter((e) => e.kind === 'test.fired').map((e) => e.t), [600, 750]);
  });

  it('a crash cancels the timers; a restart boots again from a fresh state', () => {
    const { sim, trace } = world();
    sim.runUntil(1);
    sim.inject('a', { type: 'Arm', label: 'y', delayMs: 500 } as { type: string });
    sim.runUntil(100);
    sim.crash('a');
    assert.equal(describeActor(sim.actorOf('a')), null);
    sim.runUntil(1_000);
    sim.restart('a');
    sim.runUntil(2_000);
    assert.equal(trace.filter((e) => e.kind === 'test.fired').length, 0);
    assert.deepEqual(coreStateOf<CounterState>(sim.actorOf('a'))!.seen, ['Boot@1000']);
    assert.equal(sim.incarnationOf('a'), 2);
  });

  it('is an XState actor: its snapshot value is the phase, and the trace of a step sees the phase it moved to', () => {
    const { sim } = world();
    const phasesSeen: string[] = [];
    sim.trace.subscribe((e) => {
      if (e.kind === 'test.count') phasesSeen.push(describeActor(sim.actorOf('a'))!.phase);
    });
    sim.runUntil(1);
    const actor = sim.actorOf('a')!;
    assert.equal(actor.getSnapshot().status, 'active');
    assert.equal(actor.getSnapshot().value, 'low');
    const before = actor.getSnapshot();
    sim.inject('a', { type: 'Bump', by: 3 } as { type: string });
    assert.equal(actor.getSnapshot(), before, 'no new snapshot when the phase stays');
    sim.inject('a', { type: 'Bump', by: 7 } as { type: string });
    assert.equal(actor.getSnapshot().value, 'high');
    // Effects run after the new snapshot is in place (XState's deferred effects, as the machine did).
    assert.deepEqual(phasesSeen, ['low', 'high']);
  });

  it('a step that throws stops the run with the component\'s name and error; the actor stops', () => {
    const broken = coreMachine<null, { type: string }, 'up'>({
      id: 'broken',
      phases: ['up'],
      phase: () => 'up',
      step(_s, input) {
        if (input.type === 'Boom') throw new Error('kaboom');
        return newOutput();
      },
    });
    const sim = new Simulation({ seed: 'core-actor' });
    sim.addHost({ name: 'x', disk: null, create: (env) => startCore(broken, env, null) });
    sim.inject('x', { type: 'Fine' });
    assert.equal(sim.stoppedBecause, null);
    sim.inject('x', { type: 'Boom' });
    assert.match(sim.stoppedBecause ?? '', /internal error in x: Error: kaboom/);
    assert.equal(sim.actorOf('x')!.getSnapshot().status, 'error');
  });
});
