/**
 * The apiserver's request timeout (60 s): every request's deadline waits behind one timer. A
 * request that ends in the step that received it (a list served from the watch cache, an
 * established watch) on an idle apiserver must not leave that timer armed for itself: it would
 * fire 60 s later for nothing. A request that waits on etcd keeps it armed, and fails with 504 at
 * its deadline.
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
    assert.deepEqual(asked.timers.filter((t) => t.id.startsWith('apiserver-request-')).map((t) => [t.id, t.delayMs]), [['apiserver-request-deadlines', 60_000]]);
    const early = core.run(() => core.onRequestDeadline());
    assert.equal(early.sends.length, 0, 'not due yet: nothing times out');
    // The core alone from here (its actor stopped, so nothing else answers or times out the probe).
    h.sim.crash(h.apiservers[0]!);
    h.runFor(59_999);
    assert.equal(core.run(() => core.onRequestDeadline()).sends.length, 0, 'not due 1 ms before its deadline');
    h.runFor(1);
    const timeout = core.run(() => core.onRequestDeadline());
    const answers = timeout.sends.filter((s) => s.to === 'probe').map((s) => s.msg as { reqId?: number; code?: number });
    assert.deepEqual(answers.map((m) => [m.reqId, m.code]), [[3, 504]], 'still in flight at its deadline, 60 s after it arrived: 504');
  });
});
