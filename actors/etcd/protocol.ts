/** What etcd clients and members say to each other (the gRPC KV API, reduced to what kubesim models). */

export type ClientOp =
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string; consistency: 'linearizable' | 'serializable' };

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
  /** etcd's error text when !ok. Every error a member returns means "not applied". */
  error?: string;
  /** The member's current leader, so the client can go there next. */
  leaderHint: string | null;
  revision?: number;
  /** Reads: the value found, or null when the key does not exist. */
  value?: string | null;
}

export interface ConnectionRefused {
  type: 'ConnectionRefused';
  from: string;
  reqId: number;
}

export const ERR_NOT_LEADER = 'etcdserver: not leader';
export const ERR_NO_LEADER = 'etcdserver: no leader';
export const ERR_TIMEOUT = 'etcdserver: request timed out';
export const ERR_CONNECTION_REFUSED = 'connection refused';

/** The Raft entry id of a client's write: unique per client operation. */
export function entryId(client: string, reqId: number): string {
  return `${client}#${reqId}`;
}
