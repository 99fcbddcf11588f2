/**
 * The Kubernetes safety checks (actors/checks/kubernetes) on hand-made traces: each sub-check
 * fires on a trace that breaks its rule and stays silent on the nearest trace that keeps it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkBoundOnce,
  checkEndpointsDropGonePods,
  checkReadersNeverGoBack,
  controlPlaneWholeIntervals,
  ENDPOINTS_RECONNECT_BOUND_MS,
  ENDPOINTS_SYNC_BOUND_MS,
  checkKubernetesSafety,
  checkNodeAllocatable,
  checkOneController,
  checkOneOrdinal,
  checkSchedulerFit,
  checkUpdatePreconditions,
  checkWriteChain,
  type KubernetesViolation,
} from '../../actors/checks/kubernetes/index.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';

/** Numbers the lines (seq) in order, as the trace does. */
function trace(...lines: Omit<TraceEvent, 'seq'>[]): TraceEvent[] {
  return lines.map((l, seq) => ({ ...l, seq }) as TraceEvent);
}

const ALLOCATABLE = { cpuMilli: 1000, memoryBytes: 1 << 30, pods: 110 };
const node = (t: number, name: string, rv: number, allocatable = ALLOCATABLE) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: name, verb: 'create', resource: 'nodes', name, rv, allocatable });
const podCreate = (t: number, name: string, uid: string, rv: number, cpuMilli = 100, extra: Record<string, unknown> = {}) => ({
  t,
  kind: 'k8s.write',
  apiserver: 'a0',
  client: 'kcm',
  verb: 'create',
  resource: 'pods',
  namespace: 'default',
  name,
  uid,
  rv,
  phase: 'Pending',
  requests: { cpuMilli, memoryBytes: 1 },
  ...extra,
});
const podUpdate = (t: number, name: string, uid: string, rv: number, replaced: number, extra: Record<string, unknown> = {}) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: 'kube-scheduler-0', verb: 'update', resource: 'pods', namespace: 'default', name, uid, rv, replaced, ...extra });
const running = (t: number, nodeName: string, pod: string, count: number, controller?: string) => ({ t, kind: 'k8s.running', node: nodeName, namespace: 'default', pod, running: count, ...(controller ? { controller } : {}) });
const checks = (v: KubernetesViolation[]) => v.map((x) => x.check);

describe('BoundOnceToAnExistingNode', () => {
  it('fires when a bound pod is bound again elsewhere, or bound to a node never created', () => {
    const twice = trace(node(1, 'n1', 1), node(1, 'n2', 2), podCreate(2, 'p', 'u1', 3), podUpdate(3, 'p', 'u1', 4, 3, { node: 'n1' }), podUpdate(4, 'p', 'u1', 5, 4, { node: 'n2' }));
    assert.deepEqual(checks(checkBoundOnce(twice)), ['BoundOnceToAnExistingNode']);
    assert.match(checkBoundOnce(twice)[0]!.detail, /bound to n1, then to n2/);
    const ghostNode = trace(node(1, 'n1', 1), podCreate(2, 'p', 'u1', 3), podUpdate(3, 'p', 'u1', 4, 3, { node: 'n9' }));
    assert.match(checkBoundOnce(ghostNode)[0]!.detail, /n9, which had never been created/);
  });

  it('is silent on one binding to a created node, later writes keeping it, and a new pod of the same name (another uid) elsewhere', () => {
    const ok = trace(
      node(1, 'n1', 1),
      node(1, 'n2', 2),
      podCreate(2, 'p', 'u1', 3),
      podUpdate(3, 'p', 'u1', 4, 3, { node: 'n1' }),
      podUpdate(4, 'p', 'u1', 5, 4, { node: 'n1', phase: 'Running' }),
      podCreate(5, 'p', 'u2', 6),
      podUpdate(6, 'p', 'u2', 7, 6, { node: 'n2' }),
    );
    assert.deepEqual(checkBoundOnce(ok), []);
  });
});

