import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  convertFieldSelector,
  exactNodeName,
  exactObjectName,
  fieldSelectorToString,
  isFieldSelectorError,
  matchesObject,
  parseFieldSelector,
  requiresExactMatch,
  selectableFields,
} from '../../actors/api/fields.ts';
import type { FieldSelector, FieldSelectorError } from '../../actors/api/fields.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';

function ok(result: FieldSelector | FieldSelectorError): FieldSelector {
  if (isFieldSelectorError(result)) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

function err(result: FieldSelector | FieldSelectorError): string {
  if (!isFieldSelectorError(result)) assert.fail(`expected an error, got ${fieldSelectorToString(result)}`);
  return result.error;
}

const boundPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'prod' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler' },
  status: { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }] },
};
const pendingPod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-2', namespace: 'prod' }, spec: {}, status: { phase: 'Pending' } };

test('parses =, == and != terms, sorted as Go sorts the raw terms', () => {
  const s = ok(parseFieldSelector('status.phase!=Succeeded,metadata.name==x,spec.nodeName=n'));
  assert.deepEqual(s.terms, [
    { field: 'metadata.name', op: '=', value: 'x' },
    { field: 'spec.nodeName', op: '=', value: 'n' },
    { field: 'status.phase', op: '!=', value: 'Succeeded' },
  ]);
  assert.equal(fieldSelectorToString(s), 'metadata.name=x,spec.nodeName=n,status.phase!=Succeeded');
  assert.deepEqual(ok(parseFieldSelector('')).terms, []);
});

test('matches objects; a missing field reads as empty, so spec.nodeName= selects unbound pods', () => {
  const unbound = ok(parseFieldSelector('spec.nodeName='));
  assert.equal(matchesObject(unbound, pendingPod), true);
  assert.equal(matchesObject(unbound, boundPod), false);
  const notDone = ok(parseFieldSelector('status.phase!=Succeeded,status.phase!=Failed'));
  assert.equal(matchesObject(notDone, boundPod), true);
  assert.equal(matchesObject(ok(parseFieldSelector('metadata.namespace=prod,metadata.name=web-1')), boundPod), true);
  assert.equal(matchesObject(ok(parseFieldSelector('metadata.namespace=dev')), boundPod), false);
  assert.equal(matchesObject(ok(parseFieldSelector('status.podIP=10.0.0.7')), boundPod), true);
  assert.equal(matchesObject(ok(parseFieldSelector('spec.hostNetwork=false')), boundPod), true);
});

test('exactNodeName says when the selector is exactly spec.nodeName=<n>', () => {
  assert.equal(exactNodeName(ok(parseFieldSelector('spec.nodeName=node-a'))), 'node-a');
  assert.equal(exactNodeName(ok(parseFieldSelector('spec.nodeName==node-a'))), 'node-a');
  assert.equal(exactNodeName(ok(parseFieldSelector('spec.nodeName='))), '', 'unbound pods are an index entry too');
  assert.equal(exactNodeName(ok(parseFieldSelector('spec.nodeName!=node-a'))), undefined);
  assert.equal(exactNodeName(ok(parseFieldSelector('spec.nodeName=node-a,status.phase=Running'))), undefined, 'an extra term still needs filtering');
  assert.equal(exactNodeName(ok(parseFieldSelector('metadata.name=node-a'))), undefined);
  assert.equal(exactNodeName(ok(parseFieldSelector(''))), undefined);
  // Go's RequiresExactMatch, by contrast, ignores the other terms.
  assert.equal(requiresExactMatch(ok(parseFieldSelector('spec.nodeName=node-a,status.phase=Running')), 'spec.nodeName'), 'node-a');
});

test('exactObjectName says when the selector is exactly metadata.name=<n>', () => {
  assert.equal(exactObjectName(ok(parseFieldSelector('metadata.name=node-a'))), 'node-a');
  assert.equal(exactObjectName(ok(parseFieldSelector('metadata.name!=node-a'))), undefined);
  assert.equal(exactObjectName(ok(parseFieldSelector('metadata.name=node-a,spec.unschedulable=false'))), undefined, 'an extra term still needs filtering');
  assert.equal(exactObjectName(ok(parseFieldSelector('spec.nodeName=node-a'))), undefined);
});

test('escaped commas and equals signs are data; bare ones are errors', () => {
  const s = ok(parseFieldSelector('metadata.name=a\\,b\\=c'));
  assert.deepEqual(s.terms, [{ field: 'metadata.name', op: '=', value: 'a,b=c' }]);
  assert.equal(fieldSelectorToString(s), 'metadata.name=a\\,b\\=c');
  assert.equal(err(parseFieldSelector('a=b=c')), 'invalid field selector: unescaped character in value: 61');
  assert.equal(err(parseFieldSelector('a=b\\x')), 'invalid field selector: invalid escape sequence: \\x');
  assert.equal(err(parseFieldSelector('a=b\\')), 'invalid field selector: invalid escape sequence: \\');
  assert.equal(err(parseFieldSelector('nonsense')), "invalid selector: 'nonsense'; can't understand 'nonsense'");
});

test('per-kind field labels: pods rename spec.host, unsupported labels are refused', () => {
  assert.deepEqual(ok(convertFieldSelector('Pod', ok(parseFieldSelector('spec.host=n1')))).terms, [{ field: 'spec.nodeName', op: '=', value: 'n1' }]);
  assert.equal(err(convertFieldSelector('Pod', ok(parseFieldSelector('spec.foo=x')))), 'field label not supported: spec.foo');
  assert.equal(err(convertFieldSelector('Node', ok(parseFieldSelector('metadata.namespace=x')))), 'field label not supported: metadata.namespace');
  assert.equal(
    err(convertFieldSelector('Deployment', ok(parseFieldSelector('spec.replicas=1')))),
    '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  assert.deepEqual(ok(convertFieldSelector('Node', ok(parseFieldSelector('spec.unschedulable=true')))).terms.length, 1);
});

test('selectable fields per kind', () => {
  assert.deepEqual(selectableFields({ kind: 'Node', metadata: { name: 'n1' }, spec: { unschedulable: true } }), {
    'metadata.name': 'n1',
    'spec.unschedulable': 'true',
  });
  const event: KubeObject = {
    kind: 'Event',
    metadata: { name: 'e', namespace: 'd' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'd' },
    reason: 'Scheduled',
    source: { component: 'default-scheduler' },
    type: 'Normal',
  };
  const fields = selectableFields(event);
  assert.equal(fields['involvedObject.name'], 'p');
  assert.equal(fields['source'], 'default-scheduler');
  assert.equal(fields['involvedObject.uid'], '');
});
