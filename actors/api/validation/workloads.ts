/**
 * DaemonSets, StatefulSets, ControllerRevisions (pkg/apis/apps/validation), ReplicationControllers
 * (pkg/apis/core/validation), Jobs and CronJobs (pkg/apis/batch/validation) and
 * PodDisruptionBudgets (pkg/apis/policy/validation). Pod templates are checked as a Pod's spec is,
 * under the template's path (`spec.template.spec.containers[0].image`,
 * `spec.jobTemplate.spec.template.spec...`).
 */

import type { FieldCause } from '../errors.ts';
import { duplicate as duplicateValue, forbidden, goStruct, invalid, notSupported, required } from '../field-errors.ts';
import { selectorFromLabelSelector, validateLabelSelector, type LabelSelector } from '../labels/label-selector.ts';
import { validateLabels } from '../labels/names.ts';
import { matches } from '../labels/selector-match.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, canonicalJson, FIELD_IMMUTABLE, isObject, nonNegative, num, rec, str, strMap, type Json } from './helpers.ts';
import { intOrPercent, selectorValue, validatePositiveIntOrPercent } from './apps.ts';
import { validateAnnotations } from './meta.ts';
import { validatePodSpec } from './pod.ts';
import { validateCronSchedule } from './cron.ts';

const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/**
 * ValidatePodTemplateSpec under `path` ("spec.template"): labels and annotations (reported at
 * `<path>.labels`, sic, as Go's ValidateObjectMeta on the template's metadata does), the pod spec,
 * no ephemeral containers.
 */
