/**
 * TaintNodesByCondition (plugin/pkg/admission/nodetaint/admission.go), mutating, nodes on CREATE:
 * a new Node gets `node.kubernetes.io/not-ready:NoSchedule` (unless it has it already) so nothing
 * schedules onto it before the node lifecycle controller has seen it Ready and removed the taint.
 *
 * On by default in kube-apiserver, but NOT in kubesim's DEFAULT chain: without a node lifecycle
 * controller to lift the taint, no pod would ever schedule. Enable it by name in `createChain`.
 */
import type { KubeObject } from '../protocol.ts';
import { TAINT_NODE_NOT_READY } from './default-toleration-seconds.ts';
import { ALLOW, cloneObject, isResource, type AdmissionAttributes, type AdmissionLookup, type AdmissionPlugin, type AdmissionResult } from './types.ts';

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function admitTaintNodesByCondition(attrs: AdmissionAttributes, _lookup: AdmissionLookup): AdmissionResult {
  if (!isResource(attrs, 'nodes') || attrs.subresource || !attrs.object) return ALLOW;
  const taints = ((attrs.object as { spec?: { taints?: Taint[] } }).spec?.taints ?? []) as Taint[];
  // Taint.MatchTaint: same key and effect.
  if (taints.some((t) => t.key === TAINT_NODE_NOT_READY && t.effect === 'NoSchedule')) return ALLOW;
  const node = cloneObject(attrs.object) as KubeObject & { spec?: { taints?: Taint[] } };
  const spec = (node.spec ??= {});
  spec.taints = [...(spec.taints ?? []), { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }];
  return { object: node };
}

export const TaintNodesByCondition: AdmissionPlugin = {
  name: 'TaintNodesByCondition',
  operations: ['CREATE'],
  admit: admitTaintNodesByCondition,
};