describe('NodeWithinAllocatable', () => {
  it('fires when a node runs pods requesting more CPU than it has', () => {
    const t = trace(node(1, 'n1', 1), podCreate(2, 'a', 'ua', 2, 600), podCreate(2, 'b', 'ub', 3, 600), running(5, 'n1', 'a', 1), running(6, 'n1', 'b', 1));
    const v = checkNodeAllocatable(t);
    assert.deepEqual(checks(v), ['NodeWithinAllocatable']);
    assert.match(v[0]!.detail, /cpu 1200m > 1000m/);
  });

  it('fires on the pod count too', () => {
    const t = trace(node(1, 'n1', 1, { ...ALLOCATABLE, pods: 1 }), podCreate(2, 'a', 'ua', 2), podCreate(2, 'b', 'ub', 3), running(5, 'n1', 'a', 1), running(6, 'n1', 'b', 1));
    assert.match(checkNodeAllocatable(t)[0]!.detail, /pods 2 > 1/);
  });

  it('is silent when the first pod stopped before the second started, or the node crashed (its runtime went down)', () => {
    const stopped = trace(node(1, 'n1', 1), podCreate(2, 'a', 'ua', 2, 600), podCreate(2, 'b', 'ub', 3, 600), running(5, 'n1', 'a', 1), running(6, 'n1', 'a', 0), running(7, 'n1', 'b', 1));
    assert.deepEqual(checkNodeAllocatable(stopped), []);
    const crashed = trace(node(1, 'n1', 1), podCreate(2, 'a', 'ua', 2, 600), podCreate(2, 'b', 'ub', 3, 600), running(5, 'n1', 'a', 1), { t: 6, kind: 'fault', action: 'crash', targets: ['n1'] }, running(7, 'n1', 'b', 1));
    assert.deepEqual(checkNodeAllocatable(crashed), []);
  });
});

describe('SchedulerFitsKnownPods', () => {
  const decide = (t: number, pod: string, nodeName: string) => ({ t, kind: 'k8s.schedule', scheduler: 'kube-scheduler-0', pod: `default/${pod}`, node: nodeName });
  const scheduled = (t: number, pod: string) => ({ t, kind: 'k8s.event', reporter: 'kube-scheduler-0', namespace: 'default', object: `pod/${pod}`, reason: 'Scheduled' });
  const leader = (t: number) => ({ t, kind: 'k8s.leader', component: 'kube-scheduler', identity: 'kube-scheduler-0_2', leader: true });
  const base = [node(1, 'n1', 1), podCreate(2, 'a', 'ua', 2, 600), podCreate(2, 'b', 'ub', 3, 600)];

  it('fires when a scheduler books a node past its allocatable next to a pod it placed there itself', () => {
    const t = trace(...base, decide(3, 'a', 'n1'), decide(3, 'b', 'n1'), podUpdate(4, 'a', 'ua', 4, 2, { node: 'n1' }), scheduled(5, 'a'), podUpdate(5, 'b', 'ub', 5, 3, { node: 'n1' }), scheduled(6, 'b'));
    const v = checkSchedulerFit(t);
    assert.deepEqual(checks(v), ['SchedulerFitsKnownPods']);
    assert.match(v[0]!.detail, /bound default\/b to n1 next to default\/a/);
  });

  it('is silent when the first pod was gone, its binding was never acknowledged, or the scheduler restarted in between', () => {
    const gone = trace(...base, decide(3, 'a', 'n1'), podUpdate(4, 'a', 'ua', 4, 2, { node: 'n1' }), scheduled(5, 'a'), { ...podUpdate(6, 'a', 'ua', 6, 4, { node: 'n1' }), verb: 'delete' }, decide(7, 'b', 'n1'), podUpdate(8, 'b', 'ub', 7, 3, { node: 'n1' }), scheduled(9, 'b'));
    assert.deepEqual(checkSchedulerFit(gone), []);
    const unacknowledged = trace(...base, decide(3, 'a', 'n1'), decide(3, 'b', 'n1'), podUpdate(4, 'a', 'ua', 4, 2, { node: 'n1' }), podUpdate(5, 'b', 'ub', 5, 3, { node: 'n1' }), scheduled(6, 'b'));
    assert.deepEqual(checkSchedulerFit(unacknowledged), []);
    const newTerm = trace(...base, decide(3, 'a', 'n1'), podUpdate(4, 'a', 'ua', 4, 2, { node: 'n1' }), scheduled(5, 'a'), leader(6), decide(7, 'b', 'n1'), podUpdate(8, 'b', 'ub', 5, 3, { node: 'n1' }), scheduled(9, 'b'));
    assert.deepEqual(checkSchedulerFit(newTerm), []);
  });
});

