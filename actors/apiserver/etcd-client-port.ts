import { cancelWatch, invoke, watch, type ClientOutput, type ClientState, type Completion, type WatchDelivery } from '../etcd/client-core.ts';
import type { ClientOp } from '../etcd/protocol.ts';
import { appendOutput, type Output } from '../kernel/output.ts';
import type { EtcdFailure, EtcdPort, RangeResult, TxnResult, WatchEnd } from './etcd-port.ts';
import type { TxnRequest, WatchEvent } from '../etcd/mvcc.ts';

/**
 * The apiserver's EtcdPort over the embedded etcd client core (clientv3 inside kube-apiserver):
 * each call becomes an operation with a callback; completions and watch deliveries that come
 * back through the apiserver machine are routed to the callbacks. Whatever the client core wants
 * sent or timed is appended to the apiserver's current output.
 */
export class EtcdClientPort implements EtcdPort {
  private nextReqId: number;
  private nextWatchId = 1;
  private readonly callbacks = new Map<number, (c: Completion) => void>();
  private readonly watches = new Map<string, { onEvents: (e: WatchEvent[]) => void; onEnd: (end: WatchEnd) => void; onProgress?: ((revision: number) => void) | undefined }>();

  constructor(
    readonly client: ClientState,
    private readonly sink: () => Output,
    private readonly now: () => number,
    firstReqId = 1,
  ) {
    this.nextReqId = firstReqId;
  }

  range(key: string, options: { prefix?: boolean; consistency: 'linearizable' | 'serializable'; revision?: number; limit?: number }, done: (r: RangeResult | EtcdFailure) => void): void {
    // Field by field, not with conditional spreads (V8's generic object clone, on every read).
    const op: Extract<ClientOp, { op: 'range' }> = { op: 'range', key, consistency: options.consistency };
    if (options.prefix) op.prefix = true;
    if (options.revision) op.revision = options.revision;
    if (options.limit) op.limit = options.limit;
    this.call(op, (c) => {
      const res = c.response;
      if (c.result !== 'ok' || !res || !res.ok) return done(failure(c));
      done({ kvs: res.kvs ?? [], revision: res.revision ?? 0, more: res.more ?? false });
    });
  }

  txn(request: TxnRequest, done: (r: TxnResult | EtcdFailure) => void): void {
    this.call({ op: 'txn', compare: request.compare, success: request.success, failure: request.failure }, (c) => {
      const res = c.response;
      if (c.result !== 'ok' || !res || !res.ok) return done(failure(c));
      done({ succeeded: res.succeeded ?? false, revision: res.revision ?? 0, responses: res.responses ?? [] });
    });
  }

  compact(revision: number, done: (r: { revision: number } | EtcdFailure) => void): void {
    this.call({ op: 'compact', revision }, (c) => {
      const res = c.response;
      if (c.result !== 'ok' || !res || !res.ok) return done(failure(c));
      done({ revision: res.compactRevision ?? revision });
    });
  }

  watch(prefix: string, startRevision: number, onEvents: (events: WatchEvent[]) => void, onEnd: (end: WatchEnd) => void, onProgress?: (revision: number) => void): number {
    const id = this.nextWatchId++;
    const watchId = `w${id}`;
    this.watches.set(watchId, { onEvents, onEnd, onProgress });
    this.absorb(watch(this.client, { watchId, key: prefix, prefix: true, startRevision, requireLeader: true }));
    return id;
  }

  cancelWatch(id: number): void {
    const watchId = `w${id}`;
    if (!this.watches.delete(watchId)) return;
    this.absorb(cancelWatch(this.client, watchId));
  }

  private call(op: ClientOp, done: (c: Completion) => void): void {
    const reqId = this.nextReqId++;
    this.callbacks.set(reqId, done);
    this.absorb(invoke(this.client, { type: 'Invoke', reqId, op }, this.now()));
  }

  /** Routes a client-core output: sends and timers to the apiserver's output, results to callbacks. */
  absorb(out: ClientOutput): void {
    appendOutput(this.sink(), out);
    for (const c of out.completions) {
      const done = this.callbacks.get(c.reqId);
      if (done) {
        this.callbacks.delete(c.reqId);
        done(c);
      }
    }
    for (const d of out.watchEvents) this.deliver(d);
  }

  private deliver(d: WatchDelivery): void {
    const w = this.watches.get(d.watchId);
    if (!w) return;
    if (d.events.length > 0) w.onEvents(d.events);
    if (d.progressRevision !== undefined) w.onProgress?.(d.progressRevision);
    if (d.compacted || d.canceled !== undefined) {
      this.watches.delete(d.watchId);
      w.onEnd({ ...(d.compacted ? { compactRevision: d.compacted.compactRevision } : {}), ...(d.canceled !== undefined ? { canceled: d.canceled } : {}) });
    }
  }
}

function failure(c: Completion): EtcdFailure {
  const res = c.response;
  return {
    error: res?.error ?? c.error ?? 'etcdserver: request timed out',
    indefinite: c.result === 'timeout',
    ...(res?.compactRevision !== undefined ? { compactRevision: res.compactRevision } : {}),
  };
}
