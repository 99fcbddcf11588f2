/**
 * Test builders (in the manner of the scheduler's pkg/scheduler/testing wrappers): an in-memory
 * AdmissionLookup and small object makers, for the admission and auth tests and for callers that
 * want to exercise the chain without an apiserver.
 */
import type { AdmissionAttributes, AdmissionLookup } from './types.ts';
import type { UserInfo } from '../auth/types.ts';
import type { KubeObject } from '../protocol.ts';

export const ALICE: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

/** A lookup over `[resource, object]` pairs (namespace taken from the object). */
export function lookupOf(...entries: [string, KubeObject][]): AdmissionLookup {
  return {
    get(resource, namespace, name) {
      return entries.find(([r, o]) => r === resource && o.metadata?.name === name && (o.metadata?.namespace ?? undefined) === (namespace || undefined))?.[1];
    },
    list(resource, namespace) {
      return entries.filter(([r, o]) => r === resource && (namespace === undefined || o.metadata?.namespace === namespace)).map(([, o]) => o);
    },
  };
}

export function namespace(name: string, phase: 'Active' | 'Terminating' = 'Active'): [string, KubeObject] {
  return ['namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } }];
}

export function serviceAccount(ns: string, name: string, extra: Record<string, unknown> = {}): [string, KubeObject] {
  return ['serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns }, ...extra }];
}

/** A namespace with its `default` service account: what every test pod needs to pass admission. */
export function readyNamespace(name: string): [string, KubeObject][] {
  return [namespace(name), serviceAccount(name, 'default')];
}

export interface ContainerSpec {
  name?: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export function pod(name: string, ns = 'default', containers: ContainerSpec[] = [{}], spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      containers: containers.map((c, i) => ({
        name: c.name ?? (i === 0 ? 'app' : `app${i}`),
        image: 'nginx',
        ...(c.requests || c.limits ? { resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } } : {}),
      })),
      ...spec,
    },
  };
}

export function createAttrs(resource: string, obj: KubeObject, user: UserInfo = ALICE, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource,
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata?.name ?? '',
    object: obj,
    user,
    ...extra,
  };
}
