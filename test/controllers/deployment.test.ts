/** The Deployment controller's sync on hand-built caches: a rollout driven step by step. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { newDeploymentState, newReplicaSetFor, syncDeployment, type DeploymentJson, type DeploymentState, type RsJson } from '../../actors/controllers/deployment/deployment.ts';
import { podTemplateHash } from '../../actors/controllers/deployment/template-hash.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 20_000 };

const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } });

function deployment(replicas: number, image: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}): DeploymentJson {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 2 },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(image), strategy, ...extra },
    status: {},
  } as DeploymentJson;
}

function oldReplicaSet(d: DeploymentJson, replicas: number): RsJson {
  const hash = podTemplateHash(template('nginx:1.25'));
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`, namespace: 'default', uid: 'rs-old', generation: 1, creationTimestamp: timestamp(0),
      labels: { app: 'web', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': hash } }, spec: template('nginx:1.25').spec } },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
  } as RsJson;
}

const writes = (a: readonly Action<DeploymentState>[]) => a.filter((x): x is WriteAction<DeploymentState> => x.kind === 'write');

/**
 * Drives a rollout: each step runs the sync, applies its writes, then lets an ideal ReplicaSet
 * controller act (pods of a scale-up exist at once but become available one step later; a
 * scale-down removes pods at once). Returns what every step looked like.
 */
function rollout(d: DeploymentJson, rss: RsJson[], check: (rss: readonly RsJson[]) => void, maxSteps = 200) {
  const state = newDeploymentState();
  let now = 60_000;
  let uid = 0;
  const events: string[] = [];
  for (let step = 0; step < maxSteps; step++) {
    now += 1000;
    const ctx = fakeContext(state, [[DEPLOYMENTS, [d]], [REPLICA_SETS, rss], [PODS, []]], now);
    const actions = syncDeployment('default/web', ctx);
    let wrote = false;
    for (const w of writes(actions)) {
      const body = w.request.body as RsJson;
      if (w.request.resource === 'deployments') d = { ...d, status: (body as DeploymentJson).status! };
      else if (w.request.verb === 'create') {
        rss = [...rss, { ...body, metadata: { ...body.metadata, uid: `rs-new-${++uid}`, generation: 1, creationTimestamp: timestamp(now) }, status: { replicas: 0, availableReplicas: 0, readyReplicas: 0, observedGeneration: 1 } }];
        wrote = true;
      } else if (w.request.verb === 'update') {
        rss = rss.map((rs) => (rs.metadata!.name === w.request.name ? { ...rs, metadata: body.metadata, spec: body.spec } : rs));
        wrote = true;
      } else if (w.request.verb === 'delete') {
        rss = rss.filter((rs) => rs.metadata!.name !== w.request.name);
      }
      const more = w.onResult?.({ tag: 't', reqId: 1, code: w.request.verb === 'create' ? 201 : 200, body: w.request.body! } as ApiResult, ctx) ?? [];
      for (const a of more) if (a.kind === 'event') events.push(a.message);
    }
    check(rss);
    // The ReplicaSet controller: last step's pods became available; this step's exist.
    let moved = false;
    rss = rss.map((rs) => {
      const spec = rs.spec?.replicas ?? 0;
      const prev = rs.status!;
      const available = Math.min(spec, prev.replicas ?? 0);
      if (prev.replicas !== spec || prev.availableReplicas !== available) moved = true;
      return { ...rs, status: { replicas: spec, readyReplicas: available, availableReplicas: available, observedGeneration: 1 } };
    });
    check(rss);
    if (!wrote && !moved) return { d, rss, events, steps: step };
  }
  throw new Error('rollout did not settle');
}

const pods = (rss: readonly RsJson[]) => rss.reduce((n, rs) => n + Math.max(rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0), 0);
const available = (rss: readonly RsJson[]) => rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);

