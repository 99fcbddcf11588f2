import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitPod, podRequests } from '../../actors/kubelet/admission.ts';
import { kpod } from '../../actors/kubelet/testing.ts';

const node = { cpu: '4', memory: '1Gi', pods: 110 };

test('OutOfcpu with the kubelet message (milli-CPU)', () => {
  const others = [kpod('a').container('c').requests({ cpu: '2' }).obj(), kpod('b').container('c').requests({ cpu: '1600m' }).obj()];
  assert.deepEqual(admitPod(node, others, kpod('p').container('c').requests({ cpu: '500m' }).obj()), {
    ok: false,
    reason: 'OutOfcpu',
    message: "Node didn't have enough resource: cpu, requested: 500, used: 3600, capacity: 4000",
  });
  assert.deepEqual(admitPod(node, others, kpod('p').container('c').requests({ cpu: '400m' }).obj()), { ok: true });
});

test('OutOfmemory in bytes', () => {
  const others = [kpod('a').container('c').requests({ memory: '512Mi' }).obj()];
  assert.deepEqual(admitPod(node, others, kpod('p').container('c').requests({ memory: '600Mi' }).obj()), {
    ok: false,
    reason: 'OutOfmemory',
    message: "Node didn't have enough resource: memory, requested: 629145600, used: 536870912, capacity: 1073741824",
  });
});

test('OutOfpods is checked first', () => {
  const others = [kpod('a').container('c').obj(), kpod('b').container('c').obj()];
  assert.deepEqual(admitPod({ ...node, pods: 2 }, others, kpod('p').container('c').requests({ cpu: '100' }).obj()), {
    ok: false,
    reason: 'OutOfpods',
    message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2",
  });
});

test('OutOfephemeral-storage when the node reports it', () => {
  const r = admitPod({ ...node, 'ephemeral-storage': '10Gi' }, [], kpod('p').container('c').requests({ 'ephemeral-storage': '20Gi' }).obj());
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'OutOfephemeral-storage');
});

test('terminal pods and the pod itself do not count; a pod requesting nothing always fits', () => {
  const done = kpod('a').container('c').requests({ cpu: '4' }).phase('Succeeded').obj();
  const self = kpod('p').container('c').requests({ cpu: '3' }).obj();
  assert.deepEqual(admitPod(node, [done, self], self), { ok: true });
  const full = [kpod('a').container('c').requests({ cpu: '4' }).obj()];
  assert.deepEqual(admitPod(node, full, kpod('p').container('c').obj()), { ok: true });
});

test('pod requests: containers summed, init max, sidecars cumulative, limits default requests', () => {
  // The sidecar starts first, so it runs beside the init container: max(100m + 2, 100m + 500m).
  const pod = kpod('p')
    .initContainer('proxy', 'busybox:1.36', { restartPolicy: 'Always' })
    .requests({ cpu: '100m' })
    .initContainer('init', 'busybox:1.36')
    .requests({ cpu: '2', memory: '100Mi' })
    .container('a')
    .requests({ cpu: '300m' })
    .container('b')
    .limits({ cpu: '200m', memory: '64Mi' })
    .obj();
  assert.deepEqual(podRequests(pod), { cpuMilli: 2100, memoryBytes: 100 * 1024 * 1024, ephemeralBytes: 0 });
  const small = kpod('q').initContainer('init').requests({ cpu: '100m' }).container('a').requests({ cpu: '300m' }).container('b').limits({ cpu: '200m' }).obj();
  assert.equal(podRequests(small).cpuMilli, 500);
});

test('nodeSelector mismatch → NodeAffinity', () => {
  const pod = kpod('p').container('c').obj();
  pod.spec!.nodeSelector = { disk: 'ssd' };
  assert.deepEqual(admitPod(node, [], pod, { disk: 'hdd' }), {
    ok: false,
    reason: 'NodeAffinity',
    message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
  });
  assert.deepEqual(admitPod(node, [], pod, { disk: 'ssd' }), { ok: true });
});
