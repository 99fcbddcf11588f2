/**
 * Create and update validation for the fields kubesim models, returning `FieldCause[]` with the
 * field paths and messages of kube-apiserver (kubernetes pkg/apis/core/validation,
 * pkg/apis/apps/validation, apimachinery pkg/api/validation). The apiserver turns a non-empty
 * list into a 422 with errors.ts `invalid(kind, group, name, causes)`.
 *
 * Inputs are objects after defaulting, conversion to the storage version and prepareForCreate
 * (defaults.ts), the way the registry sees them: validation reads `spec.selector` of an
 * apps/v1 Deployment, so an extensions/v1beta1 one has already had its selector defaulted.
 *
 * Two request failures are not field causes and have their own helpers:
 * - `decodeError`: a quantity that does not parse fails decoding, a 400 BadRequest, before any
 *   validation runs.
 * - `resourceVersionSetOnCreate`: a create carrying a resourceVersion passes validation and
 *   admission and is then refused by the storage layer with a raw error, which the apiserver
 *   answers as 500 with reason "" (StatusReasonUnknown), not 400 or 422 (apiserver
 *   pkg/storage/etcd3/store.go Create; observed clients report code=500).
 *
 * Causes come out in the order Go appends them; Go iterates maps in random order, so wherever
 * it walks a map (labels, resource lists) this file walks the keys sorted.
 *
 * Texts were checked against the Go sources; the few that were not are marked `text unverified`.
 *
 * One concept a file in ./validation/: meta.ts (names, metadata), quantity.ts and decode.ts
 * (quantities), ports.ts, taints.ts, pod.ts, service.ts, apps.ts (Deployments, ReplicaSets),
 * namespace.ts, node.ts, others.ts (Lease, ResourceQuota, PriorityClass, RoleBinding,
 * Endpoints) and entry.ts (validateCreate, validateUpdate).
 */

export * from './validation/entry.ts';
export { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, nameValidatorFor, validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from './validation/meta.ts';
export { canonicalQuantity } from './quantity.ts';
export { decodeError, decodeErrorMessage, decodeQuantities, type DecodeResult } from './validation/decode.ts';
export { isValidPortName } from './validation/ports.ts';
export { nodePortAllocationError, SERVICE_NODE_PORT_RANGE } from './validation/service.ts';
export { POD_UPDATABLE_FIELDS, validateBinding, validatePodSpec } from './validation/pod.ts';