describe('deployment sync', () => {
  for (const [surge, unavailable, replicas] of [[1, 1, 5], ['25%', '25%', 10], [3, 0, 4], [0, 2, 6]] as const) {
    it(`a rolling update keeps pods ≤ replicas + maxSurge and available ≥ replicas − maxUnavailable (${surge}/${unavailable} of ${replicas})`, T, () => {
      const d = deployment(replicas, 'nginx:1.26', { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } });
      const maxSurge = typeof surge === 'number' ? surge : Math.ceil((replicas * 25) / 100);
      const maxUnavailable = typeof unavailable === 'number' ? unavailable : Math.floor((replicas * 25) / 100);
      const end = rollout(d, [oldReplicaSet(d, replicas)], (rss) => {
        assert.ok(pods(rss) <= replicas + maxSurge, `pods ${pods(rss)} > ${replicas} + ${maxSurge}`);
        assert.ok(available(rss) >= replicas - maxUnavailable, `available ${available(rss)} < ${replicas} - ${maxUnavailable}`);
      });
      const hash = podTemplateHash(template('nginx:1.26'));
      const fresh = end.rss.find((rs) => rs.metadata!.name === `web-${hash}`)!;
      assert.equal(fresh.spec?.replicas, replicas);
      assert.equal(fresh.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
      assert.equal(fresh.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
      assert.deepEqual(fresh.spec?.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
      assert.equal(end.rss.find((rs) => rs.metadata!.uid === 'rs-old')?.spec?.replicas, 0);
      assert.ok(end.events.some((e) => new RegExp(`^Scaled up replica set web-${hash} from \\d+ to \\d+$`).test(e)), end.events.join('\n'));
      assert.ok(end.events.some((e) => /^Scaled down replica set web-\w+ from \d+ to \d+$/.test(e)));
      const conds = Object.fromEntries((end.d.status?.conditions ?? []).map((c) => [c.type, c.reason]));
      assert.deepEqual(conds, { Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
      assert.equal(end.d.status?.updatedReplicas, replicas);
      assert.equal(end.d.status?.unavailableReplicas, 0);
    });
  }

  it('Recreate scales the old ReplicaSet to 0 before the new one exists', T, () => {
    const d = deployment(3, 'nginx:1.26', { type: 'Recreate' });
    let sawNewWithOldPods = false;
    const end = rollout(d, [oldReplicaSet(d, 3)], (rss) => {
      const old = rss.find((rs) => rs.metadata!.uid === 'rs-old')!;
      if (rss.length > 1 && ((old.status?.replicas ?? 0) > 0 || (old.spec?.replicas ?? 0) > 0)) sawNewWithOldPods = true;
    });
    assert.equal(sawNewWithOldPods, false);
    assert.equal(end.rss.find((rs) => rs.metadata!.uid !== 'rs-old')?.spec?.replicas, 3);
  });

  it('a paused deployment does not roll out', T, () => {
    const d = deployment(3, 'nginx:1.26', { type: 'RollingUpdate' }, { paused: true });
    const ctx = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [oldReplicaSet(d, 3)]], [PODS, []]], 60_000);
    const w = writes(syncDeployment('default/web', ctx));
    assert.deepEqual(w.map((x) => `${x.request.verb} ${x.request.resource}`), ['update deployments']);
    const status = (w[0]!.request.body as DeploymentJson).status!;
    assert.equal(status.conditions?.find((c) => c.type === 'Progressing')?.reason, 'DeploymentPaused');
  });

  it('old zero-replica ReplicaSets beyond revisionHistoryLimit are deleted once complete, oldest revision first', T, () => {
    const d = deployment(2, 'nginx:1.25', { type: 'RollingUpdate' }, { revisionHistoryLimit: 1 });
    const current = oldReplicaSet(d, 2);
    const olds = [1, 2, 3].map((i): RsJson => ({
      ...oldReplicaSet(d, 0),
      metadata: { ...oldReplicaSet(d, 0).metadata, name: `web-old${i}`, uid: `u${i}`, annotations: { 'deployment.kubernetes.io/revision': String(i) } },
      spec: { ...oldReplicaSet(d, 0).spec, template: template(`nginx:1.${i}`) },
      status: { replicas: 0, observedGeneration: 1 },
    }));
    current.metadata!.annotations = { 'deployment.kubernetes.io/revision': '4', 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3' };
    const ctx = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [current, ...olds]], [PODS, []]], 60_000);
    const deletes = writes(syncDeployment('default/web', ctx)).filter((w) => w.request.verb === 'delete');
    assert.deepEqual(deletes.map((w) => w.request.name), ['web-old1', 'web-old2']);
  });

  it('no progress for progressDeadlineSeconds: Progressing=False ProgressDeadlineExceeded', T, () => {
    const d = deployment(2, 'nginx:1.25', { type: 'RollingUpdate' }, { progressDeadlineSeconds: 600 });
    d.metadata!.annotations = { 'deployment.kubernetes.io/revision': '1' };
    const rs = oldReplicaSet(d, 2);
    rs.metadata!.annotations = { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3' };
    rs.status = { replicas: 2, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 };
    d.status = {
      observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: timestamp(0), lastTransitionTime: timestamp(0) },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: timestamp(0), lastTransitionTime: timestamp(0) },
      ],
    };
    const early = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [rs]], [PODS, []]], 599_000);
    assert.equal(writes(syncDeployment('default/web', early)).length, 0);
    assert.deepEqual(early.queued, ['default/web after 2000']);
    const late = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [rs]], [PODS, []]], 601_000);
    const w = writes(syncDeployment('default/web', late));
    const cond = (w[0]!.request.body as DeploymentJson).status!.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'ProgressDeadlineExceeded');
    assert.equal(cond.message, `ReplicaSet "${rs.metadata!.name}" has timed out progressing.`);
  });

  it('a Deployment scaled mid-rollout resizes its ReplicaSets in proportion (10 → 20 with 8 old + 5 new: 15 + 10)', T, () => {
    // maxSurge 25% of 10 = 3 when both were sized; at 20 it is 5, so 25 pods may exist: 12 more, shared 7 / 5.
    const d = deployment(20, 'nginx:1.26', { type: 'RollingUpdate' });
    d.metadata!.annotations = { 'deployment.kubernetes.io/revision': '2' };
    const old = oldReplicaSet(d, 8);
    old.metadata!.annotations = { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '10', 'deployment.kubernetes.io/max-replicas': '13' };
    const fresh = newReplicaSetFor({ ...d, spec: { ...d.spec, replicas: 10 } }, 5, 2);
    fresh.metadata = { ...fresh.metadata, uid: 'rs-new', creationTimestamp: timestamp(30_000) };
    fresh.status = { replicas: 5, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 };
    const ctx = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [old, fresh]], [PODS, []]], 60_000);
    const sizes = Object.fromEntries(
      writes(syncDeployment('default/web', ctx))
        .filter((w) => w.request.resource === 'replicasets')
        .map((w) => [w.request.name, [(w.request.body as RsJson).spec?.replicas, (w.request.body as RsJson).metadata?.annotations?.['deployment.kubernetes.io/max-replicas']]]),
    );
    assert.deepEqual(sizes, { [old.metadata!.name!]: [15, '25'], [fresh.metadata!.name!]: [10, '25'] });
  });

  it('the Deployment carries its new ReplicaSet\'s revision annotation, written through /status', T, () => {
    const d = deployment(3, 'nginx:1.26', { type: 'RollingUpdate' });
    const ctx = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [oldReplicaSet(d, 3)]], [PODS, []]], 60_000);
    const w = writes(syncDeployment('default/web', ctx));
    const status = w.find((x) => x.request.resource === 'deployments')!;
    assert.equal(status.request.subresource, 'status');
    assert.equal(status.request.body?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('a ReplicaSet of the new name with another template (hash collision) bumps status.collisionCount', T, () => {
    const d = deployment(3, 'nginx:1.26', { type: 'RollingUpdate' });
    d.metadata!.annotations = { 'kubernetes.io/change-cause': 'set image' };
    const ctx = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [oldReplicaSet(d, 3)]], [PODS, []]], 60_000);
    const create = writes(syncDeployment('default/web', ctx)).find((w) => w.request.verb === 'create')!;
    const wanted = create.request.body as RsJson;
    assert.equal(wanted.metadata?.annotations?.['kubernetes.io/change-cause'], 'set image', 'annotations are copied to a new ReplicaSet');
    // Someone else's ReplicaSet already holds the name.
    const squatter: RsJson = { ...wanted, metadata: { ...wanted.metadata, uid: 'other', ownerReferences: [] }, spec: { ...wanted.spec, template: template('busybox') } };
    const later = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [oldReplicaSet(d, 3), squatter]], [PODS, []]], 61_000);
    const more = create.onResult!({ tag: "t", reqId: 1, code: 409, body: {} } as unknown as ApiResult, later) ?? [];
    const patch = writes(more)[0]!;
    assert.equal(patch.request.subresource, 'status');
    assert.deepEqual(patch.request.body, { status: { collisionCount: 1 } });
    // With collisionCount 1 the hash, hence the name, changes.
    const bumped = { ...d, status: { collisionCount: 1 } };
    assert.notEqual(newReplicaSetFor(bumped, 1, 2).metadata?.name, wanted.metadata?.name);
    // Our own ReplicaSet seen late is no collision.
    const own = fakeContext(newDeploymentState(), [[DEPLOYMENTS, [d]], [REPLICA_SETS, [oldReplicaSet(d, 3), wanted]], [PODS, []]], 61_000);
    assert.deepEqual(create.onResult!({ tag: 't', reqId: 1, code: 409, body: {} } as unknown as ApiResult, own), []);
  });
});
