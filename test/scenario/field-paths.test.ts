import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldPath, valueAtFieldPath } from '../../actors/api/fields.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ClusterState } from '../../actors/scenario/cluster-state.ts';
import { checkObject } from '../../actors/scenario/k8s-conditions.ts';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }, { name: 'side', image: 'busybox' }] },
  status: { phase: 'Running' },
};
/** A state holding only `pod`. */
const state = { get: (_r: string, _ns: string | undefined, name: string) => (name === 'web' ? pod : undefined) } as unknown as ClusterState;
const object = { kind: 'pod', name: 'web', namespace: 'default' };

describe('that.object field paths (scenarios/README.md)', () => {
  it('reads a list element by a bracketed index, as documented', { timeout: 10_000 }, () => {
    const v = checkObject({ object, field: 'spec.containers[0].image', equals: 'nginx:1.25' }, state);
    assert.equal(v.ok, true, v.detail);
    assert.equal(v.detail, 'pod/web spec.containers[0].image = "nginx:1.25"; expected "nginx:1.25"');
    assert.equal(checkObject({ object, field: 'spec.containers[1].image', equals: 'busybox' }, state).ok, true);
    assert.equal(checkObject({ object, field: 'spec.containers[0].ports[0].containerPort', equals: 80 }, state).ok, true);
    assert.equal(checkObject({ object, field: 'spec.containers[2].image', exists: false }, state).ok, true);
  });

  it('still reads a dotted index', { timeout: 10_000 }, () => {
    assert.equal(checkObject({ object, field: 'spec.containers.0.image', equals: 'nginx:1.25' }, state).ok, true);
    assert.equal(checkObject({ object, field: 'spec.containers.1.name', equals: 'side' }, state).ok, true);
  });

  it('reads plain fields and reports unset ones', { timeout: 10_000 }, () => {
    assert.equal(checkObject({ object, field: 'metadata.labels.app', equals: 'web' }, state).ok, true);
    assert.equal(checkObject({ object, field: 'status.phase', equals: 'Running' }, state).ok, true);
    const unset = checkObject({ object, field: 'status.podIP', exists: true }, state);
    assert.equal(unset.ok, false);
    assert.equal(unset.detail, 'pod/web status.podIP is unset');
  });
});

describe('field paths (actors/api/fields.ts)', () => {
  it('parses names and bracketed indexes, and refuses what is not a path', { timeout: 10_000 }, () => {
    assert.deepEqual(parseFieldPath('spec.containers[0].image'), ['spec', 'containers', 0, 'image']);
    assert.deepEqual(parseFieldPath('a[1][2].b'), ['a', 1, 2, 'b']);
    assert.deepEqual(parseFieldPath('status.readyReplicas'), ['status', 'readyReplicas']);
    for (const bad of ['', '.a', 'a.', 'a..b', 'a[x]', 'a[0', '[0]', 'a b']) assert.equal(parseFieldPath(bad), undefined, bad);
  });

  it('indexes only lists, and reads only own fields', { timeout: 10_000 }, () => {
    assert.equal(valueAtFieldPath(pod, 'metadata.labels[0]'), undefined);
    assert.equal(valueAtFieldPath(pod, 'spec.containers.length'), undefined);
    assert.equal(valueAtFieldPath(pod, 'metadata.constructor'), undefined);
    assert.equal(valueAtFieldPath(pod, 'spec.containers[0].name'), 'web');
    assert.equal(valueAtFieldPath({ a: [[1, 2]] }, 'a[0][1]'), 2);
  });
});
