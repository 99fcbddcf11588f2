/**
 * `helper.DefaultSelector` (pkg/scheduler/framework/plugins/helper/spread.go): the selector
 * PodTopologySpread's default constraints use for a pod without its own constraints, built from
 * the workloads that own or select the pod:
 *
 * 1. every Service in the pod's namespace whose (non-nil) `spec.selector` matches the pod's
 *    labels: the selectors' label sets are merged;
 * 2. the pod's controller (the ownerReference with `controller: true`):
 *    - `v1` ReplicationController: its selector map is merged into the set;
 *    - `apps/v1` ReplicaSet or StatefulSet: its LabelSelector's requirements are added.
 *
 * The result selects nothing extra when no workload is known: an empty selector, for which no
 * default constraint applies. kubesim's scheduler sees Services and controllers only through the
 * snapshot's optional lookups (`Snapshot.setService`, `Snapshot.setController`); until something
 * records them there, pods get no default spreading, exactly as kube treats a bare pod.
 */
import type { LabelSelector } from '../../../api/labels.ts';
import { addRequirements, compileLabelSelector, selectorFromSet, type CompiledSelector } from '../../framework/label-selector.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import type { Snapshot, WorkloadKind } from '../../framework/snapshot.ts';

function setMatches(set: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k of Object.keys(set)) if (labels[k] !== set[k]) return false;
  return true;
}

/** The controlling owner's kind, when it is one DefaultSelector understands. */
function controllerOf(pod: PodInfo): { kind: WorkloadKind; name: string } | undefined {
  for (const ref of pod.pod.metadata?.ownerReferences ?? []) {
    if (ref.controller !== true) continue;
    if (ref.apiVersion === 'v1' && ref.kind === 'ReplicationController') return { kind: 'ReplicationController', name: ref.name };
    if (ref.apiVersion === 'apps/v1' && (ref.kind === 'ReplicaSet' || ref.kind === 'StatefulSet')) return { kind: ref.kind, name: ref.name };
    return undefined; // GetControllerOf returns the first controller reference only
  }
  return undefined;
}

export function defaultSelector(pod: PodInfo, snapshot: Snapshot | undefined): CompiledSelector {
  const labels = pod.pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  if (snapshot) {
    for (const sel of snapshot.serviceSelectorsIn(pod.namespace)) if (setMatches(sel, labels)) Object.assign(set, sel);
  }
  let selector = selectorFromSet(set);
  const owner = snapshot ? controllerOf(pod) : undefined;
  if (!owner || !snapshot) return selector;
  const sel = snapshot.controllerSelector(owner.kind, pod.namespace, owner.name);
  if (sel === undefined) return selector;
  if (owner.kind === 'ReplicationController') {
    Object.assign(set, sel as Readonly<Record<string, string>>);
    return selectorFromSet(set);
  }
  const other = compileLabelSelector(sel as LabelSelector);
  if ('error' in other || other.kind === 'nothing') return selector;
  selector = addRequirements(selector, other.requirements);
  return selector;
}
