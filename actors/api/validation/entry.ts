/** The entry points: validation of a create and of an update, by kind. */

import type { FieldCause } from '../errors.ts';
import { forbidden, goStruct, invalid } from '../field-errors.ts';
import type { KubeObject } from '../protocol.ts';
import { lookupByKind } from '../resources.ts';
import { rec, canonicalJson } from './helpers.ts';
import { nameIsDNSSubdomain, nameValidatorFor, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validateDeploymentSpec, validateReplicaSetSpec, selectorImmutable } from './apps.ts';
import { validateNamespace, validateNamespaceStatusUpdate } from './namespace.ts';
import { validateNode } from './node.ts';
import { validateEndpoints, validateLease, validatePriorityClass, validateResourceQuota, validateRoleBinding } from './others.ts';
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from './pod.ts';
import { nodePortAllocationError, validateService } from './service.ts';
import { CRON_TZ_IN_SCHEDULE } from './cron.ts';
import {
  dataImmutable,
  persistentVolumeClaimUpdate,
  storageClassUpdate,
  validateConfigMap,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validateSecret,
  validateStorageClass,
} from './storage.ts';
import {
  controllerRevisionImmutable,
  jobSpecImmutable,
  statefulSetSpecImmutable,
  validateControllerRevision,
  validateCronJobSpec,
  validateDaemonSetSpec,
  validateJobSpec,
  validatePodDisruptionBudgetSpec,
  validateReplicationControllerSpec,
  validateStatefulSetSpec,
} from './workloads.ts';

export interface ValidationOptions {
  /**
   * The apiVersion the request was made in. A Deployment's or ReplicaSet's selector is
   * immutable except through extensions/v1beta1 (and the unmodeled apps/v1beta1).
   */
  readonly requestApiVersion?: string;
  /** Validate an update of the status subresource instead of the main resource. */
  readonly subresource?: 'status';
}

/** Validation of a create, by `obj.kind`. Kinds without modeled rules get metadata validation only. */
export function validateCreate(obj: KubeObject): FieldCause[] {
  const spec = rec(obj['spec']);
  switch (obj.kind) {
    case 'Pod':
      return validatePodCreate(obj);
    case 'Service': {
      // The registry allocates node ports before it validates (BeginCreate).
      const allocation = nodePortAllocationError(obj);
      return allocation ? [allocation] : validateService(obj);
    }
    case 'Deployment':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateDeploymentSpec(spec)];
    case 'ReplicaSet':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(spec)];
    case 'Namespace':
      return validateNamespace(obj);
    case 'Node':
      return validateNode(obj);
    case 'Lease':
      return validateLease(obj);
    case 'ResourceQuota':
      return validateResourceQuota(obj);
    case 'PriorityClass':
      return validatePriorityClass(obj);
    case 'RoleBinding':
      return validateRoleBinding(obj, false);
    case 'ClusterRoleBinding':
      return validateRoleBinding(obj, true);
    case 'Endpoints':
      return validateEndpoints(obj);
    case 'DaemonSet':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(spec)];
    case 'StatefulSet':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateStatefulSetSpec(spec)];
    case 'ControllerRevision':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateControllerRevision(obj)];
    case 'ReplicationController':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateReplicationControllerSpec(spec)];
    case 'Job':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateJobSpec(spec)];
    case 'CronJob': {
      const causes = [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateCronJobSpec(spec)];
      // ValidateCronJobCreate: the name becomes a Job's name plus an 11-character suffix.
      const name = obj.metadata?.name ?? '';
      if (name.length > 52) causes.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
      const schedule = typeof spec['schedule'] === 'string' ? spec['schedule'] : '';
      if (schedule.includes('TZ')) causes.push(invalid('spec.schedule', schedule, CRON_TZ_IN_SCHEDULE));
      return causes;
    }
    case 'PodDisruptionBudget':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validatePodDisruptionBudgetSpec(spec)];
    case 'ConfigMap':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateConfigMap(obj)];
    case 'Secret':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateSecret(obj)];
    case 'PersistentVolume':
      return [...validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain), ...validatePersistentVolume(obj)];
    case 'PersistentVolumeClaim':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validatePersistentVolumeClaim(obj)];
    case 'StorageClass':
      return [...validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain), ...validateStorageClass(obj)];
    default: {
      const info = lookupByKind(obj.apiVersion ?? '', obj.kind ?? '');
      return validateObjectMeta(obj.metadata, info?.namespaced ?? true, nameValidatorFor(obj.kind ?? ''));
    }
  }
}

