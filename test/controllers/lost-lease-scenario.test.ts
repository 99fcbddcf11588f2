/**
 * Scenario-level regression for the fuzz counterexample in fixtures/kcm-lost-lease-dead-watches.yaml
 * (liveness, seed 1). kube-apiserver-0 closes its watchers when its cacher loses etcd at ~7 s, and
 * the partition drops the closes: the controller-manager's ReplicaSet and Pod watches go silent
 * without its knowing. It loses its lease at 16 s and regains it at 18 s. Kept informers meant the
 * new term synced from the dead caches: the re-applied Deployment's first ReplicaSet looked like a
 * hash collision with the one garbage-collected at 15 s, a second ReplicaSet was created, and it
 * never got a pod (nor did the old ReplicaSet's pods get collected). Upstream the process exits on
 * a lost lease and the next term lists afresh; so does the host now.
 *
 * The same dropped closes left kube-scheduler-0's and worker-0's pod watches dead until a 90 s idle
 * timeout, past the liveness bound. The network now holds a stream's messages across a partition
 * as TCP does, so the closes arrive after the heal at 16 s and those watches resume at once (and a
 * longer partition would be caught by the clients' 45 s HTTP/2 health check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { runScenario, type Run } from '../../actors/scenario/runner.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

const FILE = 'test/controllers/fixtures/kcm-lost-lease-dead-watches.yaml';
/** The liveness bound of the counterexample: 44 s after the heal at 16 s. */
const BOUND_MS = 60_000;

let cached: { run: Run; controllerTraces: TraceEvent[]; watchDrops: TraceEvent[] } | undefined;
function replay() {
  if (cached) return cached;
  const controllerTraces: TraceEvent[] = [];
  const watchDrops: TraceEvent[] = [];
  const run = runScenario(loadScenarioFile(FILE), {
    onTrace: (e) => {
      if (e.kind === 'k8s.controller') controllerTraces.push(e);
      else if (e.kind === 'net.drop' && e.type === 'ApiWatch') watchDrops.push(e);
    },
  });
  return (cached = { run, controllerTraces, watchDrops });
}

const ownerUid = (o: KubeObject): string | undefined => (o.metadata?.ownerReferences as { uid: string; controller?: boolean }[] | undefined)?.find((r) => r.controller)?.uid;

describe('controller-manager: a lost lease with silently dead watches (fuzz liveness seed 1)', { timeout: 120_000 }, () => {
  it('the re-created Deployment gets one ReplicaSet (no false hash collision), and it gets its 2 pods', () => {
    const { run, controllerTraces } = replay();
    assert.equal(run.result.virtualMs, BOUND_MS);
    const collisions = controllerTraces.filter((e) => e.action === 'hash-collision');
    assert.deepEqual(collisions.map((e) => `${e.t} ${String(e.detail)}`), [], 'a hash collision means the ReplicaSet cache was stale');
    const deployment = run.state.get('deployments', 'default', 'web');
    assert.ok(deployment, 'deployment/web exists');
    const replicaSets = run.state.list('replicasets', 'default').filter((rs) => ownerUid(rs) === deployment.metadata?.uid);
    assert.deepEqual(replicaSets.map((rs) => rs.metadata?.name), ['web-5cc4fd5dc8']);
    const pods = run.state.list('pods', 'default').filter((p) => ownerUid(p) === replicaSets[0]!.metadata?.uid);
    assert.equal(pods.length, 2, `pods of ${replicaSets[0]!.metadata?.name}: ${pods.map((p) => p.metadata?.name).join(', ')}`);
    const created = controllerTraces.filter((e) => e.action === 'replicaset-created');
    assert.ok(created.every((e) => e.t < 25_000), 'the ReplicaSet is created within 4 s of the re-apply at 21 s');
  });

  it('the garbage collector deletes the pods of the ReplicaSet it deleted at 15 s once the term restarts', () => {
    const { controllerTraces } = replay();
    const podDeletes = controllerTraces.filter((e) => e.controller === 'garbagecollector' && String(e.object).startsWith('pod/default/web-') && e.action === 'deleted');
    assert.equal(podDeletes.length, 2, 'both orphaned pods are collected');
    assert.ok(podDeletes.every((e) => e.t < 21_000), `collected at ${podDeletes.map((e) => e.t).join(', ')} ms, before the re-apply`);
  });

  it('the partition loses no watch message (TCP holds them), and the Deployment reaches 2 ready within the liveness bound', () => {
    const { run, watchDrops } = replay();
    assert.deepEqual(watchDrops.filter((e) => e.reason === 'partition').map((e) => `${e.t} ${String(e.from)}->${String(e.to)}`), []);
    const ready = run.result.expectations.find((e) => e.name.includes('deployment/web reaches 2 ready'));
    assert.ok(ready?.ok, ready?.detail);
  });
});
