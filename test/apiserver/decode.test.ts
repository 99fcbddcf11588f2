/**
 * Quantities are decoded at the apiserver's door: a create or update whose quantity does not
 * parse is a 400 ("… cannot be handled as a Pod: quantities must match …"), a merge patch whose
 * result does not parse is a 422 on the field "patch", and what is stored is the quantity's
 * canonical form (Quantity.String()), so no component ever reads an unparseable quantity.
 * Absurdly large ones are accepted like Kubernetes accepts them: BinarySI capped at 2^63-1,
 * decimal ones kept.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { QUANTITY_FORMAT_ERROR } from '../../actors/api/quantity.ts';
import { Harness, PODS, pod, show, statusOf } from './harness.ts';

const NODES = { apiVersion: 'v1', resource: 'nodes' } as const;
const QUOTAS = { apiVersion: 'v1', resource: 'resourcequotas' } as const;
const LIMITS = { apiVersion: 'v1', resource: 'limitranges' } as const;

function podWith(name: string, requests: Record<string, unknown>): KubeObject {
  const p = pod(name);
  const spec = p.spec as { containers: Record<string, unknown>[] };
  spec.containers[0]!.resources = { requests };
  return p;
}

function requestsOf(body: unknown): Record<string, string> {
  return ((body as KubeObject).spec as { containers: { resources: { requests: Record<string, string> } }[] }).containers[0]!.resources.requests;
}

const POD_DECODE = `Pod in version "v1" cannot be handled as a Pod: ${QUANTITY_FORMAT_ERROR}`;

describe('apiserver: quantities are decoded at the door', { timeout: 120_000 }, () => {
  let h: Harness;
  before(() => {
    h = new Harness({ seed: 'decode' });
    h.waitReady();
  });

  it('refuses a pod whose cpu request is "lots" with 400 and the decoder’s text', { timeout: 60_000 }, () => {
    const r = h.call({ verb: 'create', ...PODS, namespace: 'default', body: podWith('lots', { cpu: 'lots' }) });
    assert.equal(r.code, 400, show(r));
    const status = statusOf(r.body);
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, POD_DECODE);
    assert.equal(h.core().lookup.get('pods', 'default', 'lots'), undefined);
  });

  it('refuses a bad quantity in overhead, init containers and a PUT the same way', { timeout: 60_000 }, () => {
    const overhead = pod('overhead');
    (overhead.spec as Record<string, unknown>).overhead = { memory: '1 GB' };
    assert.equal(h.call({ verb: 'create', ...PODS, namespace: 'default', body: overhead }).code, 400);
    const init = pod('init');
    (init.spec as Record<string, unknown>).initContainers = [{ name: 'i', image: 'busybox', resources: { limits: { cpu: '1K' } } }];
    const r = h.call({ verb: 'create', ...PODS, namespace: 'default', body: init });
    assert.equal(r.code, 400, show(r));
    assert.equal(statusOf(r.body).message, `Pod in version "v1" cannot be handled as a Pod: unable to parse quantity's suffix`);

    const created = h.call({ verb: 'create', ...PODS, namespace: 'default', body: podWith('put', { cpu: '100m' }) });
    assert.equal(created.code, 201, show(created));
    const body = structuredClone(created.body as KubeObject);
    requestsOf(body).cpu = 'many';
    const put = h.call({ verb: 'update', ...PODS, namespace: 'default', name: 'put', body });
    assert.equal(put.code, 400, show(put));
    assert.equal(statusOf(put.body).message, POD_DECODE);
  });

  it('answers a node status merge patch with allocatable "lots" with 422 on the field "patch"', { timeout: 60_000 }, () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
    assert.equal(h.call({ verb: 'create', ...NODES, body: node }).code, 201);
    const r = h.call({ verb: 'patch', patchType: 'merge', ...NODES, name: 'n1', subresource: 'status', body: { status: { allocatable: { cpu: 'lots' } } } as KubeObject });
    assert.equal(r.code, 422, show(r));
    const status = statusOf(r.body);
    assert.equal(status.reason, 'Invalid');
    assert.match(status.message, /^ "" is invalid: patch: Invalid value: "\{.*\}": quantities must match the regular expression '\^\(\[\+-\]\?\[0-9\.\]\+\)\(\[eEinumkKMGTP\]\*\[-\+\]\?\[0-9\]\*\)\$'$/s);
    assert.equal(status.details?.causes?.[0]?.field, 'patch');
    assert.equal(status.details?.kind, '');
    h.runFor(500);
    const stored = h.core().lookup.get('nodes', undefined, 'n1');
    assert.equal((stored?.status as { allocatable: { cpu: string } }).allocatable.cpu, '4');
  });

  it('refuses bad quantities in a ResourceQuota and a LimitRange', { timeout: 60_000 }, () => {
    const quota: KubeObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec: { hard: { 'requests.cpu': 'x' } } };
    const rq = h.call({ verb: 'create', ...QUOTAS, namespace: 'default', body: quota });
    assert.equal(rq.code, 400, show(rq));
    assert.equal(statusOf(rq.body).message, `ResourceQuota in version "v1" cannot be handled as a ResourceQuota: ${QUANTITY_FORMAT_ERROR}`);
    const limits: KubeObject = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'default' }, spec: { limits: [{ type: 'Container', default: { memory: '512K' } }] } };
    const lr = h.call({ verb: 'create', ...LIMITS, namespace: 'default', body: limits });
    assert.equal(lr.code, 400, show(lr));
    assert.equal(statusOf(lr.body).message, `LimitRange in version "v1" cannot be handled as a LimitRange: unable to parse quantity's suffix`);
  });

  it('stores the canonical form, and accepts absurd sizes the way Kubernetes does', { timeout: 60_000 }, () => {
    const r = h.call({ verb: 'create', ...PODS, namespace: 'default', body: podWith('canonical', { cpu: '0.5', memory: '1024Mi', 'ephemeral-storage': '1000' }) });
    assert.equal(r.code, 201, show(r));
    assert.deepEqual(requestsOf(r.body), { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1k' });
    const huge = h.call({ verb: 'create', ...PODS, namespace: 'default', body: podWith('huge', { cpu: '1e400', memory: '100000Ei' }) });
    assert.equal(huge.code, 201, show(huge));
    assert.deepEqual(requestsOf(huge.body), { cpu: '10e399', memory: '9223372036854775807' });
    h.runFor(500);
    assert.deepEqual(requestsOf(h.core().lookup.get('pods', 'default', 'huge')), { cpu: '10e399', memory: '9223372036854775807' });
  });
});
