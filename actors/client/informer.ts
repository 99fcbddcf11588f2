import { isStatus } from '../api/errors.ts';
import type { KubeObject } from '../api/protocol.ts';
import { abandonRequest, cancelWatch, request, type ApiClientState, type ApiResult, type WatchDelivery } from './api-client.ts';
import type { Output } from '../kernel/output.ts';

/**
 * client-go's reflector + store, as a deterministic core: LIST (first from the watch cache with
 * resourceVersion "0"), then WATCH from the list's resourceVersion with bookmarks; re-WATCH from
 * the last resourceVersion when a stream ends; re-LIST from the last resourceVersion it delivered
 * (`relistResourceVersion`: served no older than it, so a relist never goes back in time —
 * kubernetes#59848), or consistent (resourceVersion "") after 410 Gone or "Too large resource
 * version"; back off 800 ms doubling to 30 s on errors. Changes come back as deltas.
 *
 * Each relist is traced (`k8s.relist`: the resourceVersion of the previous list, the last one
 * delivered since, what was asked and what came back) for the Kubernetes safety check
 * ReaderNeverGoesBack; the first list of an informer's life and the watch events are not, to keep
 * the trace small (a line per event delivered to every informer would be the larger part of it).
 */

export interface InformerConfig {
  /** Unique within the component: prefixes request tags and timer ids. */
  name: string;
  apiVersion: string;
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type Delta =
  | { type: 'added'; object: KubeObject }
  | { type: 'updated'; object: KubeObject; old: KubeObject }
  | { type: 'deleted'; object: KubeObject };

export interface InformerState {
  readonly config: InformerConfig;
  readonly store: Map<string, KubeObject>;
  /** Counts the changes to the store's set of keys (an object added or deleted), for views that cache them. */
  keysVersion: number;
  resourceVersion: string;
  /** True once the first list has been applied (cache.WaitForCacheSync). */
  synced: boolean;
  watchReqId: number | null;
  /** The LIST in flight, if any (stopInformer abandons it). */
  listReqId: number | null;
  /** The resourceVersion of the last list applied ('' before the first). */
  listedResourceVersion: string;
  /** Next list asks for a consistent read: the last resourceVersion is too old (or too new for the server). */
  needsConsistentList: boolean;
  backoffMs: number;
}

export const INITIAL_BACKOFF_MS = 800;
export const MAX_BACKOFF_MS = 30_000;

export function objectKey(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export function newInformer(config: InformerConfig): InformerState {
  return { config, store: new Map(), keysVersion: 0, resourceVersion: '', listedResourceVersion: '', synced: false, watchReqId: null, listReqId: null, needsConsistentList: false, backoffMs: INITIAL_BACKOFF_MS };
}

export function ownsTag(inf: InformerState, tag: string): boolean {
  return tag === `${inf.config.name}:list` || tag === `${inf.config.name}:watch`;
}

export function retryTimerId(inf: InformerState): string {
  return `informer-retry-${inf.config.name}`;
}

function target(inf: InformerState) {
  const c = inf.config;
  return { apiVersion: c.apiVersion, resource: c.resource, ...(c.namespace ? { namespace: c.namespace } : {}) };
}

function selectors(inf: InformerState) {
  const c = inf.config;
  return { ...(c.labelSelector ? { labelSelector: c.labelSelector } : {}), ...(c.fieldSelector ? { fieldSelector: c.fieldSelector } : {}) };
}

export function startInformer(inf: InformerState, client: ApiClientState, out: Output, nowMs: number): void {
  list(inf, client, out, nowMs);
}

/** client-go `relistResourceVersion`: "" when the last one is unavailable, "0" for the first list, else the last delivered. */
function relistResourceVersion(inf: InformerState): string {
  if (inf.needsConsistentList) return '';
  return inf.resourceVersion === '' ? '0' : inf.resourceVersion;
}

function list(inf: InformerState, client: ApiClientState, out: Output, nowMs: number): void {
  const resourceVersion = relistResourceVersion(inf);
  inf.listReqId = request(client, { verb: 'list', ...target(inf), options: { resourceVersion, ...selectors(inf) } }, `${inf.config.name}:list`, out, nowMs);
}

function watch(inf: InformerState, client: ApiClientState, out: Output, nowMs: number): void {
  inf.watchReqId = request(
    client,
    { verb: 'watch', ...target(inf), options: { resourceVersion: inf.resourceVersion, allowWatchBookmarks: true, ...selectors(inf) } },
    `${inf.config.name}:watch`,
    out,
    nowMs,
  );
}

function retryLater(inf: InformerState, out: Output, what: 'list' | 'watch'): void {
  out.timers.push({ id: retryTimerId(inf), delayMs: inf.backoffMs, event: { type: 'InformerRetry', informer: inf.config.name, what } });
  inf.backoffMs = Math.min(inf.backoffMs * 2, MAX_BACKOFF_MS);
}

/**
 * Stops the informer as its process ending would: the watch is cancelled, a LIST in flight and a
 * pending retry are dropped, and the cache is emptied. `startInformer` starts it afresh (LIST,
 * then WATCH), as a new process's informer factory does. Returns the cached objects as deletions
 * (for indexes kept beside the store).
 */
export function stopInformer(inf: InformerState, client: ApiClientState, out: Output): Delta[] {
  if (inf.watchReqId !== null) cancelWatch(client, inf.watchReqId, out);
  if (inf.listReqId !== null) abandonRequest(client, inf.listReqId);
  out.cancels.push(retryTimerId(inf));
  const deltas: Delta[] = [...inf.store.values()].map((object) => ({ type: 'deleted', object }));
  inf.store.clear();
  inf.keysVersion++;
  inf.watchReqId = null;
  inf.listReqId = null;
  inf.resourceVersion = '';
  inf.listedResourceVersion = '';
  inf.synced = false;
  inf.needsConsistentList = false;
  inf.backoffMs = INITIAL_BACKOFF_MS;
  return deltas;
}

/** The retry timer fired. */
export function onRetry(inf: InformerState, what: 'list' | 'watch', client: ApiClientState, out: Output, nowMs: number): void {
  if (what === 'list') list(inf, client, out, nowMs);
  else watch(inf, client, out, nowMs);
}

/** A list or watch request answered with a plain response. */
export function onResult(inf: InformerState, result: ApiResult, client: ApiClientState, out: Output, nowMs: number): Delta[] {
  if (result.tag === `${inf.config.name}:watch`) {
    inf.watchReqId = null;
    // A watch refused outright: 410 means our resourceVersion is gone.
    if (result.code === 410) inf.needsConsistentList = true;
    retryLater(inf, out, 'list');
    return [];
  }
  inf.listReqId = null;
  if (result.code !== 200 || isStatus(result.body)) {
    // The reflector lists again at once, consistently, when its resourceVersion is gone or ahead of the server.
    if (!inf.needsConsistentList && isResourceVersionUnavailable(result)) {
      inf.needsConsistentList = true;
      list(inf, client, out, nowMs);
      return [];
    }
    retryLater(inf, out, 'list');
    return [];
  }
  const listed = result.body as { metadata?: { resourceVersion?: string }; items?: KubeObject[] };
  const deltas = replace(inf, listed.items ?? []);
  const listedRv = listed.metadata?.resourceVersion ?? '';
  if (inf.listedResourceVersion !== '') {
    out.traces.push({
      kind: 'k8s.relist',
      fields: {
        client: client.config.name,
        informer: inf.config.name,
        resource: inf.config.resource,
        listedRv: Number(inf.listedResourceVersion),
        heldRv: Number(inf.resourceVersion),
        asked: relistResourceVersion(inf),
        rv: Number(listedRv),
      },
    });
  }
  inf.resourceVersion = listedRv;
  inf.listedResourceVersion = listedRv;
  inf.synced = true;
  inf.needsConsistentList = false;
  inf.backoffMs = INITIAL_BACKOFF_MS;
  watch(inf, client, out, nowMs);
  return deltas;
}

export function onWatch(inf: InformerState, delivery: WatchDelivery, client: ApiClientState, out: Output, nowMs: number): Delta[] {
  const deltas: Delta[] = [];
  for (const event of delivery.events) {
    if (event.type === 'ERROR') {
      const code = isStatus(event.object) ? event.object.code : 500;
      if (code === 410) inf.needsConsistentList = true;
      if (inf.watchReqId !== null) cancelWatch(client, inf.watchReqId, out);
      inf.watchReqId = null;
      retryLater(inf, out, 'list');
      return deltas;
    }
    const obj = event.object as KubeObject;
    const rv = obj.metadata?.resourceVersion;
    if (rv) inf.resourceVersion = rv;
    if (event.type === 'BOOKMARK') continue;
    const key = objectKey(obj);
    const old = inf.store.get(key);
    if (event.type === 'DELETED') {
      if (old) {
        inf.store.delete(key);
        inf.keysVersion++;
        deltas.push({ type: 'deleted', object: obj });
      }
    } else {
      inf.store.set(key, obj);
      if (!old) inf.keysVersion++;
      deltas.push(old ? { type: 'updated', object: obj, old } : { type: 'added', object: obj });
    }
  }
  if (delivery.ended) {
    inf.watchReqId = null;
    inf.backoffMs = INITIAL_BACKOFF_MS;
    // A closed stream resumes at once; a broken one after a short pause, as the reflector does.
    if (delivery.ended === 'closed') watch(inf, client, out, nowMs);
    else retryLater(inf, out, 'watch');
  }
  return deltas;
}

/** 410 Gone, or 504 "Too large resource version" (client-go isExpiredError, isTooLargeResourceVersionError). */
function isResourceVersionUnavailable(result: ApiResult): boolean {
  if (result.code === 410) return true;
  return result.code === 504 && isStatus(result.body) && (result.body.message ?? '').startsWith('Too large resource version');
}

/** Replaces the store with a fresh list, as deltas against what was there. */
function replace(inf: InformerState, items: KubeObject[]): Delta[] {
  const deltas: Delta[] = [];
  const seen = new Set<string>();
  for (const obj of items) {
    const key = objectKey(obj);
    seen.add(key);
    const old = inf.store.get(key);
    inf.store.set(key, obj);
    if (!old) inf.keysVersion++;
    if (!old) deltas.push({ type: 'added', object: obj });
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) deltas.push({ type: 'updated', object: obj, old });
  }
  for (const [key, obj] of [...inf.store]) {
    if (!seen.has(key)) {
      inf.store.delete(key);
      inf.keysVersion++;
      deltas.push({ type: 'deleted', object: obj });
    }
  }
  return deltas;
}
