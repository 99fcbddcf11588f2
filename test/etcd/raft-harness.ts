/**
 * A tiny deterministic network for testing the Raft core, after etcd-io/raft's `raft_test.go`
 * `network`: N rafts by id, a FIFO queue of messages delivered breadth-first until quiet, and
 * partitions expressed as drop rules. No clock, no Math.random: randomness comes from a seeded
 * alea stream per node.
 */
import seedrandom from 'seedrandom';
import { hup, newRaft, step, tick, type Raft } from '../../actors/etcd/raft/raft.ts';
import type { Entry, RaftConfig, RaftMessage, RaftStorage } from '../../actors/etcd/raft/types.ts';

/** A seeded draw in [0, n), as `RaftConfig.randomInt` wants. */
export function seededRandomInt(seed: string): (n: number) => number {
  const rng = seedrandom.alea(seed);
  return (n: number) => Math.floor(rng() * n);
}

export interface RaftOptions {
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxEntriesPerMsg?: number;
  /** Seed of the randomized election timeouts; each node draws from `${seed}/${id}`. */
  seed?: string;
}

export function makeConfig(id: string, voters: readonly string[], opts: RaftOptions = {}): RaftConfig {
  return {
    id,
    voters,
    electionTick: opts.electionTick ?? 10,
    heartbeatTick: opts.heartbeatTick ?? 1,
    preVote: opts.preVote ?? false,
    checkQuorum: opts.checkQuorum ?? false,
    maxEntriesPerMsg: opts.maxEntriesPerMsg ?? 64,
    randomInt: seededRandomInt(`${opts.seed ?? 'kubesim'}/${id}`),
  };
}

/** One entry; the id defaults to something that tells entries of different terms apart. */
export function entry(index: number, term: number, id = `t${term}i${index}`): Entry {
  return { index, term, id, data: null };
}

/** A log whose i-th entry (index i + 1) has term terms[i]. */
export function logOf(...terms: number[]): Entry[] {
  return terms.map((term, i) => entry(i + 1, term));
}

export function newStorage(init: Partial<RaftStorage> = {}): RaftStorage {
  return {
    term: init.term ?? 0,
    vote: init.vote ?? null,
    commit: init.commit ?? 0,
    compactedIndex: init.compactedIndex ?? 0,
    compactedTerm: init.compactedTerm ?? 0,
    entries: init.entries ? [...init.entries] : [],
    snapshot: init.snapshot ?? null,
  };
}

/** A lone raft (no network) among `voters`. */
export function newTestRaft(id: string, voters: readonly string[], opts: RaftOptions = {}, storage: RaftStorage = newStorage()): Raft {
  return newRaft(makeConfig(id, voters, opts), storage);
}

/** Takes and returns the raft's outbound messages. */
export function drain(r: Raft): RaftMessage[] {
  const msgs = r.msgs;
  r.msgs = [];
  return msgs;
}

/** Comparable view of a log: `index:term:id` per entry. */
export function logSummary(r: Raft | RaftStorage): string[] {
  const s = 'storage' in r ? r.storage : r;
  return s.entries.map((e) => `${e.index}:${e.term}:${e.id}`);
}

export class Network {
  readonly ids: readonly string[];
  readonly nodes = new Map<string, Raft>();
  readonly storages = new Map<string, RaftStorage>();
  /** Messages addressed to a node not in the network, or dropped by a partition or rule. */
  readonly dropped: RaftMessage[] = [];
  readonly delivered: RaftMessage[] = [];
  maxDeliveries = 10_000;

  private readonly configs = new Map<string, RaftConfig>();
  private queue: RaftMessage[] = [];
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<string>();
  private drops: Array<(m: RaftMessage) => boolean> = [];

  /**
   * `ids` are the members; `voters` defaults to them (pass more voters than members to model a
   * node that never answers, like etcd's nopStepper).
   */
  constructor(ids: readonly string[], opts: RaftOptions = {}, storages: Record<string, RaftStorage> = {}, voters: readonly string[] = ids) {
    this.ids = ids;
    for (const id of ids) {
      const storage = storages[id] ?? newStorage();
      const config = makeConfig(id, voters, opts);
      this.configs.set(id, config);
      this.storages.set(id, storage);
      this.nodes.set(id, newRaft(config, storage));
    }
  }

  node(id: string): Raft {
    const r = this.nodes.get(id);
    if (!r) throw new Error(`no node ${id}`);
    return r;
  }

  /** Queues `msgs`, then delivers everything breadth-first until no node has anything to say. */
  send(...msgs: RaftMessage[]): void {
    this.queue.push(...msgs);
    this.collect();
    let deliveries = 0;
    while (this.queue.length > 0) {
      if (++deliveries > this.maxDeliveries) throw new Error(`network did not quiesce after ${this.maxDeliveries} deliveries`);
      const m = this.queue.shift()!;
      const to = this.nodes.get(m.to);
      if (!to || this.isDropped(m)) {
        this.dropped.push(m);
        continue;
      }
      this.delivered.push(m);
      step(to, m);
      this.collect();
    }
  }

  stabilize(): void {
    this.send();
  }

  /** Drops every message between a and b, both ways. */
  cut(a: string, b: string): void {
    this.cuts.add(`${a}->${b}`);
    this.cuts.add(`${b}->${a}`);
  }

  /** Drops every message to or from a. */
  isolate(a: string): void {
    this.isolated.add(a);
  }

  /** Drops every message the predicate matches (until `recover`). */
  drop(predicate: (m: RaftMessage) => boolean): void {
    this.drops.push(predicate);
  }

  /** Heals every cut, isolation and drop rule. Messages already dropped stay lost. */
  recover(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.drops = [];
  }

  /** Ticks one node k times, delivering after each tick unless `deliver` is false. */
  tick(id: string, k = 1, deliver = true): void {
    const r = this.node(id);
    for (let i = 0; i < k; i++) {
      tick(r);
      if (deliver) this.send();
    }
  }

  /** Ticks every node (in id order) k times, delivering after each round. */
  tickAll(k = 1): void {
    for (let i = 0; i < k; i++) {
      for (const id of this.ids) tick(this.node(id));
      this.send();
    }
  }

  /** MsgHup at `id`, then stabilize. Throws unless `id` ends up leader. */
  elect(id: string): Raft {
    const r = this.node(id);
    hup(r);
    this.send();
    if (r.role !== 'leader') throw new Error(`elect(${id}): ended as ${r.role} at term ${r.storage.term}`);
    return r;
  }

  /**
   * Crash and restart: a new Raft from the same storage object (volatile state and unsent
   * messages are lost, as are messages queued for it).
   */
  restart(id: string): Raft {
    const old = this.node(id);
    old.msgs = [];
    this.queue = this.queue.filter((m) => m.to !== id);
    const r = newRaft(this.configs.get(id)!, this.storages.get(id)!);
    this.nodes.set(id, r);
    return r;
  }

  leaders(): Raft[] {
    return this.ids.map((id) => this.node(id)).filter((r) => r.role === 'leader');
  }

  private collect(): void {
    for (const id of this.ids) {
      const r = this.node(id);
      if (r.msgs.length === 0) continue;
      this.queue.push(...r.msgs);
      r.msgs = [];
    }
  }

  private isDropped(m: RaftMessage): boolean {
    if (this.isolated.has(m.from) || this.isolated.has(m.to)) return true;
    if (this.cuts.has(`${m.from}->${m.to}`)) return true;
    return this.drops.some((p) => p(m));
  }
}
