/** Deployments and ReplicaSets (pkg/apis/apps/validation/validation.go). */

import type { FieldCause } from '../errors.ts';
import { forbidden, goStruct, invalid, notSupported, required } from '../field-errors.ts';
import { selectorFromLabelSelector, validateLabelSelector, type LabelSelector } from '../labels/label-selector.ts';
import { validateLabels } from '../labels/names.ts';
import { matches } from '../labels/selector-match.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, FIELD_IMMUTABLE, IS_NEGATIVE, isObject, num, rec, str, strMap, canonicalJson, nonNegative, type Json } from './helpers.ts';
import { validateAnnotations } from './meta.ts';
import { validatePodSpec } from './pod.ts';
import type { ValidationOptions } from './entry.ts';

/** How Go prints a *metav1.LabelSelector: a struct, fields in declaration order, empty ones omitted. */
export function selectorValue(selector: unknown): unknown {
  if (!isObject(selector)) return null;
  const exprs = arr(selector['matchExpressions']).map((e) => {
    const r = rec(e);
    return goStruct({ key: r['key'], operator: r['operator'], values: arr(r['values']).length > 0 ? r['values'] : undefined });
  });
  const labels = strMap(selector['matchLabels']);
  return goStruct({
    matchLabels: labels && Object.keys(labels).length > 0 ? labels : undefined,
    matchExpressions: exprs.length > 0 ? exprs : undefined,
  });
}

/** ValidatePodTemplateSpecForReplicaSet. */
export function validateTemplateForReplicaSet(spec: Json, kind: 'Deployment' | 'ReplicaSet'): FieldCause[] {
  const causes: FieldCause[] = [];
  const template = rec(spec['template']);
  const templateMeta = rec(template['metadata']);
  const templateLabels = strMap(templateMeta['labels']);
  const selector = selectorFromLabelSelector(isObject(spec['selector']) ? (spec['selector'] as LabelSelector) : undefined);
  if ('error' in selector) {
    causes.push(invalid('spec.selector', selectorValue(spec['selector']), 'invalid label selector'));
    return causes;
  }
  // A nil selector selects nothing and is not "empty", so it also fails this check, as in Go.
  const empty = selector.type === 'requirements' && selector.requirements.length === 0;
  if (!empty && !matches(selector, templateLabels)) {
    causes.push(invalid('spec.template.metadata.labels', templateLabels ?? null, '`selector` does not match template `labels`'));
  }
  // ValidatePodTemplateSpec: the template's labels are reported at spec.template.labels (sic).
  causes.push(...validateLabels(templateLabels, 'spec.template.labels'));
  causes.push(...validateAnnotations(strMap(templateMeta['annotations']), 'spec.template.annotations'));
  const podSpec = rec(template['spec']);
  causes.push(...validatePodSpec(podSpec, 'spec.template.spec'));
  if (arr(podSpec['ephemeralContainers']).length > 0) {
    causes.push(forbidden('spec.template.spec.ephemeralContainers', 'ephemeral containers not allowed in pod template'));
  }
  const restartPolicy = str(podSpec['restartPolicy']);
  if (restartPolicy !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (podSpec['activeDeadlineSeconds'] !== undefined) {
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return causes;
}

export function validateSelectorPresent(spec: Json): FieldCause[] {
  const selector = spec['selector'];
  if (!isObject(selector)) return [required('spec.selector')];
  const causes = validateLabelSelector(selector as LabelSelector, 'spec.selector');
  const labels = Object.keys(rec(selector['matchLabels'])).length;
  const exprs = arr(selector['matchExpressions']).length;
  if (labels + exprs === 0) causes.push(invalid('spec.selector', selectorValue(selector), 'empty selector is invalid for deployment'));
  return causes;
}

/** IntOrString as Go reads it: a number, or "N%" as N, anything else 0. */
export function intOrPercent(value: unknown): { value: number; isPercent: boolean; valid: boolean } {
  if (typeof value === 'number') return { value, isPercent: false, valid: true };
  if (typeof value === 'string') {
    if (/^[0-9]+%$/.test(value)) return { value: Number(value.slice(0, -1)), isPercent: true, valid: true };
    return { value: /^[+-]?\d+$/.test(value) ? Number(value) : 0, isPercent: false, valid: false };
  }
  return { value: 0, isPercent: false, valid: false };
}

export function validatePositiveIntOrPercent(value: unknown, path: string): FieldCause[] {
  if (typeof value === 'string') {
    return intOrPercent(value).valid
      ? []
      : [invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')")];
  }
  if (typeof value === 'number') return value < 0 ? [invalid(path, value, IS_NEGATIVE)] : [];
  return [invalid(path, value ?? null, "must be an integer or percentage (e.g '5%%')")];
}

export function validateDeploymentStrategy(spec: Json): FieldCause[] {
  const strategy = rec(spec['strategy']);
  const type = str(strategy['type']);
  if (type === 'Recreate') {
    return strategy['rollingUpdate'] !== undefined ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === 'RollingUpdate') {
    if (!isObject(strategy['rollingUpdate'])) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
    const ru = strategy['rollingUpdate'] as Json;
    const causes = [
      ...validatePositiveIntOrPercent(ru['maxUnavailable'], 'spec.strategy.rollingUpdate.maxUnavailable'),
      ...validatePositiveIntOrPercent(ru['maxSurge'], 'spec.strategy.rollingUpdate.maxSurge'),
    ];
    const unavailable = intOrPercent(ru['maxUnavailable']);
    if (unavailable.value === 0 && intOrPercent(ru['maxSurge']).value === 0) {
      causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'] ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
    if (unavailable.isPercent && unavailable.value > 100) {
      causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'], 'must not be greater than 100%'));
    }
    return causes;
  }
  return [notSupported('spec.strategy', goStruct({ type, rollingUpdate: strategy['rollingUpdate'] }), ['Recreate', 'RollingUpdate'])];
}

export function validateDeploymentSpec(spec: Json): FieldCause[] {
  const causes = [...nonNegative(spec, 'replicas', 'spec.replicas'), ...validateSelectorPresent(spec)];
  causes.push(...validateTemplateForReplicaSet(spec, 'Deployment'));
  causes.push(...validateDeploymentStrategy(spec));
  causes.push(...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit'));
  const pds = num(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    causes.push(...nonNegative(spec, 'progressDeadlineSeconds', 'spec.progressDeadlineSeconds'));
    if (pds <= (num(spec['minReadySeconds']) ?? 0)) causes.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

export function validateReplicaSetSpec(spec: Json): FieldCause[] {
  return [
    ...nonNegative(spec, 'replicas', 'spec.replicas'),
    ...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'),
    ...validateSelectorPresent(spec),
    ...validateTemplateForReplicaSet(spec, 'ReplicaSet'),
  ];
}

/** The registry's extra update rule: the selector is immutable unless the request came through extensions/v1beta1. */
export function selectorImmutable(newObj: KubeObject, oldObj: KubeObject, opts: ValidationOptions): FieldCause[] {
  const version = opts.requestApiVersion ?? newObj.apiVersion ?? '';
  if (version === 'extensions/v1beta1' || version === 'apps/v1beta1' || version === 'apps/v1beta2') return [];
  const a = rec(newObj['spec'])['selector'];
  const b = rec(oldObj['spec'])['selector'];
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [invalid('spec.selector', selectorValue(a), FIELD_IMMUTABLE)];
}
