/** The disruption controller: its arithmetic worked by hand, and its sync on hand-built caches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import { syncPdb } from '../../actors/controllers/disruption/controller.ts';
import { buildDisruptedPodMap, countHealthyPods, DELETION_TIMEOUT_MS, expectedPodCount, pdbStatus, type ControllerScaleOf, type PdbJson } from '../../actors/controllers/disruption/disruption.ts';
import { DEPLOYMENTS, PODS, POD_DISRUPTION_BUDGETS, REPLICA_SETS, REPLICATION_CONTROLLERS, STATEFUL_SETS } from '../../actors/controllers/host/resources.ts';
import type { WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const rsRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true };

function pod(name: string, opts: { ready?: boolean; deleting?: boolean; owner?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: 'web' },
      ...(opts.owner === false ? {} : { ownerReferences: [rsRef] }),
      ...(opts.deleting ? { deletionTimestamp: timestamp(0) } : {}),
    },
    spec: { nodeName: 'worker-1' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  } as KubeObject;
}

function pdb(spec: Record<string, unknown>, status?: Record<string, unknown>, generation = 1): PdbJson {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', uid: 'pdb-uid', generation, resourceVersion: '7' },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status ? { status } : {}),
  } as PdbJson;
}

/** Every pod's controller is one ReplicaSet of `scale` replicas. */
const scaleOf =
  (scale: number): ControllerScaleOf =>
  (ref) =>
    ref.uid === 'rs-uid' ? { uid: 'rs-uid', scale } : null;

const three = [pod('a'), pod('b'), pod('c')];

describe('disruption: expected and desired counts (getExpectedPodCount)', () => {
  it('minAvailable 2 (integer): expected is the number of matching pods, desired 2', () => {
    assert.deepEqual(expectedPodCount(pdb({ minAvailable: 2 }), three, scaleOf(5)), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
  });

  it('maxUnavailable 34% of 3 replicas: 1.02 rounds up to 2, so desired is 3 - 2 = 1', () => {
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: '34%' }), three, scaleOf(3)), { expectedCount: 3, desiredHealthy: 1, unmanagedPods: [] });
  });

  it('maxUnavailable 1 uses the controller scale (5), not the 3 pods: desired 4', () => {
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: 1 }), three, scaleOf(5)), { expectedCount: 5, desiredHealthy: 4, unmanagedPods: [] });
  });

  it('minAvailable 50% of 3 replicas: 1.5 rounds up to 2', () => {
    assert.deepEqual(expectedPodCount(pdb({ minAvailable: '50%' }), three, scaleOf(3)), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
  });

  it('maxUnavailable larger than the scale leaves desired at 0, not negative', () => {
    assert.equal((expectedPodCount(pdb({ maxUnavailable: 10 }), three, scaleOf(3)) as { desiredHealthy: number }).desiredHealthy, 0);
  });

  it('a pod without a controller is unmanaged and not counted; an unknown controller is an error', () => {
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: 1 }), [...three, pod('x', { owner: false })], scaleOf(3)), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: ['x'] });
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: 1 }), three, () => null), { error: 'found no controllers for pod "a"' });
  });
});

describe('disruption: healthy pods and disrupted pods', () => {
  it('counts Ready pods only, and not those being deleted or just evicted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d')];
    assert.equal(countHealthyPods(pods, {}, 0), 2);
    assert.equal(countHealthyPods(pods, { d: timestamp(1_000) }, 10_000), 1);
    // Two minutes after its eviction a pod not deleted counts again.
    assert.equal(countHealthyPods(pods, { d: timestamp(1_000) }, 1_000 + DELETION_TIMEOUT_MS + 1), 2);
  });

  it('keeps an evicted pod until it is being deleted or two minutes have passed, and says when to look again', () => {
    const pods = [pod('a'), pod('b', { deleting: true }), pod('c')];
    const r = buildDisruptedPodMap(pods, { a: timestamp(5_000), b: timestamp(5_000), c: timestamp(0), gone: timestamp(5_000) }, 121_000);
    assert.deepEqual(r.disruptedPods, { a: timestamp(5_000) });
    assert.equal(r.recheckAtMs, 125_000);
    assert.deepEqual(r.notDeleted, ['c']);
  });
});

