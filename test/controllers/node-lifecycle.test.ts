/**
 * The node lifecycle controller's pure decisions: health before and after the grace period, the
 * startup grace period, the lease as a sign of life, the taints (added once, removed on
 * recovery), and pods marked not ready.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { microTimestamp, timestamp } from '../../actors/api/time.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import {
  monitorNode,
  podNotReadyStatus,
  reconcileNodeTaints,
  tryUpdateNodeHealth,
  type NodeConditionJson,
  type NodeHealth,
  type NodeJson,
  type TaintJson,
} from '../../actors/controllers/node-lifecycle/node-lifecycle.ts';

const s = (n: number): number => n * 1000;

function kubeletConditions(atMs: number, ready = 'True'): NodeConditionJson[] {
  const t = timestamp(atMs);
  const c = (type: string, status: string, reason: string): NodeConditionJson => ({ type, status, reason, message: reason, lastHeartbeatTime: t, lastTransitionTime: t });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID'),
    c('NetworkUnavailable', 'False', 'RouteCreated'),
    c('Ready', ready, ready === 'True' ? 'KubeletReady' : 'KubeletNotReady'),
  ];
}

function node(opts: { conditions?: NodeConditionJson[]; taints?: TaintJson[]; createdMs?: number; unschedulable?: boolean } = {}): NodeJson {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-1', uid: 'u1', creationTimestamp: timestamp(opts.createdMs ?? 0), resourceVersion: '10' },
    spec: { ...(opts.taints ? { taints: opts.taints } : {}), ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: opts.conditions ? { conditions: opts.conditions } : {},
  };
}

function lease(renewMs: number): KubeObject {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'worker-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'worker-1', leaseDurationSeconds: 40, renewTime: microTimestamp(renewMs) } };
}

/** Runs the monitor every 5 s from `fromMs` to `toMs`, with the lease renewed at `renewals`; returns the first status write. */
function runMonitor(n: NodeJson, renewals: number[], fromMs: number, toMs: number): { atMs: number; conditions: NodeConditionJson[] } | null {
  let health: NodeHealth | undefined;
  for (let t = fromMs; t <= toMs; t += 5000) {
    const last = renewals.filter((r) => r <= t).pop();
    const r = tryUpdateNodeHealth(n, last === undefined ? undefined : lease(last), health, t);
    health = r.health;
    if (r.statusUpdate) return { atMs: t, conditions: r.statusUpdate };
  }
  return null;
}

