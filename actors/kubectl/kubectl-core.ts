import { isStatus } from '../api/errors.ts';
import { mergePatch, type JsonValue } from '../api/merge-patch.ts';
import type { ApiStatus, KubeObject } from '../api/protocol.ts';
import { onConnectionRefused, onRequestDeadline, onResponse, request, type ApiClientState, type ApiResult, type RequestSpec, type WatchDelivery } from '../client/api-client.ts';
import type { Output } from '../kernel/output.ts';
import type { ApiResponse } from '../api/protocol.ts';
import { DELETE_POLL_MS, drainMessages, EVICTION_RETRY_MS, selectPodsToEvict, type DrainOptions } from './drain.ts';
import { cloneJson } from '../api/clone-json.ts';

/**
 * A user at a terminal running kubectl: each timeline step is one command (apply, delete, patch,
 * scale, cordon), made of one or more API requests. The outcome of every request is traced as
 * `k8s.request` (code and message), so expectations and the timeline can show what the user saw.
 * Like kubectl, it does not retry a failed request — except while the cluster is coming up, for
 * the workload applied at t=0 (`waitForCluster`), which retries until the apiserver answers.
 */

export interface ResourceRef {
  apiVersion: string;
  resource: string;
  namespaced: boolean;
  kind: string;
}

export interface KubectlConfig {
  user: string;
  /** Maps an object's apiVersion and kind, or a kubectl kind name, to its resource. */
  resolveKind(apiVersion: string | undefined, kind: string): ResourceRef | undefined;
}

export type KubectlCommand =
  | { type: 'apply'; objects: KubeObject[] }
  | { type: 'delete'; kind: string; name: string; namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: PropagationPolicy }
  | { type: 'patch'; kind: string; name: string; namespace?: string; patch: KubeObject; subresource?: 'status' }
  | { type: 'scale'; kind: string; name: string; namespace?: string; replicas: number }
  | { type: 'cordon' | 'uncordon'; node: string }
  /** kubectl rollout pause / resume / restart: one merge patch of the object (restart: restartedAt is the step's time). */
  | { type: 'rollout'; action: 'pause' | 'resume' | 'restart'; kind: string; name: string; namespace?: string; restartedAt?: string }
  /** kubectl rollout undo: get the Deployment, list its ReplicaSets, patch the template of the revision back. */
  | { type: 'undo'; kind: string; name: string; namespace?: string; toRevision?: number }
  /** kubectl set image: get the object, patch the named container's image in its pod template. */
  | { type: 'set-image'; kind: string; name: string; namespace?: string; container: string; image: string }
  /** kubectl drain: cordon, list the node's pods, evict them (429s retried every 5 s), wait until they are gone. */
  | ({ type: 'drain'; node: string; timeoutSeconds: number; gracePeriodSeconds?: number } & DrainOptions);

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface KubectlInvoke {
  type: 'KubectlInvoke';
  /** The step's id (for expectations), or a generated one. */
  id: string;
  command: KubectlCommand;
  /** Retry 5xx and refused connections until the cluster answers (the t=0 workload). */
  waitForCluster?: boolean;
}

interface Step {
  id: string;
  command: KubectlCommand;
  waitForCluster: boolean;
  /** Objects of an apply still to do, in order. */
  queue: KubeObject[];
  attempts: number;
  /** The object a multi-request command read first (undo, set-image). */
  live?: KubeObject;
  /** A drain's pods, once listed. */
  drain?: DrainPod[];
}

interface DrainPod {
  pod: KubeObject;
  phase: 'evicting' | 'waiting' | 'done';
  /** Retries and polls so far (names the timers). */
  attempts: number;
  error?: string;
}

export interface KubectlState {
  readonly config: KubectlConfig;
  readonly client: ApiClientState;
  readonly steps: Map<string, Step>;
}

export const CLUSTER_WAIT_RETRY_MS = 1_000;
export const CLUSTER_WAIT_ATTEMPTS_MAX = 300;

export function newKubectl(config: KubectlConfig, client: ApiClientState): KubectlState {
  return { config, client, steps: new Map() };
}

