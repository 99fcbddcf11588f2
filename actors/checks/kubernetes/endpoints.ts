import { MAX_BACKOFF_MS } from '../../client/informer.ts';
import type { TraceEvent } from '../../kernel/trace.ts';
import type { KubernetesViolation } from './index.ts';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * How long the Endpoints and EndpointSlice controllers may take to drop a pod once they can see
 * it go. Upstream: --endpoint-updates-batch-period defaults to 0 ("each pod update triggers an
 * endpoint update", pkg/controller/endpoint/config), the pod update reaches the controller's
 * informer as one watch event (milliseconds), and the sync is one write (one Raft commit). A sync
 * that fails (409 Conflict, the EndpointSlice controller's "informer cache is out of date") is
 * retried rate-limited: 5 ms doubling in kubesim's queues (and the Endpoints controller's), 1 s
 * doubling in the EndpointSlice controller's (mem) — two such retries and the write fit in 5 s.
 */
export const ENDPOINTS_SYNC_BOUND_MS = 5_000;

/**
 * After the control plane is whole again (below), how long the controller-manager's informers may
 * still be blind: a reflector whose watch broke backs off up to 30 s before it lists or watches
 * again (client-go reflector backoff 800 ms → 30 s; k8s-semantics §1.4), and a watch that a
 * partition only delayed delivers at once. The clock for ENDPOINTS_SYNC_BOUND_MS starts at the
 * later of the pod's change and the end of that window. Not when the control plane became whole
 * by a controller-manager taking the lease: it starts its informers then, afresh, with no backoff.
 */
export const ENDPOINTS_RECONNECT_BOUND_MS = MAX_BACKOFF_MS;

/** Hosts whose crash or cut-off hides a pod change from the controller-manager. */
const CONTROL_PLANE_HOST = /^(etcd-|kube-apiserver|kube-controller-manager-)/;
const CONTROLLER_MANAGER_CLIENT = /^kube-controller-manager-/;

interface Interval {
  from: number;
  to: number;
  /** It began with a controller-manager taking the lease: its informers start then, with no backoff. */
  fresh: boolean;
}

/**
 * When the controller-manager could see every change: no control-plane host (etcd, apiservers,
 * controller-managers) crashed or cut off by a partition, cut or isolation, and a
 * kube-controller-manager holding the lease. Half-open intervals; the last ends after the trace.
 * `fresh` when the interval began with a controller-manager taking the lease.
 */
export function controlPlaneWholeIntervals(events: readonly TraceEvent[]): Interval[] {
  const out: Interval[] = [];
  const cutOff = new Set<string>();
  const crashed = new Set<string>();
  const leaders = new Set<string>();
  let openSince: number | null = null;
  let fresh = false;
  let lastT = 0;
  for (const e of events) {
    lastT = e.t;
    let relevant = false;
    if (e.kind === 'fault') {
      const targets = ((e.targets as string[] | undefined) ?? []).filter((h) => CONTROL_PLANE_HOST.test(h));
      if (e.action === 'partition' || e.action === 'cut' || e.action === 'isolate') for (const h of targets) cutOff.add(h);
      else if (e.action === 'heal') for (const h of targets) cutOff.delete(h);
      else if (e.action === 'crash') {
        for (const h of targets) {
          crashed.add(h);
          for (const id of [...leaders]) if (id.replace(/_[^_]*$/, '') === h) leaders.delete(id);
        }
      } else if (e.action === 'restart') for (const h of targets) crashed.delete(h);
      relevant = true;
    } else if (e.kind === 'k8s.leader' && e.component === 'kube-controller-manager') {
      if (e.leader === true) leaders.add(str(e.identity));
      else leaders.delete(str(e.identity));
      relevant = true;
    }
    if (!relevant) continue;
    const whole = cutOff.size === 0 && crashed.size === 0 && leaders.size > 0;
    if (whole && openSince === null) {
      openSince = e.t;
      fresh = e.kind === 'k8s.leader';
    } else if (!whole && openSince !== null) {
      if (e.t > openSince) out.push({ from: openSince, to: e.t, fresh });
      openSince = null;
    }
  }
  if (openSince !== null) out.push({ from: openSince, to: lastT + 1, fresh });
  return out;
}

interface PodBad {
  from: number;
  to: number;
  /** 'deletion began', 'deleted', 'not ready', 'Succeeded'… */
  why: string;
}

/**
 * EndpointsDropGonePods. The Endpoints controller takes a pod out of a Service's addresses when
 * its deletion begins (deletionTimestamp set), when it is gone or terminal, and out of the ready
 * `addresses` when its Ready condition is not True; the EndpointSlice controller marks it
 * `ready: false` (k8s-semantics §"Endpoints / EndpointSlice": terminating pods are excluded, or
 * kept with ready=false in a slice; ready = podReady && !terminating). kube-proxy routes only to
 * ready endpoints, so a pod listed as ready after it went is traffic sent to a dying or unready
 * pod. The controllers must do it within ENDPOINTS_SYNC_BOUND_MS — as far as the control plane can
 * know: the clock runs only while the control plane is whole (controlPlaneWholeIntervals), starts
 * at the later of the pod's change and ENDPOINTS_RECONNECT_BOUND_MS after the control plane became
 * whole (at once when it became whole by a controller-manager taking the lease, informers
 * started afresh), and starts again after every interruption.
 *
 * Read from `k8s.write` lines: pods (`deleting`, `ready`, phase, delete), Endpoints written by a
 * controller-manager and slices the EndpointSlice controller owns (`readyPods`: the uids they list
 * as ready), Services (`publishNotReady`: their endpoints are ready whatever the pod, so they are
 * not judged). Only ready endpoints are judged: a slice keeps a terminating pod by design, with
 * ready=false, and a not-ready address receives no traffic.
 */
export function checkEndpointsDropGonePods(events: readonly TraceEvent[], syncBoundMs = ENDPOINTS_SYNC_BOUND_MS, reconnectBoundMs = ENDPOINTS_RECONNECT_BOUND_MS): KubernetesViolation[] {
  const out: KubernetesViolation[] = [];
  const whole = controlPlaneWholeIntervals(events);
  if (whole.length === 0) return out;
  const podWrites = new Map<string, TraceEvent[]>();
  const objectWrites = new Map<string, TraceEvent[]>();
  const publishesNotReady = new Set<string>();
  const nameOfUid = new Map<string, string>();
  for (const e of events) {
    if (e.kind !== 'k8s.write') continue;
    const ns = str(e.namespace) || 'default';
    if (e.resource === 'pods') {
      const uid = str(e.uid);
      const list = podWrites.get(uid);
      if (list) list.push(e);
      else podWrites.set(uid, [e]);
      nameOfUid.set(uid, `${ns}/${str(e.name)}`);
    } else if (e.resource === 'services' && e.publishNotReady === true) publishesNotReady.add(`${ns}/${str(e.name)}`);
    else if (e.resource === 'endpoints' || e.resource === 'endpointslices') {
      const key = `${str(e.resource)} ${ns}/${str(e.name)}`;
      const list = objectWrites.get(key);
      if (list) list.push(e);
      else objectWrites.set(key, [e]);
    }
  }
  const badOf = new Map<string, PodBad[]>();
  const badIntervals = (uid: string): PodBad[] => {
    let found = badOf.get(uid);
    if (found) return found;
    found = [];
    const writes = [...(podWrites.get(uid) ?? [])].sort((a, b) => num(a.rv) - num(b.rv));
    let open: PodBad | null = null;
    for (const w of writes) {
      const why = w.verb === 'delete' ? 'deleted' : w.deleting === true ? 'deletion began' : w.phase === 'Succeeded' || w.phase === 'Failed' ? `phase ${str(w.phase)}` : w.ready !== true ? 'not ready' : '';
      if (why && !open) open = { from: w.t, to: Infinity, why };
      else if (!why && open) {
        open.to = w.t;
        found.push(open);
        open = null;
      }
    }
    if (open) found.push(open);
    badOf.set(uid, found);
    return found;
  };
  for (const [key, unsorted] of [...objectWrites].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const writes = [...unsorted].sort((a, b) => num(a.rv) - num(b.rv));
    const reported = new Set<string>();
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i]!;
      const ready = w.readyPods as string[] | undefined;
      if (w.verb === 'delete' || !ready || ready.length === 0) continue;
      if (w.resource === 'endpoints' && !CONTROLLER_MANAGER_CLIENT.test(str(w.client))) continue;
      const ns = str(w.namespace) || 'default';
      if (publishesNotReady.has(`${ns}/${w.resource === 'endpointslices' ? str(w.service) : str(w.name)}`)) continue;
      const heldFrom = w.t;
      const heldTo = writes[i + 1]?.t ?? Infinity;
      for (const uid of ready) {
        if (reported.has(uid)) continue;
        for (const bad of badIntervals(uid)) {
          let at: number | null = null;
          let seeFrom = 0;
          for (const c of whole) {
            seeFrom = Math.max(bad.from, c.from + (c.fresh ? 0 : reconnectBoundMs));
            const t = Math.max(seeFrom + syncBoundMs, heldFrom);
            if (t < Math.min(heldTo, bad.to, c.to)) {
              at = t;
              break;
            }
          }
          if (at === null) continue;
          reported.add(uid);
          out.push({
            check: 'EndpointsDropGonePods',
            t: at,
            seq: w.seq,
            detail: `${key} (written by ${str(w.client)} at ${heldFrom} ms, resourceVersion ${num(w.rv)}) still lists pod ${nameOfUid.get(uid) ?? '?'} (uid ${uid}) as ready at ${at} ms: ${bad.why} at ${bad.from} ms, and the controller-manager could see it from ${seeFrom} ms (bound ${syncBoundMs} ms)`,
          });
          break;
        }
      }
    }
  }
  return out;
}
