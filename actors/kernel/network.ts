import type { Rng } from './rng.ts';
import type { VirtualClock } from './virtual-clock.ts';

/**
 * Every message between actors has a type. A message may carry `refusedReply`: when its
 * destination is down, the kernel sends that back to the sender (a TCP reset), so a client can
 * tell a dead process from a silent network. A message marked `ordered: true` belongs to a
 * stream on a live TCP connection (a watch, its close, an HTTP/2 ping): it never overtakes an
 * earlier ordered message on the same link, a partition delays it instead of losing it (TCP
 * retransmits), and it dies with its connection when either end's process restarts. It can still
 * be lost (`lossProbability`) or duplicated: stream owners number their messages and treat a gap
 * as a broken stream.
 */
export interface Message {
  readonly type: string;
}

export interface NetworkOptions {
  latencyMsMin: number;
  latencyMsMax: number;
  /** Probability (0..1) that a message is lost. */
  lossProbability: number;
  /** Probability (0..1) that a message is delivered twice (each copy with its own latency). */
  duplicateProbability: number;
  /** Probability (0..1) that a message is held back by an extra delay of up to `reorderDelayMsMax`. */
  reorderProbability: number;
  reorderDelayMsMax: number;
}

/**
 * A deliberately broken network, for the test that shows the fuzzer's liveness property catches a
 * real bug (test/fuzz/network-variant.test.ts); set in code only, never from a scenario file.
 * `loseStreamsOnPartition` is kubesim's own former bug: a partition dropped watch streams' messages
 * as it drops requests, so a watch whose close was lost stayed silently dead.
 */
export interface NetworkVariant {
  loseStreamsOnPartition?: boolean;
}

export const defaultNetworkOptions: NetworkOptions = {
  latencyMsMin: 1,
  latencyMsMax: 5,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMsMax: 50,
};

/**
 * Why a message was not delivered. `reset`: an ordered message whose connection is gone — one end's
 * process restarted since it was sent, or the link's held stream data outgrew MAX_HELD_PER_LINK.
 */
export type DropReason = 'partition' | 'loss' | 'down' | 'unknown' | 'reset';

/**
 * Ordered (stream) messages held on one link across a partition, at most this many. Past it the
 * link's connections are reset: the held messages and every later one until the link heals are
 * dropped, and the receivers see a gap in their streams. In kube-apiserver a watcher that cannot
 * keep up is closed well before this ("Forcing watcher close due to unresponsiveness", its buffer
 * is 10 to 1,000 events), so the bound only keeps memory finite in long partitions.
 */
export const MAX_HELD_PER_LINK = 1_024;

/**
 * Linux TCP's retransmission timeout: 200 ms (TCP_RTO_MIN), doubling per retry up to 120 s
 * (TCP_RTO_MAX). Data held by a partition resumes at the sender's next retransmission after the
 * heal, not at the heal itself.
 */
export const TCP_RTO_MIN_MS = 200;
export const TCP_RTO_MAX_MS = 120_000;

/** The first retransmission at or after `nowMs` of data first sent at `firstSentAtMs`. */
export function nextRetransmissionMs(firstSentAtMs: number, nowMs: number): number {
  let rtoMs = TCP_RTO_MIN_MS;
  let atMs = firstSentAtMs + rtoMs;
  while (atMs < nowMs) {
    rtoMs = Math.min(rtoMs * 2, TCP_RTO_MAX_MS);
    atMs += rtoMs;
  }
  return atMs;
}

export interface NetworkHooks {
  /** Hands a message to its destination; returns the reason when it cannot be delivered. */
  deliver(from: string, to: string, msg: Message): DropReason | null;
  dropped(from: string, to: string, msg: Message, reason: DropReason): void;
  /** The machine a host runs on: faults are between machines, and a machine reaches itself. */
  machineOf?(host: string): string;
  /**
   * The host's process incarnation (it changes on restart). An ordered message is dropped as
   * `reset` when either end's incarnation changed after it was sent: TCP connections die with
   * their process, and a restarted process must not read its predecessor's stream.
   */
  incarnationOf?(host: string): number;
}

/** An ordered message and the incarnations of its ends when it was sent (its connection). */
interface StreamMessage {
  msg: Message;
  fromIncarnation: number;
  toIncarnation: number;
}

/** Ordered messages a partition holds on one link (one direction between two hosts). */
interface HeldLink {
  from: string;
  to: string;
  messages: StreamMessage[];
  /** When the first of them was held: the sender's retransmission timer runs from then. */
  firstHeldAtMs: number;
  /** A drain is scheduled (its generation, so a stale one is ignored), or null. */
  drainGeneration: number | null;
  /** The held data outgrew MAX_HELD_PER_LINK: everything on the link is dropped until it heals. */
  reset: boolean;
}