describe('node lifecycle: health and the grace period', () => {
  it('a node whose lease keeps being renewed stays as the kubelet said', () => {
    const renewals = Array.from({ length: 30 }, (_, i) => i * 10_000);
    assert.equal(runMonitor(node({ conditions: kubeletConditions(0) }), renewals, 2000, s(300)), null);
  });

  it('50 s after the controller last saw a renewal, every condition but NetworkUnavailable becomes Unknown', () => {
    // Renewals at 0 and 10 s; the pass at 12 s sees the second. 12 + 50 = 62 s is not yet past
    // the grace period; the pass at 67 s is.
    const write = runMonitor(node({ conditions: kubeletConditions(0) }), [0, 10_000], 2000, s(120));
    assert.ok(write);
    assert.equal(write.atMs, 67_000);
    const byType = new Map(write.conditions.map((c) => [c.type, c]));
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = byType.get(type)!;
      assert.equal(c.status, 'Unknown', type);
      assert.equal(c.reason, 'NodeStatusUnknown');
      assert.equal(c.message, 'Kubelet stopped posting node status.');
      assert.equal(c.lastTransitionTime, timestamp(67_000));
      assert.equal(c.lastHeartbeatTime, timestamp(0), 'the heartbeat is the kubelet’s, kept');
    }
    assert.equal(byType.get('NetworkUnavailable')!.status, 'False');
  });

  it('measures from when the renewal was seen, not from the renewTime written in the lease', () => {
    // The lease says 10 s, but the controller first sees it at 40 s: 90 s is still in grace.
    let health: NodeHealth | undefined;
    const n = node({ conditions: kubeletConditions(0) });
    health = tryUpdateNodeHealth(n, lease(10_000), health, 40_000).health;
    assert.equal(tryUpdateNodeHealth(n, lease(10_000), health, 90_000).statusUpdate, null);
    assert.notEqual(tryUpdateNodeHealth(n, lease(10_000), health, 90_001).statusUpdate, null);
  });

  it('a node marked Unknown is not written again', () => {
    const n = node({ conditions: kubeletConditions(0) });
    let health: NodeHealth | undefined;
    health = tryUpdateNodeHealth(n, lease(0), health, 1000).health;
    const r = tryUpdateNodeHealth(n, lease(0), health, 60_000);
    assert.ok(r.statusUpdate);
    const marked = { ...n, status: { conditions: r.statusUpdate } };
    const again = tryUpdateNodeHealth(marked, lease(0), r.health, 65_000);
    assert.equal(again.statusUpdate, null);
    assert.equal(again.observedReady.status, 'Unknown');
  });

  it('a new Ready heartbeat from the kubelet is a sign of life too', () => {
    let health: NodeHealth | undefined;
    health = tryUpdateNodeHealth(node({ conditions: kubeletConditions(0) }), undefined, health, 0).health;
    health = tryUpdateNodeHealth(node({ conditions: kubeletConditions(40_000) }), undefined, health, 40_000).health;
    assert.equal(health.probeMs, 40_000);
    assert.equal(tryUpdateNodeHealth(node({ conditions: kubeletConditions(40_000) }), undefined, health, 90_000).statusUpdate, null);
  });

  it('startup grace: a node whose kubelet never posted status gets 60 s from its creation', () => {
    const n = node({ createdMs: 5000 });
    let health: NodeHealth | undefined;
    for (let t = 5000; t <= 65_000; t += 5000) {
      const r = tryUpdateNodeHealth(n, undefined, health, t);
      assert.equal(r.statusUpdate, null, `at ${t}`);
      assert.equal(r.gracePeriodMs, 60_000);
      health = r.health;
    }
    const r = tryUpdateNodeHealth(n, undefined, health, 65_001);
    assert.ok(r.statusUpdate);
    const ready = r.statusUpdate.find((c) => c.type === 'Ready')!;
    assert.deepEqual(ready, {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: timestamp(5000),
      lastTransitionTime: timestamp(65_001),
    });
    assert.deepEqual(r.statusUpdate.map((c) => c.type), ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
  });

  it('startup grace counts from creation even when the controller sees the node late', () => {
    const r = tryUpdateNodeHealth(node({ createdMs: 0 }), undefined, undefined, 61_000);
    assert.ok(r.statusUpdate, 'first seen 61 s after creation: already past the startup grace');
  });

  it('a node with a Ready condition uses the 50-s grace period, not the startup one', () => {
    const r = tryUpdateNodeHealth(node({ conditions: kubeletConditions(0) }), undefined, undefined, 0);
    assert.equal(r.gracePeriodMs, 50_000);
  });
});

describe('node lifecycle: the monitor pass', () => {
  it('marks the pods once, when Ready leaves True; the NoExecute taint follows a pass later', () => {
    const n = node({ conditions: kubeletConditions(0) });
    let health = monitorNode(n, lease(0), undefined, false, 1000).health;
    const first = monitorNode(n, lease(0), health, false, 52_000);
    assert.ok(first.statusUpdate);
    assert.equal(first.becameNotReady, true);
    assert.equal(first.markPods, true);
    assert.equal(first.noExecute, 'none', 'decided on the Ready condition observed before this pass');
    health = first.health;
    const marked = { ...n, status: { conditions: first.statusUpdate } };
    const second = monitorNode(marked, lease(0), health, false, 57_000);
    assert.equal(second.statusUpdate, null);
    assert.equal(second.becameNotReady, false);
    assert.equal(second.markPods, false);
    assert.equal(second.noExecute, 'unreachable');
    const retry = monitorNode(marked, lease(0), second.health, true, 62_000);
    assert.equal(retry.markPods, true, 'a failed marking is retried while the node is not ready');
  });

  it('Ready=False from the kubelet asks for the not-ready NoExecute taint', () => {
    const d = monitorNode(node({ conditions: kubeletConditions(0, 'False') }), lease(0), undefined, false, 1000);
    assert.equal(d.noExecute, 'not-ready');
    assert.equal(d.becameNotReady, false);
  });

  it('no decision about NoExecute taints for a node without a Ready condition in its grace period', () => {
    const d = monitorNode(node(), undefined, undefined, false, 1000);
    assert.equal(d.noExecute, undefined);
  });
});