function trace(k: KubectlState, out: Output, id: string, verb: string, ref: { resource: string; namespace?: string; name: string }, code: number, body: KubeObject | ApiStatus | null, message?: string): void {
  out.traces.push({
    kind: 'k8s.request',
    fields: {
      user: k.config.user,
      id,
      verb,
      resource: ref.resource,
      namespace: ref.namespace,
      name: ref.name,
      code,
      message: message ?? (body && isStatus(body) ? body.message : undefined),
    },
  });
}

export function invoke(k: KubectlState, inv: KubectlInvoke, out: Output, nowMs: number): void {
  const step: Step = { id: inv.id, command: inv.command, waitForCluster: inv.waitForCluster ?? false, queue: inv.command.type === 'apply' ? [...inv.command.objects] : [], attempts: 0 };
  k.steps.set(inv.id, step);
  next(k, step, out, nowMs);
}

function refOf(k: KubectlState, kind: string, apiVersion?: string): ResourceRef | null {
  return k.config.resolveKind(apiVersion, kind) ?? null;
}

function next(k: KubectlState, step: Step, out: Output, nowMs: number): void {
  const c = step.command;
  const tag = `kubectl:${step.id}`;
  switch (c.type) {
    case 'apply': {
      const obj = step.queue[0];
      if (!obj) {
        k.steps.delete(step.id);
        return;
      }
      const ref = refOf(k, obj.kind ?? '', obj.apiVersion);
      const name = obj.metadata?.name ?? '';
      const namespace = ref?.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
      if (!ref) {
        trace(k, out, step.id, 'apply', { resource: obj.kind ?? '', name }, 404, noKindMatch(obj));
        step.queue.shift();
        return next(k, step, out, nowMs);
      }
      if (!name) {
        // generateName: always a create.
        return send(k, step, { verb: 'create', apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}), body: obj }, `${tag}:create`, out, nowMs);
      }
      return send(k, step, { verb: 'get', apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}), name }, `${tag}:get`, out, nowMs);
    }
    case 'delete': {
      const ref = refOf(k, c.kind);
      if (!ref) return unknownKind(k, step, c.kind, c.name, out);
      return send(
        k,
        step,
        { verb: 'delete', apiVersion: ref.apiVersion, resource: ref.resource, ...(ref.namespaced ? { namespace: c.namespace ?? 'default' } : {}), name: c.name, ...deleteOptions(c) },
        `${tag}:final`,
        out,
        nowMs,
      );
    }
    case 'patch':
    case 'scale': {
      const ref = refOf(k, c.kind);
      if (!ref) return unknownKind(k, step, c.kind, c.name, out);
      const body = c.type === 'patch' ? c.patch : { spec: { replicas: c.replicas } };
      return send(
        k,
        step,
        { verb: 'patch', patchType: 'merge', apiVersion: ref.apiVersion, resource: ref.resource, ...(ref.namespaced ? { namespace: c.namespace ?? 'default' } : {}), name: c.name, body, ...(c.type === 'patch' && c.subresource ? { subresource: c.subresource } : {}) },
        `${tag}:final`,
        out,
        nowMs,
      );
    }
    case 'rollout': {
      const ref = refOf(k, c.kind);
      if (!ref) return unknownKind(k, step, c.kind, c.name, out);
      const body: KubeObject =
        c.action === 'restart'
          ? ({ spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: c.restartedAt ?? '' } } } } } as KubeObject)
          : ({ spec: { paused: c.action === 'pause' ? true : null } } as KubeObject);
      return send(k, step, { verb: 'patch', patchType: 'merge', apiVersion: ref.apiVersion, resource: ref.resource, ...(ref.namespaced ? { namespace: c.namespace ?? 'default' } : {}), name: c.name, body }, `${tag}:final`, out, nowMs);
    }
    case 'undo':
    case 'set-image': {
      const ref = refOf(k, c.kind);
      if (!ref) return unknownKind(k, step, c.kind, c.name, out);
      return send(k, step, { verb: 'get', apiVersion: ref.apiVersion, resource: ref.resource, ...(ref.namespaced ? { namespace: c.namespace ?? 'default' } : {}), name: c.name }, `${tag}:get`, out, nowMs);
    }
    case 'cordon':
    case 'uncordon':
      return send(k, step, { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'nodes', name: c.node, body: { spec: { unschedulable: c.type === 'cordon' ? true : null } } }, `${tag}:final`, out, nowMs);
    case 'drain':
      return send(k, step, { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'nodes', name: c.node, body: { spec: { unschedulable: true } } }, `${tag}:drain-cordon`, out, nowMs);
  }
}

