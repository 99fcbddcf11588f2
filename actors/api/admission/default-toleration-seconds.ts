/**
 * DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds/admission.go), mutating,
 * pods on CREATE and UPDATE. A pod that does not already tolerate `node.kubernetes.io/not-ready`
 * (resp. `node.kubernetes.io/unreachable`) with effect NoExecute gets
 * `{key, operator: Exists, effect: NoExecute, tolerationSeconds: 300}` appended. A toleration with
 * an empty key (tolerates everything) or an empty effect (every effect) counts as present, so the
 * plugin never adds the same toleration twice.
 */
import { podSpec, type PodSpec, type Toleration } from './pod.ts';
import { ALLOW, cloneObject, isResource, type AdmissionAttributes, type AdmissionLookup, type AdmissionPlugin, type AdmissionResult } from './types.ts';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;

function tolerates(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

export function admitDefaultTolerationSeconds(attrs: AdmissionAttributes, _lookup: AdmissionLookup): AdmissionResult {
  if (!isResource(attrs, 'pods') || attrs.subresource || !attrs.object) return ALLOW;
  const existing = podSpec(attrs.object).tolerations ?? [];
  const missing = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE].filter((key) => !tolerates(existing, key));
  if (missing.length === 0) return ALLOW;
  const pod = cloneObject(attrs.object);
  const spec = ((pod as { spec?: PodSpec }).spec ??= {});
  spec.tolerations = [
    ...(spec.tolerations ?? []),
    ...missing.map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS })),
  ];
  return { object: pod };
}

export const DefaultTolerationSeconds: AdmissionPlugin = {
  name: 'DefaultTolerationSeconds',
  operations: ['CREATE', 'UPDATE'],
  admit: admitDefaultTolerationSeconds,
};
