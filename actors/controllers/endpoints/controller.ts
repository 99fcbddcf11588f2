import { objectKey } from '../../client/informer.ts';
import { ENDPOINTS, PODS, SERVICES } from '../host/resources.ts';
import { managesEndpoints, selectedPods, serviceAndPodHandlers, type ServiceJson } from '../host/service-endpoints.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { desiredEndpoints, endpointsEqual, type EndpointsJson } from './endpoints.ts';

/**
 * The Endpoints controller (pkg/controller/endpoint): its queue holds Service keys. A Service
 * added or changed is queued; a pod added, changed or deleted queues the Services whose selector
 * matches it before or after the change; a deleted Endpoints object queues its Service so it comes
 * back. The sync writes the Endpoints of a Service with a selector (create, or update when the
 * subsets differ) and deletes those of a Service that is gone; a selector-less Service's
 * Endpoints are the user's and left alone. 5 workers (--concurrent-endpoint-syncs).
 */

type Ctx = ControllerContext<null>;

export function syncEndpoints(key: string, ctx: Ctx): Action<null>[] {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  const svc = ctx.cache(SERVICES).get(key) as ServiceJson | undefined;
  const have = ctx.cache(ENDPOINTS).get(key) as EndpointsJson | undefined;
  if (!svc) {
    if (!have) return [];
    return [{ kind: 'write', request: { verb: 'delete', apiVersion: 'v1', resource: 'endpoints', namespace, name }, tolerate: [404], traces: [{ action: 'endpoints-deleted', object: `endpoints/${key}`, detail: 'its service is gone' }] }];
  }
  if (!managesEndpoints(svc)) return [];
  const selected = selectedPods(svc, ctx);
  const want = desiredEndpoints(svc, selected);
  const ready = (want.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = (want.subsets ?? []).reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  const trace = [{ action: 'endpoints-synced', object: `endpoints/${key}`, detail: `${ready} ready, ${notReady} not ready` }];
  if (!have) return [{ kind: 'write', request: { verb: 'create', apiVersion: 'v1', resource: 'endpoints', namespace, body: want }, tolerate: [409], traces: trace }];
  if (endpointsEqual(have, want)) return [];
  const annotations = { ...(have.metadata?.annotations ?? {}) };
  delete annotations['endpoints.kubernetes.io/over-capacity'];
  Object.assign(annotations, want.metadata?.annotations ?? {});
  const { subsets: _old, ...rest } = have;
  void _old;
  const body: EndpointsJson = {
    ...rest,
    metadata: { ...have.metadata, labels: want.metadata?.labels ?? {}, annotations },
    ...(want.subsets ? { subsets: want.subsets } : {}),
  };
  return [{ kind: 'write', request: { verb: 'update', apiVersion: 'v1', resource: 'endpoints', namespace, name, body }, traces: trace }];
}

export const endpointsController = defineController<null>({
  name: 'endpoints',
  reporter: 'endpoint-controller',
  informers: [SERVICES, PODS, ENDPOINTS],
  handlers: [...serviceAndPodHandlers<null>(), { informer: ENDPOINTS, onDelete: (ep, ctx) => ctx.enqueue(objectKey(ep)) }],
  queues: [{ workers: 5, sync: syncEndpoints }],
  newState: () => null,
});

/**
 * A deliberately broken Endpoints controller, for the fuzzer's tests only (ComponentVariants
 * `controllerManager.endpointsIgnorePodDeletion`): its pod handlers drop every event of a pod
 * whose deletion has begun, and pod deletions — so a pod deleted while nothing else in its
 * Service changes stays a ready address (EndpointsDropGonePods catches it).
 */
export const endpointsControllerIgnoringPodDeletion = defineController<null>({
  ...endpointsController,
  handlers: (endpointsController.handlers ?? []).map((h) =>
    h.informer !== PODS
      ? h
      : {
          ...h,
          onUpdate: (old, pod, ctx) => {
            if (!pod.metadata?.deletionTimestamp) h.onUpdate?.(old, pod, ctx);
          },
          onDelete: () => undefined,
        },
  ),
});
