import { isStatus } from '../api/errors.ts';
import { mergePatch, type JsonValue } from '../api/merge-patch.ts';
import type { ApiStatus, KubeObject } from '../api/protocol.ts';
import { onConnectionRefused, onRequestTimeout, onResponse, request, type ApiClientState, type ApiResult, type RequestSpec } from '../client/api-client.ts';
import type { Output } from '../kernel/output.ts';
import type { ApiResponse } from '../api/protocol.ts';

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
  | { type: 'delete'; kind: string; name: string; namespace?: string; gracePeriodSeconds?: number }
  | { type: 'patch'; kind: string; name: string; namespace?: string; patch: KubeObject; subresource?: 'status' }
  | { type: 'scale'; kind: string; name: string; namespace?: string; replicas: number }
  | { type: 'cordon' | 'uncordon'; node: string };

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

function trace(k: KubectlState, out: Output, id: string, verb: string, ref: { resource: string; namespace?: string; name: string }, code: number, body: KubeObject | ApiStatus | null): void {
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
      message: body && isStatus(body) ? body.message : undefined,
    },
  });
}

export function invoke(k: KubectlState, inv: KubectlInvoke, out: Output): void {
  const step: Step = { id: inv.id, command: inv.command, waitForCluster: inv.waitForCluster ?? false, queue: inv.command.type === 'apply' ? [...inv.command.objects] : [], attempts: 0 };
  k.steps.set(inv.id, step);
  next(k, step, out);
}

function refOf(k: KubectlState, kind: string, apiVersion?: string): ResourceRef | null {
  return k.config.resolveKind(apiVersion, kind) ?? null;
}

function next(k: KubectlState, step: Step, out: Output): void {
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
        return next(k, step, out);
      }
      if (!name) {
        // generateName: always a create.
        return send(k, step, { verb: 'create', apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}), body: obj }, `${tag}:create`, out);
      }
      return send(k, step, { verb: 'get', apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}), name }, `${tag}:get`, out);
    }
    case 'delete': {
      const ref = refOf(k, c.kind);
      if (!ref) return unknownKind(k, step, c.kind, c.name, out);
      return send(
        k,
        step,
        { verb: 'delete', apiVersion: ref.apiVersion, resource: ref.resource, ...(ref.namespaced ? { namespace: c.namespace ?? 'default' } : {}), name: c.name, ...(c.gracePeriodSeconds !== undefined ? { options: { gracePeriodSeconds: c.gracePeriodSeconds } } : {}) },
        `${tag}:final`,
        out,
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
      );
    }
    case 'cordon':
    case 'uncordon':
      return send(k, step, { verb: 'patch', patchType: 'merge', apiVersion: 'v1', resource: 'nodes', name: c.node, body: { spec: { unschedulable: c.type === 'cordon' ? true : null } } }, `${tag}:final`, out);
  }
}

function unknownKind(k: KubectlState, step: Step, kind: string, name: string, out: Output): void {
  trace(k, out, step.id, step.command.type, { resource: kind, name }, 404, notFoundKind({ kind }));
  k.steps.delete(step.id);
}

function send(k: KubectlState, _step: Step, spec: RequestSpec, tag: string, out: Output): void {
  request(k.client, spec, tag, out);
}

/** An API answer (or timeout/refusal) for one of this user's requests. */
export function onResult(k: KubectlState, result: ApiResult, out: Output): void {
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
  if (c.type === 'apply') {
    const obj = step.queue[0]!;
    const ref = refOf(k, obj.kind ?? '', obj.apiVersion)!;
    const name = obj.metadata?.name ?? '';
    const namespace = ref.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
    const target = { apiVersion: obj.apiVersion ?? ref.apiVersion, resource: ref.resource, ...(namespace ? { namespace } : {}) };
    if (phase === 'get') {
      if (result.code === 404) return send(k, step, { verb: 'create', ...target, body: obj }, `kubectl:${step.id}:create`, out);
      if (result.code === 200 && !isStatus(result.body)) {
        const live = result.body;
        // kubectl apply, reduced: the manifest's fields are merged onto the live object (a JSON
        // merge patch), so what the server or admission set and the manifest does not mention
        // stays; status is the server's.
        const { status: _ignored, ...manifest } = obj;
        void _ignored;
        const merged = mergePatch(live as JsonValue, manifest as JsonValue) as KubeObject;
        return send(k, step, { verb: 'update', ...target, name, body: merged }, `kubectl:${step.id}:update`, out);
      }
    }
    trace(k, out, step.id, phase === 'get' ? 'apply' : (phase ?? 'apply'), { resource: ref.resource, ...(namespace ? { namespace } : {}), name: name || ((result.body as KubeObject).metadata?.name ?? '') }, result.code, result.body);
    step.queue.shift();
    step.attempts = 0;
    return next(k, step, out);
  }
  const ref =
    'node' in c
      ? { resource: 'nodes', name: c.node }
      : (() => {
          const r = k.config.resolveKind(undefined, c.kind);
          return { resource: r?.resource ?? c.kind, name: c.name, ...(r?.namespaced ? { namespace: c.namespace ?? 'default' } : {}) };
        })();
  trace(k, out, step.id, c.type, ref, result.code, result.body);
  k.steps.delete(step.id);
}

/** Retry timer of a step waiting for the cluster. */
export function onRetry(k: KubectlState, id: string, out: Output): void {
  const step = k.steps.get(id);
  if (step) next(k, step, out);
}

export function onApiResponse(k: KubectlState, res: ApiResponse, out: Output): void {
  const result = onResponse(k.client, res, out);
  if (result) onResult(k, result, out);
}

export function onApiRefused(k: KubectlState, reqId: number, out: Output): void {
  const result = onConnectionRefused(k.client, reqId, out);
  if (result && 'code' in result) onResult(k, result, out);
}

export function onApiTimeout(k: KubectlState, reqId: number, out: Output): void {
  const result = onRequestTimeout(k.client, reqId);
  if (result) onResult(k, result, out);
}

/** What `kubectl apply` says of a manifest whose (apiVersion, kind) the server does not serve (meta.NoKindMatchError). */
function noKindMatch(obj: { kind?: string; apiVersion?: string }): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: `no matches for kind "${obj.kind ?? ''}" in version "${obj.apiVersion ?? ''}"`, reason: 'NotFound', code: 404 };
}

function notFoundKind(obj: { kind?: string }): ApiStatus {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: `the server doesn't have a resource type "${obj.kind ?? ''}"`, reason: 'NotFound', code: 404 };
}
