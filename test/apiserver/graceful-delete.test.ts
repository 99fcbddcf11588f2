/**
 * Pod deletion: a pod bound to a node is deleted gracefully (deletionTimestamp = now + grace,
 * deletionGracePeriodSeconds 30 by default, 200 with the pod, still stored) so its kubelet can stop
 * it; a delete with gracePeriodSeconds 0 removes it; an unbound pod is removed at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { timestamp } from '../../actors/api/time.ts';
import { range } from '../../actors/etcd/mvcc.ts';
import { Harness, PODS, pod, rvOf, show, statusOf } from './harness.ts';

const ns = { ...PODS, namespace: 'default' } as const;

function inEtcd(h: Harness, name: string): KubeObject | undefined {
  const r = range(h.leaderStore(), `/registry/pods/default/${name}`);
  assert.ok(!('error' in r));
  const kv = r.kvs[0];
  return kv ? (JSON.parse(kv.value) as KubeObject) : undefined;
}

describe('apiserver: graceful pod deletion', () => {
  it('marks a bound pod for deletion with a 30 s grace period, then removes it on a delete with grace 0', () => {
    const h = new Harness({ seed: 'graceful' });
    h.waitReady();
    const created = h.call({ verb: 'create', ...ns, body: pod('bound', { nodeName: 'node-1' }) });
    assert.equal(created.code, 201, show(created));
    assert.equal(((created.body as KubeObject).spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds, 30, 'defaulted');

    const del = h.call({ verb: 'delete', ...ns, name: 'bound' });
    assert.equal(del.code, 200, show(del));
    const marked = del.body as KubeObject;
    assert.equal(marked.kind, 'Pod', 'a graceful delete answers with the pod');
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 30);
    const expected = [timestamp(del.sentAtMs + 30_000), timestamp(del.atMs + 30_000)];
    assert.ok(expected.includes(marked.metadata?.deletionTimestamp ?? ''), `deletionTimestamp ${marked.metadata?.deletionTimestamp} is now + 30 s (${expected.join(' or ')})`);
    assert.ok(Number(rvOf(marked)) > Number(rvOf(created.body)), 'the mark is a write');

    // Still there, marked, for the kubelet to see.
    const got = h.call({ verb: 'get', ...ns, name: 'bound' });
    assert.equal(got.code, 200, show(got));
    assert.equal((got.body as KubeObject).metadata?.deletionTimestamp, marked.metadata?.deletionTimestamp);
    assert.equal((got.body as KubeObject).metadata?.deletionGracePeriodSeconds, 30);
    assert.equal(inEtcd(h, 'bound')?.metadata?.deletionGracePeriodSeconds, 30);

    // Deleting again with the same grace changes nothing.
    const again = h.call({ verb: 'delete', ...ns, name: 'bound' });
    assert.equal(again.code, 200, show(again));
    assert.equal(rvOf(again.body), rvOf(marked));

    // The kubelet's (or a forced) delete with grace 0 removes it.
    const force = h.call({ verb: 'delete', ...ns, name: 'bound', options: { gracePeriodSeconds: 0 } });
    assert.equal(force.code, 200, show(force));
    assert.equal((force.body as KubeObject).metadata?.name, 'bound');
    assert.equal(inEtcd(h, 'bound'), undefined, 'gone from etcd');
    const after = h.call({ verb: 'get', ...ns, name: 'bound' });
    assert.equal(after.code, 404, show(after));
    assert.equal(statusOf(after.body).message, 'pods "bound" not found');
  });

  it('honours a shorter grace period given on the delete', () => {
    const h = new Harness({ seed: 'graceful-short' });
    h.waitReady();
    assert.equal(h.call({ verb: 'create', ...ns, body: pod('bound', { nodeName: 'node-1' }) }).code, 201);
    const del = h.call({ verb: 'delete', ...ns, name: 'bound', options: { gracePeriodSeconds: 5 } });
    assert.equal(del.code, 200, show(del));
    assert.equal((del.body as KubeObject).metadata?.deletionGracePeriodSeconds, 5);
    assert.ok([timestamp(del.sentAtMs + 5_000), timestamp(del.atMs + 5_000)].includes((del.body as KubeObject).metadata?.deletionTimestamp ?? ''));
    assert.ok(inEtcd(h, 'bound'));
  });

  it('removes an unbound pod at once', () => {
    const h = new Harness({ seed: 'graceful-unbound' });
    h.waitReady();
    const created = h.call({ verb: 'create', ...ns, body: pod('pending') });
    assert.equal(created.code, 201, show(created));
    const del = h.call({ verb: 'delete', ...ns, name: 'pending' });
    assert.equal(del.code, 200, show(del));
    assert.equal((del.body as KubeObject).metadata?.name, 'pending');
    assert.equal((del.body as KubeObject).metadata?.deletionTimestamp, undefined, 'not a graceful deletion');
    assert.equal(inEtcd(h, 'pending'), undefined, 'gone from etcd');
    const after = h.call({ verb: 'get', ...ns, name: 'pending' });
    assert.equal(after.code, 404, show(after));
  });
});
