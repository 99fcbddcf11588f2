/** The ReplicaSet controller's sync on hand-built caches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { PODS } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { newReplicaSetState, RS, syncReplicaSet, type ReplicaSetState } from '../../actors/controllers/replicaset/replicaset.ts';
import { fakeContext, type FakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

export const rs = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', generation: 1 },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra },
});

const owned = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

export function pod(name: string, opts: { node?: string; phase?: string; ready?: boolean; readySinceMs?: number; createdMs?: number; owner?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: 'web' },
      creationTimestamp: timestamp(opts.createdMs ?? 0),
      ...(opts.owner === false ? {} : { ownerReferences: [owned] }),
    },
    spec: { ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: timestamp(opts.readySinceMs ?? 0) }],
    },
  } as KubeObject;
}

const writes = (actions: readonly Action<ReplicaSetState>[]): WriteAction<ReplicaSetState>[] => actions.filter((a): a is WriteAction<ReplicaSetState> => a.kind === 'write');
const creates = (actions: readonly Action<ReplicaSetState>[]) => writes(actions).filter((w) => w.request.verb === 'create');

let serial = 0;
/** Answers every create: `code(i)` for the i-th create answered overall. Returns the batch sizes and events. */
function answerCreates(first: readonly Action<ReplicaSetState>[], ctx: FakeContext<ReplicaSetState>, code: (i: number) => number) {
  const batches: number[] = [];
  const events: string[] = [];
  let pending = creates(first);
  let i = 0;
  while (pending.length > 0) {
    batches.push(pending.length);
    const next: WriteAction<ReplicaSetState>[] = [];
    for (const w of pending) {
      const c = code(i++);
      const body = c === 201 ? { ...w.request.body!, metadata: { ...w.request.body!.metadata, name: `web-${++serial}` } } : { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'pods "web-x" is forbidden: exceeded quota', reason: 'Forbidden', code: c };
      const more = w.onResult?.({ tag: 't', reqId: i, code: c, body } as ApiResult, ctx) ?? [];
      for (const a of more) if (a.kind === 'event') events.push(`${a.reason}: ${a.message}`);
      next.push(...creates(more));
    }
    pending = next;
  }
  return { batches, events };
}

