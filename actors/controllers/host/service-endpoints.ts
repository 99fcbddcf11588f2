import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import { BY_NAMESPACE, PODS, SERVICES } from './resources.ts';
import type { ControllerContext, EventHandler } from './types.ts';
import { isPodReady, podPhase } from './workload.ts';

/**
 * How a Service's endpoints are read off its pods, shared by the Endpoints and EndpointSlice
 * controllers (pkg/controller/util/endpoint, pkg/api/v1/pod FindPort): which pods belong, on
 * which port number, ready or not.
 */

export interface ServicePortJson {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
  targetPort?: number | string;
}

export interface ServiceJson extends KubeObject {
  spec?: { type?: string; selector?: Record<string, string>; clusterIP?: string; ports?: ServicePortJson[]; publishNotReadyAddresses?: boolean };
}

interface ContainerPortJson {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

interface PodJson extends KubeObject {
  spec?: { nodeName?: string; hostname?: string; subdomain?: string; restartPolicy?: string; containers?: { ports?: ContainerPortJson[] }[] };
  status?: { podIP?: string; phase?: string };
}

/** The Service's selector, or undefined for a selector-less Service (its Endpoints are the user's). */
export function serviceSelector(svc: ServiceJson): Record<string, string> | undefined {
  const s = svc.spec?.selector;
  return s && Object.keys(s).length > 0 ? s : undefined;
}

export function selectsPod(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Whether the controllers manage this Service's endpoints at all. */
export function managesEndpoints(svc: ServiceJson): boolean {
  return svc.spec?.type !== 'ExternalName' && serviceSelector(svc) !== undefined;
}

/**
 * FindPort: the container port a service port reaches on this pod — a number as is, a name
 * looked up among the pod's container ports of the same protocol (so pods of one Service may map
 * a name to different numbers); undefined when the pod has no such named port.
 */
export function findPort(pod: KubeObject, port: ServicePortJson): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const c of (pod as PodJson).spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

export const podIpOf = (pod: KubeObject): string => (pod as PodJson).status?.podIP ?? '';

/**
 * ShouldPodBeInEndpoints: a pod with an IP, not terminal; a terminating pod only when
 * `includeTerminating` (EndpointSlices keep it with terminating=true; Endpoints drop it).
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (podIpOf(pod) === '') return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** The endpoint's hostname: the pod's, when its subdomain is this Service (headless DNS names). */
export function endpointHostname(pod: KubeObject, svc: ServiceJson): string | undefined {
  const spec = (pod as PodJson).spec;
  return spec?.hostname && spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? spec.hostname : undefined;
}

/** Ready as a Service sees it: Ready, or any pod when the Service publishes not-ready addresses. */
export function endpointReady(pod: KubeObject, svc: ServiceJson): boolean {
  return svc.spec?.publishNotReadyAddresses === true || (isPodReady(pod) && !pod.metadata?.deletionTimestamp);
}

/** The Services of a namespace whose selector matches the pod (`GetPodServiceMemberships`), as keys. */
export function servicesSelecting(pod: KubeObject, services: readonly ServiceJson[]): string[] {
  const out: string[] = [];
  for (const svc of services) {
    if (svc.metadata?.namespace !== pod.metadata?.namespace) continue;
    const selector = serviceSelector(svc);
    if (selector && selectsPod(selector, pod)) out.push(objectKey(svc));
  }
  return out;
}

/** The pods of the Service's namespace its selector matches (none for a selector-less Service), in key order. */
export function selectedPods<S>(svc: ServiceJson, ctx: ControllerContext<S>): KubeObject[] {
  const selector = serviceSelector(svc);
  if (!selector) return [];
  const pods = ctx.cache(PODS);
  return pods
    .byIndex(BY_NAMESPACE, svc.metadata?.namespace ?? 'default')
    .map((k) => pods.get(k)!)
    .filter((p) => selectsPod(selector, p));
}

/** Queues the Services of the pod's namespace whose selector matches it. */
function enqueueServicesOf<S>(pod: KubeObject, ctx: ControllerContext<S>): void {
  const cache = ctx.cache(SERVICES);
  const services = cache.byIndex(BY_NAMESPACE, pod.metadata?.namespace ?? 'default').map((k) => cache.get(k) as ServiceJson);
  for (const key of servicesSelecting(pod, services)) ctx.enqueue(key);
}

/**
 * The handlers the Endpoints and EndpointSlice controllers share: a Service added, changed or
 * deleted queues itself; a pod added, changed or deleted queues the Services selecting it, before
 * and after a label change (`getPodServiceMemberships` of the old and the new pod).
 */
export function serviceAndPodHandlers<S>(): EventHandler<S>[] {
  return [
    {
      informer: SERVICES,
      onAdd: (svc, ctx) => ctx.enqueue(objectKey(svc)),
      onUpdate: (_old, svc, ctx) => ctx.enqueue(objectKey(svc)),
      onDelete: (svc, ctx) => ctx.enqueue(objectKey(svc)),
    },
    {
      informer: PODS,
      onAdd: enqueueServicesOf,
      onUpdate: (old, pod, ctx) => {
        if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        enqueueServicesOf(pod, ctx);
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {})) enqueueServicesOf(old, ctx);
      },
      onDelete: enqueueServicesOf,
    },
  ];
}