describe('UpdatePreconditionHeld', () => {
  const update = (precondition: number, replaced: number) => ({ t: 5, kind: 'k8s.write', apiserver: 'a1', client: 'kcm', verb: 'update', resource: 'replicasets', namespace: 'default', name: 'web', rv: 9, replaced, precondition });
  it('fires when an update with a stale resourceVersion was acknowledged', () => {
    const v = checkUpdatePreconditions(trace(update(5, 7)));
    assert.deepEqual(checks(v), ['UpdatePreconditionHeld']);
    assert.match(v[0]!.detail, /resourceVersion 5, but it replaced version 7: the write at 7 is lost/);
  });
  it('is silent when the precondition is the version replaced, or there is none', () => {
    const { precondition: _p, ...unconditional } = update(5, 7);
    void _p;
    assert.deepEqual(checkUpdatePreconditions(trace(update(7, 7), unconditional)), []);
  });
});

describe('AcknowledgedWriteKept', () => {
  const w = (t: number, verb: string, rv: number, replaced?: number) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: 'c', verb, resource: 'configmaps', namespace: 'default', name: 'cm', rv, ...(replaced !== undefined ? { replaced } : {}) });
  it('fires when a write replaced a version older than an acknowledged write to the same key', () => {
    const v = checkWriteChain(trace(w(1, 'create', 5), w(2, 'update', 8, 5), w(3, 'update', 9, 5)));
    assert.deepEqual(checks(v), ['AcknowledgedWriteKept']);
    assert.match(v[0]!.detail, /older than the acknowledged write at 8/);
  });
  it('is silent on a chain, acknowledgements traced out of order, and a re-create after a delete', () => {
    assert.deepEqual(checkWriteChain(trace(w(1, 'create', 5), w(2, 'update', 9, 8), w(3, 'update', 8, 5), w(4, 'delete', 10, 9), w(5, 'create', 11))), []);
  });
});

describe('OneController', () => {
  it('fires on two controller references, and on a pod passed from one controller to another', () => {
    const two = trace(podCreate(1, 'p', 'u', 1, 100, { controllers: ['ReplicaSet/a', 'ReplicaSet/b'] }));
    assert.match(checkOneController(two)[0]!.detail, /2 controllers/);
    const stolen = trace(podCreate(1, 'p', 'u', 1, 100, { controllers: ['ReplicaSet/a'] }), podUpdate(2, 'p', 'u', 2, 1, { controllers: ['ReplicaSet/b'] }));
    assert.match(checkOneController(stolen)[0]!.detail, /from controller ReplicaSet\/a to ReplicaSet\/b/);
  });
  it('is silent on a release followed by an adoption', () => {
    const t = trace(podCreate(1, 'p', 'u', 1, 100, { controllers: ['ReplicaSet/a'] }), podUpdate(2, 'p', 'u', 2, 1), podUpdate(3, 'p', 'u', 3, 2, { controllers: ['ReplicaSet/b'] }));
    assert.deepEqual(checkOneController(t), []);
  });
});

describe('OneRunningPodPerOrdinal', () => {
  const sts = 'StatefulSet/db';
  it('fires when two copies of one ordinal run at once with no partition', () => {
    const r = checkOneOrdinal(trace(running(1, 'n1', 'db-0', 1, sts), running(5, 'n2', 'db-0', 1, sts)));
    assert.deepEqual(checks(r.violations), ['OneRunningPodPerOrdinal']);
    assert.match(r.violations[0]!.detail, /db-0 runs on n1 \(since 1 ms\) and on n2/);
  });
  it('is silent when the old copy stopped first, and only notes an overlap a partition hid', () => {
    assert.deepEqual(checkOneOrdinal(trace(running(1, 'n1', 'db-0', 1, sts), running(4, 'n1', 'db-0', 0, sts), running(5, 'n2', 'db-0', 1, sts))), { violations: [], notes: [] });
    const hidden = checkOneOrdinal(trace(running(1, 'n1', 'db-0', 1, sts), { t: 2, kind: 'fault', action: 'isolate', targets: ['n1'] }, running(5, 'n2', 'db-0', 1, sts)));
    assert.deepEqual(hidden.violations, []);
    assert.match(hidden.notes[0]!, /a partition cut n1 off/);
    // A Deployment's pods have no ordinal: two of one name (impossible anyway) are not this check's.
    assert.deepEqual(checkOneOrdinal(trace(running(1, 'n1', 'web-x', 1, 'ReplicaSet/web'), running(5, 'n2', 'web-x', 1, 'ReplicaSet/web'))).violations, []);
  });
});

