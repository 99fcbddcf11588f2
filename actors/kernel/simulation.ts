import type { AnyActorRef } from 'xstate';
import { Network, type DropReason, type Message, type NetworkOptions } from './network.ts';
import { Rng } from './rng.ts';
import { TraceRecorder, type TraceLevel } from './trace.ts';
import type { Output } from './output.ts';
import { HostClock, VirtualClock } from './virtual-clock.ts';

/** What a component's actor emits to reach the kernel (never another actor directly). */
export type KernelEmitted =
  | { type: 'send'; to: string; msg: Message; datagram?: boolean }
  | { type: 'trace'; kind: string; fields: Record<string, unknown> }
  /** A component core's whole step output in one emit: its trace lines, then its sends (core-actor.ts). */
  | { type: 'output'; out: Pick<Output, 'traces' | 'sends'> };

/** What the kernel hands a component when it (re)starts it. */
export interface HostEnv<Disk> {
  readonly name: string;
  /** XState clock hook scoped to this host: a crash cancels every timer it armed. */
  readonly clock: HostClock;
  readonly now: () => number;
  /** This host's own seeded stream; the same across restarts, so draws continue rather than repeat. */
  readonly rng: Rng;
  /** Durable state: survives a crash. Everything else the actor holds is lost. */
  readonly disk: Disk;
  readonly incarnation: number;
}

export interface HostSpec<Disk> {
  name: string;
  disk: Disk;
  /**
   * Creates the component's root actor, not yet started (own root, never a child of a shared
   * parent): the kernel subscribes to what it emits, then starts it.
   */
  create(env: HostEnv<Disk>): AnyActorRef;
  /**
   * A hardware-like ticker that sends `{type: 'TICK'}` every interval (etcd's raft ticker).
   * Cheaper than re-arming an XState `after` on every message; starts at a seeded phase.
   */
  tickIntervalMs?: number;
  /**
   * The machine the host runs on (default: its own name). Hosts of one machine — a node's
   * kubelet and kube-proxy — crash and restart together when the machine is named, are
   * partitioned with it, and always reach each other (loopback).
   */
  machine?: string;
}

interface Host {
  spec: HostSpec<unknown>;
  alive: boolean;
  incarnation: number;
  actor: AnyActorRef | null;
  clock: HostClock;
  rng: Rng;
}

export interface SimulationOptions {
  seed: string;
  network?: Partial<NetworkOptions>;
  /** The run stops with status 'event-limit' past this many events: nothing may hang. */
  maxEvents?: number;
  keepTraceLines?: boolean;
  /** Which trace lines are kept (default normal: all); every line is fingerprinted at every level. */
  traceLevel?: TraceLevel;
}

export type RunStatus = 'done' | 'event-limit' | 'stopped';

/**
 * The kernel: one virtual clock, one event queue, seeded streams, the network, hosts that crash
 * and restart, the trace. It knows nothing of Kubernetes.
 */
export class Simulation {
  readonly clock = new VirtualClock();
  readonly rng: Rng;
  readonly network: Network;
  readonly trace: TraceRecorder;
  readonly maxEvents: number;
  eventCount = 0;
  private readonly hosts = new Map<string, Host>();
  private readonly afterEventHooks: (() => void)[] = [];
  private stopReason: string | null = null;

  constructor(options: SimulationOptions) {
    this.rng = new Rng(options.seed);
    this.maxEvents = options.maxEvents ?? 20_000_000;
    this.trace = new TraceRecorder(() => this.clock.now(), { keepLines: options.keepTraceLines ?? false, level: options.traceLevel ?? 'normal' });
    this.network = new Network(this.clock, this.rng.fork('network'), options.network ?? {}, {
      deliver: (from, to, msg) => this.deliver(from, to, msg),
      dropped: (from, to, msg, reason) => this.trace.record('net.drop', { from, to, type: msg.type, reason }),
      machineOf: (host) => this.machineOf(host),
      incarnationOf: (host) => this.hosts.get(host)?.incarnation ?? 0,
    });
  }

  now(): number {
    return this.clock.now();
  }

