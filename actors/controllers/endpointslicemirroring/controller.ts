import type { KubeObject } from '../../api/protocol.ts';
import type { ApiResult } from '../../client/api-client.ts';
import { objectKey } from '../../client/informer.ts';
import { MANAGED_BY_LABEL } from '../endpointslice/reconcile.ts';
import { SliceTracker } from '../endpointslice/tracker.ts';
import { BY_SERVICE, ENDPOINT_SLICES, ENDPOINTS, SERVICE_NAME_LABEL, SERVICES } from '../host/resources.ts';
import { serviceSelector, type ServiceJson } from '../host/service-endpoints.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { ok } from '../host/workload.ts';
import { MIRRORING_MANAGED_BY, mirrorEndpoints, shouldMirror, type MirroredEndpointsJson, type MirrorSliceJson } from './reconcile.ts';

/**
 * The EndpointSlice mirroring controller (pkg/controller/endpointslicemirroring): kube-proxy
 * reads only EndpointSlices, so the Endpoints a user writes by hand for a Service without a
 * selector (an external database behind a Service) are mirrored into slices managed by
 * `endpointslicemirroring-controller.k8s.io`. Its queue holds Endpoints keys (the same as their
 * Service's). The sync deletes every mirrored slice when the Endpoints are gone or not to be
 * mirrored (skip-mirror label, leader-election annotation), when the Service is gone or has a
 * selector (then the EndpointSlice controller owns its slices); otherwise it waits while the
 * informer lags its own writes (the tracker), and writes what `mirrorEndpoints` says, with a
 * Warning event for addresses it skipped. 5 workers (--concurrent-endpointslice-mirroring-syncs),
 * retries backed off from 1 s to 100 s.
 */

interface MirroringState {
  readonly tracker: SliceTracker;
  readonly maxEndpointsPerSubset: number;
}
type Ctx = ControllerContext<MirroringState>;
type Act = Action<MirroringState>;

const managedByMirroring = (slice: KubeObject): boolean => slice.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_MANAGED_BY;

function enqueueEndpointsOfSlice(slice: KubeObject, ctx: Ctx): void {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  if (!service) return;
  ctx.enqueue(`${slice.metadata?.namespace ?? 'default'}/${service}`);
}

const sliceRequest = { apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices' } as const;

/** deleteMirroredSlices: every slice this controller mirrored for `key`, deleted (a 404 is already done). */
function deleteAll(key: string, slices: readonly MirrorSliceJson[], why: string): Act[] {
  return slices.map((s) => ({
    kind: 'write',
    request: { verb: 'delete', ...sliceRequest, namespace: s.metadata?.namespace ?? 'default', name: s.metadata?.name ?? '' },
    tolerate: [404],
    traces: [{ action: 'endpointslice-deleted', object: `endpointslice/${objectKey(s)}`, detail: `endpoints/${key}: ${why}` }],
  }));
}

export function syncMirroring(key: string, ctx: Ctx): Act[] {
  const slicesCache = ctx.cache(ENDPOINT_SLICES);
  const mirrored = slicesCache
    .byIndex(BY_SERVICE, key)
    .map((k) => slicesCache.get(k) as MirrorSliceJson)
    .filter(managedByMirroring);
  const endpoints = ctx.cache(ENDPOINTS).get(key) as MirroredEndpointsJson | undefined;
  const svc = ctx.cache(SERVICES).get(key) as ServiceJson | undefined;
  const why = !endpoints
    ? 'endpoints gone'
    : !shouldMirror(endpoints)
      ? 'endpoints not to be mirrored'
      : !svc
        ? 'service gone'
        : serviceSelector(svc) !== undefined
          ? 'service has a selector'
          : undefined;
  if (why !== undefined || !endpoints) {
    ctx.state.tracker.forget(key);
    return deleteAll(key, mirrored, why ?? 'endpoints gone');
  }
  const present = new Map(mirrored.map((s) => [s.metadata?.name ?? '', Number(s.metadata?.resourceVersion ?? 0)]));
  // upstream: "EndpointSlice informer cache is out of date" — retried, rate-limited.
  if (ctx.state.tracker.stale(key, present)) return [{ kind: 'fail' }];

  const max = ctx.state.maxEndpointsPerSubset;
  const changes = mirrorEndpoints(endpoints, mirrored, max);
  const namespace = endpoints.metadata?.namespace ?? 'default';
  const actions: Act[] = [];
  if (changes.invalidAddresses > 0) {
    actions.push({ kind: 'event', object: endpoints, objectKind: 'Endpoints', type: 'Warning', reason: 'InvalidIPAddress', message: `Skipped ${changes.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices` });
  }
  if (changes.addressesSkipped > changes.invalidAddresses) {
    actions.push({
      kind: 'event',
      object: endpoints,
      objectKind: 'Endpoints',
      type: 'Warning',
      reason: 'TooManyAddressesToMirror',
      message: `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${changes.addressesSkipped} addresses were skipped`,
    });
  }
  const track = (r: ApiResult, c: Ctx): void => {
    if (ok(r)) c.state.tracker.written(key, r.body as KubeObject);
  };
  // No new slices for Endpoints being deleted (finalize).
  if (!endpoints.metadata?.deletionTimestamp) {
    for (const s of changes.create) {
      actions.push({
        kind: 'write',
        request: { verb: 'create', ...sliceRequest, namespace, body: s },
        traces: [{ action: 'endpointslice-created', object: `endpoints/${key}`, detail: `${(s.endpoints ?? []).length} endpoints mirrored` }],
        onResult: (r, c) => track(r, c),
      });
    }
  }
  for (const s of changes.update) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', ...sliceRequest, namespace, name: s.metadata?.name ?? '', body: s },
      traces: [{ action: 'endpointslice-updated', object: `endpointslice/${objectKey(s)}`, detail: `${(s.endpoints ?? []).length} endpoints mirrored` }],
      onResult: (r, c) => track(r, c),
    });
  }
  for (const s of changes.delete) {
    const name = s.metadata?.name ?? '';
    actions.push({
      kind: 'write',
      request: { verb: 'delete', ...sliceRequest, namespace, name },
      tolerate: [404],
      traces: [{ action: 'endpointslice-deleted', object: `endpointslice/${objectKey(s)}`, detail: 'no longer mirrored' }],
      onResult: (r, c) => {
        if (ok(r) || r.code === 404) c.state.tracker.deleted(key, name);
      },
    });
  }
  return actions;
}