describe('checkKubernetesSafety', () => {
  it('gathers every sub-check', () => {
    const t = trace(node(1, 'n1', 1), podCreate(2, 'p', 'u', 2, 100, { controllers: ['ReplicaSet/a', 'ReplicaSet/b'] }), podUpdate(3, 'p', 'u', 3, 2, { node: 'n9', precondition: 1 }));
    assert.deepEqual(checks(checkKubernetesSafety(t)).sort(), ['BoundOnceToAnExistingNode', 'OneController', 'UpdatePreconditionHeld']);
  });
});

describe('ReaderNeverGoesBack', () => {
  const relist = (t: number, listedRv: number, heldRv: number, asked: string, rv: number) => ({ t, kind: 'k8s.relist', client: 'kube-scheduler-0', informer: 'pods', resource: 'pods', listedRv, heldRv, asked, rv });

  it('fires when a relist from the held resourceVersion, or a consistent one, is served older than what the reader held', () => {
    const v = checkReadersNeverGoBack(trace(relist(10, 100, 140, '140', 120), relist(20, 120, 150, '', 149)));
    assert.deepEqual(checks(v.violations), ['ReaderNeverGoesBack', 'ReaderNeverGoesBack']);
    assert.match(v.violations[0]!.detail, /held resourceVersion 140 and relisted with resourceVersion "140", which was served at 120, older/);
    assert.match(v.violations[1]!.detail, /"" \(consistent\)/);
  });

  it('fires when the watch left the reader older than its own list', () => {
    assert.match(checkReadersNeverGoBack(trace(relist(10, 100, 90, '90', 100))).violations[0]!.detail, /listed at resourceVersion 100, then its watch left it at 90/);
  });

  it('is silent on a relist at or past what was held, and only notes a relist at "0" that went back (no freshness is promised for "0")', () => {
    assert.deepEqual(checkReadersNeverGoBack(trace(relist(10, 100, 140, '140', 140), relist(20, 140, 150, '', 170))).violations, []);
    const zero = checkReadersNeverGoBack(trace(relist(10, 100, 140, '0', 120)));
    assert.deepEqual(zero.violations, []);
    assert.match(zero.notes[0]!, /a list at "0" may be served from any cache/);
  });
});

