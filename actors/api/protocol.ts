/**
 * What clients (kubectl-like users, controllers, the scheduler, kubelets) and kube-apiservers say
 * to each other over the simulated network: the REST API reduced to messages. Objects are
 * Kubernetes JSON (apiVersion, kind, metadata, spec, status), typed with @kubernetes/client-node's
 * models where a component needs their shape.
 */

export type ApiVerb = 'create' | 'get' | 'list' | 'update' | 'patch' | 'delete' | 'watch';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  finalizers?: string[];
  [field: string]: unknown;
}

export interface ListOptions {
  /** "" = most recent (consistent), "0" = any (from the watch cache), "N" = not older than N. */
  resourceVersion?: string;
  /**
   * How `resourceVersion` is read by a list: NotOlderThan (the default, from the watch cache) or
   * Exact (the list as it was at that revision, from etcd; 410 once compacted).
   */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  allowWatchBookmarks?: boolean;
}

export interface ApiRequest {
  type: 'ApiRequest';
  from: string;
  reqId: number;
  /** Bearer token (authentication). */
  token: string;
  verb: ApiVerb;
  /** Group/version the client speaks, e.g. "v1", "apps/v1", "extensions/v1beta1". */
  apiVersion: string;
  /** Plural lower-case resource, e.g. "pods", "deployments". */
  resource: string;
  subresource?: 'status' | 'binding' | 'scale' | 'finalize' | 'eviction';
  namespace?: string;
  name?: string;
  body?: KubeObject;
  /** For patch: a JSON merge patch (RFC 7386), or a strategic-merge subset kubesim models the same way. */
  patchType?: 'merge';
  options?: ListOptions & { gracePeriodSeconds?: number; dryRun?: boolean; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' };
  /** When the apiserver's host is down the kernel answers with this (a TCP reset). */
  refusedReply?: { type: 'ApiConnectionRefused'; from: string; reqId: number };
}

/** A metav1.Status, as the apiserver returns for errors (and for a delete). */
export interface ApiStatus {
  apiVersion: 'v1';
  kind: 'Status';
  status: 'Success' | 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field: string }[]; retryAfterSeconds?: number };
}

export interface ApiResponse {
  type: 'ApiResponse';
  from: string;
  /** The answering apiserver's process (ApiServerIncarnation): with `from`, the connection it came on. */
  incarnation?: number;
  reqId: number;
  /** HTTP status code. */
  code: number;
  /** The object, a list ({kind: XList, metadata: {resourceVersion}, items}), or a Status on error. */
  body: KubeObject | ApiStatus;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent {
  type: WatchEventType;
  object: KubeObject | ApiStatus;
}

/**
 * A watch's events travel as a stream of messages on the request's reqId. `seq` numbers them so
 * the client can tell a lost or duplicated message (the stream is TCP in reality): a gap means
 * the stream broke and must be re-established from the last resourceVersion seen.
 */
export interface ApiWatchMessage {
  type: 'ApiWatch';
  /** A watch stream keeps its order on the network (HTTP over TCP). */
  ordered: true;
  from: string;
  /** The serving apiserver's process (ApiServerIncarnation): with `from`, the connection the stream is on. */
  incarnation?: number;
  reqId: number;
  seq: number;
  events: ApiWatchEvent[];
  /** The server closed the stream (timeout, shutdown, or an ERROR event such as 410 Gone). */
  closed?: boolean;
}

/**
 * A client stops a watch (HTTP/2 RST_STREAM, or closing the connection). It travels on the
 * stream's connection, so a partition delays it rather than losing it.
 */
export interface ApiWatchCancel {
  type: 'ApiWatchCancel';
  ordered: true;
  from: string;
  reqId: number;
}

/**
 * Which run of an apiserver process sent a message: its host's incarnation, which changes when the
 * process restarts. A client's HTTP/2 connection is to one process (`from` and `incarnation`); a
 * restarted apiserver has none of its predecessor's connections, so traffic from it is on a new
 * connection and does not keep an old one alive. Absent counts as 0.
 */
export type ApiServerIncarnation = number;

/**
 * client-go's HTTP/2 health check of one connection (golang.org/x/net/http2 `healthCheck`): a PING
 * frame, sent after ReadIdleTimeout (30 s) without reading a frame on the connection, answered by
 * the server's HTTP/2 layer. Ordered: it travels on the connection. The client sends it to the
 * address its requests go to (the VIP forwards it to `apiserver`, as an L4 balancer keeps a
 * connection on its backend). `streams` are the connection's watches, whose positions the answer
 * reports. A host that is down answers `refusedReply` (a TCP reset).
 */
export interface ApiConnectionPing {
  type: 'ApiConnectionPing';
  ordered: true;
  from: string;
  apiserver: string;
  incarnation: ApiServerIncarnation;
  streams: number[];
  refusedReply?: ApiConnectionReset;
}

/**
 * The PING's answer. It travels behind everything the server sent before it on the connection,
 * so when it arrives the client has it all: each stream's `nextSeq` is the seq of the server's
 * next message on it, and a client that has seen fewer lost some (a gap); null: the server has no
 * such stream (the request never reached it, or it ended).
 */
export interface ApiConnectionPong {
  type: 'ApiConnectionPong';
  ordered: true;
  from: string;
  incarnation: ApiServerIncarnation;
  streams: [reqId: number, nextSeq: number | null][];
}

/**
 * The connection to `apiserver`'s process `incarnation` is gone (a TCP reset): a frame reached a
 * process that restarted since (it has no such connection), or a host that is down. Every stream
 * on the connection fails at once.
 */
export interface ApiConnectionReset {
  type: 'ApiConnectionReset';
  from: string;
  apiserver: string;
  incarnation: ApiServerIncarnation;
}
