import type { KubeObject } from '../../api/protocol.ts';
import { objectKey } from '../../client/informer.ts';
import type { Expectations } from './expectations.ts';
import { PODS } from './resources.ts';
import type { ControllerContext, EventHandler } from './types.ts';

/**
 * The pod handlers of a controller that creates pods under expectations (the Job and DaemonSet
 * controllers' addPod / updatePod / deletePod): a pod seen created or marked for deletion counts
 * off its owner's expectations, and any change of an owned pod queues the owner. `owner` gives
 * the owner's key, or undefined for a pod this controller does not control.
 */
export function ownedPodHandlers<S extends { expectations: Expectations }>(owner: (pod: KubeObject, ctx: ControllerContext<S>) => string | undefined): EventHandler<S> {
  const deleted = (pod: KubeObject, ctx: ControllerContext<S>): void => {
    const key = owner(pod, ctx);
    if (!key) return;
    ctx.state.expectations.deletionObserved(key, objectKey(pod));
    ctx.enqueue(key);
  };
  return {
    informer: PODS,
    onAdd: (pod, ctx) => {
      if (pod.metadata?.deletionTimestamp) return deleted(pod, ctx);
      const key = owner(pod, ctx);
      if (!key) return;
      ctx.state.expectations.creationObserved(key);
      ctx.enqueue(key);
    },
    onUpdate: (old, pod, ctx) => {
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) return deleted(pod, ctx);
      const key = owner(pod, ctx);
      if (key) ctx.enqueue(key);
    },
    onDelete: deleted,
  };
}
