import { isPodReady } from '../api/pod-ready.ts';
import type { V1Pod } from '@kubernetes/client-node';
import { isStatus } from '../api/errors.ts';
import type { KubeObject } from '../api/protocol.ts';
import { microTimestamp, timestamp } from '../api/time.ts';
import { cancelWatch, request, type ApiClientState, type ApiResult, type WatchDelivery } from '../client/api-client.ts';
import { newInformer, objectKey, onResult as informerResult, onRetry as informerRetry, onWatch as informerWatch, ownsTag, startInformer, type Delta, type InformerState } from '../client/informer.ts';
import type { Output } from '../kernel/output.ts';
import { admitPod } from './admission.ts';
import { statusNeedsReconcile } from './status-reconcile.ts';
import { newImageCache, type ImageCacheState } from './images.ts';
import { newPodRuntimeState, runningContainerCount, step, type KubeletConfig, type KubeletEvent, type PodEvent, type PodRuntimeState } from './pod-worker.ts';
import { podServiceEnv, type EnvVar } from './service-env.ts';
import { isDnsServerPod } from './serve.ts';
import { noteDnsPods } from './traffic.ts';
import { failedMountMessage, isClaimBound, podClaimVolumes, VOLUME_MOUNT_TIMEOUT_MS, VOLUME_POLL_MS } from './volumes.ts';
import { allocatePodIP, nextPodIpSlot, nodeAllocatable, nodeInternalIP, nodeMemoryPressure, nodeObject, nodeStatus, nodeStatusChangeKey, POD_IPS_PER_NODE, type NodeConditionJson, type NodeParams } from './status.ts';

/**
 * The kubelet: registers its Node, creates its Lease at start-up (retrying with backoff while the
 * apiserver cannot take it) and renews it every 10 s, posts NodeStatus (computed every
 * 10 s, posted when it changed or every 5 min), watches the pods bound to it
 * (fieldSelector spec.nodeName=<node>), admits them against allocatable, runs each on the
 * simulated container runtime (pod-worker.ts), and reports pod status and events through the
 * apiserver. Deterministic; the machine turns `wake` requests into kernel timers.
 */

export const LEASE_RENEW_MS = 10_000;
export const LEASE_DURATION_SECONDS = 40;
export const NODE_STATUS_UPDATE_MS = 10_000;
export const NODE_STATUS_REPORT_MS = 300_000;
export const REGISTER_RETRY_MS = 1_000;
/**
 * The lease controller's backoffEnsureLease (component-helpers apimachinery/lease/controller.go):
 * while the Lease cannot be created, retry after 200 ms, doubling up to 7 s.
 */
export const LEASE_RETRY_INITIAL_MS = 100;
export const LEASE_RETRY_MAX_MS = 7_000;

export interface Worker {
  key: string;
  pod: V1Pod;
  state: PodRuntimeState;
  ipSlot: number;
  deleteRequested: boolean;
  deleteSent: boolean;
  /** Status changes not yet sent because one is in flight: only the last matters. */
  pendingStatus: Record<string, unknown> | null;
  statusInFlight: boolean;
  /** Containers alive in the runtime (running, or stopping within their grace period), as last traced. */
  runningContainers: number;
  /** The service environment variables its containers got when the pod started here. */
  readonly serviceEnv: readonly EnvVar[];
  /** Waiting for the pod's claims to be Bound before its containers start (volumes.ts). */
  volumeWait: VolumeWait | null;
}

interface VolumeWait {
  /** Claim names not yet seen Bound. */
  readonly unbound: Set<string>;
  /** GETs in flight. */
  inFlight: number;
  readonly sinceMs: number;
  reported: boolean;
  /** The PodBound event, delivered once every claim is Bound. */
  readonly bound: PodEvent;
}