/**
 * The simulated network. Latency, loss, duplication and reordering are drawn from the network's
 * own seeded stream. Partitions are checked both when a message is sent and when it would arrive,
 * so a packet in flight when a link is cut is lost, as on a real wire.
 *
 * Ordered messages (streams over TCP) are not lost to a partition: they are held per link, in
 * order, and delivered together at the sender's next TCP retransmission after the link heals
 * (`nextRetransmissionMs`), as TCP delivers a live connection's data late rather than never.
 * Whether the connection is still wanted by then is the endpoints' business: an HTTP/2 client
 * health-checks its connection with pings (actors/client/http2-connections.ts), and gives up on it
 * 45 s after the connection's last frame.
 *
 * Reachability: a partition splits the actors it names into groups (actors it does not name are
 * unaffected); a cut blocks one direction between two actors; an isolated actor reaches nobody.
 * Names are machines: hosts on one machine (`HostSpec.machine`) share its faults.
 */
export class Network {
  private options: NetworkOptions;
  private groupOf = new Map<string, number>();
  private cuts = new Set<string>();
  private isolated = new Set<string>();
  private faultCount = 0;
  /** Per link, the latest arrival time of an ordered message (streams keep their order). */
  private readonly orderedArrivalMs = new Map<string, number>();
  /** Per link, the ordered messages a partition holds (see HeldLink). */
  private readonly held = new Map<string, HeldLink>();
  private drainGenerations = 0;
  messagesSent = 0;
  messagesDelivered = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    options: Partial<NetworkOptions>,
    private readonly hooks: NetworkHooks,
    private readonly variant: NetworkVariant = {},
  ) {
    this.options = { ...defaultNetworkOptions, ...options };
    validateOptions(this.options);
  }

  getOptions(): Readonly<NetworkOptions> {
    return this.options;
  }

  setOptions(options: Partial<NetworkOptions>): void {
    const next = { ...this.options, ...options };
    validateOptions(next);
    this.options = next;
  }

  send(from: string, to: string, msg: Message): void {
    this.messagesSent++;
    // A stream's message is written to its connection even when the link is cut: it is held.
    if (!isOrdered(msg) && !this.canReach(from, to)) {
      this.hooks.dropped(from, to, msg, 'partition');
      return;
    }
    const o = this.options;
    if (this.rng.chance(o.lossProbability)) {
      this.hooks.dropped(from, to, msg, 'loss');
      return;
    }
    this.schedule(from, to, msg);
    if (this.rng.chance(o.duplicateProbability)) this.schedule(from, to, msg);
  }

  private schedule(from: string, to: string, msg: Message): void {
    const o = this.options;
    let delayMs = this.rng.int(o.latencyMsMin, o.latencyMsMax + 1);
    if (this.rng.chance(o.reorderProbability)) delayMs += this.rng.int(1, o.reorderDelayMsMax + 1);
    if (isOrdered(msg)) {
      const key = linkKey(from, to);
      const atMs = Math.max(this.clock.now() + delayMs, this.orderedArrivalMs.get(key) ?? 0);
      this.orderedArrivalMs.set(key, atMs);
      delayMs = atMs - this.clock.now();
      const incarnationOf = this.hooks.incarnationOf;
      const stream: StreamMessage = { msg, fromIncarnation: incarnationOf?.(from) ?? 0, toIncarnation: incarnationOf?.(to) ?? 0 };
      this.clock.after(delayMs, () => this.arriveOrdered(from, to, key, stream));
      return;
    }
    this.clock.after(delayMs, () => this.arrive(from, to, msg));
  }

  private arrive(from: string, to: string, msg: Message): void {
    if (this.faultCount > 0 && !this.canReach(from, to)) {
      this.hooks.dropped(from, to, msg, 'partition');
      return;
    }
    this.deliver(from, to, msg);
  }

  private deliver(from: string, to: string, msg: Message): void {
    const reason = this.hooks.deliver(from, to, msg);
    if (reason) this.hooks.dropped(from, to, msg, reason);
    else this.messagesDelivered++;
  }

  /** An ordered message reaches the cut (held), the back of held data (held), or its receiver. */
  private arriveOrdered(from: string, to: string, key: string, stream: StreamMessage): void {
    const link = this.held.size > 0 ? this.held.get(key) : undefined;
    const cut = this.faultCount > 0 && !this.canReach(from, to);
    if (cut && this.variant.loseStreamsOnPartition === true) {
      this.hooks.dropped(from, to, stream.msg, 'partition');
      return;
    }
    if (link || cut) {
      this.hold(from, to, key, link, stream);
      return;
    }
    this.deliverStream(from, to, stream);
  }

  private deliverStream(from: string, to: string, stream: StreamMessage): void {
    const incarnationOf = this.hooks.incarnationOf;
    if (incarnationOf && (incarnationOf(from) !== stream.fromIncarnation || incarnationOf(to) !== stream.toIncarnation)) {
      this.hooks.dropped(from, to, stream.msg, 'reset');
      return;
    }
    this.deliver(from, to, stream.msg);
  }

  private hold(from: string, to: string, key: string, existing: HeldLink | undefined, stream: StreamMessage): void {
    let link = existing;
    if (!link) {
      link = { from, to, messages: [], firstHeldAtMs: this.clock.now(), drainGeneration: null, reset: false };
      this.held.set(key, link);
    }
    if (link.reset) {
      this.hooks.dropped(from, to, stream.msg, 'reset');
      return;
    }
    if (link.messages.length >= MAX_HELD_PER_LINK) {
      // The connection gives up: everything it held is gone, and so is what follows until the heal.
      for (const m of link.messages) this.hooks.dropped(from, to, m.msg, 'reset');
      this.hooks.dropped(from, to, stream.msg, 'reset');
      link.messages = [];
      link.reset = true;
      return;
    }
    link.messages.push(stream);
  }

  /** After a fault changes: links that can deliver again drain at the sender's next retransmission. */
  private releaseHeld(): void {
    if (this.held.size === 0) return;
    const now = this.clock.now();
    for (const key of [...this.held.keys()].sort()) {
      const link = this.held.get(key)!;
      if (link.drainGeneration !== null || !this.canReach(link.from, link.to)) continue;
      if (link.reset) {
        this.held.delete(key);
        continue;
      }
      const generation = ++this.drainGenerations;
      link.drainGeneration = generation;
      const delayMs = nextRetransmissionMs(link.firstHeldAtMs, now) - now + this.options.latencyMsMax;
      this.clock.after(delayMs, () => this.drain(key, generation));
    }
  }

  /** Delivers a link's held messages in order, unless the link was cut again meanwhile. */
  private drain(key: string, generation: number): void {
    const link = this.held.get(key);
    if (!link || link.drainGeneration !== generation) return;
    link.drainGeneration = null;
    if (!this.canReach(link.from, link.to)) return;
    this.held.delete(key);
    for (const stream of link.messages) this.deliverStream(link.from, link.to, stream);
  }

  /** Ordered messages held by partitions now (for tests and metrics). */
  heldCount(): number {
    let n = 0;
    for (const link of this.held.values()) n += link.messages.length;
    return n;
  }

  canReach(fromHost: string, toHost: string): boolean {
    if (this.faultCount === 0 || fromHost === toHost) return true;
    const machineOf = this.hooks.machineOf;
    const from = machineOf ? machineOf(fromHost) : fromHost;
    const to = machineOf ? machineOf(toHost) : toHost;
    if (from === to) return true;
    if (this.isolated.has(from) || this.isolated.has(to)) return false;
    if (this.cuts.has(linkKey(from, to))) return false;
    const a = this.groupOf.get(from);
    const b = this.groupOf.get(to);
    return a === undefined || b === undefined || a === b;
  }

  /** Splits the named actors into groups that cannot reach each other. Replaces an earlier partition. */
  partition(groups: readonly (readonly string[])[]): void {
    this.groupOf = new Map();
    groups.forEach((group, index) => {
      for (const name of group) this.groupOf.set(name, index);
    });
    this.recount();
  }

  /** Blocks messages from `from` to `to` (one way). */
  cut(from: string, to: string): void {
    this.cuts.add(linkKey(from, to));
    this.recount();
  }

  isolate(name: string): void {
    this.isolated.add(name);
    this.recount();
  }

  /** Heals everything, or only the faults that involve the named actors. */
  heal(names?: readonly string[]): void {
    if (!names) {
      this.groupOf = new Map();
      this.cuts.clear();
      this.isolated.clear();
    } else {
      for (const name of names) {
        this.groupOf.delete(name);
        this.isolated.delete(name);
        for (const key of [...this.cuts]) {
          const [a, b] = key.split('\u0000');
          if (a === name || b === name) this.cuts.delete(key);
        }
      }
      // A partition with a single group left blocks nothing.
      if (new Set(this.groupOf.values()).size <= 1) this.groupOf = new Map();
    }
    this.recount();
  }

  private recount(): void {
    this.faultCount = this.groupOf.size + this.cuts.size + this.isolated.size;
    this.releaseHeld();
  }
}

function isOrdered(msg: Message): boolean {
  return (msg as { ordered?: boolean }).ordered === true;
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function validateOptions(o: NetworkOptions): void {
  const ints: (keyof NetworkOptions)[] = ['latencyMsMin', 'latencyMsMax', 'reorderDelayMsMax'];
  for (const key of ints) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`network.${key} must be a whole number of ms >= 0, got ${o[key]}`);
  }
  if (o.latencyMsMax < o.latencyMsMin) throw new RangeError(`network latency max ${o.latencyMsMax}ms is below min ${o.latencyMsMin}ms`);
  const probabilities: (keyof NetworkOptions)[] = ['lossProbability', 'duplicateProbability', 'reorderProbability'];
  for (const key of probabilities) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`network.${key} must be between 0 and 1, got ${o[key]}`);
  }
}
