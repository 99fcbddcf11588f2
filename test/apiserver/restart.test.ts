/**
 * A kube-apiserver that crashed and restarted serves writes again: its embedded etcd client starts
 * over, and nothing it sends may be mistaken by etcd for a request of its previous incarnation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Harness, LEASES, PODS, lease, pod, show } from './harness.ts';

describe('apiserver: restart', () => {
  it('answers writes at once after a restart (its etcd requests are not taken for the old incarnation’s)', () => {
    const h = new Harness({ seed: 'restart-writes' });
    h.waitReady();
    // The first incarnation's writes (its bootstrap writes are there too).
    for (let i = 0; i < 5; i++) assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod(`before-${i}`) }).code, 201);
    const name = h.apiservers[0]!;
    h.sim.crash(name);
    h.runFor(1_000);
    h.sim.restart(name);
    h.waitReady();

    for (let i = 0; i < 5; i++) {
      const r = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod(`after-${i}`) });
      assert.equal(r.code, 201, show(r));
      assert.ok(r.atMs - r.sentAtMs < 500, `answered in ${r.atMs - r.sentAtMs} ms`);
    }
    const leaseCreated = h.call({ verb: 'create', ...LEASES, namespace: 'default', body: lease('after') });
    assert.equal(leaseCreated.code, 201, show(leaseCreated));
  });
});