function unknownKind(k: KubectlState, step: Step, kind: string, name: string, out: Output): void {
  trace(k, out, step.id, step.command.type, { resource: kind, name }, 404, notFoundKind({ kind }));
  k.steps.delete(step.id);
}

function send(k: KubectlState, _step: Step, spec: RequestSpec, tag: string, out: Output, nowMs: number): void {
  request(k.client, spec, tag, out, nowMs);
}

/** An API answer (or timeout/refusal) for one of this user's requests. */
export function onResult(k: KubectlState, result: ApiResult, out: Output, nowMs: number): void {
  const [, id, phase] = result.tag.split(':');
  const step = k.steps.get(id ?? '');
  if (!step) return;
  if (step.waitForCluster && (result.code >= 500 || result.code === 0)) {
    step.attempts++;
    if (step.attempts < CLUSTER_WAIT_ATTEMPTS_MAX) {
      out.timers.push({ id: `kubectl-retry-${step.id}-${step.attempts}`, delayMs: CLUSTER_WAIT_RETRY_MS, event: { type: 'KubectlRetry', id: step.id } });
      return;
    }
  }
  const c = step.command;
  if (c.type === 'drain') return drainResult(k, step, c, phase ?? '', result, out, nowMs);
  if (c.type === 'apply') {
    const obj = step.queue[0]!;
    const ref = refOf(k, obj.kind ?? '', obj.apiVersion)!;
    const name = obj.metadata?.name ?? '';
    const namespace = ref.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
    const target = { apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}) };
    if (phase === 'get') {
      if (result.code === 404) return send(k, step, { verb: 'create', ...target, body: obj }, `kubectl:${step.id}:create`, out, nowMs);
      if (result.code === 200 && !isStatus(result.body)) {
        const live = result.body;
        // kubectl apply, reduced: the manifest's fields are merged onto the live object (a JSON
        // merge patch), so what the server or admission set and the manifest does not mention
        // stays; status is the server's.
        const { status: _ignored, ...manifest } = obj;
        void _ignored;
        const merged = mergePatch(live as JsonValue, manifest as JsonValue) as KubeObject;
        return send(k, step, { verb: 'update', ...target, name, body: merged }, `kubectl:${step.id}:update`, out, nowMs);
      }
    }
    trace(k, out, step.id, phase === 'get' ? 'apply' : (phase ?? 'apply'), { resource: ref.resource, ...(namespace ? { namespace } : {}), name: name || ((result.body as KubeObject).metadata?.name ?? '') }, result.code, result.body);
    step.queue.shift();
    step.attempts = 0;
    return next(k, step, out, nowMs);
  }
  if ((c.type === 'undo' || c.type === 'set-image') && phase !== 'final') {
    if (multiStep(k, step, c, phase ?? '', result, out, nowMs)) return;
  }
  const ref =
    'node' in c
      ? { resource: 'nodes', name: c.node }
      : (() => {
          const r = k.config.resolveKind(undefined, c.kind);
          return { resource: r?.resource ?? c.kind, name: c.name, ...(r?.namespaced ? { namespace: c.namespace ?? 'default' } : {}) };
        })();
  const verb = c.type === 'rollout' ? `rollout ${c.action}` : c.type === 'undo' ? 'rollout undo' : c.type;
  trace(k, out, step.id, verb, ref, result.code, result.body, result.code < 300 ? successMessage(k, c) : undefined);
  k.steps.delete(step.id);
}