const selectorless = (svc: KubeObject): boolean => serviceSelector(svc as ServiceJson) === undefined;

export const endpointSliceMirroringController = defineController<MirroringState>({
  name: 'endpointslicemirroring',
  reporter: 'endpoint-slice-mirroring-controller',
  informers: [ENDPOINTS, ENDPOINT_SLICES, SERVICES],
  handlers: [
    {
      informer: ENDPOINTS,
      onAdd: (ep, ctx) => (shouldMirror(ep) ? ctx.enqueue(objectKey(ep)) : undefined),
      // Also when it stops being mirrored (a skip-mirror label added): its slices go.
      onUpdate: (old, ep, ctx) => (shouldMirror(old) || shouldMirror(ep) ? ctx.enqueue(objectKey(ep)) : undefined),
      onDelete: (ep, ctx) => (shouldMirror(ep) ? ctx.enqueue(objectKey(ep)) : undefined),
    },
    {
      informer: SERVICES,
      onAdd: (svc, ctx) => (selectorless(svc) ? ctx.enqueue(objectKey(svc)) : undefined),
      // Only a selector appearing or going changes what is mirrored.
      onUpdate: (old, svc, ctx) => (selectorless(old) !== selectorless(svc) ? ctx.enqueue(objectKey(svc)) : undefined),
      onDelete: (svc, ctx) => (selectorless(svc) ? ctx.enqueue(objectKey(svc)) : undefined),
    },
    {
      informer: ENDPOINT_SLICES,
      onAdd: (s, ctx) => (managedByMirroring(s) ? enqueueEndpointsOfSlice(s, ctx) : undefined),
      onUpdate: (old, s, ctx) => {
        // A changed service-name label (users may edit it) concerns both Endpoints.
        if (old.metadata?.labels?.[SERVICE_NAME_LABEL] !== s.metadata?.labels?.[SERVICE_NAME_LABEL]) {
          enqueueEndpointsOfSlice(old, ctx);
          enqueueEndpointsOfSlice(s, ctx);
        } else if (managedByMirroring(old) || managedByMirroring(s)) enqueueEndpointsOfSlice(s, ctx);
      },
      onDelete: (s, ctx) => (managedByMirroring(s) ? enqueueEndpointsOfSlice(s, ctx) : undefined),
    },
  ],
  queues: [{ workers: 5, rateLimiter: { baseDelayMs: 1000, maxDelayMs: 100_000 }, sync: syncMirroring }],
  newState: (config) => ({ tracker: new SliceTracker(), maxEndpointsPerSubset: config.endpointSliceMirroring.maxEndpointsPerSubset }),
});
