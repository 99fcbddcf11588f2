/** Pods and pod templates (pkg/apis/core/validation/validation.go). */

import type { FieldCause } from '../errors.ts';
import { duplicate, forbidden, invalid, notSupported, required } from '../field-errors.ts';
import { isDNS1123Label, isQualifiedName, validateLabels } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, FIELD_IMMUTABLE, IS_NEGATIVE, isObject, MAX_INT32, num, objectsOf, rec, str, strMap, canonicalJson, type Json } from './helpers.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validateContainerPorts, validatePortNumOrName } from './ports.ts';
import { validateResourceRequirements } from './quantity.ts';
import { validateTolerations } from './taints.ts';
import { cloneJson } from '../clone-json.ts';

export const HANDLER_TYPES = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;

/** validateHandler for a probe: exactly one handler type, each well formed. */
export function validateProbeHandler(probe: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let handlers = 0;
  for (const type of HANDLER_TYPES) {
    if (!isObject(probe[type])) continue;
    if (handlers > 0) {
      causes.push(forbidden(`${path}.${type}`, 'may not specify more than 1 handler type'));
      continue;
    }
    handlers++;
    const h = probe[type] as Json;
    const p = `${path}.${type}`;
    if (type === 'exec' && arr(h['command']).length === 0) causes.push(required(`${p}.command`));
    if (type === 'httpGet') {
      if (str(h['path']) === '') causes.push(required(`${p}.path`));
      causes.push(...validatePortNumOrName(h['port'], `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(str(h['scheme']))) causes.push(notSupported(`${p}.scheme`, str(h['scheme']), ['HTTP', 'HTTPS']));
    }
    if (type === 'tcpSocket') causes.push(...validatePortNumOrName(h['port'], `${p}.port`));
    if (type === 'grpc') causes.push(...validatePortNumOrName(num(h['port']) ?? 0, `${p}.port`));
  }
  if (handlers === 0) causes.push(required(path, 'must specify a handler type'));
  return causes;
}

export function validateProbe(raw: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldCause[] {
  if (!isObject(raw)) return [];
  const causes = validateProbeHandler(raw, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = num(raw[f]) ?? 0;
    if (v < 0) causes.push(invalid(`${path}.${f}`, v, IS_NEGATIVE));
  }
  if (kind !== 'readiness' && (num(raw['successThreshold']) ?? 0) !== 1) {
    // text unverified: validateLivenessProbe / validateStartupProbe, from memory.
    causes.push(invalid(`${path}.successThreshold`, num(raw['successThreshold']) ?? 0, 'must be 1'));
  }
  return causes;
}

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
export const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

/** validateContainerCommon: name, image, termination message policy, ports, pull policy, resources. */
export function validateContainerCommon(c: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(c['name']);
  if (name === '') causes.push(required(`${path}.name`));
  else for (const msg of isDNS1123Label(name)) causes.push(invalid(`${path}.name`, name, msg));
  if (str(c['image']) === '') causes.push(required(`${path}.image`));
  const tmp = str(c['terminationMessagePolicy']);
  if (tmp === '') causes.push(required(`${path}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) causes.push(notSupported(`${path}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
  causes.push(...validateContainerPorts(arr(c['ports']), `${path}.ports`));
  const pull = str(c['imagePullPolicy']);
  if (pull === '') causes.push(required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pull)) causes.push(notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  causes.push(...validateResourceRequirements(rec(c['resources']), `${path}.resources`));
  return causes;
}

/** AccumulateUniqueHostPorts: one protocol/hostIP/hostPort per pod. */
export function checkHostPortConflicts(containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c['ports']).forEach((raw, pi) => {
      const p = rec(raw);
      const port = num(p['hostPort']) ?? 0;
      if (port === 0) return;
      const key = `${str(p['protocol'])}/${str(p['hostIP'])}/${port}`;
      if (seen.has(key)) causes.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return causes;
}

export function validateContainers(containers: Json[], path: string): FieldCause[] {
  if (containers.length === 0) return [required(path)];
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(c, p));
    const name = str(c['name']);
    if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
    else names.add(name);
    causes.push(...validateProbe(c['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
    causes.push(...validateProbe(c['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
    causes.push(...validateProbe(c['startupProbe'], `${p}.startupProbe`, 'startup'));
    if (c['restartPolicy'] !== undefined) causes.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  causes.push(...checkHostPortConflicts(containers, path));
  return causes;
}

export function validateInitContainers(initContainers: Json[], containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set(containers.map((c) => str(c['name'])));
  initContainers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(c, p));
    const restartAlways = c['restartPolicy'] === 'Always';
    // text unverified: validateInitContainerRestartPolicy, from memory.
    if (c['restartPolicy'] !== undefined && !restartAlways) causes.push(notSupported(`${p}.restartPolicy`, c['restartPolicy'], ['Always']));
    const name = str(c['name']);
    if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
    else if (name !== '') names.add(name);
    causes.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      causes.push(...validateProbe(c['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
      causes.push(...validateProbe(c['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
      causes.push(...validateProbe(c['startupProbe'], `${p}.startupProbe`, 'startup'));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined) causes.push(forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return causes;
}

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

/** ValidatePodSpec, for a Pod's spec or a pod template's (`path` is "spec" or "spec.template.spec"). */
export function validatePodSpec(rawSpec: unknown, path: string, isPod = false): FieldCause[] {
  const spec = rec(rawSpec);
  const causes: FieldCause[] = [];
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) {
    causes.push(required(`${path}.terminationGracePeriodSeconds`));
  }
  const containers = objectsOf(spec['containers']);
  causes.push(...validateContainers(containers, `${path}.containers`));
  causes.push(...validateInitContainers(objectsOf(spec['initContainers']), containers, `${path}.initContainers`));
  if (spec['hostNetwork'] === true) {
    containers.forEach((c, ci) => {
      objectsOf(c['ports']).forEach((p, pi) => {
        const hp = num(p['hostPort']) ?? 0;
        const cp = num(p['containerPort']) ?? 0;
        if ((isPod || hp !== 0) && hp !== cp) {
          causes.push(invalid(`${path}.containers[${ci}].ports[${pi}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const restartPolicy = str(spec['restartPolicy']);
  if (restartPolicy === '') causes.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restartPolicy)) causes.push(notSupported(`${path}.restartPolicy`, restartPolicy, RESTART_POLICIES));
  const dnsPolicy = str(spec['dnsPolicy']);
  if (dnsPolicy === '') causes.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dnsPolicy)) causes.push(notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  causes.push(...validateLabels(strMap(spec['nodeSelector']), `${path}.nodeSelector`));
  const seen = new Set<string>();
  objectsOf(spec['schedulingGates']).forEach((g, i) => {
    const name = str(g['name']);
    for (const msg of isQualifiedName(name)) causes.push(invalid(`${path}.schedulingGates[${i}]`, name, msg));
    if (seen.has(name)) causes.push(duplicate(`${path}.schedulingGates[${i}]`, name));
    seen.add(name);
  });
  const sa = str(spec['serviceAccountName']);
  if (sa !== '') for (const msg of nameIsDNSSubdomain(sa, false)) causes.push(invalid(`${path}.serviceAccountName`, sa, msg));
  const nodeName = str(spec['nodeName']);
  if (nodeName !== '') for (const msg of nameIsDNSSubdomain(nodeName, false)) causes.push(invalid(`${path}.nodeName`, nodeName, msg));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) causes.push(invalid(`${path}.activeDeadlineSeconds`, ads, `must be between 1 and ${MAX_INT32}, inclusive`));
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v !== '') for (const msg of isDNS1123Label(v)) causes.push(invalid(`${path}.${f}`, v, msg));
  }
  causes.push(...validateTolerations(arr(spec['tolerations']), `${path}.tolerations`));
  const pcn = str(spec['priorityClassName']);
  if (pcn !== '') for (const msg of nameIsDNSSubdomain(pcn, false)) causes.push(invalid(`${path}.priorityClassName`, pcn, msg));
  return causes;
}

