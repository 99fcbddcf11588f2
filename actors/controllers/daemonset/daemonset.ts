import type { V1NodeSelectorTerm, V1Taint, V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/protocol.ts';
import { findMatchingUntoleratedTaint } from '../../api/taints.ts';
import { objectKey } from '../../client/informer.ts';
import { scaledValue, type IntOrPercent } from '../deployment/rolling.ts';
import { podTemplateHash } from '../deployment/template-hash.ts';
import { Expectations } from '../host/expectations.ts';
import { controllerRefOf, newControllerRef } from '../host/owners.ts';
import { BY_CONTROLLER_UID, CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS } from '../host/resources.ts';
import type { Action, ControllerContext } from '../host/types.ts';
import { creationMs, isPodAvailable, isPodReady, podPhase, deletePodAction, errorMessage, ok } from '../host/workload.ts';
import { slowStartBatches } from '../replicaset/slow-start.ts';
import { compileNodeSelectorMap, compileNodeSelectorTerms } from '../../scheduler/plugins/helper/node-selector.ts';
import { cloneJson } from '../../api/clone-json.ts';

/** Code-unit string order (never locale-dependent). */
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The DaemonSet controller (pkg/controller/daemon/daemon_controller.go, update.go,
 * util/daemonset_util.go): one pod per node that should run it — nodeSelector and required node
 * affinity match, and every NoSchedule/NoExecute taint tolerated by the template's tolerations
 * plus the ones the controller adds — created with a required node affinity
 * `matchFields metadata.name In [node]` so the scheduler places it there. Pods on nodes that
 * should not keep them (selector no longer matches, an untolerated NoExecute taint) are deleted;
 * failed pods are deleted to be replaced; extra pods on a node go, the oldest stays. RollingUpdate
 * (maxSurge 0) replaces old pods at most maxUnavailable (default 1) at a time; OnDelete leaves
 * them. Status: desired/current/ready/available/updated/misscheduled/unavailable.
 *
 * Revisions (update.go `constructHistory`): a ControllerRevision `<ds>-<hash>` per template, the
 * pods labelled `controller-revision-hash: <hash>`; old revisions no pod uses are deleted beyond
 * revisionHistoryLimit (default 10), oldest first.
 *
 * Simplifications (named): an equal earlier revision is not renumbered on rollback; no maxSurge; failed pods are replaced without the
 * failed-pod backoff; no orphan adoption.
 */

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const DS_BURST_REPLICAS = 250;

export interface DaemonSetState {
  readonly expectations: Expectations;
}

export const newDaemonSetState = (): DaemonSetState => ({ expectations: new Expectations() });

type Ctx = ControllerContext<DaemonSetState>;
type Act = Action<DaemonSetState>;

interface PodSpecLike {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  hostNetwork?: boolean;
  tolerations?: V1Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } } & Record<string, unknown> } & Record<string, unknown>;
}

export interface DaemonSetJson extends KubeObject {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    minReadySeconds?: number;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrPercent; maxSurge?: IntOrPercent } };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSpecLike & Record<string, unknown> };
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  updatedNumberScheduled?: number;
  numberMisscheduled: number;
  observedGeneration?: number;
}

interface NodeJson extends KubeObject {
  spec?: { taints?: V1Taint[]; unschedulable?: boolean };
}


/** The tolerations every daemon pod gets (`AddOrUpdateDaemonPodTolerations`). */
export function daemonPodTolerations(hostNetwork: boolean): V1Toleration[] {
  const t = (key: string, effect: 'NoExecute' | 'NoSchedule'): V1Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** `AddOrUpdateTolerationInPodSpec` for each: a toleration with the same key/operator/effect/value is replaced, else appended. */
export function withDaemonTolerations(existing: readonly V1Toleration[] | undefined, hostNetwork: boolean): V1Toleration[] {
  const out = [...(existing ?? [])];
  for (const add of daemonPodTolerations(hostNetwork)) {
    const i = out.findIndex((e) => (e.key ?? '') === add.key && (e.operator ?? 'Equal') === add.operator && (e.effect ?? '') === add.effect && (e.value ?? '') === '');
    if (i >= 0) out[i] = add;
    else out.push(add);
  }
  return out;
}

/** `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required terms become `metadata.name In [node]`. */
export function pinToNode(affinity: PodSpecLike['affinity'] | undefined, nodeName: string): NonNullable<PodSpecLike['affinity']> {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const a = cloneJson(affinity ?? {});
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required };
  return a;
}

/** The revision hash of the current template. */
export function daemonSetHash(ds: DaemonSetJson): string {
  return podTemplateHash(ds.spec?.template ?? {});
}

