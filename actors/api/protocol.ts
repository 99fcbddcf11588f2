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
 * client-go's HTTP/2 health check on a silent watch's connection: a PING frame, sent after
 * ReadIdleTimeout (30 s) without a frame, answered by the server's HTTP/2 layer. Ordered: it
 * shares the connection with the stream. A host that is down answers `refusedReply` (a reset).
 */
export interface ApiWatchPing {
  type: 'ApiWatchPing';
  ordered: true;
  from: string;
  reqId: number;
  refusedReply?: { type: 'ApiConnectionRefused'; from: string; reqId: number };
}

/**
 * The PING's answer. It travels behind the stream's earlier messages, so when it arrives the
 * client has them all: `nextSeq` is the seq of the server's next message on the stream, and a
 * client that has seen fewer lost some (a gap). null: the server has no such stream (its
 * process restarted, or the request never reached it).
 */
export interface ApiWatchPong {
  type: 'ApiWatchPong';
  ordered: true;
  from: string;
  reqId: number;
  nextSeq: number | null;
}
