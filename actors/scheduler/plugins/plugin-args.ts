/**
 * Validation of each plugin's `pluginConfig[].args`, as kube's
 * `pkg/scheduler/apis/config/validation/validation_pluginargs.go` plus strict decoding (an unknown
 * field is an error). Every check returns field errors whose path is the args' path in the
 * configuration, e.g. `profiles[0].pluginConfig[1].args.scoringStrategy.type`, and whose message
 * says what was expected, in the apiserver's field-error format
 * (`Invalid value: 0: not in valid range [1, 100]`).
 */
import type { FieldCause } from '../../api/errors.ts';
import { invalid, notSupported, required } from '../../api/labels.ts';
import { validateNodeResourcesFitArgs, validateResourceSpecs } from './node-resources-fit.ts';

export type ArgsValidator = (args: unknown, path: string) => FieldCause[];

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function unknown(path: string, field: string): FieldCause {
  return { field: `${path}.${field}`, reason: 'FieldValueNotSupported', message: `unknown field "${field}"` };
}

/** Rejects fields outside `allowed` (kube decodes args strictly); `apiVersion` and `kind` are always allowed. */
function checkFields(args: unknown, path: string, allowed: readonly string[]): { obj?: Record<string, unknown>; errs: FieldCause[] } {
  if (args === undefined || args === null) return { errs: [] };
  if (typeof args !== 'object' || Array.isArray(args)) return { errs: [invalid(path, args, 'must be an object')] };
  const obj = args as Record<string, unknown>;
  const errs: FieldCause[] = [];
  for (const k of Object.keys(obj)) if (k !== 'apiVersion' && k !== 'kind' && !allowed.includes(k)) errs.push(unknown(path, k));
  return { obj, errs };
}

function validateBool(obj: Record<string, unknown>, key: string, path: string, errs: FieldCause[]): void {
  const v = obj[key];
  if (v !== undefined && typeof v !== 'boolean') errs.push(invalid(`${path}.${key}`, v, 'must be true or false'));
}

export const validateNodeResourcesFit: ArgsValidator = (args, path) => {
  const { errs } = checkFields(args, path, ['ignoredResources', 'ignoredResourceGroups', 'scoringStrategy']);
  if (errs.length > 0) return errs;
  const ss = (args as { scoringStrategy?: unknown } | undefined)?.scoringStrategy;
  if (ss !== undefined && ss !== null && typeof ss === 'object') {
    errs.push(...checkFields(ss, `${path}.scoringStrategy`, ['type', 'resources', 'requestedToCapacityRatio']).errs);
    const rtcr = (ss as { requestedToCapacityRatio?: unknown }).requestedToCapacityRatio;
    if (rtcr !== undefined) errs.push(...checkFields(rtcr, `${path}.scoringStrategy.requestedToCapacityRatio`, ['shape']).errs);
  }
  return [...errs, ...validateNodeResourcesFitArgs(args, path)];
};

/** `ValidateInterPodAffinityArgs`: hardPodAffinityWeight in [0, 100]. */
export const validateInterPodAffinity: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods']);
  if (!obj) return errs;
  const w = obj.hardPodAffinityWeight;
  if (w !== undefined && (!isInt(w) || w < 0 || w > 100)) errs.push(invalid(`${path}.hardPodAffinityWeight`, w, 'not in valid range [0, 100]'));
  validateBool(obj, 'ignorePreferredTermsOfExistingPods', path, errs);
  return errs;
};