/** kubectl's line on success (`deployment.apps/web rolled back`), for the commands that print one. */
function successMessage(k: KubectlState, c: KubectlCommand): string | undefined {
  if (c.type !== 'rollout' && c.type !== 'undo' && c.type !== 'set-image') return undefined;
  const r = k.config.resolveKind(undefined, c.kind);
  const group = r && r.apiVersion.includes('/') ? `.${r.apiVersion.slice(0, r.apiVersion.indexOf('/'))}` : '';
  const what = `${(r?.kind ?? c.kind).toLowerCase()}${group}/${c.name}`;
  if (c.type === 'undo') return `${what} rolled back`;
  if (c.type === 'set-image') return `${what} image updated`;
  return `${what} ${c.action === 'pause' ? 'paused' : c.action === 'resume' ? 'resumed' : 'restarted'}`;
}

function deleteOptions(c: { gracePeriodSeconds?: number; propagationPolicy?: PropagationPolicy }): { options?: RequestSpec['options'] } {
  if (c.gracePeriodSeconds === undefined && c.propagationPolicy === undefined) return {};
  // metav1.DeleteOptions: the apiserver's delete path reads propagationPolicy (the garbage collector acts on it).
  const options: { gracePeriodSeconds?: number; propagationPolicy?: PropagationPolicy } = {};
  if (c.gracePeriodSeconds !== undefined) options.gracePeriodSeconds = c.gracePeriodSeconds;
  if (c.propagationPolicy !== undefined) options.propagationPolicy = c.propagationPolicy;
  return { options: options as RequestSpec['options'] };
}

/** A kubectl error of its own (no request made it wrong): traced with code 400 and kubectl's message. */
function clientError(k: KubectlState, step: Step, c: { kind: string; name: string; namespace?: string }, verb: string, message: string, out: Output): true {
  const r = k.config.resolveKind(undefined, c.kind);
  trace(k, out, step.id, verb, { resource: r?.resource ?? c.kind, name: c.name, ...(r?.namespaced ? { namespace: c.namespace ?? 'default' } : {}) }, 400, null, message);
  k.steps.delete(step.id);
  return true;
}

/**
 * The middle requests of undo (get → list ReplicaSets → patch) and set-image (get → patch).
 * Returns false when the answer is the step's last (an error): the caller traces it.
 */
