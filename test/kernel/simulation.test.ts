/**
 * The kernel's Simulation: hosts running XState actors that talk only through the network,
 * crashes (no delivery, timers and ticker cancelled), restarts from durable disk only, TCP-reset
 * style refused replies, and the run loop's bounds (time, maxEvents, stop).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, createActor, emit, setup } from 'xstate';
import type { Message } from '../../actors/kernel/network.ts';
import { Simulation, type HostEnv, type KernelEmitted, type SimulationOptions } from '../../actors/kernel/simulation.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';

interface Disk {
  writes: number;
}

type HostEvent =
  | { type: 'TICK' }
  /** Volatile + durable update. */
  | { type: 'PING'; from?: string }
  /** Asks the actor to send `msg` to `to` through the kernel. */
  | { type: 'SEND'; to: string; msg: Message }
  | { type: 'REFUSED'; by: string }
  | { type: 'BOOM' };

interface HostContext {
  disk: Disk;
  incarnation: number;
  volatile: number;
  ticks: number;
  received: string[];
}

const hostMachine = setup({
  types: {
    context: {} as HostContext,
    events: {} as HostEvent,
    input: {} as { env: HostEnv<Disk> },
    emitted: {} as KernelEmitted,
  },
}).createMachine({
  context: ({ input }) => ({ disk: input.env.disk, incarnation: input.env.incarnation, volatile: 0, ticks: 0, received: [] }),
  initial: 'armed',
  states: {
    // A one-shot XState timer armed at every (re)start.
    armed: {
      after: {
        1000: { target: 'fired', actions: emit({ type: 'trace', kind: 'timer.fired', fields: {} }) },
      },
    },
    fired: {},
  },
  on: {
    TICK: { actions: assign({ ticks: ({ context }) => context.ticks + 1 }) },
    PING: {
      actions: [
        ({ context }) => {
          context.disk.writes++;
        },
        assign({
          volatile: ({ context }) => context.volatile + 1,
          received: ({ context, event }) => [...context.received, `PING from ${event.from ?? '?'}`],
        }),
      ],
    },
    SEND: { actions: emit(({ event }) => ({ type: 'send' as const, to: event.to, msg: event.msg })) },
    REFUSED: { actions: assign({ received: ({ context, event }) => [...context.received, `REFUSED by ${event.by}`] }) },
    BOOM: {
      actions: () => {
        throw new Error('boom');
      },
    },
  },
});

function newSim(options: Partial<SimulationOptions> = {}, hosts: string[] = ['a', 'b'], tickIntervalMs?: number) {
  const sim = new Simulation({ seed: 'sim-test', network: { latencyMsMin: 5, latencyMsMax: 5 }, ...options });
  const trace: TraceEvent[] = [];
  sim.trace.subscribe((e) => trace.push(e));
  const disks = new Map<string, Disk>();
  for (const name of hosts) {
    const disk: Disk = { writes: 0 };
    disks.set(name, disk);
    sim.addHost<Disk>({
      name,
      disk,
      ...(tickIntervalMs !== undefined ? { tickIntervalMs } : {}),
      create: (env) => createActor(hostMachine, { clock: env.clock, input: { env } }),
    });
  }
  const ctx = (name: string): HostContext => {
    const actor = sim.actorOf(name);
    assert.ok(actor, `${name} has no actor`);
    return actor.getSnapshot().context as HostContext;
  };
  /** Makes `from` send a PING to `to` through the network. */
  const ping = (from: string, to: string, extra: Record<string, unknown> = {}): boolean =>
    sim.inject(from, { type: 'SEND', to, msg: { type: 'PING', from, ...extra } } as Message);
  const drops = (reason?: string) => trace.filter((e) => e.kind === 'net.drop' && (reason === undefined || e.reason === reason));
  return { sim, trace, disks, ctx, ping, drops };
}

