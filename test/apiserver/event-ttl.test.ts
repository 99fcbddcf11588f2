/**
 * --event-ttl (actors/apiserver/event-ttl.ts): an Event is deleted one TTL after its last write.
 * The unit tests drive the tracker; the integration test runs the apiserver with a short TTL and
 * compaction interval and watches an Event disappear while a rewritten one stays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { DEFAULT_EVENT_TTL_MS, EventTtl } from '../../actors/apiserver/event-ttl.ts';
import { Harness, show } from './harness.ts';

const HOUR = 3_600_000;
const keysOf = (t: EventTtl, now: number) => t.expire(now).map((x) => [x.success[0]!.key, x.compare[0]!.value]);

describe('EventTtl', () => {
  it('defaults to kube-apiserver\'s 1 h and expires an Event one TTL after its last write, guarded by that write\'s revision', () => {
    const t = new EventTtl();
    assert.equal(t.ttlMs, DEFAULT_EVENT_TTL_MS);
    assert.equal(DEFAULT_EVENT_TTL_MS, HOUR);
    t.observe('events', '/registry/events/default/a', false, 10, 1_000);
    t.observe('events', '/registry/events/default/b', false, 11, 2_000);
    t.observe('events', '/registry/events/default/a', false, 12, 30 * 60_000); // a is written again
    assert.deepEqual(keysOf(t, 1_000 + HOUR - 1), []);
    assert.deepEqual(keysOf(t, 2_000 + HOUR), [['/registry/events/default/b', 11]], 'b expired; a was rewritten');
    assert.deepEqual(keysOf(t, 30 * 60_000 + HOUR), [['/registry/events/default/b', 11], ['/registry/events/default/a', 12]], 'a delete not yet seen: b is sent again');
    t.observe('events', '/registry/events/default/b', true, 13, 2 * HOUR);
    assert.deepEqual(keysOf(t, 3 * HOUR), [['/registry/events/default/a', 12]], 'the delete ends tracking');
    assert.equal(t.tracked, 1);
  });

  it('ignores every other resource, and restarts the TTL of every listed Event at a relist', () => {
    const t = new EventTtl(1_000);
    t.observe('pods', '/registry/pods/default/p', false, 5, 0);
    t.relisted('leases', [{ key: '/registry/leases/x', revision: 6 }], 0);
    assert.equal(t.tracked, 0);
    t.observe('events', '/registry/events/default/old', false, 7, 0);
    t.relisted('events', [{ key: '/registry/events/default/e', revision: 8 }], 5_000);
    assert.deepEqual(keysOf(t, 5_999), []);
    assert.deepEqual(keysOf(t, 6_000), [['/registry/events/default/e', 8]], 'only what the list holds, from the list on');
  });
});

const EVENTS = { apiVersion: 'v1', resource: 'events' } as const;
function event(name: string, message: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
    reason: 'Test',
    message,
    type: 'Normal',
    source: { component: 'test' },
  } as KubeObject;
}

describe('apiserver: --event-ttl', { timeout: 120_000 }, () => {
  it('deletes an Event a TTL after its last write; one written again lives on', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'event-ttl', config: { compactionIntervalMs: 10_000, eventTtlMs: 60_000 } });
    h.waitReady();
    const created = ['old', 'kept'].map((name) => h.call({ verb: 'create', ...EVENTS, namespace: 'default', body: event(name, 'first') }));
    for (const c of created) assert.equal(c.code, 201, show(c));
    h.runFor(40_000);
    const kept = h.call({ verb: 'get', ...EVENTS, namespace: 'default', name: 'kept' });
    const update = h.call({ verb: 'update', ...EVENTS, namespace: 'default', name: 'kept', body: { ...(kept.body as KubeObject), message: 'again' } });
    assert.equal(update.code, 200, show(update));
    h.runFor(35_000); // 'old' is past 60 s plus a compaction tick; 'kept' was written 35 s ago
    assert.equal(h.call({ verb: 'get', ...EVENTS, namespace: 'default', name: 'old' }).code, 404);
    assert.equal(h.call({ verb: 'get', ...EVENTS, namespace: 'default', name: 'kept' }).code, 200);
    h.runFor(40_000);
    assert.equal(h.call({ verb: 'get', ...EVENTS, namespace: 'default', name: 'kept' }).code, 404, 'expired a TTL after its update');
  });
});
