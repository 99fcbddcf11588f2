/** Port numbers, port names and container ports (pkg/apis/core/validation). */

import type { FieldCause } from '../errors.ts';
import { byteLength } from '../labels/names.ts';
import { duplicate, invalid, notSupported, required } from '../field-errors.ts';
import { num, rec, str } from './helpers.ts';

export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const PORT_RANGE = 'must be between 1 and 65535, inclusive';

export function isValidPortNum(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** validation.IsValidPortName. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** ValidatePortNumOrName for an IntOrString. */
export function validatePortNumOrName(port: unknown, path: string): FieldCause[] {
  if (typeof port === 'number') return isValidPortNum(port) ? [] : [invalid(path, port, PORT_RANGE)];
  if (typeof port === 'string') return isValidPortName(port).map((msg) => invalid(path, port, msg));
  return [invalid(path, port ?? null, 'must be an integer or a port name')]; // text unverified: Go reports an InternalError here
}

/** validateContainerPorts. The messages are the verified helpers'; the order of checks is from memory. */
export function validateContainerPorts(ports: unknown[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = rec(raw);
    const idx = `${path}[${i}]`;
    const name = str(p['name']);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const msg of msgs) causes.push(invalid(`${idx}.name`, name, msg));
      else if (names.has(name)) causes.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    const containerPort = num(p['containerPort']) ?? 0;
    if (containerPort === 0) causes.push(required(`${idx}.containerPort`));
    else if (!isValidPortNum(containerPort)) causes.push(invalid(`${idx}.containerPort`, containerPort, PORT_RANGE));
    const hostPort = num(p['hostPort']) ?? 0;
    if (hostPort !== 0 && !isValidPortNum(hostPort)) causes.push(invalid(`${idx}.hostPort`, hostPort, PORT_RANGE));
    const protocol = str(p['protocol']);
    if (protocol === '') causes.push(required(`${idx}.protocol`));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${idx}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
  });
  return causes;
}