export interface KubeletState {
  readonly params: NodeParams;
  readonly client: ApiClientState;
  readonly pods: InformerState;
  /** Its own Node as the API has it (field selector metadata.name): what others wrote into its status. */
  readonly node: InformerState;
  /** Every Service (the kubelet's service lister): a pod's service environment variables. */
  readonly services: InformerState;
  readonly workers: Map<string, Worker>;
  readonly config: KubeletConfig;
  images: ImageCacheState;
  registered: boolean;
  lease: KubeObject | null;
  leaseInFlight: boolean;
  /** The last ensure-lease backoff sleep; the next failure doubles it (up to 7 s). */
  leaseRetryMs: number;
  lastConditions: NodeConditionJson[];
  /** nodeStatusChangeKey of the status last posted; '' when none was, or its post failed. */
  lastPostedStatusKey: string;
  lastStatusPostMs: number;
  usedIpSlots: Set<number>;
  /** The pod IP slot handed out last (host-local IPAM's last_reserved_ip); -1 before the first. */
  lastIpSlot: number;
  eventCounter: number;
  randomInt: (n: number) => number;
  /** CoreDNS pods serving on this node, as last told to the node's cluster-DNS server. */
  dnsPodsRunning: number;
}

export function newKubelet(params: NodeParams, client: ApiClientState, config: KubeletConfig, randomInt: (n: number) => number): KubeletState {
  return {
    params,
    client,
    pods: newInformer({ name: 'pods', apiVersion: 'v1', resource: 'pods', fieldSelector: `spec.nodeName=${params.name}` }),
    node: newInformer({ name: 'node', apiVersion: 'v1', resource: 'nodes', fieldSelector: `metadata.name=${params.name}` }),
    services: newInformer({ name: 'services', apiVersion: 'v1', resource: 'services' }),
    workers: new Map(),
    config,
    images: newImageCache(),
    registered: false,
    lease: null,
    leaseInFlight: false,
    leaseRetryMs: LEASE_RETRY_INITIAL_MS,
    lastConditions: [],
    lastPostedStatusKey: '',
    lastStatusPostMs: -Infinity,
    usedIpSlots: new Set(),
    lastIpSlot: -1,
    eventCounter: 0,
    dnsPodsRunning: 0,
    randomInt,
  };
}

export function start(k: KubeletState, nowMs: number, out: Output): void {
  register(k, nowMs, out);
  startInformer(k.pods, k.client, out, nowMs);
  startInformer(k.node, k.client, out, nowMs);
  startInformer(k.services, k.client, out, nowMs);
  out.timers.push({ id: 'kubelet-lease', delayMs: 0, event: { type: 'KubeletLease' } });
  out.timers.push({ id: 'kubelet-node-status', delayMs: NODE_STATUS_UPDATE_MS, event: { type: 'KubeletNodeStatus' } });
}

function register(k: KubeletState, nowMs: number, out: Output): void {
  const node = nodeObject(k.params, nowMs, { images: k.images });
  request(k.client, { verb: 'create', apiVersion: 'v1', resource: 'nodes', body: node as unknown as KubeObject }, 'register', out, nowMs);
}

// ---------------------------------------------------------------------------------------------
// Lease and node status

export function onLeaseTimer(k: KubeletState, nowMs: number, out: Output): void {
  out.timers.push({ id: 'kubelet-lease', delayMs: LEASE_RENEW_MS, event: { type: 'KubeletLease' } });
  if (k.leaseInFlight) return;
  k.leaseInFlight = true;
  const name = k.params.name;
  const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTimestamp(nowMs) };
  if (k.lease) {
    const body: KubeObject = { ...k.lease, spec: { ...((k.lease.spec as object) ?? {}), ...spec } };
    request(k.client, { verb: 'update', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: 'kube-node-lease', name, body }, 'lease:update', out, nowMs);
  } else {
    const body: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease', ownerReferences: [] },
      spec,
    };
    request(k.client, { verb: 'create', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: 'kube-node-lease', body }, 'lease:create', out, nowMs);
  }
}

