/** VolumeBinding: PreFilter and Filter statuses from hand-built claims, volumes and classes; the claims PreBind annotates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { newPodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { buildSnapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { statusMessage } from '../../actors/scheduler/framework/status.ts';
import { claimsToAnnotate, newVolumeBinding } from '../../actors/scheduler/plugins/volume-binding.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const T = { timeout: 10_000 };

const nodes = [makeNode('worker-0').label('kubernetes.io/hostname', 'worker-0').obj(), makeNode('worker-1').label('kubernetes.io/hostname', 'worker-1').obj()];

function claim(name: string, opts: { cls?: string; volumeName?: string; selectedNode?: string; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: 'default',
      ...(opts.selectedNode ? { annotations: { 'volume.kubernetes.io/selected-node': opts.selectedNode } } : {}),
      ...(opts.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: { storageClassName: opts.cls ?? 'standard', ...(opts.volumeName ? { volumeName: opts.volumeName } : {}) },
  };
}

function volume(name: string, node?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {},
  };
}

const classes = [
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard' }, volumeBindingMode: 'WaitForFirstConsumer' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'network' }, volumeBindingMode: 'Immediate' },
] as KubeObject[];

function podWithClaims(...claimNames: string[]): V1Pod {
  const p = makePod('web-0').obj();
  p.spec!.volumes = claimNames.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } }));
  return p;
}

function setup(claims: KubeObject[], volumes: KubeObject[] = []) {
  const snapshot = buildSnapshot(nodes);
  for (const c of classes) snapshot.volumes.setClass(c);
  for (const c of claims) snapshot.volumes.setClaim(c);
  for (const v of volumes) snapshot.volumes.setVolume(v);
  return snapshot;
}

/** PreFilter's outcome, then each node's Filter status message ("" = fits). */
function run(pod: V1Pod, claims: KubeObject[], volumes: KubeObject[] = []): { preFilter: string; nodes: Record<string, string> } {
  const snapshot = setup(claims, volumes);
  const plugin = newVolumeBinding();
  const state = new CycleState();
  const info = newPodInfo(pod);
  const pre = plugin.preFilter!(state, info, snapshot);
  const preText = pre === null ? 'ok' : 'code' in pre ? `${pre.code}: ${statusMessage(pre)}` : 'result';
  const out: Record<string, string> = {};
  if (pre === null) for (const name of ['worker-0', 'worker-1']) out[name] = statusMessage(plugin.filter!(state, info, snapshot.get(name)!));
  return { preFilter: preText, nodes: out };
}

describe('VolumeBinding', () => {
  it('a pod without claims skips the plugin', T, () => {
    assert.equal(run(makePod('p').obj(), []).preFilter, 'Skip: ');
  });
  it('a missing claim: unschedulable and unresolvable, with the lister error', T, () => {
    assert.equal(run(podWithClaims('www-web-0'), []).preFilter, 'UnschedulableAndUnresolvable: persistentvolumeclaim "www-web-0" not found');
  });
  it('a claim being deleted', T, () => {
    assert.equal(run(podWithClaims('c'), [claim('c', { deleting: true })]).preFilter, 'UnschedulableAndUnresolvable: persistentvolumeclaim "c" is being deleted');
  });
  it('an unbound claim of an Immediate class: the pod waits for the PV controller', T, () => {
    assert.equal(run(podWithClaims('c'), [claim('c', { cls: 'network' })]).preFilter, 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims');
    // No class at all is not delayed either.
    assert.equal(run(podWithClaims('c'), [claim('c', { cls: '' })]).preFilter, 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims');
  });
  it('an unbound WaitForFirstConsumer claim: every node passes', T, () => {
    assert.deepEqual(run(podWithClaims('c'), [claim('c')]), { preFilter: 'ok', nodes: { 'worker-0': '', 'worker-1': '' } });
  });
  it('a bound claim whose volume is node-local: only that node', T, () => {
    assert.deepEqual(run(podWithClaims('c'), [claim('c', { volumeName: 'pv-1' })], [volume('pv-1', 'worker-1')]).nodes, {
      'worker-0': 'node(s) had volume node affinity conflict',
      'worker-1': '',
    });
  });
  it('a bound claim whose volume has no node affinity (a network disk): every node', T, () => {
    assert.deepEqual(run(podWithClaims('c'), [claim('c', { cls: 'network', volumeName: 'pv-n' })], [volume('pv-n')]).nodes, { 'worker-0': '', 'worker-1': '' });
  });
  it('PreBind annotates the unbound delayed claims not already selected for that node', T, () => {
    const snapshot = setup([claim('a'), claim('b', { selectedNode: 'worker-1' }), claim('c', { volumeName: 'pv' }), claim('d', { cls: 'network' })]);
    const pod = podWithClaims('a', 'b', 'c', 'd');
    assert.deepEqual(claimsToAnnotate(pod, snapshot, 'worker-1').map((c) => c.metadata?.name), ['a']);
    assert.deepEqual(claimsToAnnotate(pod, snapshot, 'worker-0').map((c) => c.metadata?.name), ['a', 'b']);
  });
});
