/**
 * The eviction subresource (POST pods/<name>/eviction): a pod whose budget allows a disruption is
 * deleted gracefully and the budget's status.disruptionsAllowed goes down by one, with the pod in
 * status.disruptedPods; a budget that allows none answers 429 with the DisruptionBudget cause and
 * leaves the pod; a terminal pod is deleted whatever its budget says.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, PODS, pod, show, statusOf } from './harness.ts';

const ns = { ...PODS, namespace: 'default' } as const;
const PDBS = { apiVersion: 'policy/v1', resource: 'poddisruptionbudgets', namespace: 'default' } as const;

function runningPod(h: Harness, name: string, opts: { phase?: string; ready?: boolean; labels?: Record<string, string> } = {}): void {
  const created = h.call({ verb: 'create', ...ns, body: pod(name, { nodeName: 'node-1', labels: opts.labels ?? { app: 'web' } }) });
  assert.equal(created.code, 201, show(created));
  const body = { ...(created.body as KubeObject), status: { ...((created.body as KubeObject).status as object), phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] } };
  const st = h.call({ verb: 'update', ...ns, name, subresource: 'status', body });
  assert.equal(st.code, 200, show(st));
}

/** A budget over app=web whose status (as the disruption controller would write it) allows `allowed`. */
function budget(h: Harness, name: string, allowed: number, opts: { observedGeneration?: number; selector?: Record<string, string> } = {}): void {
  const created = h.call({ verb: 'create', ...PDBS, body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: opts.selector ?? { app: 'web' } } } } });
  assert.equal(created.code, 201, show(created));
  const status = { observedGeneration: opts.observedGeneration ?? 1, disruptionsAllowed: allowed, currentHealthy: 2 + allowed, desiredHealthy: 2, expectedPods: 2 + allowed };
  const st = h.call({ verb: 'update', ...PDBS, name, subresource: 'status', body: { ...(created.body as KubeObject), status } });
  assert.equal(st.code, 200, show(st));
}

function evict(h: Harness, name: string, deleteOptions?: Record<string, unknown>) {
  return h.call({ verb: 'create', ...ns, name, subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions ? { deleteOptions } : {}) } as KubeObject });
}

function get(h: Harness, spec: { apiVersion: string; resource: string; namespace: string }, name: string) {
  return h.call({ verb: 'get', ...spec, name });
}

describe('apiserver: the eviction subresource', () => {
  it('refuses with 429 and the DisruptionBudget cause when the budget allows no disruption, and leaves the pod', () => {
    const h = new Harness({ seed: 'evict-429' });
    h.waitReady();
    runningPod(h, 'web-1');
    budget(h, 'web', 0);
    const r = evict(h, 'web-1');
    assert.equal(r.code, 429, show(r));
    const s = statusOf(r.body);
    assert.equal(s.reason, 'TooManyRequests');
    assert.equal(s.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(s.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently', field: '' }]);
    const after = get(h, ns, 'web-1');
    assert.equal(after.code, 200);
    assert.equal((after.body as KubeObject).metadata?.deletionTimestamp, undefined, 'not being deleted');
  });

  it('evicts when the budget allows it: 201 Success, the pod deleted gracefully, disruptionsAllowed decremented and the pod in disruptedPods', () => {
    const h = new Harness({ seed: 'evict-ok' });
    h.waitReady();
    runningPod(h, 'web-1');
    budget(h, 'web', 1);
    const r = evict(h, 'web-1', { gracePeriodSeconds: 5 });
    assert.equal(r.code, 201, show(r));
    assert.equal(statusOf(r.body).status, 'Success');
    const p = get(h, ns, 'web-1').body as KubeObject;
    assert.ok(p.metadata?.deletionTimestamp, 'being deleted');
    assert.equal(p.metadata?.deletionGracePeriodSeconds, 5, "the eviction's deleteOptions are the delete's");
    const b = get(h, PDBS, 'web').body as KubeObject & { status: { disruptionsAllowed: number; disruptedPods: Record<string, string>; conditions: { type: string; status: string; reason: string }[] } };
    assert.equal(b.status.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(b.status.disruptedPods), ['web-1']);
    assert.deepEqual(b.status.conditions.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'False', 'InsufficientPods']]);
    // A second pod now finds the budget spent.
    runningPod(h, 'web-2');
    assert.equal(evict(h, 'web-2').code, 429);
  });

  it('deletes a terminal pod whatever its budget says', () => {
    const h = new Harness({ seed: 'evict-terminal' });
    h.waitReady();
    runningPod(h, 'done', { phase: 'Succeeded', ready: false });
    budget(h, 'web', 0);
    const r = evict(h, 'done');
    assert.equal(r.code, 201, show(r));
    assert.equal(get(h, ns, 'done').code, 404, 'a terminal pod is removed at once');
    assert.equal(((get(h, PDBS, 'web').body as KubeObject).status as { disruptionsAllowed: number }).disruptionsAllowed, 0, 'the budget is not touched');
  });

  it('evicts a pod no budget covers, answers 404 for a missing pod and 500 for a pod with two budgets', () => {
    const h = new Harness({ seed: 'evict-misc' });
    h.waitReady();
    runningPod(h, 'lonely', { labels: { app: 'other' } });
    budget(h, 'web', 0);
    assert.equal(evict(h, 'lonely').code, 201);
    const missing = evict(h, 'ghost');
    assert.equal(missing.code, 404, show(missing));
    assert.equal(statusOf(missing.body).message, 'pods "ghost" not found');
    runningPod(h, 'web-1');
    budget(h, 'web-too', 1);
    const two = evict(h, 'web-1');
    assert.equal(two.code, 500, show(two));
    assert.equal(statusOf(two.body).message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it('answers 429 while the disruption controller has not observed the budget\'s generation', () => {
    const h = new Harness({ seed: 'evict-gen' });
    h.waitReady();
    runningPod(h, 'web-1');
    budget(h, 'web', 1, { observedGeneration: 0 });
    const r = evict(h, 'web-1');
    assert.equal(r.code, 429, show(r));
    assert.equal(statusOf(r.body).details?.causes?.[0]?.message, 'The disruption budget web is still being processed by the server.');
    assert.equal(statusOf(r.body).details?.retryAfterSeconds, 10);
  });

  it('refuses an Eviction whose name is not the URL\'s', () => {
    const h = new Harness({ seed: 'evict-name' });
    h.waitReady();
    runningPod(h, 'web-1');
    const r = h.call({ verb: 'create', ...ns, name: 'web-1', subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-2' } } as KubeObject });
    assert.equal(r.code, 400, show(r));
    assert.equal(statusOf(r.body).message, 'name in URL does not match name in Eviction object');
  });
});
