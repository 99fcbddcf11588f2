/**
 * ConfigMaps, Secrets, PersistentVolumes, PersistentVolumeClaims (pkg/apis/core/validation) and
 * StorageClasses (pkg/apis/storage/validation).
 */

import type { FieldCause } from '../errors.ts';
import { forbidden, invalid, notSupported, required, tooLong } from '../field-errors.ts';
import { isQualifiedName, regexError } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, canonicalJson, FIELD_IMMUTABLE, isObject, rec, str } from './helpers.ts';
import { diffPaths } from './pod.ts';
import { ACCESS_MODES, validateClaimSpecShape, VOLUME_MODES } from './workloads.ts';
import { cloneJson } from '../clone-json.ts';

/** core.MaxSecretSize, also a ConfigMap's limit: 1 MiB. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** validation.IsConfigMapKey: a Secret's or ConfigMap's data key. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY_RE.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const base64Length = (v: unknown): number => (typeof v === 'string' ? Buffer.from(v, 'base64').length : 0);
const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

export function validateConfigMap(cm: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const data = rec(cm['data']);
  const binary = rec(cm['binaryData']);
  let size = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of isConfigMapKey(key)) causes.push(invalid(`data[${key}]`, key, msg));
    size += Buffer.byteLength(str(data[key]), 'utf8');
  }
  for (const key of Object.keys(binary).sort()) {
    for (const msg of isConfigMapKey(key)) causes.push(invalid(`binaryData[${key}]`, key, msg));
    if (key in data) causes.push(invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
    size += base64Length(binary[key]);
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong('', MAX_SECRET_SIZE));
  return causes;
}

/** The data keys each built-in Secret type requires. */
const REQUIRED_SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const data = rec(secret['data']);
  let size = 0;
  for (const key of Object.keys(data).sort()) {
    for (const msg of isConfigMapKey(key)) causes.push(invalid(`data[${key}]`, key, msg));
    size += base64Length(data[key]);
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong('data', MAX_SECRET_SIZE));
  const type = str(secret['type']);
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && data['username'] === undefined && data['password'] === undefined) {
    causes.push(required('data[username]', 'must contain at least one of username or password'));
  }
  for (const key of REQUIRED_SECRET_KEYS[type] ?? []) if (data[key] === undefined) causes.push(required(`data[${key}]`));
  return causes;
}

/** The immutable-field rules of a Secret or ConfigMap update. */
export function dataImmutable(newObj: KubeObject, oldObj: KubeObject, dataKeys: readonly string[]): FieldCause[] {
  const causes: FieldCause[] = [];
  if (newObj.kind === 'Secret' && str(newObj['type']) !== str(oldObj['type'])) causes.push(invalid('type', str(newObj['type']), FIELD_IMMUTABLE));
  if (oldObj['immutable'] === true) {
    if (newObj['immutable'] !== true) causes.push(forbidden('immutable', IMMUTABLE_SET));
    for (const key of dataKeys) if (canonicalJson(newObj[key] ?? {}) !== canonicalJson(oldObj[key] ?? {})) causes.push(forbidden(key, IMMUTABLE_SET));
  }
  return causes;
}

const VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cinder', 'cephfs',
  'iscsi', 'fc', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi', 'flexVolume',
];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

