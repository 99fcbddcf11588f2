import type { KeyValue, TxnOpResponse, TxnRequest, WatchEvent } from '../etcd/mvcc.ts';

/**
 * What the apiserver needs from etcd, as callbacks: the storage layer (k8s.io/apiserver's
 * etcd3 store) is written against this, and an adapter over the embedded etcd client core
 * implements it. Callbacks run synchronously inside the apiserver's event handling, so the
 * order of everything stays the kernel's.
 */

export interface EtcdFailure {
  error: string;
  /** True when the operation may have taken effect (a timeout on a write). */
  indefinite: boolean;
  compactRevision?: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store's revision when the range was served (a list's resourceVersion). */
  revision: number;
  more: boolean;
}

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  responses: TxnOpResponse[];
}

export interface WatchEnd {
  compactRevision?: number;
  canceled?: string;
}

export interface EtcdPort {
  range(key: string, options: { prefix?: boolean; consistency: 'linearizable' | 'serializable'; revision?: number; limit?: number }, done: (r: RangeResult | EtcdFailure) => void): void;
  txn(request: TxnRequest, done: (r: TxnResult | EtcdFailure) => void): void;
  compact(revision: number, done: (r: { revision: number } | EtcdFailure) => void): void;
  /** Watches a prefix from a revision; events arrive in revision order until `onEnd`. */
  watch(prefix: string, startRevision: number, onEvents: (events: WatchEvent[]) => void, onEnd: (end: WatchEnd) => void, onProgress?: (revision: number) => void): number;
  cancelWatch(watchId: number): void;
}

export function isFailure<T extends object>(r: T | EtcdFailure): r is EtcdFailure {
  return 'error' in r && typeof (r as EtcdFailure).error === 'string';
}
