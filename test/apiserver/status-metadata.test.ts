/**
 * What a /status write may change besides status: for a Deployment its annotations (the
 * Deployment controller records `deployment.kubernetes.io/revision` that way, as
 * deploymentStatusStrategy allows), never its labels or spec; for a Pod nothing of its metadata.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { Harness, PODS, pod, show } from './harness.ts';

const DEPLOYMENTS = { apiVersion: 'apps/v1', resource: 'deployments' } as const;

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } },
};

describe('apiserver: metadata through /status', { timeout: 120_000 }, () => {
  it('a Deployment keeps the annotations of a status write, not its labels; a Pod keeps neither', { timeout: 90_000 }, () => {
    const h = new Harness({ seed: 'status-metadata' });
    h.waitReady();
    const created = h.call({ verb: 'create', ...DEPLOYMENTS, namespace: 'default', body: deployment });
    assert.equal(created.code, 201, show(created));
    const stored = created.body as KubeObject;
    const body = { ...stored, metadata: { ...stored.metadata, labels: { app: 'other' }, annotations: { 'deployment.kubernetes.io/revision': '1' } }, spec: { ...(stored.spec as object), replicas: 9 }, status: { replicas: 1 } };
    const written = h.call({ verb: 'update', ...DEPLOYMENTS, subresource: 'status', namespace: 'default', name: 'web', body });
    assert.equal(written.code, 200, show(written));
    const after = written.body as KubeObject & { spec: { replicas: number }; status: { replicas: number } };
    assert.equal(after.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(after.metadata?.labels, { app: 'web' });
    assert.equal(after.spec.replicas, 1);
    assert.equal(after.status.replicas, 1);

    const p = h.call({ verb: 'create', ...PODS, namespace: 'default', body: pod('web-pod') });
    assert.equal(p.code, 201, show(p));
    const podStored = p.body as KubeObject;
    const podWrite = h.call({ verb: 'update', ...PODS, subresource: 'status', namespace: 'default', name: 'web-pod', body: { ...podStored, metadata: { ...podStored.metadata, annotations: { x: 'y' } }, status: { ...(podStored.status as object), phase: 'Pending' } } });
    assert.equal(podWrite.code, 200, show(podWrite));
    assert.equal((podWrite.body as KubeObject).metadata?.annotations, undefined);
  });
});
