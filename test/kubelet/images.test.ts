import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultPullPolicy,
  imageSizeBytes,
  newImageCache,
  nodeImageList,
  parseImageRef,
  parseImageSizes,
  planImagePull,
  pullDurationMs,
} from '../../actors/kubelet/images.ts';

test('image references normalize as Docker does', () => {
  assert.equal(parseImageRef('nginx').key, 'docker.io/library/nginx:latest');
  assert.equal(parseImageRef('nginx:1.25').key, 'docker.io/library/nginx:1.25');
  assert.equal(parseImageRef('bitnami/redis:7').key, 'docker.io/bitnami/redis:7');
  assert.equal(parseImageRef('registry.k8s.io/pause:3.10').repository, 'registry.k8s.io/pause');
  assert.equal(parseImageRef('localhost:5000/app').key, 'localhost:5000/app:latest');
  assert.equal(parseImageRef('nginx@sha256:abc').key, 'docker.io/library/nginx@sha256:abc');
});

test('default pull policy: Always for latest or no tag, else IfNotPresent', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
});

test('sizes: built-in table, default 100 MB, annotation and node table take precedence', () => {
  assert.equal(imageSizeBytes('nginx:1.25'), 70_000_000);
  assert.equal(imageSizeBytes('busybox'), 4_000_000);
  assert.equal(imageSizeBytes('docker.io/library/busybox:1.36'), 4_000_000);
  assert.equal(imageSizeBytes('example.com/team/app:v3'), 100_000_000);
  const ann = parseImageSizes('nginx:1.25=1G, example.com/team/app=250MB, busybox=2Mi');
  assert.ok(ann.ok);
  if (!ann.ok) return;
  assert.equal(imageSizeBytes('nginx:1.25', ann.sizes), 1_000_000_000);
  assert.equal(imageSizeBytes('nginx:1.26', ann.sizes), 70_000_000, 'a tagged entry only matches that tag');
  assert.equal(imageSizeBytes('example.com/team/app:v3', ann.sizes), 250_000_000, 'an untagged entry matches every tag');
  assert.equal(imageSizeBytes('busybox:1.36', ann.sizes), 2 * 1024 * 1024);
  assert.equal(imageSizeBytes('redis:7', undefined, { redis: 10_000_000 }), 10_000_000);
});

test('image-sizes annotation errors are clear', () => {
  const a = parseImageSizes('nginx');
  assert.ok(!a.ok && /"nginx" is not image=size \(e\.g\. nginx:1\.25=70M\)/.test(a.message));
  const b = parseImageSizes('nginx=lots');
  assert.ok(!b.ok && /"lots" is not a size like 70M, 70MB or 1\.2Gi/.test(b.message));
});

test('pull time = size / bandwidth + 500 ms', () => {
  assert.equal(pullDurationMs(70_000_000), 1900);
  assert.equal(pullDurationMs(4_000_000), 580);
  assert.equal(pullDurationMs(100_000_000, 10_000_000), 10_500);
});

test('the cache: a first pull, a cached IfNotPresent, a 200 ms check for Always, Never', () => {
  let cache = newImageCache();
  const first = planImagePull(cache, 'nginx:1.25', 'IfNotPresent', 1000);
  assert.deepEqual(first.plan, { kind: 'pull', requestedAtMs: 1000, endMs: 2900, pullMs: 1900, sizeBytes: 70_000_000, cached: false });
  cache = first.cache;
  assert.deepEqual(planImagePull(cache, 'nginx:1.25', 'IfNotPresent', 5000).plan, { kind: 'present', sizeBytes: 70_000_000 });
  const always = planImagePull(cache, 'nginx:1.25', 'Always', 5000);
  assert.deepEqual(always.plan, { kind: 'pull', requestedAtMs: 5000, endMs: 5200, pullMs: 200, sizeBytes: 70_000_000, cached: true });
  assert.deepEqual(planImagePull(cache, 'busybox:1.36', 'Never', 5000).plan, { kind: 'neverPull' });
  assert.deepEqual(planImagePull(cache, 'nginx:1.25', 'Never', 5000).plan, { kind: 'present', sizeBytes: 70_000_000 });
  // The input cache is never modified.
  assert.deepEqual(newImageCache(), { images: {}, pullerFreeAtMs: 0 });
});

test('pulls are serialized per node; a pull under way is shared', () => {
  let cache = newImageCache();
  const a = planImagePull(cache, 'nginx:1.25', 'IfNotPresent', 0);
  cache = a.cache;
  const b = planImagePull(cache, 'redis:7', 'IfNotPresent', 100);
  assert.equal(b.plan.kind === 'pull' && b.plan.endMs, 1900 + 1400, 'redis waits for nginx, then takes 0.9 s + 0.5 s');
  cache = b.cache;
  const c = planImagePull(cache, 'nginx:1.25', 'IfNotPresent', 500);
  assert.deepEqual(c.plan, { kind: 'pull', requestedAtMs: 500, endMs: 1900, pullMs: 0, sizeBytes: 70_000_000, cached: false });
  const parallel = planImagePull(a.cache, 'redis:7', 'IfNotPresent', 100, { serializeImagePulls: false });
  assert.equal(parallel.plan.kind === 'pull' && parallel.plan.endMs, 100 + 1400);
});

test('node.status.images lists present images, largest first', () => {
  let cache = newImageCache([{ image: 'registry.k8s.io/pause:3.10' }]);
  cache = planImagePull(cache, 'nginx:1.25', 'IfNotPresent', 0).cache;
  assert.deepEqual(nodeImageList(cache, 100), [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 320_000 }]);
  assert.deepEqual(
    nodeImageList(cache, 1900).map((i) => i.names[0]),
    ['docker.io/library/nginx:1.25', 'registry.k8s.io/pause:3.10'],
  );
});