function onLeaseResult(k: KubeletState, result: ApiResult, out: Output, nowMs: number): void {
  k.leaseInFlight = false;
  if ((result.code === 200 || result.code === 201) && !isStatus(result.body)) {
    k.lease = result.body;
    k.leaseRetryMs = LEASE_RETRY_INITIAL_MS;
    return;
  }
  if (result.code === 409) {
    // Someone else's version: read it, and renew on the next tick.
    k.lease = null;
    request(k.client, { verb: 'get', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: 'kube-node-lease', name: k.params.name }, 'lease:get', out, nowMs);
    return;
  }
  if (result.code === 404) k.lease = null;
  // Without a lease (the first one at start-up, or one deleted) the controller does not wait for
  // the 10 s renew tick: it retries with backoff. A failed renew of a held lease waits for the tick.
  if (k.lease === null) retryLeaseWithBackoff(k, out);
}

function retryLeaseWithBackoff(k: KubeletState, out: Output): void {
  k.leaseRetryMs = Math.min(2 * k.leaseRetryMs, LEASE_RETRY_MAX_MS);
  out.cancels.push('kubelet-lease');
  out.timers.push({ id: 'kubelet-lease', delayMs: k.leaseRetryMs, event: { type: 'KubeletLease' } });
}

export function onNodeStatusTimer(k: KubeletState, nowMs: number, out: Output): void {
  out.timers.push({ id: 'kubelet-node-status', delayMs: NODE_STATUS_UPDATE_MS, event: { type: 'KubeletNodeStatus' } });
  postNodeStatus(k, nowMs, out, apiNodeDisagrees(k));
}

/**
 * tryUpdateNodeStatus compares with the Node as the apiserver has it, not with what this kubelet
 * last posted: the node lifecycle controller sets the conditions Unknown when the kubelet stops
 * reporting, and after a partition heals the kubelet must post again at once (not after the
 * 5-min report interval), or the node stays Unknown and tainted.
 */
function apiNodeDisagrees(k: KubeletState): boolean {
  if (k.lastConditions.length === 0) return false;
  const apiNode = k.node.store.values().next().value as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
  if (!apiNode) return false;
  const api = apiNode.status?.conditions ?? [];
  return k.lastConditions.some((c) => apiConditionStatus(api, c.type) !== c.status);
}

/** The status of the last condition of `type` (as a map built from the list would keep it). */
function apiConditionStatus(conditions: readonly { type: string; status: string }[], type: string): string | undefined {
  for (let i = conditions.length - 1; i >= 0; i--) if (conditions[i]!.type === type) return conditions[i]!.status;
  return undefined;
}

function postNodeStatus(k: KubeletState, nowMs: number, out: Output, force: boolean): void {
  if (!k.registered) return;
  const pods: V1Pod[] = [];
  for (const w of k.workers.values()) pods.push(w.pod);
  // Heartbeat times change every time: compare without them (nodeStatusChangeKey), and build the
  // whole status only to post it.
  const memoryPressure = nodeMemoryPressure(k.params, pods);
  const key = nodeStatusChangeKey(k.params, memoryPressure, nowMs, k.images);
  const changed = key !== k.lastPostedStatusKey;
  if (!force && !changed && nowMs - k.lastStatusPostMs < NODE_STATUS_REPORT_MS) return;
  const status = nodeStatus(k.params, pods, nowMs, { previous: k.lastConditions, images: k.images, memoryPressure });
  k.lastConditions = status.conditions;
  k.lastPostedStatusKey = key;
  k.lastStatusPostMs = nowMs;
  request(k.client, { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'nodes', name: k.params.name, subresource: 'status', body: { status } as unknown as KubeObject }, 'node-status', out, nowMs);
}

