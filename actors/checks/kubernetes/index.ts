import type { TraceEvent } from '../../kernel/trace.ts';
import { checkEndpointsDropGonePods } from './endpoints.ts';
import { checkReadersNeverGoBack } from './reader.ts';

/**
 * Kubernetes safety, checked after a run on its trace: pure functions `(events) → violations`,
 * so `kubesim fuzz` judges a finished run with them and `kubesim check` can judge a saved trace.
 *
 * They read three kinds of lines:
 * - `k8s.write` (the apiserver, apiserver-core.ts `traceWrite`): every write an apiserver
 *   committed and acknowledges, with the resourceVersion it got, the one it replaced and the
 *   client's precondition; pods carry uid, node, phase, deletion, readiness, controllers,
 *   requests (on create); nodes their allocatable; Endpoints and EndpointSlices the pods they
 *   list as ready (endpoints.ts);
 * - `k8s.relist` (the informers, actors/client/informer.ts): what a reader held when it listed
 *   again and what the list gave it (reader.ts);
 * - `k8s.running` (the kubelets): what each node's container runtime runs — the ground truth a
 *   partition does not hide; `k8s.schedule`, `k8s.event` (reason Scheduled) and `k8s.leader`
 *   (the scheduler's decisions, acknowledged bindings and leadership);
 * - `fault` (the timeline): crashes take a node's runtime down; partitions, cuts and isolations
 *   say which hosts the control plane may have lost track of.
 *
 * Each sub-check names the Kubernetes rule it holds the run to (../shared/reference/k8s-semantics.md).
 */

export const KUBERNETES_CHECKS = [
  'BoundOnceToAnExistingNode',
  'NodeWithinAllocatable',
  'SchedulerFitsKnownPods',
  'UpdatePreconditionHeld',
  'AcknowledgedWriteKept',
  'OneController',
  'OneRunningPodPerOrdinal',
  'ReaderNeverGoesBack',
  'EndpointsDropGonePods',
] as const;

export type KubernetesCheckName = (typeof KUBERNETES_CHECKS)[number];

export interface KubernetesViolation {
  check: KubernetesCheckName;
  /** Virtual time (ms) and line number of the event that exposed it. */
  t: number;
  seq: number;
  detail: string;
}

export interface KubernetesFindings {
  violations: KubernetesViolation[];
  /** Not violations, said so the reader knows: two pods of one ordinal ran while a partition hid the older one. */
  notes: string[];
}

interface Resources {
  cpuMilli: number;
  memoryBytes: number;
}

