/**
 * ImageLocality against kube's image_locality.go arithmetic, worked out by hand:
 * scaled = int64(size · nodesWithImage / allNodes) per container (init containers too), summed,
 * clamped to [23 MiB, 1000 MiB · #containers], mapped to 0..100 with integer division.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { newPodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/framework/schedule-one.ts';
import { buildSnapshot, type Snapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { calculatePriority, newImageLocality, normalizedImageName } from '../../actors/scheduler/plugins/image-locality.ts';
import { buildProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const MiB = 1024 * 1024;

function node(name: string, images: { names: string[]; mib: number }[]): V1Node {
  const n = makeNode(name).capacity({ cpu: '4', memory: '8Gi' }).obj();
  n.status!.images = images.map((i) => ({ names: i.names, sizeBytes: i.mib * MiB }));
  return n;
}

function pod(name: string, images: string[], initImages: string[] = []): V1Pod {
  const p = makePod(name).obj();
  p.spec!.containers = images.map((image, i) => ({ name: `c${i}`, image }));
  if (initImages.length > 0) p.spec!.initContainers = initImages.map((image, i) => ({ name: `i${i}`, image }));
  return p;
}

/** n1: nginx:1.25 (also named docker.io/library/nginx:1.25) 300 MiB + redis:7 100 MiB | n2: nginx:1.25 300 MiB | n3: busybox:latest 5 MiB | n4: nothing. */
function cluster(): Snapshot {
  return buildSnapshot([
    node('n1', [
      { names: ['nginx:1.25', 'docker.io/library/nginx:1.25'], mib: 300 },
      { names: ['redis:7'], mib: 100 },
    ]),
    node('n2', [{ names: ['nginx:1.25'], mib: 300 }]),
    node('n3', [{ names: ['busybox:latest'], mib: 5 }]),
    node('n4', []),
  ]);
}

function scores(snap: Snapshot, p: V1Pod): Record<string, number> {
  const plugin = newImageLocality();
  const state = new CycleState();
  const pi = newPodInfo(p);
  assert.equal(plugin.preScore!(state, pi, snap.nodes, snap), null);
  return Object.fromEntries(snap.nodes.map((ni) => [ni.name, plugin.score!(state, pi, ni)]));
}

describe('ImageLocality (golden)', () => {
  it('two containers: spread-scaled sizes summed, clamped to [23 MiB, 2000 MiB]', () => {
    // nginx:1.25 on 2 of 4 nodes: 300 MiB · 2/4 = 150 MiB; redis:7 on 1 of 4: 100 MiB · 1/4 = 25 MiB.
    // maxThreshold = 1000 MiB · 2 containers = 2000 MiB.
    //   n1: 150 + 25 = 175 MiB → 100·(175 − 23)/(2000 − 23) = 15200/1977 = 7.69 → 7
    //   n2: 150 MiB            → 100·127/1977 = 6.42 → 6
    //   n3, n4: 0 → clamped up to 23 MiB → 0
    assert.deepEqual(scores(cluster(), pod('p', ['nginx:1.25', 'redis:7'])), { n1: 7, n2: 6, n3: 0, n4: 0 });
    // Init containers count like containers (same images split across init and main: same sums).
    assert.deepEqual(scores(cluster(), pod('p', ['nginx:1.25'], ['redis:7'])), { n1: 7, n2: 6, n3: 0, n4: 0 });
  });

  it('names match literally after adding :latest to an untagged image', () => {
    assert.equal(normalizedImageName('nginx'), 'nginx:latest');
    assert.equal(normalizedImageName('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizedImageName('localhost:5000/app:v2'), 'localhost:5000/app:v2');
    // docker.io/library/nginx:1.25 is listed on n1 only: 300 · 1/4 = 75 MiB; one container →
    // 100·(75 − 23)/(1000 − 23) = 5200/977 = 5.32 → 5. `nginx` (→ nginx:latest) is on no node.
    assert.deepEqual(scores(cluster(), pod('p', ['docker.io/library/nginx:1.25'])), { n1: 5, n2: 0, n3: 0, n4: 0 });
    assert.deepEqual(scores(cluster(), pod('p', ['nginx'])), { n1: 0, n2: 0, n3: 0, n4: 0 });
    // busybox (→ busybox:latest) on n3: 5 MiB · 1/4 = 1.25 MiB < 23 MiB → 0.
    assert.deepEqual(scores(cluster(), pod('p', ['busybox'])), { n1: 0, n2: 0, n3: 0, n4: 0 });
  });

  it('an image on every node above the per-container cap scores 100', () => {
    const snap = buildSnapshot([node('a', [{ names: ['big:1'], mib: 1500 }]), node('b', [{ names: ['big:1'], mib: 1500 }])]);
    // 1500 MiB · 2/2 = 1500 MiB > 1000 MiB cap → 100·(1000 − 23)/(1000 − 23) = 100.
    assert.deepEqual(scores(snap, pod('p', ['big:1'])), { a: 100, b: 100 });
    assert.equal(calculatePriority(0, 1), 0);
  });

  it('the cluster-wide node count follows node updates and removals', () => {
    const snap = cluster();
    snap.removeNode('n2');
    // nginx:1.25 now on 1 of 3 nodes: 300/3 = 100 MiB; redis 100/3 = 33.33 MiB → int64(34952533.33) B.
    // n1: 100 MiB + 34952533 B = 139810133 B → 100·(139810133 − 24117248)/(1977·MiB) = 5.58 → 5.
    assert.deepEqual(scores(snap, pod('p', ['nginx:1.25', 'redis:7'])), { n1: 5, n3: 0, n4: 0 });
    // Through scheduleOne: raw = normalized = weighted (weight 1, no NormalizeScore).
    const profile = buildProfile({ plugins: [{ name: 'ImageLocality', weight: 1 }] });
    const r = scheduleOne(profile, cluster(), pod('p', ['nginx:1.25', 'redis:7']), INITIAL_ROTATION, () => 0, { explain: true });
    assert.deepEqual(
      Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.scores!.map((s) => [s.raw, s.normalized, s.weighted])[0]])),
      { n1: [7, 7, 7], n2: [6, 6, 6], n3: [0, 0, 0], n4: [0, 0, 0] },
    );
    assert.ok('node' in r && r.node === 'n1');
  });
});
