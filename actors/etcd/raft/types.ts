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
}

/** A linearizable read whose index the quorum confirmed (etcd-io/raft's ReadState). */
export interface ReadState {
  readonly context: string;
  readonly index: number;
}