export function validatePodTemplate(template: Json, path: string): FieldCause[] {
  const meta = rec(template['metadata']);
  const causes = [...validateLabels(strMap(meta['labels']), `${path}.labels`), ...validateAnnotations(strMap(meta['annotations']), `${path}.annotations`)];
  const podSpec = rec(template['spec']);
  causes.push(...validatePodSpec(podSpec, `${path}.spec`));
  if (arr(podSpec['ephemeralContainers']).length > 0) causes.push(forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return causes;
}

/** The rules a long-running controller's template adds: restartPolicy Always, no activeDeadlineSeconds. */
function alwaysRestarting(template: Json, path: string, kind: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const podSpec = rec(template['spec']);
  const restartPolicy = str(podSpec['restartPolicy']);
  if (restartPolicy !== 'Always') causes.push(notSupported(`${path}.spec.restartPolicy`, restartPolicy, ['Always']));
  if (podSpec['activeDeadlineSeconds'] !== undefined) causes.push(forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  return causes;
}

/** A structured selector that must be set and non-empty, and must select the template's labels. */
function structuredSelector(spec: Json, path: string, emptyText: string | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  const raw = spec['selector'];
  if (!isObject(raw)) causes.push(required(`${path}.selector`));
  else {
    causes.push(...validateLabelSelector(raw as LabelSelector, `${path}.selector`));
    if (emptyText && Object.keys(rec(raw['matchLabels'])).length + arr(raw['matchExpressions']).length === 0) {
      causes.push(invalid(`${path}.selector`, selectorValue(raw), emptyText));
    }
  }
  const selector = selectorFromLabelSelector(isObject(raw) ? (raw as LabelSelector) : undefined);
  const labels = strMap(rec(rec(spec['template'])['metadata'])['labels']);
  if (!('error' in selector) && !matches(selector, labels ?? {})) {
    causes.push(invalid(`${path}.template.metadata.labels`, labels ?? null, SELECTOR_MISMATCH));
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// apps/v1 DaemonSet, StatefulSet, ControllerRevision
// ---------------------------------------------------------------------------------------------

export function validateDaemonSetSpec(spec: Json): FieldCause[] {
  const template = rec(spec['template']);
  const causes = structuredSelector(spec, 'spec', 'empty selector is invalid for daemonset');
  causes.push(...validatePodTemplate(template, 'spec.template'), ...alwaysRestarting(template, 'spec.template', 'DaemonSet'));
  causes.push(...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit'));
  const strategy = rec(spec['updateStrategy']);
  const type = str(strategy['type']);
  if (type === 'RollingUpdate') {
    if (!isObject(strategy['rollingUpdate'])) causes.push(required('spec.updateStrategy.rollingUpdate'));
    else {
      const ru = strategy['rollingUpdate'] as Json;
      const p = 'spec.updateStrategy.rollingUpdate';
      causes.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], `${p}.maxUnavailable`));
      causes.push(...validatePositiveIntOrPercent(ru['maxSurge'], `${p}.maxSurge`));
      const unavailable = intOrPercent(ru['maxUnavailable']);
      const surge = intOrPercent(ru['maxSurge']);
      if (unavailable.value === 0 && surge.value === 0) {
        causes.push(invalid(`${p}.maxUnavailable`, ru['maxUnavailable'] ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      if (unavailable.value !== 0 && surge.value !== 0) {
        causes.push(invalid(`${p}.maxSurge`, ru['maxSurge'], 'may not be set when maxUnavailable is non-zero'));
      }
      if (unavailable.isPercent && unavailable.value > 100) causes.push(invalid(`${p}.maxUnavailable`, ru['maxUnavailable'], 'must not be greater than 100%'));
      if (surge.isPercent && surge.value > 100) causes.push(invalid(`${p}.maxSurge`, ru['maxSurge'], 'must not be greater than 100%'));
    }
  } else if (type !== 'OnDelete') {
    causes.push(notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  }
  return causes;
}

export function validateStatefulSetSpec(spec: Json): FieldCause[] {
  const causes: FieldCause[] = [];
  const policy = str(spec['podManagementPolicy']);
  if (policy === '') causes.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') causes.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  const strategy = rec(spec['updateStrategy']);
  const type = str(strategy['type']);
  if (type === '') causes.push(required('spec.updateStrategy'));
  else if (type === 'OnDelete') {
    if (strategy['rollingUpdate'] !== undefined) causes.push(invalid('spec.updateStrategy.rollingUpdate', goStruct({ ...rec(strategy['rollingUpdate']) }), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    const ru = rec(strategy['rollingUpdate']);
    causes.push(...nonNegative(ru, 'partition', 'spec.updateStrategy.rollingUpdate.partition'));
  } else {
    causes.push(invalid('spec.updateStrategy', goStruct({ type, rollingUpdate: strategy['rollingUpdate'] }), "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = rec(spec['persistentVolumeClaimRetentionPolicy']);
  for (const f of ['whenDeleted', 'whenScaled']) {
    const v = str(retention[f]);
    if (v !== 'Retain' && v !== 'Delete') causes.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
  }
  causes.push(...nonNegative(spec, 'replicas', 'spec.replicas'));
  causes.push(...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit'));
  const ordinals = rec(spec['ordinals']);
  causes.push(...nonNegative(ordinals, 'start', 'spec.ordinals.start'));
  causes.push(...structuredSelector(spec, 'spec', 'empty selector is invalid for statefulset'));
  const template = rec(spec['template']);
  causes.push(...validatePodTemplate(template, 'spec.template'), ...alwaysRestarting(template, 'spec.template', 'StatefulSet'));
  arr(spec['volumeClaimTemplates']).forEach((t, i) => {
    const claim = rec(t);
    const p = `spec.volumeClaimTemplates[${i}]`;
    if (str(rec(claim['metadata'])['name']) === '') causes.push(required(`${p}.metadata.name`, 'name or generateName is required'));
    causes.push(...validateClaimSpecShape(rec(claim['spec']), `${p}.spec`));
  });
  return causes;
}

/** The spec fields a StatefulSet update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function statefulSetSpecImmutable(newSpec: Json, oldSpec: Json): FieldCause[] {
  const strip = (s: Json): Json => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (canonicalJson(strip(newSpec)) === canonicalJson(strip(oldSpec))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export function validateControllerRevision(rev: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (rev['data'] === undefined || rev['data'] === null) causes.push(required('data', 'data is mandatory'));
  const revision = num(rev['revision']) ?? 0;
  if (revision < 0) causes.push(invalid('revision', revision, 'must be greater than or equal to 0'));
  return causes;
}

export function controllerRevisionImmutable(newRev: KubeObject, oldRev: KubeObject): FieldCause[] {
  return canonicalJson(newRev['data']) === canonicalJson(oldRev['data']) ? [] : [invalid('data', null, FIELD_IMMUTABLE)];
}

// ---------------------------------------------------------------------------------------------
// v1 ReplicationController
// ---------------------------------------------------------------------------------------------

export function validateReplicationControllerSpec(spec: Json): FieldCause[] {
  const causes = [...nonNegative(spec, 'replicas', 'spec.replicas'), ...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds')];
  const selector = strMap(spec['selector']) ?? {};
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector'));
  causes.push(...validateLabels(selector, 'spec.selector'));
  if (!isObject(spec['template'])) {
    causes.push(required('spec.template'));
    return causes;
  }
  const template = spec['template'] as Json;
  const labels = strMap(rec(template['metadata'])['labels']);
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels?.[k] === v)) {
    causes.push(invalid('spec.template.metadata.labels', labels ?? null, SELECTOR_MISMATCH));
  }
  causes.push(...validatePodTemplate(template, 'spec.template'), ...alwaysRestarting(template, 'spec.template', 'ReplicationController'));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// batch/v1 Job and CronJob
// ---------------------------------------------------------------------------------------------

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

/** validateJobSpec: what a Job's spec and a CronJob's job template share, under `path`. */
function validateJobSpecCommon(spec: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) causes.push(...nonNegative(spec, f, `${path}.${f}`));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && ads <= 0) causes.push(invalid(`${path}.activeDeadlineSeconds`, ads, 'must be greater than 0'));
  const mode = spec['completionMode'];
  if (mode !== undefined && !COMPLETION_MODES.includes(str(mode))) causes.push(notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed' && spec['completions'] === undefined) causes.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  const template = rec(spec['template']);
  causes.push(...validatePodTemplate(template, `${path}.template`));
  const restartPolicy = str(rec(template['spec'])['restartPolicy']);
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') causes.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['OnFailure', 'Never']));
  if (spec['podFailurePolicy'] !== undefined && spec['podFailurePolicy'] !== null) causes.push(...validatePodFailurePolicy(spec, path, restartPolicy));
  return causes;
}

const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

/** field.Invalid with field.OmitValueType: the message names no value. */
const invalidOmitted = (field: string, detail: string): FieldCause => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${detail}` });

/** validatePodFailurePolicy (pkg/apis/batch/validation). */
function validatePodFailurePolicy(spec: Json, path: string, restartPolicy: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const policyPath = `${path}.podFailurePolicy`;
  if (restartPolicy !== 'Never') causes.push(notSupported(`${path}.template.spec.restartPolicy`, restartPolicy, ['Never']));
  const rules = arr(rec(spec['podFailurePolicy'])['rules']);
  if (rules.length > 20) causes.push({ field: `${policyPath}.rules`, reason: 'FieldValueTooMany', message: `Too many: ${rules.length}: must have at most 20 items` });
  rules.forEach((raw, i) => {
    const rule = rec(raw);
    const rulePath = `${policyPath}.rules[${i}]`;
    const action = rule['action'];
    if (!POD_FAILURE_POLICY_ACTIONS.includes(str(action))) causes.push(notSupported(`${rulePath}.action`, action ?? '', POD_FAILURE_POLICY_ACTIONS));
    else if (action === 'FailIndex' && spec['backoffLimitPerIndex'] === undefined) causes.push(invalid(`${rulePath}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    const exit = rule['onExitCodes'];
    const conds = rule['onPodConditions'];
    const hasExit = isObject(exit);
    const hasConds = Array.isArray(conds) && conds.length > 0;
    if (hasExit && hasConds) causes.push(invalidOmitted(rulePath, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    else if (!hasExit && !hasConds) causes.push(invalidOmitted(rulePath, 'specifying one of OnExitCodes and OnPodConditions is required'));
    if (hasExit) {
      const exitPath = `${rulePath}.onExitCodes`;
      const req = rec(exit);
      const operator = req['operator'];
      if (!EXIT_CODE_OPERATORS.includes(str(operator))) causes.push(notSupported(`${exitPath}.operator`, operator ?? '', EXIT_CODE_OPERATORS));
      const values = arr(req['values']);
      if (values.length === 0) causes.push(invalid(`${exitPath}.values`, values, 'at least one value is required'));
      else if (values.length > 255) causes.push({ field: `${exitPath}.values`, reason: 'FieldValueTooMany', message: `Too many: ${values.length}: must have at most 255 items` });
      const seen = new Set<unknown>();
      values.forEach((v, j) => {
        const valuePath = `${exitPath}.values[${j}]`;
        if (operator === 'In' && v === 0) causes.push(invalid(valuePath, 0, 'must not be 0 for the In operator'));
        if (seen.has(v)) causes.push(duplicateValue(valuePath, v));
        seen.add(v);
        if (j > 0 && typeof v === 'number' && typeof values[j - 1] === 'number' && (values[j - 1] as number) > v) causes.push(invalid(valuePath, v, 'must be ordered'));
      });
    }
    if (hasConds) {
      (conds as unknown[]).forEach((c, j) => {
        const status = rec(c)['status'] ?? 'True';
        if (!CONDITION_STATUSES.includes(str(status))) causes.push(notSupported(`${rulePath}.onPodConditions[${j}].status`, status, CONDITION_STATUSES));
        if (str(rec(c)['type']) === '') causes.push(required(`${rulePath}.onPodConditions[${j}].type`));
      });
    }
  });
  return causes;
}

/** ValidateJobSpec: the common rules plus a required selector that selects the template's labels. */
export function validateJobSpec(spec: Json): FieldCause[] {
  const causes = validateJobSpecCommon(spec, 'spec');
  causes.push(...structuredSelector(spec, 'spec', undefined));
  return causes;
}

/** ValidateJobSpecUpdate's immutable fields (the template only while suspended, not modeled: always immutable). */
export function jobSpecImmutable(newSpec: Json, oldSpec: Json): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of ['selector', 'completionMode', 'manualSelector']) {
    if (canonicalJson(newSpec[f]) !== canonicalJson(oldSpec[f])) causes.push(invalid(`spec.${f}`, f === 'selector' ? selectorValue(newSpec[f]) : (newSpec[f] ?? null), FIELD_IMMUTABLE));
  }
  if (canonicalJson(newSpec['completions']) !== canonicalJson(oldSpec['completions']) && newSpec['completionMode'] !== 'Indexed') {
    causes.push(invalid('spec.completions', newSpec['completions'] ?? null, FIELD_IMMUTABLE));
  }
  if (canonicalJson(newSpec['template']) !== canonicalJson(oldSpec['template']) && oldSpec['suspend'] !== true) {
    causes.push(invalid('spec.template', goStruct({ ...rec(newSpec['template']) }), FIELD_IMMUTABLE));
  }
  return causes;
}

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

export function validateCronJobSpec(spec: Json): FieldCause[] {
  const causes: FieldCause[] = [];
  const schedule = str(spec['schedule']);
  if (schedule === '') causes.push(required('spec.schedule'));
  else {
    const error = validateCronSchedule(schedule);
    if (error) causes.push(invalid('spec.schedule', schedule, error));
  }
  causes.push(...nonNegative(spec, 'startingDeadlineSeconds', 'spec.startingDeadlineSeconds'));
  const policy = str(spec['concurrencyPolicy']);
  if (policy === '') causes.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(policy)) causes.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  causes.push(...nonNegative(spec, 'successfulJobsHistoryLimit', 'spec.successfulJobsHistoryLimit'));
  causes.push(...nonNegative(spec, 'failedJobsHistoryLimit', 'spec.failedJobsHistoryLimit'));
  // ValidateJobTemplateSpec: labels of the template's metadata, then the job spec; the selector is generated per Job.
  const jobTemplate = rec(spec['jobTemplate']);
  const jobMeta = rec(jobTemplate['metadata']);
  causes.push(...validateLabels(strMap(jobMeta['labels']), 'spec.jobTemplate.labels'));
  const jobSpec = rec(jobTemplate['spec']);
  causes.push(...validateJobSpecCommon(jobSpec, 'spec.jobTemplate.spec'));
  if (jobSpec['selector'] !== undefined && jobSpec['selector'] !== null) {
    causes.push(invalid('spec.jobTemplate.spec.selector', selectorValue(jobSpec['selector']), '`selector` will be auto-generated'));
  }
  if (jobSpec['manualSelector'] === true) causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// policy/v1 PodDisruptionBudget
// ---------------------------------------------------------------------------------------------

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

export function validatePodDisruptionBudgetSpec(spec: Json): FieldCause[] {
  const causes: FieldCause[] = [];
  const min = spec['minAvailable'];
  const max = spec['maxUnavailable'];
  if (min !== undefined && min !== null && max !== undefined && max !== null) {
    causes.push(
      invalid(
        'spec',
        goStruct({ minAvailable: min, selector: spec['selector'] === undefined ? undefined : selectorValue(spec['selector']), maxUnavailable: max }),
        'minAvailable and maxUnavailable cannot be both set',
      ),
    );
  }
  for (const [f, v] of [['minAvailable', min], ['maxUnavailable', max]] as const) {
    if (v === undefined || v === null) continue;
    causes.push(...validatePositiveIntOrPercent(v, `spec.${f}`));
    const parsed = intOrPercent(v);
    if (parsed.isPercent && parsed.value > 100) causes.push(invalid(`spec.${f}`, v, 'must not be greater than 100%'));
  }
  if (isObject(spec['selector'])) causes.push(...validateLabelSelector(spec['selector'] as LabelSelector, 'spec.selector'));
  const policy = spec['unhealthyPodEvictionPolicy'];
  if (policy !== undefined && policy !== null && !UNHEALTHY_POD_EVICTION_POLICIES.includes(str(policy))) {
    causes.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Claims (shared with storage.ts)
// ---------------------------------------------------------------------------------------------

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** ValidatePersistentVolumeClaimSpec: access modes, a storage request, volume mode. */
export function validateClaimSpecShape(spec: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const modes = arr(spec['accessModes']).map(str);
  if (modes.length === 0) causes.push(required(`${path}.accessModes`, 'at least 1 access mode is required'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) causes.push(notSupported(`${path}.accessModes`, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) causes.push(forbidden(`${path}.accessModes`, 'may not use ReadWriteOncePod with other access modes'));
  if (isObject(spec['selector'])) causes.push(...validateLabelSelector(spec['selector'] as LabelSelector, `${path}.selector`));
  const requests = rec(rec(spec['resources'])['requests']);
  const storage = requests['storage'];
  if (storage === undefined) causes.push(required(`${path}.resources[storage]`));
  else if (storage === '0') causes.push(invalid(`${path}.resources[storage]`, storage, 'must be greater than zero'));
  const volumeMode = spec['volumeMode'];
  if (volumeMode !== undefined && !VOLUME_MODES.includes(str(volumeMode))) causes.push(notSupported(`${path}.volumeMode`, volumeMode, VOLUME_MODES));
  return causes;
}