describe('node lifecycle: taints', () => {
  const unknown = kubeletConditions(0, 'Unknown');

  it('Ready=Unknown: unreachable NoSchedule at once, with timeAdded; NoExecute when the monitor decides', () => {
    const change = reconcileNodeTaints(node({ conditions: unknown }), 'none', 70_000);
    assert.deepEqual(change?.added, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: timestamp(70_000) }]);
    assert.deepEqual(change?.removed, []);
    const both = reconcileNodeTaints(node({ conditions: unknown }), 'unreachable', 70_000);
    assert.deepEqual(both?.taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  });

  it('adds each taint once: a node that has them needs nothing', () => {
    const first = reconcileNodeTaints(node({ conditions: unknown }), 'unreachable', 70_000)!;
    assert.equal(reconcileNodeTaints(node({ conditions: unknown, taints: first.taints }), 'unreachable', 75_000), null);
  });

  it('recovery: Ready=True removes the NoSchedule taint; the monitor’s "none" removes the NoExecute one', () => {
    const taints: TaintJson[] = [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: timestamp(70_000) },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: timestamp(75_000) },
    ];
    const ready = kubeletConditions(120_000);
    const kubeletBack = reconcileNodeTaints(node({ conditions: ready, taints }), 'unreachable', 120_000);
    assert.deepEqual(kubeletBack?.removed.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule']);
    assert.deepEqual(kubeletBack?.taints.map((t) => t.key), ['dedicated', 'node.kubernetes.io/unreachable']);
    const monitorSawIt = reconcileNodeTaints(node({ conditions: ready, taints: kubeletBack!.taints }), 'none', 122_000);
    assert.deepEqual(monitorSawIt?.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    assert.equal(reconcileNodeTaints(node({ conditions: ready, taints: monitorSawIt!.taints }), 'none', 125_000), null);
  });

  it('swaps unreachable for not-ready when Ready goes from Unknown to False', () => {
    const taints: TaintJson[] = [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
    ];
    const change = reconcileNodeTaints(node({ conditions: kubeletConditions(0, 'False'), taints }), 'not-ready', 1000)!;
    assert.deepEqual(change.taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
  });

  it('leaves NoExecute taints alone while the monitor has not decided; other taints are never touched', () => {
    const taints: TaintJson[] = [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'example.com/x', effect: 'NoExecute' },
    ];
    assert.equal(reconcileNodeTaints(node({ conditions: kubeletConditions(0), taints }), undefined, 0), null);
    assert.deepEqual(reconcileNodeTaints(node({ conditions: kubeletConditions(0), taints }), 'none', 0)?.taints, [{ key: 'example.com/x', effect: 'NoExecute' }]);
  });

  it('pressure conditions and spec.unschedulable have their NoSchedule taints', () => {
    const conditions = kubeletConditions(0).map((c) => (c.type === 'MemoryPressure' ? { ...c, status: 'True' } : c));
    const change = reconcileNodeTaints(node({ conditions, unschedulable: true }), 'none', 0);
    assert.deepEqual(change?.added.map((t) => t.key), ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/unschedulable']);
  });
});

describe('node lifecycle: pods marked not ready', () => {
  const pod = (ready: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'worker-1' },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: timestamp(0) },
        { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: timestamp(0) },
      ],
    },
  });

  it('sets Ready=False with a new transition time and keeps everything else', () => {
    const status = podNotReadyStatus(pod('True'), 70_000) as { phase: string; conditions: { type: string; status: string; lastTransitionTime: string }[] };
    assert.equal(status.phase, 'Running');
    assert.deepEqual(status.conditions[1], { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: timestamp(70_000) });
    assert.equal(status.conditions[0]!.status, 'True', 'ContainersReady is the kubelet’s');
  });

  it('does nothing to a pod already not ready, or without a Ready condition', () => {
    assert.equal(podNotReadyStatus(pod('False'), 70_000), null);
    assert.equal(podNotReadyStatus({ metadata: { name: 'p' }, status: { phase: 'Pending' } }, 70_000), null);
  });
});
