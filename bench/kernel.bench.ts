/**
 * Kernel benchmark: what one simulated event costs, from a bare heap loop up to a whole idle etcd
 * group. Prints ONE JSON object on stdout; a human summary goes to stderr.
 *
 *   npx tsx bench/kernel.bench.ts            # full run (about 17 s on the idle 2-core dev machine)
 *   npx tsx bench/kernel.bench.ts --quick    # smaller sizes, CI smoke (about 3 s)
 *   npx tsx bench/kernel.bench.ts --only=idle,bare,delivery   # a subset (for profiling)
 *
 * Parts, each warmed up once and then measured (median, min, max of 3 trials):
 *   bareHeapLoop         a (atMs, seq) binary heap of closures, each event schedules one more at
 *                        now + U(0,10) ms from a seeded alea stream; 10k pending (performance.md §1).
 *                        With `delivery` it runs in 15 windows alternating with the XState storm's,
 *                        both loops kept running between windows, and the ratio is the median of
 *                        the 15 pairs' own ratios (see pairedTrials)
 *   kernelActorDelivery  messages/s through Simulation + Network to XState actors made by the
 *                        kernel's one adapter (core-actor.ts) whose core forwards each message to
 *                        a random peer: a ping storm with a constant number in flight; also the
 *                        same storm on stub (non-XState) actors, to split the kernel's own cost
 *                        from XState's, and on XState state machines (what a statechart step costs)
 *   idleEtcdHour         runScenario() of an idle 5-member etcd group for 1 h of virtual time
 */
import os from 'node:os';
import seedrandom from 'seedrandom';
import { createActor, emit, setup, type AnyActorRef } from 'xstate';
import type { Message } from '../actors/kernel/network.ts';
import type { Rng } from '../actors/kernel/rng.ts';
import { coreMachine, startCore, type ComponentCore } from '../actors/kernel/core-actor.ts';
import { newOutput } from '../actors/kernel/output.ts';
import { Simulation, type HostEnv, type KernelEmitted } from '../actors/kernel/simulation.ts';
import { runScenario } from '../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../actors/scenario/spec.ts';

const quick = process.argv.includes('--quick');
const TRIALS = 3;

/** `bareWindow` and `stormWindow`: one alternating pair's share of each loop (about 0.3 s each on the 2-core VM). */
const sizes = quick
  ? { bareEvents: 300_000, barePending: 10_000, actors: 100, inFlight: 10_000, messages: 60_000, bareWindow: 100_000, stormWindow: 20_000, idleMs: 300_000, idleWarmupMs: 60_000 }
  : { bareEvents: 3_000_000, barePending: 10_000, actors: 100, inFlight: 10_000, messages: 600_000, bareWindow: 750_000, stormWindow: 150_000, idleMs: 3_600_000, idleWarmupMs: 600_000 };

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const roundStats = (s: Stats, digits = 0): Stats => ({ median: round(s.median, digits), min: round(s.min, digits), max: round(s.max, digits) });

// ---------------------------------------------------------------------------------------------
// 1. Bare heap loop (inline, independent of the kernel's EventQueue on purpose: the baseline).

interface BareEvent {
  t: number;
  seq: number;
  fn: () => void;
}

/** Process CPU seconds (user + system) since `since`. */
const cpuSince = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

interface BareTrial {
  eventsPerSec: number;
  eventsPerCpuSec: number;
  checksum: number;
}

/** Returns events/s (per wall and per CPU second) for `events` pops with `pending` events kept in the heap. */
function bareHeapLoop(events: number, pending: number, seed: string): BareTrial {
  return startBareHeapLoop(pending, seed)(events);
}

/**
 * A bare heap loop with `pending` events in its heap, kept between calls: each call of the
 * returned function pops `events` more and returns their rates, so windows measure the same loop
 * in its steady state (heap, JIT and garbage collector warm), as the delivery storm's windows do.
 */
