/**
 * The workload, batch, config and storage kinds through a real apiserver: the Kubernetes
 * documentation's example manifests are accepted unchanged and come back defaulted as upstream
 * defaults them, stored under kube-apiserver's etcd prefixes; a bad field is refused with its
 * path; status is a subresource; the cluster ships the default StorageClass `standard`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { lookupByKind } from '../../actors/api/resources.ts';
import { range } from '../../actors/etcd/mvcc.ts';
import { Harness, show, statusOf } from './harness.ts';

const DOCS = join(import.meta.dirname, '..', 'fixtures', 'k8s-docs');

function manifests(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(join(DOCS, file), 'utf8')).map((d) => d.toJSON() as KubeObject);
}

type Any = Record<string, any>;

function target(obj: KubeObject): { apiVersion: string; resource: string; namespace?: string } {
  const info = lookupByKind(obj.apiVersion ?? '', obj.kind ?? '');
  assert.ok(info, `${obj.apiVersion} ${obj.kind} is served`);
  return { apiVersion: obj.apiVersion!, resource: info.resource, ...(info.namespaced ? { namespace: obj.metadata?.namespace ?? 'default' } : {}) };
}

describe('apiserver: workload, batch, config and storage kinds', { timeout: 240_000 }, () => {
  let h: Harness;
  const created = new Map<string, Any>();
  const create = (obj: KubeObject) => h.call({ verb: 'create', ...target(obj), body: obj });
  const refused = (obj: KubeObject, code = 422) => {
    const r = create(obj);
    assert.equal(r.code, code, show(r));
    return statusOf(r.body);
  };
  const inEtcd = (key: string): boolean => {
    const r = range(h.leaderStore(), key);
    return 'kvs' in r && r.kvs.length === 1;
  };
  const fields = (obj: KubeObject) => (refused(obj).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

  before(() => {
    h = new Harness({ seed: 'kinds' });
    h.waitReady();
    for (const file of [
      'job-pi.yaml',
      'daemonset-fluentd-elasticsearch.yaml',
      'statefulset-web.yaml',
      'replicaset-frontend.yaml',
      'replicationcontroller-nginx.yaml',
      'deployment-nginx.yaml',
      'cronjob-hello.yaml',
      'pdb-zk.yaml',
    ]) {
      for (const obj of manifests(file)) {
        const r = create(obj);
        assert.equal(r.code, 201, `${file}: ${show(r)}`);
        created.set(`${obj.kind}/${obj.metadata?.name}`, r.body as Any);
      }
    }
  });

  it('accepts the documentation examples unchanged and stores them under the real etcd prefixes', { timeout: 60_000 }, () => {
    const keys = [
      '/registry/jobs/default/pi',
      '/registry/daemonsets/kube-system/fluentd-elasticsearch',
      '/registry/statefulsets/default/web',
      '/registry/services/specs/default/nginx',
      '/registry/replicasets/default/frontend',
      '/registry/controllers/default/nginx',
      '/registry/deployments/default/nginx-deployment',
      '/registry/cronjobs/default/hello',
      '/registry/poddisruptionbudgets/default/zk-pdb',
      '/registry/storageclasses/standard',
    ];
    for (const key of keys) assert.ok(inEtcd(key), `${key} is in etcd`);
  });

  it('defaults a Job as upstream: 1/1, backoff as given, NonIndexed, generated selector and labels', { timeout: 60_000 }, () => {
    const job = created.get('Job/pi')!;
    const uid = job.metadata.uid;
    assert.equal(job.metadata.generation, 1);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 4);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.suspend, false);
    assert.equal(job.spec.manualSelector, false);
    assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    assert.deepEqual(job.spec.template.metadata.labels, labels);
    assert.deepEqual(job.metadata.labels, labels);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    assert.equal(job.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(job.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(job.status, {});
  });

  it('defaults a DaemonSet, a StatefulSet, a ReplicationController and a CronJob as upstream', { timeout: 60_000 }, () => {
    const ds = created.get('DaemonSet/fluentd-elasticsearch')!;
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    assert.equal(ds.metadata.generation, 1);
    assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '1');
    assert.equal(ds.status.desiredNumberScheduled, 0);

    const sts = created.get('StatefulSet/web')!;
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(sts.spec.replicas, 3);
    assert.equal(sts.spec.revisionHistoryLimit, 10);
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.equal(sts.spec.volumeClaimTemplates[0].status.phase, 'Pending');

    const rc = created.get('ReplicationController/nginx')!;
    assert.equal(rc.spec.replicas, 3);
    assert.deepEqual(rc.metadata.labels, { app: 'nginx' });
    assert.deepEqual(rc.status, { replicas: 0 });

    const cj = created.get('CronJob/hello')!;
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal(cj.spec.jobTemplate.spec.completions, undefined, 'a job template gets no Job defaults');
  });

  it('ships the default StorageClass standard', { timeout: 60_000 }, () => {
    const r = h.call({ verb: 'get', apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', name: 'standard' });
    assert.equal(r.code, 200, show(r));
    const sc = r.body as Any;
    assert.equal(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true');
    assert.equal(sc.provisioner, 'kubesim.io/simulated');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
  });

  it('defaults and validates config and storage kinds', { timeout: 60_000 }, () => {
    const secret = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } });
    assert.equal(secret.code, 201, show(secret));
    assert.equal((secret.body as Any).type, 'Opaque');
    assert.deepEqual((secret.body as Any).data, { password: Buffer.from('hunter2').toString('base64') });
    assert.equal((secret.body as Any).stringData, undefined);
    const bad = create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, data: { key: 'ab!d' } });
    assert.equal(bad.code, 400, show(bad));
    assert.equal(statusOf(bad.body).message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2');

    assert.deepEqual(fields({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a b': 'x' } }), [
      "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    assert.equal(create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'game.properties': 'lives=3' } }).code, 201);

    const pvc = create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    assert.equal(pvc.code, 201, show(pvc));
    assert.deepEqual((pvc.body as Any).status, { phase: 'Pending' });
    assert.equal((pvc.body as Any).spec.volumeMode, 'Filesystem');
    assert.equal((pvc.body as Any).spec.storageClassName, 'standard', 'DefaultStorageClass admission');
    const none = create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'none' }, spec: { storageClassName: '', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    assert.equal((none.body as Any).spec.storageClassName, '', 'an explicit "" asks for no class');
    assert.deepEqual(fields({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'x' }, spec: { resources: { requests: { storage: '1Gi' } } } }), [
      'spec.accessModes: Required value: at least 1 access mode is required',
    ]);

    const pv = create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/mnt/data' } } });
    assert.equal(pv.code, 201, show(pv));
    assert.equal((pv.body as Any).spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.deepEqual((pv.body as Any).status, { phase: 'Pending' });
    assert.ok(inEtcd('/registry/persistentvolumes/pv1'));

    const sc = create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast' });
    assert.equal(sc.code, 201, show(sc));
    assert.equal((sc.body as Any).reclaimPolicy, 'Delete');
    assert.equal((sc.body as Any).volumeBindingMode, 'Immediate');
    const changed = { ...(sc.body as Any), provisioner: 'example.com/slow' };
    const upd = h.call({ verb: 'update', apiVersion: 'storage.k8s.io/v1', resource: 'storageclasses', name: 'fast', body: changed });
    assert.equal(upd.code, 422, show(upd));
    assert.match(statusOf(upd.body).message, /provisioner: Forbidden: updates to provisioner are forbidden\./);
  });

  it('refuses bad fields with their paths', { timeout: 60_000 }, () => {
    const job = manifests('job-pi.yaml')[0]! as Any;
    job.metadata.name = 'bad-job';
    job.spec.template.spec.restartPolicy = 'Always';
    job.spec.template.spec.containers[0].image = '';
    assert.deepEqual(fields(job), [
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);

    const ds = manifests('daemonset-fluentd-elasticsearch.yaml')[0]! as Any;
    ds.metadata.name = 'bad-ds';
    ds.spec.template.metadata.labels = { name: 'other' };
    assert.deepEqual(fields(ds), ['spec.template.metadata.labels: Invalid value: {"name":"other"}: `selector` does not match template `labels`']);

    const sts = manifests('statefulset-web.yaml')[1]! as Any;
    sts.metadata.name = 'bad-sts';
    sts.spec.podManagementPolicy = 'Sometimes';
    sts.spec.replicas = -1;
    assert.deepEqual(fields(sts), [
      "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'",
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);

    const cj = manifests('cronjob-hello.yaml')[0]! as Any;
    cj.metadata.name = 'bad-cj';
    cj.spec.schedule = '* * * *';
    cj.spec.concurrencyPolicy = 'Sometimes';
    assert.deepEqual(fields(cj), [
      'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);

    const pdb = manifests('pdb-zk.yaml')[0]! as Any;
    pdb.metadata.name = 'bad-pdb';
    pdb.spec.maxUnavailable = 1;
    assert.deepEqual(fields(pdb), [
      'spec: Invalid value: {"minAvailable":2,"selector":{"matchLabels":{"app":"zookeeper"}},"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
    ]);

    const rc = manifests('replicationcontroller-nginx.yaml')[0]! as Any;
    rc.metadata.name = 'bad-rc';
    rc.spec.selector = { app: 'web' };
    assert.deepEqual(fields(rc), ['spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`']);
  });

  it('keeps status a subresource and bumps generation on a spec change', { timeout: 60_000 }, () => {
    const ds = created.get('DaemonSet/fluentd-elasticsearch')!;
    const target = { apiVersion: 'apps/v1', resource: 'daemonsets', namespace: 'kube-system', name: 'fluentd-elasticsearch' };
    const withStatus = { ...ds, status: { ...ds.status, desiredNumberScheduled: 3 } };
    const main = h.call({ verb: 'update', ...target, body: withStatus });
    assert.equal(main.code, 200, show(main));
    assert.equal((main.body as Any).status.desiredNumberScheduled, 0, 'the main resource ignores status');
    assert.equal((main.body as Any).metadata.generation, 1);
    const status = h.call({ verb: 'update', ...target, subresource: 'status', body: { ...(main.body as Any), status: withStatus.status } });
    assert.equal(status.code, 200, show(status));
    assert.equal((status.body as Any).status.desiredNumberScheduled, 3);
    const spec = structuredClone(status.body as Any);
    spec.spec.minReadySeconds = 5;
    const bumped = h.call({ verb: 'update', ...target, body: spec });
    assert.equal(bumped.code, 200, show(bumped));
    assert.equal((bumped.body as Any).metadata.generation, 2);
    assert.equal((bumped.body as Any).metadata.annotations['deprecated.daemonset.template.generation'], '1', 'the template did not change');
    const image = structuredClone(bumped.body as Any);
    image.spec.template.spec.containers[0].image = 'quay.io/fluentd_elasticsearch/fluentd:v2.6.0';
    const rolled = h.call({ verb: 'update', ...target, body: image });
    assert.equal(rolled.code, 200, show(rolled));
    assert.equal((rolled.body as Any).metadata.generation, 3);
    assert.equal((rolled.body as Any).metadata.annotations['deprecated.daemonset.template.generation'], '2');
  });
});
