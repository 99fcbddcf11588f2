import type { V1NodeSelectorTerm } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/protocol.ts';
import { parseQuantityMilli } from '../../api/quantity.ts';
import { compileNodeSelectorTerms } from '../../scheduler/plugins/helper/node-selector.ts';
import { selectorMatches, type LabelSelectorJson } from '../host/workload.ts';

/**
 * The PV controller's binding choice (pkg/controller/volume/persistentvolume/index.go
 * `findBestMatchForClaim`, `checkVolumeSatisfyClaim`) and the simulated provisioner's volume, pure.
 */

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** The provisioner of the default StorageClass `standard` (apiserver/default-machinery.ts). */
export const SIMULATED_PROVISIONER = 'kubesim.io/simulated';

export interface ClaimRef {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export interface PvJson extends KubeObject {
  spec?: {
    capacity?: { storage?: string };
    accessModes?: string[];
    storageClassName?: string;
    volumeMode?: string;
    claimRef?: ClaimRef | null;
    persistentVolumeReclaimPolicy?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } };
  } & Record<string, unknown>;
  status?: { phase?: string };
}

export interface PvcJson extends KubeObject {
  spec?: {
    accessModes?: string[];
    storageClassName?: string | null;
    volumeMode?: string;
    volumeName?: string;
    selector?: LabelSelectorJson | null;
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string; capacity?: { storage?: string }; accessModes?: string[] };
}

export interface StorageClassJson extends KubeObject {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
}

const storageMilli = (q: string | undefined): bigint => {
  try {
    return q === undefined ? 0n : parseQuantityMilli(q);
  } catch {
    return 0n;
  }
};

export const claimClass = (pvc: PvcJson): string => pvc.spec?.storageClassName ?? '';
export const claimRequestMilli = (pvc: PvcJson): bigint => storageMilli(pvc.spec?.resources?.requests?.storage);
export const volumeCapacityMilli = (pv: PvJson): bigint => storageMilli(pv.spec?.capacity?.storage);

/** Whether `pv.spec.claimRef` points at `pvc` (an empty uid is a pre-binding by name). */
export function claimRefMatches(ref: ClaimRef | null | undefined, pvc: PvcJson): boolean {
  if (!ref) return false;
  if ((ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '') || ref.name !== pvc.metadata?.name) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** `CheckNodeAffinity`: a volume without node affinity is reachable from every node. */
export function volumeReachableFrom(pv: PvJson, nodeName: string, nodeLabels: Readonly<Record<string, string>>): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return compileNodeSelectorTerms(terms)(nodeLabels, nodeName);
}

/**
 * `findBestMatchForClaim`: a volume pre-bound to the claim wins; else the smallest Available
 * volume that satisfies it — same class, every requested access mode, capacity ≥ request, the
 * claim's selector, the same volume mode, and (for a claim waiting on a node) reachable from it —
 * ties broken by name. `skip` holds volumes already promised to other claims.
 */
export function findBestMatch(pvc: PvcJson, volumes: readonly PvJson[], opts: { skip?: ReadonlySet<string>; node?: { name: string; labels: Readonly<Record<string, string>> } } = {}): PvJson | undefined {
  const request = claimRequestMilli(pvc);
  const modes = pvc.spec?.accessModes ?? [];
  let best: PvJson | undefined;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (pv.metadata?.deletionTimestamp || opts.skip?.has(name)) continue;
    const ref = pv.spec?.claimRef;
    if (ref) {
      if (claimRefMatches(ref, pvc)) return pv;
      continue;
    }
    if ((pv.spec?.storageClassName ?? '') !== claimClass(pvc)) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) continue;
    const pvModes = pv.spec?.accessModes ?? [];
    if (!modes.every((m) => pvModes.includes(m))) continue;
    if (volumeCapacityMilli(pv) < request) continue;
    if (pvc.spec?.selector && !selectorMatches(pvc.spec.selector, pv.metadata?.labels ?? {})) continue;
    if (opts.node && !volumeReachableFrom(pv, opts.node.name, opts.node.labels)) continue;
    if (!best || volumeCapacityMilli(pv) < volumeCapacityMilli(best) || (volumeCapacityMilli(pv) === volumeCapacityMilli(best) && name < (best.metadata?.name ?? ''))) best = pv;
  }
  return best;
}

/**
 * The simulated provisioner's volume for `pvc` (named `pvc-<uid>` as external provisioners name
 * theirs), pre-bound to the claim. Given a selected node (WaitForFirstConsumer) it is node-local,
 * like kind's local-path provisioner: a hostPath pinned to that node by node affinity. Without one
 * (Immediate) it is reachable from every node, like a network disk.
 */
export function provisionedVolume(pvc: PvcJson, sc: StorageClassJson, selectedNode: string | undefined): PvJson {
  const ns = pvc.metadata?.namespace ?? 'default';
  const uid = pvc.metadata?.uid ?? '';
  const name = `pvc-${uid}`;
  const source = selectedNode
    ? {
        hostPath: { path: `/var/local-path-provisioner/${name}_${ns}_${pvc.metadata?.name ?? ''}`, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [selectedNode] }] }] } },
      }
    : { csi: { driver: sc.provisioner ?? SIMULATED_PROVISIONER, volumeHandle: name } };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [ANN_PROVISIONED_BY]: sc.provisioner ?? SIMULATED_PROVISIONER } },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' },
      accessModes: [...(pvc.spec?.accessModes ?? [])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name ?? '',
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name: pvc.metadata?.name ?? '', uid },
      ...source,
    },
  };
}
