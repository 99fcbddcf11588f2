import type { KubeObject } from '../../api/protocol.ts';
import type { RequestSpec } from '../../client/api-client.ts';
import { objectKey } from '../../client/informer.ts';
import { NODES, PVCS, PVS, STORAGE_CLASSES } from '../host/resources.ts';
import { defineController, type Action, type ControllerContext } from '../host/types.ts';
import { errorMessage, ok } from '../host/workload.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimRefMatches,
  findBestMatch,
  provisionedVolume,
  SIMULATED_PROVISIONER,
  type PvcJson,
  type PvJson,
  type StorageClassJson,
} from './binding.ts';

/**
 * The PersistentVolume controller (kube-controller-manager's persistentvolume-binder,
 * pkg/controller/volume/persistentvolume/pv_controller.go) with the simulated provisioner of the
 * default StorageClass built in. Two queues, as upstream: claims and volumes.
 * - An unbound claim gets the best matching Available volume (binding.ts); both sides are
 *   written in upstream's order: volume claimRef, volume phase Bound, claim volumeName, claim
 *   phase Bound, with the bind-completed / bound-by-controller annotations.
 * - A claim of a WaitForFirstConsumer class waits for the scheduler's
 *   `volume.kubernetes.io/selected-node` annotation; then (or at once for Immediate) a matching
 *   static volume reachable from that node is bound, or the simulated provisioner creates
 *   `pvc-<uid>` pre-bound to the claim.
 * - A volume without a claim is Available; one whose claim is gone is Released, or deleted when
 *   its reclaim policy is Delete.
 * Volumes chosen but not yet shown bound by the cache are remembered (upstream's assume cache),
 * so two claims never get the same volume.
 */

export interface PvControllerState {
  /** Volume name → the claim key it was promised to, until the cache shows its claimRef. */
  readonly assumed: Map<string, string>;
  /** `claimKey|reason` of the events already reported for a claim's current wait. */
  readonly reported: Set<string>;
}

type Ctx = ControllerContext<PvControllerState>;
type Act = Action<PvControllerState>;

const CLAIMS_QUEUE = 'claims';
const VOLUMES_QUEUE = 'volumes';

