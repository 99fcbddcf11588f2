/**
 * kube-apiserver's optimistic concurrency on a real simulated etcd: an update carrying a stale
 * resourceVersion is refused with 409 Conflict, an update without one is unconditional, a create
 * of an existing name is 409 AlreadyExists; and resourceVersion is etcd's mod revision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { range } from '../../actors/etcd/mvcc.ts';
import { Harness, LEASES, PODS, lease, pod, rvOf, show, statusOf } from './harness.ts';

function ready(seed: string): Harness {
  const h = new Harness({ seed });
  h.waitReady();
  return h;
}

function withHolder(obj: KubeObject, holder: string): KubeObject {
  return { ...obj, spec: { ...(obj.spec as object), holderIdentity: holder } };
}

describe('apiserver: update with a stale resourceVersion', () => {
  it('answers 409 Conflict to a stale update, and keeps the newer object', () => {
    const h = ready('occ-1');
    const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
    assert.equal(created.code, 201, show(created));

    const read = h.call({ verb: 'get', ...LEASES, namespace: 'default', name: 'x' });
    assert.equal(read.code, 200, show(read));
    const r1 = rvOf(read.body);
    assert.equal(r1, rvOf(created.body));

    const updated = h.call({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(read.body as KubeObject, 'holder-b') });
    assert.equal(updated.code, 200, show(updated));
    const r2 = rvOf(updated.body);
    assert.ok(Number(r2) > Number(r1), `R2 ${r2} > R1 ${r1}`);

    const stale = h.call({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(read.body as KubeObject, 'holder-c') });
    assert.equal(stale.code, 409, show(stale));
    const status = statusOf(stale.body);
    assert.equal(status.reason, 'Conflict');
    assert.equal(status.status, 'Failure');
    assert.equal(
      status.message,
      'Operation cannot be fulfilled on leases.coordination.k8s.io "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.deepEqual(status.details, { name: 'x', group: 'coordination.k8s.io', kind: 'leases' });

    const after = h.call({ verb: 'get', ...LEASES, namespace: 'default', name: 'x' });
    assert.equal(after.code, 200);
    assert.equal(rvOf(after.body), r2, 'the refused update wrote nothing');
    assert.equal((after.body as { spec: { holderIdentity: string } }).spec.holderIdentity, 'holder-b');
  });

  it('answers 409 Conflict to a stale update sent before the watch cache caught up', () => {
    // Both updates leave at once: the second one's resourceVersion is stale by the time it is served.
    const h = ready('occ-2');
    const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
    assert.equal(created.code, 201, show(created));
    const c = h.client();
    const first = c.send({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(created.body as KubeObject, 'holder-b') });
    const second = c.send({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(created.body as KubeObject, 'holder-c') });
    h.until(() => c.results.has(first) && c.results.has(second), 5_000);
    const codes = [c.result(first)!.code, c.result(second)!.code].sort();
    assert.deepEqual(codes, [200, 409], `${show(c.result(first)!)} / ${show(c.result(second)!)}`);
    const loser = [c.result(first)!, c.result(second)!].find((r) => r.code === 409)!;
    assert.equal(statusOf(loser.body).reason, 'Conflict');
  });

  it('names the resource in the Conflict message for a core-group resource', () => {
    const h = ready('occ-3');
    const created = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('web') });
    assert.equal(created.code, 201, show(created));
    const labelled = (o: KubeObject, v: string): KubeObject => ({ ...o, metadata: { ...o.metadata, labels: { v } } });
    const ok = h.call({ verb: 'update', ...PODS, namespace: 'default', name: 'web', body: labelled(created.body as KubeObject, '1') });
    assert.equal(ok.code, 200, show(ok));
    const stale = h.call({ verb: 'update', ...PODS, namespace: 'default', name: 'web', body: labelled(created.body as KubeObject, '2') });
    assert.equal(stale.code, 409, show(stale));
    assert.equal(
      statusOf(stale.body).message,
      'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('applies an update without resourceVersion unconditionally (last write wins)', () => {
    const h = ready('occ-4');
    const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
    assert.equal(created.code, 201, show(created));
    const moved = h.call({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(created.body as KubeObject, 'holder-b') });
    assert.equal(moved.code, 200, show(moved));

    // Built from the first version, without its resourceVersion: still accepted, and it wins.
    const { resourceVersion: _rv, ...meta } = (created.body as KubeObject).metadata!;
    void _rv;
    const blind = h.call({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: { ...withHolder(created.body as KubeObject, 'holder-d'), metadata: meta } });
    assert.equal(blind.code, 200, show(blind));
    assert.ok(Number(rvOf(blind.body)) > Number(rvOf(moved.body)));
    const after = h.call({ verb: 'get', ...LEASES, namespace: 'default', name: 'x' });
    assert.equal((after.body as { spec: { holderIdentity: string } }).spec.holderIdentity, 'holder-d');
    assert.equal(rvOf(after.body), rvOf(blind.body));
  });

  it('answers 409 AlreadyExists to a create of an existing name', () => {
    const h = ready('occ-5');
    const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
    assert.equal(created.code, 201, show(created));
    const again = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x', 'someone-else') });
    assert.equal(again.code, 409, show(again));
    const status = statusOf(again.body);
    assert.equal(status.reason, 'AlreadyExists');
    assert.equal(status.message, 'leases.coordination.k8s.io "x" already exists');
    const after = h.call({ verb: 'get', ...LEASES, namespace: 'default', name: 'x' });
    assert.equal(rvOf(after.body), rvOf(created.body), 'the existing object is untouched');
  });
});

describe('apiserver: resourceVersion is etcd’s mod revision', () => {
  it('gives an object the mod revision of its key in the etcd leader’s store', () => {
    const h = ready('rv-1');
    const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
    assert.equal(created.code, 201, show(created));
    let current = created.body as KubeObject;
    for (const holder of ['b', 'c', 'd']) {
      const r = h.call({ verb: 'update', ...LEASES, namespace: 'default', name: 'x', body: withHolder(current, holder) });
      assert.equal(r.code, 200, show(r));
      current = r.body as KubeObject;
      // Another key written in between, so mod revisions are not simply consecutive.
      assert.equal(h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease(`other-${holder}`) }).code, 201);
    }
    const got = h.call({ verb: 'get', ...LEASES, namespace: 'default', name: 'x' });
    assert.equal(got.code, 200, show(got));
    const store = h.leaderStore();
    const kv = range(store, '/registry/leases/default/x');
    assert.ok(!('error' in kv));
    assert.equal(kv.kvs.length, 1);
    assert.equal(rvOf(current), String(kv.kvs[0]!.modRevision), 'the update’s answer');
    assert.equal(rvOf(got.body), String(kv.kvs[0]!.modRevision), 'a get');
    // The stored value carries no resourceVersion: it is the key's revision.
    assert.equal((JSON.parse(kv.kvs[0]!.value) as KubeObject).metadata?.resourceVersion, undefined);
  });

  it('gives a consistent list the store’s revision, and each item its mod revision', () => {
    const h = ready('rv-2');
    for (const name of ['a', 'b', 'c']) assert.equal(h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease(name) }).code, 201);
    const list = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: '' } });
    assert.equal(list.code, 200, show(list));
    const store = h.leaderStore();
    assert.equal(rvOf(list.body), String(store.revision));
    for (const item of (list.body as { items: KubeObject[] }).items) {
      const kv = range(store, `/registry/leases/default/${item.metadata!.name!}`);
      assert.ok(!('error' in kv));
      assert.equal(rvOf(item), String(kv.kvs[0]!.modRevision));
    }
  });

  it('gives a consistent list the store’s revision even when the last write was to another resource', () => {
    // etcd's revision is global: after a pod write, a consistent list of leases is at that revision.
    const h = ready('rv-3');
    assert.equal(h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('a') }).code, 201);
    assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('p') }).code, 201);
    const list = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: '' } });
    assert.equal(list.code, 200, show(list));
    assert.ok(list.atMs - list.sentAtMs < 2_000, `answered in ${list.atMs - list.sentAtMs} ms`);
    assert.equal(rvOf(list.body), String(h.leaderStore().revision));
    assert.deepEqual(
      (list.body as { items: KubeObject[] }).items.map((i) => i.metadata?.name),
      ['a'],
    );
  });
});