/** Each running pod's service environment variables (`kubectl exec POD -- env`, for `--show env`). */
export function podServiceEnvironments(k: KubeletState): { pod: string; env: readonly EnvVar[] }[] {
  return [...k.workers.values()].map((w) => ({ pod: w.key, env: w.serviceEnv })).sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// API results

export function onApiResult(k: KubeletState, result: ApiResult, nowMs: number, out: Output): void {
  if (ownsTag(k.pods, result.tag)) return onPodDeltas(k, informerResult(k.pods, result, k.client, out, nowMs), nowMs, out);
  if (ownsTag(k.node, result.tag)) {
    informerResult(k.node, result, k.client, out, nowMs);
    return;
  }
  if (ownsTag(k.services, result.tag)) {
    informerResult(k.services, result, k.client, out, nowMs);
    return;
  }
  const [kind, detail] = result.tag.split(':');
  switch (kind) {
    case 'register':
      if (result.code === 201 || result.code === 409) {
        k.registered = true;
        postNodeStatus(k, nowMs, out, true);
      } else {
        out.timers.push({ id: 'kubelet-register', delayMs: REGISTER_RETRY_MS, event: { type: 'KubeletRegister' } });
      }
      return;
    case 'lease':
      if (detail === 'get') {
        if (result.code === 200 && !isStatus(result.body)) k.lease = result.body;
        else retryLeaseWithBackoff(k, out);
        return;
      }
      return onLeaseResult(k, result, out, nowMs);
    case 'node-status':
      if (result.code !== 200) k.lastPostedStatusKey = '';
      return;
    case 'pod-status':
      return onPodStatusResult(k, detail ?? '', result, out, nowMs);
    case 'pvc':
      return onClaimResult(k, result.tag.slice('pvc:'.length), result, nowMs, out);
    default:
      return;
  }
}

export function onRegisterRetry(k: KubeletState, nowMs: number, out: Output): void {
  if (!k.registered) register(k, nowMs, out);
}

export function onApiWatch(k: KubeletState, delivery: WatchDelivery, nowMs: number, out: Output): void {
  if (ownsTag(k.pods, delivery.tag)) onPodDeltas(k, informerWatch(k.pods, delivery, k.client, out, nowMs), nowMs, out);
  else if (ownsTag(k.node, delivery.tag)) informerWatch(k.node, delivery, k.client, out, nowMs);
  else if (ownsTag(k.services, delivery.tag)) informerWatch(k.services, delivery, k.client, out, nowMs);
}

export function onInformerRetry(k: KubeletState, informer: string, what: 'list' | 'watch', out: Output, nowMs: number): void {
  const inf = [k.node, k.services].find((i) => i.config.name === informer) ?? k.pods;
  informerRetry(inf, what, k.client, out, nowMs);
}

// ---------------------------------------------------------------------------------------------
// Pods

function onPodDeltas(k: KubeletState, deltas: Delta[], nowMs: number, out: Output): void {
  for (const d of deltas) {
    const pod = d.object as unknown as V1Pod;
    const key = objectKey(d.object);
    const worker = k.workers.get(key);
    if (d.type === 'deleted') {
      if (worker) removeWorker(k, worker, out);
      continue;
    }
    if (worker && worker.pod.metadata?.uid !== pod.metadata?.uid) removeWorker(k, worker, out);
    const current = k.workers.get(key);
    if (!current) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      if (pod.metadata?.deletionTimestamp) {
        // Never started here: nothing to stop, the object can go.
        deletePod(k, key, pod, out, nowMs);
        continue;
      }
      startWorker(k, key, pod, nowMs, out);
    } else {
      const apiStatus = pod.status;
      current.pod = { ...pod, status: current.pod.status } as V1Pod;
      if (pod.metadata?.deletionTimestamp && current.volumeWait) {
        // Its containers never started: nothing to stop, the object can go.
        removeWorker(k, current, out);
        deletePod(k, key, pod, out, nowMs);
        continue;
      }
      if (!current.statusInFlight && !current.deleteSent && statusNeedsReconcile(apiStatus, current.pod.status)) {
        sendPodStatus(k, current, current.pod.status as unknown as Record<string, unknown>, out, nowMs);
      }
      if (pod.metadata?.deletionTimestamp && !current.deleteRequested && k.config.variant?.ignoreDeletion) {
        // The broken kubelet: the pod is forgotten and its object released, its containers left running.
        k.workers.delete(key);
        k.usedIpSlots.delete(current.ipSlot);
        out.cancels.push(wakeTimerId(key));
        deletePod(k, key, pod, out, nowMs);
        continue;
      }
      if (pod.metadata?.deletionTimestamp && !current.deleteRequested) {
        current.deleteRequested = true;
        const grace = pod.metadata.deletionGracePeriodSeconds;
        stepWorker(k, current, { type: 'DeleteRequested', ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) }, nowMs, out);
      }
    }
  }
}