  addHost<Disk>(spec: HostSpec<Disk>): void {
    if (this.hosts.has(spec.name)) throw new Error(`duplicate host ${spec.name}`);
    const host: Host = {
      spec: spec as HostSpec<unknown>,
      alive: false,
      incarnation: 0,
      actor: null,
      clock: new HostClock(this.clock),
      // Host names are DNS labels, so the prefix keeps them apart from kernel streams like `network`.
      rng: this.rng.fork(`host:${spec.name}`),
    };
    this.hosts.set(spec.name, host);
    this.boot(host);
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  isAlive(name: string): boolean {
    return this.hosts.get(name)?.alive ?? false;
  }

  hasHost(name: string): boolean {
    return this.hosts.has(name);
  }

  /** The running actor of a host (for observation only: components talk through the network). */
  actorOf(name: string): AnyActorRef | null {
    return this.hosts.get(name)?.actor ?? null;
  }

  /** How many times the host has booted (1 before any restart); 0 for an unknown host. */
  incarnationOf(name: string): number {
    return this.hosts.get(name)?.incarnation ?? 0;
  }

  diskOf<Disk>(name: string): Disk | undefined {
    return this.hosts.get(name)?.spec.disk as Disk | undefined;
  }

  /** Delivers an event to a host from outside the network (an operator's command to a client). */
  inject(name: string, msg: Message): boolean {
    return this.deliver(null, name, msg) === null;
  }

  /** The hosts a name stands for: the host itself, plus every other host on the machine it names. */
  private hostsNamed(name: string): string[] {
    const out = this.hosts.has(name) ? [name] : [];
    for (const [other, h] of this.hosts) if (other !== name && h.spec.machine === name) out.push(other);
    return out;
  }

  /** The machine a host runs on (its own name unless it was given one). */
  machineOf(name: string): string {
    return this.hosts.get(name)?.spec.machine ?? name;
  }

  /** Crashes a host, or every host of the machine the name is. */
  crash(name: string): void {
    const named = this.hostsNamed(name);
    if (named.length === 0) this.requireHost(name);
    for (const h of named) this.crashHost(h);
  }

  private crashHost(name: string): void {
    const host = this.requireHost(name);
    if (!host.alive) return;
    host.alive = false;
    host.clock.cancelAll();
    host.actor?.stop();
    host.actor = null;
  }

  /** Restarts a host, or every host of the machine the name is. */
  restart(name: string): void {
    const named = this.hostsNamed(name);
    if (named.length === 0) this.requireHost(name);
    for (const h of named) this.restartHost(h);
  }

  private restartHost(name: string): void {
    const host = this.requireHost(name);
    if (host.alive) return;
    this.boot(host);
  }

  onAfterEvent(hook: () => void): void {
    this.afterEventHooks.push(hook);
  }

  /** Ends the run after the current event (an invariant was violated). */
  stop(reason: string): void {
    if (this.stopReason === null) this.stopReason = reason;
  }

  get stoppedBecause(): string | null {
    return this.stopReason;
  }

  /** Runs every event due up to `untilMs`, then sets the clock to `untilMs`. */
  runUntil(untilMs: number): RunStatus {
    const clock = this.clock;
    const hooks = this.afterEventHooks;
    while (this.stopReason === null) {
      const nextAtMs = clock.queue.peekAtMs();
      if (nextAtMs === undefined || nextAtMs > untilMs) break;
      if (this.eventCount >= this.maxEvents) return 'event-limit';
      clock.fireNext(untilMs);
      this.eventCount++;
      for (let i = 0; i < hooks.length; i++) hooks[i]!();
    }
    if (this.stopReason !== null) return 'stopped';
    clock.advanceTo(untilMs);
    return 'done';
  }

  private requireHost(name: string): Host {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`unknown host ${name}`);
    return host;
  }

  private boot(host: Host): void {
    host.incarnation++;
    host.alive = true;
    const name = host.spec.name;
    const actor = host.spec.create({
      name,
      clock: host.clock,
      now: () => this.clock.now(),
      rng: host.rng,
      disk: host.spec.disk,
      incarnation: host.incarnation,
    });
    actor.on('send', (e: { to: string; msg: Message; datagram?: boolean }) => this.network.send(name, e.to, e.msg, e.datagram === true));
    actor.on('trace', (e: { kind: string; fields: Record<string, unknown> }) => this.trace.record(e.kind, e.fields));
    actor.on('output', (e: { out: Pick<Output, 'traces' | 'sends'> }) => {
      for (const t of e.out.traces) this.trace.record(t.kind, t.fields);
      for (const m of e.out.sends) this.network.send(name, m.to, m.msg, m.datagram === true);
    });
    // An error observer keeps XState from re-throwing through a real setTimeout.
    actor.subscribe({ error: (err: unknown) => this.stop(`internal error in ${name}: ${String(err)}`) });
    host.actor = actor;
    actor.start();
    const interval = host.spec.tickIntervalMs;
    if (interval !== undefined) {
      const incarnation = host.incarnation;
      const tick = (): void => {
        if (!host.alive || host.incarnation !== incarnation) return;
        host.clock.after(interval, tick);
        host.actor?.send({ type: 'TICK' });
      };
      host.clock.after(host.rng.fork(`ticker#${incarnation}`).int(1, interval + 1), tick);
    }
  }

  private deliver(from: string | null, to: string, msg: Message): DropReason | null {
    const host = this.hosts.get(to);
    if (!host) return 'unknown';
    if (!host.alive || !host.actor) {
      // A live machine whose process is gone answers with a TCP reset, when the sender asked for one.
      const refused = (msg as { refusedReply?: Message }).refusedReply;
      if (refused && from !== null) this.network.send(to, from, refused);
      return 'down';
    }
    host.actor.send(msg as { type: string });
    return null;
  }
}
