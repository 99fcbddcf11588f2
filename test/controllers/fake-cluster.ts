/**
 * A small synchronous in-memory apiserver for controller-manager cores (no network, no etcd):
 * objects by resource, watches, create/update/delete with resourceVersion checks, graceful pod
 * deletion (a deletionTimestamp only), injected faults, held answers, and the cores' timers on a
 * fake clock (`advance`).
 */
import type { ApiRequest, ApiWatchEvent, KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import { newApiClient, onResponse } from '../../actors/client/api-client.ts';
import { newOutput, type Output } from '../../actors/kernel/output.ts';
import {
  newControllerManager,
  onApiResult,
  onApiWatch,
  onInformerRetry,
  onLeaderRetry,
  onNodeMonitor,
  onWake,
  start,
  type ControllerManagerOptions,
  type ControllerManagerState,
} from '../../actors/controllers/controller-manager-core.ts';

export type Fault = (req: ApiRequest) => number | null;

export class FakeCluster {
  now = 0;
  private rv = 100;
  readonly objects = new Map<string, KubeObject>();
  readonly writes: ApiRequest[] = [];
  readonly traces: { kind: string; fields: Record<string, unknown> }[] = [];
  private readonly watches: { cm: ControllerManagerState; reqId: number; tag: string; resource: string; namespace?: string }[] = [];
  /** By `identity|timer id`: each core has its own timers (ids are only unique per actor). */
  private readonly timers = new Map<string, { cm: ControllerManagerState; atMs: number; seq: number; event: { type: string; [f: string]: unknown } }>();
  private timerSeq = 0;
  fault: Fault = () => null;
  /** Requests matching this are answered only at `release()` (a write in flight across other events). */
  hold: (req: ApiRequest) => boolean = () => false;
  private readonly held: { cm: ControllerManagerState; req: ApiRequest }[] = [];

  key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}|${namespace ?? ''}|${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(resource, namespace, name));
  }

  /** Writes an object as some other client would (a kubelet, a user) and tells the watchers. */
  put(resource: string, obj: KubeObject): KubeObject {
    const meta = obj.metadata ?? {};
    const key = this.key(resource, meta.namespace, meta.name ?? '');
    const existed = this.objects.has(key);
    const stored = { ...obj, metadata: { ...meta, resourceVersion: String(++this.rv), creationTimestamp: meta.creationTimestamp ?? timestamp(this.now) } };
    this.objects.set(key, stored);
    this.notify(resource, meta.namespace, { type: existed ? 'MODIFIED' : 'ADDED', object: stored });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const key = this.key(resource, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.notify(resource, namespace, { type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } });
  }

  private notify(resource: string, namespace: string | undefined, event: ApiWatchEvent): void {
    for (const w of this.watches) {
      if (w.resource !== resource || (w.namespace !== undefined && w.namespace !== namespace)) continue;
      this.run(w.cm, (out) => onApiWatch(w.cm, { tag: w.tag, reqId: w.reqId, events: [event], ended: false }, this.now, out));
    }
  }

  /**
   * Every watch open now dies without the client being told, as when the apiserver closed it and
   * the close was lost in a partition: the stream stays silent. Watches opened later work.
   */
  silenceWatches(): void {
    this.watches.splice(0);
  }

  /** Watches open now, by resource (what the informers asked for). */
  openWatches(resource: string): number {
    return this.watches.filter((w) => w.resource === resource).length;
  }

  /** Runs a core handler and everything its output causes, synchronously. */
  run(cm: ControllerManagerState, fn: (out: Output) => void): void {
    const out = newOutput();
    fn(out);
    for (const t of out.traces) this.traces.push(t);
    for (const id of out.cancels) this.timers.delete(`${cm.identity}|${id}`);
    for (const t of out.timers) this.timers.set(`${cm.identity}|${t.id}`, { cm, atMs: this.now + t.delayMs, seq: ++this.timerSeq, event: t.event });
    for (const send of out.sends) {
      const req = send.msg as ApiRequest;
      if (req.type === 'ApiRequest') this.serve(cm, req);
    }
  }

  private respond(cm: ControllerManagerState, req: ApiRequest, code: number, body: KubeObject): void {
    this.run(cm, (out) => {
      const r = onResponse(cm.client, { type: 'ApiResponse', from: 'kube-apiserver', reqId: req.reqId, code, body }, out);
      if (r) onApiResult(cm, r, this.now, out);
    });
  }

  /** Answers every held request, in order. */
  release(): void {
    for (const { cm, req } of this.held.splice(0)) this.serve(cm, req, true);
  }

  private serve(cm: ControllerManagerState, req: ApiRequest, released = false): void {
    if (!released && req.verb !== 'watch' && this.hold(req)) {
      this.held.push({ cm, req });
      return;
    }
    const status = (code: number, message: string): KubeObject => ({ apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason: '', code });
    if (req.verb === 'watch') {
      this.watches.push({ cm, reqId: req.reqId, tag: cm.client.watches.get(req.reqId)!.tag, resource: req.resource, ...(req.namespace ? { namespace: req.namespace } : {}) });
      return;
    }
    if (req.verb === 'list') {
      const items = [...this.objects].filter(([k]) => k.startsWith(`${req.resource}|${req.namespace ?? ''}`)).map(([, o]) => o);
      return this.respond(cm, req, 200, { kind: 'List', metadata: { resourceVersion: String(this.rv) }, items });
    }
    const name = req.name ?? req.body?.metadata?.name ?? '';
    const existing = this.get(req.resource, req.namespace, name);
    if (req.verb === 'get') return existing ? this.respond(cm, req, 200, existing) : this.respond(cm, req, 404, status(404, 'not found'));
    this.writes.push(req);
    const injected = this.fault(req);
    if (injected !== null) return this.respond(cm, req, injected, status(injected, 'injected'));
    if (req.verb === 'create') {
      if (req.resource === 'events') return this.respond(cm, req, 201, req.body!);
      if (existing) return this.respond(cm, req, 409, status(409, 'already exists'));
      return this.respond(cm, req, 201, this.put(req.resource, { ...req.body!, metadata: { ...req.body!.metadata, namespace: req.namespace } }));
    }
    if (req.verb === 'update') {
      if (!existing) return this.respond(cm, req, 404, status(404, 'not found'));
      if (req.body?.metadata?.resourceVersion !== existing.metadata?.resourceVersion) return this.respond(cm, req, 409, status(409, 'conflict'));
      const next = req.subresource === 'status' ? { ...existing, status: req.body!.status } : { ...req.body!, status: existing.status };
      return this.respond(cm, req, 200, this.put(req.resource, next));
    }
    if (req.verb === 'delete') {
      if (!existing) return this.respond(cm, req, 404, status(404, 'not found'));
      if (req.resource === 'pods') {
        // Graceful: the kubelet would finish it; here it only gets its deletionTimestamp.
        return this.respond(cm, req, 200, this.put('pods', { ...existing, metadata: { ...existing.metadata, deletionTimestamp: timestamp(this.now + 30_000) } }));
      }
      this.remove(req.resource, req.namespace, name);
      return this.respond(cm, req, 200, existing);
    }
  }

  /** Fires every timer due up to `toMs`, in time order. */
  advance(toMs: number): void {
    for (;;) {
      let next: [string, { cm: ControllerManagerState; atMs: number; seq: number; event: { type: string; [f: string]: unknown } }] | undefined;
      for (const entry of this.timers) if (entry[1].atMs <= toMs && (!next || entry[1].atMs < next[1].atMs || (entry[1].atMs === next[1].atMs && entry[1].seq < next[1].seq))) next = entry;
      if (!next) break;
      const [id, t] = next;
      this.timers.delete(id);
      this.now = t.atMs;
      const e = t.event;
      const cm = t.cm;
      this.run(cm, (out) => {
        if (e.type === 'LeaderElectionRetry') onLeaderRetry(cm, this.now, out);
        else if (e.type === 'NodeMonitor') onNodeMonitor(cm, e.id as string, this.now, out);
        else if (e.type === 'ControllerWake') onWake(cm, e.id as string, this.now, out);
        else if (e.type === 'InformerRetry') onInformerRetry(cm, e.informer as string, e.what as 'list' | 'watch', this.now, out);
      });
    }
    this.now = toMs;
  }

  startControllerManager(name: string, options: ControllerManagerOptions = {}): ControllerManagerState {
    const cm = newControllerManager(`${name}_1`, newApiClient({ name, token: `${name}-token`, server: 'kube-apiserver', requestTimeoutMs: 10_000, readIdleTimeoutMs: 1e12 }), options);
    this.run(cm, (out) => start(cm, this.now, out));
    return cm;
  }

  controllerTraces(action?: string): Record<string, unknown>[] {
    return this.traces.filter((t) => t.kind === 'k8s.controller' && (action === undefined || t.fields.action === action)).map((t) => t.fields);
  }
}