/** Validation of an update (PUT or the result of a PATCH) of the main resource or its status. */
export function validateUpdate(newObj: KubeObject, oldObj: KubeObject, opts: ValidationOptions = {}): FieldCause[] {
  if (opts.subresource === 'status') {
    if (newObj.kind === 'Pod') return validatePodStatusUpdate(newObj, oldObj);
    if (newObj.kind === 'Namespace') return validateNamespaceStatusUpdate(newObj, oldObj);
    return validateObjectMetaUpdate(newObj.metadata, oldObj.metadata);
  }
  const meta = validateObjectMetaUpdate(newObj.metadata, oldObj.metadata);
  const spec = rec(newObj['spec']);
  switch (newObj.kind) {
    case 'Pod':
      return validatePodUpdate(newObj, oldObj);
    case 'Deployment':
      return [...meta, ...validateDeploymentSpec(spec), ...selectorImmutable(newObj, oldObj, opts)];
    case 'ReplicaSet':
      return [...meta, ...validateReplicaSetSpec(spec), ...selectorImmutable(newObj, oldObj, opts)];
    case 'Service': {
      const allocation = nodePortAllocationError(newObj, oldObj);
      return allocation ? [allocation] : [...meta, ...validateService(newObj)];
    }
    case 'Namespace':
      return meta;
    case 'DaemonSet':
      return [...meta, ...validateDaemonSetSpec(spec), ...selectorImmutable(newObj, oldObj, opts)];
    case 'StatefulSet':
      return [...meta, ...validateStatefulSetSpec(spec), ...statefulSetSpecImmutable(spec, rec(oldObj['spec']))];
    case 'ControllerRevision':
      return [...meta, ...validateControllerRevision(newObj), ...controllerRevisionImmutable(newObj, oldObj)];
    case 'ReplicationController':
      return [...meta, ...validateReplicationControllerSpec(spec)];
    case 'Job':
      return [...meta, ...validateJobSpec(spec), ...jobSpecImmutable(spec, rec(oldObj['spec']))];
    case 'CronJob':
      return [...meta, ...validateCronJobSpec(spec)];
    case 'PodDisruptionBudget':
      return [...meta, ...validatePodDisruptionBudgetSpec(spec)];
    case 'ConfigMap':
      return [...meta, ...validateConfigMap(newObj), ...dataImmutable(newObj, oldObj, ['data', 'binaryData'])];
    case 'Secret':
      return [...meta, ...validateSecret(newObj), ...dataImmutable(newObj, oldObj, ['data'])];
    case 'PersistentVolume':
      return [...meta, ...validatePersistentVolume(newObj)];
    case 'PersistentVolumeClaim':
      return [...meta, ...validatePersistentVolumeClaim(newObj), ...persistentVolumeClaimUpdate(newObj, oldObj)];
    case 'StorageClass':
      return [...meta, ...validateStorageClass(newObj), ...storageClassUpdate(newObj, oldObj)];
    case 'PriorityClass': {
      const causes = [...meta, ...validatePriorityClass(newObj)];
      // text unverified: scheduling ValidatePriorityClassUpdate, from memory.
      if (newObj['value'] !== oldObj['value']) causes.push(forbidden('value', 'may not be changed in an update.'));
      return causes;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const causes = [...meta, ...validateRoleBinding(newObj, newObj.kind === 'ClusterRoleBinding')];
      if (canonicalJson(newObj['roleRef']) !== canonicalJson(oldObj['roleRef'])) {
        // text unverified: rbac ValidateRoleBindingUpdate, from memory.
        causes.push(invalid('roleRef', goStruct({ ...rec(newObj['roleRef']) }), 'cannot change roleRef'));
      }
      return causes;
    }
    default: {
      const created = validateCreate(newObj).filter((c) => !c.field.startsWith('metadata.'));
      return [...meta, ...created];
    }
  }
}

/** Storage's refusal of a create that carries a resourceVersion (a 500, reason ""; see the file comment). */
export const RESOURCE_VERSION_SET_ON_CREATE = 'resourceVersion should not be set on objects to be created';

/**
 * The storage error for a create carrying `metadata.resourceVersion`, or undefined. Like the
 * versioner, only a value that parses as a non-zero unsigned integer counts: "0" is accepted
 * and so, oddly, is "-1" (kubernetes/kubernetes#113847).
 */
export function resourceVersionSetOnCreate(obj: KubeObject): string | undefined {
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined || rv === '' || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv) === 0n ? undefined : RESOURCE_VERSION_SET_ON_CREATE;
}
