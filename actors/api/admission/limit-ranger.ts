/**
 * LimitRanger (plugin/pkg/admission/limitranger/admission.go), mutating and validating, for pods
 * (CREATE only: containers are immutable afterwards) and PersistentVolumeClaims.
 *
 * Mutating: for every LimitRange in the namespace, each `type: Container` item's `default`
 * (limits) and `defaultRequest` (requests) fill what a container or init container leaves unset,
 * and the pod is annotated `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request
 * for container app; cpu limit for container app`.
 *
 * Validating: min / max / maxLimitRequestRatio of Container and Pod items (and PVC storage), all
 * violations aggregated into one 403:
 * `pods "x" is forbidden: minimum cpu usage per Container is 100m, but request is 50m`.
 *
 * Item defaults are applied here as SetDefaults_LimitRangeItem does when a LimitRange is stored
 * (unset `default` ← `max`; unset `defaultRequest` ← `default`, else `min`), so a LimitRange that
 * skipped API defaulting behaves the same. Go iterates resource maps in random order; kubesim
 * visits resource names sorted, so aggregated messages have a stable order.
 */
import { QuantityError } from '../quantity.ts';
import type { KubeObject } from '../protocol.ts';
import { allContainers, podResources, podSpec, type Container, type PodSpec } from './pod.ts';
import { cmpQty, formatQty, parseQty, parseResourceList, type Qty, type ResourceList } from './quantity-format.ts';
import {
  admissionForbidden,
  aggregate,
  ALLOW,
  byName,
  cloneObject,
  isResource,
  sortedKeys,
  type AdmissionAttributes,
  type AdmissionLookup,
  type AdmissionPlugin,
  type AdmissionResult,
} from './types.ts';

type Quantities = Record<string, string | number>;

export interface LimitRangeItem {
  type: 'Container' | 'Pod' | 'PersistentVolumeClaim' | string;
  max?: Quantities;
  min?: Quantities;
  default?: Quantities;
  defaultRequest?: Quantities;
  maxLimitRequestRatio?: Quantities;
}

export type LimitRange = KubeObject & { spec?: { limits?: LimitRangeItem[] } };

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** SetDefaults_LimitRangeItem (pkg/apis/core/v1/defaults.go). */
export function defaultLimitRangeItem(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') return item;
  const def: Quantities = { ...(item.default ?? {}) };
  const defReq: Quantities = { ...(item.defaultRequest ?? {}) };
  for (const k of sortedKeys(item.max)) if (!(k in def)) def[k] = item.max![k]!;
  for (const k of sortedKeys(def)) if (!(k in defReq)) defReq[k] = def[k]!;
  for (const k of sortedKeys(item.min)) if (!(k in defReq)) defReq[k] = item.min![k]!;
  return { ...item, default: def, defaultRequest: defReq };
}

function limitRanges(attrs: AdmissionAttributes, lookup: AdmissionLookup): LimitRange[] {
  return (lookup.list('limitranges', attrs.namespace) as LimitRange[])
    .slice()
    .sort(byName);
}

/** SupportsAttributes: pods on CREATE and PVCs on CREATE/UPDATE, never a subresource. */
function supports(attrs: AdmissionAttributes): boolean {
  if (attrs.subresource) return false;
  if (!attrs.object) return false;
  if (isResource(attrs, 'pods')) return attrs.operation === 'CREATE';
  return isResource(attrs, 'persistentvolumeclaims');
}

/** Objects already marked for deletion are ignored. */
function beingDeleted(attrs: AdmissionAttributes): boolean {
  return attrs.oldObject?.metadata?.deletionTimestamp !== undefined;
}

// ---------------------------------------------------------------------------------- mutating

function mergeContainer(container: Container, limits: Quantities, requests: Quantities, prefix: string, notes: string[]): void {
  const curLimits = container.resources?.limits ?? {};
  const curRequests = container.resources?.requests ?? {};
  const setLimits = sortedKeys(limits).filter((k) => !(k in curLimits));
  const setRequests = sortedKeys(requests).filter((k) => !(k in curRequests));
  if (setLimits.length === 0 && setRequests.length === 0) return;
  const resources = (container.resources ??= {});
  if (setLimits.length > 0) resources.limits = { ...curLimits, ...Object.fromEntries(setLimits.map((k) => [k, limits[k]!])) };
  if (setRequests.length > 0) resources.requests = { ...curRequests, ...Object.fromEntries(setRequests.map((k) => [k, requests[k]!])) };
  if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${prefix} ${container.name}`);
  if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${container.name}`);
}

