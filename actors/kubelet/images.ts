/**
 * Images: references, pull policy, sizes and the node's image cache.
 *
 * Pull time = size / bandwidth (a node parameter, default 50 MB/s) + 500 ms. Pulls are serialized
 * per node, as with the kubelet's default `serializeImagePulls: true`. A pull of an image already
 * on the node (`imagePullPolicy: Always`) is a 200 ms manifest check.
 *
 * Sizes come, first match wins, from the pod annotation `kubesim.io/image-sizes`
 * (`"nginx:1.25=70M, registry.example.com/app=1.2Gi"`), the node's own table, a built-in table
 * of common images, and finally 100 MB.
 */
import { isValidQuantity, toUnits } from '../api/quantity.ts';

export const IMAGE_SIZES_ANNOTATION = 'kubesim.io/image-sizes';
export const DEFAULT_IMAGE_SIZE_BYTES = 100_000_000;
export const DEFAULT_PULL_BANDWIDTH_BYTES_PER_SEC = 50_000_000;
export const PULL_OVERHEAD_MS = 500;
export const CACHED_PULL_CHECK_MS = 200;
/** The kubelet reports at most this many images in `node.status.images` (`nodeStatusMaxImages`). */
export const NODE_STATUS_MAX_IMAGES = 50;
/** A bound on the cache, so a long run cannot grow it without limit (image GC stands in). */
export const MAX_CACHED_IMAGES = 1000;

/**
 * Approximate compressed sizes (linux/amd64) of common images, by repository. Tags are not
 * distinguished: `python:3.12` and `python:3.12-slim` differ in reality, here they do not.
 */
export const BUILTIN_IMAGE_SIZES: Readonly<Record<string, number>> = {
  'docker.io/library/nginx': 70_000_000,
  'docker.io/library/busybox': 4_000_000,
  'docker.io/library/alpine': 3_500_000,
  'docker.io/library/ubuntu': 30_000_000,
  'docker.io/library/debian': 50_000_000,
  'docker.io/library/redis': 45_000_000,
  'docker.io/library/memcached': 30_000_000,
  'docker.io/library/httpd': 60_000_000,
  'docker.io/library/postgres': 150_000_000,
  'docker.io/library/mysql': 170_000_000,
  'docker.io/library/python': 380_000_000,
  'docker.io/library/node': 400_000_000,
  'docker.io/library/golang': 300_000_000,
  'registry.k8s.io/pause': 320_000,
  'registry.k8s.io/e2e-test-images/agnhost': 50_000_000,
  'docker.io/curlimages/curl': 10_000_000,
};

export interface ImageRef {
  /** As written in the pod spec: `nginx:1.25`. */
  text: string;
  /** Fully qualified repository: `docker.io/library/nginx`. */
  repository: string;
  /** The tag, when given. */
  tag?: string;
  /** The digest (`sha256:…`), when given. */
  digest?: string;
  /** Normalized reference and cache key: `docker.io/library/nginx:1.25` (or `…@sha256:…`). */
  key: string;
}

