/**
 * The controller host with small test controllers against the in-memory apiserver: shared
 * informers and their indexes, handlers replayed from the caches on becoming leader, workers and
 * keys busy while their writes are in flight, rate-limited retries, periodic passes, deadlines,
 * events under the controller's reporter name, and what a lost lease does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { microTimestamp } from '../../actors/api/time.ts';
import { controllerState, newControllerManager } from '../../actors/controllers/controller-manager-core.ts';
import { BY_NODE, NAMESPACES, PODS } from '../../actors/controllers/host/resources.ts';
import { defineController, type InformerSpec } from '../../actors/controllers/host/types.ts';
import { newApiClient } from '../../actors/client/api-client.ts';
import { FakeCluster } from './fake-cluster.ts';

const T = { timeout: 20_000 };

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels }, status: { phase: 'Active' } });
const pod = (name: string, node?: string, app?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', ...(app ? { labels: { app } } : {}) },
  spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'nginx' }] },
});

/** A controller that writes one ConfigMap per namespace key, and counts its syncs. */
function configMapWriter(workers: number, fail: (key: string, attempt: number) => boolean = () => false) {
  return defineController<{ syncs: string[]; answers: number }>({
    name: 'writer',
    reporter: 'writer-controller',
    informers: [NAMESPACES],
    handlers: [{ informer: NAMESPACES, onAdd: (o, ctx) => ctx.enqueue(o.metadata!.name!), onUpdate: (_old, o, ctx) => ctx.enqueue(o.metadata!.name!) }],
    queues: [
      {
        workers,
        sync: (key, ctx) => {
          const attempt = ctx.state.syncs.filter((k) => k.startsWith(`${key}@`)).length;
          ctx.state.syncs.push(`${key}@${ctx.nowMs}`);
          if (fail(key, attempt)) return [{ kind: 'fail' }];
          return [
            {
              kind: 'write',
              request: { verb: 'create', apiVersion: 'v1', resource: 'configmaps', namespace: key, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${attempt}`, namespace: key } } },
              traces: [{ action: 'wrote', object: `configmap/${key}/cm-${attempt}`, detail: '' }],
              tolerate: [409],
              onResult: (_r, c) => void c.state.answers++,
            },
          ];
        },
      },
    ],
    newState: () => ({ syncs: [], answers: 0 }),
  });
}

describe('controller host: shared informers', T, () => {
  it('one informer per resource for every controller that reads it, with every indexer, following the cache', T, () => {
    const BY_APP = 'app';
    const appIndex = (o: KubeObject): readonly string[] => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);
    const podsByApp: InformerSpec = { apiVersion: 'v1', resource: 'pods', indexers: { [BY_APP]: appIndex } };
    const a = defineController<null>({ name: 'a', reporter: 'a', informers: [PODS], newState: () => null });
    const b = defineController<null>({ name: 'b', reporter: 'b', informers: [podsByApp, NAMESPACES], newState: () => null });
    const cluster = new FakeCluster();
    cluster.put('pods', pod('p1', 'n1', 'web'));
    const cm = cluster.startControllerManager('kcm', { controllers: [a, b] });
    assert.deepEqual(cm.informers.all.map((i) => i.state.config.name), ['pods', 'namespaces']);
    const view = cm.informers.of(PODS)!.view;
    assert.equal(cm.informers.of(podsByApp), cm.informers.of(PODS));
    assert.deepEqual(view.byIndex(BY_NODE, 'n1'), ['default/p1']);
    assert.deepEqual(view.byIndex(BY_APP, 'web'), ['default/p1']);
    cluster.put('pods', pod('p2', 'n1'));
    cluster.put('pods', { ...pod('p1', 'n2', 'api') });
    assert.deepEqual(view.byIndex(BY_NODE, 'n1'), ['default/p2']);
    assert.deepEqual(view.byIndex(BY_NODE, 'n2'), ['default/p1']);
    assert.deepEqual(view.byIndex(BY_APP, 'web'), []);
    assert.deepEqual(view.byIndex(BY_APP, 'api'), ['default/p1']);
    cluster.remove('pods', 'default', 'p1');
    assert.deepEqual(view.byIndex(BY_NODE, 'n2'), []);
    assert.throws(() => view.byIndex('nope', 'x'), /no index nope/);
  });

  it('refuses a handler or a read on an informer the controller did not declare, and a name used twice', T, () => {
    const client = newApiClient({ name: 'kcm', token: 't', server: 's', requestTimeoutMs: 1, readIdleTimeoutMs: 1 });
    const sneaky = defineController<null>({ name: 'x', reporter: 'x', informers: [], handlers: [{ informer: PODS, onAdd: () => undefined }], newState: () => null });
    assert.throws(() => newControllerManager('kcm_1', client, { controllers: [sneaky] }), /handles pods without declaring/);
    const twice = defineController<null>({ name: 'y', reporter: 'y', informers: [], newState: () => null });
    assert.throws(() => newControllerManager('kcm_1', client, { controllers: [twice, twice] }), /registered twice/);
  });
});

describe('controller host: leadership', T, () => {
  it('only the leader runs controllers; informers start when it first leads; a new term starts from the caches', T, () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', ns('a'));
    cluster.put('namespaces', ns('b'));
    const leader = cluster.startControllerManager('kcm-0', { controllers: [configMapWriter(4)] });
    const standby = cluster.startControllerManager('kcm-1', { controllers: [configMapWriter(4)] });
    assert.equal(leader.informersStarted, true);
    assert.equal(standby.informersStarted, false, 'a standby keeps no caches');
    assert.deepEqual(controllerState<{ syncs: string[] }>(leader, 'writer')!.syncs, ['a@0', 'b@0']);
    assert.deepEqual(controllerState<{ syncs: string[] }>(standby, 'writer')!.syncs, []);
    // The leader loses the lease to someone that then goes silent; after the lease duration it takes it back.
    const lease = cluster.get('leases', 'kube-system', 'kube-controller-manager')!;
    cluster.put('leases', { ...lease, spec: { holderIdentity: 'someone', leaseDurationSeconds: 15, renewTime: microTimestamp(cluster.now) } });
    cluster.put('namespaces', ns('c'));
    assert.deepEqual(controllerState<{ syncs: string[] }>(leader, 'writer')!.syncs, ['a@0', 'b@0', 'c@0']);
    cluster.advance(2_000);
    assert.equal(leader.leader.isLeader, false);
    assert.deepEqual(controllerState<{ syncs: string[] }>(leader, 'writer')!.syncs, [], 'state dropped');
    cluster.advance(30_000);
    const back = [leader, standby].find((c) => c.leader.isLeader)!;
    assert.ok(back);
    const syncs = controllerState<{ syncs: string[] }>(back, 'writer')!.syncs;
    assert.deepEqual(syncs.map((k) => k.split('@')[0]), ['a', 'b', 'c'], 'every cached namespace handed over as an add, in key order');
  });

  it('a lost lease stops the controllers and drops their state; answers to the old term reach no one', T, () => {
    const cluster = new FakeCluster();
    let ticks = 0;
    const ticker = defineController<{ answers: number }>({
      name: 'ticker',
      reporter: 'ticker-controller',
      informers: [NAMESPACES],
      periodic: [{ name: 'tick', periodMs: () => 1_000, run: () => (ticks++, []) }],
      handlers: [{ informer: NAMESPACES, onAdd: (o, ctx) => ctx.enqueue(o.metadata!.name!) }],
      queues: [
        {
          workers: 1,
          sync: (key) => [{ kind: 'write', request: { verb: 'create', apiVersion: 'v1', resource: 'configmaps', namespace: key, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: key } } }, traces: [{ action: 'wrote', object: key, detail: '' }], onResult: (_r, c) => void c.state.answers++ }],
        },
      ],
      newState: () => ({ answers: 0 }),
    });
    cluster.hold = (r) => r.resource === 'configmaps';
    cluster.put('namespaces', ns('a'));
    const cm = cluster.startControllerManager('kcm-0', { controllers: [ticker] });
    cluster.advance(3_500);
    assert.equal(ticks, 4, 'at 0, 1, 2 and 3 s');
    const before = controllerState<{ answers: number }>(cm, 'ticker');
    // Someone else takes the lease; the next retry sees it held.
    cluster.put('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...cluster.get('leases', 'kube-system', 'kube-controller-manager')!.metadata }, spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: microTimestamp(cluster.now) } });
    cluster.advance(4_000);
    assert.equal(cm.leader.isLeader, false);
    const ticksAtLoss = ticks;
    cluster.advance(9_000);
    assert.equal(ticks, ticksAtLoss, 'no pass after the lease is lost');
    const after = controllerState<{ answers: number }>(cm, 'ticker');
    assert.notEqual(after, before, 'fresh state');
    cluster.release();
    assert.equal(after!.answers, 0, 'the old term’s answer does not reach the new state');
    assert.equal(before!.answers, 0);
    assert.deepEqual(cluster.controllerTraces('wrote').map((f) => f.object), ['a'], 'the write happened: traced');
  });
});

describe('controller host: work queues', T, () => {
  it('a key is busy until its writes are answered; workers bound the syncs in flight; a key re-added meanwhile syncs again after', T, () => {
    const cluster = new FakeCluster();
    for (const n of ['a', 'b', 'c']) cluster.put('namespaces', ns(n));
    cluster.hold = (r) => r.resource === 'configmaps';
    const cm = cluster.startControllerManager('kcm', { controllers: [configMapWriter(2)] });
    const state = controllerState<{ syncs: string[]; answers: number }>(cm, 'writer')!;
    assert.deepEqual(state.syncs, ['a@0', 'b@0'], 'two workers, two keys in flight');
    cluster.put('namespaces', ns('a', { changed: 'yes' }));
    assert.deepEqual(state.syncs, ['a@0', 'b@0'], 'a is in flight: not synced twice at once');
    cluster.advance(10);
    cluster.hold = () => false;
    cluster.release();
    assert.deepEqual(state.syncs, ['a@0', 'b@0', 'c@10', 'a@10'], 'c, then a again');
    assert.equal(state.answers, 4);
    // (The fake answers at once, so answers nest: sorted.)
    assert.deepEqual(cluster.controllerTraces('wrote').map((f) => f.object).sort(), ['configmap/a/cm-0', 'configmap/a/cm-1', 'configmap/b/cm-0', 'configmap/c/cm-0']);
  });

  it('a failed sync is retried rate-limited (5 ms, 10 ms, ...); a tolerated failure is not', T, () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', ns('a'));
    cluster.put('namespaces', ns('b'));
    cluster.put('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-0', namespace: 'b' } });
    const cm = cluster.startControllerManager('kcm', { controllers: [configMapWriter(1, (key, attempt) => key === 'a' && attempt < 2)] });
    cluster.advance(1_000);
    const state = controllerState<{ syncs: string[] }>(cm, 'writer')!;
    assert.deepEqual(state.syncs, ['a@0', 'b@0', 'a@5', 'a@15'], 'b: 409 tolerated, done; a: failed twice, then wrote');
  });

  it('writes returned by a write callback belong to the same sync: the key stays busy, and their failure re-queues it', T, () => {
    const cluster = new FakeCluster();
    cluster.put('namespaces', ns('a'));
    const cmBody = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a' } });
    const chained = defineController<{ syncs: number[] }>({
      name: 'chained',
      reporter: 'chained-controller',
      informers: [NAMESPACES],
      handlers: [{ informer: NAMESPACES, onAdd: (o, ctx) => ctx.enqueue(o.metadata!.name!), onUpdate: (_o, o, ctx) => ctx.enqueue(o.metadata!.name!) }],
      queues: [
        {
          workers: 1,
          sync: (key, ctx) => {
            ctx.state.syncs.push(ctx.nowMs);
            const n = ctx.state.syncs.length;
            return [
              {
                kind: 'write',
                request: { verb: 'create', apiVersion: 'v1', resource: 'configmaps', namespace: key, body: cmBody(`first-${n}`) },
                onResult: () => [{ kind: 'write', request: { verb: 'create', apiVersion: 'v1', resource: 'configmaps', namespace: key, body: cmBody(`second-${n}`) } }],
              },
            ];
          },
        },
      ],
      newState: () => ({ syncs: [] }),
    });
    cluster.hold = (r) => r.resource === 'configmaps' && r.body?.metadata?.name === 'second-1';
    const cm = cluster.startControllerManager('kcm', { controllers: [chained] });
    const state = controllerState<{ syncs: number[] }>(cm, 'chained')!;
    cluster.put('namespaces', ns('a', { changed: 'yes' }));
    assert.deepEqual(state.syncs, [0], 'the chained write is in flight: the key is busy');
    cluster.advance(10);
    cluster.release();
    assert.deepEqual(state.syncs, [0, 10], 're-added meanwhile: synced again once the chained write is answered');

    const failing = new FakeCluster();
    failing.put('namespaces', ns('a'));
    failing.fault = (r) => (r.resource === 'configmaps' && r.body?.metadata?.name === 'second-1' ? 500 : null);
    const cm2 = failing.startControllerManager('kcm', { controllers: [chained] });
    failing.advance(1_000);
    assert.deepEqual(controllerState<{ syncs: number[] }>(cm2, 'chained')!.syncs, [0, 5], 'the chained write failed: retried rate-limited');
  });
});

describe('controller host: timers and events', T, () => {
  it('deadlines wake the controller; its events carry its reporter name', T, () => {
    const cluster = new FakeCluster();
    const alarm = defineController<{ due: Map<string, number> }>({
      name: 'alarm',
      reporter: 'alarm-controller',
      informers: [NAMESPACES],
      handlers: [{ informer: NAMESPACES, onAdd: (o, ctx) => void ctx.state.due.set(o.metadata!.name!, ctx.nowMs + 250) }],
      deadlines: {
        next: (s) => (s.due.size === 0 ? undefined : Math.min(...s.due.values())),
        run: (ctx) =>
          [...ctx.state.due]
            .filter(([, at]) => at <= ctx.nowMs)
            .map(([name]) => {
              ctx.state.due.delete(name);
              return { kind: 'event' as const, object: ns(name), type: 'Normal' as const, reason: 'Alarm', message: `rang at ${ctx.nowMs}` };
            }),
      },
      newState: () => ({ due: new Map() }),
    });
    cluster.startControllerManager('kcm', { controllers: [alarm] });
    cluster.advance(100);
    cluster.put('namespaces', ns('a'));
    cluster.advance(1_000);
    const events = cluster.traces.filter((t) => t.kind === 'k8s.event').map((t) => t.fields);
    assert.deepEqual(events.map((f) => [f.object, f.message]), [['namespace/a', 'rang at 350']]);
    const posted = cluster.writes.find((r) => r.resource === 'events')!.body as { source: { component: string }; reportingComponent: string };
    assert.equal(posted.source.component, 'alarm-controller');
    assert.equal(posted.reportingComponent, 'alarm-controller');
  });
});