function mutatePod(pod: KubeObject, range: LimitRange): void {
  const limits: Quantities = {};
  const requests: Quantities = {};
  for (const raw of range.spec?.limits ?? []) {
    const item = defaultLimitRangeItem(raw);
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  const spec = podSpec(pod);
  const notes: string[] = [];
  for (const c of spec.containers ?? []) mergeContainer(c, limits, requests, 'container', notes);
  for (const c of spec.initContainers ?? []) mergeContainer(c, limits, requests, 'init container', notes);
  if (notes.length > 0) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

export function admitLimitRanger(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (!supports(attrs) || beingDeleted(attrs) || !isResource(attrs, 'pods')) return ALLOW;
  const ranges = limitRanges(attrs, lookup);
  if (ranges.length === 0) return ALLOW;
  const pod = cloneObject(attrs.object!);
  for (const range of ranges) mutatePod(pod, range);
  return { object: pod };
}

// -------------------------------------------------------------------------------- validating

/** What a constraint compares: the observed request and limit lists, and the enforced value. */
function minConstraint(type: string, name: string, enforced: Qty, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (req === undefined) return `minimum ${name} usage per ${type} is ${formatQty(enforced)}.  No request is specified`;
  if (cmpQty(req, enforced) < 0) return `minimum ${name} usage per ${type} is ${formatQty(enforced)}, but request is ${formatQty(req)}`;
  if (lim !== undefined && cmpQty(lim, enforced) < 0) return `minimum ${name} usage per ${type} is ${formatQty(enforced)}, but limit is ${formatQty(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Qty, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (lim === undefined) return `maximum ${name} usage per ${type} is ${formatQty(enforced)}.  No limit is specified`;
  if (cmpQty(lim, enforced) > 0) return `maximum ${name} usage per ${type} is ${formatQty(enforced)}, but limit is ${formatQty(lim)}`;
  if (req !== undefined && cmpQty(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${formatQty(enforced)}, but request is ${formatQty(req)}`;
  return undefined;
}

/** maxRequestConstraint: PVCs have no limits, so max applies to the request. */
function maxRequestConstraint(type: string, name: string, enforced: Qty, request: ResourceList): string | undefined {
  const req = request.get(name);
  if (req === undefined) return `maximum ${name} usage per ${type} is ${formatQty(enforced)}.  No request is specified`;
  if (cmpQty(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${formatQty(enforced)}, but request is ${formatQty(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Qty, request: ResourceList, limit: ResourceList): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (req === undefined || req.milli === 0n) {
    return `${name} max limit to request ratio per ${type} is ${formatQty(enforced)}, but no request is specified or request is 0`;
  }
  if (lim === undefined || lim.milli === 0n) {
    return `${name} max limit to request ratio per ${type} is ${formatQty(enforced)}, but no limit is specified or limit is 0`;
  }
  // observed = lim/req compared with enforced, exactly: lim * 1000 > enforced.milli * req.
  if (lim.milli * 1000n > enforced.milli * req.milli) {
    const ratio = Number(lim.milli) / Number(req.milli);
    return `${name} max limit to request ratio per ${type} is ${formatQty(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  }
  return undefined;
}

function checkItem(type: string, item: LimitRangeItem, request: ResourceList, limit: ResourceList, errs: string[]): void {
  for (const k of sortedKeys(item.min)) {
    const e = minConstraint(type, k, parseQty(item.min![k]!), request, limit);
    if (e) errs.push(e);
  }
  for (const k of sortedKeys(item.max)) {
    const e = maxConstraint(type, k, parseQty(item.max![k]!), request, limit);
    if (e) errs.push(e);
  }
  for (const k of sortedKeys(item.maxLimitRequestRatio)) {
    const e = ratioConstraint(type, k, parseQty(item.maxLimitRequestRatio![k]!), request, limit);
    if (e) errs.push(e);
  }
}

function validatePod(spec: PodSpec, range: LimitRange): string[] {
  const errs: string[] = [];
  for (const raw of range.spec?.limits ?? []) {
    const item = defaultLimitRangeItem(raw);
    if (item.type === 'Container') {
      for (const { container } of allContainers(spec)) {
        checkItem('Container', item, parseResourceList(container.resources?.requests), parseResourceList(container.resources?.limits), errs);
      }
    }
    if (item.type === 'Pod') checkItem('Pod', item, podResources(spec, 'requests'), podResources(spec, 'limits'), errs);
  }
  return errs;
}

function validatePvc(pvc: KubeObject, range: LimitRange): string[] {
  const errs: string[] = [];
  const requests = parseResourceList((pvc.spec as { resources?: { requests?: Quantities } } | undefined)?.resources?.requests);
  for (const item of range.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const k of sortedKeys(item.min)) {
      const e = minConstraint('PersistentVolumeClaim', k, parseQty(item.min![k]!), requests, new Map());
      if (e) errs.push(e);
    }
    for (const k of sortedKeys(item.max)) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, parseQty(item.max![k]!), requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

export function validateLimitRanger(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  if (!supports(attrs) || beingDeleted(attrs)) return ALLOW;
  for (const range of limitRanges(attrs, lookup)) {
    let errs: string[];
    try {
      errs = isResource(attrs, 'pods') ? validatePod(podSpec(attrs.object), range) : validatePvc(attrs.object!, range);
    } catch (e) {
      // A malformed quantity is the validation step's to report; LimitRanger cannot judge it.
      if (e instanceof QuantityError) return ALLOW;
      throw e;
    }
    if (errs.length > 0) return { error: admissionForbidden(attrs, aggregate(errs)) };
  }
  return ALLOW;
}

export const LimitRanger: AdmissionPlugin = {
  name: 'LimitRanger',
  operations: ['CREATE', 'UPDATE'],
  admit: admitLimitRanger,
  validate: validateLimitRanger,
};