function multiStep(k: KubectlState, step: Step, c: Extract<KubectlCommand, { type: 'undo' | 'set-image' }>, phase: string, result: ApiResult, out: Output, nowMs: number): boolean {
  if (result.code !== 200 || isStatus(result.body)) return false;
  const ref = refOf(k, c.kind)!;
  const namespace = ref.namespaced ? (c.namespace ?? 'default') : undefined;
  const target = { apiVersion: ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}), name: c.name };
  const tag = `kubectl:${step.id}`;
  if (c.type === 'set-image') {
    const live = result.body;
    const onPod = ref.kind === 'Pod';
    const podSpec = (onPod ? live.spec : (live.spec as { template?: { spec?: unknown } } | undefined)?.template?.spec) as { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] } | undefined;
    if (!podSpec) return clientError(k, step, c, 'set-image', `error: ${ref.kind.toLowerCase()}/${c.name} has no pod template`, out);
    const replace = (list: { name: string; image?: string }[] | undefined) => list?.map((ct) => (ct.name === c.container ? { ...ct, image: c.image } : ct));
    const found = [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])].some((ct) => ct.name === c.container);
    if (!found) return clientError(k, step, c, 'set-image', `error: unable to find container named "${c.container}"`, out);
    const newSpec: Record<string, unknown> = { containers: replace(podSpec.containers) };
    if (podSpec.initContainers) newSpec.initContainers = replace(podSpec.initContainers);
    const body = (onPod ? { spec: newSpec } : { spec: { template: { spec: newSpec } } }) as KubeObject;
    send(k, step, { verb: 'patch', patchType: 'merge', ...target, body }, `${tag}:final`, out, nowMs);
    return true;
  }
  // rollout undo (kubectl's DeploymentRollbacker, client side).
  if (phase === 'get') {
    const d = result.body as KubeObject & { spec?: { paused?: boolean; selector?: { matchLabels?: Record<string, string> } } };
    if (d.spec?.paused) {
      return clientError(k, step, c, 'rollout undo', `error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again`, out);
    }
    step.live = d;
    const labels = d.spec?.selector?.matchLabels ?? {};
    const labelSelector = Object.keys(labels)
      .sort()
      .map((key) => `${key}=${labels[key]}`)
      .join(',');
    send(k, step, { verb: 'list', apiVersion: 'apps/v1', resource: 'replicasets', ...(namespace ? { namespace } : {}), ...(labelSelector ? { options: { labelSelector } } : {}) }, `${tag}:list`, out, nowMs);
    return true;
  }
  if (phase === 'list') {
    const d = step.live!;
    const items = ((result.body as { items?: KubeObject[] }).items ?? []).filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === d.metadata?.uid));
    const revisionOf = (rs: KubeObject): number => Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0') || 0;
    const byRevision = items.filter((rs) => revisionOf(rs) > 0).sort((a, b) => revisionOf(b) - revisionOf(a));
    let chosen: KubeObject | undefined;
    if (c.toRevision === undefined || c.toRevision === 0) {
      if (byRevision.length <= 1) return clientError(k, step, c, 'rollout undo', `error: no rollout history found for deployment "${c.name}"`, out);
      chosen = byRevision[1];
    } else {
      chosen = byRevision.find((rs) => revisionOf(rs) === c.toRevision);
      if (!chosen) return clientError(k, step, c, 'rollout undo', `error: unable to find specified revision ${c.toRevision} in history`, out);
    }
    const template = cloneJson((chosen!.spec as { template?: KubeObject }).template ?? {}) as { metadata?: { labels?: Record<string, string> } };
    if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
    const current = (d.spec as { template?: unknown }).template;
    if (canonical(current) === canonical(template)) {
      trace(k, out, step.id, 'rollout undo', { resource: ref.resource, ...(namespace ? { namespace } : {}), name: c.name }, 200, null, `${successMessage(k, c)!.replace(/ rolled back$/, '')} skipped rollback (current template already matches revision ${revisionOf(chosen!)})`);
      k.steps.delete(step.id);
      return true;
    }
    // The template replaced, not merged: every field of the live template the old one lacks is removed.
    const body = { spec: { template: replacementPatch(current, template) } } as KubeObject;
    send(k, step, { verb: 'patch', patchType: 'merge', ...target, body }, `${tag}:final`, out, nowMs);
    return true;
  }
  return false;
}

/** A JSON merge patch turning `from` into exactly `to` (keys only in `from` become null). */
export function replacementPatch(from: unknown, to: unknown): unknown {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(from) || !isObj(to)) return to;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const key of Object.keys(to)) {
    if (!(key in from)) patch[key] = to[key];
    else if (isObj(from[key]) && isObj(to[key])) patch[key] = replacementPatch(from[key], to[key]);
    else if (canonical(from[key]) !== canonical(to[key])) patch[key] = to[key];
  }
  return patch;
}

function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(o[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x) ?? 'undefined';
}

/** Retry timer of a step waiting for the cluster. */
export function onRetry(k: KubectlState, id: string, out: Output, nowMs: number): void {
  const step = k.steps.get(id);
  if (step) next(k, step, out, nowMs);
}

export function onApiResponse(k: KubectlState, res: ApiResponse, out: Output, nowMs: number): void {
  const result = onResponse(k.client, res, out);
  if (result) onResult(k, result, out, nowMs);
}

export function onApiRefused(k: KubectlState, reqId: number, out: Output, nowMs: number): void {
  const result = onConnectionRefused(k.client, reqId, out);
  if (result && 'code' in result) onResult(k, result, out, nowMs);
}

/** The client's request-deadline timer fired: this user's requests due by now fail with 504. */
export function onApiDeadline(k: KubectlState, out: Output, nowMs: number): void {
  onRequestDeadline(k.client, nowMs, out, k, onTimedOut);
}

