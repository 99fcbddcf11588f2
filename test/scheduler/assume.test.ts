/**
 * The assume cache: an assumed pod counts on its node at once (the next cycle sees the room as
 * taken), is confirmed when the informer shows it bound, and is forgotten when binding fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssumeCache, buildSnapshot, defaultProfile, INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const cluster = () => buildSnapshot([makeNode('n1').capacity({ cpu: '2', memory: '4Gi' }).obj(), makeNode('n2').capacity({ cpu: '2', memory: '4Gi' }).obj()]);

describe('AssumeCache', () => {
  it('an assumed pod takes its room before the binding lands', () => {
    const cache = new AssumeCache(cluster());
    const first = makePod('a').req({ cpu: '2' }).obj();
    const r1 = scheduleOne(defaultProfile(), cache.snapshot, first, INITIAL_ROTATION, () => 0);
    assert.ok('node' in r1);
    cache.assume(first, r1.node);
    assert.equal(cache.isAssumed('uid-default-a'), true);
    assert.equal(cache.snapshot.get(r1.node)!.requested.milliCpu, 2000);
    // The next pod cannot land on the same node.
    const r2 = scheduleOne(defaultProfile(), cache.snapshot, makePod('b').req({ cpu: '2' }).obj(), r1.rotation, () => 0);
    assert.ok('node' in r2);
    assert.notEqual(r2.node, r1.node);
  });

  it('is confirmed by the informer, moving the pod if it was bound elsewhere', () => {
    const cache = new AssumeCache(cluster());
    cache.assume(makePod('a').req({ cpu: '1' }).obj(), 'n1');
    cache.finishBinding('uid-default-a');
    cache.onPodAdd(makePod('a').req({ cpu: '1' }).nodeName('n2').obj());
    assert.equal(cache.isAssumed('uid-default-a'), false);
    assert.equal(cache.snapshot.get('n1')!.requested.milliCpu, 0);
    assert.equal(cache.snapshot.get('n2')!.requested.milliCpu, 1000);
    assert.deepEqual(cache.assumedKeys(), []);
  });

  it('is forgotten when binding fails', () => {
    const cache = new AssumeCache(cluster());
    cache.assume(makePod('a').req({ cpu: '1' }).obj(), 'n1');
    assert.equal(cache.forget('uid-default-a'), true);
    assert.equal(cache.snapshot.get('n1')!.pods.length, 0);
    assert.equal(cache.forget('uid-default-a'), false);
  });

  it('cannot assume a pod the cache already holds', () => {
    const cache = new AssumeCache(cluster());
    cache.assume(makePod('a').obj(), 'n1');
    assert.throws(() => cache.assume(makePod('a').obj(), 'n2'), /in the cache/);
  });

  it('ignores unbound pods and drops terminal ones', () => {
    const cache = new AssumeCache(cluster());
    cache.onPodAdd(makePod('pending').obj());
    assert.equal(cache.snapshot.hasPod('uid-default-pending'), false);
    const running = makePod('done').req({ cpu: '1' }).nodeName('n1').obj();
    cache.onPodAdd(running);
    assert.equal(cache.snapshot.get('n1')!.requested.milliCpu, 1000);
    cache.onPodUpdate({ ...running, status: { phase: 'Succeeded' } });
    assert.equal(cache.snapshot.get('n1')!.requested.milliCpu, 0);
    cache.onPodAdd(running);
    cache.onPodDelete(running);
    assert.equal(cache.snapshot.hasPod('uid-default-done'), false);
  });
});
