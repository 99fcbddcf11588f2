import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { drivePod } from '../../actors/kubelet/driver.ts';
import { newImageCache, planImagePull } from '../../actors/kubelet/images.ts';
import { newPodRuntimeState, step } from '../../actors/kubelet/pod-worker.ts';
import { allocatePodIP, nextPodIpSlot, nodeAllocatable, nodeMemoryPressure, nodeObject, nodePodCIDR, nodeStatus, nodeStatusChangeKey, podPhase, qosClass, type NodeParams } from '../../actors/kubelet/status.ts';
import { kpod } from '../../actors/kubelet/testing.ts';

test('the first status: Pending, the kubelet conditions in order, waiting ContainerCreating', () => {
  const pod = kpod('p').container('web').obj();
  const r = step(newPodRuntimeState(pod), { type: 'PodBound', hostIP: '172.18.0.5', podIP: '10.244.3.7' }, 5000, { images: newImageCache() });
  assert.deepEqual(r.status, {
    phase: 'Pending',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' },
      { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' },
      { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' },
    ],
    hostIP: '172.18.0.5',
    hostIPs: [{ ip: '172.18.0.5' }],
    podIP: '10.244.3.7',
    podIPs: [{ ip: '10.244.3.7' }],
    startTime: '2025-01-01T00:00:05Z',
    containerStatuses: [
      { name: 'web', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'nginx:1.25', imageID: '', started: false },
    ],
    qosClass: 'BestEffort',
  });
  assert.equal(r.wakeAtMs, 6900);
});

test('running: state, containerID, imageID, ready and started; Running phase', () => {
  const tl = drivePod(kpod('p').container('web').obj(), { untilMs: 10_000 });
  const s = tl.statuses.at(-1)!.status;
  assert.equal(s.phase, 'Running');
  const c = s.containerStatuses![0]!;
  assert.deepEqual(c.state, { running: { startedAt: '2025-01-01T00:00:01Z' } });
  assert.match(c.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.match(c.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.equal(c.ready, true);
  assert.equal(c.started, true);
  assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.lastTransitionTime, '2025-01-01T00:00:01Z');
});

test('lastTransitionTime is kept while a condition status does not change', () => {
  const tl = drivePod(kpod('p').container('web').behavior('web', 'crash after 5s').obj(), { untilMs: 60_000 });
  const times = (type: string) => [...new Set(tl.statuses.map((s) => s.status.conditions!.find((c) => c.type === type)!.lastTransitionTime))];
  assert.deepEqual(times('PodScheduled'), ['2025-01-01T00:00:00Z']);
  assert.deepEqual(times('Initialized'), ['2025-01-01T00:00:00Z']);
  // Ready flips with every start and crash: 0 (False), 1.9 s (True), 6.9 s (False), …
  assert.deepEqual(times('Ready').slice(0, 4), ['2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z', '2025-01-01T00:00:06Z', '2025-01-01T00:00:11Z']);
});

test('readiness gates: Ready waits for the gate condition', () => {
  const pod = kpod('g').container('web').obj();
  pod.spec!.readinessGates = [{ conditionType: 'example.com/lb-ready' }];
  let r = step(newPodRuntimeState(pod), { type: 'PodBound', hostIP: 'h', podIP: 'p' }, 0, { images: newImageCache([{ image: 'nginx:1.25' }]) });
  const ready = r.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist.']);
  assert.equal(r.status!.conditions!.find((c) => c.type === 'ContainersReady')!.status, 'True');
  const updated = structuredClone(pod);
  updated.status = { conditions: [{ type: 'example.com/lb-ready', status: 'True' }] };
  r = step(r.state, { type: 'PodUpdated', pod: updated }, 3000, { images: r.images });
  assert.equal(r.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  assert.equal(r.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2025-01-01T00:00:03Z');
});

test('podPhase across restart policies once the only container exited', () => {
  // Started at 0, exits at 5 s; a restarted one exits again at 10 s and waits in back-off, so at
  // 11 s no container runs under any policy.
  const phaseAfter = (policy: 'Always' | 'OnFailure' | 'Never', behavior: string) =>
    podPhase(drivePod(kpod('p').container('c').behavior('c', behavior).restartPolicy(policy).obj(), { untilMs: 11_000, images: newImageCache([{ image: 'nginx:1.25' }]) }).state);
  assert.equal(phaseAfter('Never', 'exit 0 after 5s'), 'Succeeded');
  assert.equal(phaseAfter('Never', 'exit 2 after 5s'), 'Failed');
  assert.equal(phaseAfter('OnFailure', 'exit 0 after 5s'), 'Succeeded');
  assert.equal(phaseAfter('OnFailure', 'exit 2 after 5s'), 'Running');
  assert.equal(phaseAfter('Always', 'exit 0 after 5s'), 'Running');
  assert.equal(phaseAfter('Always', 'exit 2 after 5s'), 'Running');
  // While a restart re-pulls (nginx:latest, 200 ms) the container shows terminated/Completed:
  // with Always the pod stays Running, it does not become Succeeded.
  const repull = drivePod(kpod('p').container('c', 'nginx').behavior('c', 'exit 0 after 5s').obj(), { untilMs: 7100, images: newImageCache([{ image: 'nginx' }]) });
  // Started at 0.2 s (policy Always checks the manifest even when cached), exits at 5.2 s.
  const during = repull.statuses.find((x) => x.atMs === 5200)!;
  assert.equal(during.status.containerStatuses![0]!.state.terminated?.reason, 'Completed');
  assert.equal(during.status.phase, 'Running');
});

test('two containers: Running while one runs; Failed (Never) once both stopped with one failure', () => {
  const pod = kpod('p').container('a').container('b').behavior('a', 'exit 0 after 5s').behavior('b', 'exit 1 after 10s').restartPolicy('Never').obj();
  const tl = drivePod(pod, { untilMs: 60_000, images: newImageCache([{ image: 'nginx:1.25' }]) });
  const at = (t: number) => [...tl.statuses].reverse().find((s) => s.atMs <= t)!.status;
  assert.equal(at(7000).phase, 'Running');
  assert.equal(at(7000).conditions!.find((c) => c.type === 'Ready')!.message, 'containers with unready status: [a]');
  assert.equal(at(10_000).phase, 'Failed');
});

test('QoS class', () => {
  assert.equal(qosClass(kpod('p').container('c').obj()), 'BestEffort');
  assert.equal(qosClass(kpod('p').container('c').requests({ cpu: '100m' }).obj()), 'Burstable');
  assert.equal(qosClass(kpod('p').container('c').limits({ cpu: '1', memory: '1Gi' }).obj()), 'Guaranteed');
  assert.equal(qosClass(kpod('p').container('c').requests({ cpu: '500m', memory: '1Gi' }).limits({ cpu: '1', memory: '1Gi' }).obj()), 'Burstable');
  assert.equal(qosClass(kpod('p').container('c').limits({ cpu: '1', memory: '1Gi' }).container('d').obj()), 'Burstable');
});

test('pod IPs come from the node pod CIDR', () => {
  assert.equal(nodePodCIDR(0), '10.244.0.0/24');
  assert.equal(nodePodCIDR(3), '10.244.3.0/24');
  assert.equal(nodePodCIDR(256), '10.245.0.0/24');
  assert.equal(nodePodCIDR(4999), '10.7.135.0/24');
  assert.equal(allocatePodIP(0, 0), '10.244.0.2');
  assert.equal(allocatePodIP(3, 10), '10.244.3.12');
  assert.equal(allocatePodIP(1, 252), '10.244.1.254');
  assert.throws(() => allocatePodIP(0, 253), RangeError);
  assert.throws(() => allocatePodIP(-1, 0), RangeError);
  assert.throws(() => nodePodCIDR(65_536), RangeError);
  const all = new Set<string>();
  for (let i = 0; i < 5000; i++) all.add(nodePodCIDR(i));
  assert.equal(all.size, 5000);
});

const params: NodeParams = { name: 'worker-1', index: 1, zone: 'zone-a', region: 'region-1', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };

test('the node the kubelet registers: labels, pod CIDR, taints, capacity and allocatable', () => {
  const n = nodeObject(params, 0);
  assert.deepEqual(n.metadata.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'worker-1',
    'kubernetes.io/os': 'linux',
    'topology.kubernetes.io/region': 'region-1',
    'topology.kubernetes.io/zone': 'zone-a',
  });
  assert.deepEqual(n.spec, { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  assert.deepEqual(n.status.capacity, { cpu: '4', 'ephemeral-storage': '104857600Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16777216Ki', pods: '110' });
  // Allocatable: memory minus the 100Mi hard-eviction threshold, disk minus 10 %.
  assert.deepEqual(n.status.allocatable, { cpu: '4', 'ephemeral-storage': String(Math.floor(100 * 2 ** 30 * 0.9)), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16674816Ki', pods: '110' });
  assert.deepEqual(n.status.addresses, [
    { type: 'InternalIP', address: '172.18.0.3' },
    { type: 'Hostname', address: 'worker-1' },
  ]);
  assert.equal(n.status.nodeInfo.kubeletVersion, 'v1.32.0');
  assert.equal(n.status.nodeInfo.operatingSystem, 'linux');
  const withReserved = nodeAllocatable({ name: 'x', index: 0, capacity: { cpu: '8' }, systemReserved: { cpu: '500m', memory: '1Gi' }, kubeReserved: { cpu: '250m' } });
  assert.equal(withReserved.cpu, '7250m');
  assert.equal(withReserved.memory, String(16 * 2 ** 30 - 2 ** 30 - 100 * 2 ** 20));
});

test('node conditions: reasons, heartbeat now, lastTransitionTime kept while unchanged', () => {
  const first = nodeStatus(params, [], 10_000);
  assert.deepEqual(
    first.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ],
  );
  const second = nodeStatus({ ...params, pressure: { disk: true } }, [], 20_000, { previous: first.conditions });
  const disk = second.conditions.find((c) => c.type === 'DiskPressure')!;
  assert.deepEqual([disk.status, disk.reason, disk.lastTransitionTime, disk.lastHeartbeatTime], ['True', 'KubeletHasDiskPressure', '2025-01-01T00:00:20Z', '2025-01-01T00:00:20Z']);
  const ready = second.conditions.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.lastTransitionTime, ready.lastHeartbeatTime], ['2025-01-01T00:00:10Z', '2025-01-01T00:00:20Z']);
  const notReady = nodeStatus({ ...params, notReadyMessage: 'container runtime is down' }, [], 30_000, { previous: second.conditions });
  assert.deepEqual(
    [notReady.conditions[3]!.status, notReady.conditions[3]!.reason, notReady.conditions[3]!.message],
    ['False', 'KubeletNotReady', 'container runtime is down'],
  );
});

test('memory pressure from the memory the node’s pods request; node images', () => {
  const hungry = [kpod('a').container('c').requests({ memory: '15Gi' }).obj(), kpod('b').container('c').requests({ memory: '950Mi' }).obj()];
  assert.equal(nodeStatus(params, hungry, 0).conditions[0]!.status, 'True');
  assert.equal(nodeStatus(params, hungry.slice(0, 1), 0).conditions[0]!.status, 'False');
  const done = [kpod('a').container('c').requests({ memory: '16Gi' }).phase('Succeeded').obj()];
  assert.equal(nodeStatus(params, done, 0).conditions[0]!.status, 'False');
  const images = planImagePull(newImageCache(), 'nginx:1.25', 'IfNotPresent', 0).cache;
  assert.deepEqual(nodeStatus(params, [], 5000, { images }).images, [{ names: ['docker.io/library/nginx:1.25'], sizeBytes: 70_000_000 }]);
});

test('the node status change key decides a post exactly as comparing whole statuses without heartbeat times', () => {
  // The comparison the kubelet made before: the whole status as JSON, heartbeat times blanked.
  const comparable = (st: ReturnType<typeof nodeStatus>): string => JSON.stringify({ ...st, conditions: st.conditions.map((c) => ({ ...c, lastHeartbeatTime: '' })) });
  const step = fc.record({
    memoryMi: fc.constantFrom(0, 500, 8000, 15_900),
    done: fc.boolean(),
    pull: fc.option(fc.constantFrom('nginx:1.25', 'busybox:1.36', 'redis:7'), { nil: undefined }),
    postFails: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.record({ disk: fc.boolean(), notReady: fc.boolean() }), fc.array(step, { minLength: 1, maxLength: 25 }), (fixed, steps) => {
      const p: NodeParams = { ...params, pressure: { disk: fixed.disk }, ...(fixed.notReady && { notReadyMessage: 'runtime down' }) };
      let images = newImageCache();
      let lastConditions = nodeStatus(p, [], 0).conditions;
      let lastJson = comparable(nodeStatus(p, [], 0, { images }));
      let lastKey = nodeStatusChangeKey(p, false, 0, images);
      steps.forEach((s, i) => {
        const nowMs = 10_000 * (i + 1);
        if (s.pull !== undefined) images = planImagePull(images, s.pull, 'IfNotPresent', nowMs).cache;
        const pod = kpod('a').container('c').requests({ memory: `${s.memoryMi}Mi` });
        const pods = [(s.done ? pod.phase('Succeeded') : pod).obj()];
        const status = nodeStatus(p, pods, nowMs, { previous: lastConditions, images });
        const key = nodeStatusChangeKey(p, nodeMemoryPressure(p, pods), nowMs, images);
        assert.equal(key !== lastKey, comparable(status) !== lastJson, `step ${i}: the key and the whole status disagree on a change`);
        if (key !== lastKey) {
          lastConditions = status.conditions;
          // A failed post forgets what was posted, so the next tick posts again.
          lastJson = s.postFails ? '' : comparable(status);
          lastKey = s.postFails ? '' : key;
        }
      });
    }),
    { numRuns: 300 },
  );
});

test('a new pod gets the next free IP after the last one handed out, so a freed address is not reused at once', () => {
  assert.equal(nextPodIpSlot(new Set(), -1), 0, 'the first pod: .2');
  // Slots 0..2 handed out, slot 1's pod deleted: the next pod gets 3 (.5), not the freed 1 (.3).
  assert.equal(nextPodIpSlot(new Set([0, 2]), 2), 3);
  // Taken slots are skipped.
  assert.equal(nextPodIpSlot(new Set([0, 2, 3, 4]), 2), 5);
  // At the end of the range it wraps round to the lowest free slot.
  assert.equal(nextPodIpSlot(new Set([0, 252]), 252), 1);
  assert.equal(nextPodIpSlot(new Set(), 252), 0);
  const full = new Set(Array.from({ length: 253 }, (_, i) => i));
  assert.equal(nextPodIpSlot(full, 17), -1, 'every address taken');
});

test('node identity: the machine ID and system UUID are the node’s for good, the boot ID is new on every boot', () => {
  const boot0 = nodeStatus(params, [], 0).nodeInfo;
  const again = nodeStatus(params, [], 10_000).nodeInfo;
  const boot1 = nodeStatus({ ...params, bootCount: 1 }, [], 20_000).nodeInfo;
  const other = nodeStatus({ ...params, name: 'worker-2' }, [], 0).nodeInfo;
  assert.deepEqual(again, boot0, 'the same node and boot: the same identity');
  assert.equal(boot1.machineID, boot0.machineID);
  assert.equal(boot1.systemUUID, boot0.systemUUID);
  assert.notEqual(boot1.bootID, boot0.bootID, 'a reboot has a new boot ID');
  assert.notEqual(other.machineID, boot0.machineID);
  assert.notEqual(other.bootID, boot0.bootID);
  assert.match(boot0.machineID, /^[0-9a-f]{32}$/);
  assert.match(boot0.bootID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});
