import type { KubeObject } from '../../api/protocol.ts';
import { parseTimestamp, timestamp } from '../../api/time.ts';
import { scaledValue, type IntOrPercent } from '../deployment/rolling.ts';
import { controllerRefOf, type OwnerReference } from '../host/owners.ts';
import { isPodReady, type LabelSelectorJson } from '../host/workload.ts';

/**
 * The disruption controller's arithmetic (pkg/controller/disruption/disruption.go), pure:
 *
 * - `expectedPodCount` (getExpectedPodCount): an integer `minAvailable` is the desired healthy
 *   count and the matching pods are the expected ones; `maxUnavailable` or a percentage
 *   `minAvailable` need the scale of the pods' controllers (summed once per controller), and the
 *   percentage rounds up in both cases (GetScaledValueFromIntOrPercent(…, true));
 * - `buildDisruptedPodMap`: the pods the eviction API said it is deleting stay counted as
 *   disrupted for DeletionTimeout (2 min), then the controller stops waiting for them;
 * - `countHealthyPods`: Ready, not being deleted, not just evicted;
 * - `pdbStatus`: disruptionsAllowed = max(0, currentHealthy − desiredHealthy), 0 while no pod is
 *   expected, and the DisruptionAllowed condition.
 */

/** How long an evicted pod counts as disrupted while it is not yet being deleted (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 120_000;

export interface PdbJson extends KubeObject {
  spec?: { minAvailable?: IntOrPercent | null; maxUnavailable?: IntOrPercent | null; selector?: LabelSelectorJson | null };
  status?: PdbStatus;
}

export interface PdbCondition {
  type: string;
  status: 'True' | 'False';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: PdbCondition[];
}

/** A pod's controller and its desired scale, or null when no finder knows the controller. */
export type ControllerScaleOf = (ref: OwnerReference, namespace: string) => { uid: string; scale: number } | null;

export interface ExpectedCount {
  expectedCount: number;
  desiredHealthy: number;
  /** Matching pods with no controller (an event, not an error, upstream). */
  unmanagedPods: string[];
}

/** `getExpectedScale`: the sum of the scales of the matching pods' controllers, each once. */
function expectedScale(pods: readonly KubeObject[], scaleOf: ControllerScaleOf): { expectedCount: number; unmanagedPods: string[] } | { error: string } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = scaleOf(ref, pod.metadata?.namespace ?? 'default');
    if (!found) return { error: `found no controllers for pod "${pod.metadata?.name ?? ''}"` };
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const s of scales.values()) expectedCount += s;
  return { expectedCount, unmanagedPods };
}