function startWorker(k: KubeletState, key: string, pod: V1Pod, nowMs: number, out: Output): void {
  const free = nextPodIpSlot(k.usedIpSlots, k.lastIpSlot);
  // Every address taken (more pods than the /24 holds): the last slot, shared, as before.
  const slot = free >= 0 ? free : POD_IPS_PER_NODE - 1;
  k.usedIpSlots.add(slot);
  k.lastIpSlot = slot;
  // The node's labels as registered (kubernetes.io/hostname and the rest), for nodeSelector checks.
  const labels = (nodeObject(k.params, nowMs).metadata as { labels?: Record<string, string> }).labels;
  const admission = admitPod(nodeAllocatable(k.params) as never, [...k.workers.values()].map((w) => w.pod), pod, labels);
  // makeEnvironmentVariables: the Services that exist now, and only those, give the pod variables.
  const serviceEnv = podServiceEnv([...k.services.store.values()], pod.metadata?.namespace ?? 'default', pod.spec?.enableServiceLinks !== false);
  const worker: Worker = { key, pod, state: newPodRuntimeState(pod), ipSlot: slot, deleteRequested: false, deleteSent: false, pendingStatus: null, statusInFlight: false, volumeWait: null, runningContainers: 0, serviceEnv };
  k.workers.set(key, worker);
  const bound: PodEvent = { type: 'PodBound', hostIP: nodeInternalIP(k.params), podIP: allocatePodIP(k.params.index, slot), admission };
  const claims = podClaimVolumes(pod).map(([, claim]) => claim);
  // A pod admission rejects is rejected at once; volumes are waited for only by an admitted pod.
  if (claims.length === 0 || !admission.ok) return stepWorker(k, worker, bound, nowMs, out);
  worker.volumeWait = { unbound: new Set(claims), inFlight: 0, sinceMs: nowMs, reported: false, bound };
  readClaims(k, worker, out, nowMs);
}

/** GETs every claim of a waiting pod not yet seen Bound. */
function readClaims(k: KubeletState, worker: Worker, out: Output, nowMs: number): void {
  const wait = worker.volumeWait!;
  const ns = worker.pod.metadata?.namespace ?? 'default';
  for (const claim of [...wait.unbound].sort()) {
    wait.inFlight++;
    request(k.client, { verb: 'get', apiVersion: 'v1', resource: 'persistentvolumeclaims', namespace: ns, name: claim }, `pvc:${worker.key}|${worker.pod.metadata?.uid ?? ''}|${claim}`, out, nowMs);
  }
}

function onClaimResult(k: KubeletState, detail: string, result: ApiResult, nowMs: number, out: Output): void {
  const [key = '', uid = '', claim = ''] = detail.split('|');
  const worker = k.workers.get(key);
  const wait = worker?.volumeWait;
  // An answer for an earlier pod of the same name (a StatefulSet's replacement) is not this one's.
  if (!worker || !wait || (worker.pod.metadata?.uid ?? '') !== uid) return;
  wait.inFlight--;
  if (isClaimBound(result.code, result.body)) wait.unbound.delete(claim);
  if (wait.inFlight > 0) return;
  if (wait.unbound.size === 0) {
    worker.volumeWait = null;
    return stepWorker(k, worker, wait.bound, nowMs, out);
  }
  if (!wait.reported && nowMs - wait.sinceMs >= VOLUME_MOUNT_TIMEOUT_MS) {
    wait.reported = true;
    const unmounted = podClaimVolumes(worker.pod).filter(([, claim]) => wait.unbound.has(claim)).map(([volume]) => volume);
    postEvent(k, worker.pod, { atMs: nowMs, type: 'Warning', reason: 'FailedMount', message: failedMountMessage(unmounted) }, out, nowMs);
  }
  out.timers.push({ id: wakeTimerId(worker.key), delayMs: VOLUME_POLL_MS, event: { type: 'KubeletPodWake', key: worker.key } });
}

