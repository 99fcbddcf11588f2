/**
 * The kubelet's node Lease is written at start-up, as the real lease controller does it: it
 * tries at once and, while the apiserver cannot take it yet, retries with a backoff from 200 ms
 * doubling up to 7 s (component-helpers apimachinery/lease controller.go backoffEnsureLease),
 * then renews every 10 s. Not one renew interval (10 s) after start.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { newApiClient } from '../../actors/client/api-client.ts';
import { newOutput } from '../../actors/kernel/output.ts';
import { startKubelet } from '../../actors/kubelet/kubelet.ts';
import { LEASE_RENEW_MS, newKubelet, onApiResult, onLeaseTimer, start } from '../../actors/kubelet/kubelet-core.ts';
import { microTimestamp, parseTimestamp } from '../../actors/api/time.ts';
import { apiserverName, Harness } from './harness.ts';

describe('kubelet: the node Lease at start-up', { timeout: 120_000 }, () => {
  it('is created within seconds of start, right after the apiserver can take it, then renewed every 10 s', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'kubelet-lease' });
    h.tokens.set('worker-0-token', { name: 'system:node:worker-0', groups: ['system:nodes'] });
    h.sim.addHost({
      name: 'worker-0',
      disk: null,
      create: (env) => startKubelet(env, { name: 'worker-0', index: 0 }, { imagePullBandwidthBytesPerSec: 50 * 2 ** 20 }, { server: apiserverName(0), requestTimeoutMs: 10_000, readIdleTimeoutMs: 90_000, token: 'worker-0-token' }) as never,
    });
    const leaseOf = () => h.isReady(apiserverName(0)) ? h.core().lookup.get('leases', 'kube-node-lease', 'worker-0') : undefined;
    assert.ok(h.until(() => leaseOf() !== undefined, 20_000, 10), 'a lease was written');
    const firstAt = h.now;
    // The Node and the Lease are created side by side at start-up, each retrying on its own
    // schedule while the apiserver cannot take them yet, so the Node may land a retry later.
    assert.ok(h.until(() => h.core().lookup.get('nodes', undefined, 'worker-0') !== undefined, 2_000, 10), 'the node registered');
    assert.ok(firstAt < 5_000, `the first lease was written at ${firstAt} ms`);
    const renew1 = parseTimestamp(String((leaseOf()!.spec as { renewTime: string }).renewTime));
    h.runFor(LEASE_RENEW_MS + 1_000);
    const renew2 = parseTimestamp(String((leaseOf()!.spec as { renewTime: string }).renewTime));
    assert.ok(renew2 - renew1 >= LEASE_RENEW_MS - 1 && renew2 - renew1 <= LEASE_RENEW_MS + 1_000, `renewed ${renew2 - renew1} ms later`);
  });

  it('retries a failed first lease after 200 ms, doubling up to 7 s, and renews every 10 s once it holds one', { timeout: 10_000 }, () => {
    const k = newKubelet({ name: 'n', index: 0 }, newApiClient({ name: 'n', server: 'api', token: 't', requestTimeoutMs: 10_000, readIdleTimeoutMs: 90_000 }), { imagePullBandwidthBytesPerSec: 1 }, () => 0);
    const boot = newOutput();
    start(k, 0, boot);
    assert.deepEqual(boot.timers.filter((t) => t.id === 'kubelet-lease').map((t) => t.delayMs), [0], 'the first attempt is at start-up');
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 7; i++) {
      const attempt = newOutput();
      onLeaseTimer(k, now, attempt);
      const unavailable: ApiResult = { tag: 'lease:create', reqId: 0, code: 503, body: { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'starting', reason: 'ServiceUnavailable', code: 503 } };
      const out = newOutput();
      onApiResult(k, unavailable, now, out);
      const retry = out.timers.find((t) => t.id === 'kubelet-lease');
      assert.ok(retry, `a retry is armed after failure ${i + 1}`);
      assert.ok(out.cancels.includes('kubelet-lease'), 'the periodic tick is replaced, not doubled');
      delays.push(retry.delayMs);
      now += retry.delayMs;
    }
    assert.deepEqual(delays, [200, 400, 800, 1_600, 3_200, 6_400, 7_000]);
    const attempt = newOutput();
    onLeaseTimer(k, now, attempt);
    assert.equal(attempt.timers.find((t) => t.id === 'kubelet-lease')?.delayMs, LEASE_RENEW_MS);
    const created: ApiResult = { tag: 'lease:create', reqId: 0, code: 201, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n', namespace: 'kube-node-lease', resourceVersion: '7' }, spec: { renewTime: microTimestamp(now) } } };
    const out = newOutput();
    onApiResult(k, created, now, out);
    assert.equal(out.timers.find((t) => t.id === 'kubelet-lease'), undefined, 'the 10 s renew tick stays');
    // After a success the backoff starts again from 200 ms.
    onLeaseTimer(k, now + LEASE_RENEW_MS, newOutput());
    const conflict = newOutput();
    onApiResult(k, { tag: 'lease:update', reqId: 0, code: 500, body: { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'etcdserver: request timed out', reason: '', code: 500 } }, now, conflict);
    assert.equal(conflict.timers.find((t) => t.id === 'kubelet-lease'), undefined, 'a failed renew of a held lease waits for the next tick');
  });
});