describe('Simulation: delivery', () => {
  it('an actor’s emitted send reaches the other host through the network, after the latency', () => {
    const { sim, ctx, ping } = newSim();
    sim.runUntil(100);
    assert.equal(ping('a', 'b'), true);
    assert.deepEqual(ctx('b').received, []);
    assert.equal(sim.runUntil(104), 'done');
    assert.deepEqual(ctx('b').received, []);
    sim.runUntil(105);
    assert.deepEqual(ctx('b').received, ['PING from a']);
    assert.equal(sim.network.messagesSent, 1);
    assert.equal(sim.network.messagesDelivered, 1);
  });

  it('a message to an unknown host is dropped with reason "unknown"', () => {
    const { sim, ping, drops } = newSim();
    ping('a', 'nobody');
    sim.runUntil(100);
    assert.equal(drops('unknown').length, 1);
  });

  it('rejects a duplicate host name and an unknown host in crash/restart', () => {
    const { sim } = newSim();
    assert.throws(() => sim.addHost({ name: 'a', disk: null, create: () => createActor(hostMachine, { input: { env: {} as HostEnv<Disk> } }) }));
    assert.throws(() => sim.crash('zz'));
    assert.throws(() => sim.restart('zz'));
  });
});

describe('Simulation: crash and restart', () => {
  it('a crashed host receives nothing: messages are dropped with reason "down", in flight too', () => {
    const { sim, ping, drops, ctx } = newSim();
    ping('a', 'b'); // in flight (5 ms) when b crashes
    sim.runUntil(2);
    sim.crash('b');
    assert.equal(sim.isAlive('b'), false);
    assert.equal(sim.actorOf('b'), null);
    sim.runUntil(10);
    ping('a', 'b'); // sent while b is down
    sim.runUntil(100);
    const down = drops('down');
    assert.equal(down.length, 2);
    assert.deepEqual(down.map((e) => [e.t, e.from, e.to, e.type]), [[5, 'a', 'b', 'PING'], [15, 'a', 'b', 'PING']]);
    assert.equal(sim.network.messagesDelivered, 0);
    assert.equal(sim.inject('b', { type: 'PING' }), false, 'inject into a dead host fails');
    assert.equal(ctx('a').received.length, 0);
  });

  it('a crash cancels the host’s XState timers and its ticker, and nobody else’s', () => {
    const { sim, trace, ctx } = newSim({}, ['a', 'b'], 100);
    sim.runUntil(500);
    assert.ok(ctx('b').ticks >= 4, `ticks ${ctx('b').ticks}`);
    const pendingBefore = sim.clock.queue.size;
    sim.crash('b');
    // b had its ticker and its 1000 ms `after` pending: both gone; a keeps its own two.
    assert.equal(sim.clock.queue.size, pendingBefore - 2);
    assert.equal(sim.clock.queue.size, 2);
    const aTicks = ctx('a').ticks;
    sim.runUntil(5_000);
    const fired = trace.filter((e) => e.kind === 'timer.fired');
    assert.equal(fired.length, 1, 'only a’s `after: 1000` fires');
    assert.equal(fired[0]!.t, 1000);
    assert.ok(ctx('a').ticks >= aTicks + 44, 'a keeps ticking');
    // With b down, only a's ticker remains pending.
    assert.equal(sim.clock.queue.size, 1);
  });

  it('restart re-creates the actor from durable disk only: volatile state is gone, disk is kept', () => {
    const { sim, ctx, ping, disks } = newSim();
    for (let i = 0; i < 3; i++) ping('a', 'b');
    sim.runUntil(50);
    assert.equal(ctx('b').volatile, 3);
    assert.equal(ctx('b').disk.writes, 3);
    assert.equal(ctx('b').incarnation, 1);
    const oldActor = sim.actorOf('b');
    sim.crash('b');
    sim.crash('b'); // crashing a dead host is a no-op
    sim.runUntil(60);
    sim.restart('b');
    assert.equal(sim.isAlive('b'), true);
    assert.notEqual(sim.actorOf('b'), oldActor);
    assert.equal(ctx('b').volatile, 0, 'volatile state is lost');
    assert.deepEqual(ctx('b').received, []);
    assert.equal(ctx('b').disk.writes, 3, 'disk survives');
    assert.equal(ctx('b').disk, disks.get('b'), 'the same durable object is handed back');
    assert.equal(sim.diskOf<Disk>('b'), disks.get('b'));
    assert.equal(ctx('b').incarnation, 2);
    sim.restart('b'); // restarting a live host is a no-op
    assert.equal(ctx('b').incarnation, 2);
    sim.crash('b');
    sim.restart('b');
    assert.equal(ctx('b').incarnation, 3);
    // It works again.
    ping('a', 'b');
    sim.runUntil(100);
    assert.equal(ctx('b').volatile, 1);
    assert.equal(ctx('b').disk.writes, 4);
  });

  it('a restarted host re-arms its timers and runs exactly one ticker', () => {
    const { sim, trace, ctx } = newSim({}, ['a', 'b'], 100);
    sim.runUntil(300);
    sim.crash('b');
    sim.runUntil(350);
    sim.restart('b');
    sim.runUntil(1350);
    const ticksFirstSecond = ctx('b').ticks;
    assert.ok(ticksFirstSecond === 10 || ticksFirstSecond === 9, `ticks in 1 s after restart: ${ticksFirstSecond}`);
    sim.runUntil(2350);
    assert.equal(ctx('b').ticks - ticksFirstSecond, 10, 'one tick per 100 ms: no ticker survived the crash');
    const fired = trace.filter((e) => e.kind === 'timer.fired').map((e) => e.t);
    assert.deepEqual(fired, [1000, 1350], 'a’s timer at 1000, b’s re-armed one 1000 ms after its restart');
  });

  it('sends refusedReply back to the sender when the destination is down, not when it is up', () => {
    const { sim, ctx, ping } = newSim();
    const refused = { refusedReply: { type: 'REFUSED', by: 'b' } };
    ping('a', 'b', refused);
    sim.runUntil(20);
    assert.deepEqual(ctx('a').received, [], 'b is up: no reset');
    assert.deepEqual(ctx('b').received, ['PING from a']);
    sim.crash('b');
    ping('a', 'b', refused);
    sim.runUntil(40);
    assert.deepEqual(ctx('a').received, ['REFUSED by b']);
    // The reset travels the network too: it takes a latency, 5 + 5 ms here.
    ping('a', 'b', refused);
    sim.runUntil(49);
    assert.equal(ctx('a').received.length, 1);
    sim.runUntil(50);
    assert.equal(ctx('a').received.length, 2);
    // No reply to an injected message (no sender).
    assert.equal(sim.inject('b', { type: 'PING', ...refused } as Message), false);
    sim.runUntil(100);
    assert.equal(ctx('a').received.length, 2);
  });

  it('an exception in an actor stops the run with a message, through no real timer', () => {
    const { sim } = newSim();
    sim.runUntil(10);
    const realSetTimeout = globalThis.setTimeout;
    let realTimers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      realTimers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      sim.inject('a', { type: 'BOOM' });
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    assert.equal(realTimers, 0, 'XState must not re-throw through a real setTimeout');
    assert.equal(sim.runUntil(100), 'stopped');
    assert.match(sim.stoppedBecause ?? '', /internal error in a: .*boom/);
  });
});