function startBareHeapLoop(pending: number, seed: string): (events: number) => BareTrial {
  const rnd = seedrandom.alea(seed);
  const heap: BareEvent[] = [];
  let seq = 0;
  let now = 0;
  let fired = 0;

  const less = (a: BareEvent, b: BareEvent): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);
  const push = (t: number, fn: () => void): void => {
    const ev: BareEvent = { t, seq: seq++, fn };
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (less(p, ev)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  };
  const pop = (): BareEvent | undefined => {
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        let child = left;
        let c = heap[left]!;
        const right = left + 1;
        if (right < n && less(heap[right]!, c)) {
          child = right;
          c = heap[right]!;
        }
        if (less(last, c)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  };
  // Each event is a fresh closure that schedules the next one.
  const schedule = (id: number): void => {
    push(now + rnd() * 10, () => {
      fired++;
      schedule(id);
    });
  };
  for (let i = 0; i < pending; i++) schedule(i);

  return (events) => {
    const firedBefore = fired;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < events; i++) {
      const ev = pop()!;
      now = ev.t;
      ev.fn();
    }
    const seconds = (performance.now() - t0) / 1000;
    const done = fired - firedBefore;
    return { eventsPerSec: done / seconds, eventsPerCpuSec: done / cpuSince(c0), checksum: round(now, 3) };
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Kernel delivery: Simulation + Network to XState actors.

type StormEvent = { type: 'MSG' };

/**
 * The storm's component core: on each message, asks the kernel to send a new one to a random
 * peer. Run through the kernel's one adapter (`coreMachine`/`startCore`), as every component is.
 */
function stormCore(rng: Rng, peers: readonly string[]): ComponentCore<null, StormEvent, 'storming'> {
  return {
    id: 'storm',
    phases: ['storming'],
    phase: () => 'storming',
    step() {
      const out = newOutput();
      out.sends.push({ to: rng.pick(peers), msg: MSG });
      return out;
    },
  };
}

/** The same behaviour as an XState state machine (`emit` of a kernel `send`): a reference for what a statechart step costs. */
const stormMachine = setup({
  types: {
    context: {} as { rng: Rng; peers: readonly string[] },
    events: {} as StormEvent,
    input: {} as { rng: Rng; peers: readonly string[] },
    emitted: {} as KernelEmitted,
  },
}).createMachine({
  context: ({ input }) => ({ rng: input.rng, peers: input.peers }),
  on: {
    MSG: { actions: emit(({ context }) => ({ type: 'send' as const, to: context.rng.pick(context.peers), msg: MSG })) },
  },
});

const MSG: Message = { type: 'MSG' };

/**
 * A hand-written actor with the only surface the kernel uses (on, subscribe, start, send, stop):
 * the same storm without XState, so the kernel's own per-message cost shows.
 */
function stubActor(rng: Rng, peers: readonly string[]): AnyActorRef {
  let onSend: ((e: { to: string; msg: Message }) => void) | null = null;
  const stub = {
    on(type: string, handler: (e: { to: string; msg: Message }) => void) {
      if (type === 'send') onSend = handler;
      return { unsubscribe() {} };
    },
    subscribe() {
      return { unsubscribe() {} };
    },
    start() {
      return stub;
    },
    stop() {
      return stub;
    },
    send() {
      onSend?.({ to: rng.pick(peers), msg: MSG });
    },
  };
  return stub as unknown as AnyActorRef;
}

type StormActors = 'xstate' | 'machine' | 'stub';

function stormActor(kind: StormActors, env: HostEnv<null>, peers: readonly string[]): AnyActorRef {
  if (kind === 'machine') return createActor(stormMachine, { clock: env.clock, input: { rng: env.rng, peers } });
  if (kind === 'stub') return stubActor(env.rng, peers);
  return startCore(coreMachine(stormCore(env.rng, peers)), env, null);
}

interface StormTrial {
  messagesPerSec: number;
  messagesPerCpuSec: number;
  delivered: number;
  virtualMs: number;
  events: number;
}

function deliveryStorm(kind: StormActors, actors: number, inFlight: number, messages: number, seed: string): StormTrial {
  return startDeliveryStorm(kind, actors, inFlight, seed)(messages);
}

/**
 * A storm kept between calls: each call of the returned function delivers `messages` more and
 * returns their rates (the same 10k stay in flight; no set-up inside a window).
 */
function startDeliveryStorm(kind: StormActors, actors: number, inFlight: number, seed: string): (messages: number) => StormTrial {
  const sim = new Simulation({ seed, maxEvents: Number.MAX_SAFE_INTEGER });
  const names = Array.from({ length: actors }, (_, i) => `n${i}`);
  for (const name of names) {
    const peers = names.filter((n) => n !== name);
    sim.addHost<null>({
      name,
      disk: null,
      create: (env) => stormActor(kind, env, peers),
    });
  }
  const starter = sim.rng.fork('starter');
  for (let i = 0; i < inFlight; i++) sim.network.send(names[i % actors]!, starter.pick(names), MSG);

  let until = 0;
  return (messages) => {
    const deliveredBefore = sim.network.messagesDelivered;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (sim.network.messagesDelivered - deliveredBefore < messages) {
      until += 1;
      if (sim.runUntil(until) !== 'done') throw new Error(`storm stopped: ${sim.stoppedBecause}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = cpuSince(c0);
    const delivered = sim.network.messagesDelivered - deliveredBefore;
    if (sim.clock.queue.size !== inFlight) throw new Error(`in flight drifted: ${sim.clock.queue.size} != ${inFlight}`);
    return { messagesPerSec: delivered / seconds, messagesPerCpuSec: delivered / cpuSeconds, delivered, virtualMs: sim.now(), events: sim.eventCount };
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Idle etcd group: 5 members, no clients, no timeline, no expectations.

function idleSpec(durationMs: number): ScenarioSpec {
  return {
    apiVersion: 'kubesim.io/v1alpha1',
    name: 'bench-idle-etcd',
    description: 'idle 5-member etcd group',
    file: 'bench/kernel.bench.ts',
    seed: 'bench-idle',
    durationMs,
    maxEvents: 1_000_000_000,
    cluster: {
      etcd: { members: 5, preVote: true, checkQuorum: true, heartbeatIntervalMs: 100, electionTimeoutMs: 1000, requestTimeoutMs: 7000 },
      network: { latencyMsMin: 1, latencyMsMax: 5, lossProbability: 0, duplicateProbability: 0, reorderProbability: 0 },
    },
    clients: [],
    timeline: [],
    expectations: [],
  };
}

function idleRun(durationMs: number) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { result } = runScenario(idleSpec(durationMs));
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSince(c0);
  if (result.status !== 'done' || !result.ok) throw new Error(`idle run failed: ${result.status} ${result.stopReason ?? ''}`);
  return { wallSeconds, cpuSeconds, result };
}

// ---------------------------------------------------------------------------------------------

const mib = (bytes: number): number => round(bytes / 2 ** 20, 1);
const peakRssMiB = (): number => round(process.resourceUsage().maxRSS / 1024, 1); // maxRSS is in KiB

type Part = 'idle' | 'bare' | 'delivery';
const ALL_PARTS: readonly Part[] = ['idle', 'bare', 'delivery'];

/** `--only=idle,delivery` runs some parts (for profiling); all by default. */
function selectedParts(): Set<Part> {
  const arg = process.argv.find((a) => a.startsWith('--only='));
  if (!arg) return new Set(ALL_PARTS);
  const parts = arg.slice('--only='.length).split(',');
  for (const p of parts) if (!ALL_PARTS.includes(p as Part)) throw new Error(`--only: unknown part ${p} (use ${ALL_PARTS.join(',')})`);
  return new Set(parts as Part[]);
}

function measureIdle() {
  idleRun(sizes.idleWarmupMs);
  const trials = Array.from({ length: TRIALS }, () => idleRun(sizes.idleMs));
  const peakRss = peakRssMiB();
  const first = trials[0]!.result;
  const wall = stats(trials.map((t) => t.wallSeconds));
  const cpu = stats(trials.map((t) => t.cpuSeconds));
  const virtualSeconds = sizes.idleMs / 1000;
  const idle = {
    virtualMs: sizes.idleMs,
    members: 5,
    wallSeconds: roundStats(wall, 3),
    /** Process CPU time (user + system, all threads incl. GC helpers): less sensitive to other load. */
    cpuSeconds: roundStats(cpu, 3),
    events: first.events,
    eventsPerSec: roundStats(stats(trials.map((t) => t.result.events / t.wallSeconds))),
    speedUp: round(virtualSeconds / wall.median),
    speedUpPerCpuSecond: round(virtualSeconds / cpu.median),
    speedUpTarget: 5000,
    meetsTarget: virtualSeconds / wall.median >= 5000,
    messages: first.messages,
    traceLines: first.traceLines,
    deterministic: new Set(trials.map((t) => t.result.fingerprint)).size === 1,
    fingerprint: first.fingerprint,
    /** Peak RSS of the whole process when the idle trials end (they run first). */
    peakRssMiB: peakRss,
    heapUsedMiBAfter: mib(process.memoryUsage().heapUsed),
  };
  log(
    `idleEtcdHour: ${virtualSeconds} s virtual in ${idle.wallSeconds.median} s wall (median of ${TRIALS}; CPU ${idle.cpuSeconds.median} s) = ` +
      `${idle.speedUp}× real time (target ≥ 5000×: ${idle.meetsTarget ? 'met' : 'NOT met'}); ${idle.events} events, ` +
      `${idle.eventsPerSec.median} ev/s; peak RSS ${peakRss} MiB`,
  );
  return idle;
}

/**
 * The bare loop and the XState storm in alternating windows (bare 0, storm 0, bare 1, ...), so each
 * ratio compares two windows taken a fraction of a second apart. Run as two blocks, the bare loop
 * alone varied from 1.7 to 2.9 M events/s within one CI gate, and a slow block moved every ratio of
 * the run with it. Five pairs of whole trials (each a fresh loop or Simulation, 1–2 s) still gave
 * pair ratios from 0.15 to 0.52 in one process at load 4–7, as the other helpers' bursts hit one
 * arm and not the other: short windows of two long-running loops, many of them, make a burst cost
 * one pair of 15, and measure both loops in their steady state (warm JIT, a garbage collector
 * sized to the load, the 10k events pending in each all along) rather than each trial's set-up.
 */
const PAIRED_WINDOWS = 15;

function pairedTrials(): { bare: BareTrial[]; xstate: StormTrial[] } {
  const bareLoop = startBareHeapLoop(sizes.barePending, 'bare');
  const storm = startDeliveryStorm('xstate', sizes.actors, sizes.inFlight, 'storm');
  // Warm-up: two windows of each, so both are past tier-up and their first scavenges.
  for (let i = 0; i < 2; i++) {
    bareLoop(sizes.bareWindow);
    storm(sizes.stormWindow);
  }
  const bare: BareTrial[] = [];
  const xstate: StormTrial[] = [];
  for (let i = 0; i < PAIRED_WINDOWS; i++) {
    bare.push(bareLoop(sizes.bareWindow));
    xstate.push(storm(sizes.stormWindow));
  }
  return { bare, xstate };
}

function measureBare(paired?: BareTrial[]) {
  if (!paired) bareHeapLoop(Math.min(sizes.bareEvents, 1_000_000), sizes.barePending, 'warmup');
  const trials = paired ?? Array.from({ length: TRIALS }, (_, i) => bareHeapLoop(sizes.bareEvents, sizes.barePending, `bare-${i}`));
  const bare = stats(trials.map((t) => t.eventsPerSec));
  const bareCpu = stats(trials.map((t) => t.eventsPerCpuSec));
  const events = paired ? sizes.bareWindow : sizes.bareEvents;
  log(`bareHeapLoop: ${round(bare.median)} ev/s (${round(bare.min)}–${round(bare.max)}), ${round(bareCpu.median)} per CPU s; ${events} events per ${paired ? 'window' : 'trial'}, ${sizes.barePending} pending`);
  return {
    bare,
    bareCpu,
    json: {
      /** Events per trial, or per window when alternating with the storm (`windows` of them). */
      events,
      windows: paired ? paired.length : null,
      pending: sizes.barePending,
      eventsPerSec: roundStats(bare),
      nsPerEvent: round(1e9 / bare.median, 1),
      /** Events per process-CPU second: less sensitive to other processes on the machine. */
      eventsPerCpuSec: roundStats(bareCpu),
    },
  };
}

function measureDelivery(bare: Stats | null, bareCpu: Stats | null, paired?: { bare: BareTrial[]; xstate: StormTrial[] }) {
  const warm = Math.min(sizes.messages, 100_000);
  if (!paired) deliveryStorm('xstate', sizes.actors, sizes.inFlight, warm, 'warmup');
  const xTrials = paired?.xstate ?? Array.from({ length: TRIALS }, (_, i) => deliveryStorm('xstate', sizes.actors, sizes.inFlight, sizes.messages, `storm-${i}`));
  const xs = stats(xTrials.map((t) => t.messagesPerSec));
  const xsCpu = stats(xTrials.map((t) => t.messagesPerCpuSec));
  deliveryStorm('stub', sizes.actors, sizes.inFlight, warm, 'warmup');
  const sTrials = Array.from({ length: TRIALS }, (_, i) => deliveryStorm('stub', sizes.actors, sizes.inFlight, sizes.messages, `storm-${i}`));
  const ss = stats(sTrials.map((t) => t.messagesPerSec));
  const ssCpu = stats(sTrials.map((t) => t.messagesPerCpuSec));
  deliveryStorm('machine', sizes.actors, sizes.inFlight, warm, 'warmup');
  const mTrials = Array.from({ length: TRIALS }, (_, i) => deliveryStorm('machine', sizes.actors, sizes.inFlight, sizes.messages, `storm-${i}`));
  const ms = stats(mTrials.map((t) => t.messagesPerSec));
  const msCpu = stats(mTrials.map((t) => t.messagesPerCpuSec));
  // Paired: the median of the trials' own ratios; otherwise the ratio of the medians.
  const ratio = paired ? stats(paired.xstate.map((x, i) => x.messagesPerSec / paired.bare[i]!.eventsPerSec)).median : bare ? xs.median / bare.median : null;
  const ratioPerCpu = paired
    ? stats(paired.xstate.map((x, i) => x.messagesPerCpuSec / paired.bare[i]!.eventsPerCpuSec)).median
    : bareCpu
      ? xsCpu.median / bareCpu.median
      : null;
  const delivery = {
    actors: sizes.actors,
    inFlight: sizes.inFlight,
    /** Messages per trial, or per window of the XState storm when alternating with the bare loop (the stub and state-machine storms are always trials). */
    messagesPerTrial: sizes.messages,
    messagesPerWindow: paired ? sizes.stormWindow : null,
    messagesPerSec: roundStats(xs),
    usPerMessage: round(1e6 / xs.median, 2),
    ratioToBareLoop: ratio === null ? null : round(ratio, 3),
    ratioTarget: 0.25,
    meetsTarget: ratio === null ? null : ratio >= 0.25,
    /** The same, per process-CPU second (less sensitive to other load). */
    messagesPerCpuSec: roundStats(xsCpu),
    ratioToBareLoopPerCpuSec: ratioPerCpu === null ? null : round(ratioPerCpu, 3),
    /** Whether each ratio is the median of alternating bare/XState windows' own ratios. */
    pairedTrials: paired !== undefined,
    /** Each alternating pair's own ratio, in trial order (wall, then per CPU second): the spread behind the medians. */
    pairRatios: paired ? paired.xstate.map((x, i) => round(x.messagesPerSec / paired.bare[i]!.eventsPerSec, 3)) : null,
    pairRatiosPerCpuSec: paired ? paired.xstate.map((x, i) => round(x.messagesPerCpuSec / paired.bare[i]!.eventsPerCpuSec, 3)) : null,
    /** The same storm on hand-written stub actors: the kernel's own cost, without XState. */
    stubActors: {
      messagesPerSec: roundStats(ss),
      usPerMessage: round(1e6 / ss.median, 2),
      ratioToBareLoop: bare ? round(ss.median / bare.median, 3) : null,
      messagesPerCpuSec: roundStats(ssCpu),
    },
    /** The same storm on XState state machines (`createMachine`, an `emit` action per message): what a statechart step adds. */
    stateMachineActors: {
      messagesPerSec: roundStats(ms),
      usPerMessage: round(1e6 / ms.median, 2),
      ratioToBareLoop: bare ? round(ms.median / bare.median, 3) : null,
      messagesPerCpuSec: roundStats(msCpu),
    },
    /** Share of the XState storm's per-message cost that the stub run does not have. */
    xstateShareOfCost: round(1 - xs.median / ss.median, 3),
  };
  log(
    `kernelActorDelivery: ${round(xs.median)} msg/s (${round(xs.min)}–${round(xs.max)}) = ${delivery.usPerMessage} µs/msg` +
      (ratio === null ? '' : `, 1/${round(1 / ratio, 1)} of the bare loop (target ≥ 1/4: ${ratio >= 0.25 ? 'met' : 'NOT met'})`) +
      `; per CPU s ${round(xsCpu.median)} msg/s` +
      `; stub actors ${round(ss.median)} msg/s = ${delivery.stubActors.usPerMessage} µs/msg` +
      `; state machines ${round(ms.median)} msg/s = ${delivery.stateMachineActors.usPerMessage} µs/msg`,
  );
  return delivery;
}

function main(): void {
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const cpus = os.cpus();
  const parts = selectedParts();
  log(`kubesim kernel bench${quick ? ' (--quick)' : ''}: node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? '?'}, load ${round(loadAtStart[0]!, 2)}`);

  // Idle etcd first, so the process's peak RSS is mostly its own.
  const idle = parts.has('idle') ? measureIdle() : null;
  const paired = parts.has('bare') && parts.has('delivery') ? pairedTrials() : undefined;
  const bare = parts.has('bare') ? measureBare(paired?.bare) : null;
  const delivery = parts.has('delivery') ? measureDelivery(bare?.bare ?? null, bare?.bareCpu ?? null, paired) : null;

  const out = {
    bench: 'kubesim-kernel',
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpus: { count: cpus.length, model: cpus[0]?.model ?? 'unknown' },
    trials: TRIALS,
    /** 1-minute load average before and after: above ~1 on this 2-core machine, others competed for the CPUs. */
    loadAverage1m: { start: round(loadAtStart[0]!, 2), end: round(os.loadavg()[0]!, 2) },
    results: {
      bareHeapLoop: bare?.json ?? null,
      kernelActorDelivery: delivery,
      idleEtcdHour: idle,
    },
    peakRssMiB: peakRssMiB(),
    totalWallSeconds: round((performance.now() - started) / 1000, 2),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main();
