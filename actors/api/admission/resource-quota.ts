/**
 * ResourceQuota (apiserver pkg/admission/plugin/resourcequota, controller.go CheckRequest), the
 * last validating plugin. It charges a CREATE against every ResourceQuota of the namespace whose
 * `status.hard` names a resource the object uses and whose scopes match it:
 *
 * - a quota on cpu/memory requires every container to state it:
 *   403 `failed quota: q: must specify limits.cpu for: app; requests.cpu for: app`;
 * - a quota without `status.used` for a tracked resource: `status unknown for quota: q, resources: …`;
 * - going over: 403 `exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=1,
 *   limited: requests.cpu=2` (only the exceeded resources, sorted, `name=value` joined by ",").
 *
 * Enforcement reads `status.hard` and `status.used`, which the quota controller fills; a quota
 * whose status is still empty enforces nothing, as upstream. On success the new `status.used` of
 * every charged quota is returned as `quotaUsage` for the apiserver to write.
 *
 * Evaluators: pods (count/pods, pods, cpu, memory, ephemeral-storage, requests.*, limits.*,
 * hugepages, extended `requests.<name>`; scopes Terminating, NotTerminating, BestEffort,
 * NotBestEffort, PriorityClass, CrossNamespacePodAffinity) and an object counter for everything
 * else (`count/<resource>[.<group>]`, plus the legacy names configmaps, secrets, services,
 * replicationcontrollers, resourcequotas, persistentvolumeclaims). Not modelled: services'
 * loadbalancers/nodeports and PVC storage evaluators, `limitedResources` configuration.
 */
import { QuantityError } from '../quantity.ts';
import type { KubeObject } from '../protocol.ts';
import { parseTimestamp } from '../time.ts';
import { allContainers, isBestEffort, podResources, podSpec, type Pod, type PodSpec } from './pod.ts';
import { addLists, formatList, formatQty, maskList, parseResourceList, type Qty, type ResourceList } from './quantity-format.ts';
import {
  admissionForbidden,
  ALLOW,
  byName,
  groupOf,
  type AdmissionAttributes,
  type AdmissionLookup,
  type AdmissionPlugin,
  type AdmissionResult,
  type QuotaUsage,
} from './types.ts';

type Quantities = Record<string, string | number>;

export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export type ResourceQuotaObject = KubeObject & {
  spec?: { hard?: Quantities; scopes?: string[]; scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] } };
  status?: { hard?: Quantities; used?: Quantities };
};

interface Evaluator {
  handles(attrs: AdmissionAttributes): boolean;
  /** The subset of `names` this evaluator tracks, in input order. */
  matchingResources(names: readonly string[]): string[];
  matchesScope(selector: ScopedResourceSelectorRequirement, obj: KubeObject): boolean;
  /** An error text when the object omits something a tracked resource requires. */
  constraints(required: readonly string[], obj: KubeObject): string | undefined;
  usage(obj: KubeObject): ResourceList;
}

const ONE: Qty = Object.freeze({ milli: 1000n, format: 'DecimalSI' });

// ------------------------------------------------------------------------------- pods

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
/** Tracking these obliges every container to set them (a documented upstream mistake). */
const VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const isNativeResource = (name: string): boolean => !name.includes('/') || name.startsWith('kubernetes.io/');
const isExtendedResourceName = (name: string): boolean => !isNativeResource(name) && !name.startsWith('requests.');
const isExtendedResourceNameForQuota = (name: string): boolean => !isNativeResource(name) && name.startsWith('requests.');

/** podComputeUsageHelper. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req !== undefined) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim !== undefined) out.set(`limits.${r}`, lim);
  }
  for (const [name, q] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, q);
      out.set(`requests.${name}`, q);
    }
    if (isExtendedResourceName(name)) out.set(`requests.${name}`, q);
  }
  return out;
}

/**
 * QuotaV1Pod: terminal pods (Succeeded, Failed) and pods whose deletion grace period has run out
 * by `nowMs` (virtual ms) are charged only for count/pods.
 */
