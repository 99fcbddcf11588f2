/**
 * Pod requests (kube resourcehelper.PodRequests semantics) and the snapshot's incremental
 * updates: adding or removing a pod changes its node's requested, non-zero requested, pod count
 * and host ports by exactly that pod.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, computePodResources, DEFAULT_MEMORY_REQUEST, newPodInfo, Snapshot } from '../../actors/scheduler/index.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const Mi = 1024 ** 2;
const Gi = 1024 ** 3;

describe('pod requests', () => {
  it('sums containers, takes the max with init containers, adds overhead', () => {
    const pod = makePod('p')
      .req({ cpu: '250m', memory: '64Mi' })
      .container({ cpu: '250m', memory: '64Mi' })
      .initContainer({ cpu: '1', memory: '32Mi' })
      .overhead({ cpu: '10m', memory: '1Mi' })
      .obj();
    const r = computePodResources(pod);
    // cpu max(250+250, 1000) + 10 = 1010m; memory max(128Mi, 32Mi) + 1Mi = 129Mi.
    assert.equal(r.requests.milliCpu, 1010);
    assert.equal(r.requests.memory, 129 * Mi);
  });

  it('sidecars (restartPolicy Always) add to the steady state and to later init steps', () => {
    const pod = makePod('p').req({ cpu: '100m' }).initContainer({ cpu: '200m' }, true).initContainer({ cpu: '250m' }).obj();
    // steady: 100 + 200 (sidecar) = 300; init step 2: 200 (sidecar) + 250 = 450 → max 450.
    assert.equal(computePodResources(pod).requests.milliCpu, 450);
  });

  it('non-zero requests: each container missing cpu/memory counts 100m / 200Mi', () => {
    const none = computePodResources(makePod('p').container().obj()); // two containers, no requests
    assert.deepEqual([none.requests.milliCpu, none.requests.memory], [0, 0]);
    assert.deepEqual([none.nonZeroMilliCpu, none.nonZeroMemory], [200, 2 * DEFAULT_MEMORY_REQUEST]);
    const half = computePodResources(makePod('p').req({ cpu: '500m' }).container({ memory: '1Gi' }).obj());
    // c0: 500m + (200Mi); c1: (100m) + 1Gi.
    assert.deepEqual([half.nonZeroMilliCpu, half.nonZeroMemory], [600, 200 * Mi + Gi]);
    // An explicit zero is not "missing".
    const zero = computePodResources(makePod('p').req({ cpu: '0', memory: '0' }).obj());
    assert.deepEqual([zero.nonZeroMilliCpu, zero.nonZeroMemory], [0, 0]);
  });

  it('rounds quantities up like Quantity.MilliValue / Value', () => {
    const r = computePodResources(makePod('p').req({ cpu: '0.0001', memory: '1.5' }).obj());
    assert.deepEqual([r.requests.milliCpu, r.requests.memory], [1, 2]);
  });
});

describe('snapshot', () => {
  it('adding a pod updates its node by exactly that pod, removing restores it', () => {
    const snap = buildSnapshot([makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).obj(), makeNode('n2').capacity({ cpu: '4', memory: '8Gi' }).obj()]);
    const n1 = snap.get('n1')!;
    const before = { req: { ...n1.requested }, nz: { ...n1.nonZeroRequested }, pods: n1.pods.length };
    snap.addPod(makePod('a').req({ cpu: '1500m', memory: '1Gi' }).hostPort(8080).nodeName('n1').obj());
    assert.equal(n1.requested.milliCpu, 1500);
    assert.equal(n1.requested.memory, Gi);
    assert.deepEqual(n1.nonZeroRequested, { milliCpu: 1500, memory: Gi });
    assert.equal(n1.pods.length, 1);
    assert.deepEqual(n1.usedPorts.list(), ['0.0.0.0/TCP/8080']);
    snap.addPod(makePod('b').nodeName('n1').obj()); // best effort: requested unchanged, non-zero +100m/200Mi
    assert.equal(n1.requested.milliCpu, 1500);
    assert.deepEqual(n1.nonZeroRequested, { milliCpu: 1600, memory: Gi + 200 * Mi });
    assert.equal(snap.get('n2')!.pods.length, 0);

    snap.removePod(makePod('a').obj());
    snap.removePod('uid-default-b');
    assert.deepEqual({ req: { ...n1.requested }, nz: { ...n1.nonZeroRequested }, pods: n1.pods.length }, before);
    assert.deepEqual(n1.usedPorts.list(), []);
  });

  it('re-adding a pod on another node moves it', () => {
    const snap = buildSnapshot([makeNode('n1').capacity({ cpu: '4' }).obj(), makeNode('n2').capacity({ cpu: '4' }).obj()]);
    snap.addPod(makePod('a').req({ cpu: '1' }).nodeName('n1').obj());
    snap.addPod(makePod('a').req({ cpu: '1' }).nodeName('n2').obj());
    assert.deepEqual([snap.get('n1')!.requested.milliCpu, snap.get('n2')!.requested.milliCpu], [0, 1000]);
    assert.equal(snap.nodeOfPod('uid-default-a'), 'n2');
  });

  it('updateNode keeps the pods; pods on an unknown node wait for it', () => {
    const snap = new Snapshot();
    snap.addPod(makePod('early').req({ cpu: '1' }).nodeName('late').obj());
    assert.equal(snap.numNodes, 0);
    snap.updateNode(makeNode('late').capacity({ cpu: '2' }).obj());
    assert.equal(snap.get('late')!.requested.milliCpu, 1000);
    snap.updateNode(makeNode('late').capacity({ cpu: '8' }).obj());
    assert.equal(snap.get('late')!.allocatable.milliCpu, 8000);
    assert.equal(snap.get('late')!.pods.length, 1);
    snap.removeNode('late');
    snap.updateNode(makeNode('late').capacity({ cpu: '8' }).obj());
    assert.equal(snap.get('late')!.pods.length, 1);
  });

  it('lists nodes round-robin across zones, as kube nodeTree', () => {
    const snap = buildSnapshot([
      makeNode('a1').zone('a').obj(),
      makeNode('a2').zone('a').obj(),
      makeNode('a3').zone('a').obj(),
      makeNode('b1').zone('b').obj(),
      makeNode('c1').zone('c').obj(),
      makeNode('b2').zone('b').obj(),
    ]);
    assert.deepEqual(
      snap.nodes.map((n) => n.name),
      ['a1', 'b1', 'c1', 'a2', 'b2', 'a3'],
    );
    snap.removeNode('b1');
    snap.updateNode(makeNode('a2').zone('c').obj()); // re-zoned: appended to zone c
    assert.deepEqual(
      snap.nodes.map((n) => n.name),
      ['a1', 'b2', 'c1', 'a3', 'a2'],
    );
  });

  it('clones are independent (for preemption what-ifs)', () => {
    const snap = buildSnapshot([makeNode('n').capacity({ cpu: '4' }).obj()], [makePod('a').req({ cpu: '1' }).nodeName('n').obj()]);
    const copy = snap.get('n')!.clone();
    copy.removePod('uid-default-a');
    copy.addPod(newPodInfo(makePod('b').req({ cpu: '3' }).hostPort(1).obj()));
    assert.equal(snap.get('n')!.requested.milliCpu, 1000);
    assert.deepEqual(snap.get('n')!.usedPorts.list(), []);
    assert.equal(copy.requested.milliCpu, 3000);
  });
});
