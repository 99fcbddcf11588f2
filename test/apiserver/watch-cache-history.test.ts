/**
 * The watch cache's history window: events leave it after 75 s once more than 100 are kept, a
 * watch from below the floor is told 'expired', and an event that left the window no longer keeps
 * its objects alive (the history array is compacted only now and then, so a dropped slot must be
 * emptied at once — otherwise an idle cluster's heap holds ~1,000 stale Nodes and Leases).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WatchCache } from '../../actors/apiserver/watch-cache.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const lease = (rv: number) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease', renewTime: `t${rv}` } });

test('events leave the window after 75 s beyond the 100 kept, and resuming below the floor is expired', () => {
  const cache = new WatchCache('leases', null);
  cache.reset([], 1);
  for (let rv = 2; rv <= 301; rv++) cache.apply('/leases/kube-node-lease/n1', lease(rv), rv, rv * 1_000);
  // At 301 s every event older than 226 s is out, but the window keeps 100 events at least.
  assert.equal(cache.floor, 201);
  assert.equal(cache.eventsSince(200), 'expired');
  const events = cache.eventsSince(201);
  assert.ok(Array.isArray(events));
  assert.deepEqual([events[0]!.resourceVersion, events.at(-1)!.resourceVersion, events.length], [202, 301, 100]);
});

test('an event dropped from the window does not keep its objects alive', async () => {
  const cache = new WatchCache('leases', null);
  cache.reset([], 1);
  let first: WeakRef<object> | null = null;
  for (let rv = 2; rv <= 400; rv++) {
    cache.apply('/leases/kube-node-lease/n1', lease(rv), rv, rv * 1_000);
    if (rv === 2) first = new WeakRef(cache.objects.get('/leases/kube-node-lease/n1')!.object);
  }
  assert.ok(cache.floor > 2, 'the first event left the window');
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(first!.deref(), undefined, 'the first write is still retained by the history');
});
