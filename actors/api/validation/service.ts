/** Services (pkg/apis/core/validation `ValidateService`). */

import type { FieldCause } from '../errors.ts';
import { duplicate, forbidden, goStruct, invalid, notSupported, required } from '../field-errors.ts';
import { isDNS1123Label, isDNS1123Subdomain, validateLabels } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { arr, isObject, num, objectsOf, rec, str, strMap } from './helpers.ts';
import { nameIsDNS1035Label, validateObjectMeta } from './meta.ts';
import { isValidPortNum, PORT_RANGE, SUPPORTED_PORT_PROTOCOLS, validatePortNumOrName } from './ports.ts';

/**
 * kube-apiserver's --service-node-port-range default, 30000-32767
 * (pkg/kubeapiserver/options DefaultServiceNodePortRange: base 30000, size 2768).
 */
export const SERVICE_NODE_PORT_RANGE: { readonly base: number; readonly size: number } = Object.freeze({ base: 30000, size: 2768 });

/** net.PortRange.String(): "30000-32767". */
function portRangeText(range: { base: number; size: number }): string {
  return `${range.base}-${range.base + range.size - 1}`;
}

/**
 * The service registry's node port allocation (pkg/registry/core/service/storage/alloc.go
 * initNodePorts / updateNodePorts, portallocator ErrNotInRange). It runs in BeginCreate /
 * BeginUpdate, before validation, and its error comes alone:
 *   spec.ports[i].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767
 * Only NodePort and LoadBalancer services allocate node ports; an update allocates the ones the
 * old service did not hold. (kubesim does not track which ports other services hold, so
 * "provided port is already allocated" is not modeled.)
 */
export function nodePortAllocationError(svc: KubeObject, old?: KubeObject, range = SERVICE_NODE_PORT_RANGE): FieldCause | undefined {
  const spec = rec(svc['spec']);
  const type = str(spec['type']);
  if (type !== 'NodePort' && type !== 'LoadBalancer') return undefined;
  const held = new Set(old ? objectsOf(rec(old['spec'])['ports']).map((p) => num(p['nodePort']) ?? 0) : []);
  const ports = objectsOf(spec['ports']);
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i]!;
    // findRequestedNodePort: the first node port asked for this service port number.
    const requested = ports.find((p) => num(p['port']) === num(port['port']) && (num(p['nodePort']) ?? 0) !== 0);
    const nodePort = old ? (num(port['nodePort']) ?? 0) : (num(requested?.['nodePort']) ?? 0);
    if (nodePort === 0 || held.has(nodePort)) continue;
    if (nodePort < range.base || nodePort >= range.base + range.size) {
      return invalid(`spec.ports[${i}].nodePort`, nodePort, `provided port is not in the valid range. The range of valid ports is ${portRangeText(range)}`);
    }
    held.add(nodePort);
  }
  return undefined;
}

export const SESSION_AFFINITIES = ['ClientIP', 'None'];
export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

export function validateService(svc: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const spec = rec(svc['spec']);
  const type = str(spec['type']);
  const headless = spec['clusterIP'] === 'None' || arr(spec['clusterIPs'])[0] === 'None';
  const ports = objectsOf(spec['ports']);
  if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required('spec.ports'));
  if (type === 'ExternalName') {
    const cname = str(spec['externalName']).replace(/\.$/, '');
    if (cname === '') causes.push(required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(cname)) causes.push(invalid('spec.externalName', cname, msg));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p['name']);
    if (ports.length > 1 && name === '') causes.push(required(`${path}.name`));
    else if (name !== '') {
      for (const msg of isDNS1123Label(name)) causes.push(invalid(`${path}.name`, name, msg));
      if (names.has(name)) causes.push(duplicate(`${path}.name`, name));
      else names.add(name);
    }
    if (!isValidPortNum(p['port'])) causes.push(invalid(`${path}.port`, num(p['port']) ?? 0, PORT_RANGE));
    const protocol = str(p['protocol']);
    if (protocol === '') causes.push(required(`${path}.protocol`));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${path}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
    causes.push(...validatePortNumOrName(p['targetPort'], `${path}.targetPort`));
  });
  if (isObject(spec['selector'])) causes.push(...validateLabels(strMap(spec['selector']), 'spec.selector'));
  const affinity = str(spec['sessionAffinity']);
  if (affinity === '') causes.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) causes.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'None' && spec['sessionAffinityConfig'] !== undefined) {
    causes.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  if (type === '') causes.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) causes.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(p['nodePort']) ?? 0) !== 0) causes.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const nodePort = num(p['nodePort']) ?? 0;
    if (nodePort === 0) return;
    const key = `${str(p['protocol'])}/${nodePort}`;
    if (nodePorts.has(key)) causes.push(duplicate(`spec.ports[${i}].nodePort`, nodePort));
    nodePorts.add(key);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${str(p['protocol'])}/${num(p['port']) ?? 0}`;
    if (seenPorts.has(key)) {
      // text unverified: Go prints the internal core.ServicePort key struct via json.Marshal (no json tags).
      causes.push(
        duplicate(
          `spec.ports[${i}]`,
          goStruct({ Name: '', Protocol: str(p['protocol']), AppProtocol: null, Port: num(p['port']) ?? 0, TargetPort: 0, NodePort: 0 }),
        ),
      );
    }
    seenPorts.add(key);
  });
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec['externalIPs']).length > 0);
  const etp = str(spec['externalTrafficPolicy']);
  if (!externallyAccessible && etp !== '') causes.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  if (externallyAccessible && etp === '') causes.push(required('spec.externalTrafficPolicy'));
  else if (externallyAccessible && etp !== 'Cluster' && etp !== 'Local') causes.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const itp = spec['internalTrafficPolicy'];
  if (itp === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) causes.push(required('spec.internalTrafficPolicy'));
  if (itp !== undefined && itp !== 'Cluster' && itp !== 'Local') causes.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  return causes;
}
