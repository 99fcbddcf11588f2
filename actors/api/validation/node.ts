/** Nodes (pkg/apis/core/validation `ValidateNode`). */

import type { FieldCause } from '../errors.ts';
import { invalid, notSupported, required } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue } from '../labels/names.ts';
import type { KubeObject } from '../protocol.ts';
import { objectsOf, rec, str } from './helpers.ts';
import { nameIsDNSSubdomain, validateObjectMeta } from './meta.ts';
import { TAINT_EFFECTS } from './taints.ts';

export function validateNode(node: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  objectsOf(rec(node['spec'])['taints']).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    const key = str(t['key']);
    for (const msg of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, msg));
    const value = str(t['value']);
    for (const msg of isValidLabelValue(value)) causes.push(invalid(`${p}.value`, value, msg));
    const effect = str(t['effect']);
    if (effect === '') causes.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) causes.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
  return causes;
}
