import type { KubeObject, ObjectMeta } from '../../api/protocol.ts';
import type { CacheView } from './types.ts';

/**
 * Owner references as controllers use them (apimachinery `metav1.GetControllerOf`,
 * `NewControllerRef`, `IsControlledBy`; kube-controller-manager's `resolveControllerRef`).
 */

export type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/** The owner reference with `controller: true`, if any (there is at most one). */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

/** Whether `owner` is `obj`'s controller (same uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata?.uid;
  return uid !== undefined && controllerRefOf(obj)?.uid === uid;
}

/** The reference a controller puts on what it creates: controller and blockOwnerDeletion true. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Index function: objects by the uid of their controller (for "pods of this ReplicaSet"). */
export function controllerUidIndex(obj: KubeObject): readonly string[] {
  const uid = controllerRefOf(obj)?.uid;
  return uid ? [uid] : [];
}

/**
 * The owner a controller reference points at, from the owner kind's cache: the reference's kind
 * must be `kind` and the cached object's uid the reference's (a same-named replacement is not
 * the owner). `namespace` is the dependent's (owners are in the same namespace, or cluster-scoped
 * when `namespace` is undefined).
 */
export function resolveControllerRef(namespace: string | undefined, ref: OwnerReference | undefined, kind: string, owners: CacheView): KubeObject | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.get(namespace ? `${namespace}/${ref.name}` : ref.name);
  return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
}
