/**
 * The parts of a Pod the admission plugins read, and the pod resource arithmetic of
 * k8s.io/component-helpers/resource (PodRequests / PodLimits) that LimitRanger (type Pod) and the
 * ResourceQuota pod evaluator share.
 */
import type { KubeObject } from '../protocol.ts';
import { addLists, addQty, maxLists, parseResourceList, type ResourceList } from './quantity-format.ts';

export interface ResourceRequirements {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

export interface EnvVar {
  name: string;
  valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } };
}

export interface Container {
  name: string;
  image?: string;
  resources?: ResourceRequirements;
  /** "Always" on an init container makes it a sidecar. */
  restartPolicy?: string;
  env?: EnvVar[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Volume {
  name: string;
  secret?: { secretName?: string };
  configMap?: { name?: string };
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
  projected?: { sources?: { secret?: { name?: string }; configMap?: { name?: string }; serviceAccountToken?: unknown }[] };
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  nodeName?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: string;
  tolerations?: Toleration[];
  overhead?: Record<string, string | number>;
  volumes?: Volume[];
  imagePullSecrets?: { name?: string }[];
  activeDeadlineSeconds?: number;
  affinity?: unknown;
}

export interface PodStatus {
  phase?: string;
}

export type Pod = KubeObject & { spec?: PodSpec; status?: PodStatus };

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export function podSpec(obj: KubeObject | undefined): PodSpec {
  return ((obj as Pod | undefined)?.spec ?? {}) as PodSpec;
}

export function isMirrorPod(obj: KubeObject | undefined): boolean {
  return obj?.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

/** Containers then init containers: the order the plugins visit them in. */
export function allContainers(spec: PodSpec): { container: Container; init: boolean }[] {
  return [
    ...(spec.containers ?? []).map((container) => ({ container, init: false })),
    ...(spec.initContainers ?? []).map((container) => ({ container, init: true })),
  ];
}

type Which = 'requests' | 'limits';

/**
 * PodRequests / PodLimits: the sum over containers, with sidecars (restartable init containers)
 * added, raised to the largest single init container (plus the sidecars started before it), plus
 * the pod overhead (for limits only where a limit exists). Throws QuantityError on a bad value.
 */
export function podResources(spec: PodSpec, which: Which): ResourceList {
  let total: ResourceList = new Map();
  for (const c of spec.containers ?? []) total = addLists(total, parseResourceList(c.resources?.[which]));
  let sidecars: ResourceList = new Map();
  let initMax: ResourceList = new Map();
  for (const c of spec.initContainers ?? []) {
    const own = parseResourceList(c.resources?.[which]);
    let effective: ResourceList;
    if (c.restartPolicy === 'Always') {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      effective = sidecars;
    } else {
      effective = addLists(own, sidecars);
    }
    initMax = maxLists(initMax, effective);
  }
  total = maxLists(total, initMax);
  const overhead = parseResourceList(spec.overhead);
  if (which === 'requests') return addLists(total, overhead);
  for (const [k, v] of overhead) {
    const cur = total.get(k);
    if (cur !== undefined) total.set(k, addQty(cur, v));
  }
  return total;
}

/** qos.GetPodQOS(pod) == BestEffort: no cpu or memory request or limit above zero anywhere. */
export function isBestEffort(spec: PodSpec): boolean {
  for (const { container } of allContainers(spec)) {
    for (const which of ['requests', 'limits'] as const) {
      const list = parseResourceList(container.resources?.[which]);
      for (const name of ['cpu', 'memory']) {
        const q = list.get(name);
        if (q !== undefined && q.milli > 0n) return false;
      }
    }
  }
  return true;
}