/** `ValidatePodTopologySpreadArgs`. */
export const validatePodTopologySpread: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['defaultConstraints', 'defaultingType']);
  if (!obj) return errs;
  const type = obj.defaultingType ?? 'System';
  if (type !== 'System' && type !== 'List') errs.push(notSupported(`${path}.defaultingType`, type, ['List', 'System']));
  const list = obj.defaultConstraints;
  if (list === undefined || list === null) return errs;
  if (!Array.isArray(list)) return [...errs, invalid(`${path}.defaultConstraints`, list, 'must be a list of topology spread constraints')];
  if (type === 'System' && list.length > 0) errs.push(invalid(`${path}.defaultingType`, type, 'when .defaultConstraints are not empty'));
  const seen = new Set<string>();
  list.forEach((c: unknown, i) => {
    const p = `${path}.defaultConstraints[${i}]`;
    const checked = checkFields(c, p, ['maxSkew', 'topologyKey', 'whenUnsatisfiable', 'labelSelector', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy', 'matchLabelKeys']);
    errs.push(...checked.errs);
    const o = checked.obj;
    if (!o) {
      if (c === undefined || c === null) errs.push(required(p, 'a topology spread constraint'));
      return;
    }
    if (!isInt(o.maxSkew) || o.maxSkew <= 0) errs.push(invalid(`${p}.maxSkew`, o.maxSkew, 'not in valid range (0, inf)'));
    if (typeof o.topologyKey !== 'string' || o.topologyKey === '') errs.push(required(`${p}.topologyKey`, 'a node label key such as "topology.kubernetes.io/zone"'));
    if (o.whenUnsatisfiable !== 'DoNotSchedule' && o.whenUnsatisfiable !== 'ScheduleAnyway') errs.push(notSupported(`${p}.whenUnsatisfiable`, o.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    if (o.labelSelector !== undefined && o.labelSelector !== null) errs.push({ field: `${p}.labelSelector`, reason: 'FieldValueForbidden', message: 'Forbidden: constraint must not define a selector, as they deduced for each pod' });
    if (o.minDomains !== undefined && (!isInt(o.minDomains) || o.minDomains <= 0)) errs.push(invalid(`${p}.minDomains`, o.minDomains, 'not in valid range (0, inf)'));
    for (const k of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      if (o[k] !== undefined && o[k] !== 'Honor' && o[k] !== 'Ignore') errs.push(notSupported(`${p}.${k}`, o[k], ['Honor', 'Ignore']));
    }
    const key = `${String(o.topologyKey)}|${String(o.whenUnsatisfiable)}`;
    if (seen.has(key)) errs.push({ field: `${p}`, reason: 'FieldValueDuplicate', message: `Duplicate value: {${String(o.topologyKey)}, ${String(o.whenUnsatisfiable)}}` });
    seen.add(key);
  });
  return errs;
};

/** `ValidateDefaultPreemptionArgs`. */
export const validateDefaultPreemption: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
  if (!obj) return errs;
  const pct = obj.minCandidateNodesPercentage;
  const abs = obj.minCandidateNodesAbsolute;
  if (pct !== undefined && (!isInt(pct) || pct < 0 || pct > 100)) errs.push(invalid(`${path}.minCandidateNodesPercentage`, pct, 'not in valid range [0, 100]'));
  if (abs !== undefined && (!isInt(abs) || abs < 0)) errs.push(invalid(`${path}.minCandidateNodesAbsolute`, abs, 'not in valid range [0, inf)'));
  if (pct === 0 && abs === 0) errs.push(invalid(path, args, 'both minCandidateNodesPercentage and minCandidateNodesAbsolute cannot be zero'));
  return errs;
};

/** `ValidateNodeAffinityArgs` (shape only: the terms are matched as kube matches them). */
export const validateNodeAffinity: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['addedAffinity']);
  if (!obj) return errs;
  const a = obj.addedAffinity;
  if (a !== undefined && a !== null) {
    if (typeof a !== 'object' || Array.isArray(a)) errs.push(invalid(`${path}.addedAffinity`, a, 'must be a NodeAffinity object'));
    else errs.push(...checkFields(a, `${path}.addedAffinity`, ['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']).errs);
  }
  return errs;
};

/** `ValidateNodeResourcesBalancedAllocationArgs`. */
export const validateBalancedAllocation: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['resources']);
  if (!obj) return errs;
  if (obj.resources !== undefined) errs.push(...validateResourceSpecs(obj.resources, `${path}.resources`));
  return errs;
};

/** TaintToleration has no args upstream; kubesim accepts `hideTaintValues` (the v1.35 reason). */
export const validateTaintToleration: ArgsValidator = (args, path) => {
  const { obj, errs } = checkFields(args, path, ['hideTaintValues']);
  if (obj) validateBool(obj, 'hideTaintValues', path, errs);
  return errs;
};

/** Plugins without args: any field is unknown. */
export const validateNoArgs: ArgsValidator = (args, path) => checkFields(args, path, []).errs;