/** Docker's normalization: no registry → `docker.io`, no path on docker.io → `library/`. */
export function parseImageRef(text: string): ImageRef {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const firstSlash = rest.indexOf('/');
  const first = firstSlash < 0 ? '' : rest.slice(0, firstSlash);
  const hasRegistry = firstSlash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let repository = hasRegistry ? rest : `docker.io/${rest}`;
  if (repository.startsWith('docker.io/') && !repository.slice('docker.io/'.length).includes('/')) {
    repository = `docker.io/library/${repository.slice('docker.io/'.length)}`;
  }
  const key = digest !== undefined ? `${repository}@${digest}` : `${repository}:${tag ?? 'latest'}`;
  const ref: ImageRef = { text, repository, key };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The apiserver's default: `Always` for `:latest` or no tag (and no digest), else `IfNotPresent`. */
export function defaultPullPolicy(image: string): PullPolicy {
  const ref = parseImageRef(image);
  if (ref.digest !== undefined) return 'IfNotPresent';
  return ref.tag === undefined || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

export type ImageSizesResult = { ok: true; sizes: Record<string, number> } | { ok: false; message: string };

/**
 * Parses `kubesim.io/image-sizes`: comma-separated `image=size`, sizes as Kubernetes quantities
 * (`70M`, `1.2Gi`); a trailing `B` is accepted (`70MB`, `4MiB`). Keys are normalized, so
 * `nginx=70M` matches `docker.io/library/nginx` at every tag, and `nginx:1.25=70M` only that tag.
 */
export function parseImageSizes(text: string): ImageSizesResult {
  const sizes: Record<string, number> = {};
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length > MAX_CACHED_IMAGES) return { ok: false, message: `${IMAGE_SIZES_ANNOTATION}: at most ${MAX_CACHED_IMAGES} entries` };
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    if (eq <= 0) return { ok: false, message: `${IMAGE_SIZES_ANNOTATION}: "${entry}" is not image=size (e.g. nginx:1.25=70M)` };
    const image = entry.slice(0, eq).trim();
    let size = entry.slice(eq + 1).trim();
    if (/^[0-9.]+([KMGTPE]i?)B$/.test(size) || /^[0-9.]+B$/.test(size)) size = size.slice(0, -1);
    if (!isValidQuantity(size)) return { ok: false, message: `${IMAGE_SIZES_ANNOTATION}: "${entry.slice(eq + 1).trim()}" is not a size like 70M, 70MB or 1.2Gi` };
    const bytes = toUnits(size);
    if (bytes < 0) return { ok: false, message: `${IMAGE_SIZES_ANNOTATION}: the size of "${image}" is negative` };
    sizes[sizeKey(image)] = bytes;
  }
  return { ok: true, sizes };
}

/** `repository` (no tag given) or `repository:tag`, normalized. */
function sizeKey(image: string): string {
  const ref = parseImageRef(image);
  if (ref.digest !== undefined) return `${ref.repository}@${ref.digest}`;
  return ref.tag === undefined ? ref.repository : `${ref.repository}:${ref.tag}`;
}

function lookup(table: Readonly<Record<string, number>> | undefined, ref: ImageRef): number | undefined {
  if (table === undefined) return undefined;
  const exact = ref.digest !== undefined ? `${ref.repository}@${ref.digest}` : `${ref.repository}:${ref.tag ?? 'latest'}`;
  return table[exact] ?? table[ref.repository];
}

/** The image's size in bytes: pod annotation table, node table, built-in table, 100 MB. */
export function imageSizeBytes(image: string, podSizes?: Readonly<Record<string, number>>, nodeSizes?: Readonly<Record<string, number>>): number {
  const ref = parseImageRef(image);
  const normalizedNode = nodeSizes === undefined ? undefined : Object.fromEntries(Object.entries(nodeSizes).map(([k, v]) => [sizeKey(k), v]));
  return lookup(podSizes, ref) ?? lookup(normalizedNode, ref) ?? BUILTIN_IMAGE_SIZES[ref.repository] ?? DEFAULT_IMAGE_SIZE_BYTES;
}

/** `ceil(size / bandwidth)` + 500 ms. */
export function pullDurationMs(sizeBytes: number, bandwidthBytesPerSec = DEFAULT_PULL_BANDWIDTH_BYTES_PER_SEC): number {
  const bw = bandwidthBytesPerSec > 0 ? bandwidthBytesPerSec : DEFAULT_PULL_BANDWIDTH_BYTES_PER_SEC;
  return Math.ceil((sizeBytes * 1000) / bw) + PULL_OVERHEAD_MS;
}

export interface CachedImage {
  key: string;
  sizeBytes: number;
  /** When the pull that brought it finished (may be in the future while the pull runs). */
  presentAtMs: number;
}

/** A node's image store. Immutable: functions return a new value. */
export interface ImageCacheState {
  images: Readonly<Record<string, CachedImage>>;
  /** When the serialized puller is free again. */
  pullerFreeAtMs: number;
}

export function newImageCache(preloaded: readonly { image: string; sizeBytes?: number }[] = []): ImageCacheState {
  const images: Record<string, CachedImage> = {};
  for (const p of preloaded) {
    const ref = parseImageRef(p.image);
    images[ref.key] = { key: ref.key, sizeBytes: p.sizeBytes ?? imageSizeBytes(p.image), presentAtMs: 0 };
  }
  return { images, pullerFreeAtMs: 0 };
}

