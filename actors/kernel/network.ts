import type { Rng } from './rng.ts';
import type { VirtualClock } from './virtual-clock.ts';

/**
 * Every message between actors has a type. A message may carry `refusedReply`: when its
 * destination is down, the kernel sends that back to the sender (a TCP reset), so a client can
 * tell a dead process from a silent network.
 *
 * Transport: a message rides a TCP connection unless its sender sends it as a datagram
 * (`Send.datagram`, the sender's choice of socket, like SOCK_DGRAM). On TCP a lost segment is
 * retransmitted (it arrives a retransmission timeout later, never not at all) and a duplicate is
 * discarded by the receiver's TCP (the application never sees it). A datagram is lost or delivered
 * twice as the network draws it: etcd's Raft peer messages are sent so, as etcd-io/raft's own
 * network model drops, duplicates and reorders them and Raft tolerates it.
 *
 * A message marked `ordered: true` belongs to a stream on a live TCP connection (a watch, its
 * close, an HTTP/2 ping): it never overtakes an earlier ordered message on the same link (a
 * retransmitted one holds back those behind it), a partition delays it instead of losing it (TCP
 * retransmits), and it dies with its connection when either end's process restarts. Stream
 * owners still number their messages and treat a gap as a broken stream (a reset, an overflow).
 */
export interface Message {
  readonly type: string;
}

/** How a link mistreats packets: run-wide (NetworkOptions), or for a while (`degrade`, tc's netem). */
export interface Impairment {
  /** Probability (0..1) that a packet is lost: a datagram is gone, a TCP segment is retransmitted. */
  lossProbability: number;
  /** Probability (0..1) that a datagram is delivered twice (each copy with its own latency); TCP discards the copy. */
  duplicateProbability: number;
  /** Probability (0..1) that a message is held back by an extra delay of up to `reorderDelayMsMax`. */
  reorderProbability: number;
  reorderDelayMsMax: number;
}

export interface NetworkOptions extends Impairment {
  latencyMsMin: number;
  latencyMsMax: number;
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
/**
 * Linux's net.ipv4.tcp_retries2 default: after this many unanswered retransmissions (about 15
 * minutes of backoff) TCP gives the connection up. A segment lost that often is dropped as `reset`.
 */
export const TCP_RETRIES = 15;

/** The wait before retransmission number `retry` (0 for the first): the RTO, doubled per retry. */
export function rtoMs(retry: number): number {
  return Math.min(TCP_RTO_MIN_MS * 2 ** retry, TCP_RTO_MAX_MS);
}

/** The first retransmission at or after `nowMs` of data first sent at `firstSentAtMs`. */
export function nextRetransmissionMs(firstSentAtMs: number, nowMs: number): number {
  let retry = 0;
  let atMs = firstSentAtMs + rtoMs(retry);
  while (atMs < nowMs) atMs += rtoMs(++retry);
  return atMs;
}

/**
 * Which links a degradation covers. Names are machines, as for partitions: `on` covers every link
 * to or from one of them; `between` every link between two of its groups (both ways).
 */
export type LinkScope = { kind: 'all' } | { kind: 'on'; names: readonly string[] } | { kind: 'between'; groups: readonly (readonly string[])[] };

/** A degradation in force (`degrade`): its figures replace the run-wide ones on the links it covers. */
interface Degradation {
  id: number;
  scope: LinkScope;
  /** `on`: the named machines; `between`: each machine's group. Empty for `all`. */
  groupOf: Map<string, number>;
  impairment: Impairment;
  /** It ends at this virtual time (Infinity: when healed). */
  untilMs: number;
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

/** One direction between two hosts for ordered messages: made once per link, so a message builds no key. */
interface OrderedLink {
  readonly from: string;
  readonly to: string;
  /** linkKey(from, to): the key of `held`. */
  readonly key: string;
  /** The latest arrival time of an ordered message on the link (streams keep their order). */
  arrivalMs: number;
}

/** An ordered message and the incarnations of its ends when it was sent (its connection); the data of its arrival event. */
interface StreamMessage {
  link: OrderedLink;
  msg: Message;
  fromIncarnation: number;
  toIncarnation: number;
}

/** A message on the wire: the data of its arrival event (one object per message, no closure). */
interface InFlight {
  from: string;
  to: string;
  msg: Message;
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
  /** Ordered links by sender, then receiver. */
  private readonly orderedLinks = new Map<string, Map<string, OrderedLink>>();
  /** Per link, the ordered messages a partition holds (see HeldLink). */
  private readonly held = new Map<string, HeldLink>();
  private drainGenerations = 0;
  /** Degradations in force, oldest first; the newest covering a link sets its figures. */
  private degradations: Degradation[] = [];
  private degradationIds = 0;
  messagesSent = 0;
  messagesDelivered = 0;
  /** Every unordered message's arrival event calls this one function with its InFlight. */
  private readonly arriveInFlight = (m: InFlight): void => this.arrive(m.from, m.to, m.msg);
  /** Every ordered message's arrival event calls this one function with its StreamMessage. */
  private readonly arriveStream = (s: StreamMessage): void => this.arriveOrdered(s.link.from, s.link.to, s.link.key, s);

