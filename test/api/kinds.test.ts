/**
 * API machinery of the workload, batch, config and storage kinds, without an apiserver: the
 * CronJob schedule parser's texts (robfig/cron ParseStandard), base64 decoding as Go reports it,
 * defaults and validation paths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults, prepareForCreate } from '../../actors/api/defaults.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { etcdKey, lookupByKind, resolveResourceName } from '../../actors/api/resources.ts';
import { validateCronSchedule } from '../../actors/api/validation/cron.ts';
import { base64ErrorOffset } from '../../actors/api/validation/decode.ts';
import { validateCreate, validateUpdate } from '../../actors/api/validation/entry.ts';

type Any = Record<string, any>;
const ctx = { now: '2025-01-01T00:00:00Z', uid: () => 'uid-1', randomInt: () => 0 };
const fieldsOf = (obj: KubeObject) => validateCreate(obj).map((c) => `${c.field}: ${c.message}`);
const template = (labels: Record<string, string>, restartPolicy?: string) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(restartPolicy ? { restartPolicy } : {}) },
});
const created = (obj: KubeObject) => prepareForCreate(applyDefaults(obj), ctx) as Any;

describe('resources', { timeout: 10_000 }, () => {
  it('stores each kind under its kube-apiserver prefix and resolves kubectl words', { timeout: 5_000 }, () => {
    assert.equal(etcdKey('replicationcontrollers', 'default', 'nginx'), '/registry/controllers/default/nginx');
    for (const r of ['daemonsets', 'statefulsets', 'controllerrevisions', 'configmaps', 'secrets', 'persistentvolumeclaims', 'jobs', 'cronjobs', 'poddisruptionbudgets']) {
      assert.equal(etcdKey(r, 'ns', 'x'), `/registry/${r}/ns/x`);
    }
    assert.equal(etcdKey('persistentvolumes', undefined, 'pv'), '/registry/persistentvolumes/pv');
    assert.equal(etcdKey('storageclasses', undefined, 'standard'), '/registry/storageclasses/standard');
    for (const [word, resource] of [['ds', 'daemonsets'], ['sts', 'statefulsets'], ['rc', 'replicationcontrollers'], ['cm', 'configmaps'], ['pvc', 'persistentvolumeclaims'], ['pv', 'persistentvolumes'], ['sc', 'storageclasses'], ['cj', 'cronjobs'], ['pdb', 'poddisruptionbudgets'], ['job', 'jobs'], ['secret', 'secrets']]) {
      assert.equal(resolveResourceName(word!)?.resource, resource, word);
    }
    assert.deepEqual(lookupByKind('apps/v1', 'StatefulSet')?.subresources, ['status', 'scale']);
    assert.equal(lookupByKind('batch/v1', 'Job')?.tracksGeneration, true);
    assert.equal(lookupByKind('batch/v1beta1', 'CronJob'), undefined);
  });
});

describe('CronJob schedules (robfig/cron ParseStandard)', { timeout: 10_000 }, () => {
  it('accepts standard 5-field schedules, names and descriptors', { timeout: 5_000 }, () => {
    for (const s of ['* * * * *', '*/5 * * * *', '0 0 1 1 *', '0 9-17 * * mon-fri', '15,45 */2 1-31/3 JAN-DEC sun', '@hourly', '@every 1h30m', '0 0 ? * *']) {
      assert.equal(validateCronSchedule(s), undefined, s);
    }
  });
  it('refuses others with robfig’s texts', { timeout: 5_000 }, () => {
    assert.equal(validateCronSchedule('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
    assert.equal(validateCronSchedule('60 * * * *'), 'end of range (60) above maximum (59): 60');
    assert.equal(validateCronSchedule('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
    assert.equal(validateCronSchedule('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
    assert.equal(validateCronSchedule('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    assert.equal(validateCronSchedule('*/0 * * * *'), 'step of range should be a positive number: */0');
    assert.equal(validateCronSchedule('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  });
});

describe('base64 as Go decodes []byte', { timeout: 10_000 }, () => {
  it('reports the offset of the first bad byte', { timeout: 5_000 }, () => {
    assert.equal(base64ErrorOffset('aGVsbG8='), undefined);
    assert.equal(base64ErrorOffset('aGVs\nbG8='), undefined);
    assert.equal(base64ErrorOffset(''), undefined);
    assert.equal(base64ErrorOffset('ab!d'), 2);
    assert.equal(base64ErrorOffset('abc'), 0);
    assert.equal(base64ErrorOffset('ab=c'), 2);
    assert.equal(base64ErrorOffset('aGVsbG8=x'), 8);
  });
});

describe('defaults and validation of the new kinds', { timeout: 10_000 }, () => {
  it('ReplicationController: selector and labels from the template, one replica', { timeout: 5_000 }, () => {
    const rc = created({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'r', namespace: 'default' }, spec: { template: template({ app: 'a' }) } });
    assert.deepEqual(rc.spec.selector, { app: 'a' });
    assert.deepEqual(rc.metadata.labels, { app: 'a' });
    assert.equal(rc.spec.replicas, 1);
    assert.equal(rc.metadata.generation, 1);
    assert.deepEqual(fieldsOf(rc), []);
  });

  it('StatefulSet: template fields are validated under spec.template, updates limited to the mutable fields', { timeout: 5_000 }, () => {
    const sts = created({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: '' }] } } },
    });
    assert.deepEqual(fieldsOf(sts), ['spec.template.spec.containers[0].image: Required value']);
    sts.spec.template.spec.containers[0].image = 'nginx';
    sts.metadata.resourceVersion = '5';
    const changed = structuredClone(sts);
    changed.spec.serviceName = 'other';
    assert.deepEqual(
      validateUpdate(changed, sts).map((c) => c.field + ': ' + c.message),
      ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
    );
  });

  it('Job: manualSelector true keeps the user’s selector; a missing one is required', { timeout: 5_000 }, () => {
    const job = created({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec: { manualSelector: true, template: template({ a: 'b' }, 'Never') } });
    assert.equal(job.spec.selector, undefined);
    assert.deepEqual(fieldsOf(job), ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: {"a":"b"}: `selector` does not match template `labels`']);
    const both = created({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'k', namespace: 'default' }, spec: { parallelism: 3, template: template({}, 'OnFailure') } });
    assert.equal(both.spec.parallelism, 3);
    assert.equal(both.spec.completions, undefined);
  });

  it('CronJob: the job template may not carry a selector; TZ belongs in spec.timeZone', { timeout: 5_000 }, () => {
    const cj = created({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c', namespace: 'default' },
      spec: { schedule: 'TZ=UTC 0 * * * *', jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }, 'OnFailure') } } },
    });
    assert.deepEqual(fieldsOf(cj), [
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });

  it('Secret types require their keys; ConfigMap keys are checked', { timeout: 5_000 }, () => {
    const tls = created({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
    assert.deepEqual(fieldsOf(tls), ['data[tls.key]: Required value']);
    const cm = created({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { '..x': 'y' } });
    assert.deepEqual(fieldsOf(cm), ["data[..x]: Invalid value: \"..x\": must not start with '..'"]);
  });

  it('PersistentVolume needs capacity, access modes and a volume type', { timeout: 5_000 }, () => {
    const pv = created({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'p' }, spec: {} });
    assert.deepEqual(fieldsOf(pv), ['spec.accessModes: Required value', 'spec.capacity: Required value', 'spec: Required value: must specify a volume type']);
  });
});
