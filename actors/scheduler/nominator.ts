/**
 * kube-scheduler's nominator (`backend/queue/nominator.go`): pending pods nominated to a node,
 * either by this scheduler's preemption (at once, before the `status.nominatedNodeName` patch
 * reaches the apiserver) or as the pod informer shows them (`status.nominatedNodeName`).
 *
 * The framework reads it to treat nominated pods' resources as taken on their node for pods of
 * lower or equal priority (`RunFilterPluginsWithNominatedPods`). A pod leaves the nominator when
 * it is assumed or bound, deleted, or its nomination is cleared.
 *
 * Iteration order is insertion order, which follows the (deterministic) order of events.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { PodInfo } from './framework/pod-info.ts';

function nominatedNodeOf(pod: V1Pod | undefined): string {
  return (pod?.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? '';
}

export class Nominator {
  private readonly nodeOf = new Map<string, string>();
  private readonly byNode = new Map<string, Map<string, PodInfo>>();

  get size(): number {
    return this.nodeOf.size;
  }

  /** The node `key` is nominated to, if any. */
  nominatedNode(key: string): string | undefined {
    return this.nodeOf.get(key);
  }

  /** Pods nominated to `node`, in nomination order (empty when none). */
  podsOn(node: string): readonly PodInfo[] {
    const m = this.byNode.get(node);
    return m === undefined ? [] : [...m.values()];
  }

  /** kube `AddNominatedPod` with ModeOverride: nominate `pi` to `node` ("" clears). */
  set(pi: PodInfo, node: string): void {
    this.delete(pi.key);
    if (node === '') return;
    this.nodeOf.set(pi.key, node);
    let m = this.byNode.get(node);
    if (m === undefined) this.byNode.set(node, (m = new Map()));
    m.set(pi.key, pi);
  }

  /** kube `DeleteNominatedPodIfExists`. */
  delete(key: string): boolean {
    const node = this.nodeOf.get(key);
    if (node === undefined) return false;
    this.nodeOf.delete(key);
    const m = this.byNode.get(node);
    if (m !== undefined) {
      m.delete(key);
      if (m.size === 0) this.byNode.delete(node);
    }
    return true;
  }

  /** The informer added a pending pod: nominated if its status says so (kube ModeNoop). */
  onAdd(pi: PodInfo): void {
    const node = nominatedNodeOf(pi.pod);
    if (node !== '') this.set(pi, node);
  }

  /**
   * The informer updated a pending pod (kube `UpdateNominatedPod`): the status decides, except
   * that an update with no nomination on either side keeps an in-memory nomination (the patch
   * setting it may not have come back yet).
   */
  onUpdate(oldPod: V1Pod | undefined, pi: PodInfo): void {
    const kept = nominatedNodeOf(oldPod) === '' && nominatedNodeOf(pi.pod) === '' ? this.nodeOf.get(pi.key) : undefined;
    this.delete(pi.key);
    const node = kept ?? nominatedNodeOf(pi.pod);
    if (node !== '') this.set(pi, node);
  }
}