interface Allocatable extends Resources {
  pods: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const podKey = (e: TraceEvent): string => `${str(e.namespace) || 'default'}/${str(e.name)}`;
const isPodWrite = (e: TraceEvent): boolean => e.kind === 'k8s.write' && e.resource === 'pods';
function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
const isTerminalPhase = (phase: unknown): boolean => phase === 'Succeeded' || phase === 'Failed';

function resourcesOf(v: unknown): Resources {
  const r = (v ?? {}) as Record<string, unknown>;
  return { cpuMilli: num(r.cpuMilli), memoryBytes: num(r.memoryBytes) };
}

function allocatableOf(v: unknown): Allocatable {
  const r = (v ?? {}) as Record<string, unknown>;
  return { ...resourcesOf(v), pods: num(r.pods) };
}

/** What exceeds `allocatable` when `pods` (with their requests) share a node: '' when nothing does. */
function overcommit(allocatable: Allocatable, requests: readonly Resources[]): string {
  const cpu = requests.reduce((a, r) => a + r.cpuMilli, 0);
  const memory = requests.reduce((a, r) => a + r.memoryBytes, 0);
  const over: string[] = [];
  if (cpu > allocatable.cpuMilli) over.push(`cpu ${cpu}m > ${allocatable.cpuMilli}m`);
  if (memory > allocatable.memoryBytes) over.push(`memory ${memory} > ${allocatable.memoryBytes} bytes`);
  if (requests.length > allocatable.pods) over.push(`pods ${requests.length} > ${allocatable.pods}`);
  return over.join(', ');
}

/**
 * BoundOnceToAnExistingNode. The binding subresource sets spec.nodeName once: binding a bound pod
 * is 409 `pod X is already assigned to node "Y"`, and nodeName is immutable after (pods/binding,
 * kube `pkg/registry/core/pod/storage` assignPod; k8s-semantics §7). The scheduler binds only to
 * nodes its node informer listed, so the node had been created before the binding committed.
 * Checked per pod uid on the acknowledged writes.
 */
export function checkBoundOnce(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const nodeCreatedAtRv = new Map<string, number>();
  const boundTo = new Map<string, string>();
  // In resourceVersion order: the apiservers' acknowledgements may reach the trace out of order.
  const writes = events.filter((e) => e.kind === 'k8s.write' && (e.resource === 'nodes' || e.resource === 'pods')).sort((a, b) => num(a.rv) - num(b.rv));
  for (const e of writes) {
    if (e.resource === 'nodes') {
      if (e.verb === 'create' && !nodeCreatedAtRv.has(str(e.name))) nodeCreatedAtRv.set(str(e.name), num(e.rv));
      continue;
    }
    const node = str(e.node);
    if (!node) continue;
    const uid = str(e.uid);
    const was = boundTo.get(uid);
    if (was === undefined) {
      boundTo.set(uid, node);
      if (!nodeCreatedAtRv.has(node)) out.push({ check: 'BoundOnceToAnExistingNode', t: e.t, seq: e.seq, detail: `pod ${podKey(e)} (uid ${uid}) was bound to node ${node}, which had never been created (resourceVersion ${num(e.rv)}, by ${str(e.client)})` });
    } else if (was !== node) {
      out.push({ check: 'BoundOnceToAnExistingNode', t: e.t, seq: e.seq, detail: `pod ${podKey(e)} (uid ${uid}) was bound to ${was}, then to ${node} (resourceVersion ${num(e.rv)}, by ${str(e.client)})` });
    }
  }
  return out;
}

/** The latest acknowledged create of each pod name, for its requests (a pod's requests are immutable). */
function podRequestsByName(events: readonly TraceEvent[]): (key: string, t: number) => Resources {
  const creates = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (!isPodWrite(e) || e.verb !== 'create') continue;
    const k = podKey(e);
    const list = creates.get(k) ?? [];
    list.push(e);
    creates.set(k, list);
  }
  return (key, t) => {
    const list = creates.get(key) ?? [];
    // The create's acknowledgement may be traced after its watch event reached a component.
    let found: TraceEvent | undefined = list[0];
    for (const c of list) if (c.t <= t) found = c;
    return resourcesOf(found?.requests);
  };
}

/** The allocatable each node's latest acknowledged write gave it, as of time t. */
function allocatableByNode(events: readonly TraceEvent[]): (node: string, t: number) => Allocatable | undefined {
  const writes = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.kind !== 'k8s.write' || e.resource !== 'nodes' || e.allocatable === undefined) continue;
    const list = writes.get(str(e.name)) ?? [];
    list.push(e);
    writes.set(str(e.name), list);
  }
  return (node, t) => {
    let found: TraceEvent | undefined;
    for (const w of writes.get(node) ?? []) if (w.t <= t) found = w;
    return found ? allocatableOf(found.allocatable) : undefined;
  };
}

/**
 * NodeWithinAllocatable. The kubelet admits a pod only if it fits the node's allocatable next to
 * the pods it already runs (`lifecycle.PredicateAdmitHandler`: OutOfcpu, OutOfmemory, OutOfpods;
 * k8s-semantics §3), so what a node's runtime runs (`k8s.running`) never requests more than its
 * allocatable. A crashed node's runtime goes down with it.
 */
export function checkNodeAllocatable(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const requestsOf = podRequestsByName(events);
  const allocatableOfNode = allocatableByNode(events);
  const running = new Map<string, Map<string, Resources>>();
  const reported = new Set<string>();
  for (const e of events) {
    if (e.kind === 'fault' && e.action === 'crash') {
      for (const n of (e.targets as string[] | undefined) ?? []) running.delete(n);
      continue;
    }
    if (e.kind !== 'k8s.running') continue;
    const node = str(e.node);
    const key = `${str(e.namespace) || 'default'}/${str(e.pod)}`;
    let pods = running.get(node);
    if (!pods) running.set(node, (pods = new Map()));
    if (num(e.running) === 0) {
      pods.delete(key);
      continue;
    }
    if (pods.has(key)) continue;
    pods.set(key, requestsOf(key, e.t));
    const allocatable = allocatableOfNode(node, e.t);
    if (!allocatable) continue;
    const over = overcommit(allocatable, [...pods.values()]);
    if (over && !reported.has(node)) {
      reported.add(node);
      out.push({ check: 'NodeWithinAllocatable', t: e.t, seq: e.seq, detail: `node ${node} runs ${[...pods.keys()].sort().join(', ')}: ${over}` });
    }
  }
  return out;
}

