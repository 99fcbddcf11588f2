/**
 * LIST with resourceVersionMatch=Exact is served from etcd at that revision; once the apiserver
 * has compacted etcd past it the answer is 410 Expired with the storage layer's text
 * (apiserver pkg/storage/etcd3 interpretListError): "The resourceVersion for the provided list
 * is too old." A LIST at an old resourceVersion without Exact (NotOlderThan) is still served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, LEASES, lease, rvOf, show, statusOf } from './harness.ts';

const names = (body: unknown): string[] => ((body as { items: KubeObject[] }).items ?? []).map((i) => i.metadata?.name ?? '');

describe('apiserver: LIST at a compacted resourceVersion', { timeout: 120_000 }, () => {
  it('answers 410 Expired "The resourceVersion for the provided list is too old." after compaction', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'list-expired', config: { compactionIntervalMs: 2_000 } });
    h.waitReady();
    const a = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('a') });
    assert.equal(a.code, 201, show(a));
    const old = rvOf(a.body);

    // Exact, before any compaction: the list as it was at that revision.
    const exact = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: old, resourceVersionMatch: 'Exact' } });
    assert.equal(exact.code, 200, show(exact));
    assert.deepEqual(names(exact.body), ['a']);
    assert.equal((exact.body as KubeObject).metadata?.resourceVersion, old);

    assert.equal(h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('b') }).code, 201);
    // Two compaction ticks: the second compacts etcd at the revision the first one saw.
    h.runFor(5_000);
    assert.equal(h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('c') }).code, 201);
    h.runFor(5_000);
    assert.ok(h.leaderStore().compactRevision > Number(old), `etcd compacted past ${old} (at ${h.leaderStore().compactRevision})`);

    const expired = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: old, resourceVersionMatch: 'Exact' } });
    assert.equal(expired.code, 410, show(expired));
    const status = statusOf(expired.body);
    assert.equal(status.reason, 'Expired');
    assert.equal(status.message, 'The resourceVersion for the provided list is too old.');

    // NotOlderThan (the default) at the same old resourceVersion: served from the watch cache.
    const notOlder = h.call({ verb: 'list', ...LEASES, namespace: 'default', options: { resourceVersion: old } });
    assert.equal(notOlder.code, 200, show(notOlder));
    assert.deepEqual(names(notOlder.body), ['a', 'b', 'c']);
  });
});