function onTimedOut(k: KubectlState, result: ApiResult | WatchDelivery, nowMs: number, out: Output): void {
  if ('code' in result) onResult(k, result, out, nowMs);
}

/** What `kubectl apply` says of a manifest whose (apiVersion, kind) the server does not serve (meta.NoKindMatchError). */
function noKindMatch(obj: { kind?: string; apiVersion?: string }): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: `no matches for kind "${obj.kind ?? ''}" in version "${obj.apiVersion ?? ''}"`, reason: 'NotFound', code: 404 };
}

function notFoundKind(obj: { kind?: string }): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: `the server doesn't have a resource type "${obj.kind ?? ''}"`, reason: 'NotFound', code: 404 };
}

// ---------------------------------------------------------------------------------------------
// kubectl drain

type DrainCommand = Extract<KubectlCommand, { type: 'drain' }>;

function drainTrace(k: KubectlState, out: Output, step: Step, ref: { resource: string; namespace?: string; name: string }, code: number, message: string): void {
  trace(k, out, step.id, 'drain', ref, code, null, message);
}

function podRef(pod: KubeObject): { resource: string; namespace: string; name: string } {
  return { resource: 'pods', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' };
}

function sendEviction(k: KubectlState, step: Step, c: DrainCommand, i: number, out: Output, nowMs: number): void {
  const pod = step.drain![i]!.pod;
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, ...(c.gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds: c.gracePeriodSeconds } } : {}) } as KubeObject;
  send(k, step, { verb: 'create', apiVersion: 'v1', resource: 'pods', subresource: 'eviction', namespace, name, body }, `kubectl:${step.id}:drain-evict-${i}`, out, nowMs);
}

function sendPoll(k: KubectlState, step: Step, i: number, out: Output, nowMs: number): void {
  const pod = step.drain![i]!.pod;
  send(k, step, { verb: 'get', apiVersion: 'v1', resource: 'pods', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '' }, `kubectl:${step.id}:drain-wait-${i}`, out, nowMs);
}

function later(step: Step, i: number, action: 'evict' | 'poll', delayMs: number, out: Output): void {
  const dp = step.drain![i]!;
  dp.attempts++;
  out.timers.push({ id: `kubectl-drain-${step.id}-${i}-${dp.attempts}`, delayMs, event: { type: 'KubectlDrain', id: step.id, pod: i, action } });
}