describe('Simulation: run loop', () => {
  it('runUntil fires events due up to the bound (inclusive), then sets the clock to it', () => {
    const sim = new Simulation({ seed: 's' });
    const fired: number[] = [];
    for (const t of [100, 200, 300]) sim.clock.at(t, () => fired.push(sim.now()));
    assert.equal(sim.runUntil(200), 'done');
    assert.deepEqual(fired, [100, 200]);
    assert.equal(sim.now(), 200);
    assert.equal(sim.runUntil(250), 'done');
    assert.equal(sim.now(), 250);
    assert.deepEqual(fired, [100, 200]);
    assert.equal(sim.runUntil(1000), 'done');
    assert.deepEqual(fired, [100, 200, 300]);
    assert.equal(sim.now(), 1000);
    assert.equal(sim.eventCount, 3);
  });

  it('runUntil stops with "event-limit" after maxEvents events', () => {
    const { sim } = newSim({ maxEvents: 25 }, ['a', 'b'], 10);
    assert.equal(sim.runUntil(100_000), 'event-limit');
    assert.equal(sim.eventCount, 25);
    assert.ok(sim.now() < 1_000, `${sim.now()}`);
    assert.equal(sim.runUntil(100_000), 'event-limit', 'and stays stopped');
    assert.equal(sim.eventCount, 25);
  });

  // Regression: the limit used to be tested before looking for a due event, so a run that needed
  // exactly maxEvents events ended 'event-limit' (and the clock was not moved to untilMs).
  it('a run that needs exactly maxEvents events ends "done"', () => {
    const sim = new Simulation({ seed: 's', maxEvents: 3 });
    for (const t of [10, 20, 30]) sim.clock.at(t, () => {});
    assert.equal(sim.runUntil(100), 'done');
    assert.equal(sim.now(), 100);
  });

  it('stop() ends the run after the current event with status "stopped"; the first reason is kept', () => {
    const sim = new Simulation({ seed: 's' });
    const fired: number[] = [];
    sim.clock.at(100, () => fired.push(100));
    sim.clock.at(150, () => {
      fired.push(150);
      sim.stop('invariant X');
      sim.stop('second reason');
    });
    sim.clock.at(150, () => fired.push(151));
    sim.clock.at(200, () => fired.push(200));
    assert.equal(sim.runUntil(1_000), 'stopped');
    assert.deepEqual(fired, [100, 150]);
    assert.equal(sim.stoppedBecause, 'invariant X');
    assert.equal(sim.now(), 150);
    assert.equal(sim.runUntil(2_000), 'stopped');
    assert.deepEqual(fired, [100, 150]);
  });

  it('onAfterEvent hooks run after every event and may stop the run', () => {
    const sim = new Simulation({ seed: 's' });
    for (const t of [1, 2, 3, 4, 5]) sim.clock.at(t, () => {});
    const seen: number[] = [];
    sim.onAfterEvent(() => {
      seen.push(sim.now());
      if (sim.now() === 3) sim.stop('enough');
    });
    assert.equal(sim.runUntil(10), 'stopped');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('the same seed gives the same trace fingerprint; another seed a different one', () => {
    const run = (seed: string): string => {
      const { sim } = newSim({ seed, network: { latencyMsMin: 1, latencyMsMax: 30, lossProbability: 0.3 } }, ['a', 'b', 'c'], 50);
      const names = ['a', 'b', 'c'];
      for (let i = 0; i < 60; i++) {
        sim.clock.at(i * 7, () => sim.inject(names[i % 3]!, { type: 'SEND', to: names[(i + 1) % 3]!, msg: { type: 'PING' } } as Message));
      }
      sim.clock.at(200, () => sim.crash('b'));
      sim.clock.at(300, () => sim.restart('b'));
      sim.runUntil(2_000);
      return sim.trace.fingerprint();
    };
    assert.equal(run('x'), run('x'));
    assert.notEqual(run('x'), run('y'));
  });
});

describe('Simulation: machines', () => {
  function withSidecar() {
    const t = newSim({}, ['node', 'other']);
    t.sim.addHost<Disk>({ name: 'node-proxy', machine: 'node', disk: { writes: 0 }, create: (env) => createActor(hostMachine, { clock: env.clock, input: { env } }) });
    return t;
  }

  it('crashing or restarting a machine takes every host on it; a host alone can still be crashed', () => {
    const { sim } = withSidecar();
    sim.runUntil(10);
    sim.crash('node');
    assert.deepEqual([sim.isAlive('node'), sim.isAlive('node-proxy'), sim.isAlive('other')], [false, false, true]);
    sim.restart('node');
    assert.deepEqual([sim.isAlive('node'), sim.isAlive('node-proxy')], [true, true]);
    sim.crash('node-proxy');
    assert.deepEqual([sim.isAlive('node'), sim.isAlive('node-proxy')], [true, false]);
  });

  it('a partition of the machine cuts its hosts off; hosts of one machine always reach each other', () => {
    const { sim, ctx, ping, drops } = withSidecar();
    sim.runUntil(10);
    sim.network.partition([['node'], ['other']]);
    ping('other', 'node-proxy');
    ping('node', 'node-proxy');
    sim.runUntil(100);
    assert.equal(drops('partition').length, 1);
    assert.deepEqual(ctx('node-proxy').received, ['PING from node']);
    assert.equal(sim.machineOf('node-proxy'), 'node');
    assert.equal(sim.machineOf('other'), 'other');
  });
});
