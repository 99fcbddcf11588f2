/**
 * What the kubelet posts: a pod's status (phase, conditions, container statuses, IPs, start
 * time) computed from the pod worker's state, and the node's status and registration object.
 * Timestamps are RFC 3339 strings from virtual time (`actors/api/time.ts`), as in Kubernetes JSON.
 *
 * The rules follow the kubelet: `getPhase` (kubelet_pods.go), `GeneratePodInitializedCondition`,
 * `GenerateContainersReadyCondition`, `GeneratePodReadyCondition` (status/generate.go), and
 * lastTransitionTime kept while a condition's status is unchanged (status manager).
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { formatMilli, toMilli, toUnits } from '../api/quantity.ts';
import { timestamp } from '../api/time.ts';
import { podRequests } from './admission.ts';
import { fakeHex64 } from './format.ts';
import { nodeImageList, parseImageRef, type ImageCacheState } from './images.ts';
import type { PodRuntimeState } from './pod-worker.ts';
import { containerView, restartCount, type ContainerView, type Terminated } from './runtime.ts';

// ---------------------------------------------------------------------------------------------
// Pod status
// ---------------------------------------------------------------------------------------------

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodConditionJson {
  type: string;
  status: ConditionStatus;
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface ContainerStateJson {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatusJson {
  name: string;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface PodStatusJson {
  phase: PodPhase;
  conditions?: PodConditionJson[];
  message?: string;
  reason?: string;
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatusJson[];
  containerStatuses?: ContainerStatusJson[];
  qosClass?: 'BestEffort' | 'Burstable' | 'Guaranteed';
}

export const NODE_SHUTDOWN_REASON = 'Terminated';
export const NODE_SHUTDOWN_MESSAGE = 'Pod was terminated in response to imminent node shutdown.';

interface Views {
  init: { view: ContainerView; sidecar: boolean; name: string }[];
  regular: { view: ContainerView; name: string }[];
}

function views(s: PodRuntimeState): Views {
  const out: Views = { init: [], regular: [] };
  s.containers.forEach((c, i) => {
    const view = containerView(c, s.defaultWaitingReason);
    if (i < s.initCount) out.init.push({ view, sidecar: c.sidecar, name: c.name });
    else out.regular.push({ view, name: c.name });
  });
  return out;
}

function anyRegularStarted(v: Views): boolean {
  return v.regular.some(({ view }) => view.state.kind !== 'waiting' || view.last !== undefined);
}

/** `getPhase`, with `podIsTerminal` once the worker has stopped every container. */
export function podPhase(s: PodRuntimeState): PodPhase {
  return phaseOf(s, views(s));
}