/** Pod-only container checks (validateContainersOnlyForPod). */
export function validateImageWhitespace(containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  containers.forEach((c, i) => {
    const image = str(c['image']);
    if (image.trim() !== image) causes.push(invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return causes;
}

export function validatePodMetadataAndSpec(pod: KubeObject): FieldCause[] {
  const spec = rec(pod['spec']);
  return [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain),
    ...validatePodSpec(spec, 'spec', true),
    ...validateImageWhitespace(objectsOf(spec['containers']), 'spec.containers'),
    ...validateImageWhitespace(objectsOf(spec['initContainers']), 'spec.initContainers'),
  ];
}

export function validatePodCreate(pod: KubeObject): FieldCause[] {
  const spec = rec(pod['spec']);
  const causes = validatePodMetadataAndSpec(pod);
  if (arr(spec['ephemeralContainers']).length > 0) causes.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec['nodeName']) !== '' && arr(spec['schedulingGates']).length > 0) {
    causes.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return causes;
}

/** The fields a pod update may change, as ValidatePodUpdate lists them. */
export const POD_UPDATABLE_FIELDS: readonly string[] = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** Paths under `path` where a and b differ, for the short diff after the Forbidden message. */
export function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (canonicalJson(a) === canonicalJson(b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffPaths(a[k], b[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffPaths(v, b[i], `${path}[${i}]`, out));
    return;
  }
  out.push(path);
}

export function tolerationsWithoutSeconds(t: unknown): string {
  const { tolerationSeconds: _ignored, ...rest } = rec(t);
  return canonicalJson(rest);
}

export function validatePodUpdate(newPod: KubeObject, oldPod: KubeObject): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(newPod.metadata, oldPod.metadata), ...validatePodMetadataAndSpec(newPod)];
  const newSpec = rec(newPod['spec']);
  const oldSpec = rec(oldPod['spec']);
  for (const key of ['containers', 'initContainers']) {
    const newList = objectsOf(newSpec[key]);
    const oldList = objectsOf(oldSpec[key]);
    if (newList.length !== oldList.length) {
      causes.push(forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return causes;
    }
    newList.forEach((c, i) => {
      const image = str(c['image']);
      if (image === '') causes.push(required(`spec.${key}[${i}].image`));
      if (image.trim() !== image) causes.push(invalid(`spec.${key}[${i}].image`, image, 'must not have leading or trailing whitespace'));
    });
  }
  const newAds = num(newSpec['activeDeadlineSeconds']);
  const oldAds = num(oldSpec['activeDeadlineSeconds']);
  if (newAds !== undefined) {
    if (newAds < 0 || newAds > MAX_INT32) {
      causes.push(invalid('spec.activeDeadlineSeconds', newAds, `must be between 0 and ${MAX_INT32}, inclusive`));
      return causes;
    }
    if (oldAds !== undefined && oldAds < newAds) {
      causes.push(invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
      return causes;
    }
  } else if (oldAds !== undefined) {
    causes.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const newTolerations = arr(newSpec['tolerations']).map(tolerationsWithoutSeconds);
  for (const old of arr(oldSpec['tolerations'])) {
    if (!newTolerations.includes(tolerationsWithoutSeconds(old))) {
      causes.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  const oldGates = new Set(objectsOf(oldSpec['schedulingGates']).map((g) => str(g['name'])));
  objectsOf(newSpec['schedulingGates']).forEach((g, i) => {
    const name = str(g['name']);
    if (!oldGates.has(name)) causes.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  if (canonicalJson(newSpec) === canonicalJson(oldSpec)) return causes;

  // Undo the changes that are allowed, then anything left is forbidden.
  const munged = cloneJson(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const oldList = objectsOf(oldSpec[key]);
    objectsOf(munged[key]).forEach((c, i) => {
      c['image'] = oldList[i]?.['image'];
    });
  }
  if (oldSpec['activeDeadlineSeconds'] === undefined) delete munged['activeDeadlineSeconds'];
  else munged['activeDeadlineSeconds'] = oldSpec['activeDeadlineSeconds'];
  for (const key of ['schedulingGates', 'tolerations']) {
    if (oldSpec[key] === undefined) delete munged[key];
    else munged[key] = oldSpec[key];
  }
  const oldGrace = num(oldSpec['terminationGracePeriodSeconds']);
  if (oldGrace !== undefined && oldGrace < 0 && munged['terminationGracePeriodSeconds'] === 1) munged['terminationGracePeriodSeconds'] = oldGrace;
  if (oldGates.size > 0 && munged['nodeSelector'] !== undefined) munged['nodeSelector'] = oldSpec['nodeSelector'];
  if (canonicalJson(munged) !== canonicalJson(oldSpec)) {
    const changed: string[] = [];
    diffPaths(oldSpec, munged, 'spec', changed);
    // Go appends a cmp.Diff of the two specs; kubesim lists the changed paths instead.
    causes.push(
      forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS.join(',')}\n${changed.map((p) => `  changed: ${p}`).join('\n')}`),
    );
  }
  return causes;
}

export function validatePodStatusUpdate(newPod: KubeObject, oldPod: KubeObject): FieldCause[] {
  const causes = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata);
  if (str(rec(newPod['spec'])['nodeName']) !== str(rec(oldPod['spec'])['nodeName'])) {
    // Go builds this path from "status", not "spec".
    causes.push(forbidden('status.nodeName', 'may not be changed directly'));
  }
  const nominated = str(rec(newPod['status'])['nominatedNodeName']);
  if (nominated !== '' && nominated !== str(rec(oldPod['status'])['nominatedNodeName'])) {
    for (const msg of nameIsDNSSubdomain(nominated, false)) causes.push(invalid('status.nominatedNodeName', nominated, msg));
  }
  const oldQos = rec(oldPod['status'])['qosClass'];
  const newQos = rec(newPod['status'])['qosClass'];
  if ((oldQos ?? '') !== (newQos ?? '')) causes.push(invalid('status.qosClass', newQos ?? '', FIELD_IMMUTABLE));
  return causes;
}

/** ValidatePodBinding: the body of POST pods/<name>/binding. */
export function validateBinding(binding: KubeObject): FieldCause[] {
  const target = rec(binding['target']);
  const causes: FieldCause[] = [];
  const kind = str(target['kind']);
  if (kind !== '' && kind !== 'Node') causes.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (str(target['name']) === '') causes.push(required('target.name'));
  return causes;
}