function removeWorker(k: KubeletState, worker: Worker, out: Output): void {
  // The pod is gone from the API (or replaced by another uid): the kubelet kills what still runs
  // (HandlePodRemoves), at once.
  traceRunning(k, worker, 0, out);
  k.workers.delete(worker.key);
  k.usedIpSlots.delete(worker.ipSlot);
  out.cancels.push(wakeTimerId(worker.key));
}

function wakeTimerId(key: string): string {
  return `kubelet-pod-${key}`;
}

/** The pod's wake-up timer fired. */
export function onPodWake(k: KubeletState, key: string, nowMs: number, out: Output): void {
  const worker = k.workers.get(key);
  if (!worker) return;
  if (worker.volumeWait) return readClaims(k, worker, out, nowMs);
  stepWorker(k, worker, { type: 'Tick' }, nowMs, out);
}

function stepWorker(k: KubeletState, worker: Worker, event: PodEvent, nowMs: number, out: Output): void {
  const r = step(worker.state, event, nowMs, { images: k.images, config: k.config, randomInt: k.randomInt });
  worker.state = r.state;
  k.images = r.images;
  traceRunning(k, worker, runningContainerCount(worker.state), out);
  if (isDnsServerPod(worker.pod)) noteDnsPods(k, nowMs, out);
  for (const e of r.events) postEvent(k, worker.pod, e, out, nowMs);
  if (r.status !== undefined) {
    const before = podSummary(worker.pod);
    worker.pod = { ...worker.pod, status: r.status } as unknown as V1Pod;
    const after = podSummary(worker.pod);
    if (before.phase !== after.phase || before.ready !== after.ready) {
      const meta = worker.pod.metadata ?? {};
      out.traces.push({ kind: 'k8s.pod', fields: { node: k.params.name, namespace: meta.namespace ?? 'default', pod: meta.name ?? '', phase: after.phase, ready: after.ready } });
    }
    sendPodStatus(k, worker, r.status as unknown as Record<string, unknown>, out, nowMs);
  }
  // Arming the wake timer replaces the one armed (core-actor.ts); cancel it only when none is wanted.
  if (r.wakeAtMs !== undefined) out.timers.push({ id: wakeTimerId(worker.key), delayMs: Math.max(0, r.wakeAtMs - nowMs), event: { type: 'KubeletPodWake', key: worker.key } });
  else out.cancels.push(wakeTimerId(worker.key));
  if (r.readyToDelete && !worker.deleteSent) {
    worker.deleteSent = true;
    deletePod(k, worker.key, worker.pod, out, nowMs);
  }
}

/**
 * `k8s.running`: what the node's container runtime runs, whether or not the apiserver hears of
 * it — a partitioned node's containers keep running. Traced on every change of a pod's count of
 * live containers; scenario expectations (`that.running`) add these up across nodes.
 */
function traceRunning(k: KubeletState, worker: Worker, running: number, out: Output): void {
  if (running === worker.runningContainers) return;
  worker.runningContainers = running;
  const meta = worker.pod.metadata ?? {};
  const controller = (meta.ownerReferences ?? []).find((o) => o.controller);
  const templateHash = meta.labels?.['pod-template-hash'];
  out.traces.push({
    kind: 'k8s.running',
    fields: {
      node: k.params.name,
      namespace: meta.namespace ?? 'default',
      pod: meta.name ?? '',
      ...(controller ? { controller: `${controller.kind}/${controller.name}` } : {}),
      ...(templateHash !== undefined ? { templateHash } : {}),
      running,
    },
  });
}

