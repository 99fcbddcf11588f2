import { isPodReady, podReadyCondition } from '../../api/pod-ready.ts';
import type { ApiStatus, KubeObject } from '../../api/protocol.ts';
import type { ApiResult } from '../../client/api-client.ts';
import { objectKey } from '../../client/informer.ts';
import type { Expectations } from './expectations.ts';
import type { Action } from './types.ts';
import { parseTimestamp } from '../../api/time.ts';
import { isSelectorError, matches, selectorFromLabelSelector, type Selector } from '../../api/labels.ts';

/**
 * What the workload controllers read of pods and label selectors (pkg/controller/controller_utils.go
 * `IsPodActive`, podutil `IsPodReady` / `IsPodAvailable`; metav1 `LabelSelectorAsSelector`). The
 * selectors here were validated by the apiserver, so matching needs no parsing errors.
 */

export interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether `selector` matches `labels`; a null/absent selector matches nothing, `{}` everything
 * (metav1.LabelSelectorAsSelector, the apiserver's own implementation). A selector that does not
 * convert matches nothing, as kube's controllers skip such an object.
 */
export function selectorMatches(selector: LabelSelectorJson | null | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return convertedSelectorMatches(convertSelector(selector), labels);
}

/**
 * `selector` converted once, for a loop that matches it against many objects (as kube's
 * controllers call LabelSelectorAsSelector once per sync): null when it does not convert.
 */
export function convertSelector(selector: LabelSelectorJson | null | undefined): Selector | null {
  const converted = selectorFromLabelSelector(selector);
  return isSelectorError(converted) ? null : converted;
}

/** selectorMatches with a selector convertSelector converted; null matches nothing. */
export function convertedSelectorMatches(converted: Selector | null, labels: Readonly<Record<string, string>> | undefined): boolean {
  return converted !== null && matches(converted, labels);
}

/** A selector that selects everything (`{}`): kube refuses to act on it for workloads. */
export function selectsEverything(selector: LabelSelectorJson | null | undefined): boolean {
  return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

interface PodLike {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: { restartCount?: number }[];
  };
}

export function podPhase(pod: KubeObject): string {
  return (pod as PodLike).status?.phase ?? 'Pending';
}

/** `IsPodActive`: not Succeeded or Failed, and no deletionTimestamp. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export { isPodReady };

/** Virtual ms of the Ready=True transition, or null. */
export function podReadySinceMs(pod: KubeObject): number | null {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return null;
  const ms = parseTimestamp(c.lastTransitionTime);
  return Number.isNaN(ms) ? null : ms;
}

/** `IsPodAvailable`: ready, and for longer than minReadySeconds (strictly). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySinceMs(pod);
  return since !== null && since + minReadySeconds * 1000 < nowMs;
}

export function podNodeNameOf(pod: KubeObject): string {
  return (pod as PodLike).spec?.nodeName ?? '';
}

export function podRestarts(pod: KubeObject): number {
  return Math.max(0, ...((pod as PodLike).status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

export function creationMs(obj: KubeObject): number | null {
  const t = obj.metadata?.creationTimestamp;
  if (!t) return null;
  const ms = parseTimestamp(t);
  return Number.isNaN(ms) ? null : ms;
}

/** The keys in a sorted key list that belong to `namespace`. */
export function keysInNamespace(keys: readonly string[], namespace: string): string[] {
  const prefix = `${namespace}/`;
  return keys.filter((k) => k.startsWith(prefix));
}

/** A write the API answered with success. */
export const ok = (r: ApiResult): boolean => r.code === 200 || r.code === 201;

/** The API error's message, as the workload controllers' events quote it. */
export const errorMessage = (r: ApiResult): string => (r.body as ApiStatus).message ?? `code ${r.code}`;

/**
 * Deleting one of a workload controller's pods (controller_utils DeletePod): a
 * `SuccessfulDelete`/`FailedDelete` event on the owner; a failed delete is no longer expected.
 */
export function deletePodAction<S extends { expectations: Expectations }>(owner: KubeObject, ownerKind: string, ownerKey: string, pod: KubeObject): Action<S> {
  const name = pod.metadata?.name ?? '';
  const podKey = objectKey(pod);
  return {
    kind: 'write',
    request: { verb: 'delete', apiVersion: 'v1', resource: 'pods', namespace: pod.metadata?.namespace ?? 'default', name },
    tolerate: [404],
    onResult: (r, c) => {
      if (ok(r)) return [{ kind: 'event', object: owner, objectKind: ownerKind, type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${name}` }];
      c.state.expectations.deletionObserved(ownerKey, podKey);
      if (r.code === 404) return [];
      return [{ kind: 'event', object: owner, objectKind: ownerKind, type: 'Warning', reason: 'FailedDelete', message: `Error deleting: ${errorMessage(r)}` }];
    },
  };
}