/** The pod for `nodeName` (`NewPod` + `CreatePodsOnNodes`' affinity and labels). */
export function daemonPod(ds: DaemonSetJson, nodeName: string): KubeObject {
  const t = ds.spec?.template ?? {};
  const spec = cloneJson(t.spec ?? {}) as PodSpecLike & Record<string, unknown>;
  spec.tolerations = withDaemonTolerations(spec.tolerations, spec.hostNetwork === true);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace ?? 'default',
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: daemonSetHash(ds), [TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    spec,
  } as KubeObject;
}

/** `NodeShouldRunDaemonPod`: should a new pod go there, and may an existing one stay. */
export function nodeShouldRunDaemonPod(ds: DaemonSetJson, node: KubeObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec ?? {};
  const nodeName = node.metadata?.name ?? '';
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== nodeName) return no;
  const labels = node.metadata?.labels ?? {};
  if (spec.nodeSelector && !compileNodeSelectorMap(spec.nodeSelector)(labels, nodeName)) return no;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !compileNodeSelectorTerms(terms)(labels, nodeName)) return no;
  const taints = (node as NodeJson).spec?.taints ?? [];
  const tolerations = withDaemonTolerations(spec.tolerations, spec.hostNetwork === true);
  const fitsTaints = !findMatchingUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (fitsTaints) return { shouldRun: true, shouldContinueRunning: true };
  const untoleratedNoExecute = findMatchingUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !untoleratedNoExecute };
}

/** `GetTargetNodeName`: spec.nodeName, or the node its affinity pins. */
export function targetNodeName(pod: KubeObject): string | undefined {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** Oldest first, ties by name (`podByCreationTimestampAndPhase` without the phase). */
function byAge(a: KubeObject, b: KubeObject): number {
  return (creationMs(a) ?? 0) - (creationMs(b) ?? 0) || cmpStr(a.metadata?.name ?? '', b.metadata?.name ?? '');
}

export interface NodePlan {
  create: string[];
  delete: KubeObject[];
}

/** `manage` + `podsShouldBeOnNode` over every node (sorted), and pods pinned to nodes that are gone. */
export function planNodes(ds: DaemonSetJson, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>): NodePlan {
  const plan: NodePlan = { create: [], delete: [] };
  const known = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    known.add(name);
    const all = byNode.get(name) ?? [];
    const pods = all.filter((p) => !p.metadata?.deletionTimestamp);
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds, node);
    // A terminating pod still holds the node: its replacement waits until it is gone.
    if (shouldRun && all.length === 0) plan.create.push(name);
    else if (shouldContinueRunning) {
      const running: KubeObject[] = [];
      for (const p of pods) (podPhase(p) === 'Failed' ? plan.delete : running).push(p);
      // Only one pod per node: the oldest stays.
      if (running.length > 1) plan.delete.push(...running.sort(byAge).slice(1));
    } else plan.delete.push(...pods);
  }
  for (const [name, pods] of [...byNode].sort(([a], [b]) => cmpStr(a, b))) {
    if (!known.has(name)) plan.delete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
  }
  return plan;
}