describe('disruption: status (updatePdbStatus)', () => {
  it('3 replicas, minAvailable 2, 3 healthy: 1 disruption allowed, condition SufficientPods', () => {
    const s = pdbStatus(pdb({ minAvailable: 2 }), { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, 4_000)!;
    assert.equal(s.disruptionsAllowed, 1);
    assert.equal(s.observedGeneration, 1);
    assert.deepEqual(s.conditions, [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: timestamp(4_000), reason: 'SufficientPods', message: '' }]);
  });

  it('2 healthy of desired 2: none allowed, InsufficientPods; fewer healthy than desired is 0, not negative', () => {
    assert.equal(pdbStatus(pdb({ minAvailable: 2 }), { currentHealthy: 2, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, 0)!.conditions![0]!.reason, 'InsufficientPods');
    assert.equal(pdbStatus(pdb({ minAvailable: 2 }), { currentHealthy: 1, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, 0)!.disruptionsAllowed, 0);
  });

  it('no expected pod allows nothing, even with desired 0', () => {
    assert.equal(pdbStatus(pdb({ maxUnavailable: 1 }), { currentHealthy: 0, desiredHealthy: 0, expectedCount: 0, disruptedPods: {} }, 0)!.disruptionsAllowed, 0);
  });

  it('writes nothing when the stored status already says it, and writes when the generation is new', () => {
    const stored = { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: timestamp(0), reason: 'SufficientPods', message: '' }] };
    const counts = { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} };
    assert.equal(pdbStatus(pdb({ minAvailable: 2 }, stored), counts, 9_000), null);
    const next = pdbStatus(pdb({ minAvailable: 2 }, stored, 2), counts, 9_000)!;
    assert.equal(next.observedGeneration, 2);
    // The condition's status did not change: its transition time stays.
    assert.equal(next.conditions![0]!.lastTransitionTime, timestamp(0));
  });
});

describe('disruption: sync', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd-uid' }, spec: { replicas: 3 } } as KubeObject;
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-uid', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }] }, spec: { replicas: 3 } } as KubeObject;
  const caches = (budget: PdbJson, pods: KubeObject[]) =>
    fakeContext(null, [
      [POD_DISRUPTION_BUDGETS, [budget]],
      [PODS, pods],
      [REPLICA_SETS, [rs]],
      [DEPLOYMENTS, [deployment]],
      [REPLICATION_CONTROLLERS, []],
      [STATEFUL_SETS, []],
    ], 10_000);

  it('a Deployment of 3 with maxUnavailable 1: the ReplicaSet counts as its Deployment, one disruption allowed', () => {
    const acts = syncPdb('default/web', caches(pdb({ maxUnavailable: 1 }), [...three, pod('other', { labels: { app: 'db' } })]));
    const write = acts.find((a) => a.kind === 'write') as WriteAction<null>;
    assert.equal(write.request.subresource, 'status');
    assert.deepEqual(
      { ...(write.request.body!.status as Record<string, unknown>), conditions: undefined },
      { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: undefined },
    );
  });

  it('an evicted pod still in status.disruptedPods is not healthy, and the budget is looked at again when it expires', () => {
    const ctx = caches(pdb({ minAvailable: 2 }, { disruptedPods: { a: timestamp(9_000) }, disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 }), three);
    const write = syncPdb('default/web', ctx).find((a) => a.kind === 'write') as WriteAction<null>;
    const status = write.request.body!.status as Record<string, unknown>;
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual(status.disruptedPods, { a: timestamp(9_000) });
    assert.deepEqual(ctx.queued, [`default/web after ${9_000 + DELETION_TIMEOUT_MS - 10_000 + 1}`]);
  });

  it('no matching pod: a NoPods event, nothing allowed', () => {
    const acts = syncPdb('default/web', caches(pdb({ minAvailable: 1 }), []));
    assert.ok(acts.some((a) => a.kind === 'event' && a.reason === 'NoPods' && a.message === 'No matching pods found'));
    assert.equal(((acts.find((a) => a.kind === 'write') as WriteAction<null>).request.body!.status as { disruptionsAllowed: number }).disruptionsAllowed, 0);
  });

  it('a pod whose controller is unknown fails safe: disruptionsAllowed 0 and a SyncFailed condition', () => {
    const orphanRef = pod('z');
    (orphanRef.metadata!.ownerReferences as unknown[]) = [{ apiVersion: 'example.com/v1', kind: 'Thing', name: 't', uid: 't-uid', controller: true }];
    const acts = syncPdb('default/web', caches(pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 }), [orphanRef]));
    const status = (acts.find((a) => a.kind === 'write') as WriteAction<null>).request.body!.status as { disruptionsAllowed: number; conditions: { reason: string; message: string }[] };
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual([status.conditions[0]!.reason, status.conditions[0]!.message], ['SyncFailed', 'found no controllers for pod "z"']);
  });
});
