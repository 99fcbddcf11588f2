/** Raft's vocabulary, after etcd-io/raft (raftpb): entries, messages, roles, durable state. */

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface Entry {
  readonly index: number;
  readonly term: number;
  /** Identity of the payload: '' for a leader's empty entry, `${client}#${op}` for a client request. */
  readonly id: string;
  readonly data: unknown;
}

/**
 * The application's state as of an applied index (raftpb.Snapshot): what a follower whose next
 * entry was compacted away restores from. `data` is opaque to Raft and never mutated once made.
 */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly data: unknown;
}

/**
 * What survives a crash (etcd's HardState, the WAL's entries and the snapshot file). Mutated in
 * place = persisted.
 */
export interface RaftStorage {
  term: number;
  vote: string | null;
  commit: number;
  /** Index and term of the last entry compacted away (0 and 0 when none was; MemoryStorage's dummy ents[0]). */
  compactedIndex: number;
  compactedTerm: number;
  /** entries[i] has index compactedIndex + i + 1. */
  entries: Entry[];
  /** The latest snapshot, covering at least the compacted prefix (null before the first). */
  snapshot: Snapshot | null;
}

interface Addressed {
  readonly from: string;
  readonly to: string;
  readonly term: number;
}

export type RaftMessage =
  | (Addressed & { readonly type: 'MsgVote' | 'MsgPreVote'; readonly logTerm: number; readonly index: number })
  | (Addressed & { readonly type: 'MsgVoteResp' | 'MsgPreVoteResp'; readonly reject: boolean })
  | (Addressed & {
      readonly type: 'MsgApp';
      /** Index and term of the entry just before `entries`: the consistency check. */
      readonly index: number;
      readonly logTerm: number;
      readonly entries: readonly Entry[];
      readonly commit: number;
    })
  | (Addressed & { readonly type: 'MsgSnap'; readonly snapshot: Snapshot })
  | (Addressed & { readonly type: 'MsgAppResp'; readonly index: number; readonly reject: boolean; readonly rejectHint: number })
  | (Addressed & { readonly type: 'MsgHeartbeat'; readonly commit: number; readonly context: string | null })
  | (Addressed & { readonly type: 'MsgHeartbeatResp'; readonly context: string | null });

export type RaftMessageType = RaftMessage['type'];

export interface RaftConfig {
  id: string;
  /** Every voter, this member included. */
  voters: readonly string[];
  /** Ticks without a leader's word before an election: 10 = 1000 ms at a 100 ms tick (etcd). */
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Largest number of entries in one MsgApp (etcd's MaxSizePerMsg, counted in entries). */
  maxEntriesPerMsg: number;
  /** Seeded draw in [0, n) from the member's own stream: picks the randomized election timeout. */
  randomInt: (n: number) => number;
  /**
   * How the leader keeps a proposed payload in its log (absent: a plain `{ index, term, id, data }`):
   * the application may fold its payload and the entry into one object, to save memory per entry.
   * The result must read back the same index, term, id and data.
   */
  newEntry?: (index: number, term: number, id: string, data: unknown) => Entry;
  /** Deliberately broken rules (tests only); absent = etcd's. */
  variant?: RaftVariant;
}

/** A linearizable read whose index the quorum confirmed (etcd-io/raft's ReadState). */
export interface ReadState {
  readonly context: string;
  readonly index: number;
}

/**
 * Raft's safety rules as replaceable functions; etcd's rules (`ETCD_RULES` in raft.ts) unless a
 * `RaftVariant` replaces some. A seam for the deliberately broken variants of
 * test/fuzz/raft-variants.test.ts, which show that each fuzz property catches a real bug. Set
 * only programmatically (runScenario's `variants`), never from a scenario file.
 */
export interface RaftRules {
  /** §5.4.1 RequestVote: a vote goes only to a candidate whose log is at least as up to date as ours. */
  candidateLogUpToDate(s: RaftStorage, candidateLastIndex: number, candidateLastTerm: number): boolean;
  /** §5.4.2: a leader commits an entry by counting replicas only when it is of its own term. */
  mayCommitByCounting(s: RaftStorage, index: number): boolean;
  /**
   * §8: a new leader appends an empty entry, to commit an entry of its own term at once (and
   * with it every earlier one). Besides learning the commit index, it hides a broken
   * `mayCommitByCounting` almost always: every acknowledgement then covers the empty entry.
   */
  emptyEntryOnElection: boolean;
  /** §5.3 AppendEntries: the follower holds the entry just before the new ones (same index and term). */
  holdsPreviousEntry(s: RaftStorage, prevIndex: number, prevTerm: number): boolean;
  /** What a boot keeps of the durable state (Figure 2: currentTerm, votedFor and the log are persistent). */
  recover(s: RaftStorage): void;
  /** CheckQuorum: a leader stays leader after an election timeout only if it heard from a quorum in it. */
  leaderKeepsLeading(activePeers: number, quorum: number): boolean;
  /** ReadIndex (ReadOnlySafe): a read is answered once a quorum acknowledged the leader's heartbeat. */
  readConfirmed(acks: number, quorum: number): boolean;
}

/** Some of Raft's rules replaced (the rest stay etcd's). */
export type RaftVariant = Partial<RaftRules>;
