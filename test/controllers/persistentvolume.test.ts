/** The PV controller: the binding choice, the simulated provisioner, and claim syncs on hand-built caches. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { findBestMatch, provisionedVolume, type PvcJson, type PvJson, type StorageClassJson } from '../../actors/controllers/persistentvolume/binding.ts';
import { syncClaim, syncVolume, type PvControllerState } from '../../actors/controllers/persistentvolume/controller.ts';
import { NODES, PVCS, PVS, STORAGE_CLASSES } from '../../actors/controllers/host/resources.ts';
import type { Action, WriteAction } from '../../actors/controllers/host/types.ts';
import { fakeContext } from './fake-context.ts';

const T = { timeout: 10_000 };

function pv(name: string, storage: string, opts: { cls?: string; modes?: string[]; labels?: Record<string, string>; claimRef?: Record<string, string>; node?: string } = {}): PvJson {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      capacity: { storage },
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      storageClassName: opts.cls ?? 'slow',
      volumeMode: 'Filesystem',
      ...(opts.claimRef ? { claimRef: opts.claimRef } : {}),
      ...(opts.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [opts.node] }] }] } } } : {}),
      hostPath: { path: `/data/${name}` },
    },
    status: { phase: opts.claimRef ? 'Bound' : 'Available' },
  };
}

function pvc(name: string, storage: string, opts: { cls?: string; modes?: string[]; selector?: Record<string, string>; annotations?: Record<string, string>; volumeName?: string } = {}): PvcJson {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      accessModes: opts.modes ?? ['ReadWriteOnce'],
      storageClassName: opts.cls ?? 'slow',
      volumeMode: 'Filesystem',
      resources: { requests: { storage } },
      ...(opts.selector ? { selector: { matchLabels: opts.selector } } : {}),
      ...(opts.volumeName ? { volumeName: opts.volumeName } : {}),
    },
    status: { phase: 'Pending' },
  };
}

const sc = (name: string, mode: string, provisioner = 'kubesim.io/simulated'): StorageClassJson =>
  ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, reclaimPolicy: 'Delete', volumeBindingMode: mode }) as StorageClassJson;

describe('binding choice (findBestMatchForClaim)', () => {
  it('the smallest volume whose capacity covers the request', T, () => {
    const vols = [pv('big', '10Gi'), pv('small', '500Mi'), pv('fit', '2Gi'), pv('fit2', '5Gi')];
    assert.equal(findBestMatch(pvc('c', '1Gi'), vols)?.metadata?.name, 'fit');
    assert.equal(findBestMatch(pvc('c', '20Gi'), vols), undefined);
  });
  it('the class must match ("" only matches "")', T, () => {
    assert.equal(findBestMatch(pvc('c', '1Gi', { cls: 'fast' }), [pv('a', '1Gi'), pv('b', '9Gi', { cls: 'fast' })])?.metadata?.name, 'b');
    assert.equal(findBestMatch(pvc('c', '1Gi', { cls: '' }), [pv('a', '1Gi')]), undefined);
  });
  it('every requested access mode must be offered', T, () => {
    const vols = [pv('rwo', '1Gi'), pv('rwx', '4Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] })];
    assert.equal(findBestMatch(pvc('c', '1Gi', { modes: ['ReadWriteMany'] }), vols)?.metadata?.name, 'rwx');
  });
  it('a volume bound to another claim is skipped; one pre-bound to this claim wins', T, () => {
    const other = pv('taken', '1Gi', { claimRef: { namespace: 'default', name: 'other', uid: 'x' } });
    const mine = pv('mine', '8Gi', { claimRef: { namespace: 'default', name: 'c' } });
    assert.equal(findBestMatch(pvc('c', '1Gi'), [other, pv('free', '3Gi')])?.metadata?.name, 'free');
    assert.equal(findBestMatch(pvc('c', '1Gi'), [other, pv('free', '3Gi'), mine])?.metadata?.name, 'mine');
  });
  it('the claim selector, volumes promised elsewhere, and the selected node', T, () => {
    const vols = [pv('a', '1Gi', { labels: { disk: 'ssd' } }), pv('b', '1Gi', { labels: { disk: 'hdd' } })];
    assert.equal(findBestMatch(pvc('c', '1Gi', { selector: { disk: 'hdd' } }), vols)?.metadata?.name, 'b');
    assert.equal(findBestMatch(pvc('c', '1Gi'), vols, { skip: new Set(['a']) })?.metadata?.name, 'b');
    const local = [pv('on-1', '1Gi', { node: 'worker-1' }), pv('on-2', '2Gi', { node: 'worker-2' })];
    assert.equal(findBestMatch(pvc('c', '1Gi'), local, { node: { name: 'worker-2', labels: { 'kubernetes.io/hostname': 'worker-2' } } })?.metadata?.name, 'on-2');
  });
});

describe('the simulated provisioner', () => {
  it('with a selected node: a node-local hostPath pinned by node affinity, pre-bound, capacity = request', T, () => {
    const v = provisionedVolume(pvc('www-web-0', '1Gi', { cls: 'standard' }), sc('standard', 'WaitForFirstConsumer'), 'worker-2');
    assert.equal(v.metadata?.name, 'pvc-uid-www-web-0');
    assert.equal(v.spec?.capacity?.storage, '1Gi');
    assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(v.spec?.storageClassName, 'standard');
    assert.deepEqual(v.spec?.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'www-web-0', uid: 'uid-www-web-0' });
    assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['worker-2']);
  });
  it('without one (Immediate): reachable from every node', T, () => {
    const v = provisionedVolume(pvc('c', '1Gi', { cls: 'network' }), sc('network', 'Immediate'), undefined);
    assert.equal(v.spec?.nodeAffinity, undefined);
    assert.ok(v.spec?.['csi']);
  });
});

describe('claim and volume syncs', () => {
  type A = Action<PvControllerState>;
  const state = (): PvControllerState => ({ assumed: new Map(), reported: new Set() });
  const writes = (a: readonly A[]) => a.filter((x): x is WriteAction<PvControllerState> => x.kind === 'write');
  const ctxWith = (claims: KubeObject[], volumes: KubeObject[], classes: KubeObject[], s = state()) =>
    fakeContext(s, [
      [PVCS, claims],
      [PVS, volumes],
      [STORAGE_CLASSES, classes],
      [NODES, [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } } }]],
    ]);

  it('WaitForFirstConsumer: nothing but one WaitForFirstConsumer event until the scheduler selects a node', T, () => {
    const s = state();
    const claim = pvc('c', '1Gi', { cls: 'standard' });
    const first = syncClaim('default/c', ctxWith([claim], [], [sc('standard', 'WaitForFirstConsumer')], s));
    assert.deepEqual(first.map((a) => (a.kind === 'event' ? a.reason : a.kind)), ['WaitForFirstConsumer']);
    assert.deepEqual(syncClaim('default/c', ctxWith([claim], [], [sc('standard', 'WaitForFirstConsumer')], s)), []);
  });
  it('with the selected-node annotation: the claim is annotated with its provisioner and a node-local volume is created', T, () => {
    const claim = pvc('c', '1Gi', { cls: 'standard', annotations: { 'volume.kubernetes.io/selected-node': 'worker-1' } });
    const w = writes(syncClaim('default/c', ctxWith([claim], [], [sc('standard', 'WaitForFirstConsumer')])));
    assert.deepEqual(w.map((x) => `${x.request.verb} ${x.request.resource}`), ['patch persistentvolumeclaims', 'create persistentvolumes']);
    const volume = w[1]!.request.body as PvJson;
    assert.equal(volume.metadata?.name, 'pvc-uid-c');
    assert.deepEqual(volume.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['worker-1']);
  });
  it('binding: volume claimRef, volume Bound, claim volumeName, claim Bound — in that order, each after the one before', T, () => {
    const s = state();
    const ctx = ctxWith([pvc('c', '1Gi')], [pv('v', '2Gi')], [], s);
    let acts: readonly A[] = syncClaim('default/c', ctx);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [w] = writes(acts);
      assert.ok(w, `write ${i}`);
      assert.equal(writes(acts).length, 1, 'one at a time');
      seen.push(`${w.request.resource}${w.request.subresource ? '/status' : ''} ${JSON.stringify(w.request.body)}`);
      acts = w.onResult?.({ tag: 't', reqId: i, code: 200, body: {} } as ApiResult, ctx) ?? [];
    }
    assert.match(seen[0]!, /^persistentvolumes .*"claimRef":\{"kind":"PersistentVolumeClaim","apiVersion":"v1","namespace":"default","name":"c","uid":"uid-c"/);
    assert.match(seen[0]!, /"pv.kubernetes.io\/bound-by-controller":"yes"/);
    assert.equal(seen[1], 'persistentvolumes/status {"status":{"phase":"Bound"}}');
    assert.match(seen[2]!, /^persistentvolumeclaims .*"pv.kubernetes.io\/bind-completed":"yes".*"volumeName":"v"/);
    assert.match(seen[3]!, /^persistentvolumeclaims\/status .*"phase":"Bound".*"capacity":\{"storage":"2Gi"\}/);
    // The volume stays promised to c: another claim does not get it meanwhile.
    assert.equal(s.assumed.get('v'), 'default/c');
  });
  it('a volume without a claim becomes Available; one whose claim is gone is deleted (Delete) or Released (Retain)', T, () => {
    const fresh = { ...pv('v', '1Gi'), status: { phase: 'Pending' } };
    assert.equal(JSON.stringify(writes(syncVolume('v', ctxWith([], [fresh], [])))[0]?.request.body), '{"status":{"phase":"Available"}}');
    const orphan = pv('v', '1Gi', { claimRef: { namespace: 'default', name: 'gone', uid: 'u' } });
    orphan.spec!.persistentVolumeReclaimPolicy = 'Delete';
    assert.equal(writes(syncVolume('v', ctxWith([], [orphan], [])))[0]?.request.verb, 'delete');
    orphan.spec!.persistentVolumeReclaimPolicy = 'Retain';
    assert.equal(JSON.stringify(writes(syncVolume('v', ctxWith([], [orphan], [])))[0]?.request.body), '{"status":{"phase":"Released"}}');
  });
});