export function podChargesCompute(pod: Pod, nowMs?: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const meta = pod.metadata;
  if (nowMs !== undefined && meta?.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined) {
    const deletedAt = parseTimestamp(meta.deletionTimestamp);
    if (nowMs > deletedAt + meta.deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

/** PodUsageFunc: the quota usage of one pod. Throws QuantityError on a malformed quantity. */
export function podUsage(pod: KubeObject, nowMs?: number): ResourceList {
  const usage: ResourceList = new Map([['count/pods', ONE]]);
  if (!podChargesCompute(pod as Pod, nowMs)) return usage;
  const spec = podSpec(pod);
  return addLists(usage, computeUsage(podResources(spec, 'requests'), podResources(spec, 'limits')));
}

function crossNamespaceAffinity(spec: PodSpec): boolean {
  type Term = { namespaces?: string[]; namespaceSelector?: unknown };
  type Weighted = { podAffinityTerm?: Term };
  type Aff = { requiredDuringSchedulingIgnoredDuringExecution?: Term[]; preferredDuringSchedulingIgnoredDuringExecution?: Weighted[] };
  const affinity = spec.affinity as { podAffinity?: Aff; podAntiAffinity?: Aff } | undefined;
  const cross = (t: Term | undefined): boolean => t !== undefined && ((t.namespaces ?? []).length > 0 || t.namespaceSelector != null);
  return [affinity?.podAffinity, affinity?.podAntiAffinity].some(
    (a) =>
      (a?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(cross) ||
      (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((w) => cross(w.podAffinityTerm)),
  );
}

/** podMatchesScopeFunc. */
function podMatchesScope(selector: ScopedResourceSelectorRequirement, pod: KubeObject): boolean {
  const spec = podSpec(pod);
  const terminating = spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds >= 0;
  switch (selector.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return isBestEffort(spec);
    case 'NotBestEffort':
      return !isBestEffort(spec);
    case 'PriorityClass': {
      const pc = spec.priorityClassName ?? '';
      switch (selector.operator) {
        case 'Exists':
          return pc !== '';
        case 'DoesNotExist':
          return pc === '';
        case 'In':
          return pc !== '' && (selector.values ?? []).includes(pc);
        case 'NotIn':
          return pc === '' || !(selector.values ?? []).includes(pc);
        default:
          return false;
      }
    }
    case 'CrossNamespacePodAffinity':
      return crossNamespaceAffinity(spec);
    default:
      return false;
  }
}

const podEvaluator: Evaluator = {
  handles: (attrs) => attrs.operation === 'CREATE' && !attrs.subresource,
  matchingResources: (names) =>
    names.filter((n) => POD_RESOURCES.includes(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || isExtendedResourceNameForQuota(n)),
  matchesScope: podMatchesScope,
  constraints(required, pod) {
    const requiredSet = required.filter((r) => VALIDATION_SET.has(r));
    const missing = new Map<string, Set<string>>();
    for (const { container } of allContainers(podSpec(pod))) {
      const have = computeUsage(parseResourceList(container.resources?.requests), parseResourceList(container.resources?.limits));
      for (const r of requiredSet) {
        if (have.has(r)) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(container.name);
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
  usage: (pod) => podUsage(pod),
};

// ---------------------------------------------------------------------- object counting

const LEGACY_COUNT_NAMES = new Set(['configmaps', 'secrets', 'services', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);

function countEvaluator(resource: string, group: string): Evaluator {
  const names = [`count/${group === '' ? resource : `${resource}.${group}`}`];
  if (group === '' && LEGACY_COUNT_NAMES.has(resource)) names.push(resource);
  return {
    handles: (attrs) => attrs.operation === 'CREATE',
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    // generic.MatchesNoScopeFunc: a quota with scopes never matches a counted object.
    matchesScope: () => false,
    constraints: () => undefined,
    usage: () => new Map(names.map((n) => [n, ONE])),
  };
}

// ------------------------------------------------------------------------------ plugin

/** quota.IgnoredResources defaults: events are never charged. */
const IGNORED = new Set(['events', 'events.events.k8s.io']);

/** prettyPrint: `name=value` sorted by name, joined by ",". */
function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatQty(list.get(k)!)}`)
    .join(',');
}

function scopeSelectors(quota: ResourceQuotaObject): ScopedResourceSelectorRequirement[] {
  return [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

function evaluatorFor(attrs: AdmissionAttributes): Evaluator {
  const group = groupOf(attrs);
  return attrs.resource === 'pods' && group === '' ? podEvaluator : countEvaluator(attrs.resource, group);
}

export function validateResourceQuota(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (attrs.subresource) return ALLOW;
  const ns = attrs.namespace ?? '';
  if (ns === '' || (attrs.resource === 'namespaces' && groupOf(attrs) === '')) return ALLOW;
  const group = groupOf(attrs);
  if (IGNORED.has(group === '' ? attrs.resource : `${attrs.resource}.${group}`)) return ALLOW;
  const obj = attrs.object;
  if (!obj) return ALLOW;
  // Most namespaces have no quota: nothing to evaluate, no evaluator to build (every write).
  const listed = lookup.list('resourcequotas', ns) as ResourceQuotaObject[];
  if (listed.length === 0) return ALLOW;
  const evaluator = evaluatorFor(attrs);
  if (!evaluator.handles(attrs)) return ALLOW;
  const quotas = listed.slice().sort(byName);

  try {
    const interesting: { quota: ResourceQuotaObject; hard: ResourceList; used: ResourceList }[] = [];
    for (const quota of quotas) {
      const name = quota.metadata?.name ?? '';
      const hard = parseResourceList(quota.status?.hard);
      const restricted = evaluator.matchingResources([...hard.keys()]);
      if (restricted.length === 0) continue;
      if (!scopeSelectors(quota).every((s) => evaluator.matchesScope(s, obj))) continue;
      const failed = evaluator.constraints(restricted, obj);
      if (failed) return { error: admissionForbidden(attrs, `failed quota: ${name}: ${failed}`) };
      const used = parseResourceList(quota.status?.used);
      if (restricted.some((r) => !used.has(r))) {
        return { error: admissionForbidden(attrs, `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}`) };
      }
      interesting.push({ quota, hard, used });
    }
    if (interesting.length === 0) return ALLOW;

    const usage = evaluator.usage(obj);
    const negative = [...usage].filter(([, q]) => q.milli < 0n).map(([k]) => k);
    if (negative.length > 0) return { error: admissionForbidden(attrs, `quota usage is negative for resource(s): ${negative.sort().join(',')}`) };
    // quota.RemoveZeros
    const delta: ResourceList = new Map([...usage].filter(([, q]) => q.milli !== 0n));

    const charged: QuotaUsage[] = [];
    for (const { quota, hard, used } of interesting) {
      if (delta.size === 0) continue;
      const requested = maskList(delta, hard.keys());
      const newUsage = addLists(used, requested);
      const exceeded = [...hard.keys()].filter((k) => requested.has(k) && newUsage.get(k)!.milli > hard.get(k)!.milli);
      if (exceeded.length > 0) {
        const name = quota.metadata?.name ?? '';
        return {
          error: admissionForbidden(
            attrs,
            `exceeded quota: ${name}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
          ),
        };
      }
      charged.push({ quota: quota.metadata?.name ?? '', namespace: ns, used: formatList(newUsage) });
    }
    return charged.length > 0 ? { quotaUsage: charged } : ALLOW;
  } catch (e) {
    // A malformed quantity in the object is the validation step's to report.
    if (e instanceof QuantityError) return ALLOW;
    throw e;
  }
}

/**
 * What the quota controller computes for `status.used` from the pods of the namespace (only the
 * pod-tracked resources of `status.hard`/`spec.hard`), in Kubernetes' formatting. Tracked
 * resources start at zero, so an empty namespace reports "0".
 */
export function podQuotaUsed(quota: ResourceQuotaObject, pods: readonly KubeObject[], nowMs?: number): Record<string, string> {
  const hardNames = Object.keys(quota.status?.hard ?? quota.spec?.hard ?? {}).sort();
  const tracked = podEvaluator.matchingResources(hardNames);
  let used: ResourceList = new Map(tracked.map((n) => [n, { milli: 0n, format: 'DecimalSI' } as Qty]));
  const selectors = scopeSelectors(quota);
  for (const pod of pods) {
    if (!selectors.every((s) => podMatchesScope(s, pod))) continue;
    used = addLists(used, maskList(podUsage(pod, nowMs), tracked));
  }
  return formatList(used);
}

export const ResourceQuota: AdmissionPlugin = {
  name: 'ResourceQuota',
  operations: ['CREATE', 'UPDATE'],
  validate: validateResourceQuota,
};