/**
 * SchedulerFitsKnownPods, the binding side of "no node runs more than its allocatable". The
 * scheduler assumes a pod on its node the moment it decides (AssumePod), so every later decision
 * of the same scheduler counts it until the informer shows it gone (k8s-semantics §7: "assume: the
 * cache records nodeName at once, so later pods see the resources as used"). So when a scheduler
 * binds P to N, P fits N next to every pod Q that the same scheduler, in the same term of
 * leadership, decided onto N before P, whose binding to N committed and was acknowledged to it
 * (its Scheduled event), and that had not become terminal or been deleted before P's decision.
 * Pods bound by others, or whose fate the scheduler may have lost, are left out: the check can
 * only miss a double booking, never invent one.
 */
export function checkSchedulerFit(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const allocatableOfNode = allocatableByNode(events);
  interface Decision { t: number; seq: number; scheduler: string; pod: string; node: string }
  const decisions: Decision[] = [];
  const leaderSince = new Map<string, number[]>();
  const acknowledged = new Set<string>();
  const bindings = new Map<string, { t: number; node: string; client: string }>();
  const gone = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'k8s.schedule' && typeof e.node === 'string') decisions.push({ t: e.t, seq: e.seq, scheduler: str(e.scheduler), pod: str(e.pod), node: e.node });
    else if (e.kind === 'k8s.leader' && e.component === 'kube-scheduler' && e.leader === true) {
      const host = str(e.identity).replace(/_[^_]*$/, '');
      pushTo(leaderSince, host, e.t);
    } else if (e.kind === 'k8s.event' && e.reason === 'Scheduled') acknowledged.add(`${str(e.reporter)}|${str(e.namespace) || 'default'}/${str(e.object).replace(/^pod\//, '')}`);
    else if (isPodWrite(e)) {
      const k = podKey(e);
      if (e.node !== undefined && !bindings.has(str(e.uid))) bindings.set(str(e.uid), { t: e.t, node: str(e.node), client: str(e.client) });
      // A delete line is the object's removal (a graceful delete is an update that sets deleting).
      if ((e.verb === 'delete' || isTerminalPhase(e.phase)) && !gone.has(`${k}|${str(e.uid)}`)) gone.set(`${k}|${str(e.uid)}`, e.t);
    }
  }
  const decisionsByPod = new Map<string, Decision[]>();
  for (const d of decisions) pushTo(decisionsByPod, d.pod, d);
  // Each pod uid's binding, with the decision that led to it (the scheduler's latest for that pod and node before it).
  const podBindings = [...bindings.entries()].map(([uid, b]) => ({ uid, ...b }));
  const uidKey = new Map<string, string>();
  const requestsOfUid = new Map<string, Resources>();
  for (const e of events) {
    if (!isPodWrite(e) || e.verb !== 'create') continue;
    uidKey.set(str(e.uid), podKey(e));
    requestsOfUid.set(str(e.uid), resourcesOf(e.requests));
  }
  const bound: { pod: string; uid: string; node: string; scheduler: string; decidedAt: number; decision: Decision }[] = [];
  for (const b of podBindings) {
    const pod = uidKey.get(b.uid);
    if (pod === undefined) continue;
    let decision: Decision | undefined;
    for (const d of decisionsByPod.get(pod) ?? []) if (d.node === b.node && d.scheduler === b.client && d.t <= b.t) decision = d;
    if (decision) bound.push({ pod, uid: b.uid, node: b.node, scheduler: b.client, decidedAt: decision.t, decision });
  }
  bound.sort((a, b) => a.decision.seq - b.decision.seq);
  const boundOnNode = new Map<string, typeof bound>();
  for (const b of bound) pushTo(boundOnNode, b.node, b);
  const reported = new Set<string>();
  for (const p of bound) {
    const sameTerm = (t: number): boolean => !(leaderSince.get(p.scheduler) ?? []).some((l) => l > t && l <= p.decidedAt);
    const known = boundOnNode.get(p.node)!.filter(
      (q) =>
        q !== p &&
        q.node === p.node &&
        q.scheduler === p.scheduler &&
        q.decision.seq < p.decision.seq &&
        sameTerm(q.decidedAt) &&
        acknowledged.has(`${q.scheduler}|${q.pod}`) &&
        !((gone.get(`${q.pod}|${q.uid}`) ?? Infinity) <= p.decidedAt),
    );
    const allocatable = allocatableOfNode(p.node, p.decidedAt);
    if (!allocatable) continue;
    const over = overcommit(allocatable, [...known, p].map((x) => requestsOfUid.get(x.uid) ?? { cpuMilli: 0, memoryBytes: 0 }));
    if (over && !reported.has(p.node)) {
      reported.add(p.node);
      out.push({
        check: 'SchedulerFitsKnownPods',
        t: p.decision.t,
        seq: p.decision.seq,
        detail: `${p.scheduler} bound ${p.pod} to ${p.node} next to ${known.map((q) => q.pod).join(', ')}, which it had bound there itself: ${over}`,
      });
    }
  }
  return out;
}