function phaseOf(s: PodRuntimeState, v: Views): PodPhase {
  if (s.stage === 'rejected') return 'Failed';
  if (s.stage === 'new') return 'Pending';
  const podIsTerminal = s.stage === 'terminated';
  if (podIsTerminal && s.shutdown) return 'Failed';
  let pendingInit = 0;
  let failedInit = 0;
  for (const { view, sidecar } of v.init) {
    if (sidecar) continue;
    const st = view.state;
    if (st.kind === 'running') pendingInit++;
    else if (st.kind === 'terminated') {
      if (st.terminated.exitCode !== 0) failedInit++;
    } else if (view.last !== undefined) {
      if (view.last.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const { view } of v.regular) {
    const st = view.state;
    if (st.kind === 'running') running++;
    else if (st.kind === 'terminated') {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (view.last !== undefined) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && s.restartPolicy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !anyRegularStarted(v)) || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (s.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (s.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export interface ConditionValue {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
}

const goList = (names: string[]): string => `[${names.join(' ')}]`;

function cond(type: string, status: ConditionStatus, reason?: string, message?: string): ConditionValue {
  const c: ConditionValue = { type, status };
  if (reason !== undefined) c.reason = reason;
  if (message !== undefined) c.message = message;
  return c;
}

/** Conditions only the kubelet writes (kubetypes.PodConditionByKubelet). */
const KUBELET_CONDITIONS: ReadonlySet<string> = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

/**
 * The kubelet-owned conditions in the order the kubelet writes them:
 * [DisruptionTarget], PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled.
 */
export function podConditionValues(s: PodRuntimeState): ConditionValue[] {
  if (s.stage === 'new' || s.stage === 'rejected') return [];
  const v = views(s);
  const phase = phaseOf(s, v);
  const out: ConditionValue[] = [];
  if (s.shutdown) out.push(cond('DisruptionTarget', 'True', 'TerminationByKubelet', NODE_SHUTDOWN_MESSAGE));
  out.push(cond('PodReadyToStartContainers', s.sandboxUp ? 'True' : 'False'));

  // Initialized
  const incomplete = v.init.filter(({ view, sidecar }) => (sidecar ? !view.started : !(view.state.kind === 'terminated' && view.state.terminated.exitCode === 0))).map((x) => x.name);
  if (phase === 'Succeeded') out.push(cond('Initialized', 'True', 'PodCompleted'));
  else if (anyRegularStarted(v) || incomplete.length === 0) out.push(cond('Initialized', 'True'));
  else out.push(cond('Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: ${goList(incomplete)}`));

  // ContainersReady, then Ready (which copies it unless readiness gates say otherwise)
  let containersReady: ConditionValue;
  const unready = [...v.init.filter((x) => x.sidecar && !x.view.ready), ...v.regular.filter((x) => !x.view.ready)].map((x) => x.name);
  if (phase === 'Succeeded') containersReady = cond('ContainersReady', 'False', 'PodCompleted');
  else if (phase === 'Failed') containersReady = cond('ContainersReady', 'False', 'PodFailed');
  else if (unready.length > 0) containersReady = cond('ContainersReady', 'False', 'ContainersNotReady', `containers with unready status: ${goList(unready)}`);
  else containersReady = cond('ContainersReady', 'True');
  let ready: ConditionValue;
  if (containersReady.status !== 'True') ready = { ...containersReady, type: 'Ready' };
  else {
    const messages: string[] = [];
    const existing = (s.pod.status?.conditions ?? []) as { type: string; status: string }[];
    for (const gate of s.pod.spec?.readinessGates ?? []) {
      const c = existing.find((x) => x.type === gate.conditionType);
      if (c === undefined) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
      else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
    }
    ready = messages.length > 0 ? cond('Ready', 'False', 'ReadinessGatesNotReady', messages.join(', ')) : cond('Ready', 'True');
  }
  out.push(ready, containersReady);
  out.push(cond('PodScheduled', 'True'));
  return out;
}

function terminatedJson(t: Terminated): NonNullable<ContainerStateJson['terminated']> {
  const out: NonNullable<ContainerStateJson['terminated']> = { exitCode: t.exitCode, reason: t.reason };
  if (t.message !== undefined) out.message = t.message;
  if (t.startedAtMs !== undefined) out.startedAt = timestamp(t.startedAtMs);
  if (t.finishedAtMs !== undefined) out.finishedAt = timestamp(t.finishedAtMs);
  if (t.containerId !== undefined) out.containerID = t.containerId;
  return out;
}

function containerStatusJson(s: PodRuntimeState, index: number): ContainerStatusJson {
  const c = s.containers[index]!;
  const view = containerView(c, s.defaultWaitingReason);
  let state: ContainerStateJson;
  switch (view.state.kind) {
    case 'waiting':
      state = { waiting: view.state.message === undefined ? { reason: view.state.reason } : { reason: view.state.reason, message: view.state.message } };
      break;
    case 'running':
      state = { running: { startedAt: timestamp(view.state.startedAtMs) } };
      break;
    case 'terminated':
      state = { terminated: terminatedJson(view.state.terminated) };
      break;
  }
  const ref = parseImageRef(c.image);
  // Completed init containers report ready: true.
  const initDone = c.init && !c.sidecar && view.state.kind === 'terminated' && view.state.terminated.exitCode === 0;
  const out: ContainerStatusJson = {
    name: c.name,
    state,
    lastState: view.last === undefined ? {} : { terminated: terminatedJson(view.last) },
    ready: view.ready || initDone,
    restartCount: restartCount(c),
    image: c.image,
    imageID: c.everStarted ? `${ref.repository}@sha256:${fakeHex64(ref.key)}` : '',
    started: view.started,
  };
  if (view.containerId !== undefined) out.containerID = view.containerId;
  return out;
}

/** `v1qos.GetPodQOS`: only cpu and memory count; a limit without a request defaults the request. */
export function qosClass(pod: V1Pod): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const all: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const value = (name: string, q: string | number): number => {
    try {
      return name === 'cpu' ? toMilli(q) : toUnits(q);
    } catch {
      return 0;
    }
  };
  for (const c of all) {
    const req = (c.resources?.requests ?? {}) as Record<string, string | number>;
    const lim = (c.resources?.limits ?? {}) as Record<string, string | number>;
    let limitsFound = 0;
    for (const name of ['cpu', 'memory']) {
      const l = lim[name] === undefined ? 0 : value(name, lim[name]!);
      const r = req[name] !== undefined ? value(name, req[name]!) : l;
      if (r > 0) requests.set(name, (requests.get(name) ?? 0) + r);
      if (l > 0) {
        limits.set(name, (limits.get(name) ?? 0) + l);
        limitsFound++;
      }
    }
    if (limitsFound < 2) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false;
    if (requests.size !== limits.size) guaranteed = false;
  }
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The PodStatus the kubelet posts for this worker state. */
export function podStatus(s: PodRuntimeState): PodStatusJson {
  if (s.stage === 'rejected') {
    return { phase: 'Failed', message: `Pod was rejected: ${s.rejection?.message ?? ''}`, reason: s.rejection?.reason ?? 'UnexpectedAdmissionError' };
  }
  const v = views(s);
  const out: PodStatusJson = { phase: phaseOf(s, v) };
  if (s.stage === 'new') return out;
  const own = podConditionValues(s).map((c) => {
    const mark = s.conditions[c.type];
    const json: PodConditionJson = { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: timestamp(mark?.sinceMs ?? s.admittedAtMs ?? 0) };
    if (c.reason !== undefined) json.reason = c.reason;
    if (c.message !== undefined) json.message = c.message;
    return json;
  });
  // The kubelet's status manager (mergePodStatus) keeps the conditions others own — the
  // scheduler's DisruptionTarget on a preemption victim, readiness gates' conditions — before its own.
  const ownTypes = new Set(own.map((c) => c.type));
  const foreign: PodConditionJson[] = [];
  for (const c of s.pod.status?.conditions ?? []) {
    if (KUBELET_CONDITIONS.has(c.type) || ownTypes.has(c.type)) continue;
    // The pod is the API's JSON: its times are RFC 3339 strings, whatever the model type says.
    const status = c.status === 'True' || c.status === 'False' ? c.status : 'Unknown';
    const json: PodConditionJson = { type: c.type, status, lastProbeTime: null, lastTransitionTime: String(c.lastTransitionTime ?? '') };
    if (c.reason !== undefined) json.reason = c.reason;
    if (c.message !== undefined) json.message = c.message;
    foreign.push(json);
  }
  out.conditions = [...foreign, ...own];
  if (s.shutdown) {
    out.message = NODE_SHUTDOWN_MESSAGE;
    out.reason = NODE_SHUTDOWN_REASON;
  }
  if (s.hostIP !== undefined) {
    out.hostIP = s.hostIP;
    out.hostIPs = [{ ip: s.hostIP }];
  }
  if (s.podIP !== undefined && s.podIPAssigned) {
    out.podIP = s.podIP;
    out.podIPs = [{ ip: s.podIP }];
  }
  if (s.admittedAtMs !== undefined) out.startTime = timestamp(s.admittedAtMs);
  if (s.initCount > 0) out.initContainerStatuses = s.containers.slice(0, s.initCount).map((_, i) => containerStatusJson(s, i));
  // The kubelet sorts regular container statuses by name.
  out.containerStatuses = s.containers
    .slice(s.initCount)
    .map((_, i) => containerStatusJson(s, s.initCount + i))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  out.qosClass = qosClass(s.pod);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pod IPs
// ---------------------------------------------------------------------------------------------

export const MAX_NODES = 65_536;
/** Pods per node CIDR: .2 … .254 of a /24 (.0 network, .1 the bridge, .255 broadcast). */
export const POD_IPS_PER_NODE = 253;

/**
 * Node `i`'s pod CIDR, a /24 as with kubeadm + flannel: `10.<(244 + ⌊i/256⌋) mod 256>.<i mod 256>.0/24`,
 * so nodes 0–255 get 10.244.i.0/24 and every index below 65536 gets its own block.
 */
export function nodePodCIDR(nodeIndex: number): string {
  if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex >= MAX_NODES) throw new RangeError(`node index ${nodeIndex} is outside 0..${MAX_NODES - 1}`);
  return `10.${(244 + Math.floor(nodeIndex / 256)) % 256}.${nodeIndex % 256}.0/24`;
}

/**
 * The slot of a new pod's IP: the first free one after the last handed out, wrapping round — the
 * CNI host-local IPAM's order (its allocator resumes after `last_reserved_ip`), so an address just
 * freed is not given again until the range comes round, and a kube-proxy rule still pointing at a
 * deleted pod does not reach the next pod on the node. -1 when every slot is taken.
 */
export function nextPodIpSlot(used: ReadonlySet<number>, lastSlot: number): number {
  for (let i = 1; i <= POD_IPS_PER_NODE; i++) {
    const slot = (((lastSlot + i) % POD_IPS_PER_NODE) + POD_IPS_PER_NODE) % POD_IPS_PER_NODE;
    if (!used.has(slot)) return slot;
  }
  return -1;
}

/** The `n`-th pod IP (0-based) of node `nodeIndex`'s pod CIDR: 10.244.<i>.<n + 2>. */
export function allocatePodIP(nodeIndex: number, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= POD_IPS_PER_NODE) throw new RangeError(`pod IP slot ${n} is outside 0..${POD_IPS_PER_NODE - 1}`);
  const cidr = nodePodCIDR(nodeIndex);
  return `${cidr.slice(0, cidr.lastIndexOf('.'))}.${n + 2}`;
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

export interface TaintJson {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeParams {
  name: string;
  /** 0-based position in the cluster: pod CIDR and default InternalIP. */
  index: number;
  zone?: string;
  region?: string;
  labels?: Readonly<Record<string, string>>;
  taints?: readonly TaintJson[];
  unschedulable?: boolean;
  /** Default cpu "4", memory "16Gi", pods 110, ephemeral-storage "100Gi". */
  capacity?: { cpu?: string; memory?: string; pods?: number; 'ephemeral-storage'?: string };
  systemReserved?: { cpu?: string; memory?: string; 'ephemeral-storage'?: string };
  kubeReserved?: { cpu?: string; memory?: string; 'ephemeral-storage'?: string };
  /** Hard eviction: memory.available (default "100Mi") and nodefs.available percent (default 10). */
  evictionHard?: { memoryAvailable?: string; nodefsAvailablePercent?: number };
  internalIP?: string;
  architecture?: string;
  kubeletVersion?: string;
  osImage?: string;
  kernelVersion?: string;
  containerRuntimeVersion?: string;
  /** Incremented on each kubelet restart: changes `bootID`. */
  bootCount?: number;
  /** Forced pressure conditions (a scenario's fault). */
  pressure?: { memory?: boolean; disk?: boolean; pid?: boolean };
  /** When set, Ready=False with reason KubeletNotReady and this message. */
  notReadyMessage?: string;
}

export interface NodeConditionJson {
  type: 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'Ready';
  status: ConditionStatus;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface NodeStatusJson {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  conditions: NodeConditionJson[];
  addresses: { type: 'InternalIP' | 'Hostname'; address: string }[];
  daemonEndpoints: { kubeletEndpoint: { Port: number } };
  nodeInfo: {
    machineID: string;
    systemUUID: string;
    bootID: string;
    kernelVersion: string;
    osImage: string;
    containerRuntimeVersion: string;
    kubeletVersion: string;
    kubeProxyVersion: string;
    operatingSystem: 'linux';
    architecture: string;
  };
  images?: { names: string[]; sizeBytes: number }[];
}

export interface NodeJson {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { podCIDR: string; podCIDRs: string[]; taints?: TaintJson[]; unschedulable?: boolean };
  status: NodeStatusJson;
}

export const DEFAULT_NODE_CAPACITY = { cpu: '4', memory: '16Gi', pods: 110, 'ephemeral-storage': '100Gi' } as const;
export const DEFAULT_KUBELET_VERSION = 'v1.32.0';

/** Default InternalIP: 172.18.<i / 250>.<i % 250 + 2>, as a kind-like docker network. */
export function nodeInternalIP(params: NodeParams): string {
  if (params.internalIP !== undefined) return params.internalIP;
  const i = params.index;
  return `172.18.${Math.floor(i / 250) % 256}.${(i % 250) + 2}`;
}

const uuid = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
const ki = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;

function quantityOr(name: 'cpu' | 'memory' | 'ephemeral-storage', q: string | undefined): number {
  if (q === undefined) return 0;
  return name === 'cpu' ? toMilli(q) : toUnits(q);
}

/** Capacity and allocatable in numbers: cpu milli, memory and ephemeral-storage bytes, pods. */
export function nodeResources(params: NodeParams): { capacity: { cpuMilli: number; memoryBytes: number; ephemeralBytes: number; pods: number }; allocatable: { cpuMilli: number; memoryBytes: number; ephemeralBytes: number; pods: number } } {
  const cap = { ...DEFAULT_NODE_CAPACITY, ...(params.capacity ?? {}) };
  const capacity = {
    cpuMilli: quantityOr('cpu', cap.cpu),
    memoryBytes: quantityOr('memory', cap.memory),
    ephemeralBytes: quantityOr('ephemeral-storage', cap['ephemeral-storage']),
    pods: Math.floor(Number(cap.pods)),
  };
  const reserved = (name: 'cpu' | 'memory' | 'ephemeral-storage'): number => quantityOr(name, params.systemReserved?.[name]) + quantityOr(name, params.kubeReserved?.[name]);
  const evictMem = quantityOr('memory', params.evictionHard?.memoryAvailable ?? '100Mi');
  const evictDisk = Math.floor((capacity.ephemeralBytes * (params.evictionHard?.nodefsAvailablePercent ?? 10)) / 100);
  return {
    capacity,
    allocatable: {
      cpuMilli: Math.max(0, capacity.cpuMilli - reserved('cpu')),
      memoryBytes: Math.max(0, capacity.memoryBytes - reserved('memory') - evictMem),
      ephemeralBytes: Math.max(0, capacity.ephemeralBytes - reserved('ephemeral-storage') - evictDisk),
      pods: capacity.pods,
    },
  };
}

/** The `NodeAllocatable` admission wants, as quantities. */
export function nodeAllocatable(params: NodeParams): { cpu: string; memory: string; pods: string; 'ephemeral-storage': string } {
  const a = nodeResources(params).allocatable;
  return { cpu: formatMilli(a.cpuMilli), memory: String(a.memoryBytes), pods: String(a.pods), 'ephemeral-storage': String(a.ephemeralBytes) };
}

export interface NodeStatusOptions {
  /** The previous conditions, to keep lastTransitionTime while a status is unchanged. */
  previous?: readonly NodeConditionJson[];
  images?: ImageCacheState;
  /** nodeMemoryPressure(params, pods), when the caller computed it already. */
  memoryPressure?: boolean;
}

/** Whether the node is under memory pressure: a simple usage model counts the memory requested by the non-terminal pods. */
export function nodeMemoryPressure(params: NodeParams, pods: readonly V1Pod[]): boolean {
  if (params.pressure?.memory === true) return true;
  const { capacity } = nodeResources(params);
  const evictMem = quantityOr('memory', params.evictionHard?.memoryAvailable ?? '100Mi');
  let usedMemory = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    usedMemory += podRequests(p).memoryBytes;
  }
  return capacity.memoryBytes - usedMemory < evictMem;
}

type NodeConditionValue = Pick<NodeConditionJson, 'type' | 'status' | 'reason' | 'message'>;

const MEMORY_PRESSURE: Readonly<Record<'True' | 'False', NodeConditionValue>> = {
  True: { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' },
  False: { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
};
const DISK_PRESSURE: Readonly<Record<'True' | 'False', NodeConditionValue>> = {
  True: { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
  False: { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
};
const PID_PRESSURE: Readonly<Record<'True' | 'False', NodeConditionValue>> = {
  True: { type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' },
  False: { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
};
const READY: NodeConditionValue = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };

/** The node's four conditions without their times, in the order the kubelet posts them. */
function nodeConditionValues(params: NodeParams, memoryPressure: boolean): NodeConditionValue[] {
  return [
    MEMORY_PRESSURE[memoryPressure ? 'True' : 'False'],
    DISK_PRESSURE[params.pressure?.disk ? 'True' : 'False'],
    PID_PRESSURE[params.pressure?.pid ? 'True' : 'False'],
    params.notReadyMessage !== undefined ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: params.notReadyMessage } : READY,
  ];
}

/**
 * What tells one node status from another for the same `params`, heartbeat times aside: the
 * conditions (type, status, reason, message) and the image list. The rest of the status is a
 * function of `params` alone, and a condition's lastTransitionTime is the previous one's while its
 * status is unchanged — so, against the conditions last posted, two statuses with the same key
 * differ only in their heartbeat times. The kubelet computes this every 10 s and builds the whole
 * status only when it posts (on a change, or every 5 min); building and serialising the whole
 * status to compare it cost ~4% of a 2000-node run.
 */
export function nodeStatusChangeKey(params: NodeParams, memoryPressure: boolean, nowMs: number, images?: ImageCacheState): string {
  let key = '';
  for (const c of nodeConditionValues(params, memoryPressure)) key += `${c.type}=${c.status}/${c.reason}/${c.message};`;
  if (images !== undefined) for (const i of nodeImageList(images, nowMs)) key += `|${i.names.join(',')}@${i.sizeBytes}`;
  return key;
}

/**
 * The node status the kubelet posts at `nowMs` (`lastHeartbeatTime` = now). `pods` are the pods
 * on the node, for MemoryPressure (`nodeMemoryPressure`).
 */
export function nodeStatus(params: NodeParams, pods: readonly V1Pod[], nowMs: number, options: NodeStatusOptions = {}): NodeStatusJson {
  const { capacity, allocatable } = nodeResources(params);
  const now = timestamp(nowMs);
  const previous = options.previous ?? [];
  const conditions = nodeConditionValues(params, options.memoryPressure ?? nodeMemoryPressure(params, pods)).map(({ type, status, reason, message }): NodeConditionJson => {
    const p = previous.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: now, lastTransitionTime: p !== undefined && p.status === status ? p.lastTransitionTime : now, reason, message };
  });
  const identity = nodeIdentity(params.name, params.bootCount ?? 0);
  const out: NodeStatusJson = {
    capacity: {
      cpu: formatMilli(capacity.cpuMilli),
      'ephemeral-storage': ki(capacity.ephemeralBytes),
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: ki(capacity.memoryBytes),
      pods: String(capacity.pods),
    },
    allocatable: {
      cpu: formatMilli(allocatable.cpuMilli),
      'ephemeral-storage': String(allocatable.ephemeralBytes),
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: ki(allocatable.memoryBytes),
      pods: String(allocatable.pods),
    },
    conditions,
    addresses: [
      { type: 'InternalIP', address: nodeInternalIP(params) },
      { type: 'Hostname', address: params.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: identity.machineID,
      systemUUID: identity.systemUUID,
      bootID: identity.bootID,
      kernelVersion: params.kernelVersion ?? '6.8.0-1015-generic',
      osImage: params.osImage ?? 'Ubuntu 24.04.1 LTS',
      containerRuntimeVersion: params.containerRuntimeVersion ?? 'containerd://1.7.22',
      kubeletVersion: params.kubeletVersion ?? DEFAULT_KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: params.architecture ?? 'amd64',
    },
  };
  if (options.images !== undefined) out.images = nodeImageList(options.images, nowMs);
  return out;
}

/**
 * A node's machine ID, system UUID and boot ID: pure functions of its name and boot count, hashed
 * once per boot rather than on every 10 s status sync (a memo: same input, same strings).
 */
const nodeIdentities = new Map<string, { machineID: string; systemUUID: string; bootID: string }>();
function nodeIdentity(name: string, bootCount: number): { machineID: string; systemUUID: string; bootID: string } {
  const key = `${name}/${bootCount}`;
  let id = nodeIdentities.get(key);
  if (id === undefined) {
    const hex = fakeHex64(`node/${name}`);
    id = { machineID: hex.slice(0, 32), systemUUID: uuid(hex.slice(32, 64)), bootID: uuid(fakeHex64(`boot/${name}/${bootCount}`)) };
    nodeIdentities.set(key, id);
  }
  return id;
}

/** The Node object the kubelet registers (`initialNode`): labels, pod CIDR, taints, status. */
export function nodeObject(params: NodeParams, nowMs: number, options: NodeStatusOptions = {}): NodeJson {
  const arch = params.architecture ?? 'amd64';
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': params.name,
    'kubernetes.io/os': 'linux',
  };
  if (params.region !== undefined) labels['topology.kubernetes.io/region'] = params.region;
  if (params.zone !== undefined) labels['topology.kubernetes.io/zone'] = params.zone;
  for (const [k, v] of Object.entries(params.labels ?? {})) labels[k] = v;
  const cidr = nodePodCIDR(params.index);
  const spec: NodeJson['spec'] = { podCIDR: cidr, podCIDRs: [cidr] };
  if (params.taints !== undefined && params.taints.length > 0) spec.taints = params.taints.map((t) => ({ ...t }));
  if (params.unschedulable) spec.unschedulable = true;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: params.name,
      labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
    status: nodeStatus(params, [], nowMs, options),
  };
}
