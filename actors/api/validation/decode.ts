/**
 * Decoding: a quantity that does not parse fails decoding, a 400 BadRequest, before any
 * validation runs (apiserver endpoints/handlers/rest.go `transformDecodeError`).
 */

import type { KubeObject } from '../protocol.ts';
import { parseApiVersion } from '../resources.ts';
import { arr, rec } from './helpers.ts';
import { QUANTITY_FORMAT_ERROR } from '../quantity.ts';
import { quantityParses } from './quantity.ts';

/** Every resource list an object of `kind` carries. */
export function resourceLists(obj: KubeObject): unknown[] {
  const lists: unknown[] = [];
  const fromPodSpec = (spec: unknown): void => {
    for (const key of ['initContainers', 'containers']) {
      for (const c of arr(rec(spec)[key])) {
        const r = rec(rec(c)['resources']);
        lists.push(r['requests'], r['limits']);
      }
    }
  };
  const spec = rec(obj['spec']);
  switch (obj.kind) {
    case 'Pod':
      fromPodSpec(spec);
      break;
    case 'Deployment':
    case 'ReplicaSet':
      fromPodSpec(rec(spec['template'])['spec']);
      break;
    case 'ResourceQuota':
      lists.push(spec['hard'], rec(obj['status'])['hard'], rec(obj['status'])['used']);
      break;
    case 'LimitRange':
      for (const item of arr(spec['limits'])) {
        const i = rec(item);
        lists.push(i['max'], i['min'], i['default'], i['defaultRequest'], i['maxLimitRequestRatio']);
      }
      break;
    case 'Node':
      lists.push(rec(obj['status'])['capacity'], rec(obj['status'])['allocatable']);
      break;
  }
  return lists;
}

/**
 * The 400 BadRequest text when a quantity in `obj` cannot be decoded, as the apiserver's
 * decoder reports it (endpoints/handlers/rest.go): `Pod in version "v1" cannot be handled as a
 * Pod: quantities must match the regular expression '...'`. Undefined when every quantity parses.
 */
export function decodeError(obj: KubeObject): string | undefined {
  for (const list of resourceLists(obj)) {
    if (list === undefined || list === null) continue;
    for (const value of Object.values(rec(list))) {
      if (!quantityParses(value)) {
        const kind = obj.kind ?? '';
        const { version } = parseApiVersion(obj.apiVersion ?? '');
        return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${QUANTITY_FORMAT_ERROR}`;
      }
    }
  }
  return undefined;
}