/**
 * UpdatePreconditionHeld ("no acknowledged write is lost"). An update that carries
 * metadata.resourceVersion succeeds only if it is the stored one, else 409 Conflict (optimistic
 * concurrency; k8s-semantics §1.1). An acknowledged update whose precondition is not the version
 * it replaced overwrote a write its client never saw: that write is lost.
 */
export function checkUpdatePreconditions(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  for (const e of events) {
    if (e.kind !== 'k8s.write' || e.precondition === undefined || e.replaced === undefined) continue;
    if (e.precondition !== e.replaced) {
      out.push({
        check: 'UpdatePreconditionHeld',
        t: e.t,
        seq: e.seq,
        detail: `${str(e.apiserver)} acknowledged ${str(e.client)}'s ${str(e.verb)} of ${str(e.resource)} ${podKey(e)} with resourceVersion ${num(e.precondition)}, but it replaced version ${num(e.replaced)}: the write at ${num(e.replaced)} is lost (resourceVersion ${num(e.rv)})`,
      });
    }
  }
  return out;
}

/**
 * AcknowledgedWriteKept. The apiserver writes with a compare on the key's mod revision
 * (GuaranteedUpdate; k8s-semantics §1.1), so along one key's acknowledged writes, in
 * resourceVersion order, each replaces a version at least as new as the one before it: a write
 * that replaced an older version overwrote an acknowledged one. Deletes end a key's chain.
 */
export function checkWriteChain(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const byKey = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.kind !== 'k8s.write') continue;
    const k = `${str(e.resource)}/${podKey(e)}`;
    const list = byKey.get(k) ?? [];
    list.push(e);
    byKey.set(k, list);
  }
  for (const [key, writes] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    writes.sort((a, b) => num(a.rv) - num(b.rv));
    let last: TraceEvent | undefined;
    for (const w of writes) {
      if (w.verb === 'create') last = undefined;
      if (last !== undefined && w.replaced !== undefined && num(w.replaced) < num(last.rv)) {
        out.push({ check: 'AcknowledgedWriteKept', t: w.t, seq: w.seq, detail: `${key}: the write at resourceVersion ${num(w.rv)} replaced version ${num(w.replaced)}, older than the acknowledged write at ${num(last.rv)} (${str(last.client)}), which is lost` });
      }
      last = w.verb === 'delete' ? undefined : w;
    }
  }
  return out;
}

/**
 * OneController. At most one ownerReference of an object has controller=true (apimachinery
 * ValidateOwnerReferences: "Only one reference can have Controller set to true"), and a
 * controller adopts only orphans (controller_ref_manager ClaimObject): a pod's controller never
 * passes straight from one owner to another.
 */
export function checkOneController(events: readonly TraceEvent[]): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const controllerOf = new Map<string, string>();
  for (const e of events.filter(isPodWrite).sort((a, b) => num(a.rv) - num(b.rv))) {
    const controllers = (e.controllers as string[] | undefined) ?? [];
    if (controllers.length > 1) out.push({ check: 'OneController', t: e.t, seq: e.seq, detail: `pod ${podKey(e)} has ${controllers.length} controllers: ${controllers.join(', ')}` });
    const uid = str(e.uid);
    const was = controllerOf.get(uid);
    const now = controllers[0];
    if (was !== undefined && now !== undefined && was !== now) out.push({ check: 'OneController', t: e.t, seq: e.seq, detail: `pod ${podKey(e)} passed from controller ${was} to ${now} without being released` });
    if (now === undefined) controllerOf.delete(uid);
    else controllerOf.set(uid, now);
  }
  return out;
}

