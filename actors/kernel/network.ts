import type { Rng } from './rng.ts';
import type { VirtualClock } from './virtual-clock.ts';

/**
 * Every message between actors has a type. A message may carry `refusedReply`: when its
 * destination is down, the kernel sends that back to the sender (a TCP reset), so a client can
 * tell a dead process from a silent network. A message marked `ordered: true` belongs to a
 * stream (a watch over TCP): it never overtakes an earlier ordered message on the same link,
 * though it can still be lost or duplicated.
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

export const defaultNetworkOptions: NetworkOptions = {
  latencyMsMin: 1,
  latencyMsMax: 5,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMsMax: 50,
};

export type DropReason = 'partition' | 'loss' | 'down' | 'unknown';

export interface NetworkHooks {
  /** Hands a message to its destination; returns the reason when it cannot be delivered. */
  deliver(from: string, to: string, msg: Message): DropReason | null;
  dropped(from: string, to: string, msg: Message, reason: DropReason): void;
  /** The machine a host runs on: faults are between machines, and a machine reaches itself. */
  machineOf?(host: string): string;
}

/**
 * The simulated network. Latency, loss, duplication and reordering are drawn from the network's
 * own seeded stream. Partitions are checked both when a message is sent and when it would arrive,
 * so a packet in flight when a link is cut is lost, as on a real wire.
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
  messagesSent = 0;
  messagesDelivered = 0;

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

  send(from: string, to: string, msg: Message): void {
    this.messagesSent++;
    if (!this.canReach(from, to)) {
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
    if ((msg as { ordered?: boolean }).ordered === true) {
      const key = linkKey(from, to);
      const atMs = Math.max(this.clock.now() + delayMs, this.orderedArrivalMs.get(key) ?? 0);
      this.orderedArrivalMs.set(key, atMs);
      delayMs = atMs - this.clock.now();
    }
    this.clock.after(delayMs, () => this.arrive(from, to, msg));
  }

  private arrive(from: string, to: string, msg: Message): void {
    if (this.faultCount > 0 && !this.canReach(from, to)) {
      this.hooks.dropped(from, to, msg, 'partition');
      return;
    }
    const reason = this.hooks.deliver(from, to, msg);
    if (reason) this.hooks.dropped(from, to, msg, reason);
    else this.messagesDelivered++;
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
  }
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