  constructor(
    private readonly clock: VirtualClock,
    private readonly rng: Rng,
    options: Partial<NetworkOptions>,
    private readonly hooks: NetworkHooks,
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

  /**
   * Sends a message over TCP, or as a datagram (`datagram`, see Message). Only a drawn loss or
   * duplicate looks at the transport, so choosing it costs nothing per message.
   */
  send(from: string, to: string, msg: Message, datagram = false): void {
    this.messagesSent++;
    // A stream's message is written to its connection even when the link is cut: it is held.
    if (!isOrdered(msg) && !this.canReach(from, to)) {
      this.hooks.dropped(from, to, msg, 'partition');
      return;
    }
    const degradation = this.degradations.length === 0 ? null : this.degradationOf(from, to);
    const o: Impairment = degradation === null ? this.options : degradation.impairment;
    let retransmitMs = 0;
    if (this.rng.chance(o.lossProbability)) {
      if (datagram) {
        this.hooks.dropped(from, to, msg, 'loss');
        return;
      }
      retransmitMs = this.retransmissionDelayMs(degradation);
      if (retransmitMs < 0) {
        this.hooks.dropped(from, to, msg, 'reset');
        return;
      }
    }
    this.schedule(from, to, msg, o, retransmitMs);
    if (datagram && this.rng.chance(o.duplicateProbability)) this.schedule(from, to, msg, o, 0);
  }

  /**
   * A lost TCP segment: how much later than its first transmission it arrives — at the first
   * retransmission (RTO 200 ms, doubling) that is not lost too, each drawn with the loss in force
   * then (a degradation that has ended by then no longer applies). -1: lost TCP_RETRIES times, the
   * connection is given up.
   */
  private retransmissionDelayMs(degradation: Degradation | null): number {
    let retry = 0;
    let delayMs = rtoMs(retry);
    const now = this.clock.now();
    for (;;) {
      const p = degradation !== null && now + delayMs < degradation.untilMs ? degradation.impairment.lossProbability : this.options.lossProbability;
      if (!this.rng.chance(p)) return delayMs;
      if (++retry >= TCP_RETRIES) return -1;
      delayMs += rtoMs(retry);
    }
  }

  private schedule(from: string, to: string, msg: Message, o: Impairment, extraDelayMs: number): void {
    let delayMs = this.rng.int(this.options.latencyMsMin, this.options.latencyMsMax + 1) + extraDelayMs;
    if (this.rng.chance(o.reorderProbability)) delayMs += this.rng.int(1, o.reorderDelayMsMax + 1);
    if (isOrdered(msg)) {
      const link = this.orderedLink(from, to);
      const atMs = Math.max(this.clock.now() + delayMs, link.arrivalMs);
      link.arrivalMs = atMs;
      delayMs = atMs - this.clock.now();
      const incarnationOf = this.hooks.incarnationOf;
      const stream: StreamMessage = { link, msg, fromIncarnation: incarnationOf?.(from) ?? 0, toIncarnation: incarnationOf?.(to) ?? 0 };
      this.clock.after(delayMs, this.arriveStream, stream);
      return;
    }
    const inFlight: InFlight = { from, to, msg };
    this.clock.after(delayMs, this.arriveInFlight, inFlight);
  }

  /**
   * Degrades the links `scope` covers with `impairment` (tc's netem: loss, duplication, reorder)
   * until `untilMs`, or until healed. On those links it replaces the run-wide figures; where two
   * degradations cover a link, the later one counts. Returns its id (for `endDegradation`).
   */
  degrade(scope: LinkScope, impairment: Impairment, untilMs = Infinity): number {
    validateImpairment(impairment);
    const groupOf = new Map<string, number>();
    if (scope.kind === 'on') for (const name of scope.names) groupOf.set(name, 0);
    if (scope.kind === 'between') scope.groups.forEach((group, i) => group.forEach((name) => groupOf.set(name, i)));
    const id = ++this.degradationIds;
    this.degradations.push({ id, scope, groupOf, impairment: { ...impairment }, untilMs });
    return id;
  }

  /** Ends a degradation now; false when it had already ended. */
  endDegradation(id: number): boolean {
    const before = this.degradations.length;
    this.degradations = this.degradations.filter((d) => d.id !== id);
    return this.degradations.length < before;
  }

  /** Degradations in force now (for tests and the timeline). */
  degradationCount(): number {
    this.expireDegradations();
    return this.degradations.length;
  }

  /** The newest degradation in force on the link, or null. */
  private degradationOf(fromHost: string, toHost: string): Degradation | null {
    this.expireDegradations();
    const machineOf = this.hooks.machineOf;
    const from = machineOf ? machineOf(fromHost) : fromHost;
    const to = machineOf ? machineOf(toHost) : toHost;
    // A machine reaches itself over loopback, which netem on its interface does not touch.
    if (from === to) return null;
    for (let i = this.degradations.length - 1; i >= 0; i--) {
      const d = this.degradations[i]!;
      if (d.scope.kind === 'all') return d;
      if (d.scope.kind === 'on') {
        if (d.groupOf.has(from) || d.groupOf.has(to)) return d;
        continue;
      }
      const a = d.groupOf.get(from);
      const b = d.groupOf.get(to);
      if (a !== undefined && b !== undefined && a !== b) return d;
    }
    return null;
  }

  private expireDegradations(): void {
    const now = this.clock.now();
    if (this.degradations.some((d) => d.untilMs <= now)) this.degradations = this.degradations.filter((d) => d.untilMs > now);
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

  private orderedLink(from: string, to: string): OrderedLink {
    let byReceiver = this.orderedLinks.get(from);
    if (byReceiver === undefined) this.orderedLinks.set(from, (byReceiver = new Map()));
    let link = byReceiver.get(to);
    if (link === undefined) byReceiver.set(to, (link = { from, to, key: linkKey(from, to), arrivalMs: 0 }));
    return link;
  }

  /** An ordered message reaches the cut (held), the back of held data (held), or its receiver. */
  private arriveOrdered(from: string, to: string, key: string, stream: StreamMessage): void {
    const link = this.held.size > 0 ? this.held.get(key) : undefined;
    if (link || (this.faultCount > 0 && !this.canReach(from, to))) {
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

  /** Heals everything (degradations too), or only the faults that involve the named actors. */
  heal(names?: readonly string[]): void {
    if (!names) {
      this.groupOf = new Map();
      this.cuts.clear();
      this.isolated.clear();
      this.degradations = [];
    } else {
      // A degradation naming one of them ends (one over every link ends only with heal all).
      this.degradations = this.degradations.filter((d) => !names.some((name) => d.groupOf.has(name)));
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
  const ints: (keyof NetworkOptions)[] = ['latencyMsMin', 'latencyMsMax'];
  for (const key of ints) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new RangeError(`network.${key} must be a whole number of ms >= 0, got ${o[key]}`);
  }
  if (o.latencyMsMax < o.latencyMsMin) throw new RangeError(`network latency max ${o.latencyMsMax}ms is below min ${o.latencyMsMin}ms`);
  validateImpairment(o);
}

function validateImpairment(o: Impairment): void {
  if (!Number.isInteger(o.reorderDelayMsMax) || o.reorderDelayMsMax < 0) throw new RangeError(`network.reorderDelayMsMax must be a whole number of ms >= 0, got ${o.reorderDelayMsMax}`);
  const probabilities: (keyof Impairment)[] = ['lossProbability', 'duplicateProbability', 'reorderProbability'];
  for (const key of probabilities) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`network.${key} must be between 0 and 1, got ${o[key]}`);
  }
}
