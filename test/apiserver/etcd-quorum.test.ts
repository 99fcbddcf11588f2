/**
 * kube-apiserver while etcd has no quorum: a write waits for etcd's request timeout and fails with
 * etcd's own error, 500 "etcdserver: request timed out", about 7 s later; a read that allows any
 * resourceVersion ("0") is still served from the watch cache.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STATUS_REASON_UNKNOWN } from '../../actors/api/errors.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { ETCD_MEMBERS, ETCD_REQUEST_TIMEOUT_MS, Harness, LEASES, lease, rvOf, show, statusOf } from './harness.ts';

function lostQuorum(seed: string, crashLeader: boolean): { h: Harness; created: KubeObject } {
  const h = new Harness({ seed });
  h.waitReady();
  const created = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('x') });
  assert.equal(created.code, 201, show(created));
  h.runFor(200);
  const leader = h.etcdLeader();
  assert.ok(leader);
  const followers = ETCD_MEMBERS.filter((m) => m !== leader);
  const victims = crashLeader ? [leader, followers[0]!] : followers;
  for (const m of victims) h.sim.crash(m);
  return { h, created: created.body as KubeObject };
}

describe('apiserver: etcd without quorum', { timeout: 120_000 }, () => {
  for (const crashLeader of [false, true]) {
    const which = crashLeader ? 'the leader and a follower' : 'both followers';
    it(`fails a create with 500 "etcdserver: request timed out" after ~7 s, and serves gets at "0" from the cache (${which} down)`, () => {
      const { h, created } = lostQuorum(`quorum-${crashLeader ? 'leader' : 'followers'}`, crashLeader);
      const c = h.client();
      h.runFor(100);
      const createId = c.send({ verb: 'create', ...LEASES, namespace: 'default', body: lease('y') });
      h.runFor(100);
      const getId = c.send({ verb: 'get', ...LEASES, namespace: 'default', name: 'x', options: { resourceVersion: '0' } });
      const listId = c.send({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: '0' } });
      h.runFor(500);

      const get = c.result(getId);
      assert.ok(get, 'the get was answered at once');
      assert.equal(get.code, 200, show(get));
      assert.equal(rvOf(get.body), rvOf(created));
      assert.equal((get.body as KubeObject).metadata?.name, 'x');
      const list = c.result(listId);
      assert.equal(list?.code, 200);
      assert.deepEqual((list!.body as { items: KubeObject[] }).items.map((i) => i.metadata?.name), ['x']);
      assert.equal(c.result(createId), undefined, 'the create is still waiting for etcd');

      assert.ok(h.until(() => c.results.has(createId), 10_000), 'the create was answered');
      const create = c.result(createId)!;
      assert.equal(create.code, 500, show(create));
      const status = statusOf(create.body);
      assert.equal(status.message, 'etcdserver: request timed out');
      // ErrorToAPIStatus of a raw (non-Status) error: 500 with metav1.StatusReasonUnknown, which is "".
      assert.equal(status.reason, STATUS_REASON_UNKNOWN);
      assert.equal(status.status, 'Failure');
      const took = create.atMs - create.sentAtMs;
      assert.ok(took >= ETCD_REQUEST_TIMEOUT_MS && took <= 8_000, `answered after ${took} ms`);
      // Nothing was written.
      assert.equal(h.core().lookup.get('leases', 'default', 'y'), undefined);
    });
  }
});
