/** What etcd clients and members say to each other (the gRPC KV and Watch APIs, reduced to what kubesim models). */
import { ERR_COMPACTED, ERR_DUPLICATE_KEY, ERR_FUTURE_REV, type Compare, type KeyValue, type TxnOp, type TxnOpResponse, type WatchEvent } from './mvcc.ts';

export { ERR_COMPACTED, ERR_DUPLICATE_KEY, ERR_FUTURE_REV };

export type Consistency = 'linearizable' | 'serializable';

/**
 * One KV request. `put`, `delete` and `get` are kubesim's original, scenario-level operations and
 * keep their exact behaviour; `range`, `txn` and `compact` are etcd's RangeRequest, TxnRequest and
 * CompactionRequest.
 */
export type ClientOp =
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string; consistency: Consistency }
  | {
      op: 'range';
      key: string;
      /** When true, `key` is a prefix: every key starting with it (etcd's range_end = prefix + 1). */
      prefix?: boolean;
      /** Read the store as of this revision; 0 or absent means the current one. */
      revision?: number;
      /** At most this many kvs; 0 or absent means no limit. `count` still counts every match. */
      limit?: number;
      /** Only `count` is returned, no kvs. */
      countOnly?: boolean;
      /** linearizable: ReadIndex through the leader; serializable: any member's local, possibly stale, store. */
      consistency: Consistency;
    }
  | {
      op: 'txn';
      /** All must hold (against the store before the txn) for `success` to run, else `failure` runs. */
      compare: readonly Compare[];
      success: readonly TxnOp[];
      failure: readonly TxnOp[];
    }
  | { op: 'compact'; revision: number };

export type ClientOpKind = ClientOp['op'];

/** Operations answered without a Raft entry: they are safe to retry and never time out as "maybe applied". */
export function isRead(op: ClientOp): op is Extract<ClientOp, { op: 'get' | 'range' }> {
  return op.op === 'get' || op.op === 'range';
}

export interface ClientRequest {
  type: 'ClientRequest';
  from: string;
  /** The client's operation id: with the client's name, it names the Raft entry of a write. */
  reqId: number;
  request: ClientOp;
  /** When the destination is down, the kernel answers with this instead (TCP reset). */
  refusedReply: ConnectionRefused;
}

export interface ClientResponse {
  type: 'ClientResponse';
  from: string;
  reqId: number;
  ok: boolean;
  /**
   * etcd's error text when !ok. Every error a member returns means "not applied". `not leader` and
   * `no leader` are worth retrying elsewhere; any other error (MVCC's compacted or future revision,
   * duplicate key) is definite: the request was executed and refused, and retrying cannot help.
   */
  error?: string;
  /** The member's current leader, so the client can go there next. */
  leaderHint: string | null;
  /**
   * Header revision: the member's store revision when it answered (for put/delete/txn, the revision
   * right after the write; unchanged when nothing was written).
   */
  revision?: number;
  /** get: the value found, or null when the key does not exist. */
  value?: string | null;
  /** range: the matching keys (up to `limit`), in key order. */
  kvs?: KeyValue[];
  /** range: the number of matching keys, regardless of limit. */
  count?: number;
  /** range: true when limit cut off some matching keys. */
  more?: boolean;
  /** txn: whether every compare held (the success branch ran). */
  succeeded?: boolean;
  /** txn: one response per op of the branch that ran. */
  responses?: TxnOpResponse[];
  /** compact: the new compact revision; a compacted error: the store's compact revision. */
  compactRevision?: number;
}

/**
 * The kernel's TCP-reset stand-in, sent back to whoever sent a message to a host that is down.
 * For a request, `reqId` names it. For a watch stream, `watchId` and `stream` name it (and `reqId`
 * is 0): a client learns its stream's member is gone; a member learns its watcher's client is gone.
 */
export interface ConnectionRefused {
  type: 'ConnectionRefused';
  from: string;
  reqId: number;
  watchId?: string;
  stream?: string;
}

/**
 * Opens one watch stream (etcd's WatchCreateRequest on its own gRPC stream). A member serves it
 * from its local store, whatever its role. `stream` names this attempt: a client that resumes a
 * watch opens a new stream (a new `stream`), so messages of an abandoned stream are recognised.
 */
export interface WatchCreate {
  type: 'WatchCreate';
  from: string;
  watchId: string;
  stream: string;
  key: string;
  prefix: boolean;
  /** First revision to deliver; 0 means from the member's current revision on (no history). */
  startRevision: number;
  /**
   * etcd's WithRequireLeader: refused at once on a member that has no leader, and cancelled with
   * `etcdserver: no leader` once the member has had no leader for 3 election timeouts.
   */
  requireLeader: boolean;
  refusedReply: ConnectionRefused;
}

/** Closes a watch stream (best effort: it may be lost; the member then keeps sending until told again). */
export interface WatchCancel {
  type: 'WatchCancel';
  from: string;
  watchId: string;
  stream: string;
}

/**
 * Member → client: one message of a watch stream. `seq` numbers the stream's messages from 1 with
 * no gap, so a client detects a lost message (a gap) or a duplicate (the network may do both; the
 * real stream is TCP). Events are in revision order, never repeated on a stream, and the events of
 * one revision are never split across messages.
 */
export interface WatchResponse {
  type: 'WatchResponse';
  /** A watch stream keeps its order on the network (gRPC over TCP). */
  ordered: true;
  from: string;
  watchId: string;
  stream: string;
  seq: number;
  /** The member's store revision when it sent this message. */
  revision: number;
  /** The stream was created: events with revision >= its start revision follow. */
  created?: boolean;
  events: WatchEvent[];
  /** With `canceled`: the start revision was compacted; the store's compact revision. */
  compactRevision?: number;
  /** The stream is closed by the member (`cancelReason` says why); nothing follows. */
  canceled?: boolean;
  cancelReason?: string;
  /**
   * Progress notification on an idle stream (every second): every matching event up to
   * `revision` has been sent on this stream.
   */
  progress?: boolean;
  /** When the client is down, the kernel tells the member, which drops the watcher (TCP reset). */
  refusedReply: ConnectionRefused;
}

export const ERR_NOT_LEADER = 'etcdserver: not leader';
export const ERR_NO_LEADER = 'etcdserver: no leader';
export const ERR_LEADER_CHANGED = 'etcdserver: leader changed';
export const ERR_TIMEOUT = 'etcdserver: request timed out';
export const ERR_TOO_MANY_REQUESTS = 'etcdserver: too many requests';
export const ERR_CONNECTION_REFUSED = 'connection refused';

/** Errors after which the same request may succeed on another member (gRPC Unavailable). */
export function isRetryableError(error: string | undefined): boolean {
  return error === ERR_NOT_LEADER || error === ERR_NO_LEADER || error === ERR_LEADER_CHANGED;
}

/** The Raft entry id of a client's write: unique per client operation. */
export function entryId(client: string, reqId: number): string {
  return `${client}#${reqId}`;
}
