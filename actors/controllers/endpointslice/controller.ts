import type { KubeObject } from '../../api/protocol.ts';
import type { ApiResult } from '../../client/api-client.ts';
import { objectKey } from '../../client/informer.ts';
import { BY_SERVICE, ENDPOINT_SLICES, NODES, PODS, SERVICE_NAME_LABEL, SERVICES } from '../host/resources.ts';
import { managesEndpoints, selectedPods, serviceAndPodHandlers, type ServiceJson } from '../host/service-endpoints.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { ok } from '../host/workload.ts';
import { desiredGroups, MANAGED_BY, MANAGED_BY_LABEL, reconcileSlices, ZONE_LABEL, type EndpointSliceJson } from './reconcile.ts';
import { SliceTracker } from './tracker.ts';

/**
 * The EndpointSlice controller (pkg/controller/endpointslice): its queue holds Service keys,
 * queued like the Endpoints controller's, and also when one of its slices changes or goes. The
 * sync waits while the informer lags its own writes (the tracker), then creates, updates and
 * deletes slices as `reconcileSlices` says; a Service that is gone loses its slices through the
 * garbage collector (they are owned by it). 5 workers (--concurrent-service-endpoint-syncs).
 */

interface SliceState {
  readonly tracker: SliceTracker;
}
type Ctx = ControllerContext<SliceState>;
type Act = Action<SliceState>;

function enqueueServiceOfSlice(slice: KubeObject, ctx: Ctx): void {
  const labels = slice.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || labels[SERVICE_NAME_LABEL] === undefined) return;
  ctx.enqueue(`${slice.metadata?.namespace ?? 'default'}/${labels[SERVICE_NAME_LABEL]}`);
}

export function syncEndpointSlices(key: string, ctx: Ctx): Act[] {
  const svc = ctx.cache(SERVICES).get(key) as ServiceJson | undefined;
  if (!svc) {
    ctx.state.tracker.forget(key);
    return [];
  }
  if (!managesEndpoints(svc)) return [];
  const slicesCache = ctx.cache(ENDPOINT_SLICES);
  const existing = slicesCache
    .byIndex(BY_SERVICE, key)
    .map((k) => slicesCache.get(k) as EndpointSliceJson)
    .filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
  const present = new Map(existing.map((s) => [s.metadata?.name ?? '', Number(s.metadata?.resourceVersion ?? 0)]));
  // upstream: "EndpointSlice informer cache is out of date" — retried, rate-limited.
  if (ctx.state.tracker.stale(key, present)) return [{ kind: 'fail' }];

  const namespace = svc.metadata?.namespace ?? 'default';
  const selected = selectedPods(svc, ctx);
  const nodes = ctx.cache(NODES);
  const zoneOf = (node: string): string | undefined => nodes.get(node)?.metadata?.labels?.[ZONE_LABEL];
  const changes = reconcileSlices(svc, desiredGroups(svc, selected, zoneOf), existing);

  const actions: Act[] = [];
  const track = (r: ApiResult, c: Ctx): void => {
    if (ok(r)) c.state.tracker.written(key, r.body as KubeObject);
  };
  for (const s of changes.create) {
    actions.push({
      kind: 'write',
      request: { verb: 'create', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespace, body: s },
      traces: [{ action: 'endpointslice-created', object: `service/${key}`, detail: `${(s.endpoints ?? []).length} endpoints` }],
      onResult: (r, c) => track(r, c),
    });
  }
  for (const s of changes.update) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespace, name: s.metadata?.name ?? '', body: s },
      traces: [{ action: 'endpointslice-updated', object: `endpointslice/${objectKey(s)}`, detail: `${(s.endpoints ?? []).length} endpoints` }],
      onResult: (r, c) => track(r, c),
    });
  }
  for (const s of changes.delete) {
    const name = s.metadata?.name ?? '';
    actions.push({
      kind: 'write',
      request: { verb: 'delete', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespace, name },
      tolerate: [404],
      traces: [{ action: 'endpointslice-deleted', object: `endpointslice/${objectKey(s)}`, detail: 'no longer needed' }],
      onResult: (r, c) => {
        if (ok(r) || r.code === 404) c.state.tracker.deleted(key, name);
      },
    });
  }
  return actions;
}

export const endpointSliceController = defineController<SliceState>({
  name: 'endpointslice',
  reporter: 'endpoint-slice-controller',
  informers: [SERVICES, PODS, ENDPOINT_SLICES, NODES],
  handlers: [
    ...serviceAndPodHandlers<SliceState>(),
    { informer: ENDPOINT_SLICES, onAdd: enqueueServiceOfSlice, onUpdate: (_o, s, ctx) => enqueueServiceOfSlice(s, ctx), onDelete: enqueueServiceOfSlice },
  ],
  queues: [{ workers: 5, sync: syncEndpointSlices }],
  newState: () => ({ tracker: new SliceTracker() }),
});
