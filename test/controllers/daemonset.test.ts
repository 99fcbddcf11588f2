/** The DaemonSet controller: placement, tolerations, rolling update and status on hand-built caches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import {
  daemonPod,
  daemonPodTolerations,
  daemonSetHash,
  daemonSetHistory,
  newDaemonSetState,
  nodeShouldRunDaemonPod,
  syncDaemonSet,
  type DaemonSetJson,
  type DaemonSetState,
} from '../../actors/controllers/daemonset/daemonset.ts';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

function ds(templateSpec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): DaemonSetJson {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 1 },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }], ...templateSpec } }, ...extra },
  } as unknown as DaemonSetJson;
}

function node(name: string, opts: { labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] } = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } }, spec: { ...(opts.taints ? { taints: opts.taints } : {}) } } as KubeObject;
}

const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, nodeName: string, hash: string, opts: { ready?: boolean; createdMs?: number; phase?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', uid: `uid-${name}`, creationTimestamp: timestamp(opts.createdMs ?? 0), labels: { app: 'agent', 'controller-revision-hash': hash }, ownerReferences: [owner] },
    spec: { nodeName },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: timestamp(0) }] },
  } as KubeObject;
}

type A = Action<DaemonSetState>;
const writes = (a: readonly A[]) => a.filter((x): x is WriteAction<DaemonSetState> => x.kind === 'write');
const statusOf = (a: readonly A[]) => (writes(a).find((w) => w.request.subresource === 'status')?.request.body as DaemonSetJson | undefined)?.status;

/** Answers every create (and the batches they chain); returns the nodes the pods were pinned to. */
function answerCreates(acts: readonly A[], ctx: Parameters<typeof syncDaemonSet>[1]): string[] {
  const pinned: string[] = [];
  let pending = writes(acts).filter((w) => w.request.verb === 'create' && w.request.resource === 'pods');
  let i = 0;
  while (pending.length > 0) {
    const next: WriteAction<DaemonSetState>[] = [];
    for (const w of pending) {
      const body = w.request.body as KubeObject & { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchFields: { values: string[] }[] }[] } } } } };
      pinned.push(body.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchFields[0]!.values[0]!);
      const more = w.onResult?.({ tag: 't', reqId: ++i, code: 201, body: { ...body, metadata: { ...body.metadata, name: `agent-${i}` } } } as ApiResult, ctx) ?? [];
      next.push(...writes(more).filter((x) => x.request.verb === 'create' && x.request.resource === 'pods'));
    }
    pending = next;
  }
  return pinned;
}

describe('daemon pod tolerations (AddOrUpdateDaemonPodTolerations)', () => {
  it('not-ready and unreachable NoExecute, pressure and unschedulable NoSchedule; network-unavailable for hostNetwork', T, () => {
    assert.deepEqual(
      daemonPodTolerations(false).map((t) => `${t.key}:${t.effect}`),
      ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
    );
    assert.ok(daemonPodTolerations(true).some((t) => t.key === 'node.kubernetes.io/network-unavailable' && t.effect === 'NoSchedule' && t.operator === 'Exists'));
    // No tolerationSeconds: the pods stay on unreachable nodes.
    assert.ok(daemonPodTolerations(false).every((t) => t.tolerationSeconds === undefined));
  });
  it('the pod: template tolerations kept, daemon ones added, pinned by matchFields metadata.name, labelled with the revision', T, () => {
    const d = ds({ tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] });
    const p = daemonPod(d, 'node-2') as KubeObject & { spec: { tolerations: { key: string }[]; affinity: unknown } };
    assert.equal(p.spec.tolerations[0]!.key, 'gpu');
    assert.equal(p.spec.tolerations.length, 7);
    assert.deepEqual(p.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } } });
    assert.equal(p.metadata?.labels?.['controller-revision-hash'], daemonSetHash(d));
    assert.deepEqual(p.metadata?.ownerReferences, [owner]);
    assert.equal((p.spec as { nodeName?: string }).nodeName, undefined);
  });
});