describe('EndpointsDropGonePods', () => {
  const SYNC = ENDPOINTS_SYNC_BOUND_MS;
  const RECONNECT = ENDPOINTS_RECONNECT_BOUND_MS;
  const leader = (t: number, leaderNow = true) => ({ t, kind: 'k8s.leader', component: 'kube-controller-manager', identity: 'kube-controller-manager-0_1', leader: leaderNow });
  const pod = (t: number, uid: string, rv: number, extra: Record<string, unknown>) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: 'kubelet-w1', verb: 'update', resource: 'pods', namespace: 'default', name: `web-${uid}`, uid, rv, ...extra });
  const endpoints = (t: number, rv: number, readyPods: string[], extra: Record<string, unknown> = {}) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: 'kube-controller-manager-0', verb: 'update', resource: 'endpoints', namespace: 'default', name: 'web', rv, readyPods, ...extra });
  const slice = (t: number, rv: number, readyPods: string[]) => ({ t, kind: 'k8s.write', apiserver: 'a0', client: 'kube-controller-manager-0', verb: 'update', resource: 'endpointslices', namespace: 'default', name: 'web-abc', service: 'web', rv, readyPods });
  const fault = (t: number, action: string, targets: string[]) => ({ t, kind: 'fault', action, targets });
  const last = (t: number) => ({ t, kind: 'k8s.running', node: 'w1', namespace: 'default', pod: 'other', running: 1 });
  // The leader since 0 ms, its informers started then: it may see a change at once.
  const since = 1000;

  it('fires when Endpoints still list a pod as ready past the bound after its deletion began, the controller-manager able to see it', () => {
    const t = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a', 'b']), pod(since + 100, 'a', 3, { ready: true, deleting: true }), last(since + 100 + SYNC + 1));
    const v = checkEndpointsDropGonePods(t);
    assert.deepEqual(checks(v), ['EndpointsDropGonePods']);
    assert.equal(v[0]!.t, since + 100 + SYNC);
    assert.match(v[0]!.detail, /endpoints default\/web .* still lists pod default\/web-a \(uid a\) as ready at .*: deletion began at/);
  });

  it('fires on a slice that keeps a pod ready after it became not ready, and on a pod deleted outright', () => {
    const notReady = trace(leader(0), pod(1, 'a', 1, { ready: true }), slice(2, 2, ['a']), pod(since, 'a', 3, {}), last(since + SYNC + 10));
    assert.match(checkEndpointsDropGonePods(notReady)[0]!.detail, /endpointslices default\/web-abc .* not ready at/);
    const deleted = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), { ...pod(since, 'a', 3, { ready: true }), verb: 'delete' }, last(since + SYNC + 10));
    assert.match(checkEndpointsDropGonePods(deleted)[0]!.detail, /deleted at/);
  });

  it('is silent when the pod left within the bound, came back ready, or its Service publishes not-ready addresses', () => {
    const removed = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), pod(since, 'a', 3, { deleting: true }), endpoints(since + SYNC - 1, 4, []), last(since + 3 * SYNC));
    assert.deepEqual(checkEndpointsDropGonePods(removed), []);
    const flapped = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), pod(since, 'a', 3, {}), pod(since + SYNC - 1, 'a', 4, { ready: true }), last(since + 3 * SYNC));
    assert.deepEqual(checkEndpointsDropGonePods(flapped), []);
    const publish = { t: 0, kind: 'k8s.write', apiserver: 'a0', client: 'admin', verb: 'create', resource: 'services', namespace: 'default', name: 'web', rv: 1, publishNotReady: true };
    assert.deepEqual(checkEndpointsDropGonePods(trace(publish, leader(0), endpoints(2, 2, ['a']), pod(since, 'a', 3, { deleting: true }), last(since + 3 * SYNC))), []);
  });

  it('is silent while the controller-manager was partitioned from the apiservers, crashed or without the lease, and fires once it could see the change for the bound', () => {
    // The deletion at 40 s falls in a partition that cuts the controller-manager off (35 s to 80 s); the Endpoints keep the pod throughout.
    const cut = (end: number) => trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), fault(35_000, 'isolate', ['kube-controller-manager-0']), pod(40_000, 'a', 3, { deleting: true }), fault(80_000, 'heal', ['kube-controller-manager-0']), last(end));
    assert.deepEqual(checkEndpointsDropGonePods(cut(79_999)), [], 'partitioned: the control plane could not know');
    assert.deepEqual(checkEndpointsDropGonePods(cut(80_000 + RECONNECT + SYNC - 1)), [], 'healed, but the reflectors may still be backing off');
    const after = checkEndpointsDropGonePods(cut(80_000 + RECONNECT + SYNC));
    assert.deepEqual(checks(after), ['EndpointsDropGonePods'], 'the bound ran out after the heal');
    assert.equal(after[0]!.t, 80_000 + RECONNECT + SYNC);
    // A crashed controller-manager, and a lost lease, stop the clock the same way.
    const crashed = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), fault(35_000, 'crash', ['kube-controller-manager-0']), pod(40_000, 'a', 3, { deleting: true }), last(79_999));
    assert.deepEqual(checkEndpointsDropGonePods(crashed), []);
    const noLease = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), leader(35_000, false), pod(40_000, 'a', 3, { deleting: true }), last(79_999));
    assert.deepEqual(checkEndpointsDropGonePods(noLease), []);
    // A worker cut off does not hide a pod write from the controller-manager.
    const workerCut = trace(leader(0), pod(1, 'a', 1, { ready: true }), endpoints(2, 2, ['a']), fault(35_000, 'isolate', ['worker-1']), pod(40_000, 'a', 3, { deleting: true }), last(40_000 + SYNC));
    assert.deepEqual(checks(checkEndpointsDropGonePods(workerCut)), ['EndpointsDropGonePods']);
  });

  it('controlPlaneWholeIntervals: whole from the first lease, broken by a control-plane fault until healed and led again', () => {
    const t = trace(leader(1000), fault(5000, 'crash', ['kube-controller-manager-0']), fault(6000, 'restart', ['kube-controller-manager-0']), { ...leader(9000), identity: 'kube-controller-manager-0_2' }, last(20_000));
    assert.deepEqual(controlPlaneWholeIntervals(t), [
      { from: 1000, to: 5000, fresh: true },
      { from: 9000, to: 20_001, fresh: true },
    ]);
    const healed = trace(leader(1000), fault(5000, 'isolate', ['etcd-0']), fault(6000, 'heal', ['etcd-0']), last(20_000));
    assert.deepEqual(controlPlaneWholeIntervals(healed), [
      { from: 1000, to: 5000, fresh: true },
      { from: 6000, to: 20_001, fresh: false },
    ]);
  });
});