/** `rollingUpdate` with maxSurge 0: the old pods to delete now. */
export function rollingUpdateDeletions(ds: DaemonSetJson, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>, nowMs: number): KubeObject[] {
  const hash = daemonSetHash(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  for (const n of nodes) if (nodeShouldRunDaemonPod(ds, n).shouldRun) desired++;
  const maxUnavailable = Math.max(0, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true));
  let unavailable = 0;
  const replace: KubeObject[] = [];
  const candidates: KubeObject[] = [];
  for (const name of [...byNode.keys()].sort()) {
    const pods = byNode.get(name)!.filter((p) => !p.metadata?.deletionTimestamp && podPhase(p) !== 'Failed');
    const updated = pods.filter((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] === hash);
    const old = pods.filter((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] !== hash);
    if (updated.length > 1 || old.length > 1) {
      unavailable++;
      continue;
    }
    const newPod = updated[0];
    const oldPod = old[0];
    if ((!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
    else if (newPod) {
      if (!isPodAvailable(newPod, minReady, nowMs)) unavailable++;
    } else if (oldPod) {
      if (!isPodAvailable(oldPod, minReady, nowMs)) replace.push(oldPod);
      else if (unavailable < maxUnavailable) candidates.push(oldPod);
    }
  }
  const remaining = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...replace, ...candidates.slice(0, remaining)];
}

/** `updateDaemonSetStatus`. */
export function daemonSetStatus(ds: DaemonSetJson, nodes: readonly KubeObject[], byNode: ReadonlyMap<string, KubeObject[]>, nowMs: number): DaemonSetStatus {
  const hash = daemonSetHash(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const s: DaemonSetStatus = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberReady: 0, numberAvailable: 0, numberUnavailable: 0, updatedNumberScheduled: 0, numberMisscheduled: 0, observedGeneration: ds.metadata?.generation ?? 0 };
  for (const node of nodes) {
    const pods = [...(byNode.get(node.metadata?.name ?? '') ?? [])].sort(byAge);
    const scheduled = pods.length > 0;
    if (nodeShouldRunDaemonPod(ds, node).shouldRun) {
      s.desiredNumberScheduled++;
      if (!scheduled) continue;
      s.currentNumberScheduled++;
      const pod = pods[0]!;
      if (isPodReady(pod)) {
        s.numberReady++;
        if (isPodAvailable(pod, minReady, nowMs)) s.numberAvailable!++;
      }
      if (pod.metadata?.labels?.[REVISION_HASH_LABEL] === hash) s.updatedNumberScheduled!++;
    } else if (scheduled) s.numberMisscheduled++;
  }
  s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable!;
  return s;
}

/** The daemon pods of `ds` by target node. */
export function podsByNode(ds: DaemonSetJson, ctx: Ctx): Map<string, KubeObject[]> {
  const pods = ctx.cache(PODS);
  const out = new Map<string, KubeObject[]>();
  for (const k of pods.byIndex(BY_CONTROLLER_UID, ds.metadata?.uid ?? '')) {
    const p = pods.get(k)!;
    if (p.metadata?.namespace !== ds.metadata?.namespace) continue;
    const node = targetNodeName(p);
    if (!node) continue;
    const list = out.get(node) ?? [];
    list.push(p);
    out.set(node, list);
  }
  return out;
}

function createBatches(ds: DaemonSetJson, dsKey: string, nodeNames: readonly string[], batches: readonly number[], at: number, sent: number): Act[] {
  if (at >= batches.length) return [];
  const size = batches[at]!;
  const batch = { left: size, failed: false };
  const out: Act[] = [];
  for (let i = 0; i < size; i++) {
    const node = nodeNames[sent + i]!;
    out.push({
      kind: 'write',
      request: { verb: 'create', apiVersion: 'v1', resource: 'pods', namespace: ds.metadata?.namespace ?? 'default', body: daemonPod(ds, node) },
      onResult: (r, c) => {
        const acts: Act[] = [];
        if (ok(r)) acts.push({ kind: 'event', object: ds, objectKind: 'DaemonSet', type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${(r.body as KubeObject).metadata?.name ?? ''}` });
        else {
          batch.failed = true;
          c.state.expectations.creationObserved(dsKey);
          acts.push({ kind: 'event', object: ds, objectKind: 'DaemonSet', type: 'Warning', reason: 'FailedCreate', message: `Error creating: ${errorMessage(r)}` });
        }
        if (--batch.left > 0) return acts;
        if (batch.failed) {
          for (let k = sent + size; k < nodeNames.length; k++) c.state.expectations.creationObserved(dsKey);
          return acts;
        }
        return [...acts, ...createBatches(ds, dsKey, nodeNames, batches, at + 1, sent + size)];
      },
    });
  }
  return out;
}

function deletePod(ds: DaemonSetJson, dsKey: string, pod: KubeObject): Act {
  return deletePodAction(ds, 'DaemonSet', dsKey, pod);
}

function sameStatus(a: DaemonSetStatus | undefined, b: DaemonSetStatus): boolean {
  if (!a) return false;
  const keys: (keyof DaemonSetStatus)[] = ['desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'updatedNumberScheduled', 'numberMisscheduled', 'observedGeneration'];
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

/** The ControllerRevision of the current template (`dsc.snapshot`): the template as a replace patch. */
export function daemonSetRevision(ds: DaemonSetJson, revision: number): KubeObject {
  const hash = daemonSetHash(ds);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata?.name ?? ''}-${hash}`,
      namespace: ds.metadata?.namespace ?? 'default',
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data: { spec: { template: { ...cloneJson(ds.spec?.template ?? {}), $patch: 'replace' } } },
    revision,
  } as KubeObject;
}

const revisionNumber = (r: KubeObject): number => (r as { revision?: number }).revision ?? 0;

/** `constructHistory` + `cleanupHistory`: the revision to create, the old ones to delete. */
export function daemonSetHistory(ds: DaemonSetJson, revisions: readonly KubeObject[], pods: readonly KubeObject[]): { create?: KubeObject; delete: KubeObject[] } {
  const hash = daemonSetHash(ds);
  const current = `${ds.metadata?.name ?? ''}-${hash}`;
  const create = revisions.some((r) => r.metadata?.name === current) ? undefined : daemonSetRevision(ds, Math.max(0, ...revisions.map(revisionNumber)) + 1);
  const live = new Set([hash, ...pods.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] ?? '')]);
  const old = revisions
    .filter((r) => r.metadata?.name !== current && !live.has(r.metadata?.labels?.[REVISION_HASH_LABEL] ?? ''))
    .sort((a, b) => revisionNumber(a) - revisionNumber(b) || cmpStr(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  const limit = (ds.spec as { revisionHistoryLimit?: number } | undefined)?.revisionHistoryLimit ?? 10;
  return { ...(create ? { create } : {}), delete: old.slice(0, Math.max(0, old.length - limit)) };
}

/** `syncDaemonSet(key)`. */
export function syncDaemonSet(key: string, ctx: Ctx): Act[] {
  const ds = ctx.cache(DAEMON_SETS).get(key) as DaemonSetJson | undefined;
  if (!ds) {
    ctx.state.expectations.delete(key);
    return [];
  }
  const nodesCache = ctx.cache(NODES);
  const nodes = nodesCache.keys().map((k) => nodesCache.get(k)!);
  const byNode = podsByNode(ds, ctx);
  const actions: Act[] = [];
  if (!ds.metadata?.deletionTimestamp) {
    const revCache = ctx.cache(CONTROLLER_REVISIONS);
    const revisions = revCache.byIndex(BY_CONTROLLER_UID, ds.metadata?.uid ?? '').map((k) => revCache.get(k)!).filter((r) => r.metadata?.namespace === ds.metadata?.namespace);
    const history = daemonSetHistory(ds, revisions, [...byNode.values()].flat());
    const ns = ds.metadata?.namespace ?? 'default';
    if (history.create) actions.push({ kind: 'write', request: { verb: 'create', apiVersion: 'apps/v1', resource: 'controllerrevisions', namespace: ns, body: history.create }, tolerate: [409] });
    for (const r of history.delete) actions.push({ kind: 'write', request: { verb: 'delete', apiVersion: 'apps/v1', resource: 'controllerrevisions', namespace: ns, name: r.metadata?.name ?? '' }, tolerate: [404] });
  }
  if (!ds.metadata?.deletionTimestamp && ctx.state.expectations.satisfied(key, ctx.nowMs)) {
    const plan = planNodes(ds, nodes, byNode);
    let deletions = plan.delete;
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const seen = new Set(deletions.map(objectKey));
      deletions = [...deletions, ...rollingUpdateDeletions(ds, nodes, byNode, ctx.nowMs).filter((p) => !seen.has(objectKey(p)))];
    }
    deletions = deletions.slice(0, DS_BURST_REPLICAS);
    // Deletions first: creates wait for the next sync (one expectations record per key).
    const creates = deletions.length > 0 ? [] : plan.create.slice(0, DS_BURST_REPLICAS);
    if (deletions.length > 0) ctx.state.expectations.expectDeletions(key, deletions.map(objectKey), ctx.nowMs);
    if (creates.length > 0) ctx.state.expectations.expectCreations(key, creates.length, ctx.nowMs);
    for (const p of deletions) actions.push(deletePod(ds, key, p));
    if (creates.length > 0) actions.push(...createBatches(ds, key, creates, slowStartBatches(creates.length), 0, 0));
  }
  const status = daemonSetStatus(ds, nodes, byNode, ctx.nowMs);
  if (!sameStatus(ds.status, status)) {
    actions.push({
      kind: 'write',
      request: { verb: 'update', apiVersion: 'apps/v1', resource: 'daemonsets', subresource: 'status', namespace: ds.metadata?.namespace ?? 'default', name: ds.metadata?.name ?? '', body: { ...ds, status } as KubeObject },
      tolerate: [404],
    });
  }
  const minReady = ds.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && status.numberReady > status.numberAvailable!) ctx.enqueueAfter(key, minReady * 1000);
  return actions;
}

/** The DaemonSet controlling `pod`. */
export function controllingDaemonSet(pod: KubeObject, ctx: Ctx): string | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'DaemonSet') return undefined;
  const key = `${pod.metadata?.namespace ?? 'default'}/${ref.name}`;
  const ds = ctx.cache(DAEMON_SETS).get(key);
  return ds && ds.metadata?.uid === ref.uid ? key : undefined;
}