describe('replicaset sync', () => {
  it('creates from the template in slow-start batches, owned and named by generateName', T, () => {
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(10)]], [PODS, []]], 1000);
    const actions = syncReplicaSet('default/web', ctx);
    const first = creates(actions);
    assert.equal(first.length, 1);
    const body = first[0]!.request.body!;
    assert.equal(body.metadata?.generateName, 'web-');
    assert.deepEqual(body.metadata?.labels, { app: 'web' });
    assert.deepEqual(body.metadata?.ownerReferences, [owned]);
    const { batches, events } = answerCreates(actions, ctx, () => 201);
    assert.deepEqual(batches, [1, 2, 4, 3]);
    assert.equal(events.length, 10);
    assert.match(events[0]!, /^SuccessfulCreate: Created pod: web-\d+$/);
    assert.deepEqual(ctx.state.expectations.pending('default/web'), { add: 10, del: 0 });
  });

  it('expectations suppress a second burst until the pods are seen', T, () => {
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(3)]], [PODS, []]], 1000);
    answerCreates(syncReplicaSet('default/web', ctx), ctx, () => 201);
    assert.equal(creates(syncReplicaSet('default/web', ctx)).length, 0);
    for (let i = 0; i < 3; i++) ctx.state.expectations.creationObserved('default/web');
    assert.equal(creates(syncReplicaSet('default/web', ctx)).length, 1);
  });

  it('expectations expire after 5 minutes', T, () => {
    const state = newReplicaSetState();
    const ctx = fakeContext(state, [[RS, [rs(3)]], [PODS, []]], 1000);
    syncReplicaSet('default/web', ctx);
    assert.equal(creates(syncReplicaSet('default/web', fakeContext(state, [[RS, [rs(3)]], [PODS, []]], 1000 + 300_000))).length, 0);
    assert.equal(creates(syncReplicaSet('default/web', fakeContext(state, [[RS, [rs(3)]], [PODS, []]], 1001 + 300_000))).length, 1);
  });

  it('slow start stops at the first failing batch; skipped creates no longer awaited', T, () => {
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(20)]], [PODS, []]], 1000);
    const { batches, events } = answerCreates(syncReplicaSet('default/web', ctx), ctx, (i) => (i === 4 ? 403 : 201));
    assert.deepEqual(batches, [1, 2, 4]);
    assert.ok(events.includes('FailedCreate: Error creating: pods "web-x" is forbidden: exceeded quota'));
    // 6 created (awaited through the informer), the failed one and the 13 never sent are not.
    assert.deepEqual(ctx.state.expectations.pending('default/web'), { add: 6, del: 0 });
  });

  it('at most 500 creates per sync', T, () => {
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(2000)]], [PODS, []]], 1000);
    const { batches } = answerCreates(syncReplicaSet('default/web', ctx), ctx, () => 201);
    assert.equal(batches.reduce((a, b) => a + b, 0), 500);
  });

  it('scale down deletes the ranked pods: unassigned, then not ready, then the newest', T, () => {
    const now = 3_600_000;
    const pods = [
      pod('old-ready', { node: 'n1', createdMs: 0, readySinceMs: 1000 }),
      pod('unassigned', { phase: 'Pending', ready: false, createdMs: 0 }),
      pod('not-ready', { node: 'n2', ready: false, createdMs: 0 }),
      pod('young-ready', { node: 'n3', createdMs: now - 2000, readySinceMs: now - 1000 }),
    ];
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(1)]], [PODS, pods]], now);
    const deletes = writes(syncReplicaSet('default/web', ctx)).filter((w) => w.request.verb === 'delete');
    assert.deepEqual(deletes.map((w) => w.request.name), ['unassigned', 'not-ready', 'young-ready']);
    assert.deepEqual(ctx.state.expectations.pending('default/web'), { add: 0, del: 3 });
    const ev = deletes[0]!.onResult?.({ tag: 't', reqId: 1, code: 200, body: pods[1]! }, ctx) ?? [];
    assert.deepEqual(ev.map((a) => a.kind === 'event' && a.message), ['Deleted pod: unassigned']);
  });

  it('adopts a matching orphan, releases an owned pod that no longer matches, ignores terminal pods', T, () => {
    const pods = [
      pod('orphan', { owner: false, node: 'n1' }),
      pod('relabelled', { labels: { app: 'other' }, node: 'n1' }),
      pod('done', { phase: 'Succeeded', node: 'n1' }),
      pod('ok', { node: 'n1' }),
    ];
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(2)]], [PODS, pods]], 1000);
    const w = writes(syncReplicaSet('default/web', ctx));
    const patches = w.filter((x) => x.request.verb === 'patch');
    assert.deepEqual(patches.map((x) => [x.request.name, (x.request.body as { metadata: { ownerReferences: unknown } }).metadata.ownerReferences]), [
      ['orphan', [owned]],
      ['relabelled', null],
    ]);
    assert.equal(w.filter((x) => x.request.verb === 'create' || x.request.verb === 'delete').length, 0);
  });

  it('writes status through the status subresource, availability honouring minReadySeconds', T, () => {
    const now = 100_000;
    const pods = [pod('a', { node: 'n', readySinceMs: 0 }), pod('b', { node: 'n', readySinceMs: now - 5000 }), pod('c', { node: 'n', ready: false })];
    const ctx = fakeContext(newReplicaSetState(), [[RS, [rs(3, { minReadySeconds: 10 })]], [PODS, pods]], now);
    const status = writes(syncReplicaSet('default/web', ctx)).find((w) => w.request.subresource === 'status')!;
    assert.equal(status.request.verb, 'update');
    assert.deepEqual((status.request.body as { status: unknown }).status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
  });
});