describe('nodeShouldRunDaemonPod', () => {
  it('taints: NoSchedule untolerated → not placed but may stay; NoExecute untolerated → neither; daemon tolerations count', T, () => {
    const d = ds();
    assert.deepEqual(nodeShouldRunDaemonPod(d, node('a')), { shouldRun: true, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(d, node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(d, node('a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] })), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(d, node('a', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] })), { shouldRun: true, shouldContinueRunning: true });
    assert.equal(nodeShouldRunDaemonPod(d, node('a', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] })).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(ds({ hostNetwork: true }), node('a', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] })).shouldRun, true);
    // A PreferNoSchedule taint does not matter.
    assert.equal(nodeShouldRunDaemonPod(d, node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] })).shouldRun, true);
  });
  it('nodeSelector and required node affinity', T, () => {
    const bySel = ds({ nodeSelector: { disk: 'ssd' } });
    assert.equal(nodeShouldRunDaemonPod(bySel, node('a', { labels: { disk: 'ssd' } })).shouldRun, true);
    assert.deepEqual(nodeShouldRunDaemonPod(bySel, node('b')), { shouldRun: false, shouldContinueRunning: false });
    const byAff = ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] }] } } } });
    assert.equal(nodeShouldRunDaemonPod(byAff, node('a', { labels: { zone: 'z2' } })).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(byAff, node('b', { labels: { zone: 'z3' } })).shouldRun, false);
  });
});