/** The answers of a drain: cordon, then the list, then each pod's evictions and polls. */
function drainResult(k: KubectlState, step: Step, c: DrainCommand, phase: string, result: ApiResult, out: Output, nowMs: number): void {
  const node = { resource: 'nodes', name: c.node };
  if (phase === 'drain-cordon') {
    if (result.code !== 200) return endDrain(k, step, c, result.code, isStatus(result.body) ? result.body.message : `unable to cordon node "${c.node}"`, out);
    drainTrace(k, out, step, node, 200, drainMessages.cordoned(c.node));
    out.timers.push({ id: `kubectl-drain-timeout-${step.id}`, delayMs: c.timeoutSeconds * 1000, event: { type: 'KubectlDrainTimeout', id: step.id } });
    return send(k, step, { verb: 'list', apiVersion: 'v1', resource: 'pods', options: { fieldSelector: `spec.nodeName=${c.node}` } }, `kubectl:${step.id}:drain-list`, out, nowMs);
  }
  if (phase === 'drain-list') {
    if (result.code !== 200 || isStatus(result.body)) return endDrain(k, step, c, result.code, isStatus(result.body) ? result.body.message : 'unable to list pods', out);
    const items = (result.body as { items?: KubeObject[] }).items ?? [];
    const selection = selectPodsToEvict(items, c);
    if (selection.errors.length > 0) return endDrain(k, step, c, 400, drainMessages.failed(c.node, selection.errors), out);
    for (const w of selection.warnings) drainTrace(k, out, step, node, 200, w);
    step.drain = selection.evict.map((pod) => ({ pod, phase: 'evicting', attempts: 0 }));
    if (step.drain.length === 0) return finishDrain(k, step, c, out);
    for (let i = 0; i < step.drain.length; i++) sendEviction(k, step, c, i, out, nowMs);
    return;
  }
  const match = /^drain-(evict|wait)-(\d+)$/.exec(phase);
  const dp = match ? step.drain?.[Number(match[2])] : undefined;
  if (!match || !dp || dp.phase === 'done') return;
  const i = Number(match[2]);
  const message = isStatus(result.body) ? result.body.message : '';
  if (match[1] === 'evict') {
    if (result.code === 200 || result.code === 201) {
      drainTrace(k, out, step, podRef(dp.pod), result.code, drainMessages.evicting(dp.pod));
      dp.phase = 'waiting';
      sendPoll(k, step, i, out, nowMs);
      return;
    }
    if (result.code === 404) {
      dp.phase = 'done';
      return finishDrain(k, step, c, out);
    }
    if (result.code === 429) {
      drainTrace(k, out, step, podRef(dp.pod), 429, drainMessages.retry(dp.pod, message));
      return later(step, i, 'evict', EVICTION_RETRY_MS, out);
    }
    dp.phase = 'done';
    dp.error = drainMessages.evictFailed(dp.pod, message || `code ${result.code}`);
    drainTrace(k, out, step, podRef(dp.pod), result.code, dp.error);
    return finishDrain(k, step, c, out);
  }
  // waitForDelete: gone, or replaced by a pod of the same name (another uid).
  const gone = result.code === 404 || (result.code === 200 && !isStatus(result.body) && result.body.metadata?.uid !== dp.pod.metadata?.uid);
  if (!gone) return later(step, i, 'poll', DELETE_POLL_MS, out);
  drainTrace(k, out, step, podRef(dp.pod), 200, drainMessages.evicted(dp.pod));
  dp.phase = 'done';
  finishDrain(k, step, c, out);
}

/** When every pod is done: `node/<node> drained`, or the errors of the pods that failed. */
function finishDrain(k: KubectlState, step: Step, c: DrainCommand, out: Output): void {
  const pods = step.drain ?? [];
  if (pods.some((p) => p.phase !== 'done')) return;
  const errors = pods.filter((p) => p.error !== undefined).map((p) => p.error!);
  if (errors.length > 0) return endDrain(k, step, c, 400, drainMessages.failed(c.node, errors), out);
  endDrain(k, step, c, 200, drainMessages.drained(c.node), out);
}

function endDrain(k: KubectlState, step: Step, c: DrainCommand, code: number, message: string, out: Output): void {
  drainTrace(k, out, step, { resource: 'nodes', name: c.node }, code, message);
  out.cancels.push(`kubectl-drain-timeout-${step.id}`);
  k.steps.delete(step.id);
}

/** A drain's timer: retry an eviction answered 429, or poll an evicted pod again. */
export function onDrainTimer(k: KubectlState, id: string, i: number, action: 'evict' | 'poll', out: Output, nowMs: number): void {
  const step = k.steps.get(id);
  const c = step?.command;
  if (!step || c?.type !== 'drain' || step.drain?.[i]?.phase === 'done') return;
  if (action === 'evict') sendEviction(k, step, c, i, out, nowMs);
  else sendPoll(k, step, i, out, nowMs);
}

/** The drain's --timeout: every pod not yet done fails with kubectl's "global timeout reached". */
export function onDrainTimeout(k: KubectlState, id: string, out: Output): void {
  const step = k.steps.get(id);
  const c = step?.command;
  if (!step || c?.type !== 'drain') return;
  const reason = drainMessages.timeout(c.timeoutSeconds);
  for (const dp of step.drain ?? []) {
    if (dp.phase === 'done') continue;
    dp.error = dp.phase === 'evicting' ? drainMessages.evictFailed(dp.pod, reason) : drainMessages.waitFailed(dp.pod, reason);
    dp.phase = 'done';
  }
  if (!step.drain) return endDrain(k, step, c, 400, drainMessages.failed(c.node, [reason]), out);
  finishDrain(k, step, c, out);
}