/** ValidatePersistentVolumeSpec, the main rules. */
export function validatePersistentVolume(pv: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const spec = rec(pv['spec']);
  const modes = arr(spec['accessModes']).map(str);
  if (modes.length === 0) causes.push(required('spec.accessModes'));
  for (const m of modes) if (!ACCESS_MODES.includes(m)) causes.push(notSupported('spec.accessModes', m, ACCESS_MODES));
  const capacity = rec(spec['capacity']);
  if (Object.keys(capacity).length === 0) causes.push(required('spec.capacity'));
  else if (capacity['storage'] === undefined || Object.keys(capacity).length > 1) causes.push(notSupported('spec.capacity', capacity, ['storage']));
  const policy = str(spec['persistentVolumeReclaimPolicy']);
  if (policy !== '' && !RECLAIM_POLICIES.includes(policy)) causes.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  let sources = 0;
  for (const source of VOLUME_SOURCES) {
    if (!isObject(spec[source])) continue;
    if (sources > 0) causes.push(forbidden(`spec.${source}`, 'may not specify more than 1 volume type'));
    sources++;
    if (source === 'hostPath' && str(rec(spec[source])['path']) === '') causes.push(required('spec.hostPath.path'));
    if (source === 'local' && str(rec(spec[source])['path']) === '') causes.push(required('spec.local.path'));
  }
  if (sources === 0) causes.push(required('spec', 'must specify a volume type'));
  const volumeMode = spec['volumeMode'];
  if (volumeMode !== undefined && !VOLUME_MODES.includes(str(volumeMode))) causes.push(notSupported('spec.volumeMode', volumeMode, VOLUME_MODES));
  return causes;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): FieldCause[] {
  return validateClaimSpecShape(rec(pvc['spec']), 'spec');
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is immutable except an unbound claim's
 * volumeName being set (binding) and a bound claim's storage request. Go appends a cmp.Diff;
 * kubesim lists the changed paths, as for pods.
 */
export function persistentVolumeClaimUpdate(newPvc: KubeObject, oldPvc: KubeObject): FieldCause[] {
  const newSpec = cloneJson(rec(newPvc['spec']));
  const oldSpec = cloneJson(rec(oldPvc['spec']));
  if (str(oldSpec['volumeName']) === '' && newSpec['volumeName'] !== undefined) oldSpec['volumeName'] = newSpec['volumeName'];
  if (str(rec(newPvc['status'])['phase']) === 'Bound') {
    const requests = rec(rec(newSpec['resources'])['requests']);
    const oldRequests = rec(rec(oldSpec['resources'])['requests']);
    if (requests['storage'] !== undefined) requests['storage'] = oldRequests['storage'];
    if (oldSpec['volumeAttributesClassName'] !== undefined || newSpec['volumeAttributesClassName'] !== undefined) newSpec['volumeAttributesClassName'] = oldSpec['volumeAttributesClassName'];
  }
  if (canonicalJson(newSpec) === canonicalJson(oldSpec)) return [];
  const changed: string[] = [];
  diffPaths(oldSpec, newSpec, 'spec', changed);
  return [
    forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${changed.map((p) => `  changed: ${p}`).join('\n')}`),
  ];
}

const SC_RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

export function validateStorageClass(sc: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const provisioner = str(sc['provisioner']);
  if (provisioner === '') causes.push(required('provisioner'));
  else for (const msg of isQualifiedName(provisioner.toLowerCase())) causes.push(invalid('provisioner', provisioner, msg));
  const reclaim = sc['reclaimPolicy'];
  if (reclaim !== undefined && !SC_RECLAIM_POLICIES.includes(str(reclaim))) causes.push(notSupported('reclaimPolicy', reclaim, SC_RECLAIM_POLICIES));
  const mode = sc['volumeBindingMode'];
  if (mode === undefined || mode === null) causes.push(required('volumeBindingMode'));
  else if (!VOLUME_BINDING_MODES.includes(str(mode))) causes.push(notSupported('volumeBindingMode', mode, VOLUME_BINDING_MODES));
  return causes;
}

export function storageClassUpdate(newSc: KubeObject, oldSc: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (canonicalJson(newSc['parameters'] ?? {}) !== canonicalJson(oldSc['parameters'] ?? {})) causes.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(newSc['provisioner']) !== str(oldSc['provisioner'])) causes.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(newSc['reclaimPolicy']) !== str(oldSc['reclaimPolicy'])) causes.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (str(newSc['volumeBindingMode']) !== str(oldSc['volumeBindingMode'])) causes.push(invalid('volumeBindingMode', str(newSc['volumeBindingMode']), FIELD_IMMUTABLE));
  return causes;
}
