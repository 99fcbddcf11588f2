/**
 * The assume cache (kube `backend/cache` AssumePod / FinishBinding / ForgetPod / AddPod): the
 * scheduler counts a pod on its chosen node the moment it decides, before the binding reaches
 * the apiserver, so the next cycle does not hand the same room to another pod.
 *
 * - `assume(pod, node)`: the pod is added to the snapshot on that node at once.
 * - `onPodAdd` / `onPodUpdate` (informer, bound pods): an assumed pod is confirmed — it stays,
 *   moved if the informer shows another node — and stops being "assumed"; any other bound pod
 *   is added or replaced. Pods in a terminal phase (Succeeded, Failed) are removed, as the
 *   scheduler's pod informer excludes them (`status.phase!=Succeeded,status.phase!=Failed`).
 * - `forget(pod)`: binding failed; the pod leaves its node.
 * - Assumed pods never expire (`durationToExpireAssumedPod = 0`, kubernetes#106361).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { newPodInfo, podKey, type PodInfo } from './framework/pod-info.ts';
import type { Snapshot } from './framework/snapshot.ts';

interface AssumedState {
  readonly nodeName: string;
  bindingFinished: boolean;
}

function isTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class AssumeCache {
  private readonly assumed = new Map<string, AssumedState>();

  constructor(readonly snapshot: Snapshot) {}

  /** Keys of assumed (not yet confirmed) pods, sorted. */
  assumedKeys(): string[] {
    return [...this.assumed.keys()].sort();
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Node an assumed pod was assumed onto. */
  assumedNode(key: string): string | undefined {
    return this.assumed.get(key)?.nodeName;
  }

  /** Counts the pod on `nodeName` now. Throws if the cache already holds it (kube: "pod ... is in the cache, so can't be assumed"). */
  assume(pod: V1Pod | PodInfo, nodeName: string): PodInfo {
    const pi = 'key' in pod && 'resources' in pod ? pod : newPodInfo(pod as V1Pod);
    if (this.snapshot.hasPod(pi.key)) throw new Error(`pod ${pi.key} is in the cache, so can't be assumed`);
    const added = this.snapshot.addPod(pi, nodeName);
    this.assumed.set(pi.key, { nodeName, bindingFinished: false });
    return added;
  }

  /** The binding call returned (kube `FinishBinding`); the pod stays assumed until the informer confirms it. */
  finishBinding(key: string): void {
    const s = this.assumed.get(key);
    if (s) s.bindingFinished = true;
  }

  /** Binding failed: the assumed pod leaves its node. Returns false if it was not assumed. */
  forget(podOrKey: V1Pod | string): boolean {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    if (!this.assumed.has(key)) return false;
    this.assumed.delete(key);
    this.snapshot.removePod(key);
    return true;
  }

  /** Informer ADDED for a pod. Unbound pods are ignored (they belong to the queue). */
  onPodAdd(pod: V1Pod): void {
    this.onPodUpdate(pod);
  }

  /** Informer MODIFIED. A bound pod replaces what the cache holds (confirming an assumed one). */
  onPodUpdate(pod: V1Pod): void {
    const key = podKey(pod);
    if (isTerminal(pod)) {
      this.onPodDelete(key);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return; // our own assumed pod before the binding shows up, or a pending pod
    this.snapshot.addPod(pod);
    this.assumed.delete(key);
  }

  /** Informer DELETED. */
  onPodDelete(podOrKey: V1Pod | string): void {
    const key = typeof podOrKey === 'string' ? podOrKey : podKey(podOrKey);
    this.assumed.delete(key);
    this.snapshot.removePod(key);
  }
}