describe('daemonset sync', () => {
  it('one pod per eligible node (not the tainted or unselected ones), then status', T, () => {
    const d = ds({ nodeSelector: { role: 'worker' } });
    const nodes = [
      node('n1', { labels: { role: 'worker' } }),
      node('n2', { labels: { role: 'worker' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      node('n3'),
      node('n4', { labels: { role: 'worker' } }),
    ];
    const ctx = fakeContext(newDaemonSetState(), [[DAEMON_SETS, [d]], [NODES, nodes], [PODS, []], [CONTROLLER_REVISIONS, []]], 1000);
    const acts = syncDaemonSet('kube-system/agent', ctx);
    assert.deepEqual(answerCreates(acts, ctx), ['n1', 'n4']);
    assert.deepEqual(statusOf(acts), { desiredNumberScheduled: 2, currentNumberScheduled: 0, numberReady: 0, numberAvailable: 0, numberUnavailable: 2, updatedNumberScheduled: 0, numberMisscheduled: 0, observedGeneration: 1 });
  });
  it('a node added later gets its pod; a pod on a node that no longer matches is deleted and counted misscheduled', T, () => {
    const d = ds({ nodeSelector: { role: 'worker' } });
    const h = daemonSetHash(d);
    const nodes = [node('n1', { labels: { role: 'worker' } }), node('n2'), node('n5', { labels: { role: 'worker' } })];
    const pods = [pod('agent-a', 'n1', h), pod('agent-b', 'n2', h)];
    const ctx = fakeContext(newDaemonSetState(), [[DAEMON_SETS, [d]], [NODES, nodes], [PODS, pods], [CONTROLLER_REVISIONS, []]], 1000);
    const acts = syncDaemonSet('kube-system/agent', ctx);
    assert.deepEqual(writes(acts).filter((w) => w.request.verb === 'delete').map((w) => w.request.name), ['agent-b']);
    const st = statusOf(acts)!;
    assert.equal(st.numberMisscheduled, 1);
    assert.equal(st.desiredNumberScheduled, 2);
    assert.equal(st.currentNumberScheduled, 1);
    assert.equal(st.numberReady, 1);
    assert.equal(st.updatedNumberScheduled, 1);
    // Once the deletion is seen, the new node gets its pod.
    ctx.state.expectations.deletionObserved('kube-system/agent', 'kube-system/agent-b');
    const ctx2 = fakeContext(ctx.state, [[DAEMON_SETS, [d]], [NODES, nodes], [PODS, [pods[0]!]], [CONTROLLER_REVISIONS, []]], 2000);
    assert.deepEqual(answerCreates(syncDaemonSet('kube-system/agent', ctx2), ctx2), ['n5']);
  });
  it('rolling update: old pods replaced at most maxUnavailable at a time', T, () => {
    const d = ds();
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
    const old = nodes.map((n, i) => pod(`old-${i}`, n.metadata!.name!, 'oldhash'));
    const run = (extra: Record<string, unknown>, pods: KubeObject[]) => {
      const ctx = fakeContext(newDaemonSetState(), [[DAEMON_SETS, [{ ...d, spec: { ...d.spec, ...extra } } as DaemonSetJson]], [NODES, nodes], [PODS, pods], [CONTROLLER_REVISIONS, []]], 1000);
      return writes(syncDaemonSet('kube-system/agent', ctx)).filter((w) => w.request.verb === 'delete').map((w) => w.request.name);
    };
    assert.deepEqual(run({}, old), ['old-0']);
    assert.deepEqual(run({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }, old), ['old-0', 'old-1']);
    assert.deepEqual(run({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }, old), ['old-0', 'old-1']);
    assert.deepEqual(run({ updateStrategy: { type: 'OnDelete' } }, old), []);
    // An unavailable old pod is replaced regardless; a new pod not yet ready uses up the budget.
    const h = daemonSetHash(d);
    assert.deepEqual(run({}, [pod('new-0', 'n1', h, { ready: false }), old[1]!, pod('old-2', 'n3', 'oldhash', { ready: false }), old[3]!]), ['old-2']);
  });
  it('a failed pod is deleted to be replaced; extra pods on a node go, the oldest stays', T, () => {
    const d = ds();
    const h = daemonSetHash(d);
    const pods = [pod('agent-f', 'n1', h, { phase: 'Failed' }), pod('agent-old', 'n2', h, { createdMs: 0 }), pod('agent-new', 'n2', h, { createdMs: 5000 })];
    const ctx = fakeContext(newDaemonSetState(), [[DAEMON_SETS, [d]], [NODES, [node('n1'), node('n2')]], [PODS, pods], [CONTROLLER_REVISIONS, []]], 10_000);
    assert.deepEqual(writes(syncDaemonSet('kube-system/agent', ctx)).filter((w) => w.request.verb === 'delete').map((w) => w.request.name), ['agent-f', 'agent-new']);
  });
});

describe('daemonset revisions (constructHistory, cleanupHistory)', () => {
  const rev = (name: string, hash: string, revision: number) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, namespace: 'kube-system', labels: { 'controller-revision-hash': hash } }, revision }) as KubeObject;
  it('creates `<ds>-<hash>` for a new template, numbered after the newest, holding the template', T, () => {
    const d = ds();
    const h = daemonSetHistory(d, [rev('agent-old', 'old', 4)], []);
    assert.equal(h.create?.metadata?.name, `agent-${daemonSetHash(d)}`);
    assert.equal((h.create as { revision?: number }).revision, 5);
    assert.deepEqual((h.create as { data?: { spec?: { template?: { $patch?: string } } } }).data?.spec?.template?.$patch, 'replace');
    assert.equal(daemonSetHistory(d, [rev(`agent-${daemonSetHash(d)}`, daemonSetHash(d), 1)], []).create, undefined);
  });
  it('deletes old revisions no pod uses beyond revisionHistoryLimit, oldest first', T, () => {
    const d = ds({}, { revisionHistoryLimit: 1 });
    const current = rev(`agent-${daemonSetHash(d)}`, daemonSetHash(d), 9);
    const revisions = [rev('agent-a', 'a', 1), rev('agent-b', 'b', 2), rev('agent-c', 'c', 3), rev('agent-d', 'd', 4), current];
    const h = daemonSetHistory(d, revisions, [pod('p', 'n1', 'b')]);
    // Old and unused: a, c, d; keep the newest one (d).
    assert.deepEqual(h.delete.map((r) => r.metadata?.name), ['agent-a', 'agent-c']);
  });
});
