/**
 * The smaller kinds: Leases (coordination), ResourceQuotas, PriorityClasses (scheduling),
 * RoleBindings (rbac) and Endpoints.
 */

import type { FieldCause } from '../errors.ts';
import { invalid, notSupported, required } from '../field-errors.ts';
import { isDNS1123Label } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, num, objectsOf, rec, str, nonNegative } from './helpers.ts';
import { nameIsDNSSubdomain, nameIsPathSegment, validateObjectMeta } from './meta.ts';
import { isValidPortNum, PORT_RANGE, SUPPORTED_PORT_PROTOCOLS } from './ports.ts';
import { validateQuantityValue } from './quantity.ts';

export function validateLease(lease: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain);
  const spec = rec(lease['spec']);
  const duration = num(spec['leaseDurationSeconds']);
  // text unverified: coordination ValidateLeaseSpec, from memory.
  if (duration !== undefined && duration <= 0) causes.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  causes.push(...nonNegative(spec, 'leaseTransitions', 'spec.leaseTransitions'));
  return causes;
}

export function validateResourceQuota(rq: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(rq.metadata, true, nameIsDNSSubdomain);
  const hard = rec(rec(rq['spec'])['hard']);
  for (const name of Object.keys(hard).sort()) causes.push(...validateQuantityValue(name, hard[name], `spec.hard[${name}]`));
  return causes;
}

export function validatePriorityClass(pc: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain);
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-') && name !== 'system-cluster-critical' && name !== 'system-node-critical') {
    // text unverified: scheduling ValidatePriorityClass, from memory.
    causes.push(invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
  }
  const policy = pc['preemptionPolicy'];
  if (policy !== undefined) {
    if (policy === '') causes.push(required('preemptionPolicy'));
    else if (policy !== 'PreemptLowerPriority' && policy !== 'Never') causes.push(notSupported('preemptionPolicy', policy, ['PreemptLowerPriority', 'Never']));
  }
  return causes;
}

export function validateRoleBinding(binding: KubeObject, clusterScoped: boolean): FieldCause[] {
  const causes = validateObjectMeta(binding.metadata, !clusterScoped, nameIsPathSegment);
  const roleRef = rec(binding['roleRef']);
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  // text unverified: rbac ValidateRoleBindingRef, from memory.
  if (str(roleRef['apiGroup']) !== 'rbac.authorization.k8s.io') causes.push(notSupported('roleRef.apiGroup', str(roleRef['apiGroup']), ['rbac.authorization.k8s.io']));
  if (!kinds.includes(str(roleRef['kind']))) causes.push(notSupported('roleRef.kind', str(roleRef['kind']), kinds));
  if (str(roleRef['name']) === '') causes.push(required('roleRef.name'));
  return causes;
}

export function validateEndpoints(ep: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  objectsOf(ep['subsets']).forEach((s, i) => {
    const p = `subsets[${i}]`;
    if (arr(s['addresses']).length === 0 && arr(s['notReadyAddresses']).length === 0) {
      causes.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    const ports = objectsOf(s['ports']);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = str(port['name']);
      if (ports.length > 1 && name === '') causes.push(required(`${pp}.name`));
      else if (name !== '') for (const msg of isDNS1123Label(name)) causes.push(invalid(`${pp}.name`, name, msg));
      if (!isValidPortNum(port['port'])) causes.push(invalid(`${pp}.port`, num(port['port']) ?? 0, PORT_RANGE));
      const protocol = str(port['protocol']);
      if (protocol === '') causes.push(required(`${pp}.protocol`));
      else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${pp}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
    });
  });
  return causes;
}