/**
 * OneRunningPodPerOrdinal. A StatefulSet creates the pod of an ordinal again only once the old
 * one is gone from the API, and the kubelet removes the object only after its containers stopped
 * (k8s-semantics §3 delete: SIGKILL at grace expiry, then the kubelet removes the object with
 * grace 0; StatefulSet "at most one" pod identity). So two copies of `<set>-<ordinal>` never run
 * at once — as far as the control plane can know: a force deletion while the old copy's node is
 * cut off does make two run. Those overlaps are notes, not violations.
 */
export function checkOneOrdinal(events: readonly TraceEvent[]): KubernetesFindings {
  const violations: KubernetesViolation[] = [];
  const notes: string[] = [];
  const copies = new Map<string, Map<string, number>>();
  const cutOffSince = new Map<string, number>();
  const everCutOff = new Map<string, number[]>();
  const reported = new Set<string>();
  for (const e of events) {
    if (e.kind === 'fault') {
      const targets = (e.targets as string[] | undefined) ?? [];
      if (e.action === 'partition' || e.action === 'cut' || e.action === 'isolate') {
        for (const h of targets) {
          if (!cutOffSince.has(h)) cutOffSince.set(h, e.t);
          pushTo(everCutOff, h, e.t);
        }
      } else if (e.action === 'heal') for (const h of targets) cutOffSince.delete(h);
      else if (e.action === 'crash') for (const pods of copies.values()) for (const h of targets) pods.delete(h);
      continue;
    }
    if (e.kind !== 'k8s.running' || !str(e.controller).startsWith('StatefulSet/')) continue;
    const key = `${str(e.namespace) || 'default'}/${str(e.pod)}`;
    let nodes = copies.get(key);
    if (!nodes) copies.set(key, (nodes = new Map()));
    const node = str(e.node);
    if (num(e.running) === 0) {
      nodes.delete(node);
      continue;
    }
    if (nodes.has(node)) continue;
    nodes.set(node, e.t);
    if (nodes.size < 2 || reported.has(key)) continue;
    reported.add(key);
    const others = [...nodes].filter(([n]) => n !== node).sort(([a], [b]) => (a < b ? -1 : 1));
    // The older copy's node was cut off from the control plane at some time while it ran.
    const hidden = others.filter(([n, since]) => cutOffSince.has(n) || (everCutOff.get(n) ?? []).some((t) => t >= since));
    const where = `${key} runs on ${others.map(([n, since]) => `${n} (since ${since} ms)`).join(', ')} and on ${node}`;
    if (hidden.length > 0) notes.push(`${where}: a partition cut ${hidden.map(([n]) => n).join(', ')} off, so the control plane could not know (at ${e.t} ms)`);
    else violations.push({ check: 'OneRunningPodPerOrdinal', t: e.t, seq: e.seq, detail: where });
  }
  return { violations, notes };
}

export { checkEndpointsDropGonePods, controlPlaneWholeIntervals, ENDPOINTS_RECONNECT_BOUND_MS, ENDPOINTS_SYNC_BOUND_MS } from './endpoints.ts';
export { checkReadersNeverGoBack } from './reader.ts';

/** Every sub-check, in KUBERNETES_CHECKS order, and the notes. */
export function kubernetesSafetyFindings(events: readonly TraceEvent[]): KubernetesFindings {
  const ordinal = checkOneOrdinal(events);
  const readers = checkReadersNeverGoBack(events);
  return {
    violations: [
      ...checkBoundOnce(events),
      ...checkNodeAllocatable(events),
      ...checkSchedulerFit(events),
      ...checkUpdatePreconditions(events),
      ...checkWriteChain(events),
      ...checkOneController(events),
      ...ordinal.violations,
      ...readers.violations,
      ...checkEndpointsDropGonePods(events),
    ],
    notes: [...ordinal.notes, ...readers.notes],
  };
}

/** The Kubernetes safety property: every violation the sub-checks find on a trace. */
export function checkKubernetesSafety(events: readonly TraceEvent[]): KubernetesViolation[] {
  return kubernetesSafetyFindings(events).violations;
}
