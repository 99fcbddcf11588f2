/**
 * The apiserver's per-request timeout (60 s) is disarmed when the request ends. A request that
 * ends in the step that received it (a list served from the watch cache, an established watch)
 * must not leave its timer armed: the adapter runs an output's cancels before its timers, so a
 * cancel there would come too early and the timer would fire 60 s later for nothing. A request
 * that waits on etcd keeps its timer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRequest } from '../../actors/api/protocol.ts';
import { ADMIN_TOKEN, Harness, LEASES } from './harness.ts';

const request = (reqId: number, extra: Partial<ApiRequest>): ApiRequest => ({ type: 'ApiRequest', from: 'probe', reqId, token: ADMIN_TOKEN, verb: 'list', ...LEASES, namespace: 'default', ...extra }) as ApiRequest;
const requestTimers = (ids: readonly string[]): string[] => ids.filter((id) => id.startsWith('apiserver-request-'));

describe('apiserver: request timeout timers', () => {
  it('arms no timer for a request answered in the step that received it', () => {
    const h = new Harness({ seed: 'request-timer' });
    h.waitReady();
    const core = h.core();
    const list = core.run(() => core.onRequest(request(1, { options: { resourceVersion: '0' } })));
    assert.equal(list.sends.length, 1, 'answered at once from the cache');
    assert.deepEqual(requestTimers(list.timers.map((t) => t.id)), []);
    assert.deepEqual(requestTimers(list.cancels), []);
    const watch = core.run(() => core.onRequest(request(2, { verb: 'watch', options: { resourceVersion: '0' } })));
    assert.equal(watch.sends[0]?.msg.type, 'ApiWatch');
    assert.deepEqual(requestTimers(watch.timers.map((t) => t.id)), []);
    assert.deepEqual(requestTimers(watch.cancels), []);
  });

  it('keeps the timer of a request waiting on etcd: when it fires, the request ends with 504', () => {
    const h = new Harness({ seed: 'request-timer' });
    h.waitReady();
    const core = h.core();
    // A consistent list (no resourceVersion) first asks etcd for its current revision.
    const asked = core.run(() => core.onRequest(request(3, {})));
    assert.equal(asked.sends.filter((s) => s.msg.type === 'ApiResponse').length, 0);
    assert.deepEqual(requestTimers(asked.timers.map((t) => t.id)), ['apiserver-request-probe-3']);
    const timeout = core.run(() => core.onRequestTimeout('probe', 3));
    assert.equal((timeout.sends[0]?.msg as { code?: number }).code, 504, 'still in flight: the timer answers 504');
  });
});
