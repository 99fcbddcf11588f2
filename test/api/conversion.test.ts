import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEPRECATED_ROLLBACK_TO, MAX_INT32, convert, defaultsFor, isConversionError } from '../../actors/api/conversion.ts';
import type { ConversionError } from '../../actors/api/conversion.ts';
import { applyDefaults } from '../../actors/api/defaults.ts';
import { validateCreate } from '../../actors/api/validation.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';

function ok(result: KubeObject | ConversionError): KubeObject {
  if (isConversionError(result)) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

/** A Deployment without a selector, as old manifests were written. */
function selectorless(apiVersion: string): KubeObject {
  return {
    apiVersion,
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  };
}

test('defaultsFor shows how the two workload versions differ', () => {
  assert.deepEqual(defaultsFor('apps/v1'), {
    apiVersion: 'apps/v1',
    selectorFromTemplateLabels: false,
    replicas: 1,
    strategyType: 'RollingUpdate',
    maxSurge: '25%',
    maxUnavailable: '25%',
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });
  assert.deepEqual(defaultsFor('extensions/v1beta1'), {
    apiVersion: 'extensions/v1beta1',
    selectorFromTemplateLabels: true,
    replicas: 1,
    strategyType: 'RollingUpdate',
    maxSurge: 1,
    maxUnavailable: 1,
    revisionHistoryLimit: MAX_INT32,
    progressDeadlineSeconds: MAX_INT32,
  });
  assert.equal(defaultsFor('v1'), undefined);
});

test('created through extensions/v1beta1, a Deployment without selector takes its template labels', () => {
  const defaulted = applyDefaults(selectorless('extensions/v1beta1'));
  const stored = ok(convert(defaulted, 'apps/v1'));
  assert.equal(stored.apiVersion, 'apps/v1');
  assert.deepEqual(validateCreate(stored), []);
  const spec = stored['spec'] as Record<string, unknown>;
  assert.deepEqual(spec['selector'], { matchLabels: { app: 'web' } });
  assert.deepEqual(stored.metadata!.labels, { app: 'web' }, 'object labels default too');
  assert.deepEqual(spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } });
  assert.equal(spec['revisionHistoryLimit'], MAX_INT32);
  assert.equal(spec['progressDeadlineSeconds'], MAX_INT32);
});

test('created through apps/v1, the same Deployment is rejected with spec.selector: Required value', () => {
  const causes = validateCreate(applyDefaults(selectorless('apps/v1')));
  assert.deepEqual(causes, [
    { field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' },
    // A nil selector matches nothing, so Go also reports the template labels.
    { field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
  ]);
});

test('Deployment round trip keeps spec.rollbackTo through the apps/v1 annotation', () => {
  const ext: KubeObject = {
    apiVersion: 'extensions/v1beta1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, rollbackTo: { revision: 3 }, template: { metadata: { labels: { app: 'web' } } } },
  };
  const apps = ok(convert(ext, 'apps/v1'));
  assert.equal((apps['spec'] as Record<string, unknown>)['rollbackTo'], undefined);
  assert.deepEqual(apps.metadata!.annotations, { [DEPRECATED_ROLLBACK_TO]: '3' });
  const back = ok(convert(apps, 'extensions/v1beta1'));
  assert.deepEqual(back, ext);
  assert.equal((ext['spec'] as Record<string, unknown>)['rollbackTo'] !== undefined, true, 'the input is not mutated');

  const plainApps = ok(convert(applyDefaults(selectorless('apps/v1')), 'extensions/v1beta1'));
  assert.deepEqual(ok(convert(plainApps, 'apps/v1')), applyDefaults(selectorless('apps/v1')));
});

test('ReplicaSets convert field for field; unrelated pairs are refused', () => {
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { replicas: 2 } };
  assert.deepEqual(ok(convert(rs, 'extensions/v1beta1')), { ...rs, apiVersion: 'extensions/v1beta1' });
  const refused = convert({ apiVersion: 'v1', kind: 'Pod' }, 'apps/v1');
  assert.ok(isConversionError(refused));
  assert.equal(refused.error, 'no kind "Pod" is registered for version "apps/v1"');
  assert.deepEqual(ok(convert(rs, 'apps/v1')), rs, 'same version is a copy');
});

test('Events convert between v1 and events.k8s.io/v1 with renamed fields', () => {
  const core: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web to node-a',
    source: { component: 'default-scheduler' },
    count: 1,
    firstTimestamp: '2025-01-01T00:00:01Z',
    lastTimestamp: '2025-01-01T00:00:01Z',
    type: 'Normal',
    reportingComponent: 'default-scheduler',
  };
  const events = ok(convert(core, 'events.k8s.io/v1'));
  assert.deepEqual(events, {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Scheduled',
    note: 'Successfully assigned default/web to node-a',
    deprecatedSource: { component: 'default-scheduler' },
    deprecatedCount: 1,
    deprecatedFirstTimestamp: '2025-01-01T00:00:01Z',
    deprecatedLastTimestamp: '2025-01-01T00:00:01Z',
    type: 'Normal',
    reportingController: 'default-scheduler',
  });
  assert.deepEqual(ok(convert(events, 'v1')), core);
});