export function isImagePresent(cache: ImageCacheState, image: string, atMs: number): boolean {
  const entry = cache.images[parseImageRef(image).key];
  return entry !== undefined && entry.presentAtMs <= atMs;
}

export interface PullOptions {
  bandwidthBytesPerSec?: number;
  /** Default true, as the kubelet's `serializeImagePulls`. */
  serializeImagePulls?: boolean;
  podSizes?: Readonly<Record<string, number>>;
  nodeSizes?: Readonly<Record<string, number>>;
}

export type ImagePlan =
  /** IfNotPresent (or Always is not needed) and the image is there: no pull. */
  | { kind: 'present'; sizeBytes: number }
  /** `imagePullPolicy: Never` and the image is missing: ErrImageNeverPull. */
  | { kind: 'neverPull' }
  /** A pull (or a cached manifest check) that ends at `endMs`; `pullMs` excludes waiting. */
  | { kind: 'pull'; requestedAtMs: number; endMs: number; pullMs: number; sizeBytes: number; cached: boolean };

/**
 * Decides what ensuring `image` costs at `nowMs`, and books the puller. A second pod that wants
 * an image whose pull is under way (IfNotPresent) waits for that pull instead of pulling again.
 */
export function planImagePull(cache: ImageCacheState, image: string, policy: PullPolicy, nowMs: number, options: PullOptions = {}): { plan: ImagePlan; cache: ImageCacheState } {
  const ref = parseImageRef(image);
  const entry = cache.images[ref.key];
  const sizeBytes = entry?.sizeBytes ?? imageSizeBytes(image, options.podSizes, options.nodeSizes);
  if (policy === 'Never') {
    return entry !== undefined && entry.presentAtMs <= nowMs ? { plan: { kind: 'present', sizeBytes }, cache } : { plan: { kind: 'neverPull' }, cache };
  }
  if (policy === 'IfNotPresent' && entry !== undefined) {
    if (entry.presentAtMs <= nowMs) return { plan: { kind: 'present', sizeBytes }, cache };
    // A pull is under way: share it.
    return { plan: { kind: 'pull', requestedAtMs: nowMs, endMs: entry.presentAtMs, pullMs: 0, sizeBytes, cached: false }, cache };
  }
  const cached = entry !== undefined;
  const pullMs = cached ? CACHED_PULL_CHECK_MS : pullDurationMs(sizeBytes, options.bandwidthBytesPerSec);
  const serialize = options.serializeImagePulls ?? true;
  const begin = serialize ? Math.max(nowMs, cache.pullerFreeAtMs) : nowMs;
  const endMs = begin + pullMs;
  const images: Record<string, CachedImage> = { ...cache.images };
  images[ref.key] = { key: ref.key, sizeBytes, presentAtMs: entry !== undefined ? Math.min(entry.presentAtMs, endMs) : endMs };
  const keys = Object.keys(images);
  if (keys.length > MAX_CACHED_IMAGES) {
    // Evict the oldest (by presentAtMs, then key) — a stand-in for image garbage collection.
    keys.sort((a, b) => images[a]!.presentAtMs - images[b]!.presentAtMs || (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys.slice(0, keys.length - MAX_CACHED_IMAGES)) if (k !== ref.key) delete images[k];
  }
  return {
    plan: { kind: 'pull', requestedAtMs: nowMs, endMs, pullMs, sizeBytes, cached },
    cache: { images, pullerFreeAtMs: serialize ? endMs : cache.pullerFreeAtMs },
  };
}

/** `node.status.images`: largest first, at most 50, only images already present. */
export function nodeImageList(cache: ImageCacheState, nowMs: number): { names: string[]; sizeBytes: number }[] {
  return Object.values(cache.images)
    .filter((i) => i.presentAtMs <= nowMs)
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, NODE_STATUS_MAX_IMAGES)
    .map((i) => ({ names: [i.key], sizeBytes: i.sizeBytes }));
}