function sendPodStatus(k: KubeletState, worker: Worker, status: Record<string, unknown>, out: Output, nowMs: number): void {
  if (worker.statusInFlight) {
    worker.pendingStatus = status;
    return;
  }
  worker.statusInFlight = true;
  const meta = worker.pod.metadata ?? {};
  request(
    k.client,
    { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'pods', namespace: meta.namespace ?? 'default', name: meta.name ?? '', subresource: 'status', body: { status } as KubeObject },
    `pod-status:${worker.key}`,
    out,
    nowMs,
  );
}

/**
 * The status manager's sync period (kubelet `syncPeriod` in status_manager.go): a status update
 * the apiserver refused is sent again this much later.
 */
export const POD_STATUS_RESYNC_MS = 10_000;

function statusResyncTimerId(key: string): string {
  return `pod-status-resync:${key}`;
}

function onPodStatusResult(k: KubeletState, key: string, result: ApiResult, out: Output, nowMs: number): void {
  const worker = k.workers.get(key);
  if (!worker) return;
  worker.statusInFlight = false;
  // A failed post is retried with the latest status (the status manager's resync, kept short).
  const next = worker.pendingStatus ?? (result.code >= 500 ? ((worker.pod.status as unknown as Record<string, unknown>) ?? null) : null);
  worker.pendingStatus = null;
  if (next) sendPodStatus(k, worker, next, out, nowMs);
  else if (result.code >= 400 && result.code !== 404) {
    // Refused (a 403 from an apiserver whose Node authorizer has not yet seen the pod bound to this
    // node, a 409, a 429): the status manager's periodic sync sends it again, as the real one does.
    out.timers.push({ id: statusResyncTimerId(key), delayMs: POD_STATUS_RESYNC_MS, event: { type: 'KubeletPodStatusResync', key } });
  }
}

export function onPodStatusResync(k: KubeletState, key: string, out: Output, nowMs: number): void {
  const worker = k.workers.get(key);
  if (!worker || worker.statusInFlight || worker.deleteSent) return;
  sendPodStatus(k, worker, worker.pod.status as unknown as Record<string, unknown>, out, nowMs);
}

function deletePod(k: KubeletState, _key: string, pod: V1Pod, out: Output, nowMs: number): void {
  const meta = pod.metadata ?? {};
  request(k.client, { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: meta.namespace ?? 'default', name: meta.name ?? '', options: { gracePeriodSeconds: 0 } }, 'pod-delete', out, nowMs);
}

function postEvent(k: KubeletState, pod: V1Pod, e: KubeletEvent, out: Output, nowMs: number): void {
  const meta = pod.metadata ?? {};
  out.traces.push({ kind: 'k8s.event', fields: { reporter: k.params.name, namespace: meta.namespace ?? 'default', object: `pod/${meta.name ?? ''}`, type: e.type, reason: e.reason, message: e.message } });
  const namespace = meta.namespace ?? 'default';
  const when = timestamp(e.atMs);
  const name = `${meta.name ?? 'pod'}.${(++k.eventCounter).toString(16).padStart(8, '0')}${k.params.index.toString(16)}`;
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { kind: 'Pod', namespace, name: meta.name, uid: meta.uid, apiVersion: 'v1', ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}) },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: { component: 'kubelet', host: k.params.name },
    reportingComponent: 'kubelet',
    reportingInstance: k.params.name,
    firstTimestamp: when,
    lastTimestamp: when,
    count: 1,
  };
  request(k.client, { verb: 'create', apiVersion: 'v1', resource: 'events', namespace, body }, 'event', out, nowMs);
}

export function stopWatches(k: KubeletState, out: Output): void {
  if (k.pods.watchReqId !== null) cancelWatch(k.client, k.pods.watchReqId, out);
  if (k.node.watchReqId !== null) cancelWatch(k.client, k.node.watchReqId, out);
}

function podSummary(pod: V1Pod): { phase: string; ready: boolean } {
  const status = pod.status;
  return { phase: status?.phase ?? 'Pending', ready: isPodReady(pod) };
}