/** `getExpectedPodCount`. */
export function expectedPodCount(pdb: PdbJson, pods: readonly KubeObject[], scaleOf: ControllerScaleOf): ExpectedCount | { error: string } {
  const max = pdb.spec?.maxUnavailable;
  const min = pdb.spec?.minAvailable;
  if (max !== undefined && max !== null) {
    const scale = expectedScale(pods, scaleOf);
    if ('error' in scale) return scale;
    const maxUnavailable = scaledValue(max, scale.expectedCount, true);
    return { expectedCount: scale.expectedCount, desiredHealthy: Math.max(0, scale.expectedCount - maxUnavailable), unmanagedPods: scale.unmanagedPods };
  }
  if (min !== undefined && min !== null) {
    if (typeof min === 'number') return { expectedCount: pods.length, desiredHealthy: min, unmanagedPods: [] };
    const scale = expectedScale(pods, scaleOf);
    if ('error' in scale) return scale;
    return { expectedCount: scale.expectedCount, desiredHealthy: scaledValue(min, scale.expectedCount, true), unmanagedPods: scale.unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/**
 * `buildDisruptedPodMap`: the entries of status.disruptedPods still awaited (the pod exists, is not
 * yet being deleted, and was evicted less than DeletionTimeout ago), the earliest moment one of
 * them expires (to look again then), and the pods that outlived it (a NotDeleted event each).
 */
export function buildDisruptedPodMap(
  pods: readonly KubeObject[],
  disrupted: Readonly<Record<string, string>> | undefined,
  nowMs: number,
): { disruptedPods: Record<string, string>; recheckAtMs: number | null; notDeleted: string[] } {
  const disruptedPods: Record<string, string> = {};
  const notDeleted: string[] = [];
  let recheckAtMs: number | null = null;
  if (!disrupted) return { disruptedPods, recheckAtMs, notDeleted };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[name];
    if (at === undefined) continue;
    const expectedDeletionMs = parseTimestamp(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletionMs < nowMs) {
      notDeleted.push(name);
      continue;
    }
    if (recheckAtMs === null || expectedDeletionMs < recheckAtMs) recheckAtMs = expectedDeletionMs;
    disruptedPods[name] = at;
  }
  return { disruptedPods, recheckAtMs, notDeleted };
}

/** `countHealthyPods`: Ready pods that are neither being deleted nor just evicted. */
export function countHealthyPods(pods: readonly KubeObject[], disruptedPods: Readonly<Record<string, string>>, nowMs: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata?.name ?? ''];
    if (at !== undefined && parseTimestamp(at) + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** `apimeta.SetStatusCondition`: the transition time moves only when the status changes. */
export function setCondition(conditions: readonly PdbCondition[] | undefined, next: Omit<PdbCondition, 'lastTransitionTime'>, nowMs: number): PdbCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const existing = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : timestamp(nowMs);
  const condition: PdbCondition = { type: next.type, status: next.status, ...(next.observedGeneration !== undefined ? { observedGeneration: next.observedGeneration } : {}), lastTransitionTime, reason: next.reason, message: next.message };
  if (i >= 0) list[i] = condition;
  else list.push(condition);
  return list;
}

/** `UpdateDisruptionAllowedCondition`: True/SufficientPods while a disruption is allowed, else False/InsufficientPods. */
export function disruptionAllowedCondition(status: PdbStatus, nowMs: number): PdbCondition[] {
  const allowed = status.disruptionsAllowed > 0;
  return setCondition(
    status.conditions,
    {
      type: 'DisruptionAllowed',
      status: allowed ? 'True' : 'False',
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      reason: allowed ? 'SufficientPods' : 'InsufficientPods',
      message: '',
    },
    nowMs,
  );
}

/**
 * `updatePdbStatus`: the status to write, or null when the stored one already says it all
 * (same counts, same disrupted pods, generation observed, condition up to date).
 */
export function pdbStatus(pdb: PdbJson, counts: { currentHealthy: number; desiredHealthy: number; expectedCount: number; disruptedPods: Record<string, string> }, nowMs: number): PdbStatus | null {
  const { currentHealthy, desiredHealthy, expectedCount, disruptedPods } = counts;
  // A budget that matches no pod yet stays safe until this controller has seen its first pods.
  const disruptionsAllowed = expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  const generation = pdb.metadata?.generation ?? 0;
  const cur = pdb.status;
  if (
    cur &&
    cur.currentHealthy === currentHealthy &&
    cur.desiredHealthy === desiredHealthy &&
    cur.expectedPods === expectedCount &&
    cur.disruptionsAllowed === disruptionsAllowed &&
    sameMap(cur.disruptedPods ?? {}, disruptedPods) &&
    (cur.observedGeneration ?? 0) === generation &&
    conditionUpToDate(cur)
  ) {
    return null;
  }
  const next: PdbStatus = {
    observedGeneration: generation,
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    ...(cur?.conditions ? { conditions: cur.conditions } : {}),
  };
  return { ...next, conditions: disruptionAllowedCondition(next, nowMs) };
}

/** `ConditionsAreUpToDate`: the condition says what disruptionsAllowed says, for this generation. */
function conditionUpToDate(status: PdbStatus): boolean {
  const c = status.conditions?.find((x) => x.type === 'DisruptionAllowed');
  if (!c) return false;
  return status.disruptionsAllowed > 0 ? c.status === 'True' && c.reason === 'SufficientPods' : c.status === 'False';
}

/** `failSafe`: a sync that cannot count (a pod with an unknown controller) allows no disruption. */
export function failSafeStatus(pdb: PdbJson, message: string, nowMs: number): PdbStatus {
  const cur = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const conditions = setCondition(
    cur.conditions,
    { type: 'DisruptionAllowed', status: 'False', ...(cur.observedGeneration !== undefined ? { observedGeneration: cur.observedGeneration } : {}), reason: 'SyncFailed', message },
    nowMs,
  );
  return { ...cur, disruptionsAllowed: 0, conditions };
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