function claimEventOnce(ctx: Ctx, key: string, pvc: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Act[] {
  const id = `${key}|${reason}`;
  if (ctx.state.reported.has(id)) return [];
  ctx.state.reported.add(id);
  return [{ kind: 'event', object: pvc, objectKind: 'PersistentVolumeClaim', type, reason, message }];
}

const patch = (resource: string, namespace: string | undefined, name: string, body: Record<string, unknown>, subresource?: 'status'): RequestSpec => ({
  verb: 'patch',
  patchType: 'merge',
  apiVersion: 'v1',
  resource,
  ...(namespace !== undefined ? { namespace } : {}),
  name,
  ...(subresource ? { subresource } : {}),
  body: body as KubeObject,
});

/** Writes in sequence: each is sent once the one before it succeeded. */
function chain(steps: readonly Omit<Extract<Act, { kind: 'write' }>, 'onResult'>[], onFail: (ctx: Ctx) => void): Act[] {
  if (steps.length === 0) return [];
  const [first, ...rest] = steps;
  return [
    {
      ...first!,
      onResult: (r, ctx) => {
        if (!ok(r)) {
          onFail(ctx);
          return [];
        }
        return chain(rest, onFail);
      },
    },
  ];
}

/** `bind`: volume first (claimRef, phase), then the claim (volumeName, phase). */
function bind(ctx: Ctx, key: string, pvc: PvcJson, pv: PvJson): Act[] {
  const ns = pvc.metadata?.namespace ?? 'default';
  const claimName = pvc.metadata?.name ?? '';
  const pvName = pv.metadata?.name ?? '';
  ctx.state.assumed.set(pvName, key);
  const steps: Omit<Extract<Act, { kind: 'write' }>, 'onResult'>[] = [];
  if (!claimRefMatches(pv.spec?.claimRef, pvc) || !pv.spec?.claimRef?.uid) {
    steps.push({
      kind: 'write',
      request: patch('persistentvolumes', undefined, pvName, {
        metadata: { annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
        spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name: claimName, uid: pvc.metadata?.uid ?? '', resourceVersion: pvc.metadata?.resourceVersion ?? '' } },
      }),
      traces: [{ action: 'bind-volume', object: `persistentvolume/${pvName}`, detail: `claimRef ${ns}/${claimName}` }],
    });
  }
  if (pv.status?.phase !== 'Bound') steps.push({ kind: 'write', request: patch('persistentvolumes', undefined, pvName, { status: { phase: 'Bound' } }, 'status') });
  steps.push({
    kind: 'write',
    request: patch('persistentvolumeclaims', ns, claimName, { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes', [ANN_BOUND_BY_CONTROLLER]: 'yes' } }, spec: { volumeName: pvName } }),
    traces: [{ action: 'bind-claim', object: `persistentvolumeclaim/${ns}/${claimName}`, detail: `volumeName ${pvName}` }],
  });
  steps.push({
    kind: 'write',
    request: patch('persistentvolumeclaims', ns, claimName, { status: { phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } } }, 'status'),
  });
  return chain(steps, (c) => c.state.assumed.delete(pvName));
}

/** Finishes a claim that names its volume: the volume's claimRef and both phases. */
function completeBinding(ctx: Ctx, key: string, pvc: PvcJson, pv: PvJson): Act[] {
  const ns = pvc.metadata?.namespace ?? 'default';
  const claimName = pvc.metadata?.name ?? '';
  if (!pv.spec?.claimRef) return bind(ctx, key, pvc, pv);
  if (!claimRefMatches(pv.spec.claimRef, pvc)) return [];
  const acts: Act[] = [];
  if (pv.status?.phase !== 'Bound') acts.push({ kind: 'write', request: patch('persistentvolumes', undefined, pv.metadata?.name ?? '', { status: { phase: 'Bound' } }, 'status') });
  if (pvc.metadata?.annotations?.[ANN_BIND_COMPLETED] !== 'yes') {
    acts.push({ kind: 'write', request: patch('persistentvolumeclaims', ns, claimName, { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes' } } }) });
  }
  if (pvc.status?.phase !== 'Bound') {
    acts.push({ kind: 'write', request: patch('persistentvolumeclaims', ns, claimName, { status: { phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } } }, 'status') });
  }
  return acts;
}

function listVolumes(ctx: Ctx): PvJson[] {
  const c = ctx.cache(PVS);
  return c.keys().map((k) => c.get(k) as PvJson);
}

/** `syncClaim`. */
export function syncClaim(key: string, ctx: Ctx): Act[] {
  const pvc = ctx.cache(PVCS).get(key) as PvcJson | undefined;
  if (!pvc || pvc.metadata?.deletionTimestamp) return [];
  const volumeName = pvc.spec?.volumeName;
  if (volumeName) {
    const pv = ctx.cache(PVS).get(volumeName) as PvJson | undefined;
    if (!pv) {
      if (pvc.status?.phase !== 'Bound') return [];
      return [
        { kind: 'write', request: patch('persistentvolumeclaims', pvc.metadata?.namespace ?? 'default', pvc.metadata?.name ?? '', { status: { phase: 'Lost' } }, 'status') },
        { kind: 'event', object: pvc, objectKind: 'PersistentVolumeClaim', type: 'Warning', reason: 'ClaimLost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' },
      ];
    }
    return completeBinding(ctx, key, pvc, pv);
  }
  const className = claimClass(pvc);
  const sc = className ? (ctx.cache(STORAGE_CLASSES).get(className) as StorageClassJson | undefined) : undefined;
  const delayed = sc?.volumeBindingMode === 'WaitForFirstConsumer';
  const selectedNode = pvc.metadata?.annotations?.[ANN_SELECTED_NODE];
  if (delayed && !selectedNode) return claimEventOnce(ctx, key, pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
  const node = selectedNode ? ctx.cache(NODES).get(selectedNode) : undefined;
  const skip = new Set([...ctx.state.assumed].filter(([, claim]) => claim !== key).map(([pv]) => pv));
  const match = findBestMatch(pvc, listVolumes(ctx), { skip, ...(selectedNode ? { node: { name: selectedNode, labels: node?.metadata?.labels ?? {} } } : {}) });
  if (match) return bind(ctx, key, pvc, match);
  if (!className) return claimEventOnce(ctx, key, pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
  if (!sc) return claimEventOnce(ctx, key, pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
  const provisioner = sc.provisioner ?? '';
  if (provisioner !== SIMULATED_PROVISIONER) {
    return claimEventOnce(ctx, key, pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }
  const volume = provisionedVolume(pvc, sc, selectedNode);
  const volumeName2 = volume.metadata?.name ?? '';
  if (ctx.cache(PVS).has(volumeName2)) return [];
  const ns = pvc.metadata?.namespace ?? 'default';
  const acts: Act[] = [];
  if (pvc.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== provisioner) {
    acts.push({ kind: 'write', request: patch('persistentvolumeclaims', ns, pvc.metadata?.name ?? '', { metadata: { annotations: { [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } }), tolerate: [404] });
  }
  acts.push({
    kind: 'write',
    request: { verb: 'create', apiVersion: 'v1', resource: 'persistentvolumes', body: volume },
    tolerate: [409],
    traces: [{ action: 'provision', object: `persistentvolume/${volumeName2}`, detail: `for ${ns}/${pvc.metadata?.name ?? ''}${selectedNode ? ` on ${selectedNode}` : ''}` }],
    onResult: (r) => {
      if (ok(r)) return [{ kind: 'event', object: pvc, objectKind: 'PersistentVolumeClaim', type: 'Normal', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${volumeName2}` }];
      if (r.code === 409) return [];
      return [{ kind: 'event', object: pvc, objectKind: 'PersistentVolumeClaim', type: 'Warning', reason: 'ProvisioningFailed', message: `failed to provision volume with StorageClass "${className}": ${errorMessage(r)}` }];
    },
  });
  return acts;
}

/** `syncVolume`. */
export function syncVolume(name: string, ctx: Ctx): Act[] {
  const pv = ctx.cache(PVS).get(name) as PvJson | undefined;
  if (!pv) {
    ctx.state.assumed.delete(name);
    return [];
  }
  if (pv.metadata?.deletionTimestamp) return [];
  const ref = pv.spec?.claimRef;
  const setPhase = (phase: string): Act[] => (pv.status?.phase === phase ? [] : [{ kind: 'write', request: patch('persistentvolumes', undefined, name, { status: { phase } }, 'status') }]);
  if (!ref) return ctx.state.assumed.has(name) ? [] : setPhase('Available');
  ctx.state.assumed.delete(name);
  const claimKey = `${ref.namespace ?? 'default'}/${ref.name ?? ''}`;
  const claim = ctx.cache(PVCS).get(claimKey) as PvcJson | undefined;
  if (!claim || (ref.uid && claim.metadata?.uid !== ref.uid)) {
    // A volume pre-bound by name waits, Available, for its claim to be created.
    if (!ref.uid) return setPhase('Available');
    if (pv.status?.phase === 'Released' || pv.status?.phase === 'Failed') return [];
    if ((pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') === 'Delete') {
      return [{ kind: 'write', request: { verb: 'delete', apiVersion: 'v1', resource: 'persistentvolumes', name }, tolerate: [404], traces: [{ action: 'delete-volume', object: `persistentvolume/${name}`, detail: `claim ${claimKey} is gone; reclaim policy Delete` }] }];
    }
    return setPhase('Released');
  }
  if (claim.spec?.volumeName === name) return setPhase('Bound');
  ctx.enqueue(claimKey, CLAIMS_QUEUE);
  return [];
}

function enqueueUnboundClaims(ctx: Ctx): void {
  const c = ctx.cache(PVCS);
  for (const k of c.keys()) if (!(c.get(k) as PvcJson).spec?.volumeName) ctx.enqueue(k, CLAIMS_QUEUE);
}

function volumeChanged(pv: KubeObject, ctx: Ctx): void {
  ctx.enqueue(pv.metadata?.name ?? '', VOLUMES_QUEUE);
  const ref = (pv as PvJson).spec?.claimRef;
  if (ref) ctx.enqueue(`${ref.namespace ?? 'default'}/${ref.name ?? ''}`, CLAIMS_QUEUE);
  else enqueueUnboundClaims(ctx);
}

function claimChanged(pvc: KubeObject, ctx: Ctx): void {
  ctx.enqueue(objectKey(pvc), CLAIMS_QUEUE);
  const volumeName = (pvc as PvcJson).spec?.volumeName;
  if (volumeName) {
    for (const id of [...ctx.state.reported]) if (id.startsWith(`${objectKey(pvc)}|`)) ctx.state.reported.delete(id);
  }
}

function claimDeleted(pvc: KubeObject, ctx: Ctx): void {
  for (const id of [...ctx.state.reported]) if (id.startsWith(`${objectKey(pvc)}|`)) ctx.state.reported.delete(id);
  const volumeName = (pvc as PvcJson).spec?.volumeName;
  if (volumeName) ctx.enqueue(volumeName, VOLUMES_QUEUE);
  for (const [pv, claim] of [...ctx.state.assumed]) if (claim === objectKey(pvc)) ctx.enqueue(pv, VOLUMES_QUEUE);
}

export const persistentVolumeController = defineController<PvControllerState>({
  name: 'persistentvolume-binder',
  reporter: 'persistentvolume-controller',
  informers: [PVCS, PVS, STORAGE_CLASSES, NODES],
  handlers: [
    { informer: PVCS, onAdd: claimChanged, onUpdate: (_o, pvc, ctx) => claimChanged(pvc, ctx), onDelete: claimDeleted },
    { informer: PVS, onAdd: volumeChanged, onUpdate: (_o, pv, ctx) => volumeChanged(pv, ctx), onDelete: volumeChanged },
    { informer: STORAGE_CLASSES, onAdd: (_sc, ctx) => enqueueUnboundClaims(ctx) },
  ],
  queues: [
    { name: CLAIMS_QUEUE, workers: 1, sync: syncClaim },
    { name: VOLUMES_QUEUE, workers: 1, sync: syncVolume },
  ],
  newState: () => ({ assumed: new Map(), reported: new Set() }),
});
